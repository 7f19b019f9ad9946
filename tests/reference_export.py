"""A plain, slow reference export, written from the documentation, to check the real one.

``twinning export`` is built for speed (Oxigraph, one pass over sorted N-Triples, bytes). This
module computes what ``dist/`` must hold the obvious way, with rdflib graph walks and pyld,
sharing none of the export's code: twinning is imported only for the lists of input files and
for the one table of facts the rows need (``LANGUAGE_OF_COUNTRY``, which language is a
country's own). ``tests/test_reference_export.py`` compares the two.

What the reference says, and where each rule comes from:

- **The graph** (``twinning.nt``, ``twinning.ttl``, ``twinning.jsonld``): README, "the whole
  graph": every triple of the input files (ontology, data, and an ``owl:sameAs`` for each
  ``skos:exactMatch`` row of an SSSOM mapping file: ``twinning.sssom``'s docstring), nothing
  added, nothing changed. Literals are compared as RDF terms (lexical form, datatype,
  language), without rdflib's normalisation, so a rewritten lexical form counts as a change.
- **The rows** of ``agreements.csv``, ``regions.csv`` and ``partnerships.csv``: the column
  definitions of README.md ("Open-data export", "For the portals") and the partner rule of
  docs/model.md; each function below says which rule each column follows. Where the docs leave
  a choice open (which label, the order inside a `` | `` cell, the order of the rows) the
  reference makes the export's current choice, read from its code and written down here.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyld.jsonld
import rdflib
from rdflib import RDF, XSD, Literal, URIRef
from rdflib.term import Node

from twinning.tables import LANGUAGE_OF_COUNTRY

TW = rdflib.Namespace("https://w3id.org/twinning/ontology#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
SCHEMA = rdflib.Namespace("https://schema.org/")
OWL_SAME_AS = URIRef("http://www.w3.org/2002/07/owl#sameAs")
WIKIDATA = "http://www.wikidata.org/entity/"
SEPARATOR = " | "  # README: "several values in a cell separated by ` | `"

# The columns as README.md lists them, in that order.
AGREEMENT_COLUMNS = [
    "id", "home", "kind", "title", "title_lang", "parties", "party_countries", "party_wikidata",
    "signed", "started", "ended", "date", "status", "decision", "source",
]  # fmt: skip
REGION_COLUMNS = [
    "id", "name", "name_lang", "name_en", "country", "iso3166_2", "wikidata", "website",
    "names_in_source",
]  # fmt: skip
PARTNERSHIP_COLUMNS = [
    "region_a", "name_a", "country_a", "region_b", "name_b", "country_b", "first_date",
    "instruments",
]  # fmt: skip

Triple = tuple[Node, Node, Node]
Row = list[str]


# --- The graph -------------------------------------------------------------------------------


@contextlib.contextmanager
def exact_literals() -> Iterator[None]:
    """rdflib rewrites typed literals into a canonical form while parsing ("01"^^xsd:integer
    becomes "1"); the reference compares the terms as written, so that is switched off here
    (a process-wide setting, restored on leaving)."""
    before = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = before


# Canonical N-Triples (RDF 1.2): backspace, tab, line feed, form feed, carriage return, quote
# and backslash as \b \t \n \f \r \" \\; the other control characters as \u00XX.
_ESCAPES = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]}
_ESCAPES.update({ord(c): "\\" + e for c, e in [("\b", "b"), ("\t", "t"), ("\n", "n"), ("\f", "f")]})
_ESCAPES.update({ord(c): "\\" + e for c, e in [("\r", "r"), ('"', '"'), ("\\", "\\")]})


def _iri(value: str) -> str:
    return f"<{value}>"


def _literal(value: str, language: str | None, datatype: str | None) -> str:
    """A literal in canonical N-Triples: escapes as above, language tags in lower case (they
    compare so), a simple literal (xsd:string) without its datatype."""
    quoted = '"' + value.translate(_ESCAPES) + '"'
    if language:
        return f"{quoted}@{language.lower()}"
    if datatype in (None, str(XSD.string)):
        return quoted
    return f"{quoted}^^<{datatype}>"


def _line(terms: Iterable[str]) -> str:
    return " ".join(terms) + " ."


def _rdflib_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return _literal(str(term), term.language, datatype)
    raise BlankNodeFound(term)


class BlankNodeFound(ValueError):
    """The data graph has no blank nodes (README); sets of lines are only a fair comparison
    for graphs without them (else ``rdflib.compare.isomorphic`` would be needed)."""

    def __init__(self, term: object):
        super().__init__(f"blank node {term!r}: the data graph should have none")


def lines(triples: Iterable[Triple]) -> set[str]:
    """A graph as its set of canonical N-Triples lines (no final newline). Two graphs without
    blank nodes are equal exactly when these sets are; a blank node raises
    :class:`BlankNodeFound`."""
    return {_line(map(_rdflib_term, triple)) for triple in triples}


def sssom_same_as(path: Path) -> list[Triple]:
    """``owl:sameAs`` for each ``skos:exactMatch`` row of an SSSOM TSV file, its CURIEs
    expanded with the file's own ``#curie_map:`` header."""
    lines = path.read_text(encoding="utf-8").splitlines()
    prefixes: dict[str, str] = {}
    for line in lines:
        if line.startswith("#  ") and ": " in line:
            name, _, iri = line[3:].partition(": ")
            prefixes[name.strip()] = iri.strip()
    body = [line for line in lines if not line.startswith("#")]

    def expand(curie: str) -> URIRef:
        prefix, _, local = curie.partition(":")
        return URIRef(prefixes[prefix] + local)

    return [
        (expand(row["subject_id"]), OWL_SAME_AS, expand(row["object_id"]))
        for row in csv.DictReader(body, delimiter="\t")
        if row["predicate_id"] == "skos:exactMatch"
    ]


