"""`twinning import`: the lossless round trip, one edited cell at a time, and bad cells.

Every test works on a copy of the project in tmp_path; the shipped data/ is never written.
"""

from __future__ import annotations

import csv
import http.server
import io
import re
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from twinning import rdfio, tables, terms
from twinning.cli import main
from twinning.export import export
from twinning.load import load_project
from twinning.table_import import TableProblems, import_table

from .conftest import FIXTURES, ROOT

AGREEMENT = terms.PREFIXES["agreement"]
REGION = terms.PREFIXES["region"]


def copy_project(target: Path) -> Path:
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, target / folder)
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under data/, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "data").rglob("*"))
        if p.is_file()
    }


def data_triples(root: Path) -> set[ox.Triple]:
    return {t for path in sorted((root / "data").glob("*.ttl")) for t in rdfio.parse_file(path)}


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_csv(path: Path, rows: list[dict[str, str]], bom: bool = False) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A copy of the project with its export in dist/ (the table a clerk starts from)."""
    root = copy_project(tmp_path_factory.mktemp("exported") / "project")
    export(load_project(root), root / "dist", root)
    return root


@pytest.fixture
def project(tmp_path: Path, exported: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(exported, root)
    return root


def test_export_then_import_changes_no_byte(project: Path) -> None:
    before = snapshot(project)
    report = import_table(project, project / "dist" / "agreements.csv", date="2026-11-30")
    assert report.rows == 41 and report.updated == [] and report.created == []
    assert report.changed_files == []
    assert snapshot(project) == before


def test_a_table_saved_with_a_bom_reads_the_same(project: Path) -> None:
    before = snapshot(project)
    rows = read_csv(project / "dist" / "agreements.csv")
    table = write_csv(project / "bom.csv", rows, bom=True)
    assert import_table(project, table).changed_files == []
    assert snapshot(project) == before


def test_the_export_has_the_year_only_dates_and_party_countries(exported: Path) -> None:
    rows = {
        r["id"].removeprefix(AGREEMENT): r for r in read_csv(exported / "dist" / "agreements.csv")
    }
    assert rows["harghita-borsod-abauj-zemplen-collaboration-agreement"]["date"] == "1997"
    assert rows["harghita-ningxia-twinning"]["date"] == "2011"
    ningxia = rows["harghita-ningxia-twinning"]
    assert ningxia["parties"] == "Harghita County | Ningxia Hui Autonomous Region"
    assert ningxia["party_countries"] == "RO | CN"
    veneto = rows["cluj-veneto-joint-declaration"]
    assert len(veneto["party_countries"].split(" | ")) == len(veneto["parties"].split(" | ")) == 7


def T(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:  # noqa: N802
    prefix, _, local = s.partition(":")
    return ox.Triple(ox.NamedNode(terms.PREFIXES[prefix] + local), ox.NamedNode(p), o)


def N(curie: str) -> ox.NamedNode:  # noqa: N802
    prefix, _, local = curie.partition(":")
    return ox.NamedNode(terms.PREFIXES[prefix] + local)


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(terms.XSD + datatype))


BURSA = "agreement:liberec-bursa-2011"
NINGXIA = "agreement:harghita-ningxia-twinning"
BACS = "agreement:harghita-bacs-kiskun-twinning"
ALLIER = "agreement:cluj-allier-cooperation-protocol"
TITLE = "Memorandum o spolupráci s tureckou provincií Bursa"
# One edit per importable column: (agreement, column, new cell, triples removed, triples added).
EDITS = [
    (BURSA, "status", "active",
     {T(BURSA, terms.STATUS, N("status:stagnating"))}, {T(BURSA, terms.STATUS, N("status:active"))}),
    (BURSA, "ended", "2020-05-31",
     set(), {T(BURSA, terms.END_DATE, typed("2020-05-31", "date"))}),
    (BURSA, "signed", "31.10.2011",
     {T(BURSA, terms.SIGNING_DATE, typed("2011-11-01", "date"))},
     {T(BURSA, terms.SIGNING_DATE, typed("2011-10-31", "date"))}),
    (BURSA, "started", "2010",
     set(), {T(BURSA, terms.tw("startDate"), typed("2010", "gYear"))}),
    (NINGXIA, "date", "2012",
     {T(NINGXIA, tables.DCT_DATE, typed("2011", "gYear"))},
     {T(NINGXIA, tables.DCT_DATE, typed("2012", "gYear"))}),
    (BACS, "decision", "6/1993",
     {T(BACS, terms.APPROVED_BY, N("decision:harghita-19-1994"))},
     {T(BACS, terms.APPROVED_BY, N("decision:harghita-6-1993"))}),
    (BURSA, "kind", "cooperation agreement",
     {T(BURSA, terms.KIND, N("kind:memorandum-on-cooperation"))},
     {T(BURSA, terms.KIND, N("kind:cooperation-agreement"))}),
    (BURSA, "title", "Memorandum o spolupráci s provincií Bursa",
     {T(BURSA, terms.DCT_TITLE, ox.Literal(TITLE, language="cs"))},
     {T(BURSA, terms.DCT_TITLE, ox.Literal("Memorandum o spolupráci s provincií Bursa", language="cs"))}),
    (BURSA, "title_lang", "sk",
     {T(BURSA, terms.DCT_TITLE, ox.Literal(TITLE, language="cs"))},
     {T(BURSA, terms.DCT_TITLE, ox.Literal(TITLE, language="sk"))}),
    (BURSA, "parties", "Bursa Province | Liberec Region | Harghita County",
     set(), {T(BURSA, terms.PARTY, N("region:harghita"))}),
    (BURSA, "home", "Bursa Province",
     {T(BURSA, terms.HOME_REGION, N("region:liberec"))},
     {T(BURSA, terms.HOME_REGION, N("region:bursa"))}),
    (ALLIER, "source", "Harghita County Council: International Relations",
     {T(ALLIER, terms.DCT_SOURCE, N("source:cluj-statute-annex"))},
     {T(ALLIER, terms.DCT_SOURCE, N("source:harghita-international-relations"))}),
    # Identification aids, not facts: emptying them changes nothing.
    (BURSA, "party_countries", "", set(), set()),
    (BURSA, "party_wikidata", "", set(), set()),
]  # fmt: skip


def test_guard_every_importable_column_is_edited() -> None:
    assert {column for _, column, *_ in EDITS} == set(tables.AGREEMENT_COLUMNS) - {"id"}


@pytest.mark.parametrize(
    ("agreement", "column", "value", "removed", "added"),
    EDITS,
    ids=[edit[1] for edit in EDITS],
)
def test_editing_one_cell_changes_exactly_that_fact(
    project: Path, agreement: str, column: str, value: str, removed: set, added: set
) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    iri = AGREEMENT + agreement.split(":", 1)[1]
    [row] = [r for r in rows if r["id"] == iri]
    assert row[column] != value or column.startswith("party_")
    row[column] = value
    if column == "parties":  # a clerk adding a party leaves the codes of the others empty
        row.update(party_countries="", party_wikidata="")
    before = data_triples(project)
    import_table(project, write_csv(project / "edited.csv", rows), date="2026-11-30")
    after = data_triples(project)
    assert before - after == removed
    assert after - before == added


def test_a_new_source_is_created_for_an_edited_source_cell(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    [row] = [r for r in rows if r["id"].endswith("liberec-ha-tinh-2009")]
    row["source"] = "Letter of Liberec Region to Ha Tinh, 2010"
    before = data_triples(project)
    import_table(project, write_csv(project / "edited.csv", rows))
    after = data_triples(project)
    source = N("source:letter-of-liberec-region-to-ha-tinh-2010")
    agreement = N("agreement:liberec-ha-tinh-2009")
    assert before - after == {
        ox.Triple(agreement, ox.NamedNode(terms.DCT_SOURCE), N("source:liberec-agreements"))
    }
    assert ox.Triple(agreement, ox.NamedNode(terms.DCT_SOURCE), source) in after
    assert (
        ox.Triple(source, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.SOURCE_DOCUMENT))
        in after
    )
    assert {t.subject for t in after - before} == {agreement, source}


def test_a_new_row_gets_an_iri_from_its_content(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    new = dict.fromkeys(rows[0], "")
    new.update(
        home="Liberec Region", kind="letter of intent", title="Dopis o záměru", title_lang="cs",
        parties="Liberecký kraj | Bursa (Turcia)", signed="2013-04-02",
        source="Liberec Region: concluded agreements",
    )  # fmt: skip
    # Row order does not matter: the new row first, then last, gives the same IRI and bytes.
    first = import_table(project, write_csv(project / "a.csv", [new, *rows]), dry_run=True)
    import_table(project, write_csv(project / "b.csv", [*rows, new]))
    assert first.created == [AGREEMENT + "liberec-bursa-letter-of-intent-2013"]
    triples = data_triples(project)
    subject = N("agreement:liberec-bursa-letter-of-intent-2013")
    assert ox.Triple(subject, ox.NamedNode(terms.PARTY), N("region:bursa")) in triples
    assert (
        ox.Triple(subject, ox.NamedNode(terms.DCT_SOURCE), N("source:liberec-agreements"))
        in triples
    )
    text = (project / "data" / "liberec.ttl").read_text(encoding="utf-8")
    assert "agreement:liberec-bursa-letter-of-intent-2013" in text
    # The same content again is the same agreement: reported, not duplicated.
    with pytest.raises(TableProblems) as caught:
        import_table(project, write_csv(project / "c.csv", [new]))
    assert "already in the graph" in caught.value.problems[0]


# ----------------------------------------------------------------------------- xlsx


def test_export_writes_an_xlsx_with_frozen_header_and_lists(exported: Path) -> None:
    book = load_workbook(exported / "dist" / "agreements.xlsx")
    sheet = book["agreements"]
    assert [c.value for c in sheet[1]] == tables.AGREEMENT_COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 42
    validations = {str(v.sqref).split(":")[0][0]: v for v in sheet.data_validations.dataValidation}
    kind_column = "ABCDEFGHIJKLMNO"[tables.AGREEMENT_COLUMNS.index("kind")]
    status_column = "ABCDEFGHIJKLMNO"[tables.AGREEMENT_COLUMNS.index("status")]
    assert set(validations) == {kind_column, status_column}
    lists = book["lists"]
    listed = {
        lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)]
        for c in (1, 2)
    }
    assert [s for s in listed["status"] if s] == ["active", "ended", "stagnating", "terminated"]
    assert "twinning" in listed["kind"] and "cooperation protocol" in listed["kind"]


def test_xlsx_export_is_byte_stable(exported: Path, tmp_path: Path) -> None:
    export(load_project(exported), tmp_path / "again", exported)
    assert (tmp_path / "again" / "agreements.xlsx").read_bytes() == (
        exported / "dist" / "agreements.xlsx"
    ).read_bytes()


def test_xlsx_round_trip_changes_no_byte_and_an_edit_changes_one_fact(project: Path) -> None:
    before = snapshot(project)
    table = project / "dist" / "agreements.xlsx"
    assert import_table(project, table).changed_files == []
    assert snapshot(project) == before
    book = load_workbook(table)
    sheet = book["agreements"]
    status = tables.AGREEMENT_COLUMNS.index("status") + 1
    ended = tables.AGREEMENT_COLUMNS.index("ended") + 1
    [row] = [
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, 1).value.endswith("liberec-bursa-2011")
    ]
    import datetime

    sheet.cell(row, status).value = "ended"
    sheet.cell(row, ended).value = datetime.datetime(2021, 6, 30)  # a clerk types a real date
    book.save(project / "edited.xlsx")
    old = data_triples(project)
    import_table(project, project / "edited.xlsx")
    new = data_triples(project)
    assert old - new == {T(BURSA, terms.STATUS, N("status:stagnating"))}
    assert new - old == {
        T(BURSA, terms.STATUS, N("status:ended")),
        T(BURSA, terms.END_DATE, typed("2021-06-30", "date")),
    }


# ----------------------------------------------------------------------------- bad cells


def test_every_bad_cell_is_reported_at_once_and_nothing_is_written(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    by_id = {r["id"].removeprefix(AGREEMENT): r for r in rows}
    number = {r["id"].removeprefix(AGREEMENT): i for i, r in enumerate(rows, start=2)}
    by_id["liberec-bursa-2011"].update(status="frozen", signed="31.02.2011")
    by_id["liberec-orenburg-2012"].update(ended="2022-13", kind="friendship")
    by_id["harghita-bekes-twinning"].update(decision="54-1996")
    by_id["harghita-heves-twinning"].update(title_lang="Romanian", party_countries="RO | Atlantis")
    by_id["harghita-lori-twinning"].update(parties="Harghita County", party_countries="RO")
    by_id["cluj-allier-cooperation-protocol"].update(home="Bihor County")
    by_id["liberec-ha-tinh-2009"].update(id=AGREEMENT + "liberec-nowhere-2009")
    by_id["harghita-pest-twinning"].update(
        parties="Harghita County | region:atlantis", party_countries=""
    )
    by_id["harghita-tolna-twinning"].update(party_wikidata="Q190702 | 191625")
    by_id["harghita-vas-twinning"].update(kind="")
    new = dict.fromkeys(rows[0], "")
    new.update(home="Harghita County", kind="twinning", parties="Harghita County | Somewhere New")
    rows.append(new)
    table = write_csv(project / "bad.csv", rows)
    before = snapshot(project)
    result = CliRunner().invoke(
        main,
        ["import", "--root", str(project), str(table), "--endpoint", "http://127.0.0.1:9/none"],
    )
    assert result.exit_code == 1, result.output
    assert snapshot(project) == before
    n = len(rows) + 1
    t = str(table)
    expected = [
        f"{t}:{number['liberec-bursa-2011']}:status: 'frozen' is not a status: use one of: active, ended, stagnating, terminated",
        f"{t}:{number['liberec-bursa-2011']}:signed: 31.02.2011 is not a date: use YYYY-MM-DD, YYYY-MM or YYYY; DD.MM.YYYY is also read",
        f"{t}:{number['liberec-orenburg-2012']}:ended: 2022-13 is not a date: use YYYY-MM-DD, YYYY-MM or YYYY; DD.MM.YYYY is also read",
        f"{t}:{number['harghita-bekes-twinning']}:decision: '54-1996' is not a council decision: use NUMBER/YEAR, e.g. 271/2017",
        f"{t}:{number['harghita-heves-twinning']}:title_lang: 'Romanian' is not a language tag: use a BCP 47 tag such as ro, cs, hu, en",
        f"{t}:{number['harghita-heves-twinning']}:party_countries: 'Atlantis' is not a country: use an ISO 3166-1 alpha-2 code (HU, IT, PL…) or the country's name",
        f"{t}:{number['harghita-lori-twinning']}:parties: 'Harghita County' names 1 party: an agreement needs at least two, separated by |",
        f"{t}:{number['liberec-ha-tinh-2009']}:id: '{AGREEMENT}liberec-nowhere-2009' is not an agreement of the graph: leave id empty to add a new agreement, or copy the id from dist/agreements.csv",
        f"{t}:{number['harghita-pest-twinning']}:parties: 'region:atlantis' is not a region of the graph: write a region's id, its name, or a new name with its country",
        f"{t}:{number['harghita-tolna-twinning']}:party_wikidata: '191625' is not a Wikidata id: write Q followed by digits, e.g. Q182624",
        f"{t}:{number['harghita-vas-twinning']}:kind: empty: an agreement needs its kind",
        f"{t}:{n}:title: empty: a new agreement needs its title",
        f"{t}:{n}:title_lang: empty: a new agreement needs its title_lang",
        f"{t}:{n}:source: empty: a new agreement needs its source",
        f"{t}:{n}:party_countries: no country for the new party 'Somewhere New': give it in party_countries (e.g. HU) or in brackets after the name, e.g. 'Județul Pest (Ungaria)'",
    ]  # fmt: skip
    kind_line = next(line for line in result.output.splitlines() if ":kind: 'friendship'" in line)
    assert kind_line.startswith(
        f"{t}:{number['liberec-orenburg-2012']}:kind: 'friendship' is not a kind: use one of: "
    )
    assert "cooperation protocol" in kind_line and "twinning" in kind_line
    lines = result.output.splitlines()
    assert [line for line in expected if line not in lines] == [], "\n".join(lines)
    assert len(expected) + 1 >= 12
    assert lines[-1] == f"Error: {len(expected) + 1} problem(s) in {t}; nothing was written"
    assert len(lines) == len(expected) + 2


def test_a_row_that_would_break_a_shape_is_a_bad_cell(project: Path) -> None:
    """The merged data is validated before anything is written; the shapes' message is shown."""
    rows = read_csv(project / "dist" / "agreements.csv")
    number = next(i for i, r in enumerate(rows, start=2) if r["id"].endswith("liberec-bursa-2011"))
    rows[number - 2].update(ended="2020-05", status="ended")
    rows[number - 1].update(status="terminated")  # the next row: ended without date or cause
    table = write_csv(project / "shapes.csv", rows)
    before = snapshot(project)
    with pytest.raises(TableProblems) as caught:
        import_table(project, table)
    assert snapshot(project) == before
    assert caught.value.problems[0] == (
        f"{table}:{number}:ended: '2020-05': The end date must be one xsd:date or, when only "
        "the year is known, an xsd:gYear."
    )
    assert len(caught.value.problems) == 2
    assert caught.value.problems[1].startswith(f"{table}:{number + 1}:")


