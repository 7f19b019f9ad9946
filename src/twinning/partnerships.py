"""The pairs of partners: what researchers and journalists ask for first.

One row per pair of regions bound by at least one instrument on opposite sides (see
``catalog_queries/partnerships.rq`` for who counts as partners), with both regions' names and
countries, the earliest date any of their instruments states (signing or start; a year when
that is all the source gives) and the instruments themselves.
"""

from __future__ import annotations

from importlib import resources

import pyoxigraph as ox

from . import tables
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
    pairs: dict[tuple[str, str], tuple[set[str], list[str]]] = {}
    for row in solutions:
        a, b, agreement, date = (row[v] for v in ("a", "b", "agreement", "date"))
        assert a is not None and b is not None and agreement is not None
        instruments, dates = pairs.setdefault((a.value, b.value), (set(), []))
        instruments.add(agreement.value)
        if date is not None:
            dates.append(date.value)
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


def to_csv(rows_: list[dict[str, str]]) -> str:
    return tables.to_csv(COLUMNS, rows_)
