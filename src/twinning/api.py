"""The library's capabilities, one function each: what the CLI, the tests and ``bench/`` call.

Each function takes a :class:`~twinning.project.Project` and options, does the whole workflow
(load → validate → refuse; load → export → swap in; find → bind → run) and raises only
:class:`~twinning.errors.TwinningError`. The CLI parses options, calls one of these, prints.
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from . import rdfio, safeio
from .catalog import CatalogOptions
from .errors import CannotRun, DataProblem
from .load import LoadedGraph, load_files
from .project import Project

if TYPE_CHECKING:
    import rdflib

    from .geo import Coordinates
    from .link import LinkResult
    from .mqa import Score
    from .publish import Published
    from .queries import NamedQuery
    from .site.build import SiteSummary
    from .sparql_client import Endpoint
    from .table_import import ImportReport
    from .validate import Report
    from .wikidata import Diff, PairSet

DUPLICATE_COMPONENT = "https://w3id.org/twinning/ontology#DuplicateDefinition"


class ValidationFailed(DataProblem):
    """The data has SHACL violations: the report says what to fix, and where."""

    def __init__(self, message: str, report: Report, root: Path):
        from .validate import render_text

        super().__init__(message)
        self.report = report
        self.details = render_text(report, root)


# ----------------------------------------------------------------------------- loading


def load(
    project: Project,
    data: Sequence[Path] = (),
    with_mappings: bool = True,
    check_literals: bool = True,
) -> LoadedGraph:
    """The ontology, schemes, data (or the given files) and mappings in one store.

    ``check_literals=False`` leaves the scan for ill-formed literals to the validation that
    follows, which runs it beside its own queries (see :func:`load.load_files`)."""
    files = project.ontology_files()
    files += list(data) if data else project.require_data_files()
    if with_mappings and not data:
        files += project.mapping_files()
    return load_files(files, check_literals=check_literals)


def _shapes(project: Project) -> rdflib.Graph:
    """The shapes graph; a broken shapes file is one located line, not a traceback."""
    from .validate import load_shapes

    for path in project.shape_files():
        rdfio.parse_file(path)  # located syntax errors before rdflib sees the file
    return load_shapes(project.root)


def _with_duplicates(graph: LoadedGraph, report: Report, root: Path) -> Report:
    """Add a violation for each resource defined in two files, naming both places."""
    if not graph.duplicates:
        return report
    from .validate import Finding, Report, report_graph

    extra = []
    for duplicate in graph.duplicates:
        (first, first_line), (second, second_line) = duplicate.first, duplicate.second
        where = f"{_relative(first, root)}:{first_line} and {_relative(second, root)}:{second_line}"
        extra.append(
            Finding(
                severity="Violation",
                focus=duplicate.iri,
                path=None,
                value=None,
                message=f"Defined in two files ({where}): keep one definition.",
                component=DUPLICATE_COMPONENT,
                shape=DUPLICATE_COMPONENT,
                file=str(second),
                line=second_line,
            )
        )
    findings = sorted([*report.findings, *extra], key=Finding.sort_key)
    return Report(findings=findings, report_graph=report_graph(findings))


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------- capabilities


def validate(project: Project, paths: Sequence[Path] = (), engine: str = "sparql") -> Report:
    """Check the data (or the given files) against the project's shapes."""
    from .validate import validate_graph

    graph = load(project, data=paths, check_literals=False)
    report = validate_graph(graph, _shapes(project), engine=engine)
    return _with_duplicates(graph, report, project.root)


def valid_graph(project: Project, refusal: str) -> tuple[LoadedGraph, Report]:
    """Load and validate; raise :class:`ValidationFailed` (exit 1) on any violation."""
    from .validate import summary, validate_graph

    graph = load(project, check_literals=False)
    report = validate_graph(graph, _shapes(project))
    report = _with_duplicates(graph, report, project.root)
    if not report.conforms:
        raise ValidationFailed(f"{refusal}: {summary(report)}", report, project.root)
    return graph, report


def check_catalog_options(options: CatalogOptions) -> CatalogOptions:
    """Refuse option values the catalogue cannot carry (before any work is done)."""
    if options.date is not None:
        try:
            datetime.date.fromisoformat(options.date)
        except ValueError:
            raise CannotRun(f"--date {options.date!r} is not a date (YYYY-MM-DD)") from None
    for name in ("base_url", "endpoint_url", "publisher"):
        value = getattr(options, name, None)
        if value is not None:
            check_url("--" + name.replace("_", "-"), value)
    return options


