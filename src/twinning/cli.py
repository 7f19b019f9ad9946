"""The ``twinning`` command: a thin click layer over the library.

Each command parses options, calls one library function and prints. Exit codes are a
contract: 0 success, 1 the data has problems (violations, files not canonical), 2 the
command could not run (unreadable input, unknown option, unreachable endpoint).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, api, terms
from .catalog import CatalogOptions
from .errors import EXIT_CANNOT_RUN, EXIT_INTERRUPTED, EXIT_PROBLEMS, CannotRun
from .errors import TwinningError as TwinningError
from .http import redact
from .project import Project

F = TypeVar("F", bound=Callable[..., Any])

DEBUG_ENV = "TWINNING_DEBUG"


class TwinningGroup(click.Group):
    """The one place where library errors become exit codes and one-line messages.

    :class:`~twinning.errors.TwinningError` gives its own exit code (1 data problems, 2 could
    not run); an OS error (disk full, permission) is "could not run"; Ctrl-C exits 130. Any
    other exception is a bug: it is reported in one line asking for a report (the traceback
    with ``TWINNING_DEBUG=1``), exit 2.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except TwinningError as err:
            if err.details:
                click.echo(err.details.rstrip("\n"), err=True)
            _fail(err.one_line(), err.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            _fail(f"{where}{err.strerror or err}", EXIT_CANNOT_RUN)
        except Exception as err:
            if os.environ.get(DEBUG_ENV):
                raise
            name = type(err).__name__
            _fail(
                f"internal error (a bug in twinning, please report it): {name}: {err}; "
                f"set {DEBUG_ENV}=1 to see where",
                EXIT_CANNOT_RUN,
            )


def _fail(message: str, code: int) -> None:
    """Print one line on stderr and stop with ``code``."""
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def _project(root: Path | None) -> Project:
    """The project at --root (or found from the working folder), checked."""
    return Project.open(root)


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder with ontology/, data/, shapes/ (default: found from the working folder).",
)


@click.group(cls=TwinningGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="twinning")
def main() -> None:
    """Build, validate, query, export and link the twinning knowledge graph.

    \b
    Exit codes: 0 success, 1 the data has problems, 2 the command could not run.

    \b
    Example:
        twinning build            # validate data/ and write dist/
    """


