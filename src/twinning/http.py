"""The one HTTP layer: every request twinning sends (queries, publish, Wikidata) goes here.

Plain ``http.client`` rather than urllib or SPARQLWrapper, because the rules below need to see
each step, and urllib's redirect and auth handlers hide them:

- **credentials never leave their origin**: a redirect is followed only to the same scheme,
  host and port; any other redirect is an error naming the new URL; proxies from the
  environment are never used;
- **one deadline for the whole call**: the name lookup, connecting, sending, every read (each
  header line too), every retry and every ``Retry-After`` wait come out of the same
  ``--timeout``; a server asking to wait longer than what is left fails at once; no wait is
  ever longer than :data:`MAX_WAIT_SECONDS`;
- **bounded answers**: bodies are read as a stream through a counter that stops at
  ``--max-bytes``; ``identity`` is asked for and nothing is ever inflated;
- **one line per failure**: refused, unresolvable, timed out, reset, cut off, not HTTP, TLS,
  and HTTP errors (with the real status and the text of the server's own error page) all
  become an :class:`EndpointError`, whose text passes through :func:`redact`;
- **credentials from the environment only**: a bearer token (``TWINNING_SPARQL_TOKEN``), or a
  user and password answered to the server's challenge with HTTP Basic or Digest; a URL
  with ``user:password@`` is refused, never printed.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import http.client
import io
import os
import re
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from . import __version__
from .errors import CannotRun

USER_AGENT = (
    f"twinning/{__version__} (https://w3id.org/twinning; open knowledge graph of regional "
    "partnerships)"
)
USER_ENV = "TWINNING_SPARQL_USER"
PASSWORD_ENV = "TWINNING_SPARQL_PASSWORD"
TOKEN_ENV = "TWINNING_SPARQL_TOKEN"
RETRY_STATUSES = {429, 503}
MAX_WAIT_SECONDS = 120.0
MAX_REDIRECTS = 5
MAX_CHALLENGES = 3  # 401 challenges answered in one call
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
ERROR_TEXT_CHARS = 160
PROBE_ABOVE = 64 * 1024


class EndpointError(CannotRun):
    """The endpoint could not answer: unreachable, timed out, refused, or sent garbage.

    Its message passes through :func:`redact`, whoever wrote it (us, or the server's own
    words): no password, token or secret-looking URL parameter is ever printed.
    """

    def __init__(self, message: str, *, status: int | None = None, **where: object):
        super().__init__(redact(message), **where)  # type: ignore[arg-type]
        self.status = status  # the HTTP status the server answered with, if it answered


# ----------------------------------------------------------------------------- secrets

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]*@")
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;][^=&;#\s]*(?:key|token|secret|pass|auth|sig|session)[^=&;#\s]*=)[^&;#\s]*"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, newlines: one_line()


def redact(text: str) -> str:
    """``text`` fit to print: no ``user:password@`` in URLs, no value of a URL parameter named
    like a secret (``api_key=``, ``token=``…), no credential of the environment (as given, or
    as a Basic header), even where a server echoed it back, and no control character."""
    text = _USERINFO.sub(r"\1***@", text)
    text = _SECRET_PARAMETER.sub(r"\1***", text)
    user, password = os.environ.get(USER_ENV) or "", os.environ.get(PASSWORD_ENV) or ""
    secrets = [os.environ.get(TOKEN_ENV) or "", password]
    if user and password:
        secrets.append(base64.b64encode(f"{user}:{password}".encode()).decode("ascii"))
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return _CONTROLS.sub("\N{REPLACEMENT CHARACTER}", text)  # no terminal escapes either


def check_url(url: str) -> None:
    """Refuse a URL that cannot be used, before anything is sent or printed: not http(s), or
    carrying credentials (they would end up in logs and process lists)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{url}: only http:// and https:// URLs can be used")
    if "@" in parts.netloc:
        raise EndpointError(
            f"{url}: credentials in the URL are not used; set {USER_ENV} and {PASSWORD_ENV} "
            f"(or {TOKEN_ENV}) instead"
        )


