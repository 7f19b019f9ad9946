"""Named queries: golden results locally and on a real Oxigraph server, binding, failures."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from twinning import queries
from twinning.cli import main
from twinning.sparql_client import Endpoint, EndpointError

from .conftest import ROOT, SNAPSHOT, check_golden
from .servers import answer, free_port, http_server, oxigraph_server

LIBRARY = queries.library(ROOT)
NAMES = sorted(LIBRARY)
EXPECTED = Path(__file__).parent / "queries"
WDQS = "https://query.wikidata.org/sparql"
runner = CliRunner()


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Our graph published into one Oxigraph server; the Wikidata snapshot in another."""
    tmp = tmp_path_factory.mktemp("servers")
    with oxigraph_server(tmp / "ours") as ours, oxigraph_server(tmp / "wd", [SNAPSHOT]) as wd:
        result = runner.invoke(
            main, ["publish", "--root", str(ROOT), "--endpoint", f"{ours}/store"]
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith("published ")
        yield {"query": f"{ours}/query", "store": f"{ours}/store", "wikidata": f"{wd}/query"}


def _run(args: list[str], servers: dict[str, str]) -> str:
    result = runner.invoke(
        main,
        ["query", "run", "--root", str(ROOT), *args,
         "--service-url", f"{WDQS}={servers['wikidata']}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode("utf-8")  # .output would turn CRLF into LF


def test_guard_queries_found() -> None:
    assert len(NAMES) == 17


@pytest.mark.parametrize("name", NAMES)
def test_query_has_a_header(name: str) -> None:
    named = LIBRARY[name]
    assert named.summary and named.tags
    for param in named.params:
        assert param.type in queries.PARAM_TYPES and param.default and param.description


@pytest.mark.parametrize("name", NAMES)
def test_query_matches_golden_locally_and_remotely(name: str, servers, regenerate) -> None:
    golden = EXPECTED / f"{name}.expected.csv"
    local = _run([name, "--format", "csv"], servers)
    check_golden(golden, local, regenerate)
    remote = _run([name, "--format", "csv", "--endpoint", servers["query"]], servers)
    assert remote == golden.read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_local_and_remote_terms_are_identical(name: str, servers) -> None:
    """Stronger than CSV: datatypes and language tags agree too, byte for byte (Oxigraph
    writes the local JSON, our writer the endpoint's rows)."""
    local = _run([name, "--format", "json"], servers)
    remote = _run([name, "--format", "json", "--endpoint", servers["query"]], servers)
    assert local == remote
    assert json.loads(local)["head"]["vars"]


OXIGRAPH_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}


@pytest.mark.parametrize("limit", ["", " LIMIT 0"])
@pytest.mark.parametrize("fmt", sorted(OXIGRAPH_FORMATS))
def test_python_writers_write_what_oxigraph_writes(fmt: str, limit: str) -> None:
    """One output contract: rows that reach Python (from an endpoint) are written with the
    bytes Oxigraph writes for the same results, on quotes, commas, CR/LF, tabs, languages,
    directions, datatypes and their Turtle short forms, blank nodes, unbound values, triple
    terms and non-ASCII text. The results go through Oxigraph's JSON once, so blank nodes keep
    their labels on both sides."""
    text = (EXPECTED / "awkward-values.rq").read_text(encoding="utf-8") + limit
    answer = ox.Store().query(text).serialize(format=ox.QueryResultsFormat.JSON)

    def parsed() -> ox.QuerySolutions:
        solutions = ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    expected = parsed().serialize(format=OXIGRAPH_FORMATS[fmt])
    solutions = parsed()
    variables = [v.value for v in solutions.variables]
    rows = [
        {v: t for v, t in zip(variables, row, strict=True) if t is not None} for row in solutions
    ]
    assert len(rows) == (0 if limit else 26)
    out = io.BytesIO()
    assert queries.write(queries.Results(variables, rows), fmt, out) == len(rows)
    assert out.getvalue() == expected
    for needle in [] if limit else AWKWARD_BYTES[fmt]:  # what makes the layouts differ
        assert needle in expected


AWKWARD_BYTES = {
    "csv": [b'2,"say ""hi"", then\nleave",,","\r\n', b"\r\n1,plain,_:", b",,,\r\n"],
    "tsv": [b'\t"line\\r\\nbreak', b"\t-5\t", b'\t"1000"^^<http', b"\t_:", b"@ar--rtl"],
    "json": [b",{},", b'"type":"bnode"', b"\\u0007", "協力".encode(), b'"its:dir":"rtl"'],
}


@pytest.mark.parametrize("fmt", sorted(OXIGRAPH_FORMATS))
def test_local_results_are_written_by_oxigraph_as_they_come(fmt: str) -> None:
    """Local results are not turned into Python rows: Oxigraph writes them to ``out`` in
    pieces while it evaluates (the first piece long before the last), and no row count is
    made up for them."""
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"),
                ox.Literal(f"value {i}"))
        for i in range(20_000)
    )  # fmt: skip

    class Out:
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        def write(self, data: bytes) -> int:
            self.chunks.append(bytes(data))
            return len(data)

    out = Out()
    results = queries.stream_local(store, "SELECT ?s ?o WHERE { ?s ?p ?o }")
    assert results.solutions is not None
    assert queries.write(results, fmt, out) is None  # type: ignore[arg-type]
    assert len(out.chunks) > 10 and max(len(c) for c in out.chunks) <= 65536
    expected = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }").serialize(
        format=OXIGRAPH_FORMATS[fmt]
    )
    assert b"".join(out.chunks) == expected


