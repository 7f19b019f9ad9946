"""SHACL validation: each broken fixture trips exactly its constraint, in both engines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from twinning import terms
from twinning.cli import main
from twinning.load import load_project
from twinning.validate import load_shapes, short, validate_graph

from .conftest import FIXTURES, ROOT

BROKEN = sorted((FIXTURES / "broken").glob("*.ttl"))
SHAPES = load_shapes(ROOT)


def expectation(path: Path) -> tuple[str, str, str, str]:
    match = re.search(r"^# expect: (.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name}: no '# expect:' line"
    focus, prop, component, severity = (part.strip() for part in match.group(1).split("|"))
    return focus, prop, component, severity


def findings_of(path: Path, engine: str = "sparql"):
    graph = load_project(ROOT, data=[path])
    return validate_graph(graph, SHAPES, engine=engine).findings


def test_guard_fixtures_found() -> None:
    assert len(BROKEN) == 78


def test_minimal_fixture_is_clean() -> None:
    assert findings_of(FIXTURES / "valid" / "minimal.ttl") == []


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_fixture_trips_exactly_its_constraint(path: Path) -> None:
    focus, prop, component, severity = expectation(path)
    found = [(short(f.focus), short(f.path), f.component, f.severity) for f in findings_of(path)]
    assert found == [(focus, prop, component, severity)]


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_engines_agree_on_fixture(path: Path) -> None:
    def key(findings):
        return sorted((f.focus, f.path, f.component, f.severity, f.value) for f in findings)

    assert key(findings_of(path, "sparql")) == key(findings_of(path, "pyshacl"))


def test_engines_agree_on_shipped_data(graph) -> None:
    def key(report):
        return sorted((f.focus, f.path, f.component, f.severity, f.value) for f in report.findings)

    sparql = validate_graph(graph, SHAPES, engine="sparql")
    assert key(sparql) == key(validate_graph(graph, SHAPES, engine="pyshacl"))


def test_every_shape_message_is_covered_by_a_fixture() -> None:
    messages = {str(m) for m in SHAPES.objects(None, rdflib.SH.message)}
    covered = {f.message for path in BROKEN for f in findings_of(path)}
    assert messages - covered == set()


def test_every_shape_has_a_message() -> None:
    sh = rdflib.SH
    constrained = set(SHAPES.subjects(sh.path, None)) | set(SHAPES.subjects(sh.select, None))
    constrained |= {s for s in SHAPES.subjects(sh["or"], None) if (s, sh.path, None) not in SHAPES}
    without = [s for s in constrained if SHAPES.value(s, sh.message) is None]
    # Members of sh:or lists carry no message of their own: the enclosing shape speaks.
    members = {
        member
        for lst in SHAPES.objects(None, sh["or"])
        for member in rdflib.collection.Collection(SHAPES, lst)
    }
    assert [s for s in without if s not in members] == []


def test_shipped_data_conforms(graph) -> None:
    report = validate_graph(graph, SHAPES)
    assert report.violations == []


def test_shipped_data_warnings_are_the_documented_ones(graph) -> None:
    """Agreements whose source gives no date (Cluj's list, most of Harghita's table)."""
    report = validate_graph(graph, SHAPES)
    by_message = {}
    for finding in report.warnings:
        by_message.setdefault(finding.message.split(":")[0], set()).add(short(finding.focus))
    assert set(by_message) == {"No date"}
    undated = by_message["No date"]
    assert len(undated) == 33
    assert all(a.startswith(("agreement:cluj-", "agreement:harghita-")) for a in undated)
    assert "agreement:harghita-ningxia-twinning" not in undated  # the source gives 2011


def test_findings_point_at_file_and_line() -> None:
    path = FIXTURES / "broken" / "decision-no-year.ttl"
    [finding] = findings_of(path)
    assert finding.file == str(path)
    line = path.read_text(encoding="utf-8").splitlines()[finding.line - 1]
    assert line.startswith("decision:alpha-1-2001 ")


# ---------------------------------------------------------------------------- CLI

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(main, ["validate", "--root", str(ROOT), *args])


def test_cli_conforming_data_exits_0() -> None:
    result = invoke()
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "conforms: 0 violation(s), 33 warning(s)"


def test_cli_violation_exits_1_with_a_plain_message() -> None:
    path = FIXTURES / "broken" / "agreement-one-party.ttl"
    result = invoke(str(path))
    assert result.exit_code == 1
    assert "agreement:alpha-beta-2001" in result.output
    assert (
        "Violation tw:party An agreement needs at least two distinct parties (tw:party)."
        in re.sub(r" +", " ", result.output)
    )
    assert (
        result.output.strip().splitlines()[-1] == "does not conform: 1 violation(s), 0 warning(s)"
    )


def test_cli_warnings_pass_without_strict_and_fail_with_it() -> None:
    path = str(FIXTURES / "broken" / "region-no-wikidata.ttl")
    relaxed = invoke(path)
    assert relaxed.exit_code == 0
    assert relaxed.output.strip().splitlines()[-1] == "conforms: 0 violation(s), 1 warning(s)"
    strict = invoke("--strict", path)
    assert strict.exit_code == 1
    assert "No Wikidata link" in strict.output


def test_cli_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix tw: <https://w3id.org/twinning/ontology#> .\n\ntw:a tw:b tw:c ;\n  tw:d .\n"
    )
    result = invoke(str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bad}:4:")
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_unknown_prefix(tmp_path: Path) -> None:
    bad = tmp_path / "prefix.ttl"
    bad.write_text("\nregion:x a <urn:t> .\n")
    result = invoke(str(bad))
    assert result.exit_code == 2
    assert result.output == f"Error: {bad}:2:1: The prefix region: has not been declared\n"


def test_cli_bad_date_literal(tmp_path: Path) -> None:
    bad = tmp_path / "date.ttl"
    bad.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:a> <urn:b> "2012-13-45"^^xsd:date .\n'
    )
    result = invoke(str(bad))
    assert result.exit_code == 2
    assert result.output == f'Error: {bad}:2:17: "2012-13-45" is not a valid xsd:date value\n'


def test_cli_missing_file() -> None:
    result = invoke("no/such/file.ttl")
    assert result.exit_code == 2
    assert result.output == "Error: no/such/file.ttl: no such file\n"


def test_cli_unknown_option() -> None:
    result = invoke("--colour")
    assert result.exit_code == 2
    assert "No such option '--colour'" in result.output


def test_cli_json_report() -> None:
    path = FIXTURES / "broken" / "decision-year-string.ttl"
    result = invoke("--format", "json", str(path))
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["conforms"] is False and document["violations"] == 1
    [finding] = document["findings"]
    assert finding["focus"] == terms.ID + "decision/alpha-1-2001"
    assert finding["component"] == "DatatypeConstraintComponent"
    assert finding["value"] == '"2001"'


def test_cli_turtle_report_is_a_shacl_report() -> None:
    path = FIXTURES / "broken" / "decision-year-string.ttl"
    result = invoke("--format", "turtle", str(path))
    assert result.exit_code == 1
    report = rdflib.Graph().parse(data=result.output, format="turtle")
    assert (None, rdflib.SH.conforms, rdflib.Literal(False)) in report
    assert len(list(report.subjects(rdflib.RDF.type, rdflib.SH.ValidationResult))) == 1


def _project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, copy / folder)
    return copy


def test_build_refuses_to_write_dist_on_violations(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    shutil.copy(FIXTURES / "broken" / "agreement-one-party.ttl", project / "data" / "zz.ttl")
    out = tmp_path / "dist"
    result = runner.invoke(main, ["build", "--root", str(project), "--out", str(out)])
    assert result.exit_code == 1
    assert "build stopped" in result.output and "1 violation(s)" in result.output
    assert not out.exists()


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_ill_formed_literal_left_to_validation_is_refused_by_it(
    tmp_path: Path, engine: str
) -> None:
    """load_files(check_literals=False) skips the whole-store scan; validate_graph then runs it
    (beside its compiled queries) and refuses the literal as the loader would have."""
    from twinning.load import load_files, ontology_files
    from twinning.rdfio import RdfSyntaxError
    from twinning.validate import load_shapes, validate_graph

    bad = tmp_path / "date.ttl"
    bad.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:a> <urn:b> "2012-13-45"^^xsd:date .\n'
    )
    graph = load_files([*ontology_files(ROOT), bad], check_literals=False)
    assert not graph.literals_checked
    with pytest.raises(RdfSyntaxError, match=r'"2012-13-45" is not a valid xsd:date value') as err:
        validate_graph(graph, load_shapes(ROOT), engine=engine)
    assert (str(err.value.path), err.value.line, err.value.column) == (str(bad), 2, 17)
    with pytest.raises(RdfSyntaxError):
        load_files([*ontology_files(ROOT), bad])  # the default still refuses at load