def export_options(function: F) -> F:
    """The options shared by `build` and `export`."""
    options = [
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("dist"),
            show_default=True,
            help="Folder to write the exported files into; it is replaced whole.",
        ),
        click.option(
            "--force",
            is_flag=True,
            help="Replace --out even if it holds files twinning did not write (never the "
            "project or its source folders).",
        ),
        click.option(
            "--base-url",
            default="https://w3id.org/twinning/dist/",
            show_default=True,
            help="Where the files will be downloadable: the prefix of the catalogue's links.",
        ),
        click.option(
            "--date",
            help="Issued/modified date of the catalogue (default: the newest date in data/).",
        ),
        click.option("--endpoint-url", help="Describe this SPARQL endpoint as a DataService."),
        click.option(
            "--publisher",
            help="IRI of the publishing body (default: the twinning project); an IRI from the "
            "EU corporate-body table satisfies the DCAT-AP vocabulary check.",
        ),
        click.option("--publisher-name", help="Name of the publishing body."),
        click.option(
            "--publisher-type",
            type=click.Choice(sorted(terms.PUBLISHER_TYPES)),
            help="ADMS publisher type of the publishing body (default: the publisher file's).",
        ),
        click.option(
            "--profile",
            type=click.Choice(["dcat-ap", "dcat-ap-cz", "ckan"]),
            default="dcat-ap",
            show_default=True,
            help="Catalogue record to write: DCAT-AP 3.0.1, DCAT-AP-CZ for NKOD (Czech "
            "JSON-LD context), or CKAN (ckanext-dcat RDF and the package JSON).",
        ),
        click.option(
            "--publisher-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Facts only the publisher knows (default: data/catalog/publisher.toml).",
        ),
        click.option("--contact-email", help="E-mail address of the contact point."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _catalog_options(options: dict[str, Any]) -> CatalogOptions:
    """The catalogue options from the shared export options (all but --out and --force)."""
    return CatalogOptions(**options)


def _warn_missing(project: Path, catalog_options: Any) -> None:
    """Tell on stderr what the chosen portal expects and the publisher file does not say."""
    from .publisher import missing

    for line in missing(catalog_options.load_publisher(project), catalog_options.profile):
        click.echo(f"warning: {line}", err=True)


@main.command()
@root_option
@export_options
def build(root: Path | None, out: Path, force: bool, **options: Any) -> None:
    """Validate the shipped data and export the graph into dist/.

    Stops with exit code 1, writing nothing, when the data has SHACL violations
    (warnings are listed and do not stop the build). Writes twinning.ttl,
    twinning.nt, twinning.jsonld, context.jsonld, agreements.csv, regions.csv,
    partnerships.csv, datapackage.json, csv-metadata.json, twinning.geojson and
    the catalogue of --profile (DCAT-AP 3.0.1 catalog.ttl and catalog.jsonld by
    default).

    \b
    Example:
        twinning build --out dist --base-url https://example.org/twinning/
    """
    from .validate import summary

    project = _project(root)
    catalog_options = _catalog_options(options)
    built = api.build(project, out, catalog_options, force=force)
    click.echo(summary(built.report), err=True)
    _warn_missing(project.root, catalog_options)
    for path in built.written:
        click.echo(f"wrote {path}")


@main.command("export")
@root_option
@export_options
def export_command(root: Path | None, out: Path, force: bool, **options: Any) -> None:
    """Write Turtle, N-Triples, JSON-LD, CSV and a DCAT-AP catalogue into a folder.

    Unlike `build`, does not validate first. Files are written to a temporary
    folder and moved into place only when all were written; the same data gives
    byte-identical files.

    \b
    Example:
        twinning export --out dist --date 2026-11-23
    """
    project = _project(root)
    catalog_options = _catalog_options(options)
    written = api.export(project, out, catalog_options, force=force)
    _warn_missing(project.root, catalog_options)
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
    from .validate import render_json, render_text, render_turtle

    project = _project(root)
    report = api.validate(project, paths, engine=engine)
    if output_format == "json":
        click.echo(render_json(report, project.root))
    elif output_format == "turtle":
        click.echo(render_turtle(report))
    else:
        click.echo(render_text(report, project.root))
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
    result = api.fmt(_project(root), paths, check=check)
    if check:
        click.echo(f"{len(result.files)} file(s) canonical")
        return
    for path in result.changed:
        click.echo(f"formatted {path}")
    click.echo(f"{len(result.changed)} of {len(result.files)} file(s) changed")


def _endpoint(url: str, timeout: float, cache: bool, max_bytes: int) -> Any:
    from .sparql_client import Endpoint, default_cache_dir

    cache_dir = default_cache_dir() if cache else None
    return Endpoint(url, timeout=timeout, cache_dir=cache_dir, max_bytes=max_bytes)


def max_bytes_option(function: F) -> F:
    """--max-bytes: the cap on one endpoint answer (shared by every command reading one)."""
    from .http import DEFAULT_MAX_BYTES

    return click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_BYTES,
        show_default=True,
        help="Refuse an endpoint answer larger than this many bytes.",
    )(function)


@main.group()
def link() -> None:
    """Link regions to other datasets."""


