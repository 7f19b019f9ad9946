"""The home page's map: country outlines, a mark per region, a line per partnership, as SVG.

Drawn at build time from the Natural Earth outlines shipped in ``world/`` and the regions'
Wikidata points (``schema:geo``), so it shows without a tile server, a CDN or any script.
The projection is equirectangular, scaled by the cosine of the middle latitude and cut to
the regions' extent with a margin; numbers are rounded so the same data gives the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..geojson_export import coordinate
from .model import SiteGraph, select

WIDTH = 1000.0
MARGIN_DEGREES = 6.0


@dataclass(frozen=True)
class Mark:
    iri: str
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class Line:
    a: str
    b: str
    agreements: tuple[str, ...]


@dataclass
class MapData:
    width: float
    height: float
    countries: list[tuple[str, str]]  # (name, path data)
    marks: list[Mark]
    lines: list[tuple[Line, str]]  # (partnership, SVG path data of its arc)
    unplaced: list[str]  # regions without a point


def partnerships(graph: SiteGraph) -> list[Line]:
    """One line per pair of partners, with every agreement binding them (sides respected)."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for row in select(graph.store, "partnerships"):
        key = (row["a"].value, row["b"].value)
        pairs.setdefault(key, []).append(row["agreement"].value)
    return [Line(a, b, tuple(sorted(set(ags)))) for (a, b), ags in sorted(pairs.items())]


def build(graph: SiteGraph) -> MapData:
    points: dict[str, tuple[float, float]] = {}
    unplaced: list[str] = []
    for row in select(graph.store, "points"):
        region = row["region"].value
        lat, lon = coordinate(row["lat"], 90), coordinate(row["lon"], 180)
        if lat is None or lon is None:
            unplaced.append(region)
            continue
        points[region] = (lat, lon)
    if points:
        lats = [p[0] for p in points.values()]
        lons = [p[1] for p in points.values()]
        south, north = min(lats) - MARGIN_DEGREES, max(lats) + MARGIN_DEGREES
        west, east = min(lons) - MARGIN_DEGREES, max(lons) + MARGIN_DEGREES
    else:
        south, north, west, east = -60.0, 80.0, -180.0, 180.0
    south, north = max(south, -85.0), min(north, 85.0)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = round((north - south) * scale, 1)

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (round((lon - west) * squeeze * scale, 1), round((north - lat) * scale, 1))

    countries = []
    for _code, name, rings in graph_outlines():
        paths = []
        for ring in rings:
            lons, lats = ring[0::2], ring[1::2]
            if max(lons) < west or min(lons) > east or max(lats) < south or min(lats) > north:
                continue
            coordinates = [project(lat, lon) for lon, lat in zip(lons, lats, strict=True)]
            paths.append("M" + "L".join(f"{x:g} {y:g}" for x, y in coordinates) + "Z")
        if paths:
            countries.append((name, "".join(paths)))
    marks = {}
    for region, (lat, lon) in sorted(points.items()):
        x, y = project(lat, lon)
        marks[region] = Mark(region, graph.label(region), x, y)
    lines = [
        (line, arc(marks[line.a], marks[line.b]))
        for line in partnerships(graph)
        if line.a in marks and line.b in marks
    ]
    return MapData(
        width=WIDTH,
        height=height,
        countries=countries,
        marks=sorted(marks.values(), key=lambda m: (m.label.casefold(), m.iri)),
        lines=lines,
        unplaced=sorted(unplaced),
    )


def arc(a: Mark, b: Mark) -> str:
    """A gentle curve from a to b (bent to one side), so overlapping lines stay apart."""
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    dx, dy = b.x - a.x, b.y - a.y
    cx, cy = round(mx - dy * 0.15, 1), round(my + dx * 0.15, 1)
    return f"M{a.x:g} {a.y:g}Q{cx:g} {cy:g} {b.x:g} {b.y:g}"


_OUTLINES: list[Any] | None = None


def graph_outlines() -> list[Any]:
    """The shipped country outlines, read once per process."""
    global _OUTLINES
    if _OUTLINES is None:
        from .model import world_outlines

        _OUTLINES = world_outlines()["countries"]
    return _OUTLINES
