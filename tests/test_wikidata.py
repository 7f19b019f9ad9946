"""QuickStatements for P190 and the diff with a Wikidata-shaped endpoint."""

from __future__ import annotations

from click.testing import CliRunner

from twinning import wikidata
from twinning.cli import main
from twinning.sparql_client import Endpoint

from .conftest import FIXTURES, GOLDEN, ROOT, check_golden
from .servers import oxigraph_server


def test_quickstatements_golden(regenerate) -> None:
    result = CliRunner().invoke(main, ["wikidata", "quickstatements", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    statements = [line for line in result.output.splitlines() if line.startswith("Q")]
    check_golden(GOLDEN / "p190.qs", "".join(f"{s}\n" for s in statements), regenerate)
    assert "skipped statement of intent" in result.output


def test_golden_file_says_what_the_sources_say() -> None:
    """The reviewed golden file itself: Møre og Romsdal ended on an unknown day (somevalue);
    the Jeollanam-do declaration and letter of intent make no P190 line."""
    lines = (GOLDEN / "p190.qs").read_text(encoding="utf-8").splitlines()
    more = [line for line in lines if "Q50627" in line.split("\t")[:3]]
    assert len(more) == 2 and all("\tP582\tsomevalue\t" in line for line in more)
    jeollanam_do = "Q41161"
    assert not [line for line in lines if jeollanam_do in line]
    assert not [line for line in lines if "jeollanam-do" in line]


def test_quickstatements_lines(graph) -> None:
    lines = wikidata.quickstatements(wikidata.pairs(graph)).splitlines()
    assert len(lines) == 86  # 43 pairs, both directions
    orenburg = "https://w3id.org/twinning/id/agreement/liberec-orenburg-2012"
    assert (
        f'Q193266\tP190\tQ5338\tP580\t+2012-05-24T00:00:00Z/11\tP582\t+2022-03-01T00:00:00Z/11\tS854\t"{orenburg}"'
        in lines
    )
    assert (
        f'Q5338\tP190\tQ193266\tP580\t+2012-05-24T00:00:00Z/11\tP582\t+2022-03-01T00:00:00Z/11\tS854\t"{orenburg}"'
        in lines
    )
    # Cluj's list gives no dates: no qualifiers, only the reference.
    cluj_allier = [line for line in lines if line.startswith("Q182624\tP190\tQ3113\t")]
    assert cluj_allier == [
        'Q182624\tP190\tQ3113\tS854\t"https://w3id.org/twinning/id/agreement/cluj-allier-cooperation-protocol"'
    ]
    # Strășeni: "since October 2021", month precision.
    assert any("Q878308\tP190\tQ190702\tP580\t+2021-10-00T00:00:00Z/10" in line for line in lines)
    # Møre og Romsdal ended, but the source gives no end date: P582 unknown value.
    more = [line for line in lines if line.startswith("Q50627\t")]
    assert len(more) == 1 and "\tP582\tsomevalue\t" in more[0]
    # Orenburg ended on a known day: a date, never somevalue.
    assert all("somevalue" not in line for line in lines if "Q5338" in line)


AGREEMENT = "https://w3id.org/twinning/id/agreement/"
REGION = "https://w3id.org/twinning/id/region/"


def test_sides_make_pairs_only_across_them(graph) -> None:
    """The Veneto joint declaration: Veneto is the partner of each of the six counties; the
    counties on one side are not partners of one another."""
    pair_set = wikidata.pairs(graph)
    declaration = AGREEMENT + "cluj-veneto-joint-declaration"
    through = {p.regions for p in pair_set.pairs if declaration in p.instruments}
    counties = ["bihor", "bistrita-nasaud", "cluj", "maramures", "salaj", "satu-mare"]
    assert through == {tuple(sorted((REGION + c, REGION + "veneto"))) for c in counties}
    bihor = [p for p in pair_set.pairs if REGION + "bihor" in p.regions]
    assert [p.regions for p in bihor] == [(REGION + "bihor", REGION + "veneto")]
    cluj = {r for p in pair_set.pairs for r in p.regions if REGION + "cluj" in p.regions}
    assert len(cluj - {REGION + "cluj"}) == 14  # the 15 partners but Jeollanam-do (intents)
    assert pair_set.multilateral == [] and pair_set.unlinked == []


def test_statements_of_intent_make_no_pair(graph) -> None:
    pair_set = wikidata.pairs(graph)
    assert pair_set.intents == [
        AGREEMENT + "cluj-jeollanam-do-declaration-of-intent",
        AGREEMENT + "cluj-jeollanam-do-letter-of-intent",
    ]
    assert all(REGION + "jeollanam-do" not in p.regions for p in pair_set.pairs)


def test_an_ended_relation_with_an_active_instrument_has_no_end(graph) -> None:
    pair_set = wikidata.pairs(graph)
    ended = {p.regions for p in pair_set.pairs if p.end or p.end_unknown}
    assert ended == {
        (REGION + "liberec", REGION + "more-og-romsdal"),
        (REGION + "liberec", REGION + "orenburg"),
    }


def test_two_instruments_between_the_same_regions_make_one_pair(graph) -> None:
    pair_set = wikidata.pairs(graph)
    borsod = [p for p in pair_set.pairs if "Q188895" in p.items]
    assert len(borsod) == 1 and len(borsod[0].instruments) == 2


def test_diff_against_an_endpoint(graph, tmp_path) -> None:
    with oxigraph_server(tmp_path, [FIXTURES / "wikidata" / "p190.ttl"]) as base:
        result = wikidata.diff(wikidata.pairs(graph), Endpoint(f"{base}/query"))
        cli = CliRunner().invoke(
            main,
            ["wikidata", "diff", "--root", str(ROOT), "--endpoint", f"{base}/query", "--no-cache"],
        )
    assert result.missing_here == [("Q182624", "Q990000099")]
    assert result.date_mismatches == [("Q193266", "Q43690", "2011-11-01", "2010-11-01T00:00:00Z")]
    assert len(result.missing_on_wikidata) == 86 - 3
    missing = {(a, b) for a, b, _ in result.missing_on_wikidata}
    assert ("Q3113", "Q182624") in missing  # present one way only
    assert ("Q182624", "Q3113") not in missing and ("Q193266", "Q5338") not in missing
    assert cli.exit_code == 0, cli.output
    assert (
        "date mismatch\tQ193266\tP190\tQ43690\tours 2011-11-01\ttheirs 2010-11-01T00:00:00Z"
        in cli.output
    )
    assert "missing here\tQ182624\tP190\tQ990000099" in cli.output
    assert "83 missing on Wikidata, 1 missing here, 1 date mismatches" in cli.output


def test_quickstatements_reference_the_site_page_with_a_base_url(root) -> None:
    from click.testing import CliRunner

    from twinning.cli import main

    result = CliRunner().invoke(
        main,
        ["wikidata", "quickstatements", "--root", str(root), "--base-url", "https://x.org/tw/"],
    )
    assert result.exit_code == 0, result.output
    references = {line.split("\tS854\t")[1] for line in result.stdout.splitlines()}
    assert references and all(
        ref.startswith('"https://x.org/tw/id/agreement/') and ref.endswith('.html"')
        for ref in references
    )
    bad = CliRunner().invoke(
        main, ["wikidata", "quickstatements", "--root", str(root), "--base-url", "x y"]
    )
    assert bad.exit_code == 2 and "not an http(s) URL" in bad.stderr
