"""A SHACL engine that compiles the common constraints into SPARQL and runs them on Oxigraph.

pySHACL checks one focus node at a time in rdflib, which takes seconds on our small graph and
about ten minutes on 100,000 agreements. Here each simple constraint of a property shape with
a predicate path (min/maxCount, class, datatype, nodeKind, pattern, in, uniqueLang, sh:or of
such constraints) and each SPARQL-based constraint becomes one SPARQL query over all focus
nodes at once, run by Oxigraph. Everything else in SHACL Core (other paths, sh:node,
sh:closed, logical, pair, range and qualified constraints...) is evaluated node by node by
:class:`twinning.shacl_core.Validator` on the same store. Anything outside SHACL Core is
refused with :class:`UnsupportedShape` (exit 2), so no rule is ever skipped silently. Values
are compared as RDF terms (``sameTerm``), never with SPARQL's value equality.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from . import rdfio, terms
from .load import AsWritten
from .rdfio import literal_is_valid
from .shacl_core import (
    ANNOTATION_KEYS,
    PARAMETER_KEYS,
    STORED_AS_INTEGER,
    TARGET_KEYS,
    Result,
    Shape,
    UnsupportedShape,
    Validator,
    implicit_class,
    is_deactivated,
    is_true,
    message_of,
    severity_of,
    term_id,
    to_ox,
)

__all__ = ["Result", "UnsupportedShape", "run"]

# The parameters a property shape with a predicate path may use to be compiled.
COMPILED_KEYS = {
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
}
# The parameters a member of a compiled sh:or may use.
MEMBER_KEYS = {SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH["in"]}
# XSD datatypes with a restricted lexical space: their ill-formed literals are looked for.
VALIDATED_DATATYPES = {
    terms.XSD + local
    for local in (
        "date", "dateTime", "time", "gYear", "gYearMonth", *rdfio.INTEGER_RANGES,
        "decimal", "double", "float", "boolean",
    )
}  # fmt: skip
NODE_KIND_TESTS = {
    SH.IRI: "isIRI(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
}


# A target of several parts (classes, nodes, subjects or objects of a predicate), each focus
# node once: these around the parts joined by UNION (see Compiler.target).
_FOCUS_OPEN, _FOCUS_CLOSE = "{ SELECT DISTINCT ?this WHERE { ", " } }"


def _nt(term: rdflib.term.Node) -> str:
    """A term in SPARQL/N-Triples syntax, escaped by Oxigraph's serializer."""
    converted = to_ox(term)
    if isinstance(converted, ox.BlankNode):
        raise UnsupportedShape(f"cannot use the blank node {term} in a compiled query")
    return str(converted)


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT returning ?this (and ?value, ?path, ?detail)."""

    query: str
    component: str
    severity: str
    message: str
    shape: str
    path: str | None
    detail: str = ""  # the constraint's parameter value (see Result.detail)


@dataclass
class Plan:
    """What to run: compiled queries, and the shapes the Python validator evaluates."""

    checks: list[Check] = field(default_factory=list)
    # (shape with targets, shape to evaluate on each focus node, parameters or None = all)
    interpreted: list[tuple[rdflib.term.Node, rdflib.term.Node, set[rdflib.term.Node] | None]] = (
        field(default_factory=list)
    )


class Compiler:
    """Turns a shapes graph into :class:`Check` queries for a given data store."""

    def __init__(
        self,
        shapes: rdflib.Graph,
        store: ox.Store,
        checked_datatypes: Iterable[str] = (),
        written: AsWritten | None = None,
    ):
        self.shapes = shapes
        self.store = store
        self.validator = Validator(shapes, store, written)
        self._typed_literals: dict[str, list[ox.Literal]] = {}
        # Datatypes whose literals the loader already found well-formed: not looked for again
        # (except those the store keeps as xsd:integer, whose range the loader cannot see).
        self.checked = set(checked_datatypes) - STORED_AS_INTEGER
        # Without a record of the literals as written, an xsd:integer in the store may have
        # been written as any integer-derived datatype (see shacl_core.STORED_AS_INTEGER).
        self.merged_integers = written is None
        # Predicates with a literal the store keeps in another form than written: their
        # shapes are evaluated by the Validator, which sees the literals as written.
        self.changed = written.predicates if written is not None else frozenset()

    # ------------------------------------------------------------------ helpers
    def subclasses(self, cls: str) -> list[str]:
        """``cls`` and all its subclasses in the data graph (rdfs:subClassOf*)."""
        return sorted(c.value for c in self.validator.subclasses(ox.NamedNode(cls)))

    def instance_of(self, var: str, cls: str) -> str:
        classes = " ".join(str(ox.NamedNode(c)) for c in self.subclasses(cls))
        return f"VALUES ?_c {{ {classes} }} {var} a ?_c ."

    def shapes_with_targets(self) -> list[rdflib.term.Node]:
        found: set[rdflib.term.Node] = set()
        for key in (*TARGET_KEYS, SH.target):
            found.update(self.shapes.subjects(key, None))
        for cls in (RDFS.Class, rdflib.OWL.Class):
            for node in self.shapes.subjects(RDF.type, cls):
                is_shape = any(
                    (node, RDF.type, kind) in self.shapes
                    for kind in (SH.NodeShape, SH.PropertyShape)
                ) or any(p in PARAMETER_KEYS for p in self.shapes.predicates(node))
                if is_shape and implicit_class(self.shapes, node):
                    found.add(node)
        return sorted(found, key=str)

    def target(self, shape: rdflib.term.Node) -> str | None:
        """A graph pattern binding ?this to every focus node of a shape (once each), or None
        when the targets cannot be written in SPARQL (a blank node as sh:targetNode)."""
        classes = sorted(str(c) for c in self.shapes.objects(shape, SH.targetClass))
        if implicit_class(self.shapes, shape):
            classes = sorted({*classes, str(shape)})
        targets = list(self.shapes.objects(shape, SH.targetNode))
        if any(isinstance(n, rdflib.BNode) for n in targets):
            return None
        nodes = sorted(_nt(n) for n in targets)
        subjects_of = sorted(_nt(p) for p in self.shapes.objects(shape, SH.targetSubjectsOf))
        objects_of = sorted(_nt(p) for p in self.shapes.objects(shape, SH.targetObjectsOf))
        only_class = not nodes and not subjects_of and not objects_of and len(classes) == 1
        if only_class and self.subclasses(classes[0]) == classes:
            return f"?this a {ox.NamedNode(classes[0])} ."  # one class: no duplicates possible
        parts = []
        for cls in classes:
            members = " ".join(str(ox.NamedNode(c)) for c in self.subclasses(cls))
            parts.append(f"{{ VALUES ?_t {{ {members} }} ?this a ?_t . }}")
        if nodes:
            parts.append(f"{{ VALUES ?this {{ {' '.join(nodes)} }} }}")
        parts.extend(f"{{ ?this {p} ?_o . }}" for p in subjects_of)
        parts.extend(f"{{ ?_s {p} ?this . }}" for p in objects_of)
        if not parts:
            return "FILTER(false)"
        return _FOCUS_OPEN + " UNION ".join(parts) + _FOCUS_CLOSE

    def keys(self, node: rdflib.term.Node) -> set[rdflib.term.Node]:
        """The SHACL parameters of a shape (annotations and other vocabularies left out)."""
        return {
            p
            for p in self.shapes.predicates(node)
            if str(p).startswith(str(SH)) and p not in ANNOTATION_KEYS
        }

    # ------------------------------------------------------------------ compile
    def compile(self) -> Plan:
        plan = Plan()
        for node in self.shapes_with_targets():
            shape = self.validator.shape(node, nested=False)  # refuses what is not SHACL Core
            if shape.deactivated:
                continue
            target = self.target(node)
            # SPARQL-based constraints see the store; the compiled Core checks only when no
            # focus node can be a literal the store changed.
            sparql_target = target
            objects_of = {str(p) for p in self.shapes.objects(node, SH.targetObjectsOf)}
            if objects_of & self.changed:
                target = None
            if shape.path is not None:
                if SH.sparql in self.keys(node):
                    raise UnsupportedShape(f"shape {shape.id}: sh:sparql on a property shape")
                if target is not None and self.compilable(node):
                    plan.checks.extend(self.property_checks(target, node))
                else:
                    plan.interpreted.append((node, node, None))
                continue
            rest = self.keys(node) - set(TARGET_KEYS)
            for prop in sorted(self.shapes.objects(node, SH.property), key=str):
                self.validator.property_shape(shape, prop)
                if target is not None and self.compilable(prop):
                    if not is_deactivated(self.shapes, prop):
                        plan.checks.extend(self.property_checks(target, prop))
                else:
                    plan.interpreted.append((node, prop, None))
            rest.discard(SH.property)
            for constraint in sorted(self.shapes.objects(node, SH.sparql), key=str):
                if sparql_target is None:
                    raise UnsupportedShape(f"shape {shape.id}: sh:sparql with a blank target")
                if not is_deactivated(self.shapes, constraint):
                    plan.checks.append(self.sparql_check(sparql_target, shape, constraint))
            rest.discard(SH.sparql)
            or_check = self.node_or_check(target, shape) if target is not None else None
            if or_check is not None:
                plan.checks.append(or_check)
                rest.discard(SH["or"])
            if rest & PARAMETER_KEYS:
                plan.interpreted.append((node, node, rest & PARAMETER_KEYS))
        return plan

    def compilable(self, prop: rdflib.term.Node) -> bool:
        """Whether a property shape can become SPARQL queries: a predicate path, simple
        constraints, IRIs and literals as parameter values."""
        path = self.shapes.value(prop, SH.path)
        if not isinstance(path, rdflib.URIRef) or str(path) in self.changed:
            return False
        if not self.keys(prop) <= COMPILED_KEYS:
            return False
        for key, obj in self.shapes.predicate_objects(prop):
            if key in COMPILED_KEYS and not self.simple_parameter(key, obj):
                return False
        return True

    def simple_parameter(self, key: rdflib.term.Node, obj: rdflib.term.Node) -> bool:
        if key in (SH["class"], SH.datatype):
            return isinstance(obj, rdflib.URIRef)
        if key == SH.nodeKind:
            return obj in NODE_KIND_TESTS
        if key == SH["in"]:
            members = list(Collection(self.shapes, obj))
            return all(isinstance(m, rdflib.URIRef | rdflib.Literal) for m in members)
        if key == SH["or"]:
            for member in Collection(self.shapes, obj):
                member_keys = self.keys(member)
                if not member_keys or not member_keys <= MEMBER_KEYS:
                    return False
                if is_deactivated(self.shapes, member) or member_keys == {SH.flags}:
                    return False
                for member_key, member_obj in self.shapes.predicate_objects(member):
                    if member_key in MEMBER_KEYS and not self.simple_parameter(
                        member_key, member_obj
                    ):
                        return False
            return True
        if key in (SH.minCount, SH.maxCount):
            return isinstance(obj, rdflib.Literal) and isinstance(obj.toPython(), int)
        return isinstance(obj, rdflib.Literal)

    def property_checks(self, target: str, prop: rdflib.term.Node) -> list[Check]:
        path = self.shapes.value(prop, SH.path)
        assert isinstance(path, rdflib.URIRef)
        p = _nt(path)
        shape = self.validator.shape(prop)
        checks: list[Check] = []

        def check(query: str, component: str, parameter: rdflib.term.Node) -> None:
            checks.append(
                Check(
                    query,
                    component,
                    shape.severity,
                    shape.message,
                    shape.id,
                    str(path),
                    str(parameter),
                )
            )

        for min_count in self.shapes.objects(prop, SH.minCount):
            n = int(str(min_count))
            if n == 1:
                check(
                    f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {p} ?_v }} }}",
                    "MinCountConstraintComponent",
                    min_count,
                )
            elif n > 1:
                check(
                    f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?_v }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {n})",
                    "MinCountConstraintComponent",
                    min_count,
                )
        for max_count in self.shapes.objects(prop, SH.maxCount):
            n = int(str(max_count))
            check(
                f"SELECT DISTINCT ?this WHERE {{ {target} ?this {p} ?_v }}"
                if n == 0
                else f"SELECT DISTINCT ?this WHERE {{ {target} ?this {p} ?_a , ?_b "
                f"FILTER(!sameTerm(?_a, ?_b)) }}"
                if n == 1
                else f"SELECT ?this WHERE {{ {target} ?this {p} ?_v }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {n})",
                "MaxCountConstraintComponent",
                max_count,
            )
        value_rules = [
            (SH["class"], "ClassConstraintComponent"),
            (SH.datatype, "DatatypeConstraintComponent"),
            (SH.nodeKind, "NodeKindConstraintComponent"),
            (SH.pattern, "PatternConstraintComponent"),
            (SH["in"], "InConstraintComponent"),
            (SH["or"], "OrConstraintComponent"),
        ]
        for key, component in value_rules:
            for obj in sorted(self.shapes.objects(prop, key), key=str):
                expression = self.value_expression(prop, key, obj, path)
                if expression is not None:
                    where = f"?this {p} ?value FILTER(!({expression}))"
                elif key == SH["class"]:
                    # MINUS is a hash anti-join: far cheaper than NOT EXISTS per value.
                    where = f"?this {p} ?value MINUS {{ {self.instance_of('?value', str(obj))} }}"
                else:
                    condition = self.or_condition(obj, path)
                    where = f"?this {p} ?value FILTER NOT EXISTS {{ {condition} }}"
                if target.startswith(_FOCUS_OPEN):
                    # Focus nodes of several kinds: the values that fail first, then whether
                    # each one's node is a focus node (cheaper than gathering every focus
                    # node with DISTINCT: 1.8 against 0.3 s on 100,000 agreements).
                    union = target.removeprefix(_FOCUS_OPEN).removesuffix(_FOCUS_CLOSE)
                    failing = f"{{ SELECT ?this ?value WHERE {{ {where} }} }}"
                    query = f"SELECT ?this ?value WHERE {{ {failing} FILTER EXISTS {{ {union} }} }}"
                else:
                    query = f"SELECT ?this ?value WHERE {{ {target} {where} }}"
                check(query, component, obj)
        if any(is_true(u) for u in self.shapes.objects(prop, SH.uniqueLang)):
            check(
                f"SELECT DISTINCT ?this ?detail WHERE {{ {target} ?this {p} ?_a , ?_b "
                f'FILTER(!sameTerm(?_a, ?_b) && LANG(?_a) != "" '
                f"&& LCASE(LANG(?_a)) = LCASE(LANG(?_b))) BIND(LCASE(LANG(?_a)) AS ?detail) }}",
                "UniqueLangConstraintComponent",
                rdflib.Literal(True),
            )
        return checks

    def ill_formed(self, path: rdflib.URIRef, datatype: str) -> list[ox.Literal]:
        """Literals of ``datatype`` under ``path`` whose lexical form is not valid for it."""
        if datatype not in VALIDATED_DATATYPES or datatype in self.checked:
            return []
        merged = self.merged_integers and datatype in STORED_AS_INTEGER
        stored = {datatype, terms.XSD + "integer"} if merged else {datatype}
        return [
            literal
            for literal in self.typed_literals(path)
            if literal.datatype.value in stored and not literal_is_valid(literal.value, datatype)
        ]

    def typed_literals(self, path: rdflib.URIRef) -> list[ox.Literal]:
        """The distinct literals under ``path`` whose datatype's lexical space is checked
        (one scan per predicate, however many datatypes the shapes name for it)."""
        if str(path) not in self._typed_literals:
            types = ", ".join(str(ox.NamedNode(d)) for d in sorted(VALIDATED_DATATYPES))
            solutions = self.store.query(
                f"SELECT DISTINCT ?v WHERE {{ ?_s {_nt(path)} ?v {rdfio.typed_in('?v', types)} }}"
            )
            assert isinstance(solutions, ox.QuerySolutions)
            found = [row["v"] for row in solutions]
            literals = [v for v in found if isinstance(v, ox.Literal)]
            self._typed_literals[str(path)] = sorted(literals, key=str)
        return self._typed_literals[str(path)]

    def stored_types(self, datatype: str) -> str:
        """The datatypes a literal of ``datatype`` may have in the store (see
        :data:`shacl_core.STORED_AS_INTEGER`), as a SPARQL list."""
        types = [ox.NamedNode(datatype)]
        if self.merged_integers and datatype in STORED_AS_INTEGER:
            types.append(ox.NamedNode(terms.XSD + "integer"))
        return ", ".join(map(str, types))

    def value_expression(
        self,
        shape: rdflib.term.Node,
        key: rdflib.term.Node,
        obj: rdflib.term.Node,
        path: rdflib.URIRef,
    ) -> str | None:
        """A boolean SPARQL expression on ?value for a constraint, where one exists."""
        if key == SH.datatype:
            datatype = str(obj)
            test = f"isLiteral(?value) && DATATYPE(?value) IN ({self.stored_types(datatype)})"
            for literal in self.ill_formed(path, datatype):
                test += f" && !sameTerm(?value, {literal})"
            return test
        if key == SH.nodeKind:
            return NODE_KIND_TESTS[obj]  # type: ignore[index]
        if key == SH.pattern:
            flags = self.shapes.value(shape, SH.flags)
            flag_arg = f", {_nt(rdflib.Literal(str(flags)))}" if flags is not None else ""
            return f"!isBlank(?value) && REGEX(STR(?value), {_nt(obj)}{flag_arg})"
        if key == SH["in"]:
            members = [f"sameTerm(?value, {_nt(m)})" for m in Collection(self.shapes, obj)]
            return "(" + (" || ".join(members) or "false") + ")"
        if key == SH["or"]:
            alternatives = []
            for member in Collection(self.shapes, obj):
                parts = []
                for member_key, member_obj in sorted(self.shapes.predicate_objects(member)):
                    if member_key not in MEMBER_KEYS or member_key == SH.flags:
                        continue
                    expression = self.value_expression(member, member_key, member_obj, path)
                    if expression is None:
                        return None  # e.g. sh:class inside sh:or: use the pattern form
                    parts.append(f"({expression})")
                alternatives.append("(" + " && ".join(parts) + ")")
            return " || ".join(alternatives)
        return None

    def or_condition(self, or_list: rdflib.term.Node, path: rdflib.URIRef) -> str:
        """A graph pattern that holds when ?value conforms to a member of an sh:or."""
        alternatives = []
        for member in Collection(self.shapes, or_list):
            conditions = []
            for key, obj in sorted(self.shapes.predicate_objects(member)):
                if key == SH["class"]:
                    conditions.append(self.instance_of("?value", str(obj)))
                elif key in MEMBER_KEYS and key != SH.flags:
                    expression = self.value_expression(member, key, obj, path)
                    conditions.append(f"FILTER({expression})")
            alternatives.append("{ " + " ".join(conditions) + " }")
        return " UNION ".join(alternatives)

    def node_or_check(self, target: str, shape: Shape) -> Check | None:
        """sh:or at node level, of shapes that each only require a value for one predicate."""
        or_lists = list(self.shapes.objects(shape.node, SH["or"]))
        if len(or_lists) != 1:
            return None
        alternatives = []
        for member in Collection(self.shapes, or_lists[0]):
            path = self.shapes.value(member, SH.path)
            counts = list(self.shapes.objects(member, SH.minCount))
            if (
                not isinstance(path, rdflib.URIRef)
                or counts != [rdflib.Literal(1)]
                or self.keys(member) != {SH.minCount}
                or is_deactivated(self.shapes, member)
            ):
                return None
            alternatives.append(f"EXISTS {{ ?this {_nt(path)} ?_x }}")
        if not alternatives:
            return None
        query = (
            f"SELECT ?this (?this AS ?value) WHERE {{ {target} "
            f"FILTER(!({' || '.join(alternatives)})) }}"
        )
        return Check(query, "OrConstraintComponent", shape.severity, shape.message, shape.id, None)

    def sparql_check(self, target: str, shape: Shape, constraint: rdflib.term.Node) -> Check:
        """A SPARQL-based constraint, run once for all focus nodes ($this becomes ?this)."""
        select = self.shapes.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape(f"shape {shape.id}: SPARQL constraint without sh:select")
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
        message = message_of(self.shapes, constraint) or shape.message
        severity = (
            severity_of(self.shapes, constraint)
            if self.shapes.value(constraint, SH.severity) is not None
            else shape.severity
        )
        return Check(query, "SPARQLConstraintComponent", severity, message, shape.id, None)


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
        detail = row["detail"] if "detail" in names else None
        results.append(
            Result(
                focus=focus,
                path=path,
                value=value,
                component=check.component,
                severity=check.severity,
                message=check.message,
                shape=check.shape,
                detail=f"{check.detail} {detail.value}" if detail is not None else check.detail,
            )
        )
    return results


def _interpreted(compiler: Compiler, plan: Plan) -> list[Result]:
    validator = compiler.validator
    results: list[Result] = []
    focus_cache: dict[rdflib.term.Node, list[ox.NamedNode | ox.BlankNode | ox.Literal]] = {}
    for owner, node, only in plan.interpreted:
        if owner not in focus_cache:
            focus_cache[owner] = sorted(validator.focus_nodes(owner), key=str)
        shape = validator.shape(node, nested=owner != node)
        for focus in focus_cache[owner]:
            results.extend(validator.results(shape, focus, only))
    return results


def run(
    shapes: rdflib.Graph,
    store: ox.Store,
    checked_datatypes: Iterable[str] = (),
    written: AsWritten | None = None,
) -> list[Result]:
    """Every validation result of the data in ``store`` against ``shapes``.

    ``written`` (:class:`load.AsWritten`): the literals the store keeps in another form than
    the data wrote them; their values are judged and reported as written. Give it whenever
    the data was parsed or loaded by us (an empty one when nothing changed).

    Compiled checks run on a thread per core: Oxigraph evaluates queries without holding
    Python's lock, so two cores nearly halve the time. Results are sorted, so order never
    varies.
    """
    compiler = Compiler(shapes, store, checked_datatypes, written)
    plan = compiler.compile()
    run_check: Callable[[Check], list[Result]] = lambda check: _results_of(check, store)  # noqa: E731
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        batches = list(pool.map(run_check, plan.checks))
    # One result per evaluation, as in a SHACL report: a property shape shared by two node
    # shapes that target the same node gives two results, and so does a node reached from
    # two focus nodes.
    results = [result for batch in batches for result in batch]
    results.extend(_interpreted(compiler, plan))
    return sorted(results, key=sort_key)


def sort_key(r: Result) -> tuple[str, str, str, str, str, str]:
    return (term_id(r.focus), r.path or "", r.component, str(r.value), r.shape, r.detail)
