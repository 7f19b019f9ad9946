"""Finding and loading the project's files into one graph.

A :class:`LoadedGraph` holds the triples of the ontology, the SKOS schemes, the curated data
and the Wikidata mappings, plus where each data subject is written (file and line), so that a
validation report can send a curator to the right place.
"""

from __future__ import annotations

import functools
import mmap
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import rdfio, safeio, terms
from .errors import CannotRun

ROOT_ENV = "TWINNING_ROOT"


class ProjectNotFound(CannotRun):
    """Raised when no twinning project folder (with ontology/ and data/) can be found."""


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``ontology/`` and ``data/``.

    Looked for in ``$TWINNING_ROOT``, then upwards from the working directory, then beside
    the installed package (an editable install from a checkout).
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        root = Path(env)
        if (root / "ontology").is_dir():
            return root
        raise ProjectNotFound(f"{ROOT_ENV}={env} has no ontology/ folder")
    here = (start or Path.cwd()).resolve()
    for candidate in [here, *here.parents, Path(__file__).resolve().parents[2]]:
        if (candidate / "ontology").is_dir() and (candidate / "data").is_dir():
            return candidate
    raise ProjectNotFound(
        "cannot find the twinning project folder (with ontology/ and data/); "
        f"run from a checkout or set {ROOT_ENV}"
    )


def ontology_files(root: Path) -> list[Path]:
    """The ontology and its SKOS schemes."""
    return sorted((root / "ontology").glob("*.ttl"))


def data_files(root: Path) -> list[Path]:
    """The curated data files, in a fixed order."""
    return sorted((root / "data").glob("*.ttl"))


def mapping_files(root: Path) -> list[Path]:
    """SSSOM mapping files whose reviewed links enter the graph."""
    return sorted((root / "data" / "mappings").glob("*.sssom.tsv"))


@dataclass(frozen=True)
class Duplicate:
    """A resource defined (typed) in two data files: both places are reported."""

    iri: str
    first: tuple[Path, int]
    second: tuple[Path, int]


