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


def test_quickstatements_lines(graph) -> None:
    lines = wikidata.quickstatements(wikidata.pairs(graph)).splitlines()
    assert len(lines) == 76  # 38 pairs, both directions
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
    # Møre og Romsdal ended, but the source gives no end date: no P582.
    more = [line for line in lines if line.startswith("Q50627\t")]
    assert len(more) == 1 and "P582" not in more[0]


def test_multilateral_instruments_are_not_pairs(graph) -> None:
    pair_set = wikidata.pairs(graph)
    assert pair_set.multilateral == [
        "https://w3id.org/twinning/id/agreement/cluj-veneto-joint-declaration"
    ]
    assert pair_set.unlinked == []
    veneto = "Q1243"
    assert all(veneto not in pair.items for pair in pair_set.pairs)


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
    assert len(result.missing_on_wikidata) == 76 - 3
    missing = {(a, b) for a, b, _ in result.missing_on_wikidata}
    assert ("Q3113", "Q182624") in missing  # present one way only
    assert ("Q182624", "Q3113") not in missing and ("Q193266", "Q5338") not in missing
    assert cli.exit_code == 0, cli.output
    assert (
        "date mismatch\tQ193266\tP190\tQ43690\tours 2011-11-01\ttheirs 2010-11-01T00:00:00Z"
        in cli.output
    )
    assert "missing here\tQ182624\tP190\tQ990000099" in cli.output
    assert "73 missing on Wikidata, 1 missing here, 1 date mismatches" in cli.output
