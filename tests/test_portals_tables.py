"""Described tables (Frictionless data package, CSVW), partnerships.csv and the GeoJSON map."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import geojson
import jsonschema
import pytest
from click.testing import CliRunner

from twinning import partnerships, table_schema, tables
from twinning.cli import main
from twinning.load import load_files, ontology_files

from .conftest import FIXTURES, ROOT, select

GEOJSON_SCHEMA = FIXTURES / "geojson-schema" / "FeatureCollection.json"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(main, ["export", "--root", str(ROOT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# ---------------------------------------------------------------- described tables


def test_every_column_has_a_description() -> None:
    """A column added to a table needs its line in data/catalog/columns.toml."""
    assert table_schema.undescribed(ROOT) == []


def _frictionless(folder: Path) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).parent / "frictionless"
    return subprocess.run(
        [str(binary), "validate", "--json", "datapackage.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_frictionless_validates_the_data_package(dist: Path) -> None:
    result = _frictionless(dist)
    assert result.returncode == 0, result.stdout[-3000:]
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert sorted(t["name"] for t in report["tasks"]) == ["agreements", "partnerships", "regions"]
    assert all(t["stats"]["rows"] > 0 for t in report["tasks"])


@pytest.mark.parametrize(
    ("table", "column", "value", "error"),
    [
        ("regions.csv", "wikidata", "X17", "constraint-error"),  # pattern
        ("agreements.csv", "home", "Atlantis", "foreign-key"),  # not a region's name
        ("agreements.csv", "status", "dormant", "constraint-error"),  # enum
        ("partnerships.csv", "region_b", "https://example.org/x", "foreign-key"),
    ],
)
def test_frictionless_finds_broken_cells(
    dist: Path, tmp_path: Path, table: str, column: str, value: str, error: str
) -> None:
    for path in dist.iterdir():
        shutil.copy(path, tmp_path / path.name)
    rows = _rows(tmp_path / table)
    rows[0][column] = value
    (tmp_path / table).write_text(tables.to_csv(list(rows[0]), rows), encoding="utf-8")
    result = _frictionless(tmp_path)
    assert result.returncode != 0
    report = json.loads(result.stdout)
    found = {e["type"] for t in report["tasks"] for e in t["errors"]}
    assert error in found


def test_csvw_processor_reads_every_table_through_the_metadata(dist: Path) -> None:
    from csvw import TableGroup

    group = TableGroup.from_file(dist / "csv-metadata.json")
    counts = {str(t.url): len(list(t.iterdicts(strict=True))) for t in group.tables}
    pairs = len(_rows(dist / "partnerships.csv"))
    assert counts == {"agreements.csv": 41, "regions.csv": 45, "partnerships.csv": pairs}
    assert group.check_referential_integrity(strict=True)
    partnerships_table = group.tables[2]
    first = next(iter(partnerships_table.iterdicts(strict=True)))
    assert isinstance(first["instruments"], list)  # the " | " separator splits the cell


def test_csvw_processor_finds_a_broken_cell(dist: Path, tmp_path: Path) -> None:
    from csvw import TableGroup

    for path in dist.iterdir():
        shutil.copy(path, tmp_path / path.name)
    rows = _rows(tmp_path / "regions.csv")
    rows[0]["wikidata"] = "X17"
    (tmp_path / "regions.csv").write_text(tables.to_csv(list(rows[0]), rows), encoding="utf-8")
    group = TableGroup.from_file(tmp_path / "csv-metadata.json")
    with pytest.raises(ValueError, match="wikidata"):
        list(group.tables[1].iterdicts(strict=True))


def test_schemas_follow_the_csv_columns(dist: Path) -> None:
    package = json.loads((dist / "datapackage.json").read_text(encoding="utf-8"))
    metadata = json.loads((dist / "csv-metadata.json").read_text(encoding="utf-8"))
    for resource, group in zip(package["resources"], metadata["tables"], strict=True):
        header = next(csv.reader(io.StringIO((dist / resource["path"]).read_text("utf-8"))))
        assert [f["name"] for f in resource["schema"]["fields"]] == header
        assert [c["name"] for c in group["tableSchema"]["columns"]] == header
        assert group["url"] == resource["path"]
        lists = {f["name"] for f in resource["schema"]["fields"] if f["type"] == "list"}
        assert {f["delimiter"] for f in resource["schema"]["fields"] if f["name"] in lists} <= {
            " | "
        }
        separated = {c["name"] for c in group["tableSchema"]["columns"] if "separator" in c}
        assert separated == lists
    agreements = package["resources"][0]["schema"]
    assert agreements["foreignKeys"] == [
        {"fields": ["home"], "reference": {"resource": "regions", "fields": ["name_en"]}}
    ]


def test_described_tables_are_distributions(dist: Path) -> None:
    catalog = load_files([dist / "catalog.ttl"])
    titles = {
        r["t"]
        for r in select(catalog, "SELECT ?t WHERE { ?d a dcat:Distribution ; dcterms:title ?t }")
    }
    assert {"datapackage.json", "csv-metadata.json", "partnerships.csv", "twinning.geojson"} <= (
        titles
    )


# ---------------------------------------------------------------- partnerships


def _expected_pairs(graph) -> set[tuple[str, str]]:
    """Partners computed here, apart from the query: two parties not on one side."""
    parties: dict[str, set[str]] = {}
    for row in select(graph, "SELECT ?g ?p WHERE { ?g a tw:Agreement ; tw:party ?p }"):
        parties.setdefault(row["g"], set()).add(row["p"])
    members: dict[str, set[str]] = {}
    sides: dict[str, set[str]] = {}
    for row in select(graph, "SELECT ?g ?s ?m WHERE { ?g tw:hasSide ?s . ?s tw:sideMember ?m }"):
        members.setdefault(row["s"], set()).add(row["m"])
        sides.setdefault(row["g"], set()).add(row["s"])
    return {
        (a, b)
        for g, found in parties.items()
        for a in found
        for b in found
        if a < b and not any(a in members[s] and b in members[s] for s in sides.get(g, ()))
    }


def test_partnerships_are_the_pairs_of_parties(dist: Path, graph) -> None:
    rows = _rows(dist / "partnerships.csv")
    assert list(rows[0]) == partnerships.COLUMNS
    assert {(r["region_a"], r["region_b"]) for r in rows} == _expected_pairs(graph)
    assert len(rows) >= 38 + 6  # 38 bilateral pairs, and Veneto with at least its 6 partners
    orenburg = next(r for r in rows if r["region_b"].endswith("/orenburg"))
    assert (orenburg["name_a"], orenburg["country_a"], orenburg["country_b"]) == (
        "Liberec Region",
        "CZ",
        "RU",
    )
    assert orenburg["first_date"] == "2012-05-24"
    assert orenburg["instruments"].endswith("agreement/liberec-orenburg-2012")


SIDES = """
@prefix tw: <https://w3id.org/twinning/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
ex:a a tw:Region . ex:b a tw:Region . ex:c a tw:Region . ex:d a tw:Region .
ex:with-sides a tw:Agreement ; tw:party ex:a , ex:b , ex:c , ex:d ;
    tw:hasSide ex:abc , ex:just-d ; tw:signingDate "2001-02-03"^^xsd:date .
