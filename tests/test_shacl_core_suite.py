"""The W3C SHACL Core test suite, run through our engine (twinning.shacl_sparql).

Each test of ``../shared/standards/w3c-shacl-tests/core`` names a data graph, a shapes graph
and the expected validation report. As the suite says, reports are compared by their results
(focus node, path, value, source shape, constraint component, severity), with blank nodes
compared by kind only and messages ignored, plus the conforms flag.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from twinning import shacl_paths, shacl_sparql
from twinning.load import AsWritten
from twinning.validate import _ntriples, _rdflib_term, to_rdflib

from .conftest import SHARED

CORE = SHARED / "standards" / "w3c-shacl-tests" / "core"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")

# Tests the engine may refuse (SPARQL-based constraints stay with pySHACL): none in Core.
REFUSED: dict[str, str] = {}


def manifest_entries(manifest: Path) -> list[tuple[str, Path, rdflib.Graph, rdflib.term.Node]]:
    """(name, manifest file, manifest graph, test node) of every sht:Validate test."""
    graph = to_rdflib(load(manifest))  # lexical forms kept as written (no rdflib normalising)
    found = []
    for include in graph.objects(None, MF.include):
        found += manifest_entries(Path(str(include).removeprefix("file://")))
    for entries in graph.objects(None, MF.entries):
        for entry in Collection(graph, entries):
            if (entry, RDF.type, SHT.Validate) in graph:
                name = f"{manifest.parent.name}/{str(entry).rsplit('/', 1)[-1]}"
                found.append((name, manifest, graph, entry))
    return found


def load(path: Path) -> list[ox.Triple]:
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def _file(node: rdflib.term.Node) -> Path:
    return Path(str(node).removeprefix("file://"))


ENTRIES = manifest_entries(CORE / "manifest.ttl")


def node_key(term: rdflib.term.Node | None) -> str | None:
    """A node as compared: blank nodes only by kind, literals as rdflib normalises them."""
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return "_:"
    return _ntriples(term)


def expected_results(graph: rdflib.Graph, report: rdflib.term.Node) -> Counter:
    found: Counter = Counter()
    for result in graph.objects(report, SH.result):
        path = graph.value(result, SH.resultPath)
        found[
            (
                node_key(graph.value(result, SH.focusNode)),
                shacl_paths.from_report(graph, path) if path is not None else None,
                node_key(graph.value(result, SH.value)),
                node_key(graph.value(result, SH.sourceShape)),
                str(graph.value(result, SH.sourceConstraintComponent)).removeprefix(str(SH)),
                str(graph.value(result, SH.resultSeverity)).removeprefix(str(SH)),
            )
        ] += 1
    return found


def actual_results(results: list[shacl_sparql.Result]) -> Counter:
    found: Counter = Counter()
    for r in results:
        shape = "_:" if r.shape.startswith("_:") else _ntriples(rdflib.URIRef(r.shape))
        found[
            (
                node_key(_rdflib_term(r.focus)),
                r.path,
                node_key(_rdflib_term(r.value)) if r.value is not None else None,
                shape,
                r.component,
                r.severity,
            )
        ] += 1
    return found


def test_guard_all_core_tests_found() -> None:
    assert len(ENTRIES) == 98


@pytest.mark.parametrize("entry", [pytest.param(e, id=e[0]) for e in ENTRIES])
def test_core(entry: tuple[str, Path, rdflib.Graph, rdflib.term.Node]) -> None:
    name, _manifest, graph, test = entry
    action = graph.value(test, MF.action)
    data_file = _file(graph.value(action, SHT.dataGraph))
    shapes_file = _file(graph.value(action, SHT.shapesGraph))
    data = load(data_file)
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in data)
    # The literals the store keeps in another form ("300"^^xsd:byte as an xsd:integer).
    written = AsWritten()
    written.add(data)
    # One parse for a file that is both data and shapes, so blank nodes are the same nodes.
    shapes = to_rdflib(data if shapes_file == data_file else load(shapes_file))
    if name in REFUSED:
        with pytest.raises(shacl_sparql.UnsupportedShape):
            shacl_sparql.run(shapes, store, written=written)
        return
    results = shacl_sparql.run(shapes, store, written=written)
    report = graph.value(test, MF.result)
    conforms = graph.value(report, SH.conforms)
    assert conforms is not None and (not results) == conforms.toPython()
    assert actual_results(results) == expected_results(graph, report)
