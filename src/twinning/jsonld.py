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
        self._by_namespace: dict[str, str] = {}  # namespace -> prefix (first by name)
        for name, namespace in sorted(self.prefixes.items()):
            self._by_namespace.setdefault(namespace, name)
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
        """A compact IRI (``region:cluj``) where a prefix fits, else the IRI itself.

        The longest namespace wins; every namespace ends in ``/`` or ``#``, so only the IRI's
        beginnings up to one of those (shorter than the IRI itself) are looked up.
        """
        cut = max(iri.rfind("/", 0, len(iri) - 1), iri.rfind("#", 0, len(iri) - 1))
        while cut >= 0:
            prefix = self._by_namespace.get(iri[: cut + 1])
            if prefix is not None and not iri.startswith("//", cut + 1):
                return f"{prefix}:{iri[cut + 1 :]}"
            cut = max(iri.rfind("/", 0, cut), iri.rfind("#", 0, cut))
        return iri


# A term as a plain tuple that is also its sort key: (0, IRI), (1, blank node label) or
# (2, lexical form, language, datatype). Node objects are built from these, whether the triples
# come as Oxigraph objects or as lines of a sorted N-Triples file.
Key = tuple[int, str, str, str]
LANG_STRING = terms.PREFIXES["rdf"] + "langString"


def _key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Key:
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    return (2, term.value, term.language or "", term.datatype.value)


def _node_id(context: Context, term: Key) -> str:
    return context.compact(term[1]) if term[0] == 0 else f"_:{term[1]}"


def _value(context: Context, term: Key, coercion: str | None, cache: dict[str, str]) -> Any:
    kind, value, language, datatype = term
    if kind == 0:
        node_id = cache.get(value)
        if node_id is None:
            node_id = cache[value] = context.compact(value)
        return node_id if coercion == "@id" else {"@id": node_id}
    if kind == 1:
        node_id = f"_:{value}"
        return node_id if coercion == "@id" else {"@id": node_id}
    if language:
        return {"@value": value, "@language": language}
    if coercion is None and datatype == STRING:
        return value
    if coercion == datatype:
        return value
    if datatype == STRING:
        return {"@value": value}
    return {"@value": value, "@type": context.compact(datatype)}


def _node(
    context: Context, subject: Key, predicates: dict[str, list[Key]], cache: dict[str, str]
) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": _node_id(context, subject)}
    types = predicates.pop(terms.RDF_TYPE, None)
    if types:
        names = sorted(
            context.classes.get(t[1]) or context.compact(t[1]) for t in types if t[0] == 0
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
            ordered = sorted(set(objects))
            entries.append((name, [_value(context, o, coercion, cache) for o in ordered]))
    entries.sort(key=lambda entry: entry[0])
    node.update(entries)
    return node


def node_objects(context: Context, triples: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """One node object per subject, in the order the subjects come.

    ``triples`` must give each subject's triples together, as a store does; a subject that
    comes back after another is an error rather than a silently split node.
    """
    keyed = ((_key(t.subject), t.predicate.value, _key(t.object)) for t in triples)
    return _grouped(context, keyed)


def _grouped(context: Context, triples: Iterable[tuple[Key, str, Key]]) -> Iterator[dict[str, Any]]:
    cache: dict[str, str] = {}
    done: set[Key] = set()
    subject: Key | None = None
    predicates: dict[str, list[Key]] = {}
    for triple_subject, predicate, obj in triples:
        if triple_subject != subject:
            if subject is not None:
                yield _node(context, subject, predicates, cache)
                done.add(subject)
            if triple_subject in done:
                raise ValueError(f"triples of {triple_subject[1]} are not together")
            subject, predicates = triple_subject, {}
        predicates.setdefault(predicate, []).append(obj)
    if subject is not None:
        yield _node(context, subject, predicates, cache)


def _ntriples_term(text: str) -> Key:
    """One term of a line as Oxigraph writes N-Triples (IRIs and non-ASCII text unescaped)."""
    if text[0] == "<":
        return (0, text[1:-1], "", "")
    if text[0] == "_":
        return (1, text[2:], "", "")
    end = text.rindex('"')
    quoted, suffix = text[: end + 1], text[end + 1 :]
    # Oxigraph escapes only quote, backslash and control characters, the way JSON does; a
    # \U escape (which JSON lacks) goes to Oxigraph's own parser.
    if "\\U" in quoted:
        literal = next(iter(ox.parse(f"<x:s> <x:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
        return _key(literal.object)
    value = json.loads(quoted)
    if suffix.startswith("@"):
        return (2, value, suffix[1:], LANG_STRING)
    if suffix.startswith("^^<"):
        return (2, value, "", suffix[3:-1])
    return (2, value, "", STRING)


def _ntriples_lines(path: Path) -> Iterator[tuple[Key, str, Key]]:
    subjects: dict[str, Key] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            subject, _, rest = line.partition(" ")
            predicate, _, obj = rest.partition(" ")
            key = subjects.get(subject)
            if key is None:
                subjects.clear()  # subjects come together: only the current one is kept
                key = subjects[subject] = _ntriples_term(subject)
            yield key, predicate[1:-1], _ntriples_term(obj.rstrip("\n")[:-2])


def write_ntriples_file(context: Context, path: Path, out: IO[str]) -> None:
    """:func:`write` for the triples of an N-Triples file written by Oxigraph, subjects
    together (the export's sorted file), read as text lines rather than parsed into objects."""
    _write_nodes(context, _grouped(context, _ntriples_lines(path)), out)


def write(context: Context, triples: Iterable[Any], out: IO[str]) -> None:
    """Write a compacted JSON-LD document with the context inline (no remote context).

    The context is indented for people; each node object takes one line, which keeps
    diffs small and lets the C JSON encoder do the work on large graphs.
    """
    _write_nodes(context, node_objects(context, triples), out)


def _write_nodes(context: Context, nodes: Iterable[dict[str, Any]], out: IO[str]) -> None:
    out.write('{\n  "@context": ')
    out.write(_indent(json.dumps(context.document["@context"], ensure_ascii=False, indent=2)))
    out.write(',\n  "@graph": [')
    separator = "\n    "
    for node in nodes:
        out.write(separator)
        out.write(json.dumps(node, ensure_ascii=False))
        separator = ",\n    "
    out.write("\n  ]\n}\n")


def _indent(text: str, spaces: int = 2) -> str:
    return text.replace("\n", "\n" + " " * spaces)
