"""The one HTTP layer: every transport failure is exit 2 and one line, never a traceback.

Each test talks to a real server on 127.0.0.1 that misbehaves in one way (see servers.py).
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import struct
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from twinning import http, queries
from twinning.cli import main
from twinning.sparql_client import Endpoint, EndpointError

from .conftest import ROOT
from .servers import answer, free_port, http_server, raw_server, read_request, read_request_head

runner = CliRunner()
QUERY = "SELECT ?n WHERE { ?s ?p ?n }"
ROW = b'{"n": {"type": "literal", "value": "7", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}'
HEAD = b'{"head": {"vars": ["n"]}, "results": {"bindings": ['
ANSWER = HEAD + ROW + b"]}}"


def _query_file(tmp_path: Path, text: str = QUERY) -> str:
    path = tmp_path / "q.rq"
    path.write_text(text)
    return str(path)


def _run(tmp_path: Path, *args: str, text: str = QUERY):
    return runner.invoke(
        main,
        [
            "query",
            "run",
            "--root",
            str(ROOT),
            _query_file(tmp_path, text),
            "--format",
            "csv",
            *args,
        ],
    )


def _one_line_error(result, starts: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1, result.output
    assert result.stderr.startswith(f"Error: {starts}"), result.output
    return result.stderr


# ----------------------------------------------------------------------------- redirects


def test_cross_origin_redirect_is_not_followed_and_gets_no_credentials(
    tmp_path, monkeypatch
) -> None:
    other_seen: list[dict[str, str]] = []

    def other(request, n):
        other_seen.append(dict(request.headers))
        answer(request, 200, ANSWER)

    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", "tok3n")
    with http_server(other) as elsewhere:

        def first(request, n):
            answer(request, 302, b"", {"Location": elsewhere})

        with http_server(first) as url:
            result = _run(tmp_path, "--endpoint", url)
            published = runner.invoke(
                main,
                ["publish", "--root", str(ROOT), "--endpoint", url, "--graph", "urn:g",
                 "--query-endpoint", url, "--update-endpoint", url],
            )  # fmt: skip
    output = _one_line_error(result, f"{url}: redirected to {elsewhere}, another origin")
    assert "not followed" in output
    _one_line_error(published, f"{url}?graph=urn%3Atwinning%3Astaging%3A")
    assert "another origin" in published.output
    assert other_seen == []  # neither the request nor the token went there


def test_same_origin_redirect_is_followed_with_credentials(tmp_path, monkeypatch) -> None:
    seen: list[str | None] = []

    def handler(request, n):
        seen.append(request.headers.get("Authorization"))
        if request.path == "/sparql":
            answer(request, 307, b"", {"Location": "/moved"})
        else:
            answer(request, 200, ANSWER)

    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", "tok3n")
    with http_server(handler) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"n\r\n7\r\n"
    assert seen == ["Bearer tok3n", "Bearer tok3n"]


# ----------------------------------------------------------------------------- size and time


def test_answer_larger_than_max_bytes(tmp_path) -> None:
    big = HEAD + b",".join([ROW] * 201) + b"]}}"
    assert json.loads(big) and len(big) > 10000

    with http_server(lambda request, n: answer(request, 200, big)) as url:
        result = _run(tmp_path, "--endpoint", url, "--max-bytes", "5000")
        ok = _run(tmp_path, "--endpoint", url, "--max-bytes", str(len(big)))
    _one_line_error(result, f"{url}: the answer is larger than 5000 bytes (--max-bytes)")
    assert ok.exit_code == 0 and ok.stdout_bytes.count(b"\r\n") == 202


def test_retry_after_longer_than_the_timeout_fails_at_once(tmp_path) -> None:
    with http_server(lambda r, n: answer(r, 429, b"slow down", {"Retry-After": "86400"})) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "5")
        took = time.monotonic() - started
    output = _one_line_error(result, f"{url}: HTTP 429 Too Many Requests, asked to wait 86400 s")
    assert "more than the 5 s left of the 5 s timeout" in output
    assert took < 3


def test_timeout_covers_retries_and_waits(tmp_path) -> None:
    calls: list[float] = []

    def handler(request, n):
        calls.append(time.monotonic())
        answer(request, 503, b"busy", {"Retry-After": "1"})

    with http_server(handler) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "2.5")
        took = time.monotonic() - started
    _one_line_error(result, f"{url}: HTTP 503 Service Unavailable")
    assert 2 <= len(calls) <= 3 and took < 4  # not 4 retries of 1 s each, plus the first


@pytest.mark.parametrize("header", ["soon", "", "Tue, 99 Foo 2026", "-5"])
def test_garbage_retry_after_is_no_hint(header: str) -> None:
    def handler(request, n):
        if n == 1:
            answer(request, 429, b"slow down", {"Retry-After": header})
        else:
            answer(request, 200, ANSWER)

    waits: list[float] = []
    with http_server(handler) as url:
        result = Endpoint(url, sleep=waits.append, backoff=0.25).select(QUERY)
    assert waits == [0.25]  # the back-off, as if there were no header
    assert result["results"]["bindings"][0]["n"]["value"] == "7"


def test_wait_is_capped() -> None:
    assert http._wait(None, 30, 1.0) == http.MAX_WAIT_SECONDS


def test_server_that_never_answers(tmp_path) -> None:
    def silent(connection: socket.socket) -> None:
        read_request_head(connection)
        time.sleep(5)

    with raw_server(silent) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "1")
    assert time.monotonic() - started < 3
    assert _one_line_error(result, url) == f"Error: {url}: timed out after 1 s\n"


def test_answer_that_trickles_past_the_deadline(tmp_path) -> None:
    """Each byte comes in time, the whole answer does not: the deadline is for the call."""

    def trickle(connection: socket.socket) -> None:
        read_request_head(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                           b"Content-Length: 100000\r\n\r\n")  # fmt: skip
        for _ in range(100):
            connection.sendall(b" ")
            time.sleep(0.1)

    with raw_server(trickle) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "1.5")
    assert time.monotonic() - started < 4
    _one_line_error(result, f"{url}: timed out after 1.5 s")


def test_local_service_that_never_answers_obeys_timeout(tmp_path) -> None:
    """Oxigraph has no query timeout: the query runs in a worker that is abandoned."""

    def silent(connection: socket.socket) -> None:
        read_request_head(connection)
        time.sleep(8)

    with raw_server(silent) as url:
        text = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
        started = time.monotonic()
        result = _run(tmp_path, "--timeout", "1", text=text)
        took = time.monotonic() - started
    _one_line_error(result, "the query did not finish within the 1 s timeout")
    assert took < 6  # loading the project takes a few seconds on a busy machine


def test_local_service_answering_html(tmp_path) -> None:
    page = b"<html><body><h1>Maintenance</h1></body></html>"
    with http_server(lambda r, n: answer(r, 200, page, content_type="text/html")) as url:
        result = _run(
            tmp_path, "--timeout", "10", text=f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
        )
    _one_line_error(result, "the query failed: ")


# ----------------------------------------------------------------------------- transport failures


def test_refused(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    assert _one_line_error(_run(tmp_path, "--endpoint", url), url) == (
        f"Error: {url}: cannot connect (Connection refused)\n"
    )


def test_unresolvable_host(tmp_path, monkeypatch) -> None:
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no test asks a real resolver
    url = "http://no-such-host.invalid/sparql"
    assert _one_line_error(_run(tmp_path, "--endpoint", url), url) == (
        f"Error: {url}: cannot resolve the host name (Name or service not known)\n"
    )


def test_retry_after_longer_than_any_wait_fails_at_once(tmp_path) -> None:
    with http_server(lambda r, n: answer(r, 503, b"busy", {"Retry-After": "3600"})) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "100000")
    assert time.monotonic() - started < 3
    assert _one_line_error(result, url) == (
        f"Error: {url}: HTTP 503 Service Unavailable, asked to wait 3600 s, more than the 120 s any wait may take\n"
    )


def test_not_http(tmp_path) -> None:
    def ssh_banner(connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

    with raw_server(ssh_banner) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert (
        _one_line_error(result, url)
        == f"Error: {url}: the answer is not HTTP (is this the right port?)\n"
    )


def test_remote_disconnected(tmp_path) -> None:
    with raw_server(read_request) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert _one_line_error(result, url) == (
        f"Error: {url}: the server closed the connection without answering\n"
    )


def test_connection_reset(tmp_path) -> None:
    def reset(connection: socket.socket) -> None:
        read_request(connection)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with raw_server(reset) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert (
        _one_line_error(result, url)
        == f"Error: {url}: the server dropped the connection (connection reset)\n"
    )


def test_tls_to_a_plain_http_server(tmp_path) -> None:
    with http_server(lambda r, n: answer(r, 200, ANSWER)) as url:
        tls_url = url.replace("http://", "https://")
        result = _run(tmp_path, "--endpoint", tls_url)
    _one_line_error(result, f"{tls_url}: TLS failed (")


def test_untrusted_certificate(tmp_path) -> None:
    """A TLS server whose certificate no CA signed: refused in one line."""
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def tls(connection: socket.socket) -> None:
        with context.wrap_socket(connection, server_side=True):
            pass

    with raw_server(tls) as url:
        tls_url = url.replace("http://", "https://")
        result = _run(tmp_path, "--endpoint", tls_url)
    output = _one_line_error(result, f"{tls_url}: TLS failed (")
    assert "certificate" in output


def test_404_is_reported_as_404(tmp_path) -> None:
    page = (b"<!DOCTYPE html><html><head><title>404</title><style>p{}</style></head>"
            b"<body><h1>Not Found</h1><p>No endpoint at /sparql &mdash; try /query</p></body></html>")  # fmt: skip
    with http_server(lambda r, n: answer(r, 404, page, content_type="text/html")) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert _one_line_error(result, url) == (
        f"Error: {url}: HTTP 404 Not Found: Not Found No endpoint at /sparql — try /query\n"
    )


def test_html_error_page_is_shown_as_text_bounded(tmp_path) -> None:
    page = (
        b"<!DOCTYPE html>\n<html>\n<body>\n<pre>SQL error: " + b"x" * 5000 + b"</pre></body></html>"
    )
    with http_server(lambda r, n: answer(r, 500, page, content_type="text/html")) as url:
        result = _run(tmp_path, "--endpoint", url)
    output = _one_line_error(result, f"{url}: HTTP 500 Internal Server Error: SQL error: xxx")
    assert len(output) < len(url) + 250 and output.endswith("…\n")


@pytest.mark.parametrize(
    "body",
    [
        b'{"head": {"vars": ["n"]}, "results": {}}',
        b'{"head": {"vars": ["n"]}, "results": {"bindings": [1, 2]}}',
        b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal"}}]}}',
        b'{"head": {"vars": ["n"]}, "results": {"bindings": {"n": 1}}}',
        b'{"something": "else"}',
        b"[1, 2, 3]",
        b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "lit',
    ],
)
def test_json_of_the_wrong_shape(tmp_path, body: bytes) -> None:
    with http_server(lambda r, n: answer(r, 200, body)) as url:
        result = _run(tmp_path, "--endpoint", url)
        link = runner.invoke(
            main,
            ["link", "wikidata", "--root", str(ROOT), "--endpoint", url, "--no-cache",
             "--out", str(tmp_path / "out.sssom.tsv")],
        )  # fmt: skip
        diff = runner.invoke(
            main, ["wikidata", "diff", "--root", str(ROOT), "--endpoint", url, "--no-cache"]
        )
    assert "SPARQL JSON results" in _one_line_error(result, f"{url}: the answer is not ")
    for other in (link, diff):
        assert other.exit_code == 2, other.output
        assert other.output.splitlines()[-1].startswith(f"Error: {url}: the answer is not ")
    assert not (tmp_path / "out.sssom.tsv").exists()


def test_rows_without_the_variables_a_command_needs(tmp_path) -> None:
    """Valid SPARQL JSON whose rows bind none of the variables asked for: one line, exit 2."""
    body = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}'
    with http_server(lambda r, n: answer(r, 200, body)) as url:
        link = runner.invoke(
            main,
            ["link", "wikidata", "--root", str(ROOT), "--endpoint", url, "--no-cache",
             "--out", str(tmp_path / "out.sssom.tsv")],
        )  # fmt: skip
        diff = runner.invoke(
            main, ["wikidata", "diff", "--root", str(ROOT), "--endpoint", url, "--no-cache"]
        )
    for other in (link, diff):
        assert other.exit_code == 2, other.output
        assert "internal error" not in other.output
        assert other.output.splitlines()[-1].startswith(
            f"Error: {url}: an answer row does not bind"
        )
    assert not (tmp_path / "out.sssom.tsv").exists()


def test_not_json_at_all(tmp_path) -> None:
    """An HTML page sent with status 200 and the JSON results type: its text, one line."""
    with http_server(lambda r, n: answer(r, 200, b"<html>maintenance</html>")) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert _one_line_error(result, url) == (
        f"Error: {url}: the answer is an HTML page, not SPARQL results: maintenance\n"
    )


# ----------------------------------------------------------------------------- streaming


def test_rows_are_written_while_the_answer_arrives() -> None:
    """The server holds back the end of its answer until the first row has been printed."""
    first_row_printed = threading.Event()
    head = HEAD + ROW

    def handler(connection: socket.socket) -> None:
        read_request(connection)  # the whole body: closing with unread bytes would reset
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                           b"Connection: close\r\n\r\n" + head + b" " * 2048)  # fmt: skip
        assert first_row_printed.wait(10)
        connection.sendall(b"," + ROW + b"]}}")

    class Out:
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        def write(self, data: bytes) -> int:
            self.chunks.append(data)
            if b"7\r\n" in data:
                first_row_printed.set()
            return len(data)

    out = Out()
    with raw_server(handler) as url:
        rows = queries.run(ROOT, "shared-partners", {}, out, "csv", endpoint=url, timeout=15)  # type: ignore[arg-type]
    assert rows == 2
    assert b"".join(out.chunks) == b"n\r\n7\r\n7\r\n"


# ----------------------------------------------------------------------------- credentials


def test_bearer_token_from_environment(tmp_path, monkeypatch) -> None:
    seen: list[str | None] = []

    def handler(request, n):
        seen.append(request.headers.get("Authorization"))
        answer(request, 200, ANSWER)

    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", "tok3n")
    with http_server(handler) as url:
        assert _run(tmp_path, "--endpoint", url).exit_code == 0
    assert seen == ["Bearer tok3n"]


def test_basic_is_sent_when_the_server_asks(monkeypatch) -> None:
    seen: list[str | None] = []

    def handler(request, n):
        seen.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != "Basic YW5uOnNlY3JldA==":
            answer(request, 401, b"who?", {"WWW-Authenticate": 'Basic realm="sparql"'})
        else:
            answer(request, 200, ANSWER)

    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "secret")
    with http_server(handler) as url:
        endpoint = Endpoint(url)
        endpoint.select(QUERY)
        endpoint.select(QUERY + " ")
    assert seen == [None, "Basic YW5uOnNlY3JldA==", "Basic YW5uOnNlY3JldA=="]  # asked once


def _digest_server(user: str, password: str, seen: list[str | None], algorithm: str = "MD5"):
    """A server checking RFC 7616 Digest (qop=auth), MD5 the way Virtuoso does, or SHA-256."""
    realm, nonce = "twinning-test", "dcd98b7102dd2f0e8b11d0f600bfb0c093"
    hasher = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[algorithm]

    def h(text: str) -> str:
        return hasher(text.encode()).hexdigest()

    def handler(request, n):
        header = request.headers.get("Authorization")
        seen.append(header)
        if header and header.startswith("Digest "):
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))
            ha1 = h(f"{user}:{realm}:{password}")
            ha2 = h(f"{request.command}:{fields['uri']}")
            expected = h(f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
            if fields["response"] == expected and fields["uri"] == request.path:
                answer(request, 200, ANSWER)
                return
        challenge = (
            f'Digest realm="{realm}", nonce="{nonce}", qop="auth", opaque="5ccc", '
            f"algorithm={algorithm}"
        )
        answer(request, 401, b"Unauthorized", {"WWW-Authenticate": challenge}, "text/plain")

    return handler


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_digest(tmp_path, monkeypatch, algorithm: str) -> None:
    seen: list[str | None] = []
    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "secret")
    with http_server(_digest_server("ann", "secret", seen, algorithm)) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"n\r\n7\r\n"
    assert seen[0] is None and seen[1] is not None and seen[1].startswith("Digest ")
    assert "secret" not in seen[1]


def test_digest_wrong_password_is_one_401(tmp_path, monkeypatch) -> None:
    seen: list[str | None] = []
    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "wrong")
    with http_server(_digest_server("ann", "secret", seen)) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert _one_line_error(result, url) == f"Error: {url}: HTTP 401 Unauthorized: Unauthorized\n"
    assert len(seen) == 2  # asked once, answered once, no loop


def test_password_goes_only_to_the_origin_that_asked(monkeypatch) -> None:
    """publish with a query endpoint elsewhere: the store's Basic challenge is not reused there."""
    from twinning.publish import publish_ntriples

    body = b"".join(b"<urn:s%d> <urn:p> <urn:o> .\n" % i for i in range(10000))  # > 64 KB: probed
    store_seen: list[tuple[str, str | None]] = []
    query_seen: list[str | None] = []

    def store(request, n):
        store_seen.append((request.command, request.headers.get("Authorization")))
        if request.headers.get("Authorization") != "Basic YW5uOnNlY3JldA==":
            answer(request, 401, b"who?", {"WWW-Authenticate": 'Basic realm="store"'}, "text/plain")
        else:
            answer(
                request, 204 if request.command == "PUT" else 200, b"", content_type="text/plain"
            )

    def query(request, n):
        query_seen.append(request.headers.get("Authorization"))
        count = {"n": {"type": "literal", "value": "10000"}}
        answer(request, 200, HEAD + json.dumps(count).encode() + b"]}}")

    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "secret")
    with http_server(store, "/store") as store_url, http_server(query) as query_url:
        done = publish_ntriples(
            body,
            store_url,
            "urn:g",
            query_endpoint=query_url,
            update_endpoint=store_url.replace("/store", "/update"),
        )
    assert done.triples == 10000
    assert store_seen[0] == ("HEAD", None)  # the challenge is learned before the upload
    assert store_seen[1:] == [("PUT", "Basic YW5uOnNlY3JldA=="), ("POST", "Basic YW5uOnNlY3JldA==")]
    # the staging count and the recount after the switch; that server never asked, so it
    # never got the password
    assert query_seen == [None, None]


