"""The pairs of partners: what researchers and journalists ask for first.

One row per pair of regions bound by at least one instrument on opposite sides (see
``catalog_queries/partnerships.rq`` for who counts as partners), with both regions' names and
countries, the earliest date any of their instruments states (signing or start; a year when
that is all the source gives) and the instruments themselves.
"""

from __future__ import annotations

from importlib import resources

import pyoxigraph as ox

from . import ntlines, tables
from .load import LoadedGraph

COLUMNS = [
    "region_a", "name_a", "country_a", "region_b", "name_b", "country_b", "first_date",
    "instruments",
]  # fmt: skip


def query(name: str) -> str:
    """A SPARQL file shipped with the package (``catalog_queries/NAME.rq``)."""
    return resources.files("twinning").joinpath("catalog_queries", f"{name}.rq").read_text("utf-8")


def _earliest(dates: list[str]) -> str:
    """The earliest of ISO dates of mixed precision: '1993' is before '1993-05-01'."""
    return min(dates) if dates else ""


def rows(graph: LoadedGraph, regions: list[dict[str, str]] | None = None) -> list[dict[str, str]]:
    """One row per pair of partners, sorted by the two IRIs."""
    by_id = {r["id"]: r for r in (regions if regions is not None else tables.region_rows(graph))}
    solutions = graph.store.query(query("partnerships"))
    assert isinstance(solutions, ox.QuerySolutions)
    # Oxigraph writes the rows as TSV itself (terms in N-Triples syntax), read back as text:
    # a pair per agreement runs to hundreds of thousands of rows on large graphs.
    text = (solutions.serialize(format=ox.QueryResultsFormat.TSV) or b"").decode("utf-8")
    del solutions  # dropped here, on the thread that made it
    pairs: dict[tuple[str, str], tuple[set[str], list[str]]] = {}
    header, *lines = text.split("\n")
    assert header.split("\t") == ["?a", "?b", "?agreement", "?date"], header
    for line in lines:
        if not line:
            continue
        a, b, agreement, date = line.split("\t")
        instruments, dates = pairs.setdefault((a[1:-1], b[1:-1]), (set(), []))
        instruments.add(agreement[1:-1])
        if date:
            dates.append(ntlines.term(date)[1])
    out = []
    for (a, b), (instruments, dates) in sorted(pairs.items()):
        region_a, region_b = by_id.get(a, {}), by_id.get(b, {})
        out.append(
            {
                "region_a": a,
                "name_a": region_a.get("name_en", ""),
                "country_a": region_a.get("country", ""),
                "region_b": b,
                "name_b": region_b.get("name_en", ""),
                "country_b": region_b.get("country", ""),
                "first_date": _earliest(dates),
                "instruments": tables.SEPARATOR.join(sorted(instruments)),
            }
        )
    return out
