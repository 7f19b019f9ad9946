"""Benchmark: build -> validate -> query -> export at several sizes, against Oxigraph's floor.

    python bench/run.py --sizes 1000,10000,100000 [--runs 2]
    python bench/run.py --sizes 1000000           # opt-in: about 37 M triples

For each size N it generates N agreements once (bench/generate.py), then runs the floor
(pyoxigraph alone: load the same Turtle, write Turtle, N-Triples and JSON-LD) and our pipeline
alternately, each run in a fresh child process: floor, ours, floor, ours. It prints the medians
of the totals and their ratio, the per-step table of the median run, every named query's time,
and memory measured by the operating system, not sampled: for each step the kernel's
high-water mark of the child's resident memory (``VmHWM``, reset before the step through
``/proc/self/clear_refs``), for each whole child the largest of those (its ``ru_maxrss``
from ``wait4`` only keeps the peak since the last reset), and for the processes the export
starts (``sort``, the Turtle, JSON-LD and rows children: fresh programs, not forks) the
largest one's ``VmHWM`` and the largest sum of their resident memory, read while they run
(see ``_ChildPeaks``).

A child prints one JSON line per finished step, so a run that dies (out of memory at
1,000,000) still reports how far it got.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
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
MB = 2**20


def _reset_peak() -> bool:
    """Reset this process's resident high-water mark (Linux 4.0+); False where refused."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_bytes() -> int:
    """The kernel's high-water mark of this process's resident memory (``VmHWM``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _step(name: str, function: Callable[[], Any], **extra: Any) -> Any:
    """Run one step, print its JSON line (seconds, peak MB since the step began)."""
    reset = _reset_peak()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    line = {"step": name, "seconds": seconds, "peak_mb": _peak_bytes() / MB, "reset": reset}
    line.update(extra)
    print(json.dumps(line), flush=True)
    return result


def floor(data: Path, out: Path) -> None:
    """The floor, in this process: Oxigraph alone parses the Turtle and writes three formats."""
    import pyoxigraph as ox

    store = ox.Store()
    _step("load", lambda: store.bulk_load(path=str(data), format=ox.RdfFormat.TURTLE))
    for fmt, suffix in ((ox.RdfFormat.TURTLE, "ttl"), (ox.RdfFormat.N_TRIPLES, "nt"),
                        (ox.RdfFormat.JSON_LD, "jsonld")):  # fmt: skip
        target = str(out / f"floor.{suffix}")
        _step(
            f"write {suffix}",
            functools.partial(store.dump, target, format=fmt, from_graph=ox.DefaultGraph()),
        )


def ours(data: Path, out: Path) -> None:
    """Our pipeline, in this process: load, validate, every named query, export."""
    from twinning import queries
    from twinning.catalog import CatalogOptions
    from twinning.export import export
    from twinning.load import load_files, ontology_files, project_root
    from twinning.validate import load_shapes, validate_graph

    root = project_root(HERE.parent)
    files = [*ontology_files(root), data]
    graph = _step("build (load)", lambda: load_files(files, locate=False, check_literals=False))
    print(json.dumps({"triples": len(graph)}), flush=True)
    shapes = load_shapes(root)
    report = _step("validate", lambda: validate_graph(graph, shapes))
    print(json.dumps({"violations": len(report.violations)}), flush=True)
    for named in queries.library(root).values():
        if "federated" in named.tags:
            continue  # needs a Wikidata endpoint
        text = queries.bind(named, {})

        def run(text: str = text) -> int:
            """What ``twinning query run --format csv`` does once the graph is loaded."""
            sink = _Lines()
            queries.write(queries.stream_local(graph.store, text), "csv", sink)
            return sink.lines - 1  # the header

        rows = _step(f"query {named.name}", run)
        print(json.dumps({"rows": {named.name: rows}}), flush=True)
    options = CatalogOptions(date="2026-11-23")
    with _ChildPeaks() as children:
        _step("export (all formats)", lambda: export(graph, out / "dist", root, options))
    peaks = {"children_peak_mb": children.peak / MB, "children_together_mb": children.together / MB}
    print(json.dumps(peaks), flush=True)


class _ChildPeaks:
    """The largest ``VmHWM`` (the kernel's high-water mark of resident memory) of this
    process's children (sort, the export's Turtle, JSON-LD and rows processes), read from
    /proc every 0.2 s while they run. Not ``RUSAGE_CHILDREN``: a child's ``ru_maxrss`` counts
    the pages of this process it was forked from, before it became another program. Also the
    largest sum of their resident memory (``VmRSS``) seen at one reading: what they hold
    together beside this process (sampled, so a lower bound)."""

    def __init__(self) -> None:
        self.peak = 0
        self.together = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.2):
            resident = 0
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                    if fields[1] != me:  # the parent's pid
                        continue
                    status = (stat.parent / "status").read_text()
                except OSError:
                    continue  # it ended meanwhile
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak = max(self.peak, int(line.split()[1]) * 1024)
                    elif line.startswith("VmRSS:"):
                        resident += int(line.split()[1]) * 1024
            self.together = max(self.together, resident)


class _Lines:
    """/dev/null counting CSV line ends: the rows (Oxigraph writes the CSV and counts none;
    no generated value holds a CRLF)."""

    lines = 0

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\r\n")
        return len(data)

    def flush(self) -> None:
        pass


def _child(kind: str, data: Path) -> dict[str, Any]:
    """Run ``floor`` or ``ours`` in a fresh process; its step lines and its OS-measured peak."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, __file__, f"--{kind}", str(data), "--out", tmp]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # progress on stderr as each step ends
            lines.append(line)
            print(f"  {kind}: {line.strip()}", file=sys.stderr, flush=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    run: dict[str, Any] = {"steps": [], "rows": {}, "exit": process.returncode}
    for line in lines:
        item = json.loads(line)
        if "step" in item:
            run["steps"].append(item)
        elif "rows" in item:
            run["rows"].update(item["rows"])
        else:
            run.update(item)
    run["total"] = sum(step["seconds"] for step in run["steps"])
    # Resetting VmHWM before each step resets ru_maxrss too (the same counter): the whole
    # run's peak is the largest of the steps' peaks and what ru_maxrss kept since the last.
    steps_peak = max((step["peak_mb"] for step in run["steps"]), default=0)
    run["process_peak_mb"] = max(usage.ru_maxrss * 1024 / MB, steps_peak)
    return run


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["total"])
    return ordered[(len(ordered) - 1) // 2]


def measure_size(size: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"generated-{size}.ttl"
        # In a child process: the memory the generator takes (1.6 GB at 1,000,000) would
        # otherwise stay with this process beside every run.
        command = [sys.executable, __file__, "--generate", str(size), "--out", str(data)]
        subprocess.run(command, check=True)
        floors, pipelines = [], []
        for _ in range(runs):  # alternated, so both see the same machine load
            floors.append(_child("floor", data))
            pipelines.append(_child("ours", data))
    report(size, floors, pipelines)


def report(size: int, floors: list[dict[str, Any]], pipelines: list[dict[str, Any]]) -> None:
    floor_total = statistics.median(r["total"] for r in floors)
    ours_total = statistics.median(r["total"] for r in pipelines)
    median = _median_run(pipelines)
    triples = median.get("triples")
    print(f"== {size:,} agreements, {f'{triples:,}' if triples else 'unknown'} triples")
    print("floor runs (s):   ", ", ".join(f"{r['total']:.2f}" for r in floors))
    print("pipeline runs (s):", ", ".join(f"{r['total']:.2f}" for r in pipelines))
    header = f"{'step (median pipeline run)':<46} {'seconds':>8} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    query_total = 0.0
    for step in median["steps"]:
        rows = median["rows"].get(step["step"].removeprefix("query "), "")
        name = f"{step['step']} ({rows:,} rows)" if rows != "" else step["step"]
        print(f"{name:<46} {step['seconds']:>8.2f} {step['peak_mb']:>8.0f}")
        if step["step"].startswith("query "):
            query_total += step["seconds"]
    print(f"{'  all named queries':<46} {query_total:>8.2f}")
    for run in pipelines + floors:
        if run["exit"] != 0:
            last = run["steps"][-1]["step"] if run["steps"] else "start-up"
            print(f"a run exited with {run['exit']} after step '{last}'")
    floor_peak = max(r["process_peak_mb"] for r in floors)
    ours_peak = max(r["process_peak_mb"] for r in pipelines)
    helpers = max(r.get("children_peak_mb", 0) for r in pipelines)
    together = max(r.get("children_together_mb", 0) for r in pipelines)
    print(f"floor median {floor_total:.2f} s, peak {floor_peak:.0f} MB (largest VmHWM)")
    print(f"pipeline median {ours_total:.2f} s, peak {ours_peak:.0f} MB (largest VmHWM); "
          f"largest process the export started: {helpers:.0f} MB (VmHWM), "
          f"all of them at once: {together:.0f} MB (largest sampled sum of VmRSS)")  # fmt: skip
    ratio = f"{ours_total / floor_total:.2f}x" if floor_total else "unknown (no floor time)"
    print(f"pipeline / floor = {ratio}; "
          f"violations found: {median.get('violations', '?')}")  # fmt: skip
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="agreement counts")
    parser.add_argument("--runs", type=int, default=2, help="floor/pipeline pairs per size")
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)  # child: the data
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)  # child: the floor
    parser.add_argument("--ours", type=Path, help=argparse.SUPPRESS)  # child: our pipeline
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        from bench.generate import generate

        args.out.write_text(generate(args.generate).turtle, encoding="utf-8")
        return
    if args.floor:
        floor(args.floor, args.out)
        return
    if args.ours:
        ours(args.ours, args.out)
        return
    try:  # the runs import them in child processes, whose tracebacks would be the only sign
        import pyoxigraph  # noqa: F401

        import twinning  # noqa: F401
    except ImportError as err:
        sys.exit(f"bench/run.py needs the project installed (pip install -e .): {err}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    for size in [int(s) for s in args.sizes.split(",") if s]:
        measure_size(size, args.runs)


if __name__ == "__main__":
    main()