@link.command("wikidata")
@root_option
@click.option(
    "--endpoint",
    default="https://query.wikidata.org/sparql",
    show_default=True,
    help="SPARQL endpoint serving Wikidata-shaped data (wd:, wdt:, rdfs:label, skos:altLabel).",
)
@click.option(
    "--data",
    "data_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Data files whose regions to link (repeatable; default: data/).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SSSOM TSV to write (default: data/mappings/wikidata.sssom.tsv).",
)
@click.option(
    "--geo-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Turtle file for the linked regions' coordinates (P625) (default: data/geo.ttl, "
    "or beside --out as NAME.geo.ttl when --out is given).",
)
@click.option("--date", help="Mapping date to record (default: today).")
@click.option(
    "--timeout", default=60.0, show_default=True, help="Seconds per query, retries included."
)
@max_bytes_option
@click.option("--no-cache", is_flag=True, help="Do not reuse cached endpoint answers.")
def link_wikidata(
    root: Path | None,
    endpoint: str,
    data_paths: tuple[Path, ...],
    out: Path | None,
    geo_out: Path | None,
    date: str | None,
    timeout: float,
    max_bytes: int,
    no_cache: bool,
) -> None:
    """Reconcile every region with a Wikidata item and write the links as SSSOM.

    Evidence, strongest first: ISO 3166-2 code (P300), then exact labels and aliases
    with the usual variants, restricted to the region's country (P17) and to
    first- or second-level administrative subdivisions. Only clear winners are
    written; ambiguous and weak cases are listed for review. Links with a
    reviewer_id in the existing file are kept, and disagreements reported.

    \b
    Example (offline, against a local Oxigraph server loaded with the snapshot):
        oxigraph serve --location /tmp/wd --bind 127.0.0.1:7878 &
        twinning link wikidata --endpoint http://127.0.0.1:7878/query
    """
    client = _endpoint(endpoint, timeout, not no_cache, max_bytes)
    click.echo(f"reconciling regions against {redact(endpoint)}", err=True)
    linked = api.link_wikidata(
        _project(root), client, data=data_paths, out=out, geo_out=geo_out, date=date
    )
    for result in linked.results:
        for line in result.describe():
            click.echo(line)
    for line in linked.disagreements:
        click.echo(f"disagreement: {line}")
    found = sum(1 for r in linked.results if r.match)
    to_review = len(linked.results) - found
    click.echo(f"{found} of {len(linked.results)} regions linked, {to_review} to review", err=True)
    click.echo(f"wrote {linked.mappings_file}", err=True)
    for qid in linked.coordinates.missing:
        click.echo(f"no coordinates (P625) on wd:{qid}", err=True)
    for qid, several in linked.coordinates.ambiguous.items():
        click.echo(f"wd:{qid} has {len(several)} different points (P625): none taken", err=True)
    points = len(linked.coordinates.points)
    click.echo(f"wrote {linked.geo_file} ({points} points)", err=True)


@main.group()
def wikidata() -> None:
    """Our partnerships in Wikidata's terms (P190 twinned administrative body)."""


@wikidata.command("quickstatements")
@root_option
@click.option(
    "--base-url",
    help="Where `twinning site` is hosted: references (S854) then point to each record's page "
    "there (BASE/id/agreement/…html) instead of its w3id IRI.",
)
def wikidata_quickstatements(root: Path | None, base_url: str | None) -> None:
    """Print QuickStatements (V1) adding P190 for every pair of partner regions.

    Each pair of linked partners (parties on different sides of a concluded
    instrument) gets P190 in both directions, with P580/P582 only where a source
    gives the date (precision /11 day, /10 month, /9 year), P582 somevalue when it
    ended on an unknown day, and a reference (S854) to our record of the
    instrument. Statements of intent and instruments of several parties without
    sides are not P190 pairs: they are listed on stderr, not written.

    \b
    Example:
        twinning wikidata quickstatements > p190.qs
        twinning wikidata quickstatements --base-url https://example.org/twinning/
    """
    from . import wikidata as wd

    if base_url is not None:
        api.check_url("--base-url", base_url)
    pair_set = api.quickstatements(_project(root))
    click.echo(wd.quickstatements(pair_set, base_url), nl=False)
    for iri in pair_set.multilateral:
        click.echo(f"skipped multilateral instrument {iri}: not a P190 pair", err=True)
    for iri in pair_set.unlinked:
        click.echo(f"skipped {iri}: a party has no Wikidata link", err=True)
    for iri in pair_set.intents:  # issue 14: a statement of intent is not a twinning
        click.echo(f"skipped statement of intent {iri}: not a P190 pair", err=True)
    click.echo(f"{len(pair_set.pairs)} pairs, {2 * len(pair_set.pairs)} statements", err=True)


