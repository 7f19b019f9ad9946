"""Finding and loading the project's files into one graph.

A :class:`LoadedGraph` holds the triples of the ontology, the SKOS schemes, the curated data
and the Wikidata mappings, plus where each data subject is written (file and line), so that a
validation report can send a curator to the right place.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import rdfio, safeio
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


@dataclass
class LoadedGraph:
    """An Oxigraph store holding several files, with where each data subject is written.

    Parsing happens in Oxigraph (``bulk_load``), so millions of triples load in seconds;
    Python triple objects are made only when something asks for :attr:`triples`.
    """

    store: ox.Store
    files: list[Path]
    locations: dict[str, tuple[Path, int]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)

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


def load_files(paths: Iterable[Path], locate: bool = True) -> LoadedGraph:
    """Load RDF files (and SSSOM mappings) into one store.

    Only regular files are read; RDF/XML with entity declarations is refused. Raises
    :class:`rdfio.RdfSyntaxError` with ``file:line:column`` on unreadable input, and on typed
    literals whose lexical form is invalid (``"2012-13-45"^^xsd:date``), which Oxigraph would
    otherwise keep. With ``locate``, every Turtle file is scanned for where its subjects are
    written, and resources typed in two files are recorded as :attr:`LoadedGraph.duplicates`.
    """
    store = ox.Store()
    files: list[Path] = []
    locations: dict[str, tuple[Path, int]] = {}
    defined: dict[str, tuple[Path, int]] = {}
    duplicates: list[Duplicate] = []
    for path in paths:
        safeio.check_regular(path)
        files.append(path)
        if path.suffix == ".tsv":
            from . import sssom

            triples = sssom.mapping_triples(sssom.read_mappings(path))
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
            continue
        fmt = rdfio.FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise rdfio.RdfSyntaxError(path, None, None, f"unknown RDF file type {path.suffix!r}")
        if fmt == ox.RdfFormat.RDF_XML:
            rdfio.refuse_entity_declarations(path, safeio.read_bytes(path), fmt)
        try:
            store.bulk_load(path=str(path), format=fmt)
        except SyntaxError as err:
            reason = rdfio.clean_reason(str(err))
            raise rdfio.RdfSyntaxError(path, err.lineno, err.offset, reason) from err
        except (OSError, ValueError) as err:
            raise rdfio.RdfSyntaxError(path, None, None, f"cannot read file: {err}") from err
        if locate and path.suffix == ".ttl":
            for iri, (line, typed) in rdfio.scan_subjects(_lines(path)).items():
                locations.setdefault(iri, (path, line))
                if not typed:
                    continue
                first = defined.setdefault(iri, (path, line))
                if first[0] != path:
                    duplicates.append(Duplicate(iri, first, (path, line)))
    rdfio.check_typed_literals(store, files)
    return LoadedGraph(store=store, files=files, locations=locations, duplicates=duplicates)


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
