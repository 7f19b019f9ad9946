"""Benchmark of the named queries: old against new, alternated in one process, on one graph.

    python bench/queries.py [--size 100000] [--runs 3] [--old REV] [name ...]

It generates N agreements (bench/generate.py), loads them once as ``twinning build`` does
(ontology and data), then times each named query the way ``twinning query run --format csv``
runs it once the graph is loaded: the query text bound with its defaults and the CSV written
to /dev/null. "old" is the query file and ``src/twinning/queries.py`` as they are at git
revision REV (default ``HEAD``), imported beside the current ones; "new" is the working tree.
Each run times old then new, so both see the same machine load; the medians are printed, with
the engine's own time for the new text (``serialize`` to bytes, no writer) and whether old and
new wrote the same bytes.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def _at(rev: str, path: str) -> str | None:
    """A file's text at a git revision (None where it did not exist)."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else None


def _old_module(rev: str) -> ModuleType:
    """``twinning.queries`` as it is at ``rev``, imported as ``twinning._bench_old_queries``."""
    import twinning

    source = _at(rev, "src/twinning/queries.py")
    assert source is not None, f"no src/twinning/queries.py at {rev}"
    name = "twinning._bench_old_queries"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = twinning.__name__
    sys.modules[name] = module
    exec(compile(source, f"{rev}:src/twinning/queries.py", "exec"), module.__dict__)
    return module


class _Digest:
    """A sink that keeps only a hash and the length of what was written."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="agreements to generate")
    parser.add_argument("--runs", type=int, default=3, help="old/new pairs per query")
    parser.add_argument("--old", default="HEAD", help="git revision of the old queries")
    parser.add_argument("names", nargs="*", help="only these queries (default: all local)")
    args = parser.parse_args()

    from twinning import queries as new

    old = _old_module(args.old)
    seconds, graph = load_generated(args.size)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"{args.size:,} agreements, {len(graph):,} triples, loaded in {seconds:.1f} s")
    print(f"old = {args.old}, new = working tree; {args.runs} alternated runs, medians (s)")
    header = f"{'query':<32} {'old':>7} {'new':>7} {'engine':>7} {'rows':>8}  same bytes"
    print(header)
    print("-" * len(header))

    library = new.library(ROOT)
    names = args.names or [n for n, q in library.items() if "federated" not in q.tags]
    for name in names:
        named = library[name]
        new_text = new.bind(named, {})
        old_file = _at(args.old, f"queries/{name}.rq")
        old_text = old.bind(_reparsed(old, named.path, old_file or named.text), {})

        times: dict[str, list[float]] = {"old": [], "new": [], "engine": []}
        digests = {}
        for _ in range(args.runs):
            seconds, digests["old"] = _timed(functools.partial(_csv, old, graph.store, old_text))
            times["old"].append(seconds)
            seconds, digests["new"] = _timed(functools.partial(_csv, new, graph.store, new_text))
            times["new"].append(seconds)
            seconds, _ = _timed(functools.partial(_engine, graph.store, new_text))
            times["engine"].append(seconds)
        rows = _rows(graph.store, new_text)
        same = digests["old"].hash.digest() == digests["new"].hash.digest()
        medians = [statistics.median(times[k]) for k in ("old", "new", "engine")]
        spread = max(max(times["new"]) - min(times["new"]), 0.0)
        print(
            f"{name:<32} {medians[0]:>7.2f} {medians[1]:>7.2f} {medians[2]:>7.2f} {rows:>8,}"
            f"  {'yes' if same else 'NO'} (new spread {spread:.2f} s)",
            flush=True,
        )


def load_generated(size: int) -> tuple[float, Any]:
    """Generate ``size`` agreements and load them with the ontology as ``twinning build``
    does; the seconds the load took and the graph."""
    from bench.generate import generate
    from twinning.load import load_files, ontology_files

    data = Path(f"/tmp/twinning-bench-queries-{size}-{os.getpid()}.ttl")
    data.write_text(generate(size).turtle, encoding="utf-8")
    try:
        return _timed(lambda: load_files([*ontology_files(ROOT), data], locate=False))
    finally:
        data.unlink()


def _csv(module: ModuleType, store: Any, text: str) -> _Digest:
    """What ``twinning query run --format csv`` does once the graph is loaded."""
    sink = _Digest()
    module.write(module.stream_local(store, text), "csv", sink)
    return sink


def _engine(store: Any, text: str) -> int:
    """The engine alone: Oxigraph evaluates and writes CSV into memory."""
    import pyoxigraph as ox

    return len(store.query(text).serialize(format=ox.QueryResultsFormat.CSV))


def _reparsed(module: ModuleType, path: Path, text: str) -> Any:
    """The old header parser run on the old text (written to a temporary file)."""
    tmp = Path(f"/tmp/twinning-bench-old-{os.getpid()}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    try:
        return module.parse(tmp)
    finally:
        tmp.unlink()


def _rows(store: Any, text: str) -> int:
    """The number of solutions (TSV escapes newlines: one line per row after the header)."""
    import pyoxigraph as ox

    return store.query(text).serialize(format=ox.QueryResultsFormat.TSV).count(b"\n") - 1


if __name__ == "__main__":
    main()