class Deadline:
    """The time left for one whole call, whatever it takes (retries and waits included)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.end = clock() + seconds

    def remaining(self) -> float:
        return self.end - self.clock()

    def expired(self) -> bool:
        return self.remaining() <= 0


# ----------------------------------------------------------------------------- credentials


@dataclass
class Credentials:
    """What the environment gives; sent only to the origin of the first request."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    challenge: dict[str, str] = field(default_factory=dict)  # last Digest challenge
    scheme: str | None = None  # "basic" or "digest" once a server asked for it
    count: int = 0  # Digest nonce count
    asked_by: tuple[str, str, int] | None = None  # the origin whose challenge was answered

    @classmethod
    def from_env(cls) -> Credentials:
        return cls(
            user=os.environ.get(USER_ENV) or None,
            password=os.environ.get(PASSWORD_ENV) or None,
            token=os.environ.get(TOKEN_ENV) or None,
        )

    def needs_challenge(self, where: tuple[str, str, int]) -> bool:
        """A password is there, but this server has not said yet how it wants it."""
        return (
            not self.token and self.has_password and (self.scheme is None or where != self.asked_by)
        )

    @property
    def has_password(self) -> bool:
        return bool(self.user and self.password is not None)

    def header(self, method: str, path: str, where: tuple[str, str, int]) -> str | None:
        """The Authorization header for a request to origin ``where``, if it asked for one."""
        if self.token:
            return f"Bearer {self.token}"
        if not self.has_password or self.scheme is None or where != self.asked_by:
            return None
        if self.scheme == "basic":
            pair = f"{self.user}:{self.password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return self._digest(method, path)

    def answer(self, challenges: list[str], where: tuple[str, str, int]) -> bool:
        """Take a 401's WWW-Authenticate challenges; True if a new attempt makes sense."""
        if self.token or not self.has_password:
            return False
        if where != self.asked_by:
            self.scheme, self.challenge, self.asked_by = None, {}, where
        offered = [_parse_challenge(c) for c in challenges]
        digest = next((c for s, c in offered if s == "digest"), None)
        if digest is not None and digest.get("nonce"):
            stale = digest.get("stale", "").lower() == "true"
            if self.scheme == "digest" and not stale and self.challenge.get("nonce"):
                return False  # the same password was refused once already
            self.scheme, self.challenge, self.count = "digest", digest, 0
            return True
        if any(s == "basic" for s, _ in offered) and self.scheme != "basic":
            self.scheme = "basic"
            return True
        return False

    def _digest(self, method: str, path: str) -> str:
        """RFC 7616 Digest (MD5 or SHA-256, qop auth or none)."""
        c = self.challenge
        algorithm = c.get("algorithm", "MD5").upper()
        hasher = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(
            algorithm.removesuffix("-SESS")
        )
        if hasher is None:
            raise EndpointError(f"the server asks for Digest {algorithm}, which is not supported")

        def h(text: str) -> str:
            return hasher(text.encode()).hexdigest()

        self.count += 1
        nc = f"{self.count:08x}"
        cnonce = os.urandom(8).hex()
        realm, nonce = c.get("realm", ""), c["nonce"]
        ha1 = h(f"{self.user}:{realm}:{self.password}")
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{path}")
        qops = [q.strip() for q in c.get("qop", "").split(",") if q.strip()]
        parts = {
            "username": self.user or "",
            "realm": realm,
            "nonce": nonce,
            "uri": path,
            "algorithm": algorithm,
        }
        if "auth" in qops:
            parts["response"] = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            parts["response"] = h(f"{ha1}:{nonce}:{ha2}")
            extra = ""
        if "opaque" in c:
            parts["opaque"] = c["opaque"]
        quoted = ", ".join(f'{k}="{v}"' for k, v in parts.items() if k != "algorithm")
        return f"Digest {quoted}, algorithm={algorithm}{extra}"


