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

from . import ntlines, safeio, terms
from .errors import CannotRun, DataProblem

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
        self._property_names: dict[str, tuple[str, str | None]] = {}
        self._class_names: dict[str, str] = {}
        self._vocabulary: dict[str, str] = {}
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
        except RecursionError:
            raise CannotRun("nested too deeply to be a JSON-LD context", path=path) from None
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise CannotRun(
                f"not a JSON-LD context this writer understands ({type(err).__name__}: {err})",
                path=path,
            ) from err

    def property(self, iri: str) -> tuple[str, str | None]:
        """A predicate's key in node objects and its coercion (remembered: few predicates)."""
        found = self._property_names.get(iri)
        if found is None:
            found = self.properties.get(iri) or (self.compact(iri), None)
            self._property_names[iri] = found
        return found

    def class_name(self, iri: str) -> str:
        """A class's name in ``@type``: its term, else a compact IRI (remembered)."""
        found = self._class_names.get(iri)
        if found is None:
            found = self._class_names[iri] = self.classes.get(iri) or self.compact(iri)
        return found

    def quoted_datatype(self, iri: str) -> str:
        """A datatype's compact IRI as a JSON string (few datatypes, so remembered)."""
        found = self._vocabulary.get(iri)
        if found is None:
            found = self._vocabulary[iri] = json.dumps(self.compact(iri), ensure_ascii=False)
        return found

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
        scheme = iri.partition(":")[0]
        if scheme in self.document["@context"]:
            # <region:cluj> in Turtle is an IRI of the scheme "region"; written as is, JSON-LD
            # would read it as region:cluj, another resource: a fact the data does not state.
            raise DataProblem(
                f"<{iri}> cannot be written as JSON-LD: {scheme}: is a prefix or term of our "
                "context, so it would be read as another IRI; write the full IRI (a prefixed "
                "name inside <> is not one)"
            )
        return iri


Key = ntlines.Key


def _node_id(context: Context, term: Key) -> str:
    return context.compact(term[1]) if term[0] == 0 else f"_:{term[1]}"


# JSON strings as json.dumps(..., ensure_ascii=False) writes them (its C encoder).
_quote = json.encoder.encode_basestring


def _value(context: Context, term: Key, coercion: str | None, cache: dict[str, str]) -> str:
    """One value as JSON text: a compact IRI, a plain string, or a value object."""
    kind, value, language, datatype = term
    if kind == 0:
        node_id = cache.get(value)
        if node_id is None:
            node_id = cache[value] = _quote(context.compact(value))
        return node_id if coercion == "@id" else '{"@id": ' + node_id + "}"
    if kind == 1:
        node_id = _quote(f"_:{value}")
        return node_id if coercion == "@id" else '{"@id": ' + node_id + "}"
    if language:
        return '{"@value": ' + _quote(value) + ', "@language": ' + _quote(language) + "}"
    if coercion == datatype or (coercion is None and datatype == STRING):
        return _quote(value)
    if datatype == STRING:
        return '{"@value": ' + _quote(value) + "}"
    return '{"@value": ' + _quote(value) + ', "@type": ' + context.quoted_datatype(datatype) + "}"


def _type_name(context: Context, term: Key) -> str:
    return context.class_name(term[1]) if term[0] == 0 else f"_:{term[1]}"


def node_text(
    context: Context, subject: Key, predicates: dict[str, list[Key]], cache: dict[str, str]
) -> str:
    """The node object of one subject as one line of JSON: ``@id``, ``@type``, then its
    properties by name (what ``json.dumps`` of :func:`node` writes, built as text because
    building dictionaries for millions of values took most of the export's time)."""
    head = '{"@id": ' + _quote(_node_id(context, subject))
    entries = []
    for predicate, objects in predicates.items():
        if predicate == terms.RDF_TYPE:
            # IRIs and blank nodes go in @type; a literal (odd, but RDF) stays a property.
            names = sorted(_type_name(context, t) for t in objects if t[0] != 2)
            if len(names) == 1:
                head += ', "@type": ' + _quote(names[0])
            elif names:
                head += ', "@type": [' + ", ".join(map(_quote, names)) + "]"
            objects = [t for t in objects if t[0] == 2]
            if not objects:
                continue
        name, coercion = context.property(predicate)
        if len(objects) == 1:
            entries.append((name, _value(context, objects[0], coercion, cache)))
        else:
            values = [_value(context, o, coercion, cache) for o in sorted(set(objects))]
            entries.append((name, "[" + ", ".join(values) + "]"))
    entries.sort(key=lambda entry: entry[0])
    return head + "".join([", " + _quote(name) + ": " + text for name, text in entries]) + "}"


def node(
    context: Context, subject: Key, predicates: dict[str, list[Key]], cache: dict[str, str]
) -> dict[str, Any]:
    """:func:`node_text` as a dictionary (for pages that embed a few nodes)."""
    parsed: dict[str, Any] = json.loads(node_text(context, subject, predicates, cache))
    return parsed


def node_objects(context: Context, triples: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """One node object per subject, in the order the subjects come.

    ``triples`` must give each subject's triples together, as a store does; a subject that
    comes back after another is an error rather than a silently split node.
    """
    cache: dict[str, str] = {}
    for subject, predicates in ntlines.subjects(ntlines.from_store(triples)):
        yield node(context, subject, predicates, cache)


def write_ntriples_file(context: Context, path: Path, out: IO[str]) -> None:
    """:func:`write` for the triples of an N-Triples file written by Oxigraph, subjects
    together (the export's sorted file), read as text lines rather than parsed into objects."""
    _write_subjects(context, ntlines.subjects_of_file(path), out)


def write(context: Context, triples: Iterable[Any], out: IO[str]) -> None:
    """Write a compacted JSON-LD document with the context inline (no remote context).

    The context is indented for people; each node object takes one line, which keeps
    diffs small and lets the C JSON encoder do the work on large graphs.
    """
    _write_subjects(context, ntlines.subjects(ntlines.from_store(triples)), out)


def _write_subjects(
    context: Context, subjects: Iterable[tuple[Key, ntlines.Predicates]], out: IO[str]
) -> None:
    writer = Writer(context, out)
    for subject, predicates in subjects:
        writer.add(subject, predicates)
    writer.finish()


# Compact forms of object IRIs remembered while writing (regions, kinds and statuses recur).
CACHE_LIMIT = 100_000


class Writer:
    """:func:`write`, fed one subject at a time (the export's passes over its sorted lines)."""

    def __init__(self, context: Context, out: IO[str]):
        self.context, self.out = context, out
        self.cache: dict[str, str] = {}
        self.separator = "\n    "
        out.write(_head(context))

    def add(self, subject: Key, predicates: ntlines.Predicates) -> None:
        self.out.write(self.separator)
        if len(self.cache) > CACHE_LIMIT:  # IRIs met once (most) would otherwise pile up
            self.cache.clear()
        self.out.write(node_text(self.context, subject, predicates, self.cache))
        self.separator = ",\n    "

    def finish(self) -> None:
        self.out.write(_TAIL)


def _head(context: Context) -> str:
    text = json.dumps(context.document["@context"], ensure_ascii=False, indent=2)
    return '{\n  "@context": ' + _indent(text) + ',\n  "@graph": ['


_TAIL = "\n  ]\n}\n"


def _indent(text: str, spaces: int = 2) -> str:
    return text.replace("\n", "\n" + " " * spaces)
