"""SHACL Core, evaluated node by node in Python over an Oxigraph store.

This is the general half of our engine: every SHACL Core feature (all targets, all property
paths, logical and shape-based constraints, qualified value shapes, closed shapes, pair and
range constraints), following the W3C recommendation word for word. The compiler in
:mod:`twinning.shacl_sparql` turns the common, simple constraints into one SPARQL query each
(fast on millions of triples) and hands everything else to :class:`Validator`. A shape that
uses something outside SHACL Core (custom targets, rules, JavaScript) is refused with
:class:`UnsupportedShape`, never skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from . import shacl_paths
from .errors import CannotRun
from .load import AsWritten
from .rdfio import INTEGER_DERIVED, literal_is_valid
from .shacl_paths import Path, Term, as_term

RDF_TYPE = ox.NamedNode(str(RDF.type))
RDFS_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
RDF_LANGSTRING = str(RDF.langString)

TARGET_KEYS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
# Non-validating properties of shapes: read for the report or ignored.
ANNOTATION_KEYS = {
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.path,
}
# Parameters of the SHACL Core constraint components.
PARAMETER_KEYS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH.minExclusive,
    SH.minInclusive,
    SH.maxExclusive,
    SH.maxInclusive,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH.uniqueLang,
    SH.equals,
    SH.disjoint,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH["not"],
    SH["and"],
    SH["or"],
    SH.xone,
    SH.node,
    SH.property,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.closed,
    SH.ignoredProperties,
    SH.hasValue,
    SH["in"],
}
# Parameters SHACL allows on property shapes only (a node shape with one is ill-formed).
PROPERTY_ONLY_KEYS = {
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.qualifiedValueShape,
}
# Features of SHACL Advanced Features and SHACL-JS that the engine does not implement: a shape
# using one is refused. Other properties, like any term SHACL does not define (the DCAT-AP
# shapes write sh:shape), are ignored, as the SHACL spec and pySHACL ignore them.
REFUSED_KEYS = {
    rdflib.URIRef(str(SH) + name)
    for name in (
        "target",
        "rule",
        "js",
        "jsFunctionName",
        "jsLibrary",
        "expression",
        "condition",
        "values",
        "filterShape",
        "nodes",
        "intersection",
        "union",
        "entailment",
    )
}


class UnsupportedShape(CannotRun):
    """The shapes use a SHACL feature this engine does not implement (exit 2, never skipped)."""


@dataclass(frozen=True)
class Result:
    """One validation result, as SHACL's report would state it."""

    focus: Term
    path: str | None  # an IRI, or SPARQL property-path syntax for other paths
    value: Term | None
    component: str  # local name, e.g. "MinCountConstraintComponent"
    severity: str  # "Violation", "Warning", "Info", or the IRI of another severity
    message: str
    shape: str  # the IRI of the source shape, or "_:id" for a blank node
    # Tells apart results that differ in nothing else: the constraint's parameter value, and
    # for sh:uniqueLang the repeated language tag.
    detail: str = ""


def to_ox(term: rdflib.term.Node) -> Term:
    """An rdflib term of the shapes graph as an Oxigraph term (blank nodes keep their id)."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise UnsupportedShape(f"cannot use {term!r} as an RDF term")


def term_id(term: rdflib.term.Node | Term) -> str:
    """How a node is named in results: an IRI as is, ``_:id`` for a blank node, a literal in
    N-Triples syntax."""
    if isinstance(term, rdflib.URIRef):
        return str(term)
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode | ox.Literal):
        return str(term)
    return str(to_ox(term))


def curie(iri: rdflib.term.Node) -> str:
    text = str(iri)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text


@dataclass
class Shape:
    """A shape read from the shapes graph, with the parts every evaluation needs."""

    node: rdflib.term.Node
    id: str
    path: Path | None
    severity: str
    message: str
    deactivated: bool


def severity_of(shapes: rdflib.Graph, node: rdflib.term.Node) -> str:
    value = shapes.value(node, SH.severity)
    if value is None:
        return "Violation"
    text = str(value)
    return text[len(str(SH)) :] if text.startswith(str(SH)) else text


def message_of(shapes: rdflib.Graph, node: rdflib.term.Node) -> str:
    """The shape's sh:message: English or untagged first, so the choice never varies."""
    messages = [m for m in shapes.objects(node, SH.message) if isinstance(m, rdflib.Literal)]
    if not messages:
        return ""
    messages.sort(key=lambda m: (m.language not in (None, "en"), m.language or "", str(m)))
    return str(messages[0])


