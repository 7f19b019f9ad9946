"""The ontology documented in the manner of pyLODE: a section per class and property.

Each term shows its IRI, its labels and definitions in English, Romanian and Czech, its
comment, its superclasses or domain and range, and the schemes list their concepts; the page
is the ontology IRI's page (``/ontology``), so ``ontology#Agreement`` lands on its section.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .. import terms
from .model import ONTOLOGY_IRI, SiteGraph, select
from .pages import Linker, Value

P = terms.PREFIXES
LANGUAGES = ("en", "ro", "cs")
GROUPS = [
    (P["owl"] + "Class", "classes"),
    (P["owl"] + "ObjectProperty", "object_properties"),
    (P["owl"] + "DatatypeProperty", "datatype_properties"),
    (P["owl"] + "AnnotationProperty", "annotation_properties"),
    (P["rdf"] + "Property", "properties"),
]


@dataclass
class TermView:
    anchor: str
    iri: str
    title: str
    labels: list[tuple[str, str]]  # (language, text)
    definitions: list[tuple[str, str]]
    comments: list[tuple[str, str]]
    relations: list[tuple[str, list[Value]]]  # (message key, values)


@dataclass
class SchemeView:
    iri: str
    title: str
    href: str | None
    concepts: list[tuple[Value, list[tuple[str, str]], list[tuple[str, str]]]]


@dataclass
class OntologyView:
    title: str
    metadata: list[tuple[str, list[Value]]]
    descriptions: list[tuple[str, str]]
    groups: list[tuple[str, list[TermView]]]
    schemes: list[SchemeView]


def _texts(graph: SiteGraph, iri: str, predicate: str) -> list[tuple[str, str]]:
    literals = [
        o for o in graph.by_subject.get(iri, {}).get(predicate, []) if isinstance(o, ox.Literal)
    ]
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    literals.sort(key=lambda lit: (order.get(lit.language or "", 9), lit.language or "", lit.value))
    return [(lit.language or "", lit.value) for lit in literals]


def build(graph: SiteGraph, page: str) -> OntologyView:
    linker = Linker(graph, page)
    by_type: dict[str, list[str]] = {}
    for row in select(graph.store, "ontology-terms"):
        by_type.setdefault(row["type"].value, []).append(row["term"].value)
    seen: set[str] = set()
    groups = []
    relations = [
        ("superclasses", P["rdfs"] + "subClassOf"),
        ("superclasses", P["rdfs"] + "subPropertyOf"),
        ("domain", P["rdfs"] + "domain"),
        ("range", P["rdfs"] + "range"),
    ]
    for type_iri, key in GROUPS:
        views = []
        for iri in sorted(set(by_type.get(type_iri, [])) - seen):
            seen.add(iri)
            facts = graph.by_subject.get(iri, {})
            rel = [
                (name, [linker.value(o) for o in sorted(facts[p], key=lambda t: str(t))])
                for name, p in relations
                if facts.get(p)
            ]
            views.append(
                TermView(
                    anchor=iri.split("#", 1)[1],
                    iri=iri,
                    title=graph.label(iri),
                    labels=_texts(graph, iri, P["rdfs"] + "label"),
                    definitions=_texts(graph, iri, P["skos"] + "definition"),
                    comments=_texts(graph, iri, P["rdfs"] + "comment"),
                    relations=rel,
                )
            )
        if views:
            groups.append((key, views))
    schemes: dict[str, list[str]] = {}
    for row in select(graph.store, "schemes"):
        concepts = schemes.setdefault(row["scheme"].value, [])
        if row["concept"] is not None:
            concepts.append(row["concept"].value)
    scheme_views = []
    for scheme in sorted(schemes, key=lambda s: (graph.label(s), s)):
        concepts = sorted(set(schemes[scheme]), key=lambda c: (graph.label(c).casefold(), c))
        scheme_views.append(
            SchemeView(
                iri=scheme,
                title=graph.label(scheme),
                href=linker.link(scheme),
                concepts=[
                    (
                        linker.value(ox.NamedNode(c)),
                        _texts(graph, c, P["skos"] + "prefLabel"),
                        _texts(graph, c, P["skos"] + "definition"),
                    )
                    for c in concepts
                ],
            )
        )
    header = graph.by_subject.get(ONTOLOGY_IRI, {})
    metadata = []
    for predicate in sorted(header):
        if predicate in (P["dcterms"] + "title", P["dcterms"] + "description", terms.RDF_TYPE):
            continue
        label, _ = linker.predicate(predicate)
        values = [linker.value(o) for o in sorted(header[predicate], key=lambda t: str(t))]
        metadata.append((label, values))
    return OntologyView(
        title=graph.label(ONTOLOGY_IRI),
        metadata=metadata,
        descriptions=_texts(graph, ONTOLOGY_IRI, P["dcterms"] + "description"),
        groups=groups,
        schemes=scheme_views,
    )