def test_closed_output_is_not_a_query_failure() -> None:
    """A reader that goes away (``| head``) surfaces as the pipe's own error, not as
    'the query failed'."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("o")))  # fmt: skip

    class Closed:
        def write(self, data: bytes) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        queries.write(queries.stream_local(store, "SELECT * { ?s ?p ?o }"), "csv", Closed())  # type: ignore[arg-type]


def test_goldens_hold_real_rows() -> None:
    rows = {
        p.stem.removesuffix(".expected"): p.read_bytes().count(b"\r\n") - 1
        for p in EXPECTED.glob("*.csv")
    }
    assert rows["decisions-approving-several"] == 1
    assert rows["shared-partners"] == 2
    assert rows["multilateral-instruments"] == 1
    assert rows["partners-of-region"] == 16  # Cluj: 15 partners, Jeollanam-do twice
    assert rows["wikidata-iso-codes"] == 44  # Tarnów County has no P300
    assert rows["regions-without-wikidata"] == 0
    assert sum(rows.values()) > 100


def _rows(name: str, params: dict[str, str] | None = None) -> list[dict[str, str]]:
    from twinning.load import load_project

    named = LIBRARY[name]
    results = queries.run_local(load_project(ROOT).store, queries.bind(named, params or {}))
    return [{k: v.value for k, v in row.items()} for row in results.rows]


def test_relation_age_marks_approval_years() -> None:
    """Somogy's only date is the year of decision 6/1993, and it says so; Borsod-Abaúj-Zemplén
    dates from its 1997 collaboration agreement, not from the 2017 twinning's decision."""
    all_rows = _rows("relation-age")
    assert len(all_rows) == 39  # Cluj 15, Harghita 19, Liberec 5 (Aosta Valley twice)
    rows = {r["partner"].rsplit("/", 1)[1]: r for r in all_rows if "valle" not in r["partner"]}
    assert rows["somogy"]["since"] == "1993"
    assert rows["somogy"]["basis"].startswith("approved by a council decision")
    assert (rows["borsod-abauj-zemplen"]["since"], rows["borsod-abauj-zemplen"]["years"]) == (
        "1997",
        "28",
    )
    assert rows["borsod-abauj-zemplen"]["basis"] == "year the source gives"
    assert rows["orenburg"]["basis"] == "signed" and rows["orenburg"]["since"] == "2012"
    assert "since" not in rows["allier"]  # Cluj's list gives no dates: none is made up
    older = _rows("relation-age", {"on": "2030-06-30"})
    assert {r["years"] for r in older if r["partner"].endswith("/somogy")} == {"37"}


def test_maintained_now_sees_what_in_force_on_date_cannot() -> None:
    maintained = {r["agreement"] for r in _rows("maintained-now")}
    assert len(maintained) == 19  # every Harghita twinning: 'menține relații de înfrățire'
    in_force = {r["agreement"] for r in _rows("in-force-on-date", {"date": "2025-01-01"})}
    assert len(maintained - in_force) == 18  # all but Strășeni, the one with a start date
    assert "undated" in LIBRARY["in-force-on-date"].summary
    assert "maintained-now" in LIBRARY["in-force-on-date"].summary


def test_summaries_say_what_they_count() -> None:
    assert "not counted" in LIBRARY["timeline-by-year"].summary
    assert "council decision" in LIBRARY["relation-age"].summary


