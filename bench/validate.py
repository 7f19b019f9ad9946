"""Benchmark: validation of the shipped data and of generated graphs.

    python bench/validate.py                 # shipped data, 100,000 generated agreements
    python bench/validate.py --sizes 1000 --pyshacl   # also time the reference engine

Prints one line per run: engine, triples, findings, seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate  # noqa: E402
from twinning.load import load_files, load_project, ontology_files, project_root  # noqa: E402
from twinning.validate import load_shapes, validate_graph  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated agreement counts")
    parser.add_argument("--pyshacl", action="store_true", help="also time pySHACL")
    args = parser.parse_args()
    root = project_root(Path(__file__).resolve().parents[1])
    shapes = load_shapes(root)
    engines = ["sparql", "pyshacl"] if args.pyshacl else ["sparql"]
    print(f"{'data':<22}{'engine':<10}{'triples':>10}{'findings':>10}{'seconds':>10}")
    graph = load_project(root)
    for engine in engines:
        start = time.perf_counter()
        report = validate_graph(graph, shapes, engine=engine)
        took = time.perf_counter() - start
        print(
            f"{'shipped':<22}{engine:<10}{len(graph.triples):>10}{len(report.findings):>10}{took:>10.2f}"
        )
    for size in [int(s) for s in args.sizes.split(",") if s]:
        generated = generate(size)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "generated.ttl"
            path.write_text(generated.turtle, encoding="utf-8")
            graph = load_files([*ontology_files(root), path], locate=False)
            for engine in engines:
                start = time.perf_counter()
                report = validate_graph(graph, shapes, engine=engine)
                took = time.perf_counter() - start
                found = {f.focus for f in report.violations}
                ok = "ok" if found == set(generated.broken) else "MISMATCH"
                label = f"generated {size}"
                counts = f"{len(graph.triples):>10}{len(report.findings):>10}"
                print(f"{label:<22}{engine:<10}{counts}{took:>10.2f}  {ok}")


if __name__ == "__main__":
    main()
