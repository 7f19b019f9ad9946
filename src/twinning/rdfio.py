"""Reading and writing RDF files: located parse errors, one canonical Turtle form, atomic writes.

The canonical writer is shared by ``twinning fmt`` (for ``data/``) and by the export (for
``dist/``), so curated files and published files follow one set of rules: prefixes sorted,
subjects sorted, ``rdf:type`` first, then predicates and objects sorted. The same triples
always give the same bytes, whatever order they were read in.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import safeio, terms
from .errors import CannotRun
from .safeio import atomic_open as atomic_open
from .safeio import write_atomic as write_atomic

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class RdfSyntaxError(CannotRun):
    """A file that cannot be read as RDF, located as ``file:line:column: reason``."""

    def __init__(self, path: Path | str | None, line: int | None, column: int | None, reason: str):
        self.reason = reason
        super().__init__(reason, path=path, line=line, column=column)


# ----------------------------------------------------------------------------- parsing

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
}


def parse_file(path: Path) -> list[ox.Triple]:
    """Parse one RDF file into triples, raising :class:`RdfSyntaxError` with a location.

    Besides syntax, literals of the date and number datatypes must have a valid lexical
    form: Oxigraph keeps ``"2012-13-45"^^xsd:date`` silently, so we check it here.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RdfSyntaxError(path, None, None, f"unknown RDF file type {path.suffix!r}")
    check_before_parsing(path, fmt)
    data = safeio.read_bytes(path)
    try:
        quads = list(ox.parse(data.removeprefix(BOM), format=fmt, base_iri=None))
    except SyntaxError as err:
        raise located_error(path, err) from err
    except MemoryError as err:
        raise too_long(path) from err
    refuse_rdf12(path, quads, data)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    _check_literals(path, data, triples)
    return triples


# RDF 1.2 additions that Oxigraph parses but that are no part of the model, and that no
# writer of ours can carry: triple terms (<< s p o >>, and the reifier syntax ~ r {| |}
# that makes them) and directional language strings ("..."@ar--rtl, whose direction fmt
# and the JSON-LD export would drop). Files that may hold them (the marks appear, even
# inside a string) are parsed in Python and refused if they do.
RDF12_MARKS = (b"<<", b"{|", b"--ltr", b"--rtl")


def refuse_rdf12(path: Path, quads: Iterable[ox.Quad], data: bytes) -> None:
    """Raise :class:`RdfSyntaxError`, located at its mark, if a quad holds a triple term or
    a directional language string."""
    for quad in quads:
        if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
            marks, what = RDF12_MARKS[:2], "RDF 1.2 triple terms (<< >>, ~ reifier {| |})"
            hint = "state the facts as plain triples"
        elif isinstance(quad.object, ox.Literal) and quad.object.direction:
            marks, what = RDF12_MARKS[2:], "RDF 1.2 directional strings (@ar--rtl)"
            hint = "write the language alone (@ar): the site shows each name in its direction"
        else:
            continue
        places = [_locate(data, mark.decode()) for mark in marks]
        line, column = min((p for p in places if p[0] is not None), default=(None, None))
        raise RdfSyntaxError(
            path, line, column, f"{what} are not part of the twinning model: {hint}"
        )


BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, which editors on Windows write
# Oxigraph's JSON-LD and RDF/XML parsers recurse once per level of nesting: about 4,000 levels
# exhaust the stack of the main thread and kill the process (SIGSEGV), so deeper files are
# refused before they are parsed. Real data nests a few levels.
MAX_NESTING = 256
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_before_parsing(path: Path, fmt: ox.RdfFormat) -> None:
    """Refuse, located, what would crash or mislead the parser: RDF/XML with a DTD (entity
    expansion, external entities), RDF/XML or JSON-LD that is not UTF-8, not well-formed XML,
    or nested deeper than :data:`MAX_NESTING`. Turtle and N-Triples need none of it (their
    parser is iterative and locates its own errors), so their loading is not slowed."""
    if fmt not in (ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD):
        return
    text = safeio.read_text(path).removeprefix("\ufeff")
    if fmt == ox.RdfFormat.RDF_XML:
        refuse_entity_declarations(path, text.encode("utf-8"), fmt)
        _check_xml(path, text)
        return
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(path, text, match.start())
        elif token in "]}":
            depth -= 1
    _refuse_dropped_iris(path, text)