def check_url(flag: str, value: str) -> str:
    """An http(s) URL given as an option, or one line saying it is not one. It must also be
    a valid IRI: the catalogue and the site write it into IRIs and rules."""
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise CannotRun(f"{flag} {value!r} is not an http(s) URL")
    try:
        ox.NamedNode(value)
    except ValueError as err:
        raise CannotRun(f"{flag} {value!r} is not a valid IRI: {err}") from None
    return value


def export_graph(
    graph: LoadedGraph,
    project: Project,
    out: Path,
    options: CatalogOptions,
    force: bool = False,
    check: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write the export files into ``out``, swapped in whole (see :mod:`twinning.safeio`)."""
    from .export import export as write_export

    return write_export(graph, out, project.root, options, force=force, check=check)


# The official DCAT-AP 3.0.1 shapes whose findings are violations, shipped with the project
# (data/catalog/dcat-ap-3.0.1/, byte-identical to SEMIC's release; see its README).
DCAT_AP_SHIPPED = "data/catalog/dcat-ap-3.0.1"
DCAT_AP_VIOLATION_SHAPES = ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")


def check_catalog(project: Project, options: CatalogOptions) -> Callable[[Path], None]:
    """A check of a finished export folder: its catalogue against the DCAT-AP 3.0.1 shapes.

    Violations raise :class:`ValidationFailed`, so the export folder is not swapped in. The
    Czech profile's record follows DCAT-AP-CZ, not these shapes: the tests check it against
    the DCAT-AP-CZ drafts.
    """
    from .validate import load_dcat_ap_shapes, validate_catalog

    def check(folder: Path) -> None:
        if options.profile == "dcat-ap-cz":
            return
        shapes = load_dcat_ap_shapes(project.root / DCAT_AP_SHIPPED, DCAT_AP_VIOLATION_SHAPES)
        report = validate_catalog(project.root, folder / "catalog.ttl", shapes=shapes)
        if report.violations:
            from .validate import summary

            raise ValidationFailed(
                f"the catalogue breaks DCAT-AP 3.0.1, {folder.name} not swapped in: "
                f"{summary(report)}",
                report,
                project.root,
            )

    return check


def _check_export_folder(project: Project, out: Path, force: bool) -> None:
    """Refuse ``out`` before any work, by the rules the export's swap applies."""
    from .export import DATA_FILES, PROFILE_FILES

    safeio.check_output_folder(out, project.root, [*DATA_FILES, *PROFILE_FILES], force)


def export(project: Project, out: Path, options: CatalogOptions, force: bool = False) -> list[Path]:
    """Export without validating first."""
    check_catalog_options(options)
    _check_export_folder(project, out, force)
    return export_graph(load(project), project, out, options, force)


@dataclass
class Built:
    report: Report
    written: list[Path]


def build(project: Project, out: Path, options: CatalogOptions, force: bool = False) -> Built:
    """Validate the data, export, validate the catalogue against DCAT-AP 3.0.1; the export
    folder is swapped in only when both conform."""
    check_catalog_options(options)
    _check_export_folder(project, out, force)
    graph, report = valid_graph(project, f"build stopped, {out}/ not written")
    check = check_catalog(project, options)
    return Built(report, export_graph(graph, project, out, options, force, check))


@dataclass
class Formatted:
    files: list[Path]
    changed: list[Path]


def fmt(project: Project, paths: Sequence[Path] = (), check: bool = False) -> Formatted:
    """Rewrite data files in canonical Turtle; with ``check``, only list those that are not.

    With ``check``, files that are not canonical raise :class:`DataProblem` (exit 1).
    """
    from . import fmt as formatting

    files = list(paths) or project.require_data_files()
    formatting.check_turtle(files)
    if check:
        bad = formatting.non_canonical(files)
        if bad:
            listing = ", ".join(str(p) for p in bad)
            raise DataProblem(
                f"{len(bad)} file(s) not canonical: {listing}; run `twinning fmt` to fix"
            )
        return Formatted(files, [])
    return Formatted(files, formatting.rewrite(files))


def quickstatements(project: Project) -> PairSet:
    """The P190 pairs of the graph (see :mod:`twinning.wikidata`)."""
    from . import wikidata as wd

    return wd.pairs(load(project))


# ----------------------------------------------------------------------------- queries, stores


def query(
    project: Project,
    name: str,
    params: dict[str, str],
    out: BinaryIO,
    output_format: str = "csv",
    *,
    endpoint: str | None = None,
    timeout: float = 60.0,
    max_bytes: int | None = None,
    services: dict[str, str] | None = None,
) -> int | None:
    """Find, bind and run a named query (locally or on ``endpoint``), rows streamed to ``out``."""
    from . import queries
    from .http import DEFAULT_MAX_BYTES

    return queries.run(
        project.root,
        name,
        params,
        out,
        output_format,
        endpoint=endpoint,
        timeout=timeout,
        max_bytes=max_bytes or DEFAULT_MAX_BYTES,
        services=services,
    )


def queries(project: Project) -> dict[str, NamedQuery]:
    """The named queries of the project, by name."""
    from . import queries as named

    return named.library(project.root)


def publish(
    project: Project,
    store: str,
    graph_iri: str | None = None,
    *,
    query_endpoint: str | None = None,
    update_endpoint: str | None = None,
    timeout: float = 120.0,
) -> Published:
    """Validate, then replace a graph of a SPARQL store with ours, all or nothing."""
    from .publish import publish as put_graph

    graph, _report = valid_graph(project, "not published")
    return put_graph(
        graph,
        store,
        graph_iri,
        query_endpoint=query_endpoint,
        update_endpoint=update_endpoint,
        timeout=timeout,
    )


# ----------------------------------------------------------------------------- Wikidata


@dataclass
class Linked:
    """What one linking run found and wrote."""

    results: list[LinkResult]
    disagreements: list[str]
    mappings_file: Path
    geo_file: Path
    coordinates: Coordinates


def link_wikidata(
    project: Project,
    endpoint: Endpoint,
    *,
    data: Sequence[Path] = (),
    out: Path | None = None,
    geo_out: Path | None = None,
    date: str | None = None,
) -> Linked:
    """Reconcile the regions with Wikidata items; write the SSSOM links and the coordinates.

    Both files are written only after every answer was read, each atomically; links a person
    reviewed are kept (see :func:`twinning.link.merge`).
    """
    from . import geo, sssom
    from . import link as linking

    if date is not None:
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise CannotRun(f"--date {date!r} is not a date (YYYY-MM-DD)") from None
    run_date = date or datetime.date.today().isoformat()
    target = out or project.mappings_dir / "wikidata.sssom.tsv"
    geo_target = geo_out or (
        out.with_name(out.name + ".geo.ttl") if out else project.data_dir / "geo.ttl"
    )
    graph = load(project, data=data, with_mappings=False)
    existing = sssom.read_mappings(target) if target.exists() else []
    results = linking.Reconciler(endpoint).reconcile(linking.regions_to_link(graph))
    run = linking.merge(results, existing, run_date)
    links = geo.links_from_mappings(run.mappings)
    coordinates = geo.fetch(endpoint, links.values())
    mapping_set = "https://w3id.org/twinning/mappings/wikidata"
    safeio.write_atomic(target, sssom.to_tsv(run.mappings, mapping_set, run_date))
    safeio.write_atomic(geo_target, geo.turtle(links, coordinates, run_date))
    return Linked(results, run.disagreements, target, geo_target, coordinates)


def wikidata_diff(project: Project, endpoint: Endpoint) -> Diff:
    """Our P190 pairs against the endpoint's P190 statements."""
    from . import wikidata as wd

    return wd.diff(wd.pairs(load(project)), endpoint)


# ----------------------------------------------------------------------------- tables, site


def import_table(
    project: Project,
    table: Path,
    *,
    endpoint: Endpoint | None = None,
    review: Path | None = None,
    dry_run: bool = False,
    date: str | None = None,
) -> ImportReport:
    """Merge a council's table of agreements (CSV or .xlsx) into data/."""
    from .table_import import import_table as merge_table

    return merge_table(
        project.root, table, endpoint=endpoint, review=review, dry_run=dry_run, date=date
    )


def site(project: Project, out: Path, base_url: str, lang: str = "en") -> SiteSummary:
    """Write the static website: a page for every IRI of the graph."""
    from .site.build import build_site

    return build_site(load(project), out, project.root, base_url=base_url, lang=lang)


def serve(
    project: Project, port: int, lang: str = "en", on_ready: Callable[[str], None] | None = None
) -> None:
    """Build the site and serve it on 127.0.0.1 until interrupted."""
    from .site.serve import serve as serve_site

    serve_site(project.root, port=port, lang=lang, on_ready=on_ready)


def catalog_score(
    project: Project,
    catalog_file: Path,
    *,
    online: bool = False,
    base_url: str | None = None,
    timeout: float = 10.0,
) -> list[Score]:
    """data.europa.eu's metadata quality score of a catalogue file."""
    from . import mqa

    if base_url is not None:
        check_url("--base-url", base_url)
    return mqa.score(project.root, catalog_file, online=online, base_url=base_url, timeout=timeout)