def test_server_answering_before_reading_the_body() -> None:
    """A 413 sent before the upload is read is reported as 413, not as a reset."""
    from twinning.publish import publish_ntriples

    def early(connection: socket.socket) -> None:
        read_request_head(connection)
        connection.sendall(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large"
        )
        connection.shutdown(socket.SHUT_WR)
        time.sleep(0.5)

    body = b"<urn:s> <urn:p> <urn:o> .\n" * 200000
    with raw_server(early) as url, pytest.raises(EndpointError) as err:
        publish_ntriples(body, url, "urn:g", query_endpoint=url, update_endpoint=url, timeout=10)
    assert "HTTP 413 Payload Too Large: too large" in str(err.value)
    assert "was left as it was" in str(err.value)


def test_publish_count_mismatch_and_a_staging_graph_that_cannot_be_dropped() -> None:
    """The store keeps fewer triples than sent: refused; the failed clean-up is said too."""
    from twinning.publish import publish_ntriples

    updates: list[bytes] = []

    def store(request, n):
        if request.command == "PUT":
            answer(request, 201, b"", content_type="text/plain")
        elif request.path == "/query":
            count = {"n": {"type": "literal", "value": "1"}}
            answer(request, 200, HEAD + json.dumps(count).encode() + b"]}}")
        else:
            updates.append(request.body)
            answer(request, 503, b"read-only today", {"Retry-After": "1"}, "text/plain")

    body = b"<urn:s> <urn:p> <urn:o> .\n<urn:s> <urn:p> <urn:o2> .\n"
    with http_server(store, "/store") as url, pytest.raises(EndpointError) as err:
        publish_ntriples(body, url, "urn:g", timeout=10)
    message = str(err.value)
    assert message.startswith(
        f"{url}: the store holds 1 of the 2 triples sent; graph <urn:g> was left as it was"
    )
    assert message.endswith("could not be dropped") and "\n" not in message
    assert len(updates) == 1 and updates[0].startswith(
        b"update=DROP+SILENT+GRAPH+%3Curn%3Atwinning%3Astaging%3A"
    )