# JSON-LD drops, silently, a triple whose IRI is relative when there is no base (a file of
# relative "@id"s would load as nothing), or holds a character no IRI may hold. The file is
# parsed once against this base: anything resolved against it was relative.
_NO_BASE = "https://twinning.invalid/no-base/"
_ID_VALUE = re.compile(r'"@(?:id|type)"\s*:\s*("(?:[^"\\]|\\.)*")')
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')


def _refuse_dropped_iris(path: Path, text: str) -> None:
    """Refuse, located, the IRIs of a JSON-LD text that its parser would drop."""
    for match in _ID_VALUE.finditer(text):
        try:
            value = json.loads(match.group(1))
        except ValueError:
            continue  # the parse that follows reports it, located
        bad = _NOT_IN_IRI.search(value)
        if bad:
            line, column = _locate(text.encode("utf-8"), match.group(1))
            raise RdfSyntaxError(
                path, line, column,
                f"{value!r} is not an IRI ({bad.group()!r} is not allowed in one): JSON-LD "
                "would drop it",
            )  # fmt: skip
    try:
        for quad in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.JSON_LD, base_iri=_NO_BASE):
            for term in (quad.subject, quad.predicate, quad.object):
                iri = term.datatype.value if isinstance(term, ox.Literal) else term.value
                if isinstance(term, ox.BlankNode) or not iri.startswith(_NO_BASE):
                    continue
                relative = iri[len(_NO_BASE) :]
                line, column = _locate(text.encode("utf-8"), json.dumps(relative))
                raise RdfSyntaxError(
                    path, line, column,
                    f"relative IRI {relative!r} and no @base: JSON-LD would drop it; "
                    "write the full IRI or set @base",
                )  # fmt: skip
    except SyntaxError:
        return  # the parse that follows reports it, located


