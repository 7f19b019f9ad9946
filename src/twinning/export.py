"""Writing the built graph into ``dist/``: deterministic files, a folder updated atomically.

Every file is written into a temporary folder beside the target first and moved into place
only when all of them were written, so a failed export leaves the previous files as they were.
The same data gives byte-identical files whatever order it was read in.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

from . import catalog, jsonld, rdfio, tables
from .load import LoadedGraph, mapping_files

TURTLE = "twinning.ttl"
NTRIPLES = "twinning.nt"
JSONLD = "twinning.jsonld"
CONTEXT = "context.jsonld"
AGREEMENTS_CSV = "agreements.csv"
REGIONS_CSV = "regions.csv"
CATALOG_TTL = "catalog.ttl"
CATALOG_JSONLD = "catalog.jsonld"


def render_files(
    graph: LoadedGraph, root: Path, options: catalog.CatalogOptions
) -> dict[str, bytes]:
    """Every export file's bytes, by file name."""
    context = jsonld.Context.load(root / "ontology" / CONTEXT)
    files: dict[str, bytes] = {}
    files[TURTLE] = rdfio.canonical_turtle(graph.triples).encode("utf-8")
    files[NTRIPLES] = rdfio.canonical_ntriples(graph.triples)
    files[CONTEXT] = (root / "ontology" / CONTEXT).read_bytes()
    buffer = io.StringIO()
    jsonld.write(context, graph.triples, buffer)
    files[JSONLD] = buffer.getvalue().encode("utf-8")
    files[AGREEMENTS_CSV] = tables.to_csv(
        tables.AGREEMENT_COLUMNS, tables.agreement_rows(graph)
    ).encode("utf-8")
    files[REGIONS_CSV] = tables.to_csv(tables.REGION_COLUMNS, tables.region_rows(graph)).encode(
        "utf-8"
    )
    date = options.date or catalog.newest_date(graph, mapping_files(root))
    catalog_triples = catalog.build(graph, files, catalog.static_triples(root), options, date)
    files[CATALOG_TTL] = rdfio.canonical_turtle(catalog_triples).encode("utf-8")
    buffer = io.StringIO()
    jsonld.write(context, catalog_triples, buffer)
    files[CATALOG_JSONLD] = buffer.getvalue().encode("utf-8")
    return files


def export(
    graph: LoadedGraph,
    out_dir: Path,
    root: Path,
    options: catalog.CatalogOptions | None = None,
) -> list[Path]:
    """Write all export files into ``out_dir``; on any failure the old files stay as they were."""
    files = render_files(graph, root, options or catalog.CatalogOptions())
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        out_dir.mkdir(exist_ok=True)
        written = []
        for name in sorted(files):
            target = out_dir / name
            (staging / name).replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