# ----------------------------------------------------------------------------- slow headers


@pytest.mark.parametrize(
    "opening",
    [
        b"HTTP/1.1 200 OK\r\n",  # then one header line at a time, for ever
        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5",  # then a chunk size that never ends
    ],
    ids=["headers", "chunk-size"],
)
def test_answer_that_trickles_its_headers_past_the_deadline(tmp_path, opening: bytes) -> None:
    """Each read comes in time, the headers (or a chunk size line) never end: the deadline
    is for the call, not for each read."""

    def trickle(connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(opening)
        for _ in range(60):
            connection.sendall(b"X-Slow: 1\r\n" if opening.endswith(b"\r\n") else b"0")
            time.sleep(0.1)

    with raw_server(trickle) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "1.5")
        took = time.monotonic() - started
    _one_line_error(result, f"{url}: timed out after 1.5 s")
    assert took < 4


# ----------------------------------------------------------------------------- secrets never printed

SECRET = "hunter2-s3cret"


def _all_commands(tmp_path: Path, url: str) -> list:
    """query run, link wikidata, wikidata diff and publish, each pointed at ``url``."""
    return [
        _run(tmp_path, "--endpoint", url),
        runner.invoke(
            main,
            ["link", "wikidata", "--root", str(ROOT), "--endpoint", url, "--no-cache",
             "--out", str(tmp_path / "out.sssom.tsv")],
        ),
        runner.invoke(
            main, ["wikidata", "diff", "--root", str(ROOT), "--endpoint", url, "--no-cache"]
        ),
        runner.invoke(
            main,
            ["publish", "--root", str(ROOT), "--endpoint", url, "--graph", "urn:g",
             "--query-endpoint", url, "--update-endpoint", url, "--timeout", "10"],
        ),
    ]  # fmt: skip


