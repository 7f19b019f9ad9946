"""Servers for tests on 127.0.0.1, started and stopped by the tests.

A real Oxigraph SPARQL server, and tiny HTTP and TCP servers that misbehave on purpose.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def oxigraph_binary() -> str:
    """The ``oxigraph`` command from the PyPI package installed with the tests."""
    beside_python = Path(sys.executable).parent / "oxigraph"
    found = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph command is missing: pip install -e '.[test]'")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def oxigraph_server(tmp: Path, load: list[Path] = ()) -> Iterator[str]:  # type: ignore[assignment]
    """Start ``oxigraph serve`` with the given files loaded; yield its base URL."""
    location = tmp / "oxigraph-store"
    location.parent.mkdir(parents=True, exist_ok=True)
    binary = oxigraph_binary()
    for path in load:
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(path)],
            check=True,
            capture_output=True,
        )
    port = free_port()
    args = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2):
                    break
            except OSError as err:
                if process.poll() is not None or time.monotonic() > deadline:
                    detail = process.stderr.read() if process.stderr else b""
                    raise RuntimeError(f"oxigraph did not start: {detail!r}") from err
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# ----------------------------------------------------------------------------- misbehaving servers


@contextmanager
def http_server(
    handler: Callable[[http.server.BaseHTTPRequestHandler, int], None],
    path: str = "/sparql",
) -> Iterator[str]:
    """A tiny local HTTP server; ``handler(request, n)`` answers the n-th request.

    The request body is read first and kept as ``request.body``.
    """
    calls = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            calls["n"] += 1
            self.body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            handler(self, calls["n"])

        do_GET = do_POST  # noqa: N815
        do_PUT = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()


def answer(
    request: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    content_type: str = "application/sparql-results+json",
) -> None:
    request.send_response(status)
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


@contextmanager
def raw_server(handler: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server that is not (quite) HTTP: ``handler(connection)`` does what it likes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_handle, args=(handler, connection), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    finally:
        stop.set()
        listener.close()


def _handle(handler: Callable[[socket.socket], None], connection: socket.socket) -> None:
    try:
        handler(connection)
    except OSError:
        pass
    finally:
        connection.close()


def read_request_head(connection: socket.socket) -> bytes:
    """Read up to the end of the request headers."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data
