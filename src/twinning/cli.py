"""The ``twinning`` command: a thin click layer over the library.

Each command parses options, calls one library function and prints. Exit codes are a
contract: 0 success, 1 the data has problems (violations, files not canonical), 2 the
command could not run (unreadable input, unknown option, unreachable endpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2


class CannotRun(click.ClickException):
    """An expected failure that stopped the command: exit code 2 with a one-line message."""

    exit_code = EXIT_CANNOT_RUN


class Problems(click.ClickException):
    """The command ran and found problems in the data: exit code 1."""

    exit_code = EXIT_PROBLEMS


@contextmanager
def expected_errors() -> Iterator[None]:
    """Turn the library's expected exceptions into one-line messages with exit code 2."""
    from .load import ProjectNotFound
    from .rdfio import RdfSyntaxError
    from .sssom import MappingError

    try:
        yield
    except (RdfSyntaxError, ProjectNotFound, MappingError) as err:
        raise CannotRun(str(err)) from err
    except OSError as err:
        raise CannotRun(f"{err.filename or ''}: {err.strerror}".lstrip(": ")) from err


def _root(root: Path | None) -> Path:
    from .load import project_root

    with expected_errors():
        return root.resolve() if root else project_root()


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder with ontology/, data/, shapes/ (default: found from the working folder).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="twinning")
def main() -> None:
    """Build, validate, query, export and link the twinning knowledge graph.

    \b
    Exit codes: 0 success, 1 the data has problems, 2 the command could not run.

    \b
    Example:
        twinning build            # validate data/ and write dist/
    """


@main.command()
@root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Folder to write the exported files into.",
)
def build(root: Path | None, out: Path) -> None:
    """Validate the shipped data and export the graph into dist/.

    Stops with exit code 1, writing nothing, when the data has SHACL violations
    (warnings are listed and do not stop the build).

    \b
    Example:
        twinning build --out dist
    """
    from .export import export
    from .load import load_project
    from .validate import load_shapes, render_text, summary, validate_graph

    project = _root(root)
    with expected_errors():
        graph = load_project(project)
        report = validate_graph(graph, load_shapes(project))
    if not report.conforms:
        click.echo(render_text(report, project), err=True)
        raise Problems(f"build stopped, {out}/ not written: {summary(report)}")
    click.echo(summary(report), err=True)
    with expected_errors():
        written = export(graph, out)
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@root_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text: grouped by resource; json: one record per finding; turtle: the SHACL report.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as failures (exit 1).")
@click.option(
    "--engine",
    type=click.Choice(["sparql", "pyshacl"]),
    default="sparql",
    show_default=True,
    help="sparql: shapes compiled to SPARQL on Oxigraph (fast); pyshacl: the reference.",
)
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def validate(
    root: Path | None, output_format: str, strict: bool, engine: str, paths: tuple[Path, ...]
) -> None:
    """Check data against the SHACL shapes in shapes/ and report what to fix.

    PATHS are data files (Turtle, or SSSOM mappings) to check instead of data/; the
    ontology and its schemes are always loaded beside them.

    \b
    Exit codes:
        0  conforms (warnings allowed, unless --strict)
        1  violations (or warnings with --strict)
        2  could not run: unreadable or unparsable input, unknown option

    \b
    Examples:
        twinning validate
        twinning validate --format json data/liberec.ttl
    """
    from .load import load_project
    from .validate import load_shapes, render_json, render_text, render_turtle, validate_graph

    project = _root(root)
    with expected_errors():
        graph = load_project(project, data=list(paths) or None)
        report = validate_graph(graph, load_shapes(project), engine=engine)
    if output_format == "json":
        click.echo(render_json(report, project))
    elif output_format == "turtle":
        click.echo(render_turtle(report))
    else:
        click.echo(render_text(report, project))
    if not report.conforms or (strict and report.warnings):
        raise SystemExit(EXIT_PROBLEMS)


@main.command()
@root_option
@click.option("--check", is_flag=True, help="Only report files that are not canonical (exit 1).")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def fmt(root: Path | None, check: bool, paths: tuple[Path, ...]) -> None:
    """Rewrite data files into canonical Turtle (sorted, prefixed, stable diffs).

    PATHS default to every data/*.ttl file.

    \b
    Examples:
        twinning fmt                # rewrite data/ in place
        twinning fmt --check        # exit 1 when a file needs formatting
    """
    from . import fmt as formatting
    from .load import data_files

    files = list(paths) or data_files(_root(root))
    with expected_errors():
        if check:
            bad = formatting.non_canonical(files)
            for path in bad:
                click.echo(f"not canonical: {path}")
            if bad:
                raise Problems(f"{len(bad)} file(s) not canonical; run `twinning fmt` to fix")
            click.echo(f"{len(files)} file(s) canonical")
            return
        changed = formatting.rewrite(files)
    for path in changed:
        click.echo(f"formatted {path}")
    click.echo(f"{len(changed)} of {len(files)} file(s) changed")