def test_credentials_in_the_url_are_refused_and_never_printed(tmp_path) -> None:
    """``http://user:password@host/``: refused before anything is sent, and not echoed."""
    seen: list[str] = []

    def handler(request, n):
        seen.append(request.path)
        answer(request, 200, ANSWER)

    with http_server(handler) as url:
        with_password = url.replace("http://", f"http://ann:{SECRET}@")
        results = _all_commands(tmp_path, with_password)
    for result in results:
        assert result.exit_code == 2, result.output
        assert SECRET not in result.output
        assert "internal error" not in result.output
        assert result.output.splitlines()[-1].startswith("Error: http://***@127.0.0.1:")
        assert "TWINNING_SPARQL_USER" in result.output
    assert seen == []


def test_secret_query_parameters_are_not_printed(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql?api_key={SECRET}&format=json"
    for result in _all_commands(tmp_path, url):
        assert result.exit_code == 2, result.output
        assert SECRET not in result.output
        assert "api_key=***&format=json" in result.output


def test_a_token_echoed_by_the_server_is_not_printed(tmp_path, monkeypatch) -> None:
    """A hostile server repeats the Authorization header in its reason, its error page and a
    page with status 200: none of it reaches the terminal."""

    def echo_error(request, n):
        said = request.headers.get("Authorization", "").encode()
        request.send_response(401, f"Refused {said.decode()}")
        request.send_header("Content-Length", str(len(said)))
        request.end_headers()
        request.wfile.write(said)

    def echo_page(request, n):
        said = request.headers.get("Authorization", "").encode()
        answer(request, 200, b"<p>hello " + said + b"</p>", content_type="text/plain")

    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", SECRET)
    for handler in (echo_error, echo_page):
        with http_server(handler) as url:
            for result in _all_commands(tmp_path, url):
                assert result.exit_code == 2, result.output
                assert SECRET not in result.output
                assert "Bearer ***" in result.output


def test_an_echoed_basic_password_is_not_printed(tmp_path, monkeypatch) -> None:
    def handler(request, n):
        said = request.headers.get("Authorization")
        if said is None:
            answer(request, 401, b"who?", {"WWW-Authenticate": 'Basic realm="x"'}, "text/plain")
        else:
            answer(request, 403, f"{said} is ann:{SECRET}".encode(), content_type="text/plain")

    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", SECRET)
    with http_server(handler) as url:
        result = _run(tmp_path, "--endpoint", url)
    output = _one_line_error(result, f"{url}: HTTP 403 Forbidden: Basic *** is ann:***")
    assert SECRET not in output


def test_a_location_with_credentials_is_not_followed_nor_printed(tmp_path, monkeypatch) -> None:
    seen: list[str] = []

    def handler(request, n):
        seen.append(request.path)
        port = request.server.server_address[1]
        answer(request, 302, b"", {"Location": f"http://bob:{SECRET}@127.0.0.1:{port}/x"})

    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", "tok3n")
    with http_server(handler) as url:
        result = _run(tmp_path, "--endpoint", url)
    output = _one_line_error(result, f"{url}: redirected to http://***@127.0.0.1:")
    assert SECRET not in output
    assert seen == ["/sparql"]  # same host and port, but not followed


def test_proxies_from_the_environment_are_not_used(tmp_path, monkeypatch) -> None:
    """A proxy would see the request and its token: the client connects directly."""
    proxied: list[str] = []

    def proxy(request, n):
        proxied.append(request.path)
        answer(request, 200, ANSWER)

    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", SECRET)
    with (
        http_server(proxy, "") as proxy_url,
        http_server(lambda r, n: answer(r, 200, ANSWER)) as url,
    ):
        for name in (
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ):
            monkeypatch.setenv(name, proxy_url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        result = _run(tmp_path, "--endpoint", url)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"n\r\n7\r\n"
    assert proxied == []


# ----------------------------------------------------------------------------- result formats

RESULTS_XML = (
    b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    b'<head><variable name="n"/></head><results><result><binding name="n">'
    b'<literal datatype="http://www.w3.org/2001/XMLSchema#integer">7</literal>'
    b"</binding></result></results></sparql>"
)
RESULTS_TSV = b"?n\n7\n"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (RESULTS_XML, "application/sparql-results+xml"),
        (RESULTS_XML, "application/xml; charset=utf-8"),
        (RESULTS_XML, "text/plain"),  # wrong type: the body says what it is
        (RESULTS_TSV, "text/tab-separated-values; charset=utf-8"),
        (ANSWER, "application/json"),
        (ANSWER, ""),  # no Content-Type at all
        (ANSWER, "text/html"),  # a wrong type on JSON
        (b"\xef\xbb\xbf  " + ANSWER, "application/octet-stream"),  # a BOM
    ],
    ids=["xml", "application-xml", "xml-as-text", "tsv", "json", "none", "json-as-html", "bom"],
)
def test_results_in_another_format_or_with_a_wrong_type(tmp_path, body, content_type) -> None:
    accepted: list[str] = []

    def handler(request, n):
        accepted.append(request.headers.get("Accept", ""))
        request.send_response(200)
        if content_type:
            request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    with http_server(handler) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"n\r\n7\r\n"
    assert accepted[0].startswith("application/sparql-results+json")
    assert "application/sparql-results+xml" in accepted[0]


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (
            b"<!DOCTYPE html><html><head><title>x</title></head><body><h1>Please log in</h1>"
            b"</body></html>",
            "text/html",
            "the answer is an HTML page, not SPARQL results: Please log in",
        ),
        (
            b"<html>maintenance</html>",
            "application/sparql-results+json",
            "the answer is an HTML page, not SPARQL results: maintenance",
        ),
        (
            RESULTS_XML[:150],
            "application/sparql-results+xml",
            "the answer is not valid SPARQL XML results (",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="n"/></head>'
            b'<results><result><binding name="n"><literal>&b;</literal></binding></result></results></sparql>',
            "application/sparql-results+xml",
            "the answer is not valid SPARQL XML results (",
        ),
        (
            b"?n\n<http://unclosed\n",
            "text/tab-separated-values",
            "the answer is not valid SPARQL TSV results (",
        ),
        (b"n\r\n7\r\n", "text/csv", "the answer is CSV, which does not say what kind of term"),
        (
            b"n = 7",
            "text/plain",
            "the answer is not SPARQL results (text/plain, starts with 'n = 7')",
        ),
        (b"", "application/sparql-results+json", "the answer is empty"),
    ],  # fmt: skip
    ids=["html", "html-as-json", "xml-cut", "xml-entities", "tsv", "csv", "text", "empty"],
)
def test_answers_that_are_not_results_are_one_line(tmp_path, body, content_type, says) -> None:
    with http_server(lambda r, n: answer(r, 200, body, content_type=content_type)) as url:
        result = _run(tmp_path, "--endpoint", url)
    _one_line_error(result, f"{url}: {says}")


