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
from twinning.load import load_files
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
    assert _violations(ours.output) == _violations(reference.output) > 40
    assert "The party's IRI is longer than 5 characters." in ours.output


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
    return shacl_sparql.run(to_rdflib(triples), store)


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
