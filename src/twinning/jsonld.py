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

from . import safeio, terms
from .errors import CannotRun

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
        """Read a context file; anything but a JSON object of prefixes and terms is refused."""
        text = safeio.read_text(path)
        try:
            return cls(json.loads(text))
        except json.JSONDecodeError as err:
            raise CannotRun(
                f"not JSON: {err.msg}", path=path, line=err.lineno, column=err.colno
            ) from err
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise CannotRun(
                f"not a JSON-LD context this writer understands ({type(err).__name__}: {err})",
                path=path,
            ) from err

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


def _value(context: Context, term: Any, coercion: str | None, cache: dict[str, str]) -> Any:
    if isinstance(term, ox.NamedNode):
        node_id = cache.get(term.value)
        if node_id is None:
            node_id = cache[term.value] = context.compact(term.value)
        return node_id if coercion == "@id" else {"@id": node_id}
    if isinstance(term, ox.BlankNode):
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


def _node(
    context: Context, subject: Any, predicates: dict[str, list[Any]], cache: dict[str, str]
) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": _node_id(context, subject)}
    types = predicates.pop(terms.RDF_TYPE, None)
    if types:
        names = sorted(
            context.classes.get(t.value) or context.compact(t.value)
            for t in types
            if isinstance(t, ox.NamedNode)
        )
        node["@type"] = names[0] if len(names) == 1 else names
    entries = []
    properties = context.properties
    for predicate, objects in predicates.items():
        found = properties.get(predicate)
        name, coercion = found if found else (context.compact(predicate), None)
        if len(objects) == 1:
            entries.append((name, _value(context, objects[0], coercion, cache)))
        else:
            ordered = sorted(set(objects), key=_sort_key)
            entries.append((name, [_value(context, o, coercion, cache) for o in ordered]))
    entries.sort(key=lambda entry: entry[0])
    node.update(entries)
    return node


def node_objects(context: Context, triples: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """One node object per subject, in the order the subjects come.

    ``triples`` must give each subject's triples together, as a store does; a subject that
    comes back after another is an error rather than a silently split node.
    """
    cache: dict[str, str] = {}
    done: set[Any] = set()
    subject: Any = None
    predicates: dict[str, list[Any]] = {}
    for triple in triples:
        if triple.subject != subject:
            if subject is not None:
                yield _node(context, subject, predicates, cache)
                done.add(subject)
            if triple.subject in done:
                raise ValueError(f"triples of {triple.subject} are not together")
            subject, predicates = triple.subject, {}
        predicates.setdefault(triple.predicate.value, []).append(triple.object)
    if subject is not None:
        yield _node(context, subject, predicates, cache)


def write(context: Context, triples: Iterable[Any], out: IO[str]) -> None:
    """Write a compacted JSON-LD document with the context inline (no remote context).

    The context is indented for people; each node object takes one line, which keeps
    diffs small and lets the C JSON encoder do the work on large graphs.
    """
    out.write('{\n  "@context": ')
    out.write(_indent(json.dumps(context.document["@context"], ensure_ascii=False, indent=2)))
    out.write(',\n  "@graph": [')
    separator = "\n    "
    for node in node_objects(context, triples):
        out.write(separator)
        out.write(json.dumps(node, ensure_ascii=False))
        separator = ",\n    "
    out.write("\n  ]\n}\n")


def _indent(text: str, spaces: int = 2) -> str:
    return text.replace("\n", "\n" + " " * spaces)