@wikidata.command("diff")
@root_option
@click.option("--endpoint", required=True, help="SPARQL endpoint with Wikidata's P190 data.")
@click.option(
    "--timeout", default=60.0, show_default=True, help="Seconds per query, retries included."
)
@max_bytes_option
@click.option("--no-cache", is_flag=True, help="Do not reuse cached endpoint answers.")
def wikidata_diff(
    root: Path | None, endpoint: str, timeout: float, max_bytes: int, no_cache: bool
) -> None:
    """Compare our pairs with the endpoint's P190 statements.

    Lists pairs missing on Wikidata, P190 statements of our regions missing
    here, and start dates that disagree.

    \b
    Example:
        twinning wikidata diff --endpoint https://query.wikidata.org/sparql
    """
    client = _endpoint(endpoint, timeout, not no_cache, max_bytes)
    result = api.wikidata_diff(_project(root), client)
    for a, b, instrument in result.missing_on_wikidata:
        click.echo(f"missing on Wikidata\t{a}\tP190\t{b}\t{instrument}")
    for a, b in result.missing_here:
        click.echo(f"missing here\t{a}\tP190\t{b}")
    for a, b, ours, theirs in result.date_mismatches:
        click.echo(f"date mismatch\t{a}\tP190\t{b}\tours {ours}\ttheirs {theirs}")
    click.echo(
        f"{len(result.missing_on_wikidata)} missing on Wikidata, {len(result.missing_here)} "
        f"missing here, {len(result.date_mismatches)} date mismatches",
        err=True,
    )


@main.group()
def query() -> None:
    """List and run the named SPARQL queries in queries/."""


@query.command("list")
@root_option
def query_list(root: Path | None) -> None:
    """List the named queries: name, summary, parameters (type and default).

    \b
    Example:
        twinning query list
    """
    library = api.queries(_project(root))
    for named in library.values():
        click.echo(f"{named.name}\n    {named.summary}")
        for param in named.params:
            usage = f"-p {param.name} {param.type.upper()}"
            click.echo(f"    {usage}  {param.description} (default {param.default})")


@query.command("run")
@root_option
@click.argument("name")
@click.option(
    "-p",
    "--param",
    "params",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help="Bind a parameter (repeatable); values are bound, never pasted into the query.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
    help="json is the SPARQL 1.1 JSON results format; csv and tsv follow SPARQL 1.1 too. "
    "csv, tsv and json print rows as they arrive; table holds all rows to size its columns.",
)
@click.option("--endpoint", help="Run on this SPARQL endpoint instead of the local graph.")
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    help="Seconds for the whole remote call (retries included), or for a local query with SERVICE.",
)
@max_bytes_option
@click.option(
    "--service-url",
    "service_urls",
    multiple=True,
    metavar="IRI=URL",
    help="Send SERVICE <IRI> to URL instead (a local mirror of Wikidata, say).",
)
def query_run(
    root: Path | None,
    name: str,
    params: tuple[tuple[str, str], ...],
    output_format: str,
    endpoint: str | None,
    timeout: float,
    max_bytes: int,
    service_urls: tuple[str, ...],
) -> None:
    """Run a named query (or a .rq file) on the local graph or a remote endpoint.

    \b
    Examples:
        twinning query run partners-of-region -p region region:harghita
        twinning query run in-force-on-date -p date 2020-01-01 --format csv
        twinning query run ended-agreements --endpoint http://127.0.0.1:7878/query

    Remote credentials come from the environment, never from the command line:
    TWINNING_SPARQL_TOKEN (a bearer token), or TWINNING_SPARQL_USER and
    TWINNING_SPARQL_PASSWORD (HTTP Basic or Digest, as the server asks).
    """
    project = _project(root)
    services = {}
    for item in service_urls:
        iri, sep, url = item.partition("=")
        if not sep:
            raise CannotRun(f"--service-url {item!r}: expected IRI=URL")
        services[iri] = url
    api.query(
        project,
        name,
        dict(params),
        sys.stdout.buffer,
        output_format,
        endpoint=endpoint,
        timeout=timeout,
        max_bytes=max_bytes,
        services=services,
    )


