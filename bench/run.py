"""Benchmark: build -> validate -> query -> export at several sizes, against Oxigraph's floor.

    python bench/run.py --sizes 1000,10000,100000

For each size N it generates N agreements (bench/generate.py), then, each size in a fresh
process, times every step of our pipeline and the reference floor: pyoxigraph alone parsing the
same Turtle and writing Turtle, N-Triples and JSON-LD. It prints wall time and peak memory (RSS)
per step, the slowest named query, and the ratio of our whole pipeline to the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


class PeakMemory:
    """Samples this process's resident memory while a step runs (Linux /proc)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def measure(steps: list[dict[str, Any]], name: str, function: Callable[[], Any]) -> Any:
    with PeakMemory() as memory:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    steps.append({"step": name, "seconds": seconds, "peak_mb": memory.peak / 2**20})
    return result


def run_size(size: int) -> dict[str, Any]:
    """Everything for one size, in this process."""
    import pyoxigraph as ox

    from bench.generate import generate
    from twinning import queries
    from twinning.catalog import CatalogOptions
    from twinning.export import export
    from twinning.load import load_files, ontology_files, project_root
    from twinning.validate import load_shapes, validate_graph

    root = project_root(HERE.parent)
    steps: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"generated-{size}.ttl"
        generated = generate(size)
        data.write_text(generated.turtle, encoding="utf-8")
        del generated

        # The floor: Oxigraph alone parses the Turtle and writes three formats.
        def floor() -> None:
            store = ox.Store()
            store.bulk_load(path=str(data), format=ox.RdfFormat.TURTLE)
            for fmt, suffix in ((ox.RdfFormat.TURTLE, "ttl"), (ox.RdfFormat.N_TRIPLES, "nt"),
                                (ox.RdfFormat.JSON_LD, "jsonld")):  # fmt: skip
                store.dump(
                    str(Path(tmp) / f"floor.{suffix}"), format=fmt, from_graph=ox.DefaultGraph()
                )

        floor_steps: list[dict[str, Any]] = []
        measure(floor_steps, "oxigraph floor", floor)

        files = [*ontology_files(root), data]
        graph = measure(steps, "build (load)", lambda: load_files(files, locate=False))
        shapes = load_shapes(root)
        report = measure(steps, "validate", lambda: validate_graph(graph, shapes))
        slowest = ("", 0.0)

        def run_queries() -> None:
            nonlocal slowest
            for named in queries.library(root).values():
                if "federated" in named.tags:
                    continue  # needs a Wikidata endpoint
                start = time.perf_counter()
                queries.run_local(graph.store, queries.bind(named, {}))
                took = time.perf_counter() - start
                if took > slowest[1]:
                    slowest = (named.name, took)

        measure(steps, "query (all named)", run_queries)
        out = Path(tmp) / "dist"
        options = CatalogOptions(date="2026-11-23")
        measure(steps, "export (all formats)", lambda: export(graph, out, root, options))
        return {
            "size": size,
            "triples": len(graph.triples),
            "violations": len(report.violations),
            "steps": steps,
            "floor": floor_steps[0],
            "slowest_query": {"name": slowest[0], "seconds": slowest[1]},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="agreement counts")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # run one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one)))
        return
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    print(f"machine: {machine}")
    header = f"{'agreements':>10} {'triples':>9} {'step':<22} {'seconds':>8} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    for size in [int(s) for s in args.sizes.split(",") if s]:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        total = sum(step["seconds"] for step in result["steps"])
        peak = max(step["peak_mb"] for step in result["steps"])
        summary = {"step": "pipeline total", "seconds": total, "peak_mb": peak}
        for step in [*result["steps"], summary, result["floor"]]:
            figures = f"{step['seconds']:>8.2f} {step['peak_mb']:>8.0f}"
            print(f"{size:>10} {result['triples']:>9} {step['step']:<22} {figures}")
        slow = result["slowest_query"]
        print(f"{size:>10} {'':>9} slowest query: {slow['name']} {slow['seconds']:.2f} s")
        ratio = total / result["floor"]["seconds"]
        found = result["violations"]
        print(f"{size:>10} {'':>9} pipeline / floor = {ratio:.2f}x; violations found: {found}")
        print()


if __name__ == "__main__":
    main()
