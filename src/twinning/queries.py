"""Named SPARQL queries: one ``.rq`` file each, run on the local graph or a remote endpoint.

A query file opens with a header::

    #+ summary: Partners of a region
    #+ tags: regions, partners
    #+ param: region | iri | https://w3id.org/twinning/id/region/cluj | the region to look at

Parameter values are never pasted into the query text: each is turned into an RDF term by
Oxigraph's serializer and bound in a ``VALUES`` block placed at the start of the ``WHERE``
clause, the same text locally and remotely. A value like ``x" } ; DROP ALL ; #`` is just a
string.
"""

from __future__ import annotations

import datetime
import difflib
import json
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from . import http, rdfio, safeio, terms
from .errors import CannotRun
from .http import DEFAULT_MAX_BYTES, Deadline
from .sparql_client import Endpoint, to_json_term

PARAM_TYPES = ("iri", "string", "date", "integer")
FORMATS = ("table", "csv", "tsv", "json")


class QueryError(CannotRun):
    """A query that cannot be found, read or bound: a one-line reason."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str
    description: str


@dataclass
class NamedQuery:
    name: str
    path: Path
    text: str
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)


def parse(path: Path) -> NamedQuery:
    """Read a query file and its header."""
    text = safeio.read_text(path, limit=MAX_QUERY_BYTES)
    query = NamedQuery(name=path.stem, path=path, text=text)
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^#\+\s*(\w+):\s*(.*)$", line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "summary":
            query.summary = value
        elif key == "tags":
            query.tags = [t.strip() for t in value.split(",") if t.strip()]
        elif key == "param":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 4 or parts[1] not in PARAM_TYPES:
                raise QueryError(
                    f"{path}:{number}: a parameter is 'name | type | default | description' "
                    f"with type one of {', '.join(PARAM_TYPES)}"
                )
            query.params.append(Param(*parts))
    return query


MAX_QUERY_BYTES = 1_000_000


def library(root: Path) -> dict[str, NamedQuery]:
    """The named queries in ``queries/``, by name; a project without any is refused."""
    files = sorted((root / "queries").glob("*.rq"))
    if not files:
        raise QueryError(f"{root / 'queries'} holds no .rq files")
    return {q.name: q for q in (parse(p) for p in files)}


def find(root: Path, name_or_path: str) -> NamedQuery:
    """A query by name, or a .rq file by path; unknown names get close suggestions."""
    if name_or_path.endswith(".rq"):
        path = Path(name_or_path)
        if not path.exists():
            raise QueryError(f"{name_or_path}: no such file")
        return parse(path)
    queries = library(root)
    if name_or_path in queries:
        return queries[name_or_path]
    close = difflib.get_close_matches(name_or_path, list(queries), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise QueryError(f"no query named {name_or_path!r}{hint} (see `twinning query list`)")


# ----------------------------------------------------------------------------- binding

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def to_term(param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term; raises :class:`QueryError` when it does not fit."""
    if param.type == "iri":
        expanded = _expand_curie(value)
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", expanded) or _IRI_FORBIDDEN.search(expanded):
            raise QueryError(f"parameter {param.name}: {value!r} is not a valid IRI")
        return ox.NamedNode(expanded)
    if param.type == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError as err:
            raise QueryError(
                f"parameter {param.name}: {value!r} is not a date (YYYY-MM-DD)"
            ) from err
        return ox.Literal(value, datatype=ox.NamedNode(terms.XSD + "date"))
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise QueryError(f"parameter {param.name}: {value!r} is not an integer")
        return ox.Literal(value, datatype=ox.NamedNode(terms.XSD + "integer"))
    return ox.Literal(value)


def _expand_curie(value: str) -> str:
    prefix, sep, local = value.partition(":")
    if sep and prefix in terms.PREFIXES and not local.startswith("//"):
        return terms.PREFIXES[prefix] + local
    return value