@main.command()
@root_option
@click.option(
    "--endpoint",
    required=True,
    help="Graph Store HTTP Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph); "
    "see docs/stores.md for other stores.",
)
@click.option("--graph", "graph_iri", help="Named graph to replace (default: the default graph).")
@click.option(
    "--query-endpoint",
    help="SPARQL query endpoint of the same store (derived for Oxigraph and Virtuoso).",
)
@click.option(
    "--update-endpoint",
    help="SPARQL Update endpoint of the same store (derived for Oxigraph and Virtuoso).",
)
@click.option(
    "--timeout", default=120.0, show_default=True, help="Seconds for the whole publication."
)
def publish(
    root: Path | None,
    endpoint: str,
    graph_iri: str | None,
    query_endpoint: str | None,
    update_endpoint: str | None,
    timeout: float,
) -> None:
    """Validate the graph and replace a graph of a SPARQL store with it, all or nothing.

    The triples go into a fresh staging graph, are counted, then moved into place
    with one SPARQL Update; on any failure the staging graph is dropped and the
    store's old graph is left as it was. Credentials come from the environment:
    TWINNING_SPARQL_TOKEN, or TWINNING_SPARQL_USER and TWINNING_SPARQL_PASSWORD
    (HTTP Basic or Digest).

    \b
    Example:
        oxigraph serve --location /tmp/twinning --bind 127.0.0.1:7878 &
        twinning publish --endpoint http://127.0.0.1:7878/store
    """
    done = api.publish(
        _project(root),
        endpoint,
        graph_iri,
        query_endpoint=query_endpoint,
        update_endpoint=update_endpoint,
        timeout=timeout,
    )
    click.echo(f"published {done.triples} triples to {done.target} of {redact(endpoint)}")


# ----------------------------------------------------------------------------- import (issue 11)