def _parse_challenge(text: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = text.strip().partition(" ")
    params = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest)) if rest else {}
    return scheme.lower(), {k.lower(): v for k, v in params.items()}


# ----------------------------------------------------------------------------- answers


class Response:
    """An answer whose body is read as a stream, within the size cap and the deadline."""

    def __init__(
        self,
        url: str,
        answer: http.client.HTTPResponse,
        connection: http.client.HTTPConnection,
        deadline: Deadline,
        max_bytes: int,
    ):
        self.url = url
        self.status = answer.status
        self.reason = answer.reason
        self.headers = answer.headers
        self._answer = answer
        self._connection = connection
        self._deadline = deadline
        self.max_bytes = max_bytes
        self.received = 0
        self.head = b""  # the first bytes, for error messages
        self._ahead = b""  # bytes peeked at, not read yet

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all when negative), never past the cap or the deadline."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(65536), b""))
        if self._ahead:
            chunk, self._ahead = self._ahead[:size], self._ahead[size:]
            return chunk
        return self._receive(size)

    def peek(self, size: int = 512) -> bytes:
        """The first ``size`` bytes (fewer at the end), read ahead and kept for :meth:`read`;
        a leading UTF-8 byte order mark is dropped."""
        while len(self._ahead) < size:
            chunk = self._receive(size - len(self._ahead))
            if not chunk:
                break
            self._ahead += chunk
        self._ahead = self._ahead.removeprefix(b"\xef\xbb\xbf")
        return self._ahead[:size]

    def _receive(self, size: int) -> bytes:
        if self._deadline.expired():
            raise EndpointError(f"{self.url}: timed out after {self._deadline.seconds:g} s")
        with _mapped_errors(self.url, self._deadline):
            chunk = self._answer.read1(min(size, self.max_bytes - self.received + 1))
        self.received += len(chunk)
        if len(self.head) < 200:
            self.head += chunk[: 200 - len(self.head)]
        if self.received > self.max_bytes:
            self.close()
            raise EndpointError(
                f"{self.url}: the answer is larger than {self.max_bytes} bytes (--max-bytes)"
            )
        missing = self._answer.length  # what Content-Length still promises
        if not chunk and size > 0 and missing and self._answer._method != "HEAD":  # type: ignore[attr-defined]
            self.close()
            raise EndpointError(
                f"{self.url}: the answer was cut off after {self.received} of "
                f"{self.received + missing} bytes"
            )
        return chunk

    def readinto(self, buffer: bytearray | memoryview) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._answer.close()
        self._connection.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ----------------------------------------------------------------------------- requests


def origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError as err:
        raise EndpointError(f"{url}: not a valid URL ({err})") from err
    default = 443 if scheme == "https" else 80
    return scheme, (parts.hostname or "").lower(), port or default


