"""The export: DCAT-AP conformance, JSON-LD and N-Triples round trips, CSV rows, determinism."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyld.jsonld
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from twinning import export as export_module
from twinning import tables, terms
from twinning.catalog import CatalogOptions
from twinning.cli import main
from twinning.export import export
from twinning.load import load_project

from .conftest import GOLDEN, ROOT, SHARED, check_golden, select

DCAT_AP = SHARED / "standards" / "dcat-ap-3"
FILES = [
    "agreements.csv", "agreements.xlsx", "catalog.jsonld", "catalog.ttl", "context.jsonld",
    "csv-metadata.json", "datapackage.json", "partnerships.csv", "regions.csv",
    "twinning.geojson", "twinning.jsonld", "twinning.nt", "twinning.ttl",
]  # fmt: skip
PUBL = "http://publications.europa.eu/resource/authority/corporate-body/PUBL"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(main, ["build", "--root", str(ROOT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _dcat_ap_results(catalog: Path) -> list[tuple[str, str, str]]:
    """Validate offline against the official shapes; never follow owl:imports."""
    import pyshacl

    shapes = rdflib.Graph()
    for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "mdr-vocabularies.shape.ttl"):
        shapes.parse(DCAT_AP / name, format="turtle")
    data = rdflib.Graph().parse(catalog, format="turtle")
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, do_owl_imports=False
    )
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
        )
        for r in report.objects(None, SH.result)
    )


def test_guard_files_written(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == sorted([*FILES, ".twinning-output"])


def test_catalog_conforms_to_dcat_ap_with_an_eu_corporate_body(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    args = ["export", "--root", str(ROOT), "--out", str(out), "--publisher", PUBL,
            "--publisher-name", "Publications Office of the European Union",
            "--publisher-type", "SupraNationalAuthority",
            "--endpoint-url", "http://127.0.0.1:7878/query"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    assert _dcat_ap_results(out / "catalog.ttl") == []  # 0 violations, 0 warnings
    catalog = rdflib.Graph().parse(out / "catalog.ttl")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert len(list(catalog.subjects(rdflib.RDF.type, dcat.DataService))) == 1


def test_default_catalog_has_no_violation_and_only_the_publisher_warning(dist: Path) -> None:
    """The project is not in the EU corporate-body table: DCAT-AP says so, and only that."""
    catalog = "https://w3id.org/twinning/id/catalog"
    dataset = "https://w3id.org/twinning/id/dataset/twinning"
    publisher = "http://purl.org/dc/terms/publisher"
    assert _dcat_ap_results(dist / "catalog.ttl") == [
        ("Warning", catalog, publisher),
        ("Warning", dataset, publisher),
    ]


def test_catalog_describes_every_file(dist: Path) -> None:
    import hashlib

    rows = select(
        load_project(ROOT, data=[dist / "catalog.ttl"], with_mappings=False),
        """SELECT ?title ?size ?sum ?url WHERE {
             ?d a dcat:Distribution ; dcterms:title ?title ; dcat:byteSize ?size ;
                dcat:downloadURL ?url ; spdx:checksum/spdx:checksumValue ?sum }""",
    )
    found = {r["title"]: r for r in rows}
    # agreements.xlsx is a working copy for clerks, not a distribution (see export.py)
    described = [f for f in FILES if not f.startswith("catalog") and f != "agreements.xlsx"]
    assert sorted(found) == described
    for name, row in found.items():
        data = (dist / name).read_bytes()
        assert int(row["size"]) == len(data)
        assert row["sum"] == hashlib.sha256(data).hexdigest()
        assert row["url"] == f"https://w3id.org/twinning/dist/{name}"


def test_catalog_coverage_and_statistics(dist: Path) -> None:
    catalog = load_project(ROOT, data=[dist / "catalog.ttl"], with_mappings=False)
    [period] = select(catalog, "SELECT ?s ?e WHERE { ?p dcat:startDate ?s ; dcat:endDate ?e }")
    assert period == {"s": "1993", "e": "2022-03-01"}
    spatial = select(catalog, "SELECT DISTINCT ?c WHERE { dataset:twinning dcterms:spatial ?c }")
    assert len(spatial) == 15
    [links] = select(catalog, "SELECT ?n WHERE { ?l a void:Linkset ; void:triples ?n }")
    assert links["n"] == "45"
    [issued] = select(
        catalog, "SELECT ?d WHERE { <https://w3id.org/twinning/id/catalog> dcterms:issued ?d }"
    )
    assert issued["d"] == "2026-11-30"  # the newest date in data/: coordinates read that day
    titles = select(catalog, "SELECT ?t WHERE { dataset:twinning dcterms:title ?t }")
    assert len(titles) == 3


def _no_remote_documents(url: str, options: dict | None = None) -> dict:
    raise pyld.jsonld.JsonLdError(
        f"remote document loading is disabled: {url}", "loading document failed"
    )


@pytest.mark.parametrize(
    ("jsonld_name", "turtle_name"),
    [("twinning.jsonld", "twinning.ttl"), ("catalog.jsonld", "catalog.ttl")],
)
def test_jsonld_expands_to_the_same_graph(dist: Path, jsonld_name: str, turtle_name: str) -> None:
    document = json.loads((dist / jsonld_name).read_text(encoding="utf-8"))
    nquads = pyld.jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": _no_remote_documents}
    )
    from_jsonld = rdflib.Graph().parse(data=nquads, format="nt")
    from_turtle = rdflib.Graph().parse(dist / turtle_name, format="turtle")
    assert len(from_jsonld) == len(from_turtle) > 100
    assert isomorphic(from_jsonld, from_turtle)


def test_jsonld_keys_read_like_terms(dist: Path) -> None:
    document = json.loads((dist / "twinning.jsonld").read_text(encoding="utf-8"))
    nodes = {node["@id"]: node for node in document["@graph"]}
    orenburg = nodes["agreement:liberec-orenburg-2012"]
    assert orenburg["@type"] == "Agreement"
    assert orenburg["party"] == ["region:liberec", "region:orenburg"]
    assert orenburg["signingDate"] == {"@value": "2012-05-24", "@type": "xsd:date"}
    assert (
        document["@context"]
        == json.loads((ROOT / "ontology" / "context.jsonld").read_text())["@context"]
    )


def test_ntriples_is_the_same_graph(dist: Path) -> None:
    nt = rdflib.Graph().parse(dist / "twinning.nt", format="nt")
    ttl = rdflib.Graph().parse(dist / "twinning.ttl", format="turtle")
    assert isomorphic(nt, ttl)
    lines = (dist / "twinning.nt").read_bytes().splitlines()
    assert lines == sorted(lines) and len(lines) == len(ttl)


def test_no_blank_nodes_in_the_data_graph(dist: Path) -> None:
    graph = rdflib.Graph().parse(dist / "twinning.nt", format="nt")
    assert not [t for t in graph if any(isinstance(x, rdflib.BNode) for x in t)]


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_agreements_csv_rows_match_the_graph(dist: Path, graph) -> None:
    rows = _csv(dist / "agreements.csv")
    assert list(rows[0]) == tables.AGREEMENT_COLUMNS
    assert len(rows) == 41
    for row in rows:
        facts = select(graph, f"""
            SELECT ?kind ?title ?signed ?ended ?status WHERE {{
              <{row["id"]}> tw:kind/skos:prefLabel ?kind ; dcterms:title ?title .
              FILTER(LANG(?kind) = "en")
              OPTIONAL {{ <{row["id"]}> tw:signingDate ?signed }}
              OPTIONAL {{ <{row["id"]}> tw:endDate ?ended }}
              OPTIONAL {{ <{row["id"]}> tw:status/skos:prefLabel ?status FILTER(LANG(?status) = "en") }}
            }}""")  # fmt: skip
        assert len(facts) == 1, row["id"]
        fact = facts[0]
        assert (row["kind"], row["title"]) == (fact["kind"], fact["title"])
        assert (row["signed"], row["ended"], row["status"]) == (
            fact.get("signed", ""),
            fact.get("ended", ""),
            fact.get("status", ""),
        )
        parties = select(graph, f"""
            SELECT ?name ?item WHERE {{ <{row["id"]}> tw:party ?p . ?p skos:prefLabel ?name ; owl:sameAs ?item
              FILTER(LANG(?name) = "en") }}""")  # fmt: skip
        names = row["parties"].split(" | ")
        items = row["party_wikidata"].split(" | ")
        assert sorted(zip(names, items, strict=True)) == sorted(
            (p["name"], p["item"].rsplit("/", 1)[-1]) for p in parties
        )
        decisions = select(
            graph,
            f"""
            SELECT ?n ?y WHERE {{ <{row["id"]}> tw:approvedBy ?d . ?d tw:decisionNumber ?n ; tw:decisionYear ?y }}""",
        )
        assert row["decision"] == " | ".join(f"{d['n']}/{d['y']}" for d in decisions)
    orenburg = next(r for r in rows if r["id"].endswith("liberec-orenburg-2012"))
    assert (orenburg["signed"], orenburg["ended"], orenburg["status"]) == (
        "2012-05-24",
        "2022-03-01",
        "terminated",
    )
    somogy = next(r for r in rows if r["id"].endswith("harghita-somogy-twinning"))
    assert somogy["decision"] == "6/1993" and somogy["title_lang"] == "ro"


def test_regions_csv_rows_match_the_graph(dist: Path, graph) -> None:
    rows = _csv(dist / "regions.csv")
    assert list(rows[0]) == tables.REGION_COLUMNS
    assert len(rows) == 45
    for row in rows:
        [fact] = select(graph, f"""
            SELECT ?en ?cc ?item (SAMPLE(?code) AS ?iso) WHERE {{
              <{row["id"]}> skos:prefLabel ?en ; tw:country/tw:countryCode ?cc ; owl:sameAs ?item .
              FILTER(LANG(?en) = "en")
              OPTIONAL {{ <{row["id"]}> tw:subdivisionCode ?code }}
            }} GROUP BY ?en ?cc ?item""")  # fmt: skip
        assert row["name_en"] == fact["en"] and row["country"] == fact["cc"]
        assert row["wikidata"] == fact["item"].rsplit("/", 1)[-1]
        assert row["iso3166_2"] == fact.get("iso", "")
        native = select(
            graph,
            f"""SELECT ?n WHERE {{ <{row["id"]}> skos:prefLabel ?n FILTER(LANG(?n) = "{row["name_lang"]}") }}""",
        )
        assert [n["n"] for n in native] == [row["name"]]
        sites = select(graph, f"SELECT ?u WHERE {{ <{row['id']}> schema:url ?u }} ORDER BY ?u")
        assert row["website"] == " | ".join(s["u"] for s in sites)


def test_golden_files(dist: Path, regenerate) -> None:
    for name in FILES:
        check_golden(GOLDEN / "dist" / name, (dist / name).read_bytes(), regenerate)


SCRIPT = """
import random, sys
from pathlib import Path
from twinning.export import export
from twinning.load import data_files, load_files, mapping_files, ontology_files
root = Path(sys.argv[1])
files = ontology_files(root) + data_files(root) + mapping_files(root)
random.Random(int(sys.argv[3])).shuffle(files)
export(load_files(files), Path(sys.argv[2]), root)
"""


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    outputs = []
    for seed, order in (("1", "11"), ("987", "12345")):
        out = tmp_path / f"run-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", SCRIPT, str(ROOT), str(out), order], check=True, env=env
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == sorted([*FILES, ".twinning-output"])
    assert outputs[0] == outputs[1]


def test_failed_export_leaves_previous_files_intact(tmp_path: Path, graph, monkeypatch) -> None:
    out = tmp_path / "dist"
    export(graph, out, ROOT)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module.tables, "write_csv", broken)
    with pytest.raises(OSError):
        export(graph, out, ROOT, CatalogOptions(date="2030-01-01"))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no staging folder left behind


def test_date_and_base_url_options(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    args = [
        "export",
        "--root",
        str(ROOT),
        "--out",
        str(out),
        "--date",
        "2030-01-02",
        "--base-url",
        "https://example.org/files/",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    text = (out / "catalog.ttl").read_text(encoding="utf-8")
    assert '"2030-01-02"^^xsd:date' in text and "<https://example.org/files/regions.csv>" in text


def test_bad_date_is_refused() -> None:
    result = CliRunner().invoke(main, ["export", "--root", str(ROOT), "--date", "23.11.2026"])
    assert result.exit_code == 2
    assert result.output == "Error: --date '23.11.2026' is not a date (YYYY-MM-DD)\n"


def test_spreadsheet_carries_no_clock_time(dist: Path) -> None:
    """openpyxl stamps 'modified' with the clock on save; the export puts a fixed time back,
    so two exports in different seconds give the same bytes."""
    import zipfile

    with zipfile.ZipFile(dist / "agreements.xlsx") as book:
        core = book.read("docProps/core.xml").decode("utf-8")
        stamps = {info.date_time for info in book.infolist()}
    assert "2000-01-01T00:00:00Z</dcterms:modified>" in core
    assert stamps == {(2000, 1, 1, 0, 0, 0)}


def test_jsonld_from_ntriples_lines_equals_jsonld_from_parsed_triples(tmp_path: Path) -> None:
    """The export reads its sorted N-Triples as text lines: same bytes as parsing them."""
    import pyoxigraph as ox

    from twinning import jsonld, rdfio, terms

    s, p = ox.NamedNode("https://w3id.org/twinning/id/region/x"), ox.NamedNode("http://e.org/p")
    tricky = [
        'quote " backslash \\ newline \n tab \t return \r', "bell \x07 del \x7f nul \x00",
        "astral \U0001f600 and \u00e9", "ends with a backslash \\", "", "\\U0001F600 as text",
    ]  # fmt: skip
    objects: list[ox.NamedNode | ox.BlankNode | ox.Literal] = [
        *(ox.Literal(text) for text in tricky),
        ox.Literal("ro", language="ro"), ox.Literal("en-GB", language="en-gb"),
        ox.Literal("2020-01-01", datatype=ox.NamedNode(terms.XSD + "date")),
        ox.Literal("x", datatype=ox.NamedNode("http://e.org/odd#type")),
        ox.NamedNode("https://w3id.org/twinning/id/region/y"), ox.BlankNode("b1"),
    ]  # fmt: skip
    store = ox.Store()
    store.extend(ox.Quad(s, p, o) for o in objects)
    store.add(ox.Quad(s, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.REGION)))
    store.add(ox.Quad(ox.BlankNode("b1"), p, ox.Literal("single")))
    path = tmp_path / "sorted.nt"
    rdfio.write_canonical_ntriples(store, path)
    context = jsonld.Context.load(ROOT / "ontology" / "context.jsonld")
    parsed, lines = io.StringIO(), io.StringIO()
    jsonld.write(context, rdfio.read_ntriples(path), parsed)
    jsonld.write_ntriples_file(context, path, lines)
    assert "\\ud83d" not in lines.getvalue() and "\U0001f600" in lines.getvalue()
    assert lines.getvalue() == parsed.getvalue()


def _tricky_store() -> ox.Store:
    """Terms that test the text-line readers: escapes, languages, datatypes, blank nodes,
    and rdf:type with a blank node and a literal object."""
    s, p = ox.NamedNode("https://w3id.org/twinning/id/region/x"), ox.NamedNode("http://e.org/p")
    rdf_type = ox.NamedNode(terms.RDF_TYPE)
    store = ox.Store()
    store.extend(
        ox.Quad(s, p, ox.Literal(text))
        for text in ['q " b \\ n \n t \t r \r', "bell \x07", "astral \U0001f600", "", "\\U"]
    )
    store.extend(
        [
            ox.Quad(s, rdf_type, ox.NamedNode(terms.REGION)),
            ox.Quad(s, rdf_type, ox.BlankNode("kind")),
            ox.Quad(s, rdf_type, ox.Literal("a literal type")),
            ox.Quad(s, p, ox.Literal("ro", language="ro")),
            ox.Quad(s, p, ox.Literal("2020", datatype=ox.NamedNode(terms.XSD + "gYear"))),
            ox.Quad(ox.BlankNode("kind"), p, ox.Literal("single")),
        ]
    )
    return store


def test_sort_by_the_system_equals_sort_in_python(tmp_path: Path) -> None:
    """Large graphs are sorted by `LC_ALL=C sort` in a process of its own: same bytes."""
    from twinning import rdfio

    for store in (load_project(ROOT).store, _tricky_store()):
        in_python, by_sort = tmp_path / "python.nt", tmp_path / "sort.nt"
        rdfio.SortedNTriples(store, in_python)
        sorting = rdfio.SortedNTriples(store, by_sort, in_process_triples=0)
        assert sorting.process is not None  # the system's sort ran
        sorting.wait()
        assert by_sort.read_bytes() == in_python.read_bytes()
        assert not (tmp_path / "sort.nt.unsorted").exists()


def test_odd_rdf_types_survive_the_jsonld(tmp_path: Path) -> None:
    """A blank node as a type goes in @type; a literal type stays a property: nothing is lost."""
    from twinning import jsonld, rdfio

    store = _tricky_store()
    path = tmp_path / "sorted.nt"
    rdfio.write_canonical_ntriples(store, path)
    out = io.StringIO()
    jsonld.write_ntriples_file(jsonld.Context.load(ROOT / "ontology" / "context.jsonld"), path, out)
    nquads = pyld.jsonld.to_rdf(
        json.loads(out.getvalue()),
        {"format": "application/n-quads", "documentLoader": _no_remote_documents},
    )
    expanded = rdflib.Graph().parse(data=nquads, format="nt")
    original = rdflib.Graph().parse(path, format="nt")
    assert len(expanded) == len(original) == len(store)
    assert isomorphic(expanded, original)


def test_pass_statistics_equal_sparql_counts(dist: Path) -> None:
    """The catalogue's VoID counts come from the export's pass over its lines: they equal what
    SPARQL counts in the store."""
    from twinning import catalog, ntlines

    statistics = catalog.Statistics()
    for subject, predicates in ntlines.subjects_of_file(dist / "twinning.nt"):
        statistics.add(subject, predicates)
    store = load_project(ROOT).store
    [row] = store.query(
        "SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s) (COUNT(DISTINCT ?p) AS ?p) "
        "WHERE { ?s ?p ?o }"
    )
    [classes] = store.query("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    [links] = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }"
    )
    counted = [int(row["t"].value), int(row["s"].value), int(row["p"].value)]
    assert [statistics.triples, statistics.subjects, len(statistics.properties)] == counted
    assert len(statistics.classes) == int(classes["n"].value)
    assert statistics.links == int(links["n"].value) == 45
    assert statistics.first is not None and statistics.last is not None
    assert statistics.first < statistics.last


def test_files_from_child_processes_are_the_same_files(tmp_path: Path, graph, monkeypatch) -> None:
    """Large graphs get their Turtle, JSON-LD and agreement rows (with the catalogue's counts)
    from child processes: every file the same bytes as in-process, and nothing else left."""
    in_process = export(graph, tmp_path / "small", ROOT)
    monkeypatch.setattr(export_module, "CHILD_BYTES", 0)
    from_children = export(graph, tmp_path / "dist", ROOT)
    assert [p.name for p in from_children] == [p.name for p in in_process]
    for name in FILES:
        expected = (GOLDEN / "dist" / name).read_bytes()
        assert (tmp_path / "dist" / name).read_bytes() == expected, name


def test_a_failed_child_process_fails_the_export_and_keeps_the_old_files(
    tmp_path: Path, graph, monkeypatch
) -> None:
    from twinning.errors import CannotRun

    out = tmp_path / "dist"
    export(graph, out, ROOT)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(export_module, "CHILD_BYTES", 0)
    monkeypatch.setattr(export_module.sys, "executable", "/bin/false")
    with pytest.raises(CannotRun, match=r"failed in its child process: no message"):
        export(graph, out, ROOT)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]
