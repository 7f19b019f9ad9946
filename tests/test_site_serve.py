"""`twinning serve` over HTTP: content negotiation for each media type, 404 for IRIs not in the
graph, and the read-only SPARQL endpoint."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
import pytest

from twinning.load import LoadedGraph
from twinning.site.conneg import negotiate

from .browser import twinning_serve
from .conftest import ROOT

CLUJ = "https://w3id.org/twinning/id/region/cluj"
BURSA = "https://w3id.org/twinning/id/agreement/liberec-bursa-2011"
CHROME_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FORMATS = {
    "text/turtle": ("ttl", ox.RdfFormat.TURTLE),
    "application/ld+json": ("jsonld", ox.RdfFormat.JSON_LD),
    "application/n-triples": ("nt", ox.RdfFormat.N_TRIPLES),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with twinning_serve(ROOT) as base:
        yield base


def request(
    base: str, path: str, accept: str | None = None, method: str = "GET", body: bytes = b"",
    content_type: str | None = None,
) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """One request, redirects not followed."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if content_type:
        headers["Content-Type"] = content_type
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def own_triples(graph: LoadedGraph, iri: str) -> set[ox.Triple]:
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in graph.store.quads_for_pattern(ox.NamedNode(iri), None, None)
    }


@pytest.mark.parametrize("media_type", sorted(FORMATS))
@pytest.mark.parametrize("iri", [CLUJ, BURSA])
def test_rdf_media_types_see_other_to_the_resources_triples(
    server: str, graph: LoadedGraph, iri: str, media_type: str
) -> None:
    extension, fmt = FORMATS[media_type]
    path = urlsplit(iri).path.removeprefix("/twinning")
    status, headers, _ = request(server, path, accept=media_type)
    assert status == 303
    assert headers["location"] == f"{path}.{extension}"
    assert headers["vary"] == "Accept"
    status, headers, body = request(server, headers["location"], accept=media_type)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media_type
    found = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}
    # Exactly the resource's triples, with its w3id IRIs (not the serving host's).
    assert found == own_triples(graph, iri)
    assert b"127.0.0.1" not in body


@pytest.mark.parametrize("accept", ["text/html", CHROME_ACCEPT, None, "*/*"])
def test_html_for_browsers(server: str, accept: str | None) -> None:
    status, headers, _ = request(server, "/id/region/cluj", accept=accept)
    assert (status, headers["location"]) == (303, "/id/region/cluj.html")
    status, headers, body = request(server, "/id/region/cluj.html", accept=accept)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"<h1" in body and "Județul Cluj".encode() in body


def test_ontology_negotiates_too(server: str) -> None:
    status, headers, _ = request(server, "/ontology", accept="text/turtle")
    assert (status, headers["location"]) == (303, "/ontology.ttl")
    status, headers, _ = request(server, "/ontology/0.1.0", accept="text/html")
    assert (status, headers["location"]) == (303, "/ontology/0.1.0.html")


@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/ld+json"])
def test_unknown_iri_is_404(server: str, accept: str) -> None:
    assert request(server, "/id/region/atlantis", accept=accept)[0] == 404
    assert request(server, "/id/region/atlantis.ttl", accept=accept)[0] == 404
    assert request(server, "/nowhere", accept=accept)[0] == 404
    assert request(server, "/id/../../etc/passwd", accept=accept)[0] == 404


def test_nothing_acceptable_is_406(server: str) -> None:
    assert request(server, "/id/region/cluj", accept="image/png")[0] == 406


def test_negotiation_weighs_q_values() -> None:
    assert negotiate("text/turtle;q=0.5, application/ld+json") == "jsonld"
    assert negotiate("text/html;q=0.1, text/turtle") == "ttl"
    assert negotiate("text/*") == "html"
    assert negotiate("application/n-triples, text/turtle;q=0") == "nt"
    assert negotiate("image/png") is None


def test_home_and_catalogue_download_links(server: str) -> None:
    status, headers, body = request(server, "/")
    assert status == 200 and b'id="map-svg"' in body
    status, _, catalog = request(server, "/dist/catalog.ttl")
    assert status == 200
    assert f"<{server}dist/twinning.nt>".encode() in catalog
    assert request(server, "/dist/twinning.nt")[0] == 200