def test_compressed_answer_is_refused_not_inflated(tmp_path) -> None:
    """A gzip bomb (10 MB of spaces in 10 KB) sent although identity was asked for."""
    import gzip

    bomb = gzip.compress(b" " * 10_000_000)
    asked: list[str | None] = []

    def handler(request, n):
        asked.append(request.headers.get("Accept-Encoding"))
        answer(request, 200, bomb, {"Content-Encoding": "gzip"})

    with http_server(handler) as url:
        result = _run(tmp_path, "--endpoint", url)
    _one_line_error(result, f"{url}: the answer is compressed (Content-Encoding: gzip)")
    assert asked == ["identity"]


def test_content_length_that_lies_is_a_cut_off_answer(tmp_path) -> None:
    def short(connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                           b"Content-Length: 5000\r\n\r\n" + ANSWER[:60])  # fmt: skip

    with raw_server(short) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert _one_line_error(result, url) == (
        f"Error: {url}: the answer was cut off after 60 of 5000 bytes\n"
    )


def test_declared_length_over_max_bytes_is_refused_before_reading(tmp_path) -> None:
    def huge(connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                           b"Content-Length: 10000000000\r\n\r\n" + HEAD)  # fmt: skip
        time.sleep(5)  # the rest never comes: only the declared length can tell

    with raw_server(huge) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--max-bytes", "1000000")
    _one_line_error(result, f"{url}: the answer is larger than 1000000 bytes (--max-bytes)")
    assert time.monotonic() - started < 3