def input_graph(files: Sequence[Path]) -> rdflib.Graph:
    """The graph the export must write: every file parsed by rdflib (Turtle), SSSOM mappings
    read as above."""
    graph = rdflib.Graph()
    with exact_literals():
        for path in files:
            if path.name.endswith(".sssom.tsv"):
                for triple in sssom_same_as(path):
                    graph.add(triple)
            else:
                graph.parse(path, format="turtle")
    return graph


def parse_file(path: Path, rdf_format: str) -> set[str]:
    """An exported RDF file parsed by rdflib (literals as written), as :func:`lines`."""
    with exact_literals():
        graph = rdflib.Graph().parse(path, format=rdf_format)
    return lines(graph)


def ntriples_file(path: Path, expected: set[str]) -> set[str]:
    """An exported N-Triples file as :func:`lines`. When its lines are the expected canonical
    lines, they are that graph (a canonical line is valid N-Triples): no parse needed. Any
    other file is parsed by rdflib, so a mere difference of escaping is not reported."""
    with path.open(encoding="utf-8", newline="\n") as handle:
        written = {line.removesuffix("\n") for line in handle}
    return written if written == expected else parse_file(path, "nt")


def context_loader(context_file: Path, urls: Iterable[str]) -> Any:
    """A pyld document loader that serves ``context_file`` (ontology/context.jsonld) under the
    given URLs and refuses every other URL: nothing is fetched from the network."""
    served = set(urls) | {context_file.resolve().as_uri()}
    document = json.loads(context_file.read_text(encoding="utf-8"))

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url not in served:
            raise pyld.jsonld.JsonLdError(
                f"remote documents are not loaded: {url}", "loading document failed"
            )
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def _pyld_term(term: dict[str, str]) -> str:
    if term["type"] == "IRI":
        return _iri(term["value"])
    if term["type"] == "literal":
        datatype = term.get("datatype")
        return _literal(term["value"], term.get("language"), datatype)
    raise BlankNodeFound(term["value"])


