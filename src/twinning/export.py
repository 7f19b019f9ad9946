"""Writing the built graph into ``dist/``: deterministic files, a folder updated atomically.

Every file is written into a fresh folder beside the target, swapped in whole only when all of
them were written, so a failed or killed export leaves the previous files as they were.
The same data gives byte-identical files whatever order it was read in: N-Triples lines are
sorted, and Turtle and JSON-LD are streamed from that sorted file. Oxigraph does the heavy
parsing and writing, so millions of triples export in about a minute.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from . import (
    catalog,
    catalog_cz,
    ckan,
    geojson_export,
    jsonld,
    ntlines,
    partnerships,
    rdfio,
    safeio,
    table_schema,
    tables,
    terms,
    xlsx,
)
from .load import LoadedGraph, mapping_files
from .publisher import Publisher

TURTLE = "twinning.ttl"
NTRIPLES = "twinning.nt"
JSONLD = "twinning.jsonld"
CONTEXT = "context.jsonld"
AGREEMENTS_CSV = "agreements.csv"
# The rows of agreements.csv as a spreadsheet for clerks, read back by `twinning import`. Not
# a catalogue distribution: the portals' quality score counts XLSX as proprietary, and
# agreements.csv carries the same rows in an open format.
AGREEMENTS_XLSX = "agreements.xlsx"
REGIONS_CSV = "regions.csv"
PARTNERSHIPS_CSV = "partnerships.csv"
DATAPACKAGE = "datapackage.json"  # Frictionless Data Package describing the CSV files
CSVW_METADATA = "csv-metadata.json"  # the same as CSV on the Web metadata
GEOJSON = "twinning.geojson"
CATALOG_TTL = "catalog.ttl"
CATALOG_JSONLD = "catalog.jsonld"
DATASET_JSONLD = "dataset.jsonld"  # --profile dcat-ap-cz: the dataset document NKOD reads
CATALOG_RDF = "catalog.rdf"  # --profile ckan: the record in RDF/XML, for ckanext-dcat
CKAN_PACKAGE = "ckan-package.json"  # --profile ckan: the body of CKAN's package_create
# Files outside DATA_FILES that export() may write (profiles, the spreadsheet).
PROFILE_FILES = [
    CATALOG_TTL, CATALOG_JSONLD, DATASET_JSONLD, CATALOG_RDF, CKAN_PACKAGE, AGREEMENTS_XLSX,
]  # fmt: skip
DATA_FILES = [
    TURTLE, NTRIPLES, JSONLD, CONTEXT, AGREEMENTS_CSV, REGIONS_CSV, PARTNERSHIPS_CSV,
    DATAPACKAGE, CSVW_METADATA, GEOJSON,
]  # fmt: skip


def _sha256_and_size(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_files(
    graph: LoadedGraph, folder: Path, root: Path, options: catalog.CatalogOptions
) -> None:
    """Write every export file into ``folder``.

    The order makes the most of two cores on large graphs: Oxigraph dumps the N-Triples and
    a ``sort`` process orders them while this one writes the tables read from the store;
    then child processes write the Turtle and the JSON-LD from the sorted file while this one
    gathers the agreement rows and the catalogue's counts in a pass over its lines (on small
    graphs that pass writes the JSON-LD too, and the Turtle is written here).
    """
    context = jsonld.Context.load(root / "ontology" / CONTEXT)
    who = options.load_publisher(root)  # first: a bad publisher file stops before any work
    ntriples = rdfio.SortedNTriples(graph.store, folder / NTRIPLES)
    children: list[safeio.OutputProcess] = []
    try:
        lists = _write_store_tables(graph, folder, root)
        ntriples.wait()
        # On a large graph, child processes write the Turtle and the JSON-LD from the sorted
        # file while this one gathers the rows and counts in its own pass over it.
        large = (folder / NTRIPLES).stat().st_size >= CHILD_BYTES
        if large:
            children.append(start_child(TURTLE, "turtle", folder / NTRIPLES, folder / TURTLE))
            context_file = root / "ontology" / CONTEXT
            jsonld_args = (context_file, folder / NTRIPLES, folder / JSONLD)
            children.append(start_child(JSONLD, "jsonld", *jsonld_args))
        else:
            write_turtle(folder / NTRIPLES, folder / TURTLE)
        newest = options.date is None  # the catalogue's date: the newest in the data
        agreements, statistics = _single_pass(folder, None if large else context, newest)
        rows = agreements.rows()
        tables.write_csv(folder / AGREEMENTS_CSV, tables.AGREEMENT_COLUMNS, rows)
        xlsx.write(folder / AGREEMENTS_XLSX, tables.AGREEMENT_COLUMNS, rows, lists)
        del rows, agreements
        for child in children:
            child.finish()
    except BaseException:
        ntriples.kill()
        for child in children:
            child.kill()
        raise
    facts = statistics.facts(graph, mapping_files(root), options.date)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # hashlib frees the GIL
        digests = pool.map(_sha256_and_size, [folder / name for name in DATA_FILES])
        files = dict(zip(DATA_FILES, digests, strict=True))
    static = catalog.static_triples(root)
    catalog_triples = catalog.build(facts, files, static, options, who)
    if options.profile == "dcat-ap-cz":
        _write_czech_record(folder, catalog_triples, who)
        return
    (folder / CATALOG_TTL).write_text(rdfio.canonical_turtle(catalog_triples), encoding="utf-8")
    ordered = sorted(catalog_triples, key=lambda t: rdfio.term_sort_key(t.subject))
    with (folder / CATALOG_JSONLD).open("w", encoding="utf-8", newline="\n") as handle:
        jsonld.write(context, ordered, handle)
    if options.profile == "ckan":
        _write_ckan_files(folder, catalog_triples, who)


def _single_pass(
    folder: Path, context: jsonld.Context | None, newest: bool
) -> tuple[tables.AgreementTable, catalog.Statistics]:
    """One pass over the sorted N-Triples lines: the agreement rows and the catalogue's
    counts, and the JSON-LD file when a ``context`` is given (else a child writes it), each
    fed every subject in turn (see :mod:`ntlines`)."""
    agreements, statistics = tables.AgreementTable(), catalog.Statistics(newest)
    with contextlib.ExitStack() as stack:
        writer = None
        if context is not None:
            handle = stack.enter_context(
                (folder / JSONLD).open("w", encoding="utf-8", newline="\n")
            )
            writer = jsonld.Writer(context, handle)
        for subject, predicates in ntlines.subjects_of_file(folder / NTRIPLES):
            if writer is not None:
                writer.add(subject, predicates)
            agreements.add(subject, predicates)
            statistics.add(subject, predicates)
        if writer is not None:
            writer.finish()
    return agreements, statistics


# N-Triples files at least this large get their Turtle and JSON-LD written by child processes:
# below it, starting an interpreter costs more than it overlaps.
CHILD_BYTES = 32 * 2**20


def write_turtle(ntriples: Path, turtle: Path) -> None:
    """Turtle from the sorted N-Triples file, with the project's prefixes (Oxigraph's writer)."""
    triples = rdfio.read_ntriples(ntriples)
    ox.serialize(triples, str(turtle), format=ox.RdfFormat.TURTLE, prefixes=terms.PREFIXES)


def write_jsonld(context_file: Path, ntriples: Path, out: Path) -> None:
    """The JSON-LD file from the sorted N-Triples file (what the pass writes on small graphs)."""
    context = jsonld.Context.load(context_file)
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        jsonld.write_ntriples_file(context, ntriples, handle)


def start_child(name: str, job: str, *paths: Path) -> safeio.OutputProcess:
    """A child process writing the export file ``name``: a fresh interpreter running this
    module (not a fork of this process, which holds the store and Oxigraph's threads; not
    multiprocessing's spawn, which re-runs the caller's main script)."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "twinning.export", job, *map(str, paths)]
    failure = f"writing {name} failed in its child process"
    return safeio.OutputProcess.start(failure, command, env={**os.environ, "PYTHONPATH": path})