def send(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    deadline: Deadline,
    max_bytes: int = DEFAULT_MAX_BYTES,
    credentials: Credentials | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    counter: Callable[[], None] | None = None,
) -> Response:
    """Send one request (with retries, same-origin redirects and auth); a 2xx answer.

    Anything else raises :class:`EndpointError` in one line. The caller reads and closes the
    :class:`Response`.
    """
    check_url(url)
    home = origin(url)
    credentials = credentials if credentials is not None else Credentials.from_env()
    attempt, redirects, target, challenges_answered = 0, 0, url, 0
    if body is not None and len(body) > PROBE_ABOVE and credentials.needs_challenge(home):
        # Servers refuse a large body before reading it when they want a password (Virtuoso
        # closes the connection mid-upload): learn the challenge with a small request first.
        with _once("HEAD", url, None, {}, deadline, max_bytes, credentials) as probe:
            if probe.status == 401:
                credentials.answer(probe.headers.get_all("WWW-Authenticate", []), home)
    while True:
        attempt += 1
        if counter is not None:
            counter()
        response = _once(method, target, body, headers or {}, deadline, max_bytes, credentials)
        status = response.status
        if 200 <= status < 300:
            _check_answer(response)
            return response
        if status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
            response.close()
            location = _redirect_target(url, target, response.headers["Location"])
            if origin(location) != home:
                raise EndpointError(
                    f"{url}: redirected to {location}, another origin: not followed, so "
                    "credentials stay with the first; give that URL instead"
                )
            redirects += 1
            if redirects > MAX_REDIRECTS:
                raise EndpointError(f"{url}: more than {MAX_REDIRECTS} redirects")
            target = location
            attempt -= 1
            continue
        challenges = response.headers.get_all("WWW-Authenticate", [])
        if (
            status == 401
            and challenges_answered < MAX_CHALLENGES
            and credentials.answer(challenges, origin(target))
        ):
            challenges_answered += 1  # a server calling every nonce stale gets a few tries
            response.close()
            attempt -= 1
            continue
        if status in RETRY_STATUSES and attempt <= retries:
            wait = _wait(response.headers.get("Retry-After"), attempt, backoff)
            response.close()
            left = deadline.remaining()
            if wait >= left:
                raise EndpointError(
                    f"{url}: HTTP {status} {response.reason}, asked to wait {wait:g} s, more "
                    f"than the {max(0.0, left):.0f} s left of the {deadline.seconds:g} s timeout",
                    status=status,
                )
            if wait > MAX_WAIT_SECONDS:
                raise EndpointError(
                    f"{url}: HTTP {status} {response.reason}, asked to wait {wait:g} s, more "
                    f"than the {MAX_WAIT_SECONDS:g} s any wait may take",
                    status=status,
                )
            sleep(wait)
            continue
        line = _status_line(response, attempt)
        if status == 401 and not credentials.token and not credentials.has_password:
            line += f"; set {USER_ENV} and {PASSWORD_ENV} (or {TOKEN_ENV})"
        raise EndpointError(f"{url}: {line}", status=status)


def status(method: str, url: str, deadline: Deadline) -> int:
    """The status one request to ``url`` is answered with, its body unread: for checking that
    a published link answers. No credentials (the link is not our endpoint) and no redirect
    followed (a redirect is an answer). What is no answer raises :class:`EndpointError`."""
    check_url(url)
    with _once(method, url, None, {}, deadline, DEFAULT_MAX_BYTES, Credentials()) as response:
        return response.status


def _redirect_target(url: str, target: str, header: str) -> str:
    """The absolute URL a ``Location`` header points to (non-ASCII percent-encoded); one
    line if it is no usable URL or carries credentials."""
    try:
        location = urllib.parse.quote(
            urllib.parse.urljoin(target, header.strip()), safe=":/?#[]@!$&'()*+,;=%~"
        )
        parts = urllib.parse.urlsplit(location)
        origin(location)
    except (ValueError, EndpointError) as err:
        raise EndpointError(f"{url}: redirected to {header!r}, which is no usable URL") from err
    if "@" in parts.netloc:
        raise EndpointError(f"{url}: redirected to {location}, with credentials: not followed")
    return location


def _check_answer(response: Response) -> None:
    """Refuse at once a 2xx answer that cannot be read as it comes: compressed although
    ``identity`` was asked for (it is never inflated, so no bomb can go off), or declared
    larger than the cap."""
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    declared = response._answer.length
    problem = None
    if encoding != "identity":
        problem = (
            f"the answer is compressed (Content-Encoding: {encoding}), which was not asked for"
        )
    elif declared is not None and declared > response.max_bytes:
        problem = f"the answer is larger than {response.max_bytes} bytes (--max-bytes)"
    if problem:
        response.close()
        raise EndpointError(f"{response.url}: {problem}")