@main.command("import")
@root_option
@click.argument("table", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the table and report; write nothing.")
@click.option(
    "--endpoint",
    default="https://query.wikidata.org/sparql",
    show_default=True,
    help="SPARQL endpoint with Wikidata-shaped data, to link party names that are new.",
)
@click.option(
    "--review",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write names that could not be linked, with their candidates and scores, here.",
)
@click.option("--date", help="Retrieval and mapping date to record (default: today).")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds per request.")
@click.option("--no-cache", is_flag=True, help="Do not reuse cached endpoint answers.")
@max_bytes_option
def import_command(
    root: Path | None,
    table: Path,
    dry_run: bool,
    endpoint: str,
    review: Path | None,
    date: str | None,
    timeout: float,
    no_cache: bool,
    max_bytes: int,
) -> None:
    """Merge a table of agreements (CSV UTF-8 or .xlsx) into data/.

    The table has the columns of dist/agreements.csv. A row with an id updates that
    agreement (only the cells that differ from the export change anything); a row without
    one adds an agreement. Parties may be region ids, Wikidata ids, names we know, or new
    names with their country, which are linked to Wikidata. Names that cannot be decided
    are listed (and written to --review) and their rows left out. Every bad cell is reported
    as TABLE:row:column: reason, and then nothing is written (exit 1).

    \b
    Example:
        twinning export --out dist
        twinning import dist/agreements.csv --dry-run
        twinning import partners.xlsx --review review.txt
    """
    report = api.import_table(
        _project(root),
        table,
        endpoint=_endpoint(endpoint, timeout, not no_cache, max_bytes),
        review=review,
        dry_run=dry_run,
        date=date,
    )
    for held in report.held:
        for line in held.lines():
            click.echo(f"held for review: {line}" if not line.startswith(" ") else line)
    verb = "would change" if dry_run else "changed"
    for path in report.changed_files:
        click.echo(f"{verb} {path}")
    click.echo(
        f"{report.rows} rows: {len(report.updated)} agreements updated, "
        f"{len(report.created)} added, {len(report.regions)} regions and "
        f"{len(report.sources)} sources created, {len(report.held)} names held for review",
        err=True,
    )


# ------------------------------------------------------------------ catalogue quality (MQA)


@main.group()
def catalog() -> None:
    """Check the catalogue record the way the portals that harvest it do."""


@catalog.command("score")
@root_option
@click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("dist") / "catalog.ttl",
    show_default=True,
    help="The catalogue file to score (Turtle or JSON-LD).",
)
@click.option("--online", is_flag=True, help="Also check that access and download URLs answer.")
@click.option(
    "--base-url",
    help="With --online: look for the files under this URL instead of the catalogue's links "
    "(a copy not yet published).",
)
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per URL with --online.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def catalog_score(
    root: Path | None,
    catalog_file: Path,
    online: bool,
    base_url: str | None,
    timeout: float,
    output_format: str,
) -> None:
    """Compute data.europa.eu's metadata quality score (MQA, out of 405).

    Every indicator is checked offline except whether the access and download URLs
    answer (80 points), checked with --online. Prints one line per indicator and
    the total.

    \b
    Example:
        twinning build && twinning catalog score
        twinning catalog score --online --base-url http://127.0.0.1:8000/
    """
    import json

    from . import mqa

    scores = api.catalog_score(
        _project(root), catalog_file, online=online, base_url=base_url, timeout=timeout
    )
    if output_format == "json":
        click.echo(json.dumps(mqa.as_dict(scores), indent=2, ensure_ascii=False))
    else:
        click.echo(mqa.render(scores), nl=False)


# ----------------------------------------------------------------------------- the website
# `twinning site` and `twinning serve` (issue 12): every IRI of the graph gets a page.


@main.command("site")
@root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder to write the site into (replaced as a whole).",
)
@click.option(
    "--base-url",
    default="https://w3id.org/twinning/",
    show_default=True,
    help="Where the site will be hosted: prefix of the catalogue's download links and of the "
    "content-negotiation rules.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ro", "cs"]),
    default="en",
    show_default=True,
    help="Language of the interface and of the names shown first.",
)
def site_command(root: Path | None, out: Path, base_url: str, lang: str) -> None:
    """Write the static website of the graph: a page for every IRI.

    The home page has a map, a network and a timeline; beside each page go the
    resource's Turtle, N-Triples and JSON-LD; the ontology is documented at
    ontology.html; dist/ holds the export and the DCAT catalogue; .htaccess and
    nginx.conf hold the content negotiation rules. The folder is replaced as a
    whole, only when every file was written.

    \b
    Example:
        twinning site --out site --base-url https://example.org/twinning/
    """
    summary = api.site(_project(root), out, base_url=base_url, lang=lang)
    click.echo(f"wrote {summary.out} ({summary.pages} pages, {summary.files} files)")


@main.command("serve")
@root_option
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--lang",
    type=click.Choice(["en", "ro", "cs"]),
    default="en",
    show_default=True,
    help="Language of the interface and of the names shown first.",
)
def serve_command(root: Path | None, port: int, lang: str) -> None:
    """Build the site and serve it on 127.0.0.1, with SPARQL at /sparql.

    IRIs are negotiated as the .htaccess rules do (303 to .ttl, .jsonld, .nt or
    .html after the Accept header; 404 for IRIs not in the graph). /sparql is a
    read-only SPARQL 1.1 endpoint over the graph. Stop with Ctrl-C.

    \b
    Example:
        twinning serve --port 8000    # then open http://127.0.0.1:8000/
    """

    def ready(url: str) -> None:
        click.echo(f"serving {url} (SPARQL at {url}sparql); Ctrl-C to stop", err=True)

    api.serve(_project(root), port=port, lang=lang, on_ready=ready)