def is_deactivated(shapes: rdflib.Graph, node: rdflib.term.Node) -> bool:
    return is_true(shapes.value(node, SH.deactivated))


def implicit_class(shapes: rdflib.Graph, node: rdflib.term.Node) -> bool:
    """Whether a shape is also a class (rdfs:Class, owl:Class or a subclass of rdfs:Class)."""
    if not isinstance(node, rdflib.URIRef):
        return False
    classes = {RDFS.Class, OWL.Class, *shapes.transitive_subjects(RDFS.subClassOf, RDFS.Class)}
    return any(t in classes for t in shapes.objects(node, RDF.type))


def lang_matches(tag: str, language_range: str) -> bool:
    """SPARQL langMatches (RFC 4647 basic filtering)."""
    tag, language_range = tag.lower(), language_range.lower()
    if language_range == "*":
        return tag != ""
    return tag == language_range or tag.startswith(language_range + "-")


# ----------------------------------------------------------------------------- ordering

_ORACLE = ox.Store()  # empty: only evaluates SPARQL's comparison operators
_ORDER_QUERY = (
    "SELECT (?a < ?b AS ?lt) (?a <= ?b AS ?le) (?a > ?b AS ?gt) "
    "WHERE {{ VALUES (?a ?b) {{ ({a} {b}) }} }}"
)


def compare(left: Term, right: Term) -> int | None:
    """-1, 0 or 1 as ``left`` is less than, equal to or greater than ``right`` by SPARQL's
    ``<`` (as the SHACL range and pair constraints are defined); None when SPARQL cannot
    compare them (IRIs, blank nodes, a number and a string...). Oxigraph evaluates it."""
    if not isinstance(left, ox.Literal) or not isinstance(right, ox.Literal):
        return None
    return _compare_literals(left, right)


@functools.lru_cache(maxsize=65536)
def _compare_literals(left: ox.Literal, right: ox.Literal) -> int | None:
    # The literals are written by Oxigraph's serialiser (escaped), never pasted as text.
    solutions = _ORACLE.query(_ORDER_QUERY.format(a=left, b=right))
    assert isinstance(solutions, ox.QuerySolutions)
    row = next(iter(solutions))
    true = [
        isinstance(row[name], ox.Literal) and row[name].value == "true"
        for name in ("lt", "le", "gt")
    ]
    return -1 if true[0] else 0 if true[1] else 1 if true[2] else None


# ----------------------------------------------------------------------------- validator


# Makes a result of the constraint being evaluated: (component, value, detail) -> Result.
MakeResult = Callable[..., Result]