# ----------------------------------------------------------------------------- publish dialects

NT = b"".join(b'<urn:s%d> <urn:p> "caf\\u00E9 %d" .\n' % (i, i) for i in range(3000))


class FakeStore:
    """A store on 127.0.0.1 at /store (Graph Store), /query and /update, keeping one graph
    per IRI as a set of N-Triples lines; each behaviour can be swapped for a hostile one."""

    def __init__(self, put_status: int = 204, count=None, switch=None):
        self.graphs: dict[str, set[bytes]] = {"urn:g": {b"<urn:old> <urn:p> <urn:o> ."}}
        self.put_status, self.count, self.switch = put_status, count, switch
        self.requests: list[tuple[str, str]] = []

    def __call__(self, request, n):
        import re
        import urllib.parse

        path, _, query = request.path.partition("?")
        self.requests.append((request.command, path))
        form = urllib.parse.parse_qs(request.body.decode()) if request.command == "POST" else {}
        if request.command == "PUT":
            if self.put_status >= 300:
                return answer(request, self.put_status, b"no", content_type="text/plain")
            graph = urllib.parse.parse_qs(query)["graph"][0]
            self.graphs[graph] = set(request.body.splitlines())
            return answer(request, self.put_status, b"", content_type="text/plain")
        if path == "/query":
            graph = re.search(r"GRAPH <([^>]+)>", form["query"][0]).group(1)
            found = len(self.graphs.get(graph, ()))
            value = self.count(found) if self.count else {"type": "literal", "value": str(found)}
            return answer(request, 200, HEAD + json.dumps({"n": value}).encode() + b"]}}")
        update = form["update"][0]
        if update.startswith("INSERT DATA"):
            graph, body = re.fullmatch(
                r"INSERT DATA \{ GRAPH <([^>]+)> \{\n(.*)\} \}", update, re.S
            ).groups()
            self.graphs.setdefault(graph, set()).update(body.encode().splitlines())
        elif update.startswith("MOVE"):
            if self.switch:
                return self.switch(request)
            staging, target = re.findall(r"<([^>]+)>", update)
            self.graphs[target] = self.graphs.pop(staging)
        elif update.startswith("DROP"):
            self.graphs.pop(re.findall(r"<([^>]+)>", update)[0], None)
        return answer(request, 204, b"", content_type="text/plain")


