"""Compact JSON-LD written directly from triples with the shipped context.

Generic JSON-LD compaction is slow on large graphs and its output order is not stable. Since we
own the context (``ontology/context.jsonld``), we write the compacted form ourselves: one node
object per subject, sorted, keys from the context's terms ("party", "title"), compact IRIs
elsewhere, and explicit value objects wherever a term's type coercion does not fit the value.
Tests expand the output with an independent processor (pyld) and compare it with the Turtle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from . import terms

STRING = terms.XSD + "string"


class Context:
    """What the writer needs from a JSON-LD context: prefixes, terms and their coercions."""

    def __init__(self, document: dict[str, Any]):
        self.document = document
        context: dict[str, Any] = document["@context"]
        self.prefixes = {
            name: value
            for name, value in context.items()
            if isinstance(value, str) and value.endswith(("/", "#"))
        }
        self._by_length = sorted(self.prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.classes: dict[str, str] = {}  # class IRI -> term
        self.properties: dict[str, tuple[str, str | None]] = {}  # IRI -> (term, coercion)
        for name, value in context.items():
            if name in self.prefixes:
                continue
            if isinstance(value, str):
                self.classes[self.expand(value)] = name
                self.properties.setdefault(self.expand(value), (name, None))
            else:
                coercion = value.get("@type")
                iri = self.expand(value["@id"])
                self.properties[iri] = (
                    name,
                    self.expand(coercion) if coercion and coercion != "@id" else coercion,
                )

    @classmethod
    def load(cls, path: Path) -> Context:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def expand(self, curie: str) -> str:
        prefix, sep, local = curie.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return curie

    def compact(self, iri: str) -> str:
        """A compact IRI (``region:cluj``) where a prefix fits, else the IRI itself."""
        for prefix, namespace in self._by_length:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                local = iri[len(namespace) :]
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        return iri


def _sort_key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> tuple[int, str, str, str]:
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    return (2, term.value, term.language or "", term.datatype.value)


def _node_id(context: Context, term: ox.NamedNode | ox.BlankNode) -> str:
    return context.compact(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _value(context: Context, term: Any, coercion: str | None) -> Any:
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        node_id = _node_id(context, term)
        return node_id if coercion == "@id" else {"@id": node_id}
    assert isinstance(term, ox.Literal)
    datatype = term.datatype.value
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if coercion is None and datatype == STRING:
        return term.value
    if coercion == datatype:
        return term.value
    if datatype == STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": context.compact(datatype)}


def node_objects(context: Context, triples: Iterable[ox.Triple]) -> Iterator[dict[str, Any]]:
    """One node object per subject, subjects in IRI order."""
    by_subject: dict[Any, dict[str, list[Any]]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, {}).setdefault(triple.predicate.value, []).append(
            triple.object
        )
    for subject in sorted(by_subject, key=_sort_key):
        predicates = by_subject[subject]
        node: dict[str, Any] = {"@id": _node_id(context, subject)}
        types = sorted(
            (o for o in predicates.pop(terms.RDF_TYPE, []) if isinstance(o, ox.NamedNode)),
            key=_sort_key,
        )
        if types:
            names = [context.classes.get(t.value) or context.compact(t.value) for t in types]
            node["@type"] = names[0] if len(names) == 1 else names
        entries = []
        for predicate, objects in predicates.items():
            name, coercion = context.properties.get(predicate, (context.compact(predicate), None))
            values = [_value(context, o, coercion) for o in sorted(set(objects), key=_sort_key)]
            entries.append((name, values[0] if len(values) == 1 else values))
        node.update(sorted(entries))
        yield node


def write(context: Context, triples: Iterable[ox.Triple], out: IO[str]) -> None:
    """Write a compacted JSON-LD document with the context inline (no remote context)."""
    out.write('{\n  "@context": ')
    out.write(_indent(json.dumps(context.document["@context"], ensure_ascii=False, indent=2)))
    out.write(',\n  "@graph": [')
    first = True
    for node in node_objects(context, triples):
        out.write("\n    " if first else ",\n    ")
        out.write(_indent(json.dumps(node, ensure_ascii=False, indent=2), 4))
        first = False
    out.write("\n  ]\n}\n")


def _indent(text: str, spaces: int = 2) -> str:
    return text.replace("\n", "\n" + " " * spaces)