def _once(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    deadline: Deadline,
    max_bytes: int,
    credentials: Credentials,
) -> Response:
    parts = urllib.parse.urlsplit(url)
    scheme, host, port = origin(url)
    left = deadline.remaining()
    if left <= 0:
        raise EndpointError(f"{url}: timed out after {deadline.seconds:g} s")
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(
            host, port, timeout=left, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=left)
    connection._create_connection = _connector(deadline)  # type: ignore[attr-defined]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    with _mapped_errors(url, deadline, connection):
        connection.connect()
        connection.sock = _DeadlineSocket(connection.sock, deadline)
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.putheader("User-Agent", USER_AGENT)
        connection.putheader("Accept-Encoding", "identity")  # no header would mean "any"
        for key, value in headers.items():
            connection.putheader(key, value)
        authorization = credentials.header(method, path, (scheme, host, port))
        if authorization:
            connection.putheader("Authorization", authorization)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        if body is not None:
            try:
                _send_body(connection, body, deadline)
            except (BrokenPipeError, ConnectionResetError) as err:
                # The server may have answered (401, 413…) and closed before reading it all.
                try:
                    answer = connection.getresponse()
                except (OSError, http.client.HTTPException):
                    raise err from None
                return Response(url, answer, connection, deadline, max_bytes)
        answer = connection.getresponse()
    return Response(url, answer, connection, deadline, max_bytes)


def _connector(deadline: Deadline) -> Callable[..., socket.socket]:
    """``socket.create_connection`` whose name lookup also ends at the deadline.

    ``getaddrinfo`` takes no timeout (a stuck resolver holds it for as long as it likes), so
    it runs in a daemon thread that is abandoned at the deadline; TLS still checks the name.
    """

    def connect(address: tuple[str, int], timeout: float, source: object = None) -> socket.socket:
        host, port = address
        found: list[object] = []
        worker = threading.Thread(
            target=lambda: found.append(_lookup(host, port)), daemon=True, name="twinning-dns"
        )
        worker.start()
        worker.join(max(0.0, deadline.remaining()))
        if not found:
            raise TimeoutError("timed out looking up the host name")
        if isinstance(found[0], BaseException):
            raise found[0]
        last: OSError = OSError(f"no address for {host}")
        for family, kind, protocol, _name, where in found[0]:  # type: ignore[attr-defined]
            sock = socket.socket(family, kind, protocol)
            try:
                sock.settimeout(max(0.001, deadline.remaining()))
                sock.connect(where)
                return sock
            except OSError as err:
                sock.close()
                last = err
        raise last

    return connect


def _lookup(host: str, port: int) -> object:
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as err:
        return err


class _DeadlineSocket:
    """A connected socket whose every read waits only for what is left of the deadline.

    ``http.client`` reads the status line, each header line and each chunk-size line with
    separate ``recv`` calls, and a socket timeout applies to each one: a server sending a byte
    just in time, for ever, would hold the call past ``--timeout``. Reads go through here.
    As with ``socket.makefile``, the socket is closed once it and its readers all are.
    """

    def __init__(self, sock: socket.socket, deadline: Deadline):
        self._sock, self._deadline = sock, deadline
        self._readers, self._closed = 0, False

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_DeadlineReader(self))

    def recv_into(self, buffer: bytearray | memoryview) -> int:
        left = self._deadline.remaining()
        if left <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        self._closed = True
        if self._readers == 0:
            self._sock.close()

    def release(self) -> None:
        self._readers -= 1
        if self._closed and self._readers == 0:
            self._sock.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket):
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._sock.release()
        super().close()


def _send_body(connection: http.client.HTTPConnection, body: bytes, deadline: Deadline) -> None:
    view = memoryview(body)
    for start in range(0, len(body), 65536):
        if connection.sock is not None:
            connection.sock.settimeout(max(0.001, deadline.remaining()))
        connection.send(view[start : start + 65536])