def test_header_problems_are_reported_with_the_accepted_columns(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    for row in rows:
        row["remarks"] = "x"
        del row["kind"]
    table = write_csv(project / "bad-header.csv", rows)
    with pytest.raises(TableProblems) as caught:
        import_table(project, table)
    assert caught.value.problems == [
        f"{table}:1:remarks: unknown column 'remarks': the columns are {', '.join(tables.AGREEMENT_COLUMNS)}",
        f"{table}:1:kind: missing column 'kind': the table needs it",
    ]  # fmt: skip


def test_a_table_that_is_not_text_cannot_run(project: Path) -> None:
    table = project / "random.csv"
    table.write_bytes(bytes(range(256)) * 4)
    result = CliRunner().invoke(main, ["import", "--root", str(project), str(table)])
    assert result.exit_code == 2
    assert result.output == f"Error: {table}:2: not UTF-8 (byte 128): save the table as CSV UTF-8\n"


def test_existing_regions_are_found_by_any_name_but_not_across_levels(exported: Path) -> None:
    from twinning.table_import import Project

    project = Project(load_project(exported))
    liberec = [REGION + "liberec"]
    for written in ("Liberecký kraj", "Liberec Region", "Regiunea Liberec", "region:liberec",
                    "Q193266", "Libereci kerület", REGION + "liberec"):  # fmt: skip
        assert project.find_regions(written, "CZ") == liberec, written
    assert project.find_regions("Okres Liberec", "CZ") == []  # a district: new, to be linked
    assert project.find_regions("Liberecký kraj", "PL") == []
    assert project.find_regions("Județul Pest (Ungaria)", None) == [REGION + "pest"]


def test_a_cell_with_a_line_break_survives_the_round_trip(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    [row] = [r for r in rows if r["id"].endswith("liberec-ha-tinh-2009")]
    row["title"] = "Dohoda o spolupráci\nmezi krajem Ha Tinh a Libereckým krajem"
    import_table(project, write_csv(project / "t.csv", rows))
    text = (project / "data" / "liberec.ttl").read_text(encoding="utf-8")
    assert (
        'dcterms:title "Dohoda o spolupráci\\nmezi krajem Ha Tinh a Libereckým krajem"@cs' in text
    )
    export(load_project(project), project / "dist2", project)
    before = snapshot(project)
    assert import_table(project, project / "dist2" / "agreements.csv").changed_files == []
    assert snapshot(project) == before


def test_cli_export_then_import_round_trip(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    before = snapshot(root)
    runner = CliRunner()
    out = root / "dist"
    result = runner.invoke(main, ["export", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for table in ("agreements.csv", "agreements.xlsx"):
        result = runner.invoke(main, ["import", "--root", str(root), str(out / table)])
        assert result.exit_code == 0, result.output
        assert "41 rows: 0 agreements updated, 0 added" in result.output
    assert snapshot(root) == before


def test_xlsx_bad_cells_are_located_by_sheet_row(project: Path) -> None:
    book = load_workbook(project / "dist" / "agreements.xlsx")
    sheet = book["agreements"]
    status = tables.AGREEMENT_COLUMNS.index("status") + 1
    signed = tables.AGREEMENT_COLUMNS.index("signed") + 1
    sheet.cell(5, status).value = "paused"
    sheet.cell(7, signed).value = "2011-02-31"
    book.save(project / "bad.xlsx")
    before = snapshot(project)
    result = CliRunner().invoke(main, ["import", "--root", str(project), str(project / "bad.xlsx")])
    assert result.exit_code == 1
    table = project / "bad.xlsx"
    assert result.output.splitlines()[:2] == [
        f"{table}:5:status: 'paused' is not a status: use one of: active, ended, stagnating, terminated",
        f"{table}:7:signed: 2011-02-31 is not a date: use YYYY-MM-DD, YYYY-MM or YYYY; DD.MM.YYYY is also read",
    ]  # fmt: skip
    assert snapshot(project) == before


def test_xlsx_carries_any_text_and_reads_back_as_written(tmp_path: Path) -> None:
    """The workbook is written by hand (openpyxl took 20 s for 100,000 rows): text that XML
    must escape, or cannot carry at all, still reads back the same through openpyxl."""
    from twinning import xlsx

    tricky = [
        "a & b < c > d", 'quoted "title"', " leading and trailing ", "two\nlines", "cr\r\nlf",
        "=SUM(A1:A2)", "2011", "Ștefan cel Mare, Kraj Liberecký, 北京", "tab\there",
        "_x0041_ stays", "bell\x07",
    ]  # fmt: skip
    columns = ["id", "kind", "title"]
    rows = [{"id": f"a{i}", "kind": "twinning", "title": text} for i, text in enumerate(tricky)]
    rows.append({"id": "empty", "kind": "", "title": ""})
    path = tmp_path / "t.xlsx"
    xlsx.write(path, columns, rows, {"kind": ["twinning", "cooperation protocol"]})
    read = xlsx.read_rows(path)
    assert read[0] == columns
    # OOXML's _xHHHH_ escape is how a spreadsheet carries characters XML cannot; openpyxl's
    # reader leaves it as text, spreadsheet programs decode it.
    expected = [[r["id"], r["kind"], r["title"]] for r in rows]
    expected[-2][2] = "bell_x0007_"
    expected[-3][2] = "_x005F_x0041_ stays"
    expected[-1] = ["empty"]  # rows as stored: empty cells at the end are not padded
    assert read[1:] == expected
    book = load_workbook(path)
    assert book["agreements"].freeze_panes == "A2"
    [validation] = book["agreements"].data_validations.dataValidation
    assert str(validation.sqref) == f"B2:B{len(rows) + 1 + 1000}"
    assert validation.formula1 == "lists!$A$2:$A$3"
    path.rename(tmp_path / "first.xlsx")
    xlsx.write(path, columns, rows, {"kind": ["twinning", "cooperation protocol"]})
    assert path.read_bytes() == (tmp_path / "first.xlsx").read_bytes()
    # The export streams its rows (an iterator and their count): the same bytes.
    path.unlink()
    xlsx.write(path, columns, iter(rows), {"kind": ["twinning", "cooperation protocol"]}, len(rows))
    assert path.read_bytes() == (tmp_path / "first.xlsx").read_bytes()
    with pytest.raises(ValueError, match="13 rows announced, 12 given"):
        xlsx.write(path, columns, iter(rows), {"kind": []}, len(rows) + 1)


def test_xlsx_column_letters_are_openpyxls() -> None:
    from openpyxl.utils import get_column_letter

    from twinning import xlsx

    assert [xlsx.get_column_letter(i) for i in range(1, 18279)] == [
        get_column_letter(i) for i in range(1, 18279)
    ]


# ----------------------------------------------------------------------------- tables as saved


def run_import(project: Path, table: Path) -> tuple[int, str]:
    """``twinning import`` as a clerk runs it: exit code and output; never a traceback."""
    result = CliRunner().invoke(main, ["import", "--root", str(project), str(table)])
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def export_rows(project: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((project / "dist" / "agreements.csv").read_text("utf-8"))))


POLISH = "Porozumienie o współpracy z Województwem Małopolskim i Śląskim"


@pytest.mark.parametrize(
    ("name", "delimiter", "encoding"),
    [
        ("excel-pl-semicolon-bom.csv", ";", "utf-8-sig"),  # Excel's "CSV UTF-8" in pl, de, cs…
        ("excel-unicode-text.txt", "\t", "utf-16"),  # Excel's "Unicode Text"
        ("tab-separated.tsv", "\t", "utf-8"),
    ],
)
def test_csv_saved_by_spreadsheets_in_other_locales_imports(
    project: Path, name: str, delimiter: str, encoding: str
) -> None:
    header, *rows = export_rows(project)
    [row] = [r for r in rows if r[0].endswith("liberec-bursa-2011")]  # all in Windows-1250
    row[header.index("title")], row[header.index("title_lang")] = POLISH, "pl"
    table = project / name
    table.write_bytes(csv_text([header, row], delimiter).encode(encoding))
    before = data_triples(project)
    assert run_import(project, table)[0] == 0
    after = data_triples(project)
    bursa = N(BURSA)
    assert before - after == {
        ox.Triple(bursa, ox.NamedNode(terms.DCT_TITLE), ox.Literal(TITLE, language="cs"))
    }
    assert after - before == {
        ox.Triple(bursa, ox.NamedNode(terms.DCT_TITLE), ox.Literal(POLISH, language="pl"))
    }


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("31.10.2021", "2021-10-31"),  # cs, de, pl, ro
        ("31.10.2021.", "2021-10-31"),
        ("2021. 10. 31.", "2021-10-31"),  # hu
        ("2021.10.31", "2021-10-31"),
        ("31/10/2021", "2021-10-31"),  # es, fr, it
        ("10/31/2021", "2021-10-31"),  # en-US: the order is certain, 31 is no month
        ("31-10-2021", "2021-10-31"),
        ("2021/10/31", "2021-10-31"),
        ("05/05/2021", "2021-05-05"),  # either order, the same day
    ],
)
def test_dates_as_locales_write_them(project: Path, written: str, read: str) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    [row] = [r for r in rows if r["id"].endswith("liberec-bursa-2011")]
    row["ended"] = written
    before = data_triples(project)
    import_table(project, write_csv(project / "dates.csv", rows))
    assert data_triples(project) - before == {T(BURSA, terms.END_DATE, typed(read, "date"))}


def test_a_date_whose_day_and_month_may_be_swapped_is_not_guessed(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    number = next(i for i, r in enumerate(rows, start=2) if r["id"].endswith("liberec-bursa-2011"))
    rows[number - 2].update(ended="03/04/2021", started="2021.02.30.")
    table = write_csv(project / "dates.csv", rows)
    before = snapshot(project)
    with pytest.raises(TableProblems) as caught:
        import_table(project, table)
    assert caught.value.problems == [
        f"{table}:{number}:started: 2021.02.30. is not a date: use YYYY-MM-DD, YYYY-MM or YYYY; "
        "DD.MM.YYYY is also read",
        f"{table}:{number}:ended: 03/04/2021 may be 2021-04-03 or 2021-03-04 (day and month are "
        "written in either order): write it as YYYY-MM-DD",
    ]
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("title", "encoding", "shown"),
    [
        # Polish in Windows-1250: Windows-1252 would make "Ma³opolsk¹", which no word holds.
        (POLISH, "cp1250", "'n;Porozumienie o współpracy z Województw' in Windows-1250"),
        # Czech: "úřad" or "úøad"; which one the clerk meant is not the import's to guess.
        ("Dohoda Krajského úřadu", "cp1250",
         "'ration;Dohoda Krajského úřadu;cs;Bursa P' in Windows-1250/ISO 8859-2, or "
         "'ration;Dohoda Krajského úøadu;cs;Bursa P' in Windows-1252"),
        # A typographic apostrophe belongs in words: it rules no code page out.
        ("Porozumienie z Valle d’Aosta", "cp1252",
         "'rozumienie z Valle d’Aosta;cs;Bursa Prov' in Windows-1250/Windows-1252"),
    ],
)  # fmt: skip
def test_a_code_page_is_refused_showing_what_the_file_would_say(
    project: Path, title: str, encoding: str, shown: str
) -> None:
    """The project reads CSV UTF-8: a code page does not say which one it is, and the same
    bytes are different names in two of them. The message shows the clerk their own line."""
    header, *rows = export_rows(project)
    [row] = [r for r in rows if r[0].endswith("liberec-bursa-2011")]  # all in Windows-1250
    row[header.index("title")] = title
    table = project / "legacy.csv"
    table.write_bytes(csv_text([header, row], ";").encode(encoding))
    before = snapshot(project)
    code, output = run_import(project, table)
    assert code == 2
    assert output.startswith(f"Error: {table}:2: not UTF-8 (byte "), output
    assert output.endswith(f": it reads as {shown}: save the table as CSV UTF-8\n"), output
    assert snapshot(project) == before


def test_spreadsheet_leftovers_and_header_spelling_do_not_matter(project: Path) -> None:
    """Blank rows before and after, empty columns Excel keeps, headers typed by hand."""
    rows = export_rows(project)
    header = [f" {name.replace('_', ' ').upper()}\u00a0" for name in rows[0]]
    header[rows[0].index("title")] = "Títle"
    body = [[*r, "", ""] for r in rows[1:]]
    table = project / "leftovers.csv"
    table.write_text(csv_text([[""] * 17, [*header, "", ""], *body, [""] * 17, []]), "utf-8")
    before = snapshot(project)
    assert run_import(project, table)[0] == 0
    assert snapshot(project) == before


def test_an_agreement_in_two_rows_that_disagree_is_a_bad_cell(project: Path) -> None:
    """A clerk copies a row to edit it and leaves the old one: which one is meant is not the
    import's to choose. The same row twice (a copy left unchanged) says nothing new."""
    rows = read_csv(project / "dist" / "agreements.csv")
    [bursa] = [r for r in rows if r["id"].endswith("liberec-bursa-2011")]
    number = rows.index(bursa) + 2
    before = snapshot(project)
    assert (
        import_table(project, write_csv(project / "twice.csv", [*rows, dict(bursa)])).changed_files
        == []
    )
    table = write_csv(project / "disagree.csv", [*rows, dict(bursa, status="active")])
    with pytest.raises(TableProblems) as caught:
        import_table(project, table)
    assert caught.value.problems == [
        f"{table}:{len(rows) + 2}:id: '{bursa['id']}' is also row {number}, which says "
        "otherwise: keep one row per agreement"
    ]
    assert snapshot(project) == before


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers(project: Path) -> None:
    """Councils put a title over the table; the header is the first row naming our columns,
    and problems are reported at the sheet's own row numbers."""
    book = load_workbook(project / "dist" / "agreements.xlsx")
    sheet = book["agreements"]
    sheet.insert_rows(1, amount=2)
    sheet["A1"] = "Acorduri de cooperare ale Consiliului Județean Cluj"
    sheet.cell(3, tables.AGREEMENT_COLUMNS.index("status") + 1).value = "Status"
    sheet.cell(3, len(tables.AGREEMENT_COLUMNS) + 1).value = "remarks"
    book.save(project / "titled.xlsx")
    code, output = run_import(project, project / "titled.xlsx")
    assert code == 1
    assert output.splitlines()[0] == (
        f"{project / 'titled.xlsx'}:3:remarks: unknown column 'remarks': the columns are "
        f"{', '.join(tables.AGREEMENT_COLUMNS)}"
    )
    sheet.delete_cols(len(tables.AGREEMENT_COLUMNS) + 1)
    book.save(project / "titled.xlsx")
    before = snapshot(project)
    assert run_import(project, project / "titled.xlsx")[0] == 0
    assert snapshot(project) == before


def test_a_csv_with_excels_sep_line_or_a_title_line_finds_its_delimiter(project: Path) -> None:
    """Excel writes (and reads) "sep=;" as a first line; councils put a title over the table.
    The delimiter is still the one the header is cut with, and rows keep their numbers."""
    rows = export_rows(project)
    status = rows[0].index("status")
    rows[2][status] = "paused"
    for first in ("sep=;", "Umowy partnerskie Województwa;;;"):
        table = project / "hinted.csv"
        table.write_text(first + "\r\n" + csv_text(rows, ";"), "utf-8")
        code, output = run_import(project, table)
        assert code == 1
        assert output.splitlines()[0] == (
            f"{table}:4:status: 'paused' is not a status: use one of: active, ended, stagnating, "
            "terminated"
        )


def test_invisible_characters_from_pasting_and_joined_files_are_dropped(project: Path) -> None:
    """Two exports joined into one file keep the second's byte order mark inside; names pasted
    from web pages carry zero-width spaces. Neither shows or means anything."""
    rows = export_rows(project)
    parties = rows[0].index("parties")
    rows[1][0] = "\ufeff" + rows[1][0]
    rows[2][parties] = rows[2][parties].replace(" ", " \u200b", 1) + "\u2060"
    table = project / "joined.csv"
    table.write_text(csv_text(rows), "utf-8")
    before = snapshot(project)
    assert run_import(project, table)[0] == 0
    assert snapshot(project) == before


def test_duplicate_and_unnamed_columns_are_bad_header_cells(project: Path) -> None:
    rows = export_rows(project)
    table = project / "header.csv"
    table.write_text(
        csv_text([[*rows[0], "Status", ""], *([*r, "ended", "note"] for r in rows[1:])]), "utf-8"
    )
    before = snapshot(project)
    code, output = run_import(project, table)
    assert code == 1
    status = rows[0].index("status") + 1
    assert output.splitlines()[:2] == [
        f"{table}:1:status: the column 'status' is there 2 times (columns {status} and 16): "
        "keep one, a row cannot say two things",
        f"{table}:1:column 17: a column without a name holds values: name it with one of the "
        f"columns ({', '.join(tables.AGREEMENT_COLUMNS)}) or delete it",
    ]
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        ('"Acord, never closed\n', 'a quoted cell is never closed: a cell that starts with " must end with "'),
        ("x" * 200_000 + "\n", "a cell is longer than 131,072 characters"),
        ('"quoted"then text\n', "not a well-formed CSV row"),
    ],
)  # fmt: skip
def test_a_broken_csv_row_is_located_not_swallowed(project: Path, tail: str, reason: str) -> None:
    """A quote left open would otherwise swallow the rest of the table into one cell."""
    rows = export_rows(project)
    table = project / "broken.csv"
    table.write_text(csv_text(rows[:3], newline="\n") + tail, "utf-8")
    before = snapshot(project)
    code, output = run_import(project, table)
    assert code == 1
    assert output.startswith(f"Error: {table}:4: {reason}")
    assert snapshot(project) == before


