"""What the site knows about the graph: every triple grouped by subject, read from the store once.

The pages, the map, the network and the timeline all read from one :class:`SiteGraph`, so the
store is walked once and each page is a dictionary look-up. Labels are chosen here, in one
place, in the language the site is built in.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import terms

BASE = "https://w3id.org/twinning/"
# The site paths that name things (answered by content negotiation): id/..., the ontology.
IRI_PATH = re.compile(r"^(id/.+|ontology(?:/\d+(?:\.\d+)*)?)$")
ONTOLOGY_IRI = BASE + "ontology"

P = terms.PREFIXES
# Predicates whose literal values name a resource, in order of preference.
LABEL_PREDICATES = [
    P["skos"] + "prefLabel",
    P["rdfs"] + "label",
    P["schema"] + "name",
    P["dcterms"] + "title",
    P["foaf"] + "name",
]
# Shown under "Names" too (tw:nameInSource is no label: on an address it is the country).
NAME_PREDICATES = set(LABEL_PREDICATES) | {P["skos"] + "altLabel", terms.NAME_IN_SOURCE}
LAT = P["schema"] + "latitude"
LON = P["schema"] + "longitude"


def query_text(name: str) -> str:
    """A SPARQL query shipped with the package (``site/queries/NAME.rq``)."""
    return resources.files(__package__).joinpath("queries", f"{name}.rq").read_text("utf-8")


def select(store: ox.Store, name: str) -> list[dict[str, Any]]:
    """Run a shipped SELECT query; each row maps variable name to term (or None)."""
    solutions = store.query(query_text(name))
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: row[n] for n in names} for row in solutions]


def page_path(iri: str) -> str | None:
    """The site path (without extension) of one of our IRIs, or None for anyone else's.

    ``https://w3id.org/twinning/id/region/cluj`` -> ``id/region/cluj``; the ontology's terms
    (``ontology#Agreement``) live on the ontology's page. An IRI whose path would not be a
    safe file name and relative link gets no page (see :func:`safe_path`).
    """
    if not iri.startswith(BASE):
        return None
    local = iri[len(BASE) :].split("#", 1)[0]
    if not local.startswith(("id/", "ontology")) or not IRI_PATH.match(local):
        return None
    if not safe_path(local):
        return None
    return local


# A segment of a site path: letters, digits, "-", "_", "~", and dots between them; nothing a
# file system or a URL reads specially ("..", "%2F", ":", "?", a trailing dot, a space).
_SEGMENT = re.compile(r"[\w~-]+(?:\.[\w~-]+)*")
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{name}{n}" for name in ("com", "lpt") for n in range(1, 10)]
)
MAX_SEGMENT_BYTES = 200  # the file system's limit is 255, and ".jsonld" is added


def safe_path(local: str) -> bool:
    """Whether a path is safe as files under the site folder and as a relative link there:
    safe segments (:data:`_SEGMENT`), dots only in the last one (so a page's file never
    stands where another page needs a folder), no name Windows reserves (``CON``,
    ``aux.txt``), none too long for a file name."""
    segments = local.split("/")
    for index, segment in enumerate(segments):
        if not _SEGMENT.fullmatch(segment) or len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return False
        if "." in segment and index < len(segments) - 1:
            return False
        if segment.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
            return False
    return True


def _fold(path: str) -> str:
    """A path as a case-insensitive, normalising file system (Windows, macOS) compares it."""
    return unicodedata.normalize("NFC", path).casefold()


def href(from_path: str, to_path: str, fragment: str = "") -> str:
    """A relative link between two site files (so the site works under any base URL).

    Always up to the root and down again (``../../id/agreement/x.html``): as short to compute
    as a string join, which matters on ten thousand pages of links.
    """
    return root_prefix(from_path) + to_path + (f"#{fragment}" if fragment else "")


def root_prefix(page: str) -> str:
    """The relative prefix from a page to the site's root (``../../`` for ``id/region/x.html``)."""
    return "../" * page.count("/")


@dataclass
class SiteGraph:
    """All triples by subject and by object, with labels in the chosen language."""

    store: ox.Store
    lang: str
    by_subject: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    inbound: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    triples_of: dict[str, set[ox.Triple]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: ox.Store, lang: str) -> SiteGraph:
        graph = cls(store=store, lang=lang)
        quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        graph.add(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        return graph

    def add(self, triples: Iterable[ox.Triple]) -> None:
        """Take in triples (the store's, then the catalogue's), refreshing the labels."""
        by_subject: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for known, predicates in self.by_subject.items():
            for name, objects in predicates.items():
                by_subject[known][name] = list(objects)
        inbound: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for target, links in self.inbound.items():
            inbound[target].update(links)
        triples_of: dict[str, set[ox.Triple]] = defaultdict(set, self.triples_of)
        for triple in triples:
            subject, predicate, obj = triple.subject, triple.predicate, triple.object
            if not isinstance(subject, ox.NamedNode) or triple in triples_of[subject.value]:
                continue
            by_subject[subject.value][predicate.value].append(obj)
            triples_of[subject.value].add(triple)
            if isinstance(obj, ox.NamedNode):
                inbound[obj.value].add((predicate.value, subject.value))
        self.by_subject = {s: dict(p) for s, p in by_subject.items()}
        self.inbound = {o: sorted(links) for o, links in inbound.items()}
        self.triples_of = dict(triples_of)
        self.__dict__.pop("_pages", None)
        self.labels = {s: self._choose_label(s) for s in self.by_subject}
        for iri in self.by_subject:  # resources without a name: say what they are
            if self.labels[iri] == local_name(iri):
                self.labels[iri] = self._composed_label(iri) or self.labels[iri]

    def _choose_label(self, iri: str) -> str:
        facts = self.by_subject.get(iri, {})
        for predicate in LABEL_PREDICATES:
            literals = [o for o in facts.get(predicate, []) if isinstance(o, ox.Literal)]
            if literals:
                return pick_language(literals, self.lang).value
        if LAT in facts and LON in facts:
            return f"{facts[LAT][0].value}, {facts[LON][0].value}"
        return local_name(iri)

    def _composed_label(self, iri: str) -> str | None:
        """A name made of the resource's own facts, for signatures, events, memberships."""
        facts = self.by_subject.get(iri, {})

        def first(predicate: str) -> Any:
            values = sorted(facts.get(predicate, []), key=lambda t: str(t))
            return values[0] if values else None

        def text(predicate: str) -> str | None:
            literals = [o for o in facts.get(predicate, []) if isinstance(o, ox.Literal)]
            return pick_language(literals, self.lang).value if literals else None

        signatory = first(terms.tw("signatory"))
        if signatory is not None:
            return self.labels.get(signatory.value, local_name(signatory.value))
        member, organisation = first(P["org"] + "member"), first(P["org"] + "organization")
        if member is not None and organisation is not None:
            return f"{self.labels.get(member.value)} – {self.labels.get(organisation.value)}"
        street = text(P["schema"] + "streetAddress")
        if street:
            return ", ".join(x for x in (street, text(P["schema"] + "addressLocality")) if x)
        description = text(P["schema"] + "description") or text(P["dcterms"] + "description")
        if description:
            short = description if len(description) <= 70 else description[:70].rsplit(" ", 1)[0]
            short += "" if short == description else " …"
            date = text(P["schema"] + "startDate")
            return f"{date}: {short}" if date else short
        return None

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or local_name(iri)

    def types(self, iri: str) -> list[str]:
        return sorted(o.value for o in self.by_subject.get(iri, {}).get(terms.RDF_TYPE, []))

    def of_type(self, type_iri: str) -> list[str]:
        """Subjects of a type, sorted by label then IRI."""
        wanted = ox.NamedNode(type_iri)
        found = [s for s, p in self.by_subject.items() if wanted in p.get(terms.RDF_TYPE, [])]
        return sorted(found, key=lambda s: (self.label(s).casefold(), s))

    def page_subjects(self) -> list[str]:
        """Every IRI of ours under id/, as subject or object: each gets a page of its own.

        An IRI the graph only points at (described nowhere) still gets a page, saying what
        refers to it, so no link of ours ever ends in a 404.
        """
        return sorted(self._pages)

    def page_of(self, iri: str) -> str | None:
        """The site path of an IRI's page, or None when it has none: not ours, not a safe
        path, or one of several IRIs whose paths differ only in case (see :attr:`_pages`)."""
        if iri.startswith(BASE + "id/"):
            return self._pages.get(iri)
        return page_path(iri)

    @functools.cached_property
    def _pages(self) -> dict[str, str]:
        """Our id/ IRIs with a page, by path. Paths that differ only in case or Unicode
        normalisation would be one file on Windows and macOS: of such a group only one IRI
        gets a page (the one whose path is already in folded form, else the first), the
        others are shown without a link."""
        found = {s for s in [*self.by_subject, *self.inbound] if s.startswith(BASE + "id/")}
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for iri in found:
            path = page_path(iri)
            if path is not None:
                groups[_fold(path)].append((path, iri))
        pages = {}
        for folded, members in groups.items():
            path, iri = min(members, key=lambda item: (item[0] != folded, item[1]))
            pages[iri] = path
        return pages


def pick_language(literals: list[ox.Literal], lang: str) -> ox.Literal:
    """The literal in ``lang``, else English, else one without a language, else the first."""
    ordered = sorted(literals, key=lambda lit: (lit.language or "", lit.value))
    for wanted in (lang, "en", None):
        for literal in ordered:
            if literal.language == wanted:
                return literal
    return ordered[0]


def local_name(iri: str) -> str:
    """The last segment of an IRI, for resources without a label."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def world_outlines() -> dict[str, Any]:
    """The shipped Natural Earth country outlines (see ``site/world/README.md``)."""
    import json

    text = resources.files(__package__).joinpath("world", "countries-110m.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def package_file(*parts: str) -> Path:
    """A file shipped in the package (templates, static files)."""
    return Path(str(resources.files(__package__).joinpath(*parts)))
