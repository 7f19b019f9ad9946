"""Writing the built graph into ``dist/``: deterministic files, a folder updated atomically."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from . import rdfio
from .load import LoadedGraph

TURTLE = "twinning.ttl"


def write_turtle(graph: LoadedGraph, path: Path) -> None:
    """The whole graph as canonical Turtle."""
    rdfio.write_atomic(path, rdfio.canonical_turtle(graph.triples))


def export(graph: LoadedGraph, out_dir: Path) -> list[Path]:
    """Write all export files into ``out_dir``; on any failure the old files stay as they were.

    Files are written into a temporary folder beside ``out_dir`` first and moved into place
    only when every one of them was written.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        write_turtle(graph, staging / TURTLE)
        out_dir.mkdir(exist_ok=True)
        written = []
        for path in sorted(staging.iterdir()):
            target = out_dir / path.name
            path.replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
