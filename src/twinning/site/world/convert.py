"""Convert world-atlas's Natural Earth 110m TopoJSON into the compact outline file we ship.

Run once, by hand, when the source changes (it is not part of the build)::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python src/twinning/site/world/convert.py package/countries-110m.json \
        src/twinning/site/world/countries-110m.json

The output is one JSON object: ``{"source": ..., "countries": [[id, name, rings], ...]}``,
countries sorted by ISO 3166-1 numeric id, each ring a flat list ``[lon, lat, lon, lat, ...]``
in degrees rounded to 0.01 (about 1 km, far finer than the 1:110m source's detail).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs are quantized and delta-encoded: undo both."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[float]:
    """Join a ring's arcs (a negative index ~i is arc i reversed), dropping shared ends."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    flat: list[float] = []
    for lon, lat in points:
        flat += [round(lon, 2), round(lat, 2)]
    return flat


def convert(topology: dict) -> dict:
    arcs = decode_arcs(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [ring(r, arcs) for polygon in polygons for r in polygon]
        countries.append([geometry.get("id", ""), geometry["properties"]["name"], rings])
    countries.sort(key=lambda c: (c[0], c[1]))
    return {
        "source": "world-atlas 2.0.2 (npm), countries-110m.json: Natural Earth 4.1.0 "
        "Admin 0 countries 1:110m, public domain",
        "countries": countries,
    }


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    data = convert(json.loads(source.read_text(encoding="utf-8")))
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