def _publish(url: str, timeout: float = 10):
    from twinning.publish import publish_ntriples

    base = url.removesuffix("/store")
    return publish_ntriples(
        NT, url, "urn:g", query_endpoint=f"{base}/query", update_endpoint=f"{base}/update",
        timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize(
    "count",
    [
        lambda n: {"type": "literal", "value": str(n), "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
        lambda n: {"type": "literal", "value": f"{n}.0", "datatype": "http://www.w3.org/2001/XMLSchema#decimal"},
        lambda n: {"type": "literal", "value": f"{n / 1000}E3", "datatype": "http://www.w3.org/2001/XMLSchema#double"},
        lambda n: {"type": "literal", "value": f" {n} "},  # a plain string, padded
    ],
    ids=["integer", "decimal", "double", "string"],
)  # fmt: skip
def test_publish_reads_the_count_however_the_store_types_it(count) -> None:
    fake = FakeStore(count=count)
    with http_server(fake, "/store") as url:
        done = _publish(url)
    assert done.triples == 3000
    assert fake.graphs["urn:g"] == set(NT.splitlines())
    assert len(fake.graphs) == 1  # no staging graph left


def test_publish_refuses_a_count_that_is_not_a_whole_number() -> None:
    fake = FakeStore(count=lambda n: {"type": "literal", "value": "lots"})
    with http_server(fake, "/store") as url, pytest.raises(EndpointError) as err:
        _publish(url)
    assert "did not answer the triple count ('lots')" in str(err.value)
    assert "graph <urn:g> was left as it was" in str(err.value)
    assert fake.graphs == {"urn:g": {b"<urn:old> <urn:p> <urn:o> ."}}


@pytest.mark.parametrize("status", [404, 405, 501])
def test_publish_uploads_by_update_where_there_is_no_graph_store(status: int) -> None:
    """A store without the Graph Store Protocol: the staging graph is filled with INSERT DATA."""
    fake = FakeStore(put_status=status)
    with http_server(fake, "/store") as url:
        done = _publish(url)
    assert done.triples == 3000
    assert fake.graphs == {"urn:g": set(NT.splitlines())}
    assert ("PUT", "/store") in fake.requests and ("POST", "/update") in fake.requests


def test_publish_says_when_the_switch_may_have_happened() -> None:
    """The store takes MOVE and never answers: whether the graph was replaced is unknown, and
    the message must not claim it was left as it was."""

    def silent(request):
        time.sleep(4)

    fake = FakeStore(switch=silent)
    with http_server(fake, "/store") as url, pytest.raises(EndpointError) as err:
        _publish(url, timeout=2)
    message = str(err.value)
    assert "timed out" in message
    assert "left as it was" not in message
    assert "graph <urn:g> may or may not have been replaced: check it" in message


# ----------------------------------------------------------------------------- query dialects


def test_endpoint_that_takes_only_get(tmp_path) -> None:
    """POST refused with 405: the query is sent again with GET, if it fits in a URL."""
    seen: list[str] = []

    def handler(request, n):
        seen.append(request.command)
        if request.command == "POST":
            answer(request, 405, b"use GET", {"Allow": "GET"}, "text/plain")
        elif len(request.path) > 6000:
            answer(request, 414, b"URI Too Long", content_type="text/plain")
        else:
            answer(request, 200, ANSWER)

    long_query = QUERY + " #" + "x" * 9000
    with http_server(handler) as url:
        short = _run(tmp_path, "--endpoint", url)
        long = _run(tmp_path, "--endpoint", url, text=long_query)
    assert short.exit_code == 0, short.output
    assert short.stdout_bytes == b"n\r\n7\r\n"
    output = _one_line_error(long, f"{url}: HTTP 405 Method Not Allowed: use GET")
    assert "too long to be sent with GET" in output
    assert seen == ["POST", "GET", "POST"]  # the long one is not sent to be refused with 414


def test_endpoint_that_refuses_forms(tmp_path) -> None:
    """A form refused with 415: the query is POSTed as application/sparql-query instead."""
    seen: list[str] = []

    def handler(request, n):
        kind = request.headers.get("Content-Type", "")
        seen.append(kind)
        if kind != "application/sparql-query":
            answer(request, 415, b"send application/sparql-query", content_type="text/plain")
        elif request.body.decode() != QUERY:
            answer(request, 400, b"bad query", content_type="text/plain")
        else:
            answer(request, 200, ANSWER)

    with http_server(handler) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"n\r\n7\r\n"
    assert seen == ["application/x-www-form-urlencoded", "application/sparql-query"]


def test_update_endpoint_that_refuses_forms() -> None:
    seen: list[tuple[str, bytes]] = []

    def handler(request, n):
        kind = request.headers.get("Content-Type", "")
        seen.append((kind, request.body))
        status = 204 if kind == "application/sparql-update" else 415
        answer(request, status, b"", content_type="text/plain")

    with http_server(handler) as url:
        Endpoint(url).update("DROP SILENT GRAPH <urn:g>")
    assert seen[-1] == ("application/sparql-update", b"DROP SILENT GRAPH <urn:g>")


@pytest.mark.parametrize("location", ["http://[oops/x", "http://127.0.0.1:99999/x", "/caf\u00e9"])
def test_redirect_to_a_broken_url_is_one_line(tmp_path, location: str) -> None:
    with http_server(lambda r, n: answer(r, 302, b"", {"Location": location})) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert "internal error" not in result.output
    _one_line_error(result, f"{url}: ")


def test_401_without_credentials_says_which_to_set(tmp_path, monkeypatch) -> None:
    for name in ("TWINNING_SPARQL_USER", "TWINNING_SPARQL_PASSWORD", "TWINNING_SPARQL_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    challenge = {"WWW-Authenticate": 'Basic realm="x"'}
    with http_server(lambda r, n: answer(r, 401, b"who?", challenge, "text/plain")) as url:
        result = _run(tmp_path, "--endpoint", url)
    assert _one_line_error(result, url) == (
        f"Error: {url}: HTTP 401 Unauthorized: who?; set TWINNING_SPARQL_USER and "
        "TWINNING_SPARQL_PASSWORD (or TWINNING_SPARQL_TOKEN)\n"
    )


def test_digest_that_is_always_stale_is_not_answered_for_ever(tmp_path, monkeypatch) -> None:
    """A server answering every attempt with a fresh 'stale' nonce: a few tries, one line."""
    seen: list[str | None] = []

    def handler(request, n):
        seen.append(request.headers.get("Authorization"))
        challenge = f'Digest realm="r", nonce="n{n}", qop="auth", stale=true'
        answer(request, 401, b"again", {"WWW-Authenticate": challenge}, "text/plain")

    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "secret")
    with http_server(handler) as url:
        started = time.monotonic()
        result = _run(tmp_path, "--endpoint", url, "--timeout", "20")
    assert time.monotonic() - started < 5
    assert _one_line_error(result, url) == f"Error: {url}: HTTP 401 Unauthorized: again\n"
    assert len(seen) <= 4


def test_diff_prints_no_terminal_controls_from_the_endpoint(tmp_path) -> None:
    """Values that are no Wikidata item or time (escape sequences, say) are not printed.
    (Control characters inside an IRI are refused by the results parser already.)"""
    wd = "http://www.wikidata.org/entity/"

    def row(a: dict, b: dict, start: dict | None = None) -> dict:
        return {"a": a, "b": b, **({"start": start} if start else {})}

    uri = lambda q: {"type": "uri", "value": wd + q}  # noqa: E731
    rows = [
        row(uri("Q193266"), {"type": "literal", "value": "Q1\x1b[2J"}),
        row(uri("Q193266"), {"type": "uri", "value": wd + "P190"}),  # an IRI, not an item
        row(uri("Q193266"), uri("Q43690"), {"type": "literal", "value": "\x1b]0;pwned\x07 2010"}),
        row(uri("Q193266"), uri("Q43690"), {"type": "literal", "value": "2010-11-01T00:00:00Z"}),
        row(uri("Q193266"), {"type": "bnode", "value": "somevalue"}),
    ]
    body = json.dumps({"head": {"vars": ["a", "b", "start"]}, "results": {"bindings": rows}})
    with http_server(lambda r, n: answer(r, 200, body.encode())) as url:
        result = runner.invoke(
            main, ["wikidata", "diff", "--root", str(ROOT), "--endpoint", url, "--no-cache"]
        )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert (
        "date mismatch\tQ193266\tP190\tQ43690\tours 2011-11-01\ttheirs 2010-11-01T00:00:00Z"
        in result.output
    )
    assert "missing here\t" not in result.output


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (500, b"\x1b]0;pwned\x07\x1b[2J oops\x00", "text/plain"),
        (200, b"\x00\x1b[31m", "application/sparql-results+json"),
        (200, b"odd \x1b[31m text", "text/plain"),
    ],
    ids=["error-page", "results", "not-results"],
)
def test_no_terminal_controls_from_the_server_in_the_error_line(
    tmp_path, status, body, content_type
) -> None:
    with http_server(lambda r, n: answer(r, status, body, content_type=content_type)) as url:
        result = _run(tmp_path, "--endpoint", url)
    output = _one_line_error(result, f"{url}: ")
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in output.rstrip("\n")), repr(output)


