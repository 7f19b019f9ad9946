"""One page per resource: every fact with its provenance, names in all languages, related pages.

The view of a resource is built here from the :class:`~.model.SiteGraph` (no query per page);
the template only lays it out. Beside each page go the resource's own triples (exactly those
whose subject it is, with their w3id IRIs) as Turtle, N-Triples and JSON-LD.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .. import jsonld, rdfio, terms
from ..geojson_export import coordinate
from .conneg import MEDIA_TYPES
from .model import (
    BASE,
    LABEL_PREDICATES,
    NAME_PREDICATES,
    ONTOLOGY_IRI,
    SiteGraph,
    href,
    local_name,
    pick_language,
    root_prefix,
    safe_path,
)

P = terms.PREFIXES
PROVENANCE = [
    terms.DCT_SOURCE,
    terms.SOURCE_QUOTE,
    terms.tw("sourceItem"),
    terms.APPROVED_BY,
    P["prov"] + "wasDerivedFrom",
    P["pav"] + "retrievedOn",
]
WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"
# Our classes and the schema.org type search engines know them by.
SCHEMA_TYPES = {
    terms.REGION: "AdministrativeArea",
    terms.AGREEMENT: "CreativeWork",
    terms.DECISION: "Legislation",
    terms.SOURCE_DOCUMENT: "CreativeWork",
    terms.SIGNING_BODY: "GovernmentOrganization",
    P["org"] + "FormalOrganization": "Organization",
    P["schema"] + "Person": "Person",
    terms.tw("Event"): "Event",
    P["skos"] + "Concept": "DefinedTerm",
    P["skos"] + "ConceptScheme": "DefinedTermSet",
}
FORMATS = [("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples")]


@dataclass
class Value:
    text: str
    href: str | None = None
    lang: str | None = None
    external: bool = False
    note: str = ""  # datatype or compact IRI, shown small


@dataclass
class Fact:
    predicate: str
    predicate_href: str | None
    predicate_iri: str
    values: list[Value]


@dataclass
class ResourceView:
    iri: str
    path: str
    title: str
    title_lang: str | None
    types: list[Value]
    names: list[Value]
    facts: list[Fact]
    provenance: list[Fact]
    inbound: list[Fact]
    wikidata: list[Value]
    files: list[tuple[str, str, str]]  # (href, label, media type)
    schema_org: str
    extra: dict[str, Any] = field(default_factory=dict)


_COMPACTOR = rdfio.Compactor(terms.PREFIXES)


@functools.lru_cache(maxsize=100_000)
def compact(iri: str) -> str:
    """``region:cluj`` for an IRI (or ``<iri>``), remembered: pages repeat the same IRIs."""
    return _COMPACTOR.iri(iri)


class Linker:
    """Turns terms into displayed values and links, relative to the page being written."""

    def __init__(self, graph: SiteGraph, page: str):
        self.graph = graph
        self.page = page  # site file of the page, e.g. id/region/cluj.html

    def link(self, iri: str) -> str | None:
        """A relative link inside the site, an http(s) URL, or None (shown unlinked)."""
        path = self.graph.page_of(iri)
        if path is None:
            if iri.startswith(BASE):  # one of our documents, such as dist/twinning.ttl
                rest = iri[len(BASE) :]
                if not rest:
                    return root_prefix(self.page) + "index.html"
                if rest.startswith("id/") or not safe_path(rest):
                    return None  # no page of its own, or not a path inside the site
                return root_prefix(self.page) + rest
            if iri.startswith(terms.WD):
                return WIKIDATA_PAGE + iri[len(terms.WD) :]
            return iri if iri.startswith(("http://", "https://")) else None
        fragment = iri.split("#", 1)[1] if "#" in iri else ""
        return href(self.page, f"{path}.html", fragment)

    def value(self, term: Any) -> Value:
        if isinstance(term, ox.NamedNode):
            iri = term.value
            ours = iri.startswith(BASE)
            text = self.graph.label(iri) if iri in self.graph.by_subject else None
            if text is None:
                text = compact(iri).strip("<>")
            return Value(text, self.link(iri), external=not ours, note=compact(iri))
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            note = ""
            if not term.language and datatype != terms.XSD + "string":
                note = compact(datatype)
            return Value(term.value, lang=term.language or None, note=note)
        return Value(str(term))

    def predicate(self, iri: str) -> tuple[str, str | None]:
        if iri.startswith(terms.ONTOLOGY):
            return self.graph.label(iri), self.link(iri)
        return compact(iri).strip("<>"), None


def _sorted_values(linker: Linker, objects: list[Any]) -> list[Value]:
    return [linker.value(o) for o in sorted(set(objects), key=rdfio.term_sort_key)]


def resource_view(
    graph: SiteGraph,
    iri: str,
    path: str,
    base_url: str,
    partners: dict[str, list[tuple[str, tuple[str, ...]]]] | None = None,
) -> ResourceView:
    """The view of one resource; ``partners`` maps a region to its partners and their
    agreements (from the map's partnerships), shown on region pages."""
    page = f"{path}.html"
    linker = Linker(graph, page)
    facts_by_predicate = graph.by_subject.get(iri, {})
    names: list[Value] = []
    facts: list[Fact] = []
    provenance: list[Fact] = []
    for predicate in sorted(facts_by_predicate, key=lambda p: (linker.predicate(p)[0], p)):
        if predicate == terms.RDF_TYPE:
            continue
        objects = facts_by_predicate[predicate]
        label, predicate_href = linker.predicate(predicate)
        fact = Fact(label, predicate_href, predicate, _sorted_values(linker, objects))
        if predicate in NAME_PREDICATES:
            for value in fact.values:
                value.note = label
            names.extend(fact.values)
        if predicate in PROVENANCE:
            provenance.append(fact)
        elif predicate not in NAME_PREDICATES:
            facts.append(fact)
    provenance.sort(key=lambda f: PROVENANCE.index(f.predicate_iri))
    inbound_groups: dict[str, list[str]] = {}
    for predicate, subject in graph.inbound.get(iri, []):
        inbound_groups.setdefault(predicate, []).append(subject)
    inbound = []
    for predicate in sorted(inbound_groups, key=lambda p: (linker.predicate(p)[0], p)):
        label, predicate_href = linker.predicate(predicate)
        subjects = sorted(set(inbound_groups[predicate]), key=lambda s: (graph.label(s), s))
        values = [linker.value(ox.NamedNode(s)) for s in subjects]
        inbound.append(Fact(label, predicate_href, predicate, values))
    wikidata = [
        Value(local_name(o.value), WIKIDATA_PAGE + local_name(o.value), external=True)
        for o in facts_by_predicate.get(terms.OWL_SAME_AS, [])
        if isinstance(o, ox.NamedNode) and o.value.startswith(terms.WD)
    ]
    types = _sorted_values(linker, facts_by_predicate.get(terms.RDF_TYPE, []))
    title_literal = _title_literal(graph, iri)
    name = local_name(path)
    files = [(f"{name}.{ext}", label, MEDIA_TYPES[ext]) for ext, label in FORMATS]
    return ResourceView(
        iri=iri,
        path=path,
        title=graph.label(iri),
        title_lang=title_literal.language if title_literal is not None else None,
        types=types,
        names=names,
        facts=facts,
        provenance=provenance,
        inbound=inbound,
        wikidata=wikidata,
        files=files,
        schema_org=schema_org(graph, iri, base_url + page),
        extra={
            "partners": [
                (
                    linker.value(ox.NamedNode(partner)),
                    [linker.value(ox.NamedNode(a)) for a in agreements],
                )
                for partner, agreements in (partners or {}).get(iri, [])
            ]
        },
    )


def _title_literal(graph: SiteGraph, iri: str) -> ox.Literal | None:
    facts = graph.by_subject.get(iri, {})
    for predicate in LABEL_PREDICATES:
        literals = [o for o in facts.get(predicate, []) if isinstance(o, ox.Literal)]
        if literals:
            return pick_language(literals, graph.lang)
    return None


def schema_org(graph: SiteGraph, iri: str, url: str) -> str:
    """schema.org JSON-LD for search engines, safe to embed in a ``<script>`` element."""
    facts = graph.by_subject.get(iri, {})
    kinds = [SCHEMA_TYPES[t] for t in graph.types(iri) if t in SCHEMA_TYPES]
    node: dict[str, Any] = {
        "@context": "https://schema.org",
        "@id": iri,
        "@type": kinds[0] if kinds else "Thing",
        "name": graph.label(iri),
        "url": url,
    }
    others = sorted(
        {
            o.value
            for p in NAME_PREDICATES
            for o in facts.get(p, [])
            if isinstance(o, ox.Literal) and o.value != node["name"]
        }
    )
    if others:
        node["alternateName"] = others
    same = sorted(
        WIKIDATA_PAGE + local_name(o.value)
        for o in facts.get(terms.OWL_SAME_AS, [])
        if isinstance(o, ox.NamedNode) and o.value.startswith(terms.WD)
    )
    if same:
        node["sameAs"] = same
    for predicate in (P["dcterms"] + "description", P["schema"] + "description"):
        literals = [o for o in facts.get(predicate, []) if isinstance(o, ox.Literal)]
        if literals:
            node["description"] = pick_language(literals, graph.lang).value
            break
    for geo in facts.get(P["schema"] + "geo", []):
        point = graph.by_subject.get(geo.value, {})
        lats, lons = point.get(P["schema"] + "latitude"), point.get(P["schema"] + "longitude")
        lat = coordinate(lats[0], 90) if lats else None
        lon = coordinate(lons[0], 180) if lons else None
        if lat is not None and lon is not None:
            node["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
    text = json.dumps(node, ensure_ascii=False, sort_keys=True, indent=1)
    # Not only "</script>": "<!--" with "<script" inside a script element hides its end tag
    # from the HTML parser. Escaped as JSON escapes, the text has no "<", ">" or "&" at all.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ----------------------------------------------------------------------------- data files


class JsonLdWriter:
    """``jsonld.write``'s document shape, with an inline context cut to what the document uses.

    The shipped context is several times larger than one resource's description, so each
    file keeps only the terms and prefixes its nodes use (a superset: any string that starts
    with a known prefix keeps that prefix). Still self-contained: no remote context to fetch.
    """

    def __init__(self, context: jsonld.Context):
        self.context = context
        self.entries: dict[str, Any] = context.document["@context"]
        self.prefixes = set(context.prefixes)

    def _used(self, value: Any, found: set[str]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._used(key, found)
                self._used(item, found)
        elif isinstance(value, list):
            for item in value:
                self._used(item, found)
        elif isinstance(value, str):
            if value in self.entries:
                found.add(value)
            prefix = value.split(":", 1)[0]
            if prefix in self.prefixes:
                found.add(prefix)

    def write(self, triples: list[ox.Triple]) -> str:
        nodes = list(jsonld.node_objects(self.context, triples))
        found: set[str] = set()
        self._used(nodes, found)
        for name in list(found):  # the prefixes a kept term's definition relies on
            self._used(self.entries[name], found)
        kept = {name: value for name, value in self.entries.items() if name in found}
        text = json.dumps(kept, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        texts = [json.dumps(node, ensure_ascii=False) for node in nodes]
        body = "".join(f"{',' if i else ''}\n    {text}" for i, text in enumerate(texts))
        return '{\n  "@context": ' + text + ',\n  "@graph": [' + body + "\n  ]\n}\n"


def resource_files(triples: Iterable[ox.Triple], writer: JsonLdWriter) -> dict[str, str]:
    """The resource's own triples as Turtle, N-Triples and JSON-LD (extension -> text)."""
    ordered = sorted(
        set(triples),
        key=lambda t: (
            rdfio.term_sort_key(t.subject),
            t.predicate.value,
            rdfio.term_sort_key(t.object),
        ),
    )
    lines = sorted(f"{t.subject} {t.predicate} {t.object} .\n" for t in ordered)
    return {
        "ttl": rdfio.canonical_turtle(ordered),
        "nt": "".join(lines),
        "jsonld": writer.write(ordered),
    }


def ontology_triples(graph: SiteGraph) -> list[ox.Triple]:
    """The ontology's own description: its header and every term in its namespace."""
    found: list[ox.Triple] = []
    for subject, triples in graph.triples_of.items():
        if subject == ONTOLOGY_IRI or subject.startswith(terms.ONTOLOGY):
            found.extend(triples)
    return found
