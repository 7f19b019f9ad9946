"""How long `twinning site` takes: the shipped data, then generated data of given sizes.

    python bench/site.py                    # shipped data and 10,000 agreements
    python bench/site.py --sizes 1000,10000

Generated data comes from bench/generate.py; each region also gets a synthetic point (seeded,
so the map and its lines are drawn at scale too). Prints wall time, CPU time, peak memory,
pages and bytes written per size.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def synthetic_points(turtle: str, seed: int = 11) -> str:
    """A schema:geo point for every generated region (for the map at scale)."""
    rng = random.Random(seed)
    lines = []
    for line in turtle.splitlines():
        if line.startswith("region:") and " a tw:Region" in line:
            slug = line.split()[0].removeprefix("region:")
            lat, lon = rng.uniform(20, 65), rng.uniform(-5, 130)
            lines.append(
                f"region:{slug} schema:geo coordinates:{slug} . coordinates:{slug} a "
                f'schema:GeoCoordinates ; schema:latitude "{lat:.5f}"^^xsd:decimal ; '
                f'schema:longitude "{lon:.5f}"^^xsd:decimal .'
            )
    return "\n".join(lines) + "\n"


def measure_build(root: Path, files: list[Path], label: str) -> dict[str, Any]:
    from bench.run import PeakMemory
    from twinning.load import load_files
    from twinning.site.build import build_site

    graph = load_files(files, locate=False)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        with PeakMemory() as memory:
            wall, cpu = time.perf_counter(), time.process_time()
            summary = build_site(graph, out, root)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "data": label,
        "triples": len(graph),
        "seconds": wall,
        "cpu": cpu,
        "peak_mb": memory.peak / 2**20,
        "pages": summary.pages,
        "files": summary.files,
        "mb": size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated agreement counts")
    args = parser.parse_args()
    from bench.generate import generate
    from twinning.load import data_files, mapping_files, ontology_files, project_root

    root = project_root(HERE.parent)
    results = [
        measure_build(
            root,
            [*ontology_files(root), *data_files(root), *mapping_files(root)],
            "shipped",
        )
    ]
    for size in [int(s) for s in args.sizes.split(",") if s]:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "project"
            shutil.copytree(root / "ontology", project / "ontology")
            shutil.copytree(root / "data" / "catalog", project / "data" / "catalog")
            data = project / "data" / f"generated-{size}.ttl"
            turtle = generate(size).turtle
            prefixes = "@prefix coordinates: <https://w3id.org/twinning/id/coordinates/> .\n"
            data.write_text(turtle + "\n" + prefixes + synthetic_points(turtle), "utf-8")
            files = [*ontology_files(project), data]
            results.append(measure_build(project, files, f"{size} agreements"))
    print(f"{'data':<20} {'triples':>9} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
          f"{'pages':>7} {'files':>7} {'MB':>7}")  # fmt: skip
    for r in results:
        print(
            f"{r['data']:<20} {r['triples']:>9} {r['seconds']:>8.2f} {r['cpu']:>8.2f} "
            f"{r['peak_mb']:>8.0f} {r['pages']:>7} {r['files']:>7} {r['mb']:>7.1f}"
        )


if __name__ == "__main__":
    main()