def test_publish_checks_the_graph_after_a_switch_the_store_did_not_do() -> None:
    """MOVE answered 200 but not done (an error page with status 200, say): not 'published'."""
    fake = FakeStore(
        switch=lambda request: answer(request, 200, b"<p>error</p>", content_type="text/html")
    )
    with http_server(fake, "/store") as url, pytest.raises(EndpointError) as err:
        _publish(url)
    assert str(err.value) == (
        f"{url}: the store accepted the switch, but graph <urn:g> holds 1 of the 3000 triples "
        "sent: check it"
    )
    assert list(fake.graphs) == ["urn:g"]  # the staging graph was dropped


def test_error_page_in_the_charset_it_declares(tmp_path) -> None:
    page = "Chyba: špatný dotaz".encode("cp1250")
    with http_server(
        lambda r, n: answer(r, 500, page, content_type="text/plain; charset=windows-1250")
    ) as url:
        result = _run(tmp_path, "--endpoint", url)
    with http_server(
        lambda r, n: answer(r, 500, page, content_type="text/plain; charset=x-nonsense")
    ) as other:
        unknown = _run(tmp_path, "--endpoint", other)
    assert _one_line_error(result, url) == (
        f"Error: {url}: HTTP 500 Internal Server Error: Chyba: špatný dotaz\n"
    )
    _one_line_error(unknown, f"{other}: HTTP 500 Internal Server Error: Chyba: ")


def test_a_name_lookup_that_never_ends_obeys_the_timeout(tmp_path, monkeypatch) -> None:
    """getaddrinfo takes no timeout: a stuck resolver must not hold the call."""
    looked_up: list[str] = []

    def stuck(host, *args, **kwargs):
        looked_up.append(host)
        time.sleep(5)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", stuck)  # no test asks a real resolver
    url = "http://slow-dns.invalid/sparql"
    started = time.monotonic()
    result = _run(tmp_path, "--endpoint", url, "--timeout", "1")
    assert time.monotonic() - started < 3
    assert _one_line_error(result, url) == f"Error: {url}: timed out after 1 s\n"
    assert looked_up == ["slow-dns.invalid"]