def _check_xml(path: Path, text: str) -> None:
    """Well-formedness (located, which Oxigraph's RDF/XML errors are not) and nesting, by
    expat: C, iterative, and given no DTD (refused before) it expands no entity."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = 0

    def start(_name: str, _attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING:
            line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
            raise RdfSyntaxError(path, line, column, f"nested deeper than {MAX_NESTING} levels")

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text, True)
    except expat.ExpatError as err:
        reason = expat.ErrorString(err.code) or str(err)
        raise RdfSyntaxError(
            path, err.lineno, err.offset + 1, f"not well-formed XML: {reason}"
        ) from None


def _too_deep(path: Path, text: str, index: int) -> RdfSyntaxError:
    line, column = _line_column(text, index)
    return RdfSyntaxError(path, line, column, f"nested deeper than {MAX_NESTING} levels")


def _line_column(text: str | bytes, index: int) -> tuple[int, int]:
    """The line and column (both from 1) of ``index`` in ``text``."""
    newline = "\n" if isinstance(text, str) else b"\n"  # text and newline are of one kind
    start = text.rfind(newline, 0, index) + 1  # type: ignore[arg-type]
    return text.count(newline, 0, index) + 1, index - start + 1  # type: ignore[arg-type]


def refuse_entity_declarations(path: Path, data: bytes, fmt: ox.RdfFormat) -> None:
    """RDF/XML with a DTD can declare entities that expand without bound ("billion laughs")
    or read other files (external entities): such files are refused before any parser sees
    them."""
    if fmt != ox.RdfFormat.RDF_XML:
        return
    head = data.upper()
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        index = head.find(marker)
        if index >= 0:
            line, column = _line_column(data, index)
            raise RdfSyntaxError(
                path, line, column, "RDF/XML with a DTD or entity declarations is refused"
            )


# Oxigraph's messages that give no place, in words a curator can act on, with what locates
# them in the file.
_REASONS = {
    "No LoadDocumentCallback has been set to load remote contexts": (
        "a remote JSON-LD context (@context or @import naming a URL) is not fetched: "
        "put the context inline",
        re.compile(r'"@(?:context|import)"\s*:\s*(?:\[[^\]"]*)?"'),
    ),
    "Only UTF-8 is supported by the RDF/XML parser": (
        'RDF/XML is read as UTF-8 only: save the file as UTF-8 with encoding="UTF-8"',
        re.compile(r"encoding\s*="),
    ),
}
# What an unlocated reason names: 'quoted', or "x y is not a valid rdf:ID value".
_QUOTED = re.compile(r"'([^']+)'|^(.+?) is not a valid ")


def located_error(path: Path, err: SyntaxError) -> RdfSyntaxError:
    """Oxigraph's syntax error as ``file:line:column: reason``; where Oxigraph gives no place
    (its JSON-LD context and RDF/XML errors), the place of what the reason names or quotes."""
    reason = clean_reason(str(err))
    line, column = err.lineno, err.offset
    if line is None:
        try:
            data = safeio.read_bytes(path)
        except CannotRun:
            data = b""
        known = _REASONS.get(reason)
        quoted = _QUOTED.search(str(err))
        if known is not None:
            reason, where = known
            match = where.search(data.decode("utf-8", "replace"))
            if match:
                line, column = _locate(data, match.group())
        elif quoted:
            named = quoted.group(1) or quoted.group(2)
            for needle in (f'"{named}"', f"'{named}'", named):
                line, column = _locate(data, needle)
                if line is not None:
                    break
    return RdfSyntaxError(path, line, column, reason)


# Oxigraph's parsers hold at most this much of one term (a literal, an IRI) in memory and
# raise MemoryError beyond it.
MAX_TERM_BYTES = 16 * 1024 * 1024


def too_long(path: Path) -> RdfSyntaxError:
    """The error for a file with a term longer than the parser takes, located at the first
    line that long (read in chunks: the line may be gigabytes)."""
    size = MAX_TERM_BYTES // 1024**2
    return RdfSyntaxError(
        path, _first_long_line(path), None, f"a literal or IRI longer than {size} MiB: refused"
    )


def _first_long_line(path: Path) -> int | None:
    line, length = 1, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            pieces = chunk.split(b"\n")
            for index, piece in enumerate(pieces):
                length += len(piece)
                if length > MAX_TERM_BYTES:
                    return line
                if index < len(pieces) - 1:
                    line, length = line + 1, 0
    return None


def clean_reason(message: str) -> str:
    """Oxigraph says 'Parser error at line 2 between columns 14 and 22: reason' (or 'between
    line 1 column 37 and line 2 column 1'); keep the reason, the place is said first."""
    match = re.match(
        r"Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
        r"|between line \d+ column \d+ and line \d+ column \d+): (.*)",
        message,
    )
    text = match.group(1) if match else message
    text = re.sub(r"\s*\((?:[^()]*, )?line \d+\)$", "", text.strip().splitlines()[0])
    if text.startswith(("Invalid UTF-8", "cannot decode input using UTF-8")):
        return "not UTF-8 text; save the file as UTF-8"
    return text


_DATE_RE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$")
_DATETIME_RE = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"
)
_TIME_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_GYEAR_RE = re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$")
_GYEARMONTH_RE = re.compile(r"^-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?$")
_INTEGER_RE = re.compile(r"^[+-]?\d+$")
_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DOUBLE_RE = re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$")
# The integer types derived from xsd:integer, with their bounds (None: unbounded).
INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
# The types derived from xsd:integer (Oxigraph stores their literals as xsd:integer).
INTEGER_DERIVED = tuple(local for local in INTEGER_RANGES if local != "integer")


def _time_is_valid(hour: str, minute: str, second: str) -> bool:
    return (int(hour) < 24 and int(minute) < 60 and int(second) < 60) or (
        hour == "24" and minute == "00" and second == "00"
    )


