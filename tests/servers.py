"""Servers for tests on 127.0.0.1, started and stopped by the tests.

A real Oxigraph SPARQL server, and tiny HTTP and TCP servers that misbehave on purpose.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
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
def running(
    command: list[str],
    probe: str | urllib.request.Request,
    name: str,
    *,
    seconds: float = 60,
    logs: tuple[Path, ...] = (),
    cwd: Path | None = None,
    stop_seconds: float = 10,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait until ``probe`` answers, and stop it after (terminate, then kill).

    If it dies or does not answer in ``seconds``, fail with its stderr and the tail of its
    ``logs``: a test never skips a server that cannot start.
    """
    # stderr into a file, not a pipe: a chatty server must never block on a full pipe.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    with urllib.request.urlopen(probe, timeout=5):
                        break
                except OSError as err:
                    if process.poll() is not None or time.monotonic() > deadline:
                        if process.poll() is None:
                            process.kill()
                        errors.seek(0)
                        detail = errors.read()[-4000:].decode(errors="replace")
                        for log in logs:
                            if log.exists():
                                detail += log.read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"{name} did not start: {detail}") from err
                    time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
    base = f"http://127.0.0.1:{port}"
    with running(args, f"{base}/query?query=ASK%7B%7D", "oxigraph"):
        yield base


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
        do_HEAD = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            """A client that hung up (as the tests make them do) is no news: print nothing,
            since another test's CliRunner may be capturing stderr at that moment."""

    server = Server(("127.0.0.1", 0), Handler)
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


# ----------------------------------------------------------------------------- Virtuoso

VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {dir}, /usr/share/virtuoso-opensource-7/vad
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def virtuoso_binary() -> str:
    found = shutil.which("virtuoso-t")
    if not found:
        raise RuntimeError(
            "virtuoso-t is missing: run .ci/install-virtuoso.sh (Debian: virtuoso-opensource)"
        )
    return found


@contextmanager
def virtuoso_server(tmp: Path) -> Iterator[str]:
    """Start Virtuoso 7 with its own database folder and ini; yield its base URL.

    The database user ``dba`` has the password ``dba`` (a fresh database's default); the
    authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``) ask for Digest.
    """
    binary = virtuoso_binary()
    folder = tmp / "virtuoso"
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, http_port=http_port, sql_port=sql_port))
    base = f"http://127.0.0.1:{http_port}"
    command = [binary, "+foreground", "+configfile", str(ini)]
    probe = f"{base}/sparql?query=ASK%7B%7D"
    logs = (folder / "virtuoso.log",)
    with running(command, probe, "virtuoso", seconds=120, logs=logs, cwd=folder, stop_seconds=30):
        yield base


# ----------------------------------------------------------------------------- Comunica

COMUNICA_BIN = Path(__file__).resolve().parents[1] / ".ci/comunica/node_modules/.bin"


def comunica_binary() -> str:
    """``comunica-sparql-file-http``, installed by .ci/install-comunica.sh (run it if missing)."""
    found = COMUNICA_BIN / "comunica-sparql-file-http"
    if not found.exists():
        script = found.parents[3] / "install-comunica.sh"
        subprocess.run([str(script)], check=True, capture_output=True, timeout=600)
    if not found.exists():
        raise RuntimeError("Comunica is missing: run .ci/install-comunica.sh (needs npm)")
    return str(found)


@contextmanager
def comunica_server(files: list[Path]) -> Iterator[str]:
    """Comunica 4 as a read-only SPARQL endpoint over RDF files; yield the endpoint URL."""
    binary = comunica_binary()
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    probe = urllib.request.Request(
        f"{url}?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}
    )
    with running([binary, *map(str, files), "-p", str(port), "-t", "60"], probe, "comunica"):
        yield url


# ----------------------------------------------------------------------------- a breaking proxy


@contextmanager
def cutting_proxy(upstream: str, cut_after: int) -> Iterator[str]:
    """A TCP proxy to ``upstream`` (a base URL) that drops the connection after a client has
    sent ``cut_after`` bytes: an upload interrupted halfway. Smaller requests pass."""
    parts = urllib.parse.urlsplit(upstream)
    target = (parts.hostname or "127.0.0.1", parts.port or 80)

    def handle(client: socket.socket) -> None:
        server = socket.create_connection(target, timeout=30)

        def back() -> None:
            try:
                while chunk := server.recv(65536):
                    client.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=back, daemon=True).start()
        sent = 0
        try:
            while chunk := client.recv(65536):
                if sent + len(chunk) > cut_after:
                    server.sendall(chunk[: cut_after - sent])
                    for sock in (client, server):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    server.close()
                    return
                server.sendall(chunk)
                sent += len(chunk)
        finally:
            server.close()

    with raw_server(handle) as url:
        yield url.removesuffix("/sparql")


def read_request(connection: socket.socket) -> bytes:
    """Read a whole request: headers, then a body of Content-Length bytes."""
    data = read_request_head(connection)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
