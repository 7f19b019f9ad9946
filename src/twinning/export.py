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
# The catalogue's counts, handed from the child writing the rows; removed once read.
STATISTICS = ".statistics.json"
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
    a ``sort`` process orders them while this one writes the tables read from the store; as
    soon as the sorted file is there, child processes write from it the Turtle, the JSON-LD,
    and the agreement rows (``agreements.csv``, ``agreements.xlsx``) with the catalogue's
    counts, while this one finishes its tables. On small graphs one pass over the sorted
    lines here writes the JSON-LD and the rows, and the Turtle is written here too.
    """
    context = jsonld.Context.load(root / "ontology" / CONTEXT)
    who = options.load_publisher(root)  # first: a bad publisher file stops before any work
    lists = tables.spreadsheet_lists(graph)
    newest = options.date is None  # the catalogue's date: the newest in the data
    ntriples = rdfio.SortedNTriples(graph.store, folder / NTRIPLES)
    children: list[safeio.OutputProcess] = []
    with ThreadPoolExecutor(max_workers=1) as waiter:
        started = waiter.submit(_start_children, ntriples, folder, root, lists, newest, children)
        try:
            _write_store_tables(graph, folder, root)
            if started.result():
                for child in children:
                    child.finish()
                statistics = catalog.Statistics.read(folder / STATISTICS)
                (folder / STATISTICS).unlink()
            else:
                write_turtle(folder / NTRIPLES, folder / TURTLE)
                statistics = write_agreement_files(folder, lists, newest, context)
        except BaseException:
            ntriples.kill()  # so that the waiting thread ends, without starting children
            with contextlib.suppress(BaseException):
                started.result()
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


def _start_children(
    ntriples: rdfio.SortedNTriples,
    folder: Path,
    root: Path,
    lists: dict[str, list[str]],
    newest: bool,
    children: list[safeio.OutputProcess],
) -> bool:
    """Once the N-Triples are sorted: on a large graph, start the processes writing from them
    (appended to ``children`` as they start) and say so; on a small one, start none."""
    ntriples.wait()
    if (folder / NTRIPLES).stat().st_size < CHILD_BYTES:
        return False
    nt = folder / NTRIPLES
    children.append(start_child(TURTLE, "turtle", nt, folder / TURTLE))
    children.append(start_child(JSONLD, "jsonld", root / "ontology" / CONTEXT, nt, folder / JSONLD))
    arguments = [json.dumps(lists, sort_keys=True), "newest" if newest else "dated"]
    children.append(start_child(AGREEMENTS_CSV, "rows", folder, *arguments))
    return True


def write_agreement_files(
    folder: Path, lists: dict[str, list[str]], newest: bool, context: jsonld.Context | None = None
) -> catalog.Statistics:
    """One pass over the sorted N-Triples lines in ``folder``: ``agreements.csv`` and
    ``agreements.xlsx``, the catalogue's counts, and the JSON-LD file when a ``context`` is
    given (on large graphs a child process writes it), each fed every subject in turn (see
    :mod:`ntlines`)."""
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
    # Each row goes to both files as it is made, never all of them held at once.
    count, columns = len(agreements.agreements), tables.AGREEMENT_COLUMNS
    with (folder / AGREEMENTS_CSV).open("w", encoding="utf-8", newline="") as handle:
        rows = tables.through_csv(handle, columns, agreements.take_rows())
        xlsx.write(folder / AGREEMENTS_XLSX, columns, rows, lists, count)
    return statistics


# N-Triples files at least this large get their Turtle, JSON-LD and rows written by child processes:
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


def start_child(name: str, job: str, *arguments: Path | str) -> safeio.OutputProcess:
    """A child process writing the export file ``name``: a fresh interpreter running this
    module (not a fork of this process, which holds the store and Oxigraph's threads; not
    multiprocessing's spawn, which re-runs the caller's main script)."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "twinning.export", job, *map(str, arguments)]
    failure = f"writing {name} failed in its child process"
    return safeio.OutputProcess.start(failure, command, env={**os.environ, "PYTHONPATH": path})


def _write_store_tables(graph: LoadedGraph, folder: Path, root: Path) -> None:
    """The files read from the store rather than from the sorted lines (regions, pairs of
    partners, the map, the table descriptions)."""
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


if __name__ == "__main__":  # a child: python -m twinning.export turtle|jsonld|rows ARGUMENTS...
    if sys.argv[1] == "turtle":
        write_turtle(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "jsonld":
        write_jsonld(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        out = Path(sys.argv[2])
        counts = write_agreement_files(out, json.loads(sys.argv[3]), sys.argv[4] == "newest")
        counts.write(out / STATISTICS)
