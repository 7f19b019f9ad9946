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

import csv
import datetime
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import rdfio, safeio, terms
from .errors import CannotRun

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
    """SELECT results as SPARQL 1.1 JSON terms, whatever ran them."""

    variables: list[str]
    rows: list[dict[str, dict[str, str]]]

    def normalised(self) -> list[dict[str, dict[str, str]]]:
        """Rows with plain literals written one way (no xsd:string datatype)."""
        out = []
        for row in self.rows:
            clean = {}
            for name, term in row.items():
                term = dict(term)
                if term.get("type") == "typed-literal":
                    term["type"] = "literal"
                if term.get("datatype") == terms.XSD + "string":
                    del term["datatype"]
                clean[name] = term
            out.append(clean)
        return out


def run_local(store: ox.Store, text: str) -> Results:
    """Run a SELECT query on an Oxigraph store.

    Oxigraph writes the SPARQL JSON results itself, which is much faster on large results
    than converting each term in Python, and gives exactly what a remote endpoint sends.
    """
    try:
        solutions = store.query(text)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError("only SELECT queries can be run by name")
        # Evaluated while serializing: SERVICE calls and their errors happen here.
        document = json.loads(solutions.serialize(format=ox.QueryResultsFormat.JSON) or b"{}")
    except SyntaxError as err:
        raise QueryError(f"the query does not parse: {str(err).splitlines()[0]}") from err
    except OSError as err:
        raise QueryError(f"the query failed: {str(err).splitlines()[0]}") from err
    return Results(list(document["head"]["vars"]), document["results"]["bindings"])


def run_remote(endpoint: Any, text: str) -> Results:
    """Run a SELECT query on a remote endpoint (a :class:`sparql_client.Endpoint`)."""
    document = endpoint.select(text)
    if "results" not in document:
        raise QueryError("only SELECT queries can be run by name")
    return Results(list(document.get("head", {}).get("vars", [])), document["results"]["bindings"])


# ----------------------------------------------------------------------------- formats


def as_json(results: Results) -> str:
    document = {"head": {"vars": results.variables}, "results": {"bindings": results.normalised()}}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def as_csv(results: Results) -> str:
    """SPARQL 1.1 Query Results CSV: values only, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(results.variables)
    for row in results.normalised():
        writer.writerow([row[v]["value"] if v in row else "" for v in results.variables])
    return out.getvalue()


def _turtle_term(term: dict[str, str]) -> str:
    if term["type"] == "uri":
        return str(ox.NamedNode(term["value"]))
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if "xml:lang" in term:
        return str(ox.Literal(term["value"], language=term["xml:lang"]))
    datatype = term.get("datatype", terms.XSD + "string")
    return str(ox.Literal(term["value"], datatype=ox.NamedNode(datatype)))


def as_tsv(results: Results) -> str:
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax."""
    lines = ["\t".join(f"?{v}" for v in results.variables)]
    for row in results.normalised():
        lines.append("\t".join(_turtle_term(row[v]) if v in row else "" for v in results.variables))
    return "\n".join(lines) + "\n"


def as_table(results: Results) -> str:
    """Aligned columns for people: IRIs as prefixed names, literals as their text."""
    compactor = rdfio.Compactor(terms.PREFIXES)
    cells = [results.variables]
    for row in results.normalised():
        line = []
        for name in results.variables:
            term = row.get(name)
            if term is None:
                line.append("")
            elif term["type"] == "uri":
                line.append(compactor.iri(term["value"]))
            else:
                line.append(term["value"].replace("\n", " "))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(results.variables))]
    text = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    text.insert(1, "  ".join("-" * w for w in widths))
    text.append(f"({len(results.rows)} row{'s' if len(results.rows) != 1 else ''})")
    return "\n".join(text) + "\n"


def render(results: Results, output_format: str) -> str:
    return {"json": as_json, "csv": as_csv, "tsv": as_tsv, "table": as_table}[output_format](
        results
    )