def literal_is_valid(lexical: str, datatype: str) -> bool:
    """Whether ``lexical`` is a valid form of the XSD ``datatype``.

    Covers the XSD types whose lexical space is narrower than "any string" and that SHACL
    data uses (numbers with their ranges, booleans, dates and times); the loader and
    ``sh:datatype`` both rely on it. Other datatypes accept any lexical form.
    """
    local = datatype.removeprefix(terms.XSD)
    if datatype == local:
        return True
    if local in {"date", "dateTime"}:
        match = (_DATE_RE if local == "date" else _DATETIME_RE).match(lexical)
        if match is None:
            return False
        try:
            _dt.date.fromisoformat(lexical[:10])
        except ValueError:
            return False
        return local == "date" or _time_is_valid(*match.group(1, 2, 3))
    if local == "time":
        match = _TIME_RE.match(lexical)
        return match is not None and _time_is_valid(*match.group(1, 2, 3))
    if local == "gYear":
        return bool(_GYEAR_RE.match(lexical))
    if local == "gYearMonth":
        return bool(_GYEARMONTH_RE.match(lexical))
    if local in INTEGER_RANGES:
        if not _INTEGER_RE.match(lexical):
            return False
        low, high = INTEGER_RANGES[local]
        return (low is None or int(lexical) >= low) and (high is None or int(lexical) <= high)
    if local == "decimal":
        return bool(_DECIMAL_RE.match(lexical))
    if local in {"double", "float"}:
        return bool(_DOUBLE_RE.match(lexical))
    if local == "boolean":
        return lexical in {"true", "false", "1", "0"}
    return True


def _check_literals(path: Path, data: bytes, triples: list[ox.Triple]) -> None:
    for triple in triples:
        obj = triple.object
        if isinstance(obj, ox.Literal) and not literal_is_valid(obj.value, obj.datatype.value):
            line, column = _locate_literal(data, obj.value)
            local = obj.datatype.value.removeprefix(terms.XSD)
            raise RdfSyntaxError(
                path, line, column, f'"{obj.value}" is not a valid xsd:{local} value'
            )


CHECKED_DATATYPES = ("date", "gYear", "gYearMonth", "integer", "nonNegativeInteger",
                     "positiveInteger", "boolean", "decimal")  # fmt: skip


def typed_in(variable: str, datatypes: str) -> str:
    """SPARQL keeping the literals of ``variable`` whose datatype is one of ``datatypes`` (a
    comma-separated list). The datatype is bound once: with ``DATATYPE(?o) IN (...)`` the
    scan of 3.7 M triples for ill-formed literals took 6-8 s in Oxigraph, bound once 3 s."""
    return (
        f"FILTER(isLiteral({variable})) BIND(DATATYPE({variable}) AS ?_dt) "
        f"FILTER(?_dt IN ({datatypes}))"
    )


def check_typed_literals(store: ox.Store, files: list[Path]) -> None:
    """Raise :class:`RdfSyntaxError` for the first typed literal with an invalid lexical form.

    Each distinct literal is checked once, so this stays cheap on millions of triples; the
    error is located by looking for the literal's text in the files that were loaded.
    """
    datatypes = ", ".join(f"<{terms.XSD}{local}>" for local in CHECKED_DATATYPES)
    query = f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o {typed_in('?o', datatypes)} }}"
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    literals = [row["o"] for row in solutions if isinstance(row["o"], ox.Literal)]
    del solutions  # Oxigraph's results must be dropped on the thread that made them
    bad = sorted(
        (lit for lit in literals if not literal_is_valid(lit.value, lit.datatype.value)),
        key=lambda lit: lit.value,
    )
    if not bad:
        return
    literal = bad[0]
    local = literal.datatype.value.removeprefix(terms.XSD)
    reason = f'"{literal.value}" is not a valid xsd:{local} value'
    for path in files:
        line, column = _locate_literal(path.read_bytes(), literal.value)
        if line is not None:
            raise RdfSyntaxError(path, line, column, reason)
    raise RdfSyntaxError(None, None, None, reason)  # not found: name no file, it may be fine


def _locate_literal(data: bytes, value: str) -> tuple[int | None, int | None]:
    """Where a literal is written: as Turtle and JSON-LD quote it, or as RDF/XML writes it."""
    for needle in (f'"{value}"', f">{value}<"):
        line, column = _locate(data, needle)
        if line is not None:
            return line, column
    return None, None


def _locate(data: bytes, needle: str) -> tuple[int | None, int | None]:
    text = data.decode("utf-8", errors="replace")
    index = text.find(needle)
    if index < 0:
        return None, None
    return _line_column(text, index)


# ----------------------------------------------------------------------------- writing

_PN_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")


