"""SHACL property paths: read from the shapes graph, evaluated on an Oxigraph store, written out.

A path is parsed once into a small tree of tuples and then followed from each focus node with
the store's indexes (``quads_for_pattern``), so every value node is a distinct RDF term, as
SHACL counts them. The text form (an IRI for a predicate path, SPARQL property-path syntax
otherwise) is how reports and findings name a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .errors import CannotRun
from .load import AsWritten

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def as_term(node: object) -> Term:
    """A node of the store as an RDF term (RDF-star quoted triples are not SHACL Core)."""
    if isinstance(node, ox.NamedNode | ox.BlankNode | ox.Literal):
        return node
    raise BadPath(f"cannot validate the quoted triple {node}")


class BadPath(CannotRun):
    """A shape's sh:path is not a well-formed SHACL property path."""


@dataclass(frozen=True)
class Path:
    """One path expression: ``kind`` is pred, seq, alt, inv, star, plus or opt."""

    kind: str
    iri: ox.NamedNode | None = None
    parts: tuple[Path, ...] = ()

    @property
    def is_predicate(self) -> bool:
        return self.kind == "pred"

    def text(self) -> str:
        """An IRI for a predicate path, SPARQL property-path syntax for the others."""
        if self.iri is not None:
            return self.iri.value
        return self._sparql(top=True)

    def _sparql(self, top: bool = False) -> str:
        if self.iri is not None:
            return str(self.iri)
        if self.kind in ("seq", "alt"):
            joined = ("/" if self.kind == "seq" else "|").join(p._sparql() for p in self.parts)
            return joined if top else f"({joined})"
        inner = self.parts[0]._sparql()
        if self.kind == "inv":
            return f"^{inner}"
        if self.parts[0].kind == "inv":
            inner = f"({inner})"
        return inner + {"star": "*", "plus": "+", "opt": "?"}[self.kind]

    def to_rdf(self, graph: rdflib.Graph) -> rdflib.term.Node:
        """Write the path into ``graph`` as SHACL does (blank nodes, RDF lists)."""
        if self.iri is not None:
            return rdflib.URIRef(self.iri.value)
        node = rdflib.BNode()
        if self.kind == "seq":
            Collection(graph, node, [p.to_rdf(graph) for p in self.parts])
            return node
        if self.kind == "alt":
            members = rdflib.BNode()
            Collection(graph, members, [p.to_rdf(graph) for p in self.parts])
            graph.add((node, SH.alternativePath, members))
            return node
        key = next(k for k, kind in _UNARY.items() if kind == self.kind)
        graph.add((node, key, self.parts[0].to_rdf(graph)))
        return node


_UNARY = {
    SH.inversePath: "inv",
    SH.zeroOrMorePath: "star",
    SH.oneOrMorePath: "plus",
    SH.zeroOrOnePath: "opt",
}


def parse_path(shapes: rdflib.Graph, node: rdflib.term.Node, shape: str) -> Path:
    """The path starting at ``node`` of the shapes graph; :class:`BadPath` if ill-formed."""
    if isinstance(node, rdflib.URIRef):
        return Path("pred", iri=ox.NamedNode(str(node)))
    if isinstance(node, rdflib.BNode):
        if (node, RDF.first, None) in shapes:
            members = list(Collection(shapes, node))
            if len(members) < 2:
                raise BadPath(f"{shape}: a sequence path needs at least two members")
            return Path("seq", parts=tuple(parse_path(shapes, m, shape) for m in members))
        alternatives = shapes.value(node, SH.alternativePath)
        if alternatives is not None:
            members = list(Collection(shapes, alternatives))
            if len(members) < 2:
                raise BadPath(f"{shape}: sh:alternativePath needs at least two members")
            return Path("alt", parts=tuple(parse_path(shapes, m, shape) for m in members))
        for key, kind in _UNARY.items():
            inner = shapes.value(node, key)
            if inner is not None:
                return Path(kind, parts=(parse_path(shapes, inner, shape),))
    raise BadPath(f"{shape}: sh:path {node} is not a SHACL property path")


