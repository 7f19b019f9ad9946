"""The SPARQL/Python SHACL engine: what it accepts it checks as SHACL says; the rest it refuses."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from twinning import shacl_sparql
from twinning.cli import main
from twinning.load import AsWritten, load_files, mentions_integer_derived
from twinning.rdfio import RdfSyntaxError, literal_is_valid
from twinning.terms import XSD
from twinning.validate import to_rdflib

from .conftest import FIXTURES, ROOT

SHACL = FIXTURES / "shacl"
runner = CliRunner()


def _project_with_shapes(tmp_path: Path, *shapes: Path) -> Path:
    copy = tmp_path / "project"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, copy / folder)
    for extra in shapes:
        shutil.copy(extra, copy / "shapes" / extra.name)
    return copy


def _violations(output: str) -> int:
    match = re.search(r"(\d+) violation\(s\)", output.strip().splitlines()[-1])
    assert match, output
    return int(match.group(1))


def test_cli_target_subjects_of_finds_what_pyshacl_finds(tmp_path: Path) -> None:
    project = _project_with_shapes(tmp_path, SHACL / "party-maxlength.shacl.ttl")
    ours = runner.invoke(main, ["validate", "--root", str(project)])
    reference = runner.invoke(main, ["validate", "--root", str(project), "--engine", "pyshacl"])
    assert ours.exit_code == 1 and reference.exit_code == 1, ours.output
    assert _violations(ours.output) == _violations(reference.output) == 41
    assert "The agreement's IRI is longer than 5 characters." in ours.output


def test_cli_refusal_is_exit_2_with_one_line(tmp_path: Path) -> None:
    project = _project_with_shapes(tmp_path, SHACL / "sparql-target.shacl.ttl")
    result = runner.invoke(main, ["validate", "--root", str(project)])
    assert result.exit_code == 2
    assert result.output == (
        "Error: shape https://example.org/shapes#CustomTargetShape: sh:target is not supported\n"
    )


def _run(path: Path) -> list[shacl_sparql.Result]:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path))]
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    written = AsWritten()
    written.add(triples)
    return shacl_sparql.run(to_rdflib(triples), store, written=written)


def test_unique_lang_once_per_language_and_ill_formed_boolean() -> None:
    found = sorted(
        (r.component, r.shape, str(r.value) if r.value else None, r.detail)
        for r in _run(SHACL / "unique-lang.ttl")
    )
    assert found == [
        (
            "DatatypeConstraintComponent",
            "https://example.org/FlagShape",
            f'"none"^^<{XSD}boolean>',
            f"{XSD}boolean",
        ),
        ("UniqueLangConstraintComponent", "https://example.org/LabelShape", None, "true en"),
        ("UniqueLangConstraintComponent", "https://example.org/LabelShape", None, "true ro"),
    ]


def test_loader_refuses_an_ill_formed_decimal(tmp_path: Path) -> None:
    bad = tmp_path / "decimal.ttl"
    bad.write_text(
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<urn:a> <urn:b> "abc"^^xsd:decimal .\n'
    )
    with pytest.raises(RdfSyntaxError, match='"abc" is not a valid xsd:decimal value'):
        load_files([bad])


@pytest.mark.parametrize(
    ("lexical", "datatype", "valid"),
    [
        ("abc", "decimal", False),
        ("-1.50", "decimal", True),
        ("none", "boolean", False),
        ("1", "boolean", True),
        ("300", "byte", False),
        ("-128", "byte", True),
        ("0", "positiveInteger", False),
        ("1e5", "double", True),
        ("2021-02-29", "date", False),
        ("2024-02-29T23:59:59Z", "dateTime", True),
        ("25:00:00", "time", False),
    ],
)
def test_literal_is_valid(lexical: str, datatype: str, valid: bool) -> None:
    assert literal_is_valid(lexical, XSD + datatype) is valid


def test_blank_node_and_literal_focus_nodes_reach_the_report(tmp_path: Path) -> None:
    """sh:targetObjectsOf can make literals and blank nodes focus nodes; findings name them."""
    from twinning.validate import render_text, validate_graph

    data = tmp_path / "data.ttl"
    data.write_text(
        '@prefix ex: <https://example.org/> .\nex:a ex:p [ ex:q "x" ] , "a literal" .\n'
    )
    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <https://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetObjectsOf ex:p ; sh:nodeKind sh:IRI .\n"
    )
    graph = load_files([data])
    shapes = to_rdflib(parse_file_triples(shapes_file))
    report = validate_graph(graph, shapes)
    assert sorted(f.focus[:2] for f in report.findings) == ['"a', "_:"]
    assert "does not conform: 2 violation(s)" in render_text(report)
    reference = validate_graph(graph, shapes, engine="pyshacl")
    assert sorted(f.focus for f in report.findings) == sorted(f.focus for f in reference.findings)


def parse_file_triples(path: Path) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path))]


REFUSALS = {
    "custom-target": (
        "ex:S sh:target [ sh:select 'SELECT ?this {}' ] ; sh:nodeKind sh:IRI .",
        "shape https://example.org/S: sh:target is not supported",
    ),
    "rule": (
        "ex:S sh:targetNode ex:a ; sh:rule [ a sh:TripleRule ] .",
        "shape https://example.org/S: sh:rule is not supported",
    ),
    "min-count-on-node-shape": (
        "ex:S sh:targetNode ex:a ; sh:minCount 1 .",
        "shape https://example.org/S: sh:minCount is allowed on property shapes only",
    ),
    "count-not-a-number": (
        "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 'two' ] .",
        ": sh:minCount two is not a count",
    ),
    "property-without-path": (
        "ex:S sh:targetNode ex:a ; sh:property ex:P . ex:P sh:minCount 1 .",
        "its sh:property https://example.org/P has no sh:path",
    ),
    "custom-component": (
        "ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:x ] .",
        "constraint component https://example.org/C: custom (SPARQL-based) constraint",
    ),
    "recursive": (
        "ex:S sh:targetNode ex:a ; sh:node ex:S .",
        "shape https://example.org/S: recursive shapes are not supported",
    ),
    "sparql-on-nested-shape": (
        "ex:S sh:targetNode ex:a ; sh:node [ sh:sparql [ sh:select 'SELECT $this {}' ] ] .",
        "sh:sparql is supported only on shapes with targets",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refusals_name_the_shape_and_the_feature(name: str, tmp_path: Path) -> None:
    shapes, message = REFUSALS[name]
    path = tmp_path / "shapes.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/> .\n"
        f"ex:a ex:p ex:b .\n{shapes}\n"
    )
    with pytest.raises(shacl_sparql.UnsupportedShape) as raised:
        _run(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_our_shapes_compile_entirely_to_sparql() -> None:
    """Our own shapes stay on the fast path: no constraint is left to the Python validator."""
    from twinning.load import load_project
    from twinning.validate import load_shapes

    graph = load_project(ROOT)
    assert graph.written.literals == {}  # nothing for the Python validator to see as written
    plan = shacl_sparql.Compiler(load_shapes(ROOT), graph.store, written=graph.written).compile()
    assert plan.interpreted == [] and len(plan.checks) > 30


def test_turtle_report_writes_complex_paths_as_shacl_paths(tmp_path: Path) -> None:
    import rdflib

    from twinning.validate import render_turtle, validate_graph

    data = tmp_path / "data.ttl"
    data.write_text("@prefix ex: <https://example.org/> .\nex:a ex:p ex:b .\n")
    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/> .\n"
        "ex:S sh:targetNode ex:b ; sh:property [ sh:path [ sh:inversePath ex:p ] ;"
        " sh:maxCount 0 ] .\n"
    )
    report = validate_graph(load_files([data]), to_rdflib(parse_file_triples(shapes_file)))
    [finding] = report.findings
    assert finding.path == "^<https://example.org/p>"
    graph = rdflib.Graph().parse(data=render_turtle(report), format="turtle")
    [path] = graph.objects(None, rdflib.SH.resultPath)
    assert graph.value(path, rdflib.SH.inversePath) == rdflib.URIRef("https://example.org/p")


def _project_with_only(tmp_path: Path, shapes: Path) -> Path:
    """The ontology, no data, and one shapes file: the findings are that file's alone."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", copy / "ontology")
    (copy / "data").mkdir()
    (copy / "shapes").mkdir()
    shutil.copy(shapes, copy / "shapes" / shapes.name)
    return copy


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_cli_datatype_judges_literals_as_written(tmp_path: Path, engine: str) -> None:
    """Oxigraph stores "300"^^xsd:byte as "300"^^xsd:integer; sh:datatype xsd:byte must still
    reject it (out of range) and "55"^^xsd:integer (not a byte), accept "12" and "0012"
    written as bytes, and report the values as written."""
    import json

    project = _project_with_only(tmp_path, SHACL / "byte-datatype.shacl.ttl")
    data = SHACL / "byte-as-written.ttl"
    args = ["validate", "--root", str(project), "--format", "json", "--engine", engine]
    result = runner.invoke(main, [*args, str(data)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = sorted((f["focus"], f["component"], f["value"]) for f in report["findings"])
    assert found == [
        ("https://example.org/i", "DatatypeConstraintComponent", f'"300"^^<{XSD}byte>'),
        ("https://example.org/i", "DatatypeConstraintComponent", f'"55"^^<{XSD}integer>'),
    ]
    assert report["violations"] == 2


def test_as_written_keeps_what_the_store_changes(tmp_path: Path) -> None:
    """The loader records the literals the store rewrote, and only for a file that names an
    integer-derived datatype (others are bulk-loaded without a second look)."""
    graph = load_files([SHACL / "byte-as-written.ttl"])
    i, j, p = (ox.NamedNode(f"https://example.org/{n}") for n in "ijp")
    integer = ox.NamedNode(XSD + "integer")
    byte = ox.NamedNode(XSD + "byte")
    assert graph.written.objects(i, p, ox.Literal("300", datatype=integer)) == (
        ox.Literal("300", datatype=byte),
    )
    assert graph.written.objects(j, p, ox.Literal("12", datatype=integer)) == (
        ox.Literal("0012", datatype=byte),
    )
    # "55"^^xsd:integer is stored as written: not in the table.
    assert (i, p, ox.Literal("55", datatype=integer)) not in graph.written.literals
    plain = tmp_path / "plain.ttl"
    plain.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:a> <urn:b> "0012"^^xsd:integer .\n'
    )
    assert load_files([plain]).written.literals == {}


XSD_PREFIX = "@prefix {p}: <http://www.w3.org/2001/XMLSchema#> .\n"


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        (XSD_PREFIX.format(p="xsd") + '<a:b> <c:d> "1"^^xsd:byte .', True),
        (XSD_PREFIX.format(p="x") + '<a:b> <c:d> "1"^^x:unsignedInt .', True),
        (XSD_PREFIX.format(p="") + '<a:b> <c:d> "1"^^:short .', True),
        ('<a:b> <c:d> "1"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .', True),
        (XSD_PREFIX.format(p="xsd") + '<a:b> <c:d> "1"^^xsd:integer , "2"^^xsd:int .', True),
        (XSD_PREFIX.format(p="xsd") + '<a:b> <c:d> "1"^^xsd:integer , "x"^^xsd:string .', False),
        ("", False),
    ],
)
def test_loader_looks_for_integer_derived_datatypes(
    tmp_path: Path, text: str, mentions: bool
) -> None:
    """Only files naming an integer-derived datatype (any prefix) are parsed a second way."""
    path = tmp_path / "data.ttl"
    path.write_text(text)
    assert mentions_integer_derived(path) is mentions


