"""A GeoJSON map of the graph: regions as points, partnerships as lines between them.

Map tools (QGIS, uMap, geojson.io) open it directly. Points are each region's Wikidata
coordinates (P625, carried into ``data/geo.ttl`` by the linking step as ``schema:geo``);
a partnership is drawn when both regions have a point. Coordinates are longitude, latitude
(RFC 7946, WGS 84), rounded to six decimals (about 10 cm) as RFC 7946 section 11.2 advises.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from . import partnerships
from .errors import DataProblem
from .load import LoadedGraph

PRECISION = 6  # decimals of a coordinate (RFC 7946, section 11.2)


def coordinate(term: object, limit: float, precision: int | None = None) -> float | None:
    """A latitude (``limit`` 90) or longitude (180) from a literal, rounded to ``precision``
    decimals if given; None when it is no finite number within the limit ("abc", "NaN",
    "1e400", 200, an IRI), which no map (and no JSON, for NaN) can carry. The site uses it too.
    """
    if not isinstance(term, ox.Literal):
        return None
    try:
        value = Decimal(term.value)
        if precision is not None:
            value = round(value, precision)
    except ArithmeticError:  # decimal.InvalidOperation: not a number, or too long to round
        return None
    if not value.is_finite() or abs(value) > limit:
        return None
    return float(value)


def points(graph: LoadedGraph) -> dict[str, tuple[float, float]]:
    """Region IRI → (longitude, latitude). A coordinate that is no number in range, or a
    region with two different points, is a :class:`DataProblem`: no point is made up."""
    solutions = graph.store.query(partnerships.query("coordinates"))
    assert isinstance(solutions, ox.QuerySolutions)
    found: dict[str, tuple[float, float]] = {}
    for row in solutions:
        region = row["region"]
        assert region is not None
        longitude = coordinate(row["longitude"], 180, PRECISION)
        latitude = coordinate(row["latitude"], 90, PRECISION)
        if longitude is None or latitude is None:
            bad, name, limit = (
                (row["longitude"], "longitude", 180)
                if longitude is None
                else (row["latitude"], "latitude", 90)
            )
            shown = bad.value if isinstance(bad, ox.Literal) else str(bad)
            raise DataProblem(
                f"{region.value}: {name} {shown!r} is not a number from -{limit} to {limit}"
            )
        if found.setdefault(region.value, (longitude, latitude)) != (longitude, latitude):
            raise DataProblem(f"{region.value} has two different points (schema:geo): keep one")
    return found


def feature_collection(
    graph: LoadedGraph, regions: list[dict[str, str]], pairs: list[dict[str, str]]
) -> dict[str, Any]:
    """Points first (sorted by IRI), then lines (sorted by the pair)."""
    where = points(graph)
    features: list[dict[str, Any]] = []
    for region in regions:
        if region["id"] not in where:
            continue
        features.append(
            {
                "type": "Feature",
                "id": region["id"],
                "geometry": {"type": "Point", "coordinates": list(where[region["id"]])},
                "properties": {
                    "kind": "region",
                    "name": region["name"],
                    "name_en": region["name_en"],
                    "country": region["country"],
                    "wikidata": region["wikidata"],
                },
            }
        )
    for pair in pairs:
        a, b = pair["region_a"], pair["region_b"]
        if a not in where or b not in where:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(where[a]), list(where[b])]},
                "properties": {"kind": "partnership", **pair},
            }
        )
    return {"type": "FeatureCollection", "features": features}