def expand_jsonld(document: Any, loader: Any) -> tuple[set[str], list[str]]:
    """A JSON-LD document turned into RDF by pyld (``toRdf``): the default graph as
    :func:`lines`, and the names of any other graph it holds (there should be none)."""
    dataset = pyld.jsonld.to_rdf(document, {"documentLoader": loader})
    expanded = {
        _line(_pyld_term(t[part]) for part in ("subject", "predicate", "object"))
        for t in dataset.get("@default", [])
    }
    return expanded, sorted(name for name in dataset if name != "@default")


def graph_difference(expected: set[str], actual: set[str], show: int = 5) -> str | None:
    """None when two graphs given as :func:`lines` are equal, else what is missing and
    extra."""
    missing, extra = expected - actual, actual - expected
    if not missing and not extra:
        return None

    def listed(found: set[str]) -> str:
        return "".join(f"\n    {line}" for line in sorted(found)[:show])

    return (
        f"{len(missing)} triples missing, {len(extra)} extra"
        f"\n  missing:{listed(missing)}\n  extra:{listed(extra)}"
    )


# --- The rows --------------------------------------------------------------------------------


def read_csv(path: Path) -> list[Row]:
    """An exported CSV file as its rows (header first), each a list of cells."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def rows_difference(expected: list[Row], actual: list[Row]) -> str | None:
    """None when header and rows are equal in the same order, else the first difference."""
    if expected == actual:
        return None
    if not actual or not expected or expected[0] != actual[0]:
        return f"header differs:\n  expected {expected[:1]}\n  actual   {actual[:1]}"
    for number, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            header = expected[0]
            cells = [
                f"{name}: expected {w!r}, got {g!r}"
                for name, w, g in zip(header, want, got, strict=False)
                if w != g
            ]
            return f"row {number} ({want[0]!r}) differs: " + "; ".join(cells or [repr(got)])
    return f"{len(expected) - 1} rows expected, {len(actual) - 1} written"


class Reference:
    """The expected rows of the three CSV files, read from an rdflib graph by plain walks."""

    def __init__(self, graph: rdflib.Graph):
        self.graph = graph
        self._labels: dict[Node, str] = {}

    # helpers

    def values(self, subject: Node, predicate: URIRef) -> list[str]:
        """The lexical forms (or IRIs) of the objects, sorted: the order inside a `` | `` cell
        wherever the docs name none (the export's choice)."""
        return sorted(str(o) for o in self.graph.objects(subject, predicate))

    def label(self, node: Node) -> str:
        """A resource's name in a cell ("English name" in README). The docs do not say which
        label: like the export, the first of skos:prefLabel, rdfs:label, dcterms:title that
        has a literal; among that property's literals the English ones (``@en``) if any, else
        all of them; of those the smallest string. No label: an empty cell."""
        if node not in self._labels:
            chosen = ""
            for predicate in (SKOS.prefLabel, rdflib.RDFS.label, DCT.title):
                found = [o for o in self.graph.objects(node, predicate) if isinstance(o, Literal)]
                english = [str(o) for o in found if o.language == "en"]
                if found:
                    chosen = min(english or [str(o) for o in found])
                    break
            self._labels[node] = chosen
        return self._labels[node]

    def labels(self, subject: Node, predicate: URIRef) -> str:
        """The labels of the objects, sorted, in one cell."""
        return SEPARATOR.join(sorted(self.label(o) for o in self.graph.objects(subject, predicate)))

    def typed(self, cls: URIRef) -> list[URIRef]:
        """The resources (IRIs) of a class, by IRI: the order of the rows (the docs name none;
        the export sorts by IRI)."""
        return sorted(
            (s for s in self.graph.subjects(RDF.type, cls) if isinstance(s, URIRef)), key=str
        )

    def country_codes(self, region: Node) -> list[str]:
        """ISO 3166-1 alpha-2 of the region's country: ``tw:country``/``tw:countryCode``."""
        return sorted(
            str(code)
            for country in self.graph.objects(region, TW.country)
            for code in self.graph.objects(country, TW.countryCode)
        )

    def wikidata(self, region: Node) -> list[str]:
        """The region's Wikidata items (``owl:sameAs`` into wd:), as Q-ids, sorted."""
        return sorted(
            str(item).removeprefix(WIKIDATA)
            for item in self.graph.objects(region, OWL_SAME_AS)
            if str(item).startswith(WIKIDATA)
        )

    # agreements.csv

    def title(self, agreement: Node) -> tuple[str, str]:
        """README: "``title`` in the source's language · ``title_lang`` that language".
        data/README.md: English renderings (``@en``) beside another language are translations
        made for this graph, so a title in another language is the source's when there is one;
        among several, the smallest (text, language); an agreement with English titles only
        has an English source."""
        titles = [o for o in self.graph.objects(agreement, DCT.title) if isinstance(o, Literal)]
        if not titles:
            return "", ""
        native = [t for t in titles if t.language != "en"] or titles
        first = min(native, key=lambda t: (str(t), t.language or ""))
        return str(first), first.language or ""

    def agreement_row(self, agreement: URIRef) -> Row:
        """One row per agreement (``a tw:Agreement``), README "agreements.csv":

        - ``id`` the agreement's IRI;
        - ``home`` the region whose page lists it: label of ``tw:homeRegion``;
        - ``kind`` English name of the kind: label of ``tw:kind``;
        - ``title``, ``title_lang``: see :meth:`title`;
        - ``parties`` English names of all parties (``tw:party``), ordered by name, then IRI
          (the export's order; the docs only ask the next two columns to follow it);
        - ``party_countries`` their countries, ``party_wikidata`` their Wikidata items, in the
          same order (a party with several items: those joined by `` | `` too);
        - ``signed``, ``started``, ``ended``, ``date``: ``tw:signingDate``, ``tw:startDate``,
          ``tw:endDate``, ``dcterms:date`` as written;
        - ``status``: label of ``tw:status`` (active, stagnating, ended, terminated);
        - ``decision``: each ``tw:approvedBy`` decision as ``decisionNumber/decisionYear``,
          ordered by the decision's IRI;
        - ``source``: the source document (``dcterms:source``), by its label (its title).
        """
        g = self.graph
        parties = sorted(g.objects(agreement, TW.party), key=lambda p: (self.label(p), str(p)))
        decisions = sorted(g.objects(agreement, TW.approvedBy), key=str)
        title, language = self.title(agreement)
        return [
            str(agreement),
            self.labels(agreement, TW.homeRegion),
            self.labels(agreement, TW.kind),
            title,
            language,
            SEPARATOR.join(self.label(p) for p in parties),
            SEPARATOR.join(SEPARATOR.join(self.country_codes(p)) for p in parties),
            SEPARATOR.join(SEPARATOR.join(self.wikidata(p)) for p in parties),
            SEPARATOR.join(self.values(agreement, TW.signingDate)),
            SEPARATOR.join(self.values(agreement, TW.startDate)),
            SEPARATOR.join(self.values(agreement, TW.endDate)),
            SEPARATOR.join(self.values(agreement, DCT.date)),
            self.labels(agreement, TW.status),
            SEPARATOR.join(
                "/".join([*self.values(d, TW.decisionNumber), *self.values(d, TW.decisionYear)])
                for d in decisions
            ),
            self.labels(agreement, DCT.source),
        ]

    def agreements(self) -> list[Row]:
        """``agreements.csv``: header, then one row per agreement by IRI."""
        return [AGREEMENT_COLUMNS, *(self.agreement_row(a) for a in self.typed(TW.Agreement))]

    # regions.csv

    def region_row(self, region: URIRef) -> Row:
        """One row per region (``a tw:Region``), README "regions.csv":

        - ``id`` the region's IRI;
        - ``name`` its name in its own language: the ``skos:prefLabel`` in the language of its
          country (``LANGUAGE_OF_COUNTRY``), the smallest if several; ``name_lang`` that
          language; both empty when it has no such name;
        - ``name_en`` English name: every ``skos:prefLabel@en``, sorted;
        - ``country`` ISO 3166-1 alpha-2 (``tw:country``/``tw:countryCode``);
        - ``iso3166_2`` (``tw:subdivisionCode``), ``website`` (``schema:url``),
          ``names_in_source`` (``tw:nameInSource``): as written, sorted;
        - ``wikidata``: Q-ids of its ``owl:sameAs`` Wikidata items, sorted.
        """
        country = SEPARATOR.join(self.country_codes(region))
        language = LANGUAGE_OF_COUNTRY.get(country, "")
        names = [o for o in self.graph.objects(region, SKOS.prefLabel) if isinstance(o, Literal)]
        native = sorted(str(n) for n in names if language and n.language == language)
        return [
            str(region),
            native[0] if native else "",
            language if native else "",
            SEPARATOR.join(sorted(str(n) for n in names if n.language == "en")),
            country,
            SEPARATOR.join(self.values(region, TW.subdivisionCode)),
            SEPARATOR.join(self.wikidata(region)),
            SEPARATOR.join(self.values(region, SCHEMA.url)),
            SEPARATOR.join(self.values(region, TW.nameInSource)),
        ]

    def regions(self) -> list[Row]:
        """``regions.csv``: header, then one row per region by IRI."""
        return [REGION_COLUMNS, *(self.region_row(r) for r in self.typed(TW.Region))]

    # partnerships.csv

    def partners(self, agreement: Node) -> Iterator[tuple[str, str]]:
        """docs/model.md, the partner rule: P and R are partners through A when both are
        parties of A, P != R, and no side of A (``tw:hasSide``) has both as
        ``tw:sideMember``. Each pair once, the smaller IRI first."""
        g = self.graph
        parties = sorted({str(p) for p in g.objects(agreement, TW.party)})
        sides = [
            {str(m) for m in g.objects(side, TW.sideMember)}
            for side in g.objects(agreement, TW.hasSide)
        ]
        for i, a in enumerate(parties):
            for b in parties[i + 1 :]:
                if not any(a in side and b in side for side in sides):
                    yield a, b

    def partnerships(self, regions: list[Row] | None = None) -> list[Row]:
        """``partnerships.csv`` (README, "For the portals"): one row per pair of partners,
        ordered by ``region_a`` then ``region_b`` (the export's order), ``region_a`` the
        smaller IRI:

        - ``name_*``, ``country_*``: the region's ``name_en`` and ``country`` cells of
          regions.csv (empty for a party that is not a ``tw:Region``);
        - ``first_date``: the earliest ``tw:signingDate`` or ``tw:startDate`` of their
          instruments, as written; dates of mixed precision compare by year, month, day with
          a missing part first ("1993" before "1993-05-01": partnerships.py's docstring);
        - ``instruments``: their agreements' IRIs, sorted.
        """
        region_rows = regions if regions is not None else self.regions()
        by_id = {row[0]: row for row in region_rows[1:]}
        instruments: dict[tuple[str, str], set[str]] = {}
        for agreement in self.typed(TW.Agreement):
            for pair in self.partners(agreement):
                instruments.setdefault(pair, set()).add(str(agreement))
        rows = [PARTNERSHIP_COLUMNS]
        for (a, b), agreements in sorted(instruments.items()):
            dates = [
                date
                for agreement in agreements
                for predicate in (TW.signingDate, TW.startDate)
                for date in self.values(URIRef(agreement), predicate)
            ]
            row_a, row_b = by_id.get(a), by_id.get(b)
            rows.append(
                [
                    a,
                    row_a[3] if row_a else "",
                    row_a[4] if row_a else "",
                    b,
                    row_b[3] if row_b else "",
                    row_b[4] if row_b else "",
                    min(dates, key=_date_order) if dates else "",
                    SEPARATOR.join(sorted(agreements)),
                ]
            )
        return rows


def _date_order(date: str) -> tuple[tuple[int, ...], str]:
    """ISO dates of mixed precision in time order: "1993" < "1993-05" < "1993-05-01"."""
    parts = date.split("-")
    if all(part.isdigit() for part in parts):
        return tuple(int(part) for part in parts) + (0,) * (3 - len(parts)), date
    return (10**9,), date  # not a date: after every date