class Compactor:
    """Turns IRIs into prefixed names where the local part is safe to write unescaped."""

    def __init__(self, prefixes: dict[str, str]):
        # Longest namespace first, so region: wins over the id/ namespace.
        self._by_length = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self.used: set[str] = set()

    def iri(self, iri: str) -> str:
        for prefix, namespace in self._by_length:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if local and _PN_LOCAL.match(local):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return f"<{iri}>"

    def term(self, term: Term) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        quoted = str(ox.Literal(term.value))
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype.value == terms.XSD + "string":
            return quoted
        return f"{quoted}^^{self.iri(term.datatype.value)}"


def term_sort_key(term: Term | ox.Triple) -> tuple[int, str, str, str]:
    """IRIs before blank nodes before literals; literals by value, language, datatype."""
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    if isinstance(term, ox.Triple):
        return (3, str(term), "", "")
    return (2, term.value, term.language or "", term.datatype.value)


def canonical_turtle(
    triples: Iterable[ox.Triple], prefixes: dict[str, str] | None = None, header: str = ""
) -> str:
    """The canonical Turtle text of a set of triples (duplicates are dropped); of no triples
    and no header, the empty text (an empty file is canonical as it is)."""
    compactor = Compactor(prefixes if prefixes is not None else terms.PREFIXES)
    by_subject: dict[Any, dict[str, set[Any]]] = {}
    for triple in triples:
        predicates = by_subject.setdefault(triple.subject, {})
        predicates.setdefault(triple.predicate.value, set()).add(triple.object)
    if not by_subject and not header:
        return ""
    body: list[str] = []
    for subject in sorted(by_subject, key=term_sort_key):
        body.append(compactor.term(subject))
        predicates = by_subject[subject]
        names = {p: ("a" if p == terms.RDF_TYPE else compactor.iri(p)) for p in predicates}
        order = sorted(predicates, key=lambda p: (p != terms.RDF_TYPE, names[p]))
        for index, predicate in enumerate(order):
            objects = [compactor.term(o) for o in sorted(predicates[predicate], key=term_sort_key)]
            end = " ." if index == len(order) - 1 else " ;"
            if len(objects) == 1:
                body.append(f"    {names[predicate]} {objects[0]}{end}")
            else:
                body.append(f"    {names[predicate]}")
                for position, obj in enumerate(objects):
                    body.append(f"        {obj}{',' if position < len(objects) - 1 else end}")
        body.append("")
    head = [f"# {line}".rstrip() for line in header.splitlines()] + [""] if header else []
    namespaces = dict(prefixes if prefixes is not None else terms.PREFIXES)
    head += [f"@prefix {p}: <{namespaces[p]}> ." for p in sorted(compactor.used)]
    return "\n".join(head) + "\n\n" + "\n".join(body)


def _sorted_ntriples_lines(store: ox.Store) -> list[bytes]:
    dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    lines = dump.splitlines(keepends=True)
    del dump
    lines.sort()
    return lines


def canonical_ntriples(store: ox.Store) -> bytes:
    """The default graph as N-Triples, one line per triple, lines sorted bytewise.

    Oxigraph writes the lines; sorting them makes the bytes independent of the order the
    data was loaded in, and gives small diffs when the data changes.
    """
    return b"".join(_sorted_ntriples_lines(store))


# Graphs of at least this many triples (about 60 MB of N-Triples) are sorted by the system's
# `sort` in a process of its own (bounded memory, and the caller works meanwhile); smaller
# ones in this process.
SORT_IN_PROCESS_TRIPLES = 400_000
SORT_MEMORY = "256M"  # `sort -S`: beyond it, sort merges temporary files in the output's folder