def test_a_table_too_large_is_refused_before_it_is_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twinning import table_read

    monkeypatch.setattr(table_read, "MAX_BYTES", 1000)
    code, output = run_import(project, project / "dist" / "agreements.csv")
    assert code == 2
    size = (project / "dist" / "agreements.csv").stat().st_size
    assert output == (
        f"Error: {project / 'dist' / 'agreements.csv'}: too large ({size} bytes; the limit is 1000)\n"
    )


def test_a_workbook_named_csv_or_an_old_xls_is_named_for_what_it_is(project: Path) -> None:
    named_csv = project / "agreements-export.csv"
    shutil.copy(project / "dist" / "agreements.xlsx", named_csv)
    code, output = run_import(project, named_csv)
    assert (code, output) == (
        2,
        f"Error: {named_csv}: a workbook, not CSV text: name it .xlsx, or save it as CSV UTF-8\n",
    )
    xls = project / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    code, output = run_import(project, xls)
    assert code == 2 and "an Excel 97-2003 workbook (.xls): save it as Excel Workbook" in output


# ----------------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("title", "Protocol\x00de cooperare", "'Protocol\\x00de cooperare' holds the control character U+0000: remove it"),
        ("title", "Protocol \x1b[31mroșu", "'Protocol \\x1b[31mroșu' holds the control character U+001B: remove it"),
        ("title", '=HYPERLINK("http://127.0.0.1:9/","x")', "'=HYPERLINK(\"http://127.0.0.1:9/\",\"x\")' starts with '=' like a spreadsheet formula: the table holds text, so write what the cell should say without the sign"),
        ("source", "+cmd|' /C calc'!A0", "\"+cmd|' /C calc'!A0\" starts with '+' like a spreadsheet formula: the table holds text, so write what the cell should say without the sign"),
        ("parties", "@SUM(1+1) | Cluj County", "'@SUM(1+1) | Cluj County' starts with '@' like a spreadsheet formula: the table holds text, so write what the cell should say without the sign"),
        ("source", 'https://example.org/a>b"c', "'https://example.org/a>b\"c' is not a web address (Invalid IRI code point '>'): write the page's address as the browser shows it, or the source's title"),
        ("signed", "２０１１", "２０１１ is not a date: use YYYY-MM-DD, YYYY-MM or YYYY; DD.MM.YYYY is also read"),
        ("title", "#N/A", "#N/A is a spreadsheet's error, not a value: correct the formula that gave it, or type the value"),
        ("ended", "31.10." + "2" * 100_000, f"31.10.{'2' * 993}…"),
        ("decision", "١٢/٢٠١٧", "'١٢/٢٠١٧' is not a council decision: use NUMBER/YEAR, e.g. 271/2017"),
    ],
)  # fmt: skip
def test_hostile_cells_are_bad_cells(project: Path, column: str, value: str, reason: str) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    number = next(
        i for i, r in enumerate(rows, start=2) if r["id"].endswith("allier-cooperation-protocol")
    )
    rows[number - 2][column] = value
    table = write_csv(project / "hostile.csv", rows)
    before = snapshot(project)
    code, output = run_import(project, table)
    assert code == 1, output
    assert output.splitlines()[0] == f"{table}:{number}:{column}: {reason}"
    assert snapshot(project) == before