ex:abc a tw:Side ; tw:sideMember ex:a , ex:b , ex:c .
ex:just-d a tw:Side ; tw:sideMember ex:d .
ex:plain a tw:Agreement ; tw:party ex:a , ex:b , ex:c ; tw:signingDate "1999"^^xsd:gYear .
ex:a-d a tw:Agreement ; tw:party ex:a , ex:d ; tw:startDate "2000"^^xsd:gYear .
"""


def test_sides_keep_members_of_one_side_apart(tmp_path: Path) -> None:
    """Members of one side are not partners through that agreement; without sides, all are."""
    data = tmp_path / "sides.ttl"
    data.write_text(SIDES, encoding="utf-8")
    graph = load_files([*ontology_files(ROOT), data])
    found = {(r["region_a"][-1], r["region_b"][-1]): r for r in partnerships.rows(graph)}
    assert sorted(found) == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    assert found["a", "b"]["instruments"] == "https://example.org/plain"
    assert found["b", "d"]["instruments"] == "https://example.org/with-sides"
    both = "https://example.org/a-d | https://example.org/with-sides"
    assert (found["a", "d"]["instruments"], found["a", "d"]["first_date"]) == (both, "2000")
    assert {(r["region_a"], r["region_b"]) for r in partnerships.rows(graph)} == (
        _expected_pairs(graph)
    )


# ---------------------------------------------------------------- GeoJSON


def test_geojson_meets_the_geojson_schema(dist: Path) -> None:
    schema = json.loads(GEOJSON_SCHEMA.read_text(encoding="utf-8"))
    document = json.loads((dist / "twinning.geojson").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []
    document["features"][0]["geometry"]["coordinates"] = [1.0]  # a 1-D point: not GeoJSON
    assert list(jsonschema.Draft7Validator(schema).iter_errors(document))


def test_geojson_round_trips_through_a_geojson_reader(dist: Path) -> None:
    text = (dist / "twinning.geojson").read_text(encoding="utf-8")
    collection = geojson.loads(text)
    assert isinstance(collection, geojson.FeatureCollection) and collection.is_valid
    assert json.loads(geojson.dumps(collection)) == json.loads(text)
    kinds = [f.geometry.type for f in collection.features]
    assert kinds.count("Point") == 45  # every region has Wikidata coordinates
    pairs = len(_rows(dist / "partnerships.csv"))
    assert kinds.count("LineString") == pairs  # every partnership, both ends known


def test_geojson_points_are_the_graphs_coordinates(dist: Path, graph) -> None:
    collection = json.loads((dist / "twinning.geojson").read_text(encoding="utf-8"))
    points = {f["id"]: f["geometry"]["coordinates"] for f in collection["features"] if "id" in f}
    for row in select(
        graph,
        "SELECT ?r ?lat ?lon WHERE { ?r schema:geo ?g . ?g schema:latitude ?lat ; "
        "schema:longitude ?lon }",
    ):
        expected = [float(round(Decimal(row[k]), 6)) for k in ("lon", "lat")]  # longitude first
        assert points[row["r"]] == expected
    liberec = points["https://w3id.org/twinning/id/region/liberec"]
    assert 14 < liberec[0] < 16 and 50 < liberec[1] < 51.5