def from_text(text: str) -> Path:
    """The path written by :meth:`Path.text` (an IRI, or SPARQL property-path syntax)."""
    if not text.startswith(("<", "(", "^")):
        return Path("pred", iri=ox.NamedNode(text))
    tokens = re.findall(r"<[^>]*>|[()^/|*+?]", text)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def alternative() -> Path:
        parts = [sequence()]
        while peek() == "|":
            take()
            parts.append(sequence())
        return parts[0] if len(parts) == 1 else Path("alt", parts=tuple(parts))

    def sequence() -> Path:
        parts = [unary()]
        while peek() == "/":
            take()
            parts.append(unary())
        return parts[0] if len(parts) == 1 else Path("seq", parts=tuple(parts))

    def unary() -> Path:
        if peek() == "^":
            take()
            return Path("inv", parts=(unary(),))
        token = take()
        if token == "(":
            path = alternative()
            take()  # ")"
        else:
            path = Path("pred", iri=ox.NamedNode(token[1:-1]))
        modifier = {"*": "star", "+": "plus", "?": "opt"}.get(peek() or "")
        if modifier:
            take()
            path = Path(modifier, parts=(path,))
        return path

    return alternative()


def from_report(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """The text form of a path written in a report graph (for comparing reports)."""
    return parse_path(graph, node, "report").text()


def values(store: ox.Store, path: Path, focus: Term, written: AsWritten | None = None) -> set[Term]:
    """The value nodes reached from ``focus`` along ``path`` (distinct RDF terms), with each
    literal as written where the store keeps another form (see :class:`load.AsWritten`)."""
    return _follow(store, path, {focus}, written or _NOTHING_CHANGED)


_NOTHING_CHANGED = AsWritten()


def _follow(store: ox.Store, path: Path, nodes: set[Term], written: AsWritten) -> set[Term]:
    if path.iri is not None:
        found: set[Term] = set()
        for node in nodes:
            if isinstance(node, ox.Literal):
                continue
            for quad in store.quads_for_pattern(node, path.iri, None, None):
                found.update(written.objects(node, path.iri, as_term(quad.object)))
        return found
    if path.kind == "seq":
        for part in path.parts:
            nodes = _follow(store, part, nodes, written)
        return nodes
    if path.kind == "alt":
        return set().union(*(_follow(store, part, nodes, written) for part in path.parts))
    inner = path.parts[0]
    if path.kind == "inv":
        return _inverse(store, inner, nodes, written)
    if path.kind == "opt":
        return nodes | _follow(store, inner, nodes, written)
    reached: set[Term] = set(nodes) if path.kind == "star" else set()
    frontier = _follow(store, inner, nodes, written)
    while frontier - reached:
        new = frontier - reached
        reached |= new
        frontier = _follow(store, inner, new, written)
    return reached


def _inverse(store: ox.Store, path: Path, nodes: set[Term], written: AsWritten) -> set[Term]:
    """The nodes from which ``path`` leads into ``nodes``."""
    if path.iri is not None:
        found: set[Term] = set()
        for node in nodes:
            stored = written.stored_forms.get(node, node) if isinstance(node, ox.Literal) else node
            for quad in store.quads_for_pattern(None, path.iri, stored, None):
                # "300"^^xsd:byte and "300"^^xsd:integer are one stored literal: keep only
                # the subjects that wrote this one.
                if node in written.objects(quad.subject, path.iri, stored):
                    found.add(as_term(quad.subject))
        return found
    if path.kind == "inv":
        return _follow(store, path.parts[0], nodes, written)
    if path.kind == "seq":
        for part in reversed(path.parts):
            nodes = _inverse(store, part, nodes, written)
        return nodes
    if path.kind == "alt":
        return set().union(*(_inverse(store, part, nodes, written) for part in path.parts))
    inverted = Path(path.kind, parts=(Path("inv", parts=path.parts),))
    return _follow(store, inverted, nodes, written)