def bind(query: NamedQuery, values: dict[str, str]) -> str:
    """The query text with its parameters bound in a VALUES block (defaults where not given)."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise QueryError(
            f"query {query.name} has no parameter {unknown[0]!r} (parameters: {names})"
        )
    if not query.params:
        return query.text
    variables = " ".join(f"?{p.name}" for p in query.params)
    row = " ".join(str(to_term(p, values.get(p.name, p.default))) for p in query.params)
    block = f"\n  VALUES ({variables}) {{ ({row}) }}\n"
    match = re.search(r"\bWHERE\s*\{", query.text, re.IGNORECASE)
    if match is None:
        raise QueryError(f"{query.path}: parameters need a WHERE clause to be bound in")
    return query.text[: match.end()] + block + query.text[match.end() :]


def redirect_services(text: str, services: dict[str, str]) -> str:
    """Send ``SERVICE <iri>`` to another endpoint (a local mirror), by exact IRI."""
    for original, replacement in services.items():
        if _IRI_FORBIDDEN.search(replacement):
            raise QueryError(f"{replacement!r} is not a valid endpoint URL")
        pattern = re.compile(r"(SERVICE\s+(?:SILENT\s+)?)<" + re.escape(original) + ">", re.I)
        text = pattern.sub(lambda m: f"{m.group(1)}<{replacement}>", text)  # noqa: B023
    return text


# ----------------------------------------------------------------------------- results


@dataclass
class Results:
    """SELECT results, whatever ran them: variables, then rows of pyoxigraph terms.

    ``rows`` is usually a stream (an iterator read while the engine or the endpoint answers),
    so a million rows are never held at once. Local results also carry Oxigraph's
    ``solutions``, which :func:`write` hands to Oxigraph to write as CSV, TSV or JSON without
    a Python object per row; ``rows`` is then the same stream seen as Python terms (for the
    table), and only one of the two can be read.
    """

    variables: list[str]
    rows: Iterable[dict[str, Any]]
    solutions: ox.QuerySolutions | None = None


def run(
    root: Path,
    name_or_path: str,
    params: dict[str, str],
    out: BinaryIO,
    output_format: str = "csv",
    *,
    endpoint: str | None = None,
    timeout: float = 60.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    services: dict[str, str] | None = None,
) -> int | None:
    """Find, bind and run a named query (locally or on ``endpoint``); write rows to ``out``.

    Rows are written as they arrive (csv, tsv, json); the table format needs every row to
    size its columns. ``timeout`` bounds the whole remote call, and a local query whose text
    has ``SERVICE`` too. The number of rows written, where counted (see :func:`write`).
    """
    named = find(root, name_or_path)
    text = redirect_services(bind(named, params), services or {})
    if endpoint:
        client = Endpoint(endpoint, timeout=timeout, max_bytes=max_bytes)
        with client.stream(text) as solutions:
            return write(Results(solutions.variables, solutions.rows), output_format, out)
    from .load import load_project

    graph = load_project(root)
    return write(stream_local(graph.store, text, timeout), output_format, out)


# What may hide the keyword SERVICE without being it: strings, IRIs and comments.
_NOT_KEYWORDS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*"
)
_SERVICE = re.compile(r"(?<![\w:])SERVICE(?![\w:])", re.IGNORECASE)


# \u0053ERVICE is SERVICE: codepoint escapes are read before the query is parsed.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def calls_service(text: str) -> bool:
    """Whether a query has a ``SERVICE`` clause, which makes Oxigraph call another endpoint
    (the word in a string, an IRI, a comment or a prefixed name is not one)."""
    text = _CODEPOINT.sub(lambda m: _codepoint(m.group(1) or m.group(2)), text)
    return _SERVICE.search(_NOT_KEYWORDS.sub(" ", text)) is not None


def _codepoint(digits: str) -> str:
    value = int(digits, 16)
    return chr(value) if value <= 0x10FFFF else "\ufffd"


def stream_local(store: ox.Store, text: str, timeout: float | None = None) -> Results:
    """Run a SELECT query on an Oxigraph store; rows are produced while they are read.

    Oxigraph has no query timeout and calls ``SERVICE`` endpoints itself, without one. A
    query with ``SERVICE`` therefore runs in a worker thread that is abandoned when
    ``timeout`` runs out (the process exits without waiting for it).
    """
    if timeout is not None and calls_service(text):
        return _in_worker(store, text, Deadline(timeout))
    solutions = _solutions(store, text)
    variables = [v.value for v in solutions.variables]
    return Results(variables, _local_rows(solutions, variables), solutions)


def run_local(store: ox.Store, text: str) -> Results:
    """Run a SELECT query on an Oxigraph store, all rows read (for benchmarks and tests)."""
    results = stream_local(store, text)
    return Results(results.variables, list(results.rows))


def _solutions(store: ox.Store, text: str) -> ox.QuerySolutions:
    try:
        solutions = store.query(text)
    except SyntaxError as err:
        raise QueryError(f"the query does not parse: {str(err).splitlines()[0]}") from err
    except OSError as err:
        raise QueryError(f"the query failed: {_first_line(err)}") from err
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError("only SELECT queries can be run by name")
    return solutions


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return http.error_text(lines[0].encode()) if lines else type(err).__name__


def _local_rows(solutions: ox.QuerySolutions, variables: list[str]) -> Iterator[dict[str, Any]]:
    """Rows as they are evaluated: SERVICE calls and their errors happen here."""
    try:
        for solution in solutions:
            # A solution iterates over its values in the order of the variables: one call
            # per row rather than two lookups per variable (half the time on 100k rows).
            yield {v: term for v, term in zip(variables, solution, strict=True) if term is not None}
    except (OSError, SyntaxError, ValueError) as err:
        raise QueryError(f"the query failed: {_first_line(err)}") from err


_DONE = object()


def _in_worker(store: ox.Store, text: str, deadline: Deadline) -> Results:
    """Evaluate in a daemon thread; rows come through a bounded queue until the deadline."""
    rows: queue.Queue[Any] = queue.Queue(maxsize=256)
    abandoned = threading.Event()

    def put(item: Any) -> bool:
        while not abandoned.is_set():
            try:
                rows.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        failure: BaseException | None = None
        solutions: ox.QuerySolutions | None = None
        produced: Iterator[dict[str, Any]] | None = None
        try:
            solutions = _solutions(store, text)
            variables = [v.value for v in solutions.variables]
            put(variables)
            produced = _local_rows(solutions, variables)
            for row in produced:
                if not put(row):
                    break
            put(_DONE)
        except BaseException as err:
            failure = err if isinstance(err, CannotRun) else QueryError(f"the query failed: {err}")
        finally:
            # Oxigraph's results must be dropped in the thread that made them: now, here.
            if produced is not None:
                produced.close()  # type: ignore[attr-defined]
            solutions = produced = None
        if failure is not None:  # handed over to the reading thread, without our frames
            failure.__traceback__ = failure.__cause__ = failure.__context__ = None
            put(failure)

    threading.Thread(target=work, name="twinning-query", daemon=True).start()

    def take() -> Any:
        try:
            item = rows.get(timeout=max(0.0, deadline.remaining()))
        except queue.Empty:
            abandoned.set()
            raise QueryError(
                f"the query did not finish within the {deadline.seconds:g} s timeout "
                "(a SERVICE endpoint is slow or does not answer)"
            ) from None
        if isinstance(item, BaseException):
            raise item
        return item

    variables = take()

    def stream() -> Iterator[dict[str, Any]]:
        while (item := take()) is not _DONE:
            yield item

    return Results(variables, stream())


# ----------------------------------------------------------------------------- formats
#
# One output contract: CSV, TSV and JSON are the bytes Oxigraph writes. Local results are
# written by Oxigraph itself, straight from the engine (no Python object per row); rows that
# are already Python terms (from an endpoint, or a local query with SERVICE run in a worker)
# go through the writers below, which copy Oxigraph's layout byte for byte: CSV with CRLF
# line ends, values quoted only when they hold '"', ',', CR or LF, IRIs as they are, blank
# nodes as ``_:id``; TSV with LF line ends and terms in Turtle syntax (integers, decimals,
# doubles and booleans in their short form); JSON compact, with no final line end.
# tests/test_queries.py checks the two against each other on awkward values.

_OXIGRAPH_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}


def write(results: Results, output_format: str, out: BinaryIO) -> int | None:
    """Write results in one of :data:`FORMATS` as they are produced.

    The number of rows written when they passed through Python (an endpoint's answer, the
    table); None when Oxigraph wrote local results itself, rows it does not count.
    """
    writers = {"json": _write_json, "csv": _write_csv, "tsv": _write_tsv, "table": _write_table}
    if output_format not in writers:
        raise QueryError(f"unknown format {output_format!r} (one of {', '.join(FORMATS)})")
    if results.solutions is not None and output_format in _OXIGRAPH_FORMATS:
        _serialize(results.solutions, _OXIGRAPH_FORMATS[output_format], out)
        return None
    return writers[output_format](results, out)


class _Output:
    """``out`` as Oxigraph writes to it (8 KiB at a time), keeping the error ``out`` raised so
    that a closed pipe is not reported as a failure of the query."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        try:
            return self.out.write(data)
        except BaseException as err:
            self.error = err
            raise

    def flush(self) -> None:
        flush = getattr(self.out, "flush", None)
        if flush is not None:
            try:
                flush()
            except BaseException as err:
                self.error = err
                raise