# The datatypes derived from xsd:integer (rdfio.INTEGER_DERIVED): Oxigraph stores each of
# their literals as an xsd:integer ("300"^^xsd:byte becomes "300"^^xsd:integer), so which one
# was written is lost. Finding whether a file names one of them, without a slow scan: the
# XSD namespace is rare (a prefix declaration, or full IRIs), and each prefix bound to it is
# then looked for.
_XSD_MENTION = re.compile(rb"XMLSchema#(\w*)")
_DERIVED_NAMES = frozenset(name.encode() for name in rdfio.INTEGER_DERIVED)
_DERIVED_ALTERNATIVES = b"(?:" + b"|".join(_DERIVED_NAMES) + rb")\b"
_NAME = re.compile(rb"[A-Za-z_][\w.-]*")
_PLAIN = {terms.XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
_SCRATCH_PREDICATE = ox.NamedNode("urn:twinning:as-written")
Subject = ox.NamedNode | ox.BlankNode
Key = tuple[Subject, ox.NamedNode, ox.Literal]


@dataclass
class AsWritten:
    """Literals as the files wrote them, where the Oxigraph store keeps another form.

    The store canonicalises typed literals on insert: every integer-derived datatype becomes
    xsd:integer, and lexical forms are rewritten ("0012"^^xsd:integer as "12", "1.50" as
    "1.5", "1"^^xsd:boolean as "true"). SHACL judges the literal as written (sh:datatype
    xsd:byte must reject "300"^^xsd:byte and "55"^^xsd:integer), so for the few triples
    whose object the store changed this keeps (subject, predicate, stored literal) -> every
    literal written for it. The validation engine reads value nodes through
    :meth:`objects`; an empty table means the store holds everything as written.
    """

    literals: dict[Key, tuple[ox.Literal, ...]] = field(default_factory=dict)
    # as written -> as stored, for looking a written literal up in the store
    stored_forms: dict[ox.Literal, ox.Literal] = field(default_factory=dict)

    @functools.cached_property
    def predicates(self) -> frozenset[str]:
        """The IRIs of the predicates with a changed literal (read after loading)."""
        return frozenset(key[1].value for key in self.literals)

    def add(self, triples: Iterable[ox.Triple]) -> None:
        """Record the triples (as parsed, blank nodes as in the store) the store would change."""
        typed: list[Key] = []
        for t in triples:
            obj, subject = t.object, t.subject
            plain = not isinstance(obj, ox.Literal) or obj.datatype.value in _PLAIN
            if not plain and isinstance(subject, ox.NamedNode | ox.BlankNode):
                typed.append((subject, t.predicate, obj))  # type: ignore[arg-type]
        stored = _stored_forms({lit for _s, _p, lit in typed})
        if all(stored[lit] == lit for lit in stored):
            return
        groups: dict[Key, set[ox.Literal]] = {}
        for subject, predicate, lit in typed:
            groups.setdefault((subject, predicate, stored[lit]), set()).add(lit)
        for key, written in groups.items():
            if written != {key[2]}:
                merged = written | set(self.literals.get(key, ()))
                self.literals[key] = tuple(sorted(merged, key=str))
                self.stored_forms.update((lit, key[2]) for lit in written)
        self.__dict__.pop("predicates", None)

    def objects(self, subject: object, predicate: ox.NamedNode, stored: object) -> tuple:
        """The objects written for a stored triple (just ``stored`` when unchanged)."""
        if self.literals and isinstance(stored, ox.Literal):
            found = self.literals.get((subject, predicate, stored))  # type: ignore[arg-type]
            if found is not None:
                return found
        return (stored,)

    def triples(self, stored: Iterable[ox.Triple]) -> list[ox.Triple]:
        """The stored triples with each changed literal put back as written (for pySHACL)."""
        return [
            ox.Triple(t.subject, t.predicate, written)
            for t in stored
            for written in self.objects(t.subject, t.predicate, t.object)
        ]


def _stored_forms(literals: set[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """Each literal as an Oxigraph store keeps it (one insert into a scratch store)."""
    ordered = list(literals)
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:twinning:n:{i}"), _SCRATCH_PREDICATE, lit)
        for i, lit in enumerate(ordered)
    )
    found = {}
    for quad in scratch:
        assert isinstance(quad.object, ox.Literal)
        found[ordered[int(quad.subject.value.rsplit(":", 1)[1])]] = quad.object
    return found


def mentions_integer_derived(path: Path) -> bool:
    """Whether a file names an integer-derived datatype: only such files are parsed in Python
    for :class:`AsWritten` (their other changed literals are then kept too).

    A byte search (``XMLSchema#byte``, or ``xsd:byte`` with whatever prefix the file binds to
    the XSD namespace), about 0.1 s on a 145 MB file, so files that name none are
    bulk-loaded as fast as before. A false alarm only costs a Python parse."""
    with _mapped(path) as data:
        prefixes = {b"xsd"}
        for match in _XSD_MENTION.finditer(data):
            if match.group(1) in _DERIVED_NAMES:
                return True
            if not match.group(1):  # the namespace itself: bound to which prefix?
                prefixes.add(_bound_prefix(data[max(0, match.start() - 200) : match.start()]))
        return any(
            re.search(re.escape(prefix) + b":" + _DERIVED_ALTERNATIVES, data)
            for prefix in sorted(prefixes)
        )


@contextmanager
def _mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes, mapped rather than read (empty for an empty file, which cannot be
    mapped), for byte searches of large files."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def _bound_prefix(head: bytes) -> bytes:
    """The prefix a declaration binds (``@prefix x: <``, ``xmlns:x="``, ``"x": "``), from the
    text before the namespace IRI; empty for ``@prefix : <``."""
    head = head[: head.rfind(b"http")]
    names = list(_NAME.finditer(head))
    if not names or not head[names[-1].end() :].startswith((b":", b"=", b'"')):
        return b""
    return names[-1].group()


@dataclass
class LoadedGraph:
    """An Oxigraph store holding several files, with where each data subject is written.

    Parsing happens in Oxigraph (``Store.load``), so millions of triples load in seconds;
    Python triple objects are made only when something asks for :attr:`triples`.
    """

    store: ox.Store
    files: list[Path]
    locations: dict[str, tuple[Path, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    # literals the store holds in another form than written (complete for what was loaded)
    written: AsWritten = field(default_factory=AsWritten)
    # False when the loader left the typed-literal check to validation (load_files'
    # ``check_literals``), which runs it beside its own queries: call check_literals() first
    # wherever the data is used unvalidated.
    literals_checked: bool = True

    def check_literals(self) -> None:
        """Refuse an ill-formed typed literal (see :func:`rdfio.check_typed_literals`)."""
        if not self.literals_checked:
            rdfio.check_typed_literals(self.store, self.files)
            self.literals_checked = True

    @functools.cached_property
    def triples(self) -> set[ox.Triple]:
        """All triples as Python objects (for small graphs: pySHACL, tests)."""
        return {ox.Triple(q.subject, q.predicate, q.object) for q in self.store}

    def __len__(self) -> int:
        return len(self.store)

    def location(self, iri: str) -> tuple[Path, int] | None:
        """The file and line where a subject is defined, if known."""
        return self.locations.get(iri)


def _lines(path: Path) -> Iterator[str]:
    """The lines of a text file, read as a stream (files of any size)."""
    with path.open("r", encoding="utf-8", errors="replace", newline=None) as handle:
        for line in handle:
            yield line.rstrip("\n")


def load_files(
    paths: Iterable[Path], locate: bool = True, check_literals: bool = True
) -> LoadedGraph:
    """Load RDF files (and SSSOM mappings) into one store.

    Only regular files are read; RDF/XML with entity declarations is refused. Raises
    :class:`rdfio.RdfSyntaxError` with ``file:line:column`` on unreadable input, and on typed
    literals whose lexical form is invalid (``"2012-13-45"^^xsd:date``), which Oxigraph would
    otherwise keep. With ``locate``, every Turtle file is scanned for where its subjects are
    written, and resources typed in two files are recorded as :attr:`LoadedGraph.duplicates`.
    Literals the store keeps in another form are recorded in :attr:`LoadedGraph.written`.
    Without ``check_literals`` the ill-formed-literal check (a scan of the whole store, 5 to
    8 s at 100,000 agreements) is left to :func:`validate.validate_graph`, which runs it on
    a thread beside its own queries.
    """
    store = ox.Store()
    files: list[Path] = []
    locations: dict[str, tuple[Path, int]] = {}
    defined: dict[str, tuple[Path, int]] = {}
    duplicates: list[Duplicate] = []
    written = AsWritten()
    for path in paths:
        safeio.check_regular(path)
        files.append(path)
        if path.suffix == ".tsv":
            from . import sssom

            triples = sssom.mapping_triples(sssom.read_mappings(path))
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
            written.add(triples)
            continue
        fmt = rdfio.FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise rdfio.RdfSyntaxError(path, None, None, f"unknown RDF file type {path.suffix!r}")
        _load_file(store, path, fmt, written)
        if locate and path.suffix == ".ttl":
            for iri, (line, typed) in rdfio.scan_subjects(_lines(path)).items():
                locations.setdefault(iri, (path, line))
                if not typed:
                    continue
                first = defined.setdefault(iri, (path, line))
                if first[0] != path:
                    duplicates.append(Duplicate(iri, first, (path, line)))
    graph = LoadedGraph(
        store=store, files=files, locations=locations, duplicates=duplicates, written=written,
        literals_checked=False,
    )  # fmt: skip
    if check_literals:
        graph.check_literals()
    return graph


def _load_file(store: ox.Store, path: Path, fmt: ox.RdfFormat, written: AsWritten) -> None:
    """Oxigraph parses and loads the file itself (no Python objects per triple), except a
    file naming an integer-derived datatype (or starting with a byte order mark): parsed in
    Python once, so that ``written`` and the store share its blank nodes."""
    rdfio.check_before_parsing(path, fmt)
    try:
        if _starts_with_bom(path) or mentions_integer_derived(path):
            # Rare, so parsed in Python: a file with a byte order mark (read without it), or
            # one whose integer-derived literals ``written`` must keep as written.
            data = safeio.read_bytes(path).removeprefix(rdfio.BOM)
            quads = list(ox.parse(data, format=fmt))
            rdfio.refuse_rdf12(path, quads, data)
            store.extend(quads)
            written.add(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        else:
            # Store.load rather than bulk_load: for an in-memory store it is faster (10.1-10.6
            # against 12.6-12.7 s on 100,000 agreements) and peaks 235 MB lower. It parses
            # without Python's lock, so the search for RDF 1.2 marks (about 0.6 s on 145 MB)
            # runs beside it; a file holding one is parsed again, to be refused where it is.
            with ThreadPoolExecutor(max_workers=1) as beside:
                marked = beside.submit(_mentions, path, rdfio.RDF12_MARKS)
                store.load(path=str(path), format=fmt)
            if marked.result():
                parsed = ox.parse(path=str(path), format=fmt)
                rdfio.refuse_rdf12(path, parsed, safeio.read_bytes(path))
    except SyntaxError as err:
        raise rdfio.located_error(path, err) from err
    except MemoryError as err:
        raise rdfio.too_long(path) from err
    except (OSError, ValueError) as err:
        raise rdfio.RdfSyntaxError(path, None, None, f"cannot read file: {err}") from err


def _mentions(path: Path, marks: Sequence[bytes]) -> bool:
    """Whether a file holds one of ``marks`` (a byte search: about 0.15 s a mark on 145 MB)."""
    with _mapped(path) as data:
        return any(data.find(mark) >= 0 for mark in marks)


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(3) == rdfio.BOM


def load_project(
    root: Path | None = None, data: Sequence[Path] | None = None, with_mappings: bool = True
) -> LoadedGraph:
    """The ontology, schemes, data and mappings of a project (or the given data files)."""
    root = root or project_root()
    files = ontology_files(root)
    files += list(data) if data else data_files(root)
    if with_mappings and not data:
        files += mapping_files(root)
    return load_files(files)