class Validator:
    """Evaluates shapes on focus nodes of an Oxigraph store, as the SHACL Core spec says.

    ``written``: the literals the store keeps in another form than the data wrote them
    (:class:`load.AsWritten`); value nodes and focus nodes are those literals as written.
    Without it (a store of unknown origin), an xsd:integer in the store may stand for any
    integer-derived datatype (see :data:`STORED_AS_INTEGER`).
    """

    def __init__(self, shapes: rdflib.Graph, store: ox.Store, written: AsWritten | None = None):
        self.shapes = shapes
        self.store = store
        self.written = written
        self.as_written = written if written is not None else AsWritten()
        for component in shapes.subjects(RDF.type, SH.ConstraintComponent):
            raise UnsupportedShape(
                f"constraint component {term_id(component)}: custom (SPARQL-based) constraint "
                "components are not supported"
            )
        self._shapes: dict[rdflib.term.Node, Shape] = {}
        self._conforms: dict[tuple[str, Term], bool] = {}
        self._active: set[tuple[str, Term]] = set()
        self._subclasses: dict[str, set[ox.NamedNode]] = {}

    # ----------------------------------------------------------------- shapes and targets
    def shape(self, node: rdflib.term.Node, nested: bool = True) -> Shape:
        """The shape at ``node``, refused when it uses a feature outside SHACL Core."""
        if node in self._shapes:
            return self._shapes[node]
        shape_id = term_id(node)
        for key in set(self.shapes.predicates(node)):
            if key in REFUSED_KEYS:
                raise UnsupportedShape(f"shape {shape_id}: {curie(key)} is not supported")
            if nested and key == SH.sparql:
                raise UnsupportedShape(
                    f"shape {shape_id}: sh:sparql is supported only on shapes with targets"
                )
        path_node = self.shapes.value(node, SH.path)
        path = shacl_paths.parse_path(self.shapes, path_node, shape_id) if path_node else None
        for key, obj in self.shapes.predicate_objects(node):
            if key in PROPERTY_ONLY_KEYS and path is None:
                raise UnsupportedShape(
                    f"shape {shape_id}: {curie(key)} is allowed on property shapes only"
                )
            if key in INTEGER_KEYS:
                integer_parameter(shape_id, key, obj)
        shape = Shape(
            node=node,
            id=shape_id,
            path=path,
            severity=severity_of(self.shapes, node),
            message=message_of(self.shapes, node),
            deactivated=is_deactivated(self.shapes, node),
        )
        self._shapes[node] = shape
        return shape

    def property_shape(self, owner: Shape, node: rdflib.term.Node) -> Shape:
        """The value of an sh:property, which must be a property shape (have an sh:path)."""
        if self.shapes.value(node, SH.path) is None:
            raise UnsupportedShape(
                f"shape {owner.id}: its sh:property {term_id(node)} has no sh:path "
                "(not a property shape)"
            )
        return self.shape(node)

    def subclasses(self, cls: ox.NamedNode) -> set[ox.NamedNode]:
        """``cls`` and its subclasses in the data graph (rdfs:subClassOf*)."""
        if cls.value not in self._subclasses:
            found = {cls}
            frontier = [cls]
            while frontier:
                current = frontier.pop()
                for quad in self.store.quads_for_pattern(None, RDFS_SUBCLASS_OF, current, None):
                    subject = quad.subject
                    if isinstance(subject, ox.NamedNode) and subject not in found:
                        found.add(subject)
                        frontier.append(subject)
            self._subclasses[cls.value] = found
        return self._subclasses[cls.value]

    def instances(self, cls: ox.NamedNode) -> set[Term]:
        found: set[Term] = set()
        for sub in self.subclasses(cls):
            pattern = self.store.quads_for_pattern(None, RDF_TYPE, sub, None)
            found.update(as_term(q.subject) for q in pattern)
        return found

    def is_instance(self, node: Term, cls: ox.NamedNode) -> bool:
        if isinstance(node, ox.Literal):
            return False
        classes = self.subclasses(cls)
        return any(
            q.object in classes for q in self.store.quads_for_pattern(node, RDF_TYPE, None, None)
        )

    def focus_nodes(self, node: rdflib.term.Node) -> set[Term]:
        """Every focus node of a shape's targets (explicit and implicit class targets)."""
        found: set[Term] = set()
        for target in self.shapes.objects(node, SH.targetNode):
            found.add(to_ox(target))
        classes = list(self.shapes.objects(node, SH.targetClass))
        if implicit_class(self.shapes, node):
            classes.append(node)
        for cls in classes:
            if isinstance(cls, rdflib.URIRef):
                found |= self.instances(ox.NamedNode(str(cls)))
        for prop in self.shapes.objects(node, SH.targetSubjectsOf):
            if isinstance(prop, rdflib.URIRef):
                pattern = self.store.quads_for_pattern(None, ox.NamedNode(str(prop)), None, None)
                found.update(as_term(q.subject) for q in pattern)
        for prop in self.shapes.objects(node, SH.targetObjectsOf):
            if isinstance(prop, rdflib.URIRef):
                pattern = self.store.quads_for_pattern(None, ox.NamedNode(str(prop)), None, None)
                for q in pattern:
                    found.update(self.objects(q))
        return found

    def objects(self, quad: ox.Quad) -> tuple[Term, ...]:
        """The object of a stored triple as the data wrote it (two when the store merged
        "1"^^xsd:byte and "1"^^xsd:integer)."""
        return self.as_written.objects(quad.subject, quad.predicate, as_term(quad.object))

    # ----------------------------------------------------------------- evaluation
    def validate(self, node: rdflib.term.Node, focus: Term) -> list[Result]:
        """All results of one shape on one focus node."""
        return list(self.results(self.shape(node, nested=False), focus))

    def conforms(self, node: rdflib.term.Node, value: Term) -> bool:
        """Whether ``value`` conforms to the shape at ``node`` (no result of any severity)."""
        shape = self.shape(node)
        key = (shape.id, value)
        if key not in self._conforms:
            results = self.results(shape, value)
            try:
                self._conforms[key] = next(results, None) is None
            finally:
                results.close()
        return self._conforms[key]

    def results(
        self, shape: Shape, focus: Term, only: set[rdflib.term.Node] | None = None
    ) -> Generator[Result, None, None]:
        """The results of ``shape`` on ``focus``; ``only`` limits them to some parameters."""
        if shape.deactivated:
            return
        key = (shape.id, focus)
        if key in self._active:
            raise UnsupportedShape(f"shape {shape.id}: recursive shapes are not supported")
        self._active.add(key)
        try:
            if shape.path is not None:
                values = shacl_paths.values(self.store, shape.path, focus, self.as_written)
            else:
                values = {focus}
            ordered = sorted(values, key=str)
            for key_, obj in sorted(self.shapes.predicate_objects(shape.node), key=_param_order):
                if key_ in PARAMETER_KEYS and (only is None or key_ in only):
                    yield from self.component(shape, key_, obj, focus, ordered)
        finally:
            self._active.discard(key)

    def component(
        self,
        shape: Shape,
        key: rdflib.term.Node,
        obj: rdflib.term.Node,
        focus: Term,
        values: list[Term],
    ) -> Iterator[Result]:
        """The results of one constraint component (named by its main parameter)."""
        path = shape.path.text() if shape.path is not None else None

        def result(component: str, value: Term | None, detail: str = "") -> Result:
            # Two constraints of one kind on a shape (two sh:class) give two results.
            return Result(
                focus,
                path,
                value,
                component,
                shape.severity,
                shape.message,
                shape.id,
                f"{obj} {detail}".strip(),
            )

        name = str(key)[len(str(SH)) :]
        component = name[0].upper() + name[1:] + "ConstraintComponent"
        if key == SH.property:
            prop = self.property_shape(shape, obj)
            for value in values:
                yield from self.results(prop, value)
        elif key in _VALUE_TESTS:
            test = _VALUE_TESTS[key]
            for value in values:
                if not test(self, value, obj, shape):
                    yield result(component, value)
        elif key in (SH.minCount, SH.maxCount):
            limit = integer_parameter(shape, key, obj)
            if (key == SH.minCount and len(values) < limit) or (
                key == SH.maxCount and len(values) > limit
            ):
                yield result(component, None)
        elif key == SH.uniqueLang:
            if is_true(obj):
                seen: dict[str, int] = {}
                for value in values:
                    if isinstance(value, ox.Literal) and value.language:
                        lang = value.language.lower()
                        seen[lang] = seen.get(lang, 0) + 1
                for lang in sorted(lang for lang, n in seen.items() if n > 1):
                    yield result(component, None, lang)
        elif key == SH.hasValue:
            if to_ox(obj) not in values:
                yield result(component, None)
        elif key in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
            yield from self.pair(key, obj, focus, values, result, component)
        elif key == SH.closed:
            if is_true(obj):
                allowed = self.closed_allowed(shape)
                for value in values:
                    if isinstance(value, ox.Literal):
                        continue
                    for quad in self.store.quads_for_pattern(value, None, None, None):
                        if quad.predicate.value in allowed:
                            continue
                        for obj_ in self.objects(quad):
                            yield Result(
                                focus,
                                quad.predicate.value,
                                obj_,
                                component,
                                shape.severity,
                                shape.message,
                                shape.id,
                            )
        elif key == SH.qualifiedValueShape:
            yield from self.qualified(shape, obj, values, result)
        # sh:flags, sh:ignoredProperties and the qualified counts are read with their main
        # parameter (sh:pattern, sh:closed, sh:qualifiedValueShape).

    def pair(
        self,
        key: rdflib.term.Node,
        obj: rdflib.term.Node,
        focus: Term,
        values: list[Term],
        result: MakeResult,
        component: str,
    ) -> Iterator[Result]:
        """sh:equals, sh:disjoint, sh:lessThan and sh:lessThanOrEquals."""
        if isinstance(focus, ox.Literal):
            others: list[Term] = []
        else:
            prop = ox.NamedNode(str(obj))
            pattern = self.store.quads_for_pattern(focus, prop, None, None)
            others = sorted({o for q in pattern for o in self.objects(q)}, key=str)
        if key == SH.equals:
            for value in values:
                if value not in others:
                    yield result(component, value)
            for other in others:
                if other not in values:
                    yield result(component, other)
        elif key == SH.disjoint:
            for value in values:
                if value in others:
                    yield result(component, value)
        else:
            accepted = (-1,) if key == SH.lessThan else (-1, 0)
            for value in values:
                for other in others:  # one result per pair that is not in order
                    if compare(value, other) not in accepted:
                        yield result(component, value, str(other))

    def closed_allowed(self, shape: Shape) -> set[str]:
        allowed = set()
        for prop in self.shapes.objects(shape.node, SH.property):
            path = self.shapes.value(prop, SH.path)
            if isinstance(path, rdflib.URIRef):
                allowed.add(str(path))
        for ignored in self.shapes.objects(shape.node, SH.ignoredProperties):
            allowed.update(str(m) for m in Collection(self.shapes, ignored))
        return allowed

    def qualified(
        self, shape: Shape, obj: rdflib.term.Node, values: list[Term], result: MakeResult
    ) -> Iterator[Result]:
        """sh:qualifiedValueShape with its counts, and disjointness from sibling shapes."""
        siblings: set[rdflib.term.Node] = set()
        if is_true(self.shapes.value(shape.node, SH.qualifiedValueShapesDisjoint)):
            for parent in self.shapes.subjects(SH.property, shape.node):
                for sibling in self.shapes.objects(parent, SH.property):
                    siblings.update(self.shapes.objects(sibling, SH.qualifiedValueShape))
            siblings.discard(obj)
        count = sum(
            1
            for value in values
            if self.conforms(obj, value) and not any(self.conforms(s, value) for s in siblings)
        )
        low = self.shapes.value(shape.node, SH.qualifiedMinCount)
        high = self.shapes.value(shape.node, SH.qualifiedMaxCount)
        if low is not None and count < integer_parameter(shape, SH.qualifiedMinCount, low):
            yield result("QualifiedMinCountConstraintComponent", None)
        if high is not None and count > integer_parameter(shape, SH.qualifiedMaxCount, high):
            yield result("QualifiedMaxCountConstraintComponent", None)


