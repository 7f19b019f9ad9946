"""Putting the built graph into a SPARQL 1.1 store, atomically, on any Graph Store store.

A single Graph Store Protocol ``PUT`` is not atomic everywhere (Virtuoso keeps the triples
it parsed before a broken line), and some stores have no default graph of their own. So:

1. ``PUT`` our triples into a fresh staging named graph (where ``PUT`` answers 404, 405 or
   501, the store has no Graph Store endpoint there: ``INSERT DATA`` through the update
   endpoint instead, in parts of about 1 MB);
2. count the staging graph's triples through the query endpoint, and compare (the count may
   come typed as an integer, a decimal, a double or a string);
3. switch it into place with one SPARQL Update, ``MOVE`` (or, where the store refuses
   ``MOVE`` with an HTTP error, ``DROP`` + ``ADD`` + ``DROP`` in one request);
4. with ``--graph``, count the target graph again: a store may answer 200 to an Update it
   did not do (an error page), and that is not "published";
5. on any failure, drop the staging graph; the old graph was never touched. Except when the
   switch itself got no answer (a timeout, a dropped connection): the store may have done it,
   and the message says to check the graph.

Which URLs each store needs is in ``docs/stores.md``; for Oxigraph (``…/store``) and Virtuoso
(``…/sparql-graph-crud[-auth]``) the query and update endpoints are derived.
"""

from __future__ import annotations

import decimal
import re
import urllib.parse
import uuid
from dataclasses import dataclass

from . import http, rdfio
from .load import LoadedGraph
from .sparql_client import Endpoint, EndpointError

STAGING_PREFIX = "urn:twinning:staging:"
NO_GRAPH_STORE = {404, 405, 501}  # PUT answered so: no Graph Store here, upload by Update
INSERT_BYTES = 1024 * 1024


@dataclass
class Published:
    triples: int
    target: str  # "the default graph" or "graph <iri>"
    store: str


def graph_store_url(store: str, graph: str | None) -> str:
    """The URL addressing one graph of a Graph Store endpoint."""
    separator = "&" if "?" in store else "?"
    if graph is None:
        return f"{store}{separator}default"
    return f"{store}{separator}{urllib.parse.urlencode({'graph': graph})}"


def derived_endpoints(store: str) -> tuple[str | None, str | None]:
    """(query, update) endpoints of a Graph Store URL, for the stores we know."""
    parts = urllib.parse.urlsplit(store)
    path = parts.path.rstrip("/")
    for pattern, query, update in (
        (r"/store$", "/query", "/update"),  # Oxigraph
        (r"/sparql-graph-crud-auth$", "/sparql-auth", "/sparql-auth"),  # Virtuoso
        (r"/sparql-graph-crud$", "/sparql", "/sparql"),  # Virtuoso
    ):
        if re.search(pattern, path):
            base = re.sub(pattern, "", path)
            return (
                parts._replace(path=base + query, query="").geturl(),
                parts._replace(path=base + update, query="").geturl(),
            )
    return None, None


def publish(
    graph: LoadedGraph,
    store: str,
    graph_iri: str | None = None,
    *,
    query_endpoint: str | None = None,
    update_endpoint: str | None = None,
    timeout: float = 120,
) -> Published:
    """Replace the graph at ``store`` with ours, all or nothing."""
    return publish_ntriples(
        rdfio.canonical_ntriples(graph.store),
        store,
        graph_iri,
        query_endpoint=query_endpoint,
        update_endpoint=update_endpoint,
        timeout=timeout,
    )


