"""The timeline: instruments per year, stacked by kind, as an SVG bar chart made at build time.

The year is the earliest date a source gives for the instrument (signing, start of the
relation, or a year alone); instruments without any date are counted beside the chart
rather than guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .model import SiteGraph, select

BAR_AREA_HEIGHT = 200.0
BAR_WIDTH = 16.0
GAP = 4.0
# Colour-blind-safe palette (Okabe–Ito, then Tol's muted), one per kind in kind order.
PALETTE = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
    "#882255", "#44aa99", "#999933", "#aa4499", "#332288", "#117733", "#88ccee", "#ddcc77",
]  # fmt: skip


@dataclass(frozen=True)
class Bar:
    year: int
    kind: str
    count: int
    x: float
    y: float
    height: float
    colour: str


@dataclass
class Timeline:
    width: float
    height: float
    bars: list[Bar]
    kinds: list[tuple[str, str, int]]  # (kind IRI, colour, instruments)
    years: list[tuple[int, float, int]]  # (year, x of its label, total)
    undated: int
    first: int | None
    last: int | None


def build(graph: SiteGraph) -> Timeline:
    counts: Counter[tuple[int, str]] = Counter()
    per_kind: Counter[str] = Counter()
    undated = 0
    for row in select(graph.store, "timeline"):
        kind = row["kind"].value if row["kind"] is not None else ""
        if row["year"] is None:
            undated += 1
            continue
        counts[(int(row["year"].value), kind)] += 1
        per_kind[kind] += 1
    kinds = sorted(per_kind, key=lambda k: (graph.label(k).casefold() if k else "~", k))
    colours = {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(kinds)}
    if not counts:
        return Timeline(100.0, BAR_AREA_HEIGHT + 30, [], [], [], undated, None, None)
    first = min(year for year, _ in counts)
    last = max(year for year, _ in counts)
    totals = Counter[int]()
    for (year, _), count in counts.items():
        totals[year] += count
    unit = BAR_AREA_HEIGHT / max(totals.values())
    bars: list[Bar] = []
    years: list[tuple[int, float, int]] = []
    for offset, year in enumerate(range(first, last + 1)):
        x = round(offset * (BAR_WIDTH + GAP), 1)
        top = BAR_AREA_HEIGHT
        for kind in kinds:
            count = counts.get((year, kind), 0)
            if not count:
                continue
            height = round(count * unit, 1)
            top = round(top - height, 1)
            bars.append(Bar(year, kind, count, x, top, height, colours[kind]))
        years.append((year, round(x + BAR_WIDTH / 2, 1), totals.get(year, 0)))
    width = round((last - first + 1) * (BAR_WIDTH + GAP), 1)
    return Timeline(
        width=max(width, 100.0),
        height=BAR_AREA_HEIGHT + 40,
        bars=bars,
        kinds=[(k, colours[k], per_kind[k]) for k in kinds],
        years=years,
        undated=undated,
        first=first,
        last=last,
    )