def _count(server: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    status, headers, body = request(server, "/sparql?query=" + quote(query))
    assert status == 200
    assert headers["content-type"].startswith("application/sparql-results+json")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_sparql_endpoint_answers_queries(server: str, graph: LoadedGraph) -> None:
    assert _count(server) == len(graph.store)
    query = "SELECT ?label WHERE { <%s> <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
    status, headers, body = request(
        server, "/sparql", accept="text/csv", method="POST",
        body=(query % CLUJ).encode(), content_type="application/sparql-query",
    )  # fmt: skip
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert "Cluj County" in body.decode() and "Județul Cluj" in body.decode()
    construct = f"CONSTRUCT {{ <{CLUJ}> ?p ?o }} WHERE {{ <{CLUJ}> ?p ?o }}"
    status, headers, body = request(
        server, "/sparql", accept="text/turtle", method="POST",
        body=urlencode({"query": construct}).encode(),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    found = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(body, format=ox.RdfFormat.TURTLE)
    }  # noqa: E501
    assert found == own_triples(graph, CLUJ)


def test_sparql_endpoint_is_read_only(server: str) -> None:
    before = _count(server)
    update = "INSERT DATA { <urn:x> <urn:y> <urn:z> }"
    assert request(server, "/sparql?update=" + quote(update))[0] == 403
    assert request(server, "/sparql?query=" + quote(update))[0] == 400
    status, _, _ = request(
        server, "/sparql", method="POST", body=update.encode(),
        content_type="application/sparql-update",
    )  # fmt: skip
    assert status == 403
    status, _, _ = request(
        server, "/sparql", method="POST", body=urlencode({"update": update}).encode(),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status == 403
    assert request(server, "/sparql?query=" + quote("SELECT nonsense"))[0] == 400
    assert _count(server) == before


def test_cli_site_writes_the_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from twinning.cli import main

    result = CliRunner().invoke(
        main, ["site", "--root", str(ROOT), "--out", str(tmp_path / "s"), "--lang", "cs"]
    )
    assert result.exit_code == 0, result.output
    assert "pages" in result.output
    assert '<html lang="cs">' in (tmp_path / "s" / "index.html").read_text(encoding="utf-8")
    bad = CliRunner().invoke(
        main, ["site", "--root", str(ROOT), "--out", str(tmp_path / "t"), "--base-url", "x"]
    )
    assert bad.exit_code == 2 and "--base-url" in bad.output
    assert not (tmp_path / "t").exists()


def test_serve_on_a_busy_port_is_exit_2() -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        twinning = str(Path(sys.executable).parent / "twinning")
        result = subprocess.run(
            [twinning, "serve", "--root", str(ROOT), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_sparql_endpoint_calls_no_other_endpoint(server: str) -> None:
    """A page open in the browser could make this server call any address through SERVICE
    (and Oxigraph would wait for it without a timeout): refused, and nothing is called."""
    called = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            called.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{elsewhere.server_address[1]}/sparql"
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        ):
            status, _, body = request(server, "/sparql?query=" + quote(query))
            assert (status, body) == (403, b"this endpoint answers over the site's graph only: "
                                            b"no SERVICE\n")  # fmt: skip
            status, _, _ = request(
                server, "/sparql", method="POST", body=query.encode(),
                content_type="application/sparql-query",
            )  # fmt: skip
            assert status == 403
        # the word in a string or an IRI is no SERVICE clause
        plain = 'SELECT ?s WHERE { ?s ?p "SERVICE" } LIMIT 1'
        assert request(server, "/sparql?query=" + quote(plain))[0] == 200
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    assert called == []


def test_hostile_requests_get_an_answer_not_an_error(server: str) -> None:
    """A NUL in the path and a Content-Length that is no length were exceptions in the
    handler (the client got no answer; a negative length read until it hung up)."""
    assert request(server, "/index%00.html")[0] == 404
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: -1\r\n\r\nSELECT * WHERE { ?s ?p ?o }"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer
