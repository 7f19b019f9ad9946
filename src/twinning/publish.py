"""Putting the built graph into a SPARQL 1.1 store with the Graph Store HTTP Protocol.

One ``PUT`` replaces the whole graph (the default graph, or a named one), so the store either
keeps the old graph or gets the new one: a failure never leaves half a graph behind.
Oxigraph (``oxigraph serve``, store at ``/store``), Fuseki (``/dataset/data``), GraphDB
(``/repositories/ID/rdf-graphs/service``) and QLever's Graph Store endpoint work the same.
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request

from . import rdfio
from .load import LoadedGraph
from .sparql_client import PASSWORD_ENV, USER_AGENT, USER_ENV, EndpointError


def graph_store_url(store: str, graph: str | None) -> str:
    """The URL addressing one graph of a Graph Store endpoint."""
    separator = "&" if "?" in store else "?"
    if graph is None:
        return f"{store}{separator}default"
    return f"{store}{separator}{urllib.parse.urlencode({'graph': graph})}"


def publish(
    graph: LoadedGraph, store: str, graph_iri: str | None = None, timeout: float = 120
) -> int:
    """Replace the graph at ``store`` with ours in one request; the number of triples sent."""
    body = rdfio.canonical_ntriples(graph.store)
    url = graph_store_url(store, graph_iri)
    request = urllib.request.Request(url, data=body, method="PUT")
    request.add_header("Content-Type", "application/n-triples")
    request.add_header("User-Agent", USER_AGENT)
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status not in (200, 201, 204):
                raise EndpointError(f"{store}: unexpected HTTP {response.status}")
    except urllib.error.HTTPError as err:
        detail = err.read(200).decode("utf-8", errors="replace").strip().splitlines()
        reason = f": {detail[0]}" if detail else ""
        raise EndpointError(f"{store}: HTTP {err.code} {err.reason}{reason}") from err
    except TimeoutError as err:
        raise EndpointError(f"{store}: timed out after {timeout:g} s") from err
    except urllib.error.URLError as err:
        reason = str(err.reason)
        if isinstance(err.reason, OSError) and err.reason.strerror:
            reason = err.reason.strerror
        raise EndpointError(f"{store}: cannot connect ({reason})") from err
    return body.count(b"\n")
