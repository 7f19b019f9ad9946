"""Putting the built graph into a SPARQL 1.1 store, atomically, on any Graph Store store.

A single Graph Store Protocol ``PUT`` is not atomic everywhere (Virtuoso keeps the triples
it parsed before a broken line), and some stores have no default graph of their own. So:

1. ``PUT`` our triples into a fresh staging named graph;
2. count the staging graph's triples through the query endpoint, and compare;
3. switch it into place with one SPARQL Update, ``MOVE`` (or, where the store refuses
   ``MOVE``, ``DROP`` + ``ADD`` + ``DROP`` in one request);
4. on any failure, drop the staging graph; the old graph was never touched.

Which URLs each store needs is in ``docs/stores.md``; for Oxigraph (``…/store``) and Virtuoso
(``…/sparql-graph-crud[-auth]``) the query and update endpoints are derived.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from dataclasses import dataclass

from . import http, rdfio
from .load import LoadedGraph
from .sparql_client import Endpoint, EndpointError

STAGING_PREFIX = "urn:twinning:staging:"


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
        count = endpoint(query_url).select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{staging}> {{ ?s ?p ?o }} }}"
        )
        found = _count(count)
        if found != expected:
            raise EndpointError(
                f"{store}: the store holds {found} of the {expected} triples sent; "
                f"{described} was left as it was"
            )
        _switch(endpoint(update_url), staging, target, graph_iri)
    except EndpointError as err:
        dropped = _drop_quietly(update_url, staging, credentials)
        message = err.message
        if not message.endswith("left as it was"):
            message += f" ({described} was left as it was)"
        if not dropped:
            message += f"; the staging graph <{staging}> could not be dropped"
        raise EndpointError(message) from err
    except BaseException:
        _drop_quietly(update_url, staging, credentials)
        raise
    return Published(expected, described, store)


def _switch(update: Endpoint, staging: str, target: str, graph_iri: str | None) -> None:
    """One Update request moving staging into place; DROP+ADD where MOVE is refused."""
    try:
        update.update(f"MOVE SILENT GRAPH <{staging}> TO {target}")
        return
    except EndpointError as move_error:
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
    try:
        return int(result["results"]["bindings"][0]["n"]["value"])
    except (KeyError, IndexError, ValueError, TypeError) as err:
        raise EndpointError("the store did not answer the triple count") from err


def _drop_quietly(update_url: str, staging: str, credentials: http.Credentials) -> bool:
    """Remove the staging graph (True if done); a failure here must not hide the first one."""
    client = Endpoint(update_url, timeout=5, retries=0)
    client.credentials = credentials
    try:
        client.update(f"DROP SILENT GRAPH <{staging}>")
    except EndpointError:
        return False
    return True