def test_text_that_would_break_turtle_or_sparql_is_stored_as_written(project: Path) -> None:
    """Quotes, backslashes, brackets and keywords are a title's text: escaped when written,
    bound when queried, and read back the same."""
    title = 'a """ b \\ c " . } <x> ; @prefix x: <y> . DROP ALL ; INSERT DATA { <a> <b> "c'
    rows = read_csv(project / "dist" / "agreements.csv")
    [row] = [r for r in rows if r["id"].endswith("allier-cooperation-protocol")]
    row["title"] = title
    import_table(project, write_csv(project / "t.csv", rows))
    assert T(ALLIER, terms.DCT_TITLE, ox.Literal(title, language="ro")) in data_triples(project)
    export(load_project(project), project / "dist2", project)
    before = snapshot(project)
    assert import_table(project, project / "dist2" / "agreements.csv").changed_files == []
    assert snapshot(project) == before


# ----------------------------------------------------------------------------- workbooks


def clerk_workbook(project: Path, edit: Callable[[Any, dict[str, int]], None]) -> Path:
    """The exported workbook as a clerk saves it from Excel (openpyxl writes what Excel
    writes: typed cells, a second sheet), after ``edit(sheet, column numbers)``."""
    book = load_workbook(project / "dist" / "agreements.xlsx")
    sheet = book["agreements"]
    edit(sheet, {name: i for i, name in enumerate(tables.AGREEMENT_COLUMNS, start=1)})
    path = project / "clerk.xlsx"
    book.save(path)
    return path