def test_parameters_are_bound(servers) -> None:
    output = _run(
        ["partners-of-region", "-p", "region", "region:liberec", "--format", "csv"], servers
    )
    assert "https://w3id.org/twinning/id/region/orenburg" in output
    assert output.count("\r\n") == 6
    in_2005 = _run(["in-force-on-date", "-p", "date", "2005-01-01", "--format", "csv"], servers)
    assert in_2005.count("\r\n") == 1 + 0  # Møre og Romsdal ended on an unknown day
    in_2023 = _run(["in-force-on-date", "-p", "date", "2023-01-01", "--format", "csv"], servers)
    assert "liberec-orenburg-2012" not in in_2023 and "harghita-straseni-twinning" in in_2023


def test_injection_shaped_value_is_just_a_value(servers) -> None:
    evil = 'x" } ; DROP ALL ; #'
    before = _run(
        ["agreements-by-kind", "--format", "csv", "--endpoint", servers["query"]], servers
    )
    for where in ([], ["--endpoint", servers["query"]]):
        output = _run(["find-agreements", "-p", "text", evil, "--format", "csv", *where], servers)
        assert output == "agreement,title\r\n"
    after = _run(["agreements-by-kind", "--format", "csv", "--endpoint", servers["query"]], servers)
    assert after == before
    bound = queries.bind(LIBRARY["find-agreements"], {"text": evil})
    assert 'VALUES (?text) { ("x\\" } ; DROP ALL ; #") }' in bound


def test_injection_shaped_iri_is_refused() -> None:
    result = runner.invoke(
        main,
        [
            "query",
            "run",
            "--root",
            str(ROOT),
            "partners-of-region",
            "-p",
            "region",
            "x> } DROP ALL #",
        ],
    )
    assert result.exit_code == 2
    assert result.output == "Error: parameter region: 'x> } DROP ALL #' is not a valid IRI\n"


def test_unknown_query_name_lists_close_names() -> None:
    result = runner.invoke(main, ["query", "run", "--root", str(ROOT), "partner-of-region"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: no query named 'partner-of-region'; did you mean partners-of-region, "
        "status-counts-per-home-region? (see `twinning query list`)\n"
    )


def test_unknown_parameter() -> None:
    result = runner.invoke(
        main,
        ["query", "run", "--root", str(ROOT), "shared-partners", "-p", "region", "region:cluj"],
    )
    assert result.exit_code == 2
    assert "query shared-partners has no parameter 'region' (parameters: none)" in result.output


def test_query_list_shows_parameters() -> None:
    result = runner.invoke(main, ["query", "list", "--root", str(ROOT)])
    assert result.exit_code == 0
    assert "in-force-on-date\n    Agreements in force on a date" in result.output
    assert "-p date DATE  the day to look at (YYYY-MM-DD) (default 2015-01-01)" in result.output


def test_query_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text(
        "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/twinning/ontology#Agreement> }"
    )
    result = runner.invoke(
        main, ["query", "run", "--root", str(ROOT), str(path), "--format", "csv"]
    )
    assert result.exit_code == 0 and result.stdout_bytes == b"n\r\n41\r\n"


def test_publish_to_named_graph_and_failure_keeps_old_graph(servers) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    endpoint = Endpoint(servers["query"])
    result = runner.invoke(
        main,
        ["publish", "--root", str(ROOT), "--endpoint", servers["store"], "--graph", "urn:twinning"],
    )
    assert result.exit_code == 0, result.output
    before = endpoint.select(count)["results"]["bindings"][0]["n"]["value"]
    assert int(before) > 2000
    failed = runner.invoke(
        main,
        ["publish", "--root", str(ROOT), "--endpoint", servers["store"], "--graph", "not an iri"],
    )
    assert failed.exit_code == 2
    assert failed.output == "Error: --graph 'not an iri' is not an IRI\n"
    assert endpoint.select(count)["results"]["bindings"][0]["n"]["value"] == before


# ---------------------------------------------------------------------------- failing endpoints
# (more failure classes in test_http.py)


ANSWER = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
    {"n": {"type": "literal", "value": "7", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
]}}).encode()  # fmt: skip
_answer = answer


