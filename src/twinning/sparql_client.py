"""A polite client for remote SPARQL endpoints, over the one HTTP layer (:mod:`twinning.http`).

It follows the etiquette Wikidata asks of tools: a descriptive User-Agent, bounded retries
with back-off that honour ``Retry-After`` on 429 and 503, a timeout for the whole call, and
(for the linker) a cache so a re-run does not repeat queries. Credentials come from the
environment, never from the command line.

The query is sent as an HTML form (SPARQL 1.1 Protocol, POST) asking for
``application/sparql-results+json`` first, then SPARQL XML and TSV results (never plain
``application/json``: Comunica picks it when offered and answers in another shape). The format
is told from the answer's first bytes before its Content-Type, which servers get wrong; an
HTML page sent with status 200 is reported as its text. Answers are parsed as a stream by
Oxigraph's results parsers, which also refuse results of the wrong shape (no
``results.bindings``, a binding that is not an object, an entity declaration in XML…); either
way the failure is one :class:`EndpointError`.
SPARQLWrapper is no longer used: it follows redirects to any host with the credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import http, terms
from .http import (
    DEFAULT_MAX_BYTES,
    MAX_WAIT_SECONDS,
    PASSWORD_ENV,
    RETRY_STATUSES,
    TOKEN_ENV,
    USER_AGENT,
    USER_ENV,
    Deadline,
    EndpointError,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_WAIT_SECONDS",
    "PASSWORD_ENV",
    "RETRY_STATUSES",
    "TOKEN_ENV",
    "USER_AGENT",
    "USER_ENV",
    "Endpoint",
    "EndpointError",
    "Solutions",
    "default_cache_dir",
]

RESULTS_JSON = "application/sparql-results+json"
# JSON first (Comunica picks plain application/json if offered, see above); XML and TSV for
# stores that speak only those. CSV is not asked for: it does not say what kind each term is.
ACCEPT = f"{RESULTS_JSON}, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.8"
MAX_GET_URL = 8000  # characters; most servers accept URLs of 8 KB, fewer refuse more with 414
FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twinning" / "sparql"


@dataclass
class Solutions:
    """SELECT results read as a stream: the variables, then one row of terms at a time."""

    variables: list[str]
    rows: Iterator[dict[str, Any]]  # variable name -> pyoxigraph term (unbound: absent)


class Endpoint:
    """One SPARQL endpoint, queried politely."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        cache_dir: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ):
        http.check_url(url)  # before anything is sent or printed
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.cache_dir = cache_dir
        self.sleep = sleep
        self.max_bytes = max_bytes
        self.credentials = http.Credentials.from_env()
        self.requests = 0  # HTTP requests actually sent (cache hits do not count)

    def select(self, query: str) -> dict[str, Any]:
        """Run a SELECT or ASK query; the SPARQL 1.1 JSON results as a dict (checked shape)."""
        cached = self._cache_get(query)
        if cached is not None:
            return cached
        with self.stream(query, select_only=False) as solutions:
            if isinstance(solutions, bool):
                result: dict[str, Any] = {"head": {}, "boolean": solutions}
            else:
                bindings = [
                    {name: to_json_term(term) for name, term in row.items()}
                    for row in solutions.rows
                ]
                result = {"head": {"vars": solutions.variables}, "results": {"bindings": bindings}}
        self._cache_put(query, result)
        return result

    def rows(self, query: str, required: tuple[str, ...] = ()) -> list[dict[str, dict[str, str]]]:
        """The bindings of a SELECT, each checked to bind every ``required`` variable to a
        term with a value: an endpoint (or a cache file) answering rows of another shape is
        one line, not a crash further on."""
        result = self.select(query)
        bindings = result.get("results", {}).get("bindings") if isinstance(result, dict) else None
        if not isinstance(bindings, list):
            raise EndpointError(f"{self.url}: the answer holds no SELECT results")
        for row in bindings:
            if not isinstance(row, dict) or any(
                not isinstance(row.get(name), dict) or not isinstance(row[name].get("value"), str)
                for name in required
            ):
                wanted = ", ".join(f"?{name}" for name in required)
                raise EndpointError(f"{self.url}: an answer row does not bind {wanted}")
        return bindings

    @contextlib.contextmanager
    def stream(self, query: str, select_only: bool = True) -> Iterator[Any]:
        """Run a SELECT query; :class:`Solutions` parsed while they arrive (nothing held whole).

        With ``select_only=False`` an ASK answer is yielded as a bool.
        """
        answer = self._post(query, Deadline(self.timeout))
        holder: list[Any] = []  # Oxigraph's parser, dropped on the way out (see _release)
        try:
            found = self._format(answer)
            with self._reading(answer, found):
                holder.append(ox.parse_query_results(answer, found))  # type: ignore[arg-type]
            if isinstance(holder[0], ox.QueryBoolean):
                if select_only:
                    raise EndpointError(f"{self.url}: only SELECT queries can be run by name")
                yield bool(holder[0])
                return
            variables = [v.value for v in holder[0].variables]

            def rows() -> Iterator[dict[str, Any]]:
                with self._reading(answer, found):
                    for row in _tolerant(holder, answer):
                        yield {v: row[v] for v in variables if row[v] is not None}

            stream = rows()
            holder.append(stream)
            yield Solutions(variables, stream)
        finally:
            for item in holder[1:]:
                item.close()
            holder.clear()  # not left to a garbage collection in another thread
            answer.close()

    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update (used by publish) within the same rules."""
        with self._send(update, "update", Deadline(self.timeout)) as answer:
            while answer.read(65536):  # read to the end, in bounded parts
                pass

    # ------------------------------------------------------------------ internals
    def _count(self) -> None:
        self.requests += 1

    def _post(self, query: str, deadline: Deadline) -> http.Response:
        return self._send(query, "query", deadline)

    def _send(self, text: str, kind: str, deadline: Deadline) -> http.Response:
        """POST ``text`` as an HTML form, the protocol's best supported way; where a store
        refuses the form (415), POST it as ``application/sparql-query`` (or ``-update``);
        where it refuses POST (405), send a query with GET if the URL stays under
        :data:`MAX_GET_URL` characters (longer ones meet 414 URI Too Long)."""
        form = urllib.parse.urlencode({kind: text})
        headers = {"Accept": ACCEPT} if kind == "query" else {}

        def attempt(method: str, url: str, body: bytes | None, media: str | None) -> http.Response:
            return http.send(
                method,
                url,
                body=body,
                headers={**headers, **({"Content-Type": media} if media else {})},
                deadline=deadline,
                max_bytes=self.max_bytes,
                credentials=self.credentials,
                retries=self.retries,
                backoff=self.backoff,
                sleep=self.sleep,
                counter=self._count,
            )

        try:
            return attempt("POST", self.url, form.encode(), "application/x-www-form-urlencoded")
        except EndpointError as refused:
            if refused.status == 415:
                return attempt("POST", self.url, text.encode(), f"application/sparql-{kind}")
            if refused.status != 405 or kind != "query":
                raise
            url = f"{self.url}{'&' if '?' in self.url else '?'}{form}"
            if len(url) > MAX_GET_URL:
                raise EndpointError(
                    f"{refused.message}; the query is too long to be sent with GET "
                    f"({len(url)} characters in the URL, at most {MAX_GET_URL})",
                    status=refused.status,
                ) from refused
            return attempt("GET", url, None, None)

    def _format(self, answer: http.Response) -> ox.QueryResultsFormat:
        """Which results format the answer is in: what its first bytes say, else its
        Content-Type (servers label answers wrongly, or not at all). An HTML page (a login
        or maintenance page sent with status 200) is shown as its text."""
        start = answer.peek().lstrip()
        lowered = start[:64].lower()
        declared = answer.content_type
        if not start:
            raise EndpointError(f"{self.url}: the answer is empty")
        xml = re.match(rb"<(\?xml|!--|([\w.-]+:)?sparql\b)", lowered)
        if start.startswith(b"{"):
            return ox.QueryResultsFormat.JSON
        if xml:
            return ox.QueryResultsFormat.XML
        if start.startswith(b"<") or "html" in declared:
            text = http.error_text(start, "text/html")
            raise EndpointError(
                f"{self.url}: the answer is an HTML page, not SPARQL results: {text}"
            )
        if declared in FORMATS:
            return FORMATS[declared]
        if start.startswith(b"?"):
            return ox.QueryResultsFormat.TSV
        if declared == "text/csv":
            raise EndpointError(
                f"{self.url}: the answer is CSV, which does not say what kind of term each value "
                "is; ask the store for SPARQL JSON, XML or TSV results"
            )
        preview = start[:60].decode("utf-8", errors="replace").replace("\n", " ")
        raise EndpointError(
            f"{self.url}: the answer is not SPARQL results "
            f"({declared or 'no Content-Type'}, starts with {preview!r})"
        )

    @contextlib.contextmanager
    def _reading(self, answer: http.Response, found: ox.QueryResultsFormat) -> Iterator[None]:
        """Parser errors while reading an answer become one line."""
        name = found.name.split()[-1]  # "SPARQL Results in XML": XML
        try:
            yield
        except EndpointError:
            raise
        except (SyntaxError, ValueError, UnicodeError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise EndpointError(
                f"{self.url}: the answer is not valid SPARQL {name} results ({reason})"
            ) from err
        except OSError as err:
            raise EndpointError(f"{self.url}: {http.describe(err)}") from err

    def _cache_path(self, query: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.url}\n{query}".encode()).hexdigest()
        return self.cache_dir / f"{key}.json"

    def _cache_get(self, query: str) -> dict[str, Any] | None:
        path = self._cache_path(query)
        if path is None or not path.exists():
            return None
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cached if isinstance(cached, dict) else None

    def _cache_put(self, query: str, result: dict[str, Any]) -> None:
        path = self._cache_path(query)
        if path is None:
            return
        from .rdfio import write_atomic

        # A cache that cannot be written only costs a repeated query.
        with contextlib.suppress(OSError):
            write_atomic(path, json.dumps(result, ensure_ascii=False))


def _tolerant(holder: list[Any], answer: http.Response) -> Iterator[ox.QuerySolution]:
    """The rows, ignoring members after ``results`` (Comunica appends ``"metadata"``).

    Oxigraph's parser stops there; every row has been read by then, so the rest of the
    answer is read (within the size cap) and dropped.
    """
    try:
        yield from holder[0] if holder else ()
    except SyntaxError as err:
        if "after the end of the bindings array" not in str(err):
            raise
        while answer.read(65536):
            pass


def to_json_term(term: Any) -> dict[str, Any]:
    """A pyoxigraph term as a SPARQL 1.1 JSON term (plain strings without a datatype), keys in
    the order Oxigraph writes them; a triple term as SPARQL 1.2 JSON results have it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        if term.language:
            found = {"type": "literal", "value": term.value, "xml:lang": term.language}
            if term.direction is not None:
                found["its:dir"] = str(term.direction)
            return found
        if term.datatype.value == terms.XSD + "string":
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
    return {"type": "triple", "value": {key: to_json_term(part) for key, part in parts.items()}}