def bursa_row(sheet: Any) -> int:
    return next(
        r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value.endswith("bursa-2011")
    )


@pytest.mark.parametrize("epoch", ["1900", "1904"])
def test_xlsx_numbers_are_read_as_what_the_clerk_typed(project: Path, epoch: str) -> None:
    """A date kept as an Excel serial number (a cell formatted as a number) is that date in
    the workbook's own calendar; a year typed as a number is the year; spaces go."""
    import datetime

    from openpyxl.utils.datetime import CALENDAR_MAC_1904, to_excel

    def edit(sheet: Any, column: dict[str, int]) -> None:
        if epoch == "1904":
            sheet.parent.epoch = CALENDAR_MAC_1904
        row = bursa_row(sheet)
        serial = to_excel(datetime.datetime(2021, 6, 30), sheet.parent.epoch)
        sheet.cell(row, column["ended"]).value = serial  # 44377 (1900) or 42915 (1904)
        sheet.cell(row, column["started"]).value = 2010.0
        sheet.cell(row, column["status"]).value = "\u00a0ended "
        sheet.cell(row, column["decision"]).value = None

    before = data_triples(project)
    assert run_import(project, clerk_workbook(project, edit))[0] == 0
    after = data_triples(project)
    assert before - after == {T(BURSA, terms.STATUS, N("status:stagnating"))}
    assert after - before == {
        T(BURSA, terms.STATUS, N("status:ended")),
        T(BURSA, terms.END_DATE, typed("2021-06-30", "date")),
        T(BURSA, terms.tw("startDate"), typed("2010", "gYear")),
    }