def _serialize(solutions: ox.QuerySolutions, fmt: ox.QueryResultsFormat, out: BinaryIO) -> None:
    output = _Output(out)
    try:
        solutions.serialize(output, format=fmt)  # type: ignore[arg-type]  # write and flush
    except (OSError, SyntaxError, ValueError) as err:
        if output.error is not None:
            raise
        raise QueryError(f"the query failed: {_first_line(err)}") from err


def _write_json(results: Results, out: BinaryIO) -> int:
    """SPARQL 1.1 JSON results, compact, as Oxigraph writes them."""
    head = _json_text({"head": {"vars": results.variables}})
    out.write((head[:-1] + ',"results":{"bindings":[').encode("utf-8"))
    count = 0
    for row in results.rows:
        fields = ",".join(f"{_quote(name)}:{_json_term(term)}" for name, term in row.items())
        out.write((("," if count else "") + "{" + fields + "}").encode("utf-8"))
        count += 1
    out.write(b"]}}")
    return count


_quote = json.encoder.encode_basestring  # as json.dumps(ensure_ascii=False)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_term(term: Any) -> str:
    """A term in SPARQL JSON, keys in Oxigraph's order (type, value, xml:lang or datatype)."""
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _quote(term.value) + "}"
    return _json_text(to_json_term(term))