def test_retry_after_429_is_honoured() -> None:
    def handler(request, n):
        if n == 1:
            _answer(request, 429, b"slow down", {"Retry-After": "3"})
        else:
            _answer(request, 200, ANSWER)

    waits: list[float] = []
    with http_server(handler) as url:
        result = Endpoint(url, sleep=waits.append).select("SELECT * WHERE { ?s ?p ?o }")
    assert waits == [3.0]
    assert result["results"]["bindings"][0]["n"]["value"] == "7"


def test_cli_429_then_200(tmp_path: Path) -> None:
    seen: list[float] = []

    def handler(request, n):
        seen.append(time.monotonic())
        if n == 1:
            _answer(request, 429, b"slow down", {"Retry-After": "1"})
        else:
            _answer(request, 200, ANSWER)

    path = tmp_path / "n.rq"
    path.write_text("SELECT ?n WHERE { ?s ?p ?n }")
    with http_server(handler) as url:
        result = runner.invoke(
            main,
            ["query", "run", "--root", str(ROOT), str(path), "--endpoint", url, "--format", "csv"],
        )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"n\r\n7\r\n"
    assert len(seen) == 2 and seen[1] - seen[0] >= 0.9


def test_retries_are_bounded() -> None:
    def handler(request, n):
        _answer(request, 503, b"busy", {"Retry-After": "1"})

    with http_server(handler) as url:
        endpoint = Endpoint(url, retries=2, sleep=lambda s: None)
        with pytest.raises(EndpointError) as err:
            endpoint.select("SELECT * WHERE { ?s ?p ?o }")
    assert str(err.value) == f"{url}: HTTP 503 Service Unavailable after 3 attempts: busy"
    assert endpoint.requests == 3


def test_refused_connection() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = runner.invoke(
        main, ["query", "run", "--root", str(ROOT), "shared-partners", "--endpoint", url]
    )
    assert result.exit_code == 2
    assert result.output == f"Error: {url}: cannot connect (Connection refused)\n"


def test_timeout() -> None:
    def handler(request, n):
        time.sleep(3)
        _answer(request, 200, ANSWER)

    with http_server(handler) as url:
        result = runner.invoke(
            main,
            [
                "query",
                "run",
                "--root",
                str(ROOT),
                "shared-partners",
                "--endpoint",
                url,
                "--timeout",
                "1",
            ],
        )
    assert result.exit_code == 2
    assert result.output == f"Error: {url}: timed out after 1 s\n"


def test_garbage_answer() -> None:
    def handler(request, n):
        _answer(request, 200, b"<html>maintenance</html>")

    with http_server(handler) as url:
        result = runner.invoke(
            main, ["query", "run", "--root", str(ROOT), "shared-partners", "--endpoint", url]
        )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {url}: the answer is an HTML page, not SPARQL results: maintenance\n"
    )


def test_user_agent_and_credentials_from_environment(monkeypatch) -> None:
    seen = {}

    def handler(request, n):
        seen.update(request.headers)
        _answer(request, 200, ANSWER)

    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "secret")
    with http_server(handler) as url:
        Endpoint(url).select("SELECT * WHERE { ?s ?p ?o }")
    assert seen["User-Agent"].startswith("twinning/0.1.0 (https://w3id.org/twinning")
    assert "Authorization" not in seen  # the password is sent only when a server asks
    assert seen["Accept"].startswith("application/sparql-results+json, ")  # JSON first
    assert "application/json" not in seen["Accept"]  # Comunica would pick it (docs/stores.md)


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", True),
        ("select * where { service silent <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { FILTER(?a<?b)SERVICE<http://x/>{?s ?p ?o} }", True),
        ("SELECT * WHERE { ?s ?p ?o . SERVICE ?endpoint { ?s ?p ?o } }", True),
        ("SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", True),
        ('SELECT * WHERE { ?s ?p "SERVICE" }', False),
        ("SELECT * WHERE { ?s ?p 'a service' }", False),
        ('SELECT * WHERE { ?s ?p """two\nlines SERVICE""" }', False),
        ('SELECT * WHERE { ?s ?p "quote \\" SERVICE" }', False),
        ("SELECT * WHERE { ?s <http://x/SERVICE> ?o }", False),
        ("SELECT * WHERE { ?s ex:service ?o }", False),
        ("SELECT * WHERE { ?s ?p ?o } # SERVICE later", False),
    ],
)
def test_calls_service_finds_the_clause_not_the_word(text: str, calls: bool) -> None:
    """`twinning serve` refuses SERVICE and `query run` gives it a timeout: the keyword
    counts, the word in a string, an IRI, a prefixed name or a comment does not."""
    assert queries.calls_service(text) is calls