class _mapped_errors:  # noqa: N801 - used as a with-statement, reads like one
    """Turn every transport exception into one :class:`EndpointError` line."""

    def __init__(
        self,
        url: str,
        deadline: Deadline,
        connection: http.client.HTTPConnection | None = None,
    ):
        self.url, self.deadline, self.connection = url, deadline, connection

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, err: BaseException | None, _tb: object) -> None:
        if err is None or isinstance(err, EndpointError) or not isinstance(err, Exception):
            return
        if self.connection is not None:
            self.connection.close()
        # Whatever broke after the deadline broke because time ran out.
        cause = TimeoutError() if self.deadline.expired() else err
        raise EndpointError(f"{self.url}: {describe(cause, self.deadline)}") from err


def describe(err: BaseException, deadline: Deadline | None = None) -> str:
    """One line for a transport failure."""
    if isinstance(err, TimeoutError | socket.timeout):
        seconds = f" after {deadline.seconds:g} s" if deadline else ""
        return f"timed out{seconds}"
    if isinstance(err, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(err, http.client.IncompleteRead):
        return f"the answer was cut off after {len(err.partial)} bytes"
    if isinstance(err, http.client.BadStatusLine | http.client.LineTooLong):
        return "the answer is not HTTP (is this the right port?)"
    if isinstance(err, http.client.HTTPException):
        return f"broken HTTP answer ({type(err).__name__})"
    if isinstance(err, ssl.SSLError | ssl.CertificateError):
        reason = getattr(err, "verify_message", None) or getattr(err, "reason", None) or err
        return f"TLS failed ({reason})"
    if isinstance(err, socket.gaierror):
        return f"cannot resolve the host name ({err.strerror or err})"
    if isinstance(err, ConnectionRefusedError):
        return "cannot connect (Connection refused)"
    if isinstance(err, BrokenPipeError | ConnectionResetError | ConnectionAbortedError):
        return "the server dropped the connection (connection reset)"
    if isinstance(err, OSError):
        return f"cannot connect ({err.strerror or err})"
    if isinstance(err, UnicodeError | ValueError):
        return f"not a usable URL ({err})"
    return f"failed ({type(err).__name__}: {err})"


def _wait(header: str | None, attempt: int, backoff: float) -> float:
    """Seconds to wait: the server's Retry-After if it is valid, else exponential back-off."""
    if header:
        header = header.strip()
        if header.isdigit():
            return float(header)
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            when = None  # "soon" and other garbage: no hint
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - time.time())
    return min(backoff * 2 ** (attempt - 1), MAX_WAIT_SECONDS)


def _status_line(response: Response, attempt: int) -> str:
    """``HTTP 404 Not Found: <the server's own words>``."""
    line = f"HTTP {response.status} {response.reason}".rstrip()
    if response.status in RETRY_STATUSES and attempt > 1:
        line += f" after {attempt} attempts"
    try:
        raw = response.read(8192)
    except EndpointError:
        raw = response.head
    finally:
        response.close()
    text = error_text(raw, response.content_type, response.headers.get_content_charset())
    return f"{line}: {text}" if text else line


def error_text(raw: bytes, content_type: str = "", charset: str | None = None) -> str:
    """The readable words of an error body: tags stripped, one line, bounded length; in the
    charset the server declares (windows-1250 pages from Czech servers, say), else UTF-8."""
    try:
        text = raw.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = raw.decode("utf-8", errors="replace")
    if "html" in content_type or re.match(r"\s*<(!doctype|html|\?xml)", text, re.I):
        text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", text)
        text = re.sub(r"(?s)<!--.*?-->", " ", text)
        text = re.sub(r"(?s)<[^>]*>", " ", text)
        text = html.unescape(text)
    text = " ".join(text.split())
    if len(text) > ERROR_TEXT_CHARS:
        text = text[: ERROR_TEXT_CHARS - 1].rstrip() + "…"
    return text