def test_a_byte_and_an_integer_the_store_merges_are_two_values(tmp_path: Path) -> None:
    """ "1"^^xsd:byte and "1"^^xsd:integer are one triple in the store but two value nodes in
    SHACL: sh:maxCount 1 fails, and sh:in lists which one is not allowed."""
    path = tmp_path / "data.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix ex: <https://example.org/> .\n"
        'ex:a ex:p "1"^^xsd:byte , "1"^^xsd:integer .\n'
        "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxCount 1 ;"
        ' sh:in ( "1"^^xsd:integer ) ] .\n'
    )
    found = sorted((r.component, str(r.value) if r.value else None) for r in _run(path))
    assert found == [
        ("InConstraintComponent", f'"1"^^<{XSD}byte>'),
        ("MaxCountConstraintComponent", None),
    ]


def test_value_constraints_on_several_kinds_of_focus_node_match_pyshacl() -> None:
    """Value constraints of a shape with focus nodes of several kinds are checked values
    first (see Compiler.property_checks): the same results as pySHACL, none for the nodes
    outside the targets."""
    import pyshacl
    import rdflib

    path = SHACL / "several-targets.ttl"
    found = sorted((r.focus.value, r.component, str(r.value)) for r in _run(path))
    assert found == [
        ("https://example.org/a2", "ClassConstraintComponent", "<https://example.org/notADoc>"),
        ("https://example.org/a2", "DatatypeConstraintComponent", f'"42"^^<{XSD}integer>'),
        ("https://example.org/loose", "ClassConstraintComponent", "<https://example.org/notADoc>"),
        ("https://example.org/r1", "ClassConstraintComponent", "<https://example.org/notADoc>"),
        ("https://example.org/viaPredicate", "DatatypeConstraintComponent", '"x"@en'),
    ]
    graph = rdflib.Graph().parse(path)
    _conforms, report, _text = pyshacl.validate(graph, shacl_graph=graph, inference="none")
    assert isinstance(report, rdflib.Graph)
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    reference = sorted(
        str(report.value(result, SH.focusNode)) for result in report.objects(None, SH.result)
    )
    assert reference == [focus for focus, _component, _value in found]