class SortedNTriples:
    """:func:`canonical_ntriples` written to ``path``.

    A large graph is dumped by Oxigraph into a file beside ``path`` and sorted by
    ``LC_ALL=C sort`` (the same order as Python's sort of bytes; the lines are unique) while
    the caller goes on with other work: :meth:`wait` before reading ``path``. Sorting in
    Python would hold every line, about twice the dump's size, beside the store.
    """

    def __init__(
        self, store: ox.Store, path: Path, in_process_triples: int = SORT_IN_PROCESS_TRIPLES
    ):
        self.path = path
        self.unsorted = path.with_name(path.name + ".unsorted")
        self.process: safeio.OutputProcess | None = None
        program = shutil.which("sort")
        if len(store) < in_process_triples or program is None:
            with path.open("wb") as handle:
                handle.writelines(_sorted_ntriples_lines(store))
            return
        store.dump(str(self.unsorted), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        command = [program, "-S", SORT_MEMORY, "-T", str(path.parent), "-o", str(path)]
        self.process = safeio.OutputProcess.start(
            f"sorting {path.name} failed", [*command, str(self.unsorted)],
            env={**os.environ, "LC_ALL": "C"},
        )  # fmt: skip

    def wait(self) -> Path:
        """The sorted file, once written; a failed sort is one line."""
        if self.process is not None:
            self.process.finish()
            self.process = None
            self.unsorted.unlink()
        return self.path

    def kill(self) -> None:
        """Stop a running sort (the caller failed); the files go with the staging folder."""
        if self.process is not None:
            self.process.kill()


def write_canonical_ntriples(store: ox.Store, path: Path) -> None:
    """Write :func:`canonical_ntriples` to a file without holding a joined copy in memory."""
    SortedNTriples(store, path).wait()


def read_ntriples(path: Path) -> Iterator[ox.Quad]:
    """Stream the triples of an N-Triples file in file order (parsed by Oxigraph)."""
    return iter(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))


def subject_lines(text: str, prefixes: dict[str, str] | None = None) -> dict[str, int]:
    """Where each subject of a Turtle text starts: full IRI -> 1-based line number."""
    return {iri: line for iri, (line, _typed) in scan_subjects(text.splitlines(), prefixes).items()}


def scan_subjects(
    lines: Iterable[str], prefixes: dict[str, str] | None = None
) -> dict[str, tuple[int, bool]]:
    """Each subject block of a Turtle text: full IRI -> (first line, whether it states a type).

    Canonical files put every subject at column 0 and ``a`` first, so a look at those lines is
    enough to point a curator at a record, and to see which file *defines* a resource (types
    it) rather than only adds to it. Files written by hand are read too: a tab after the
    subject, ``;`` or ``.`` stuck to it, ``rdf:type`` for ``a``, relative IRIs under ``@base``
    or ``BASE``. Reads line by line: files of any size.
    """
    namespaces = dict(terms.PREFIXES if prefixes is None else prefixes)
    found: dict[str, tuple[int, bool]] = {}
    pending: str | None = None  # a subject whose type may be on the next line
    base: str | None = None
    for number, line in enumerate(lines, start=1):
        if pending is not None and line.strip():
            if line.lstrip().startswith(_TYPED):
                found[pending] = (found[pending][0], True)
            pending = None
        if not line or line[0] in " \t#":  # inside a block, or a comment
            continue
        if line[0] == "@" or line[:6].upper() == "PREFIX":
            match = _PREFIX_LINE.match(line)
            if match:
                namespaces[match.group(1)] = match.group(2)
            else:
                base = _base(line, base)
            continue
        token, _, rest = line.partition(" ")
        if "\t" in token:  # written by hand: a tab after the subject
            token, _, more = token.partition("\t")
            rest = f"{more} {rest}"
        token = token.rstrip().rstrip(";,.")
        if token.startswith("<") and token.endswith(">"):
            iri = token[1:-1]
            if base is not None and not _SCHEME.match(iri):
                iri = urllib.parse.urljoin(base, iri)
        elif ":" in token:
            prefix, local = token.split(":", 1)
            if prefix not in namespaces:
                continue
            iri = namespaces[prefix] + local
        else:
            if token.upper() == "BASE":
                base = _base(line, base)
            continue
        typed = rest.lstrip().startswith(_TYPED)
        if iri not in found:
            found[iri] = (number, typed)
        elif typed:
            found[iri] = (found[iri][0], True)
        pending = iri if not rest.strip() else None
    return found


_TYPED = ("a ", "a\t", "rdf:type ", "rdf:type\t")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_BASE_LINE = re.compile(r"^(?:@base|BASE)\s*<([^>]*)>", re.IGNORECASE)


def _base(line: str, base: str | None) -> str | None:
    """The base IRI a ``@base``/``BASE`` line sets (itself resolved against the one before)."""
    match = _BASE_LINE.match(line)
    if match is None:
        return base
    return urllib.parse.urljoin(base, match.group(1)) if base else match.group(1)


_PREFIX_LINE = re.compile(r"^(?:@prefix|PREFIX)\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE)