def test_xlsx_a_small_number_in_a_date_column_is_not_made_a_date(project: Path) -> None:
    def edit(sheet: Any, column: dict[str, int]) -> None:
        sheet.cell(bursa_row(sheet), column["ended"]).value = 731  # no year, no serial date

    code, output = run_import(project, clerk_workbook(project, edit))
    assert code == 1 and ":ended: 731 is not a date" in output


def test_xlsx_a_merged_cell_counts_on_every_row_it_spans(project: Path) -> None:
    """A clerk merges the home region over its agreements (Excel keeps the value in the top
    cell only); rows below the table that the merge reaches stay empty."""
    book = load_workbook(project / "dist" / "agreements.xlsx")
    sheet = book["agreements"]
    home = tables.AGREEMENT_COLUMNS.index("home") + 1
    cluj = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, home).value == "Cluj County"]
    assert cluj == list(range(2, len(cluj) + 2)) and len(cluj) > 5
    sheet.merge_cells(start_row=2, end_row=cluj[-1], start_column=home, end_column=home)
    assert sheet.cell(3, home).value is None
    last = sheet.max_row
    sheet.merge_cells(start_row=last, end_row=last + 5, start_column=home, end_column=home)
    book.save(project / "merged.xlsx")
    before = snapshot(project)
    assert run_import(project, project / "merged.xlsx")[0] == 0
    assert snapshot(project) == before


