"""A polite client for remote SPARQL endpoints (SPARQLWrapper underneath).

It follows the etiquette Wikidata asks of tools: a descriptive User-Agent, bounded retries
with back-off that honour ``Retry-After`` on 429 and 503, a timeout, and (for the linker) a
cache so a re-run does not repeat queries. Credentials come from the environment, never from
the command line. Every failure becomes one :class:`EndpointError` with a one-line reason.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .errors import CannotRun

USER_AGENT = (
    f"twinning/{__version__} (https://w3id.org/twinning; open knowledge graph of regional "
    "partnerships) SPARQLWrapper"
)
USER_ENV = "TWINNING_SPARQL_USER"
PASSWORD_ENV = "TWINNING_SPARQL_PASSWORD"
RETRY_STATUSES = {429, 503}
MAX_WAIT_SECONDS = 120.0


class EndpointError(CannotRun):
    """The endpoint could not answer: unreachable, timed out, refused, or sent garbage."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twinning" / "sparql"


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
    ):
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.cache_dir = cache_dir
        self.sleep = sleep
        self.requests = 0  # HTTP requests actually sent (cache hits do not count)

    def select(self, query: str) -> dict[str, Any]:
        """Run a SELECT or ASK query; the SPARQL 1.1 JSON results as a dict."""
        cached = self._cache_get(query)
        if cached is not None:
            return cached
        result = self._with_retries(query)
        self._cache_put(query, result)
        return result

    # ------------------------------------------------------------------ internals
    def _wrapper(self, query: str) -> Any:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper

        wrapper = SPARQLWrapper(self.url, agent=USER_AGENT)
        wrapper.setQuery(query)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(int(max(1, self.timeout)))
        user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
        if user and password:
            wrapper.setCredentials(user, password)
        return wrapper

    def _with_retries(self, query: str) -> dict[str, Any]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        attempt = 0
        while True:
            attempt += 1
            try:
                self.requests += 1
                response = self._wrapper(query).query()
                raw = response.response.read()
                return _parse_json(raw, self.url)
            except urllib.error.HTTPError as err:
                if err.code in RETRY_STATUSES and attempt <= self.retries:
                    self.sleep(self._wait(err, attempt))
                    continue
                reason = f"HTTP {err.code} {err.reason}"
                if err.code in RETRY_STATUSES:
                    reason += f" after {attempt} attempts"
                raise EndpointError(f"{self.url}: {reason}") from err
            except SPARQLWrapperException as err:
                first = str(err).strip().splitlines()[0]
                raise EndpointError(f"{self.url}: {first}") from err
            except TimeoutError as err:
                raise EndpointError(f"{self.url}: timed out after {self.timeout:g} s") from err
            except urllib.error.URLError as err:
                if isinstance(err.reason, TimeoutError):
                    raise EndpointError(f"{self.url}: timed out after {self.timeout:g} s") from err
                raise EndpointError(f"{self.url}: cannot connect ({_reason(err)})") from err
            except (ConnectionError, OSError) as err:
                raise EndpointError(f"{self.url}: cannot connect ({err})") from err

    def _wait(self, err: urllib.error.HTTPError, attempt: int) -> float:
        """Seconds to wait: the server's Retry-After if it says, else exponential back-off."""
        header = err.headers.get("Retry-After") if err.headers else None
        if header:
            header = header.strip()
            if header.isdigit():
                return min(float(header), MAX_WAIT_SECONDS)
            when = email.utils.parsedate_to_datetime(header)
            if when is not None:
                return min(max(0.0, when.timestamp() - time.time()), MAX_WAIT_SECONDS)
        return min(self.backoff * 2 ** (attempt - 1), MAX_WAIT_SECONDS)

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
            cached: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return cached
        except (OSError, ValueError):
            return None

    def _cache_put(self, query: str, result: dict[str, Any]) -> None:
        path = self._cache_path(query)
        if path is None:
            return
        from .rdfio import write_atomic

        # A cache that cannot be written only costs a repeated query.
        with contextlib.suppress(OSError):
            write_atomic(path, json.dumps(result, ensure_ascii=False))


def _parse_json(raw: bytes, url: str) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        preview = raw[:60].decode("utf-8", errors="replace").replace("\n", " ")
        raise EndpointError(
            f"{url}: the answer is not SPARQL JSON results (starts with {preview!r})"
        ) from err
    if not isinstance(document, dict) or not ({"results", "boolean"} & document.keys()):
        raise EndpointError(f"{url}: the answer is JSON but not SPARQL results")
    return document


def _reason(err: urllib.error.URLError) -> str:
    reason = err.reason
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)