def _write_store_tables(graph: LoadedGraph, folder: Path, root: Path) -> dict[str, list[str]]:
    """The files read from the store rather than from the sorted lines (regions, pairs of
    partners, the map, the table descriptions); the drop-down lists of the spreadsheet."""
    regions = tables.region_rows(graph)
    tables.write_csv(folder / REGIONS_CSV, tables.REGION_COLUMNS, regions)
    pairs = partnerships.rows(graph, regions)
    tables.write_csv(folder / PARTNERSHIPS_CSV, partnerships.COLUMNS, pairs)
    described = table_schema.load(root)
    (folder / DATAPACKAGE).write_text(_json(table_schema.datapackage(described)), "utf-8")
    (folder / CSVW_METADATA).write_text(_json(table_schema.csvw(described)), "utf-8")
    features = geojson_export.feature_collection(graph, regions, pairs)
    (folder / GEOJSON).write_text(_json(features), encoding="utf-8")
    shutil.copyfile(root / "ontology" / CONTEXT, folder / CONTEXT)
    return tables.spreadsheet_lists(graph)


def _write_ckan_files(folder: Path, triples: list[ox.Triple], who: Publisher) -> None:
    """For CKAN (data.gov.ro): the record in RDF/XML for ckanext-dcat, and the package JSON."""
    key = rdfio.term_sort_key
    ordered = sorted(set(triples), key=lambda t: (key(t.subject), key(t.predicate), key(t.object)))
    ox.serialize(
        ordered, str(folder / CATALOG_RDF), format=ox.RdfFormat.RDF_XML, prefixes=terms.PREFIXES
    )
    (folder / CKAN_PACKAGE).write_text(_json(ckan.package(triples, who)), encoding="utf-8")


def _json(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _write_czech_record(folder: Path, triples: list[ox.Triple], who: Publisher) -> None:
    """DCAT-AP-CZ for NKOD: catalogue and dataset JSON-LD (Czech context), both in Turtle."""
    record = catalog_cz.build(triples, who)
    prefixes = {**terms.PREFIXES, "pu": catalog_cz.PU}
    text = rdfio.canonical_turtle(record.triples, prefixes)
    (folder / CATALOG_TTL).write_text(text, encoding="utf-8")
    (folder / CATALOG_JSONLD).write_text(_json(record.catalog), encoding="utf-8")
    (folder / DATASET_JSONLD).write_text(_json(record.dataset), encoding="utf-8")


def export(
    graph: LoadedGraph,
    out_dir: Path,
    root: Path,
    options: catalog.CatalogOptions | None = None,
    force: bool = False,
    check: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write all export files into ``out_dir``, which is replaced whole only when every file
    was written (and ``check``, given the finished folder, raised nothing): a failure (or a
    kill) leaves the old folder as it was, and no stale file survives a run (see
    :func:`safeio.replace_folder`)."""
    known = [*DATA_FILES, *PROFILE_FILES]
    with safeio.replace_folder(out_dir, root, known, force) as staging:
        write_files(graph, staging, root, options or catalog.CatalogOptions())
        if check is not None:
            check(staging)
        names = sorted(p.name for p in staging.iterdir() if p.name != safeio.MARKER)
    return [out_dir / name for name in names]


if __name__ == "__main__":  # a child: python -m twinning.export turtle|jsonld PATHS...
    if sys.argv[1] == "turtle":
        write_turtle(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        write_jsonld(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