def test_xlsx_a_formula_gives_its_saved_value_and_one_never_computed_is_refused(
    project: Path,
) -> None:
    """Excel saves each formula's value: that value is the cell. A workbook written by a
    program (openpyxl, a script) holds formulas nobody computed: they would read as empty
    and erase facts, so the import stops at the first one."""
    exported = project / "dist" / "agreements.xlsx"
    sheet = zipfile.ZipFile(exported).read("xl/worksheets/sheet1.xml").decode("utf-8")
    row = 1 + [r[0] for r in export_rows(project)].index(AGREEMENT + "liberec-bursa-2011")
    ref = f"{'ABCDEFGHIJKLMNO'[tables.AGREEMENT_COLUMNS.index('status')]}{row}"
    cell = re.compile(rf'<c r="{ref}" t="inlineStr"><is><t>stagnating</t></is></c>')
    assert cell.search(sheet)
    computed = cell.sub(f'<c r="{ref}" t="str"><f>LOWER("ACTIVE")</f><v>active</v></c>', sheet)
    table = rezip(
        exported, project / "computed.xlsx", {"xl/worksheets/sheet1.xml": computed.encode()}
    )
    before = data_triples(project)
    assert run_import(project, table)[0] == 0
    assert data_triples(project) - before == {T(BURSA, terms.STATUS, N("status:active"))}

    def edit(sheet: Any, column: dict[str, int]) -> None:
        sheet.cell(bursa_row(sheet), column["status"]).value = '=LOWER("ENDED")'

    files = snapshot(project)
    table = clerk_workbook(project, edit)
    code, output = run_import(project, table)
    assert (code, output) == (
        1,
        f"Error: {table}:{row}: cell {ref} holds a formula without a saved value (a program wrote "
        "it, none computed it): open and save the workbook in Excel or LibreOffice, or type the "
        "value\n",
    )
    assert snapshot(project) == files


def test_xlsx_a_decision_excel_made_a_date_is_explained_not_guessed(project: Path) -> None:
    import datetime

    def edit(sheet: Any, column: dict[str, int]) -> None:
        sheet.cell(bursa_row(sheet), column["decision"]).value = datetime.datetime(1993, 6, 1)

    table = clerk_workbook(project, edit)
    code, output = run_import(project, table)
    assert code == 1
    assert output.splitlines()[0].endswith(
        ":decision: '1993-06-01' is not a council decision (a spreadsheet made it a date: "
        "format the column as Text): use NUMBER/YEAR, e.g. 271/2017"
    )


def test_xlsx_the_agreements_sheet_is_found_among_others(project: Path) -> None:
    """Sheets added in front (notes, a pivot) or the sheets reordered: the one named
    agreements, else the first whose header names our columns."""
    book = load_workbook(project / "dist" / "agreements.xlsx")
    notes = book.create_sheet("Notes", 0)
    notes["A1"] = "Partners of the region, kept by the foreign relations office"
    book["agreements"].title = "Parteneriate"
    book.move_sheet("lists", -2)
    book.save(project / "sheets.xlsx")
    before = snapshot(project)
    assert run_import(project, project / "sheets.xlsx")[0] == 0
    assert snapshot(project) == before


def test_xlsx_a_hidden_copy_of_the_sheet_is_not_the_table(project: Path) -> None:
    """A clerk keeps the old list in a hidden sheet and edits a visible copy."""
    book = load_workbook(project / "dist" / "agreements.xlsx")
    old = book["agreements"]
    edited = book.copy_worksheet(old)
    edited.title = "2026"
    old.sheet_state = "hidden"
    edited.cell(bursa_row(edited), tables.AGREEMENT_COLUMNS.index("status") + 1).value = "active"
    book.save(project / "hidden.xlsx")
    before = data_triples(project)
    assert run_import(project, project / "hidden.xlsx")[0] == 0
    assert data_triples(project) - before == {T(BURSA, terms.STATUS, N("status:active"))}


def test_xlsx_two_visible_copies_of_the_table_are_not_chosen_between(project: Path) -> None:
    """Last year's sheet and this year's, both visible, neither named agreements: which one
    the clerk means is not the import's to guess. Naming one agreements says it."""
    book = load_workbook(project / "dist" / "agreements.xlsx")
    book["agreements"].title = "2025"
    book.copy_worksheet(book["2025"]).title = "2026"
    book.save(project / "two.xlsx")
    before = snapshot(project)
    code, output = run_import(project, project / "two.xlsx")
    assert (code, output) == (
        1,
        f"Error: {project / 'two.xlsx'}: the sheets '2025', '2026' all hold a table of "
        "agreements: keep one, or name the one to import 'agreements'\n",
    )
    book["2026"].title = "agreements"
    book.save(project / "two.xlsx")
    assert run_import(project, project / "two.xlsx")[0] == 0
    assert snapshot(project) == before


def test_xlsx_a_declared_size_of_a_million_rows_is_not_read_as_one(project: Path) -> None:
    """LibreOffice declares its used range (A1:AMJ…); a hostile file declares the whole
    grid. Rows are read as stored, not padded to the declared size."""
    source = project / "dist" / "agreements.xlsx"
    target = project / "declared.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data
                )
            zout.writestr(info.filename, data)
    before = snapshot(project)
    assert run_import(project, target)[0] == 0
    assert snapshot(project) == before