INTEGER_KEYS = {
    SH.minCount,
    SH.maxCount,
    SH.minLength,
    SH.maxLength,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
}


def integer_parameter(shape: Shape | str, key: rdflib.term.Node, obj: rdflib.term.Node) -> int:
    """The value of a count or length parameter; refused unless a non-negative integer."""
    value = obj.toPython() if isinstance(obj, rdflib.Literal) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        shape_id = shape.id if isinstance(shape, Shape) else shape
        raise UnsupportedShape(f"shape {shape_id}: {curie(key)} {obj} is not a count")
    return value


def is_true(obj: rdflib.term.Node | None) -> bool:
    """Exactly ``true`` (SHACL names that value; "1"^^xsd:boolean does not switch a flag on)."""
    return obj == rdflib.Literal("true", datatype=XSD.boolean)


def _param_order(pair: tuple[rdflib.term.Node, rdflib.term.Node]) -> tuple[str, str]:
    return str(pair[0]), str(pair[1])


# ----------------------------------------------------------------------------- value tests

ValueTest = Callable[["Validator", Term, rdflib.term.Node, Shape], bool]
# Each takes (validator, value node, parameter value, shape) and says whether the value passes.


def _class(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return isinstance(obj, rdflib.URIRef) and v.is_instance(value, ox.NamedNode(str(obj)))


# Oxigraph's store keeps every literal of a type derived from xsd:integer (xsd:byte,
# xsd:nonNegativeInteger...) as an xsd:integer: which of them the data said is lost. With a
# load.AsWritten table the engine sees the literal as written; without one (a store of
# unknown origin) an xsd:integer matches these datatypes when its value is in their range.
STORED_AS_INTEGER = {str(XSD) + local for local in INTEGER_DERIVED}


def datatype_matches(value: Term, datatype: str, as_written: bool = False) -> bool:
    """sh:datatype: a literal of exactly that datatype, with a well-formed lexical form.

    ``as_written``: the literal is as the data wrote it; otherwise it may come from a store
    that made an xsd:integer of an integer-derived datatype."""
    if not isinstance(value, ox.Literal):
        return False
    if datatype == RDF_LANGSTRING:
        return bool(value.language)
    stored = value.datatype.value
    if not as_written and datatype in STORED_AS_INTEGER and stored == str(XSD.integer):
        stored = datatype
    if value.language or stored != datatype:
        return False
    return literal_is_valid(value.value, datatype)


def _datatype(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return datatype_matches(value, str(obj), as_written=v.written is not None)


_NODE_KINDS = {
    SH.IRI: (ox.NamedNode,),
    SH.BlankNode: (ox.BlankNode,),
    SH.Literal: (ox.Literal,),
    SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode),
    SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
    SH.IRIOrLiteral: (ox.NamedNode, ox.Literal),
}


def _node_kind(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    if obj not in _NODE_KINDS:
        raise UnsupportedShape(f"shape {shape.id}: sh:nodeKind {obj} is not a node kind")
    return isinstance(value, _NODE_KINDS[obj])  # type: ignore[index]


def _range(accepted: tuple[int, ...]) -> ValueTest:
    def test(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
        return compare(value, to_ox(obj)) in accepted

    return test


def _length(longest: bool) -> ValueTest:
    def test(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
        if isinstance(value, ox.BlankNode):
            return False
        length = len(value.value)
        limit = integer_parameter(shape, SH.maxLength if longest else SH.minLength, obj)
        return length <= limit if longest else length >= limit

    return test


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def _pattern(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    if isinstance(value, ox.BlankNode):
        return False
    flags = 0
    for flag in str(v.shapes.value(shape.node, SH.flags) or ""):
        flags |= _FLAGS.get(flag, 0)
    try:
        return re.search(str(obj), value.value, flags) is not None
    except re.error as err:
        raise UnsupportedShape(f"shape {shape.id}: sh:pattern {str(obj)!r}: {err}") from err


def _language_in(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    if not isinstance(value, ox.Literal) or not value.language:
        return False
    ranges = [str(m) for m in Collection(v.shapes, obj)]
    return any(lang_matches(value.language, r) for r in ranges)


def _in(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return value in {to_ox(m) for m in Collection(v.shapes, obj)}


def _node(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return v.conforms(obj, value)


def _not(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return not v.conforms(obj, value)


def _and(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return all(v.conforms(m, value) for m in Collection(v.shapes, obj))


def _or(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return any(v.conforms(m, value) for m in Collection(v.shapes, obj))


def _xone(v: Validator, value: Term, obj: rdflib.term.Node, shape: Shape) -> bool:
    return sum(1 for m in Collection(v.shapes, obj) if v.conforms(m, value)) == 1


_VALUE_TESTS: dict[rdflib.term.Node, ValueTest] = {
    SH["class"]: _class,
    SH.datatype: _datatype,
    SH.nodeKind: _node_kind,
    SH.minExclusive: _range((1,)),
    SH.minInclusive: _range((0, 1)),
    SH.maxExclusive: _range((-1,)),
    SH.maxInclusive: _range((-1, 0)),
    SH.minLength: _length(False),
    SH.maxLength: _length(True),
    SH.pattern: _pattern,
    SH.languageIn: _language_in,
    SH["in"]: _in,
    SH.node: _node,
    SH["not"]: _not,
    SH["and"]: _and,
    SH["or"]: _or,
    SH.xone: _xone,
}