def publish_ntriples(
    body: bytes,
    store: str,
    graph_iri: str | None = None,
    *,
    query_endpoint: str | None = None,
    update_endpoint: str | None = None,
    timeout: float = 120,
) -> Published:
    """Replace a graph with these N-Triples (one triple per line, no duplicates)."""
    for url in (store, query_endpoint, update_endpoint):
        if url:
            http.check_url(url)
    derived_query, derived_update = derived_endpoints(store)
    query_url = query_endpoint or derived_query
    update_url = update_endpoint or derived_update
    if not query_url or not update_url:
        raise EndpointError(
            f"{store}: give --query-endpoint and --update-endpoint for this store "
            "(they are derived only for Oxigraph's /store and Virtuoso's /sparql-graph-crud)"
        )
    if graph_iri is not None and not re.fullmatch(
        r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*", graph_iri
    ):
        raise EndpointError(f"--graph {graph_iri!r} is not an IRI")
    deadline = http.Deadline(timeout)
    credentials = http.Credentials.from_env()
    staging = f"{STAGING_PREFIX}{uuid.uuid4()}"
    expected = body.count(b"\n")
    target = f"GRAPH <{graph_iri}>" if graph_iri else "DEFAULT"
    described = f"graph <{graph_iri}>" if graph_iri else "the default graph"

    def endpoint(url: str) -> Endpoint:
        remaining = max(0.001, deadline.remaining())
        client = Endpoint(url, timeout=remaining, retries=0)
        client.credentials = credentials
        return client

    switching, checked = False, ""
    try:
        try:
            answer = http.send(
                "PUT",
                graph_store_url(store, staging),
                body=body,
                headers={"Content-Type": "application/n-triples"},
                deadline=deadline,
                credentials=credentials,
                retries=0,
            )
            with answer:
                answer.read(65536)
        except EndpointError as err:
            if err.status not in NO_GRAPH_STORE:
                raise
            _insert(endpoint(update_url), staging, body, err)
        count = endpoint(query_url).select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{staging}> {{ ?s ?p ?o }} }}"
        )
        found = _count(count)
        if found != expected:
            raise EndpointError(
                f"{store}: the store holds {found} of the {expected} triples sent; "
                f"{described} was left as it was"
            )
        switching = True
        _switch(endpoint(update_url), staging, target, graph_iri)
        switching = False
        if graph_iri is not None:  # a store may answer 200 to an Update it did not do
            placed = _count(endpoint(query_url).select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
            ))  # fmt: skip
            if placed != expected:
                checked = f"{described} holds {placed} of the {expected} triples sent"
                raise EndpointError(f"{store}: the store accepted the switch, but {checked}")
    except EndpointError as err:
        dropped = _drop_quietly(update_url, staging, credentials)
        message = err.message
        if checked:
            message += ": check it"
        elif switching and err.status is None:
            # The request was sent and no answer came back: the store may have done it.
            message += f"; {described} may or may not have been replaced: check it"
        elif not message.endswith("left as it was"):
            message += f" ({described} was left as it was)"
        if not dropped:
            message += f"; the staging graph <{staging}> could not be dropped"
        raise EndpointError(message) from err
    except BaseException:
        _drop_quietly(update_url, staging, credentials)
        raise
    return Published(expected, described, store)


def _insert(update: Endpoint, staging: str, body: bytes, refused: EndpointError) -> None:
    """Fill the staging graph with ``INSERT DATA`` requests, for a store whose Graph Store
    endpoint is missing (``PUT`` answered 404, 405 or 501). N-Triples lines are valid inside
    ``INSERT DATA``; they are sent in parts of about :data:`INSERT_BYTES`, since stores bound
    the size of one request. A part that fails leaves a staging graph, which is dropped."""
    lines = body.splitlines(keepends=True)
    start = 0
    while start < len(lines):
        size, end = 0, start
        while end < len(lines) and (end == start or size + len(lines[end]) <= INSERT_BYTES):
            size += len(lines[end])
            end += 1
        part = b"".join(lines[start:end]).decode("utf-8")
        try:
            update.update(f"INSERT DATA {{ GRAPH <{staging}> {{\n{part}}} }}")
        except EndpointError as err:
            raise EndpointError(
                f"{refused.message}; uploading by SPARQL Update instead failed too: {err.message}",
                status=err.status,
            ) from err
        start = end


def _switch(update: Endpoint, staging: str, target: str, graph_iri: str | None) -> None:
    """One Update request moving staging into place; DROP+ADD where MOVE is refused.

    Only a refusal (an HTTP status) leads to DROP+ADD: after a timeout or a dropped
    connection the MOVE may have been done, and ADD from the moved-away staging graph
    would empty the target on a lenient store."""
    try:
        update.update(f"MOVE SILENT GRAPH <{staging}> TO {target}")
        return
    except EndpointError as move_error:
        if move_error.status is None:
            raise
        if graph_iri is None:
            raise EndpointError(
                f"{move_error.message}; this store may have no default graph of its own: "
                "give --graph IRI"
            ) from move_error
        first = move_error
    try:
        update.update(
            f"DROP SILENT {target} ;\nADD GRAPH <{staging}> TO {target} ;\n"
            f"DROP SILENT GRAPH <{staging}>"
        )
    except EndpointError as err:
        raise EndpointError(f"{first.message}; DROP+ADD failed too: {err.message}") from err


def _count(result: dict) -> int:
    """The count, however the store types it: ``xsd:integer``, a decimal or double with
    nothing after the point (``3000.0``, ``3.0E3``), or a plain string."""
    try:
        value = result["results"]["bindings"][0]["n"]["value"]
    except (KeyError, IndexError, TypeError) as err:
        raise EndpointError("the store did not answer the triple count") from err
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        number = decimal.Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value():
        raise EndpointError(f"the store did not answer the triple count ({value!r})")
    return int(number)


def _drop_quietly(update_url: str, staging: str, credentials: http.Credentials) -> bool:
    """Remove the staging graph (True if done); a failure here must not hide the first one."""
    client = Endpoint(update_url, timeout=5, retries=0)
    client.credentials = credentials
    try:
        client.update(f"DROP SILENT GRAPH <{staging}>")
    except EndpointError:
        return False
    return True
