"""Linking regions to Wikidata against the snapshot, served by a real local Oxigraph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from twinning import link, sssom
from twinning.cli import main
from twinning.load import load_files, load_project, ontology_files
from twinning.sparql_client import Endpoint

from .conftest import FIXTURES, ROOT, SHARED, SNAPSHOT
from .servers import oxigraph_server

README = (SHARED / "wikidata-snapshot" / "README.md").read_text(encoding="utf-8")
# The snapshot's region keys, as our region slugs.
SLUGS = {
    "bistrita_nasaud": "bistrita-nasaud", "satu_mare": "satu-mare", "gyeongbuk": "gyeongsangbuk-do",
    "jeonnam": "jeollanam-do", "hajdu_bihar": "hajdu-bihar", "bacs_kiskun": "bacs-kiskun",
    "borsod": "borsod-abauj-zemplen", "jasz": "jasz-nagykun-szolnok",
    "szabolcs": "szabolcs-szatmar-bereg", "aosta": "valle-d-aosta",
    "tarnow_county": "tarnow-county",
    "more_og_romsdal": "more-og-romsdal", "ha_tinh": "ha-tinh",
}  # fmt: skip


def _table(heading: str) -> list[list[str]]:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows[1:]]


EXPECTED = {SLUGS.get(row[0], row[0]): row[1] for row in _table("Regions")}
DECOY_ROWS = [(SLUGS.get(row[0], row[0]), row[1]) for row in _table("Decoys")]
DECOYS = {qid for _, qid in DECOY_ROWS}


@pytest.fixture(scope="module")
def endpoint_url(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("wikidata")
    extra = FIXTURES / "linking" / "extra-items.ttl"
    with oxigraph_server(tmp, [SNAPSHOT, extra]) as base:
        yield f"{base}/query"


@pytest.fixture(scope="module")
def results(endpoint_url: str) -> dict[str, link.LinkResult]:
    graph = load_project(ROOT, with_mappings=False)
    reconciler = link.Reconciler(Endpoint(endpoint_url))
    return {r.region.slug: r for r in reconciler.reconcile(link.regions_to_link(graph))}


def test_guard_tables_read() -> None:
    assert len(EXPECTED) == 45 and len(DECOYS) == 28


def test_every_region_gets_the_right_item(results) -> None:
    assert set(results) == set(EXPECTED)
    wrong = {
        slug: (r.match.qid if r.match else r.status)
        for slug, r in results.items()
        if not r.match or r.match.qid != EXPECTED[slug]
    }
    assert wrong == {}


def test_every_decoy_is_rejected(results) -> None:
    seen = set()
    for result in results.values():
        for candidate in result.candidates:
            if candidate.qid in DECOYS:
                seen.add(candidate.qid)
                assert candidate is not result.match
    assert all(r.match.qid not in DECOYS for r in results.values())
    # The name lookups really meet decoys: same-name cities and a neighbouring district.
    # 17 since the name forms come from linkwords.toml ("Tarnów" from "Powiat Tarnowski"):
    # the city of Tarnów is met too, and rejected.
    assert len(seen) == 17 and {"Q3376", "Q40738", "Q5337", "Q739824", "Q106281"} <= seen


@pytest.mark.parametrize(("slug", "qid"), DECOY_ROWS, ids=[f"{s}-{q}" for s, q in DECOY_ROWS])
def test_decoy_loses_even_when_offered_directly(endpoint_url, results, slug: str, qid: str) -> None:
    """Score each decoy as if a careless dataset had proposed it for its region."""
    region = results[slug].region
    [candidate] = link.Reconciler(Endpoint(endpoint_url)).explain(region, [qid])
    assert candidate.rejected or candidate.score + link.LEAD <= results[slug].match.score


def test_settlements_are_rejected_with_a_reason(results) -> None:
    bursa = results["bursa"]
    city = next(c for c in bursa.candidates if c.qid == "Q40738")
    assert city.rejected == "a settlement, not a region"


def test_the_shipped_mapping_file_matches_the_snapshot() -> None:
    mappings = sssom.read_mappings(ROOT / "data" / "mappings" / "wikidata.sssom.tsv")
    found = {
        m.subject_id.removeprefix("region:"): m.object_id.removeprefix("wd:") for m in mappings
    }
    assert found == EXPECTED


@pytest.fixture(scope="module")
def fixture_results(endpoint_url: str) -> dict[str, link.LinkResult]:
    graph = load_files([*ontology_files(ROOT), FIXTURES / "linking" / "regions.ttl"])
    reconciler = link.Reconciler(Endpoint(endpoint_url))
    return {r.region.slug: r for r in reconciler.reconcile(link.regions_to_link(graph))}


def test_two_equally_good_items_are_listed_for_review(fixture_results) -> None:
    result = fixture_results["twinvale"]
    assert result.match is None and result.status == "review"
    assert [(c.qid, c.score) for c in result.candidates] == [("Q990000001", 35), ("Q990000002", 35)]


def test_a_region_with_no_candidate_is_reported_not_guessed(fixture_results) -> None:
    result = fixture_results["atlantis"]
    assert result.match is None and result.candidates == [] and result.status == "no candidate"


def test_reaching_q56061_is_not_enough(fixture_results) -> None:
    """On live Wikidata cities reach Q56061: the linker requires a subdivision level."""
    result = fixture_results["reachvale"]
    assert result.match is None and result.status == "no candidate"
    reasons = {c.qid: c.rejected for c in result.candidates}
    assert reasons == {
        "Q990000011": "not a first- or second-level administrative subdivision",
        "Q990000012": "a settlement, not a region",
    }


def test_cli_writes_sssom_lists_review_and_keeps_reviewed_links(endpoint_url, tmp_path) -> None:
    out = tmp_path / "links.sssom.tsv"
    reviewed = sssom.Mapping(
        "region:twinvale", "Twinvale County", "skos:exactMatch", "wd:Q990000002", "Twinvale",
        "semapv:ManualMappingCuration", "1.0", "2026-01-01", "orcid:0000-0002-1825-0097",
    )  # fmt: skip
    out.write_text(sssom.to_tsv([reviewed], "urn:test", "2026-01-01"), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["link", "wikidata", "--root", str(ROOT), "--endpoint", endpoint_url, "--no-cache",
         "--data", str(FIXTURES / "linking" / "regions.ttl"), "--out", str(out),
         "--date", "2026-11-23"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"no candidate region:atlantis\s+\(not linked\)", result.output)
    assert re.search(r"review\s+region:twinvale", result.output)
    assert "wd:Q990000001" in result.output  # candidates shown for a person to decide
    written = sssom.read_mappings(out)
    assert written == [reviewed]  # the reviewed link is kept; nothing new was clear enough
    assert "0 of 3 regions linked, 3 to review" in result.output


def test_cli_reports_disagreement_with_a_reviewed_link(endpoint_url, tmp_path) -> None:
    out = tmp_path / "links.sssom.tsv"
    reviewed = sssom.Mapping(
        "region:cluj", "Cluj County", "skos:exactMatch", "wd:Q100188", "Cluj-Napoca",
        "semapv:ManualMappingCuration", "1.0", "2026-01-01", "orcid:0000-0002-1825-0097",
    )  # fmt: skip
    out.write_text(sssom.to_tsv([reviewed], "urn:test", "2026-01-01"), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["link", "wikidata", "--root", str(ROOT), "--endpoint", endpoint_url, "--no-cache",
         "--out", str(out), "--date", "2026-11-23"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "disagreement: region:cluj: kept reviewed link wd:Q100188; this run suggests "
        "wd:Q182624 (Cluj County, score 95)" in result.output
    )
    written = {m.subject_id: m for m in sssom.read_mappings(out)}
    assert written["region:cluj"] == reviewed
    assert len(written) == 45


def test_cache_spares_repeated_queries(endpoint_url, tmp_path) -> None:
    graph = load_project(ROOT, with_mappings=False)
    regions = link.regions_to_link(graph)[:5]
    first = Endpoint(endpoint_url, cache_dir=tmp_path)
    link.Reconciler(first).reconcile(regions)
    second = Endpoint(endpoint_url, cache_dir=tmp_path)
    again = link.Reconciler(second).reconcile(regions)
    assert first.requests >= 3 and second.requests == 0
    assert [r.match.qid for r in again] == [EXPECTED[r.region.slug] for r in again]


def test_unreachable_endpoint_is_one_line_exit_2(tmp_path: Path) -> None:
    from .servers import free_port

    url = f"http://127.0.0.1:{free_port()}/query"
    result = CliRunner().invoke(
        main, ["link", "wikidata", "--root", str(ROOT), "--endpoint", url, "--no-cache",
               "--out", str(tmp_path / "x.tsv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (f"Error: {url}: cannot connect (Connection refused)")
    assert not (tmp_path / "x.tsv").exists()


def test_linking_carries_coordinates_into_the_graph(endpoint_url, tmp_path) -> None:
    """`link wikidata` writes each linked region's P625 point; data/geo.ttl is that output."""
    out = tmp_path / "links.sssom.tsv"
    result = CliRunner().invoke(
        main,
        ["link", "wikidata", "--root", str(ROOT), "--endpoint", endpoint_url, "--no-cache",
         "--out", str(out), "--date", "2026-11-30"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = tmp_path / "links.sssom.tsv.geo.ttl"
    assert "(45 points)" in result.output
    assert written.read_bytes() == (ROOT / "data" / "geo.ttl").read_bytes()


def test_wkt_points_are_read_longitude_first_and_checked() -> None:
    from twinning import geo

    assert geo.parse_wkt("Point(23.5899542 46.769379)") == geo.Point("46.769379", "23.5899542")
    assert geo.parse_wkt("<http://www.wikidata.org/entity/Q2> Point(-1.5 -2)") == geo.Point(
        "-2", "-1.5"
    )
    assert geo.parse_wkt("Point(23.5 146.7)") is None  # latitude out of range
    assert geo.parse_wkt("LINESTRING(1 2, 3 4)") is None
    assert geo.parse_wkt("Point(abc def)") is None


# ----------------------------------------------------------------------------- names alone


@pytest.mark.parametrize(
    ("written", "full", "bare", "country"),
    [
        ("Administrația Provincială a Provinciei Parma (Italia)", "Parma", "Parma", "IT"),
        ("Adunarea Generală a Autoguvernării Județului Pest", "Pest", "Pest", None),
        ("Consiliul Judeţean Bihor din România", "Bihor", "Bihor", "RO"),
        ("Guvernul Provinciei Shandong (Republica Populară Chineză)", "Shandong", "Shandong", "CN"),
        ("Provincia Armavir din Republica Armenia", "Provincia Armavir", "Armavir", "AM"),
        ("Raionul Hîncești", "Raionul Hîncești", "Hîncești", None),
        ("Regiunea Lori", "Regiunea Lori", "Lori", None),
        ("Liberecký kraj", "Liberecký kraj", "Liberecký", None),
        ("Orenburská oblast (Ruská federace)", "Orenburská oblast", "Orenburská", "RU"),
        ("Žilinský samosprávny kraj (Slovensko)", "Žilinský samosprávny kraj", "Žilinský", "SK"),
        ("Zala Megyei Önkormányzat", "Zala", "Zala", None),
        ("Békés megye", "Békés megye", "Békés", None),
        ("Starostwo Powiatowe w Tarnowie", "Tarnowie", "Tarnowie", None),
        ("Województwo Małopolskie z Polski", "Województwo Małopolskie", "Małopolskie", "PL"),
        ("Provincia autonoma di Trento", "Provincia autonoma di Trento", "Trento", None),
        ("Regione del Veneto", "Regione del Veneto", "Veneto", None),
        ("Landkreis Görlitz aus Deutschland", "Landkreis Görlitz", "Görlitz", "DE"),
        ("Province of Terni from Italy", "Province of Terni", "Terni", "IT"),
        ("Harghita County Council", "Harghita", "Harghita", None),
        ("JUDEȚUL CLUJ", "JUDEȚUL CLUJ", "CLUJ", None),
        ("Conseil départemental de l’Allier (Franța)", "Allier", "Allier", "FR"),
        ("County Durham", "County Durham", "Durham", None),
        ("Vas Vármegye Önkormányzata", "Vas Vármegye", "Vas", None),
        ("Freistaat Sachsen", "Freistaat Sachsen", "Sachsen", None),
        ("Raionul Strășeni (R. Moldova)", "Raionul Strășeni", "Strășeni", "MD"),
    ],
)  # fmt: skip
def test_parse_name_takes_the_wrappers_apart(written, full, bare, country) -> None:
    parsed = link.parse_name(written)
    assert (parsed.full, parsed.bare, parsed.country) == (full, bare, country)


def test_noun_and_adjective_forms() -> None:
    assert link.noun_forms("Liberecký") == ["Liberec"]
    assert link.noun_forms("Orenburská") == ["Orenburg"]
    assert link.noun_forms("małopolskie") == ["Małopolska"]
    assert link.noun_forms("Tarnowie") == ["Tarnów"]
    assert "Liberecký" in link.adjective_forms("Liberec", "m")
    assert "Malopolské" in link.adjective_forms("Malopolska", "n")
    assert link.adjective_forms("Žilinský", "f")[:2] == ["Žilinská", "Žilinska"]
    assert "Dolnośląskie" in link.adjective_forms("Dolnośląska", "n")


def test_country_names_in_our_languages() -> None:
    for written, code in [
        ("Ungaria", "HU"), ("Magyarország", "HU"), ("Slovenská republika", "SK"),
        ("Republica Polonă", "PL"), ("P.R. China", "CN"), ("hu", "HU"), ("Germany", "DE"),
        ("Regatul Suediei", "SE"), ("Włochy", "IT"),
    ]:  # fmt: skip
        assert link.country_code(written) == code, written
    assert link.country_code("Atlantis") is None and link.country_code("XX") is None


def test_name_literals_are_exact_strings_bound_as_literals(endpoint_url) -> None:
    """A name with quotes and braces is looked up as a literal, never pasted into the query."""
    evil = 'Pest" } } ; DROP ALL ; #'
    [result] = link.NameLinker(link.Reconciler(Endpoint(endpoint_url))).link([(evil, "HU")])
    assert result.match is None and result.status == "no candidate"


def test_labels_from_the_endpoint_are_printed_as_one_line_without_terminal_controls() -> None:
    """A label (or a country code) from the endpoint holding an escape sequence or a line
    break was printed as it came: it could clear or retitle the reader's terminal, or forge
    a line of the report."""
    Candidate, LinkResult = link.Candidate, link.LinkResult
    region = link.RegionToLink("https://w3id.org/twinning/id/region/x", "x", "X", "RO", None, ())
    hostile = "Cluj\x1b]0;owned\x07 County\nlinked  region:y  wd:Q1  100  forged"
    rejected = Candidate("Q2", "\x1b[2JCleared", 10, [], "country \x1b[31mHU, not RO")
    for result in (
        LinkResult(region, [Candidate("Q1", hostile, 100, ["code"])], Candidate("Q1", hostile)),
        LinkResult(region, [rejected, Candidate("Q3", hostile, 40, ["label in ro"])], None),
    ):
        lines = result.describe()
        assert len(lines) == 1 + (0 if result.match else len(result.candidates))
        for line in lines:
            assert "\x1b" not in line and "\x07" not in line and "\n" not in line, line
    assert "Cluj\ufffd]0;owned\ufffd County linked region:y wd:Q1 100 forged" in lines[2]
