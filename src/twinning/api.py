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
from typing import TYPE_CHECKING

from . import rdfio, safeio
from .catalog import CatalogOptions
from .errors import CannotRun, DataProblem
from .load import LoadedGraph, load_files
from .project import Project
from .validate import Finding, Report

if TYPE_CHECKING:
    import rdflib

    from .wikidata import PairSet

DUPLICATE_COMPONENT = "https://w3id.org/twinning/ontology#DuplicateDefinition"


class ValidationFailed(DataProblem):
    """The data has SHACL violations: the report says what to fix, and where."""

    def __init__(self, message: str, report: Report, root: Path):
        from .validate import render_text

        super().__init__(message)
        self.report = report
        self.details = render_text(report, root)


# ----------------------------------------------------------------------------- loading


def load(project: Project, data: Sequence[Path] = (), with_mappings: bool = True) -> LoadedGraph:
    """The ontology, schemes, data (or the given files) and mappings in one store."""
    files = project.ontology_files()
    files += list(data) if data else project.require_data_files()
    if with_mappings and not data:
        files += project.mapping_files()
    return load_files(files)


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
    from .validate import report_graph

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

    graph = load(project, data=paths)
    report = validate_graph(graph, _shapes(project), engine=engine)
    return _with_duplicates(graph, report, project.root)


def valid_graph(project: Project, refusal: str) -> tuple[LoadedGraph, Report]:
    """Load and validate; raise :class:`ValidationFailed` (exit 1) on any violation."""
    from .validate import summary, validate_graph

    graph = load(project)
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
    """An http(s) URL given as an option, or one line saying it is not one."""
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise CannotRun(f"{flag} {value!r} is not an http(s) URL")
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
    import rdflib

    from .validate import validate_catalog

    def check(folder: Path) -> None:
        if options.profile == "dcat-ap-cz":
            return
        shapes = rdflib.Graph()
        for name in DCAT_AP_VIOLATION_SHAPES:
            path = project.root / DCAT_AP_SHIPPED / name
            rdfio.parse_file(path)  # missing or broken: one located line
            shapes.parse(path, format="turtle")
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


def export(project: Project, out: Path, options: CatalogOptions, force: bool = False) -> list[Path]:
    """Export without validating first."""
    check_catalog_options(options)
    safeio.check_output_folder(out, project.root, force=force)
    return export_graph(load(project), project, out, options, force)


@dataclass
class Built:
    report: Report
    written: list[Path]


def build(project: Project, out: Path, options: CatalogOptions, force: bool = False) -> Built:
    """Validate the data, export, validate the catalogue against DCAT-AP 3.0.1; the export
    folder is swapped in only when both conform."""
    check_catalog_options(options)
    safeio.check_output_folder(out, project.root, force=force)
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
