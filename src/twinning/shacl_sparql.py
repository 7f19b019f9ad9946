"""A SHACL engine that compiles shapes into SPARQL and runs them on Oxigraph.

pySHACL checks one focus node at a time in rdflib, which takes seconds on our small graph and
about ten minutes on 100,000 agreements. Here each constraint becomes one SPARQL query over
all focus nodes at once, run by Oxigraph. It supports the part of SHACL our shapes use
(targets by class or node; predicate paths; min/maxCount, class, datatype, nodeKind, pattern,
in, uniqueLang, or, and SPARQL-based constraints) and refuses anything else loudly, so it can
never silently skip a rule. Tests check that it reports exactly what pySHACL reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .errors import CannotRun

RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SUPPORTED_PROPERTY_KEYS = {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH["in"],
    SH.uniqueLang,
    SH["or"],
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    RDF.type,
}
SUPPORTED_NODE_KEYS = {
    SH.targetClass,
    SH.targetNode,
    SH.property,
    SH.sparql,
    SH["or"],
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    RDF.type,
    SH.deactivated,
}


class UnsupportedShape(CannotRun):
    """The shapes use a SHACL feature this engine does not implement."""


@dataclass(frozen=True)
class Result:
    """One validation result, as SHACL's report would state it."""

    focus: str
    path: str | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    component: str  # local name, e.g. "MinCountConstraintComponent"
    severity: str  # "Violation", "Warning" or "Info"
    message: str
    shape: str


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT returning ?this (and ?value, ?path) per violation."""

    query: str
    component: str
    severity: str
    message: str
    shape: str
    path: str | None


def _nt(term: rdflib.term.Node) -> str:
    """A term in SPARQL/N-Triples syntax, escaped by Oxigraph's serializer."""
    if isinstance(term, rdflib.URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        datatype = term.datatype or rdflib.XSD.string
        return str(ox.Literal(str(term), datatype=ox.NamedNode(str(datatype))))
    raise UnsupportedShape(f"cannot use {term!r} in a compiled query")


class Compiler:
    """Turns a shapes graph into :class:`Check` queries for a given data store."""

    def __init__(self, shapes: rdflib.Graph, store: ox.Store):
        self.shapes = shapes
        self.store = store
        self._subclasses: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ helpers
    def subclasses(self, cls: str) -> list[str]:
        """``cls`` and all its subclasses in the data graph (rdfs:subClassOf*)."""
        if cls not in self._subclasses:
            found = {cls}
            frontier = [cls]
            while frontier:
                current = frontier.pop()
                quads = self.store.quads_for_pattern(
                    None, ox.NamedNode(RDFS_SUBCLASS), ox.NamedNode(current), None
                )
                for quad in quads:
                    if isinstance(quad.subject, ox.NamedNode) and quad.subject.value not in found:
                        found.add(quad.subject.value)
                        frontier.append(quad.subject.value)
            self._subclasses[cls] = sorted(found)
        return self._subclasses[cls]

    def instance_of(self, var: str, cls: str) -> str:
        classes = " ".join(str(ox.NamedNode(c)) for c in self.subclasses(cls))
        return f"VALUES ?_c {{ {classes} }} {var} a ?_c ."

    def target(self, shape: rdflib.term.Node) -> str:
        """A graph pattern binding ?this to every focus node of a node shape (once each)."""
        classes = sorted(str(c) for c in self.shapes.objects(shape, SH.targetClass))
        nodes = sorted(_nt(n) for n in self.shapes.objects(shape, SH.targetNode))
        if len(classes) == 1 and not nodes and self.subclasses(classes[0]) == classes:
            return f"?this a {ox.NamedNode(classes[0])} ."  # one class: no duplicates possible
        parts = []
        for cls in classes:
            members = " ".join(str(ox.NamedNode(c)) for c in self.subclasses(cls))
            parts.append(f"{{ VALUES ?_t {{ {members} }} ?this a ?_t . }}")
        if nodes:
            parts.append(f"{{ VALUES ?this {{ {' '.join(nodes)} }} }}")
        if not parts:
            return ""
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    def severity(self, shape: rdflib.term.Node) -> str:
        value = self.shapes.value(shape, SH.severity)
        return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"

    def message(self, shape: rdflib.term.Node) -> str:
        value = self.shapes.value(shape, SH.message)
        return str(value) if value is not None else ""

    # ------------------------------------------------------------------ compile
    def compile(self) -> list[Check]:
        checks: list[Check] = []
        node_shapes = set(self.shapes.subjects(SH.targetClass, None)) | set(
            self.shapes.subjects(SH.targetNode, None)
        )
        for shape in sorted(node_shapes, key=str):
            if self.shapes.value(shape, SH.deactivated) == rdflib.Literal(True):
                continue
            unknown = {p for p in self.shapes.predicates(shape) if p not in SUPPORTED_NODE_KEYS}
            if unknown:
                raise UnsupportedShape(f"{shape}: unsupported keys {sorted(map(str, unknown))}")
            target = self.target(shape)
            for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
                checks.extend(self.property_checks(target, prop, shape))
            for constraint in sorted(self.shapes.objects(shape, SH.sparql), key=str):
                checks.append(self.sparql_check(target, shape, constraint))
            or_list = self.shapes.value(shape, SH["or"])
            if or_list is not None:
                checks.append(self.node_or_check(target, shape, or_list))
        return checks

    def property_checks(
        self, target: str, prop: rdflib.term.Node, node_shape: rdflib.term.Node
    ) -> Iterator[Check]:
        unknown = {p for p in self.shapes.predicates(prop) if p not in SUPPORTED_PROPERTY_KEYS}
        if unknown:
            raise UnsupportedShape(f"{prop}: unsupported keys {sorted(map(str, unknown))}")
        path = self.shapes.value(prop, SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise UnsupportedShape(f"{prop}: only predicate paths are supported")
        p = _nt(path)
        severity = self.severity(prop)
        message = self.message(prop)
        shape_id = str(prop) if isinstance(prop, rdflib.URIRef) else str(node_shape)

        def check(query: str, component: str) -> Check:
            return Check(query, component, severity, message, shape_id, str(path))

        min_count = self.shapes.value(prop, SH.minCount)
        if min_count is not None:
            n = int(str(min_count))
            query = (
                f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {p} ?_v }} }}"
                if n == 1
                else f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?_v }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {n})"
            )
            yield check(query, "MinCountConstraintComponent")
        max_count = self.shapes.value(prop, SH.maxCount)
        if max_count is not None:
            n = int(str(max_count))
            query = (
                f"SELECT DISTINCT ?this WHERE {{ {target} ?this {p} ?_a , ?_b FILTER(?_a != ?_b) }}"
                if n == 1
                else f"SELECT ?this WHERE {{ {target} ?this {p} ?_v }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {n})"
            )
            yield check(query, "MaxCountConstraintComponent")
        value_rules = [
            (SH["class"], "ClassConstraintComponent"),
            (SH.datatype, "DatatypeConstraintComponent"),
            (SH.nodeKind, "NodeKindConstraintComponent"),
            (SH.pattern, "PatternConstraintComponent"),
            (SH["in"], "InConstraintComponent"),
            (SH["or"], "OrConstraintComponent"),
        ]
        for key, component in value_rules:
            obj = self.shapes.value(prop, key)
            if obj is None:
                continue
            expression = self.value_expression(prop, key, obj)
            if expression is not None:
                where = f"?this {p} ?value FILTER(!({expression}))"
            elif key == SH["class"]:
                # MINUS is a hash anti-join: far cheaper than NOT EXISTS per value.
                where = f"?this {p} ?value MINUS {{ {self.instance_of('?value', str(obj))} }}"
            else:
                condition = self.value_condition(prop, key, obj)
                where = f"?this {p} ?value FILTER NOT EXISTS {{ {condition} }}"
            yield check(f"SELECT ?this ?value WHERE {{ {target} {where} }}", component)
        unique = self.shapes.value(prop, SH.uniqueLang)
        if unique == rdflib.Literal(True):
            yield check(
                f"SELECT DISTINCT ?this WHERE {{ {target} ?this {p} ?_a , ?_b "
                f'FILTER(?_a != ?_b && LANG(?_a) != "" && LANG(?_a) = LANG(?_b)) }}',
                "UniqueLangConstraintComponent",
            )

    def value_expression(
        self, shape: rdflib.term.Node, key: rdflib.term.Node, obj: rdflib.term.Node
    ) -> str | None:
        """A boolean SPARQL expression on ?value for a constraint, where one exists."""
        if key == SH.datatype:
            return f"isLiteral(?value) && DATATYPE(?value) = {_nt(obj)}"
        if key == SH.nodeKind:
            tests = {
                SH.IRI: "isIRI(?value)",
                SH.Literal: "isLiteral(?value)",
                SH.BlankNode: "isBlank(?value)",
                SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
                SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
                SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
            }
            return tests[obj]  # type: ignore[index]
        if key == SH.pattern:
            flags = self.shapes.value(shape, SH.flags)
            flag_arg = f", {_nt(rdflib.Literal(str(flags)))}" if flags is not None else ""
            return f"!isBlank(?value) && REGEX(STR(?value), {_nt(obj)}{flag_arg})"
        if key == SH["in"]:
            members = ", ".join(_nt(m) for m in Collection(self.shapes, obj))
            return f"?value IN ({members})"
        if key == SH["or"]:
            alternatives = []
            for member in Collection(self.shapes, obj):
                keys = set(self.shapes.predicates(member)) - {SH.flags}
                parts = []
                for member_key in keys:
                    member_obj = self.shapes.value(member, member_key)
                    simple = member_key in (SH.datatype, SH.nodeKind, SH.pattern, SH["in"])
                    if member_obj is None or not simple:
                        return None  # e.g. sh:class inside sh:or: use the pattern form
                    expression = self.value_expression(member, member_key, member_obj)
                    if expression is None:
                        return None
                    parts.append(f"({expression})")
                if not parts:
                    raise UnsupportedShape(f"{shape}: empty member of sh:or")
                alternatives.append("(" + " && ".join(sorted(parts)) + ")")
            return " || ".join(alternatives)
        return None

    def value_condition(
        self, shape: rdflib.term.Node, key: rdflib.term.Node, obj: rdflib.term.Node
    ) -> str:
        """A graph pattern that holds when ?value satisfies one value-level constraint."""
        if key == SH["class"]:
            return self.instance_of("?value", str(obj))
        if key == SH["or"]:
            members = (SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH["in"])
            alternatives = []
            for member in Collection(self.shapes, obj):
                conditions = []
                for member_key in members:
                    member_obj = self.shapes.value(member, member_key)
                    if member_obj is not None:
                        conditions.append(self.value_condition(member, member_key, member_obj))
                extra = set(self.shapes.predicates(member)) - {*members, SH.flags}
                if extra or not conditions:
                    raise UnsupportedShape(f"{shape}: unsupported member of sh:or")
                alternatives.append("{ " + " ".join(conditions) + " }")
            return " UNION ".join(alternatives)
        expression = self.value_expression(shape, key, obj)
        if expression is None:
            raise UnsupportedShape(f"{shape}: unsupported constraint {key}")
        return f"FILTER({expression})"

    def node_or_check(
        self, target: str, shape: rdflib.term.Node, or_list: rdflib.term.Node
    ) -> Check:
        """sh:or at node level, of shapes that each require a value for one path."""
        alternatives = []
        for member in Collection(self.shapes, or_list):
            path = self.shapes.value(member, SH.path)
            min_count = self.shapes.value(member, SH.minCount)
            keys = set(self.shapes.predicates(member)) - {SH.path, SH.minCount}
            if not isinstance(path, rdflib.URIRef) or min_count != rdflib.Literal(1) or keys:
                raise UnsupportedShape(f"{shape}: unsupported member of a node-level sh:or")
            alternatives.append(f"EXISTS {{ ?this {_nt(path)} ?_x }}")
        query = (
            f"SELECT ?this (?this AS ?value) WHERE {{ {target} "
            f"FILTER(!({' || '.join(alternatives)})) }}"
        )
        return Check(
            query,
            "OrConstraintComponent",
            self.severity(shape),
            self.message(shape),
            str(shape),
            None,
        )

    def sparql_check(
        self, target: str, shape: rdflib.term.Node, constraint: rdflib.term.Node
    ) -> Check:
        """A SPARQL-based constraint, run once for all focus nodes ($this becomes ?this)."""
        select = self.shapes.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape(f"{constraint}: SPARQL constraint without sh:select")
        prefixes = []
        for declared in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(declared, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                prefixes.append(f"PREFIX {prefix}: <{namespace}>\n")
        inner = str(select).replace("$this", "?this")
        query = (
            "".join(sorted(set(prefixes)))
            + f"SELECT ?this ?path ?value WHERE {{ {target} {{ {inner} }} }}"
        )
        message = self.message(constraint) or self.message(shape)
        severity = (
            self.severity(constraint)
            if self.shapes.value(constraint, SH.severity)
            else (self.severity(shape))
        )
        return Check(query, "SPARQLConstraintComponent", severity, message, str(shape), None)


def _results_of(check: Check, store: ox.Store) -> list[Result]:
    solutions = store.query(check.query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = {v.value for v in solutions.variables}
    results = []
    for row in solutions:
        focus = row["this"]
        if focus is None:
            continue
        path = check.path
        if path is None and "path" in names and row["path"] is not None:
            path = row["path"].value
        value = row["value"] if "value" in names else None
        results.append(
            Result(
                focus=focus.value,
                path=path,
                value=value,
                component=check.component,
                severity=check.severity,
                message=check.message,
                shape=check.shape,
            )
        )
    return results


def run(shapes: rdflib.Graph, store: ox.Store) -> list[Result]:
    """Every validation result of the data in ``store`` against ``shapes``.

    Checks run on a thread per core: Oxigraph evaluates queries without holding Python's
    lock, so two cores nearly halve the time. Results are sorted, so order never varies.
    """
    checks = Compiler(shapes, store).compile()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        batches = list(pool.map(lambda check: _results_of(check, store), checks))
    results = {result for batch in batches for result in batch}
    return sorted(results, key=lambda r: (r.focus, r.path or "", r.component, str(r.value)))
