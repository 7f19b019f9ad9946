"""What the SPARQL engine itself costs, per row: reference queries on the generated graph.

    python bench/engine.py [--size 100000] [--runs 3]

The named queries' times (bench/queries.py) mix what a query asks with what the engine does
per row. These reference queries (bench/engine/*.rq, each saying what it measures) separate
the engine's rates: listing rows in no order, ordering the same rows by an IRI, by a long
text and by a date, joining two triple patterns, pairing the parties of each agreement and
looking something up per pair. Each runs as the engine alone (Oxigraph evaluates and writes
CSV into memory); the medians are printed with the rows per second (for a query that only
counts, the rows it counted). Rerun it when Oxigraph
changes: docs/performance.md says which named queries these figures bound.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="agreements to generate")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query")
    args = parser.parse_args()

    import pyoxigraph as ox

    from bench.queries import _engine, _timed, load_generated

    seconds, graph = load_generated(args.size)
    print(f"pyoxigraph {ox.__version__}; {args.size:,} agreements, {len(graph):,} triples, "
          f"loaded in {seconds:.1f} s; medians of {args.runs} runs")  # fmt: skip
    header = f"{'reference query':<36} {'seconds':>8} {'rows':>9} {'rows/s':>10}"
    print(header)
    print("-" * len(header))
    for path in sorted((HERE / "engine").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        run = functools.partial(_engine, graph.store, text)
        median = statistics.median(_timed(run)[0] for _ in range(args.runs))
        rows = _counted(graph.store, text)
        rate = f"{rows / median:>10,.0f}" if median else f"{'-':>10}"
        print(f"{path.stem:<36} {median:>8.2f} {rows:>9,} {rate}", flush=True)


def _counted(store: Any, text: str) -> int:
    """The rows of the result, or, where it is one count, the rows that count counted."""
    import pyoxigraph as ox

    lines = store.query(text).serialize(format=ox.QueryResultsFormat.TSV).decode().splitlines()
    if len(lines) == 2 and "\t" not in lines[0]:
        value = lines[1].split("^^")[0].strip('"')
        if value.isdigit():
            return int(value)
    return len(lines) - 1


if __name__ == "__main__":
    main()
