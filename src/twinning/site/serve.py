"""``twinning serve``: build the site and serve it on 127.0.0.1, with a read-only SPARQL endpoint.

Requests for our IRIs are negotiated as the ``.htaccess`` rules do (303 to the document in the
format ``Accept`` prefers; 404 for an IRI that is not in the graph); every other path is a
file of the site. ``/sparql`` answers SPARQL 1.1 queries over the graph (GET ``?query=``, or
POST as a form or ``application/sparql-query``) from the same in-process Oxigraph store;
updates are refused: the store is never written to; so is ``SERVICE``: a page open in the
browser could otherwise have this server call any address it names.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pyoxigraph as ox

from ..errors import CannotRun
from ..load import load_project
from ..queries import calls_service
from . import conneg
from .build import build_site
from .model import IRI_PATH

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
MAX_QUERY_BYTES = 1_000_000


def _pick(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (the first offered on a tie or none)."""
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for rank, media_type in enumerate(offered):
        q = conneg.quality(accept, media_type)
        if q > 0 and (best is None or (q, -rank) > best[:2]):
            best = (q, -rank, media_type)
    return best[2] if best else None


class SiteHandler(BaseHTTPRequestHandler):
    """Static files, negotiated IRIs and the SPARQL endpoint."""

    site: Path
    store: ox.Store
    server_version = "twinning"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: a local preview server needs no access log."""

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/sparql":
            self._text(HTTPStatus.METHOD_NOT_ALLOWED, "only /sparql accepts POST\n")
            return
        declared = self.headers.get("Content-Length") or "0"
        if not declared.isdigit():  # a negative length would read until the client hangs up
            self._text(HTTPStatus.BAD_REQUEST, "Content-Length is not a length\n")
            return
        length = int(declared)
        if length > MAX_QUERY_BYTES:
            self._text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "query too long\n")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media_type == "application/sparql-query":
            self._sparql(body)
        elif media_type == "application/x-www-form-urlencoded":
            form = parse_qs(body)
            if "update" in form:
                self._text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no updates\n")
                return
            self._sparql(form.get("query", [""])[0])
        elif media_type == "application/sparql-update":
            self._text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no updates\n")
        else:
            self._text(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send a query\n")

    # ------------------------------------------------------------------------------ files

    def _answer(self, head: bool) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/sparql":
            params = parse_qs(parts.query)
            if "update" in params:
                self._text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: no updates\n")
                return
            self._sparql(params.get("query", [""])[0], head=head)
            return
        relative = unquote(parts.path).lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        if "\0" in relative or any(
            part in ("..", ".") or part.startswith(".") for part in relative.split("/")
        ):
            self._text(HTTPStatus.NOT_FOUND, "not found\n", head)
            return
        target = self.site / relative
        if target.is_file():
            self._file(target, head)
            return
        if IRI_PATH.match(relative) and (self.site / f"{relative}.html").is_file():
            extension = conneg.negotiate(self.headers.get("Accept"))
            if extension is None:
                self._text(HTTPStatus.NOT_ACCEPTABLE, "offered: " + ", ".join(
                    conneg.MEDIA_TYPES.values()) + "\n", head)  # fmt: skip
                return
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Location", f"/{relative}.{extension}")
            self.send_header("Vary", "Accept")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._text(HTTPStatus.NOT_FOUND, "not found\n", head)

    def _file(self, path: Path, head: bool) -> None:
        extension = path.suffix.lstrip(".")
        media_type = conneg.MEDIA_TYPES.get(extension) or conneg.OTHER_TYPES.get(
            path.suffix, "application/octet-stream"
        )
        data = path.read_bytes()
        self.send_response(HTTPStatus.OK)
        charset = "; charset=utf-8" if not media_type.startswith("image/png") else ""
        self.send_header("Content-Type", media_type + charset)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _text(self, status: HTTPStatus, text: str, head: bool = False) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    # ------------------------------------------------------------------------------ SPARQL

    def _sparql(self, query: str, head: bool = False) -> None:
        if not query.strip():
            self._text(HTTPStatus.BAD_REQUEST, "give a SPARQL query: /sparql?query=...\n", head)
            return
        if calls_service(query):  # Oxigraph would call the endpoint it names, without a timeout
            self._text(
                HTTPStatus.FORBIDDEN, "this endpoint answers over the site's graph only: "
                "no SERVICE\n", head,
            )  # fmt: skip
            return
        try:
            # Store.query parses SPARQL queries only: an update does not even parse.
            result = self.store.query(query)
        except SyntaxError as err:
            self._text(HTTPStatus.BAD_REQUEST, f"query does not parse: {err}\n", head)
            return
        accept = self.headers.get("Accept")
        try:
            if isinstance(result, ox.QueryTriples):
                media_type = _pick(accept, list(GRAPH_FORMATS))
                if media_type is None:
                    self._text(HTTPStatus.NOT_ACCEPTABLE, "not acceptable\n", head)
                    return
                data = result.serialize(format=GRAPH_FORMATS[media_type]) or b""
            else:
                media_type = _pick(accept, list(RESULT_FORMATS))
                if media_type is None:
                    self._text(HTTPStatus.NOT_ACCEPTABLE, "not acceptable\n", head)
                    return
                data = result.serialize(format=RESULT_FORMATS[media_type]) or b""
        except OSError as err:
            self._text(HTTPStatus.INTERNAL_SERVER_ERROR, f"query failed: {err}\n", head)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", f"{media_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Vary", "Accept")
        self.end_headers()
        if not head:
            self.wfile.write(data)


class SiteServer(ThreadingHTTPServer):
    """The local server: a browser that hangs up is normal; anything else is one line."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        print(f"error answering {client_address}: {type(error).__name__}: {error}", file=sys.stderr)


def serve(
    root: Path,
    port: int = 8000,
    lang: str = "en",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Build the site into a temporary folder and serve it on 127.0.0.1 until interrupted."""
    graph = load_project(root)
    workdir = Path(tempfile.mkdtemp(prefix="twinning-site-"))
    try:
        try:
            server = SiteServer(("127.0.0.1", port), SiteHandler)
        except OSError as err:
            raise CannotRun(f"cannot listen on 127.0.0.1:{port}: {err.strerror}") from err
        with server:
            actual = server.server_address[1]
            base_url = f"http://127.0.0.1:{actual}/"
            summary = build_site(graph, workdir / "site", root, base_url=base_url, lang=lang)
            handler = type("Handler", (SiteHandler,), {"site": summary.out, "store": graph.store})
            server.RequestHandlerClass = handler
            if on_ready:
                on_ready(base_url)
            server.serve_forever()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