def test_xlsx_features_openpyxl_drops_print_no_warning(project: Path) -> None:
    """Excel saves drop-down lists and conditional formats as extensions, which openpyxl
    drops with a warning on stderr: noise around the one-line report, about no cell."""
    import warnings

    exported = project / "dist" / "agreements.xlsx"
    sheet = zipfile.ZipFile(exported).read("xl/worksheets/sheet1.xml")
    extension = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
        b'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="0"/>'
        b"</ext></extLst></worksheet>"
    )
    table = rezip(
        exported,
        project / "ext.xlsx",
        {"xl/worksheets/sheet1.xml": sheet.replace(b"</worksheet>", extension)},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert import_table(project, table).changed_files == []
    assert [str(w.message) for w in caught] == []


def rezip(source: Path, target: Path, parts: dict[str, bytes]) -> Path:
    """A copy of a workbook with some parts replaced."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, parts.get(info.filename, zin.read(info.filename)))
    return target


def broken_workbooks(project: Path) -> dict[str, tuple[Path, str]]:
    exported = project / "dist" / "agreements.xlsx"
    sheet = zipfile.ZipFile(exported).read("xl/worksheets/sheet1.xml")
    made = {}

    def make(name: str, data: bytes, expected: str) -> None:
        path = project / name
        path.write_bytes(data)
        made[name] = (path, expected)

    make("csv-renamed.xlsx", b"id,home\n1,2\n", "not an .xlsx workbook (File is not a zip file)")
    make("old-renamed.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
         "an Excel 97-2003 (.xls) or password-protected workbook")  # fmt: skip
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    make("empty-zip.xlsx", buffer.getvalue(), "cannot read the workbook")
    cut = rezip(
        exported, project / "cut.xlsx", {"xl/worksheets/sheet1.xml": sheet[: len(sheet) // 2]}
    )
    made["cut.xlsx"] = (cut, "cannot read the workbook: unclosed token")
    encrypted = project / "encrypted.xlsx"
    data = bytearray(exported.read_bytes())
    data[data.find(b"PK\x01\x02") + 8] |= 0x1  # "encrypted", as a zip tool's password sets it
    encrypted.write_bytes(bytes(data))
    made["encrypted.xlsx"] = (encrypted, "the workbook is encrypted")
    # Excel's "Strict Open XML Spreadsheet": other namespaces, which openpyxl ignores.
    namespaces = [
        (b"schemas.openxmlformats.org/spreadsheetml/2006/main",
         b"purl.oclc.org/ooxml/spreadsheetml/main"),
        (b"schemas.openxmlformats.org/officeDocument/2006/relationships",
         b"purl.oclc.org/ooxml/officeDocument/relationships"),
    ]  # fmt: skip
    strict = {}
    for name in ("xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        strict[name] = zipfile.ZipFile(exported).read(name)
        for transitional, iso in namespaces:
            strict[name] = strict[name].replace(transitional, iso)
    made["strict.xlsx"] = (
        rezip(exported, project / "strict.xlsx", strict),
        "no sheet could be read (a Strict Open XML workbook cannot be)",
    )
    return made


@pytest.mark.parametrize("name", ["csv-renamed.xlsx", "old-renamed.xlsx", "empty-zip.xlsx", "cut.xlsx", "encrypted.xlsx", "strict.xlsx"])  # fmt: skip
def test_a_file_that_is_no_readable_workbook_cannot_run(project: Path, name: str) -> None:
    path, expected = broken_workbooks(project)[name]
    before = snapshot(project)
    code, output = run_import(project, path)
    assert code == 2
    assert output.startswith(f"Error: {path}: {expected}"), output
    assert output.rstrip("\n").endswith("save it as Excel Workbook (.xlsx) or CSV UTF-8") or (
        "without a password" in output
    )
    assert len(output.splitlines()) == 1
    assert snapshot(project) == before


def test_a_zip_bomb_named_xlsx_is_refused_unopened(project: Path) -> None:
    """300 MiB of spaces in 300 kB: the sizes the archive declares bound what is unzipped."""
    bomb = project / "bomb.xlsx"
    shutil.copy(project / "dist" / "agreements.xlsx", bomb)
    with (
        zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part,
    ):
        for _ in range(300):
            part.write(b" " * 2**20)
    assert bomb.stat().st_size < 2**20
    code, output = run_import(project, bomb)
    assert code == 2
    assert "the workbook unzips to 314," in output and "more than the 256 MiB" in output


def test_an_archive_of_countless_parts_is_refused_before_zipfile_lists_them(
    project: Path,
) -> None:
    """zipfile keeps an object per part: a few million empty parts would exhaust memory."""
    many = project / "many.xlsx"
    shutil.copy(project / "dist" / "agreements.xlsx", many)
    with zipfile.ZipFile(many, "a") as archive:
        for number in range(10_000):
            archive.writestr(f"x/{number}", b"")
    code, output = run_import(project, many)
    assert (code, output) == (
        2,
        f"Error: {many}: the archive holds 10,009 parts, more than a workbook has: save it as "
        "Excel Workbook (.xlsx) or CSV UTF-8\n",
    )


class CountingHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with a harmless DTD and counts it (none may come)."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append(self.path)
        body = b'<!ENTITY payload "fetched">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    CountingHandler.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


HOSTILE = FIXTURES / "tables-hostile"


@pytest.mark.parametrize("dtd", ["entity-expansion.dtd", "external-entity.dtd"])
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_entities_in_a_workbook_are_neither_expanded_nor_fetched(
    project: Path, counting_server: str, dtd: str, part: str
) -> None:
    exported = project / "dist" / "agreements.xlsx"
    text = zipfile.ZipFile(exported).read(part).decode("utf-8")
    declaration, _, body = text.partition("?>")
    doctype = (HOSTILE / dtd).read_text(encoding="utf-8").replace("{url}", counting_server)
    if part.endswith("sheet1.xml"):  # the payload in a cell: a clerk's name for a party
        body = body.replace("<t>Cluj County</t>", "<t>&payload;</t>", 1)
    hostile = rezip(
        exported, project / "hostile.xlsx", {part: f"{declaration}?>{doctype}{body}".encode()}
    )
    before = snapshot(project)
    code, output = run_import(project, hostile)
    assert CountingHandler.requests == []
    assert "lol" not in output and "fetched" not in output and "root:" not in output
    assert snapshot(project) == before
    if part.endswith("sheet1.xml"):
        assert code == 2 and output.startswith(f"Error: {hostile}: cannot read the workbook: "), (
            output
        )
    else:  # declared, never used: the workbook reads as it is
        assert code == 0, output


def test_a_language_tag_in_capitals_is_the_same_tag(project: Path) -> None:
    rows = read_csv(project / "dist" / "agreements.csv")
    for row in rows:
        row["title_lang"] = row["title_lang"].upper()
    before = snapshot(project)
    assert import_table(project, write_csv(project / "upper.csv", rows)).changed_files == []
    assert snapshot(project) == before


# ----------------------------------------------------------------------------- writing


def test_a_disk_full_halfway_writes_no_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit that changes two files (an agreement and its new source): if the second cannot
    be written, the first is not swapped in either."""
    import errno
    import tempfile

    from twinning import safeio

    rows = read_csv(project / "dist" / "agreements.csv")
    [row] = [r for r in rows if r["id"].endswith("liberec-ha-tinh-2009")]
    row["source"] = "Letter of Liberec Region to Ha Tinh, 2010"
    table = write_csv(project / "edited.csv", rows)
    real = tempfile.mkstemp
    calls = []

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        calls.append(kwargs.get("dir"))
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(safeio.tempfile, "mkstemp", mkstemp)
    before = snapshot(project)
    code, output = run_import(project, table)
    assert (code, len(calls)) == (2, 2)
    assert "No space left on device" in output
    assert snapshot(project) == before
    assert not [p for p in (project / "data").rglob("*.tmp")]


def test_a_table_that_is_no_regular_file_is_refused(project: Path) -> None:
    """A FIFO (or a device) would hang the import or feed it forever."""
    import os

    fifo = project / "pipe.csv"
    os.mkfifo(fifo)
    code, output = run_import(project, fifo)
    assert (code, output) == (
        2,
        f"Error: {fifo}: not a regular file (a FIFO, socket or device): refused\n",
    )


@pytest.mark.parametrize("option", [["--date", "2026-02-30"], ["--date", "yesterday"], ["--review", "TABLE"], ["--review", "data/liberec.ttl"]])  # fmt: skip
def test_options_that_would_record_a_false_date_or_overwrite_a_file(
    project: Path, option: list[str]
) -> None:
    table = project / "dist" / "agreements.csv"
    value = {"TABLE": str(table), "data/liberec.ttl": str(project / "data" / "liberec.ttl")}
    option = [option[0], value.get(option[1], option[1])]
    before = {**snapshot(project), "table": table.read_bytes()}
    result = CliRunner().invoke(main, ["import", "--root", str(project), str(table), *option])
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1
    assert ("is not a date: use YYYY-MM-DD" in result.output) == (option[0] == "--date")
    assert {**snapshot(project), "table": table.read_bytes()} == before
