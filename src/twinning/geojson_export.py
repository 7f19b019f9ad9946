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
from .load import LoadedGraph

PRECISION = 6  # decimals of a coordinate (RFC 7946, section 11.2)


def _number(literal: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> float:
    assert isinstance(literal, ox.Literal)
    return float(round(Decimal(literal.value), PRECISION))


def points(graph: LoadedGraph) -> dict[str, tuple[float, float]]:
    """Region IRI → (longitude, latitude)."""
    solutions = graph.store.query(partnerships.query("coordinates"))
    assert isinstance(solutions, ox.QuerySolutions)
    found: dict[str, tuple[float, float]] = {}
    for row in solutions:
        region = row["region"]
        assert region is not None
        found.setdefault(region.value, (_number(row["longitude"]), _number(row["latitude"])))
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