def _write_csv(results: Results, out: BinaryIO) -> int:
    """SPARQL 1.1 Query Results CSV: values only, CRLF line ends."""
    out.write((",".join(results.variables) + "\r\n").encode("utf-8"))
    count = 0
    for row in results.rows:
        line = ",".join(_csv_term(row[v]) if v in row else "" for v in results.variables)
        out.write((line + "\r\n").encode("utf-8"))
        count += 1
    return count


_CSV_QUOTED = re.compile(r'[",\r\n]')


def _csv_term(term: Any) -> str:
    if isinstance(term, ox.Literal):
        value = term.value
        return '"' + value.replace('"', '""') + '"' if _CSV_QUOTED.search(value) else value
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return f"{_csv_term(term.subject)} {term.predicate.value} {_csv_term(term.object)}"
    raise QueryError(f"cannot write {term!r} in CSV")


def _write_tsv(results: Results, out: BinaryIO) -> int:
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax, LF line ends."""
    out.write(("\t".join(f"?{v}" for v in results.variables) + "\n").encode("utf-8"))
    count = 0
    for row in results.rows:
        line = "\t".join(_tsv_term(row[v]) if v in row else "" for v in results.variables)
        out.write((line + "\n").encode("utf-8"))
        count += 1
    return count


_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})
# Turtle's short forms (grammar rules 19-21, and true/false), which Oxigraph writes bare.
_TSV_BARE = {
    terms.XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    terms.XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    terms.XSD + "double": re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    terms.XSD + "boolean": re.compile(r"true|false"),
}


def _tsv_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        quoted = '"' + term.value.translate(_TSV_ESCAPES) + '"'
        if term.language:
            direction = f"--{term.direction}" if term.direction is not None else ""
            return f"{quoted}@{term.language}{direction}"
        datatype = term.datatype.value
        bare = _TSV_BARE.get(datatype)
        if bare is not None and bare.fullmatch(term.value):
            return term.value
        return quoted if datatype == terms.XSD + "string" else f"{quoted}^^<{datatype}>"
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<<( " + " ".join(_tsv_term(part) for part in parts) + " )>>"
    raise QueryError(f"cannot write {term!r} in TSV")


def _write_table(results: Results, out: BinaryIO) -> int:
    """Aligned columns for people: IRIs as prefixed names, literals as their text.

    The only format that holds every row before printing (to size the columns).
    """
    compactor = rdfio.Compactor(terms.PREFIXES)
    cells = [results.variables]
    for row in results.rows:
        line = []
        for name in results.variables:
            term = row.get(name)
            if term is None:
                line.append("")
            elif isinstance(term, ox.NamedNode):
                line.append(compactor.iri(term.value))
            else:
                line.append(term.value.replace("\n", " "))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(results.variables))]
    text = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    text.insert(1, "  ".join("-" * w for w in widths))
    count = len(cells) - 1
    text.append(f"({count} row{'s' if count != 1 else ''})")
    out.write(("\n".join(text) + "\n").encode("utf-8"))
    return count
