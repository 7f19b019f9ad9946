"""The two CSV files most portal users want: one row per agreement, one row per region.

Cells hold labels people can read, and identifiers a program can join on; several values in
one cell are separated by `` | ``, in the same order across related columns (``parties`` and
``party_wikidata``). Column meanings are documented in the README.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from . import ntlines, terms
from .load import LoadedGraph

SEPARATOR = " | "
DCT_DATE = terms.PREFIXES["dcterms"] + "date"
AGREEMENT_COLUMNS = [
    "id", "home", "kind", "title", "title_lang", "parties", "party_countries", "party_wikidata",
    "signed", "started", "ended", "date", "status", "decision", "source",
]  # fmt: skip
REGION_COLUMNS = [
    "id", "name", "name_lang", "name_en", "country", "iso3166_2", "wikidata", "website",
    "names_in_source",
]  # fmt: skip

LANGUAGE_OF_COUNTRY = {
    "RO": "ro", "HU": "hu", "IT": "it", "FR": "fr", "PL": "pl", "CN": "zh", "SE": "sv", "KR": "ko",
    "MD": "ro", "AM": "hy", "CZ": "cs", "RU": "ru", "NO": "nb", "VN": "vi", "TR": "tr",
    "SK": "sk", "DE": "de", "AT": "de", "UA": "uk", "RS": "sr", "HR": "hr", "SI": "sl",
    "BG": "bg", "ES": "es", "PT": "pt", "NL": "nl", "GR": "el", "JP": "ja", "FI": "fi",
    "DK": "da", "LT": "lt", "LV": "lv", "EE": "et", "GE": "ka",
}  # fmt: skip


class _Graph:
    """Small helpers to read values of one subject from the store."""

    def __init__(self, store: ox.Store):
        self.store = store

    def objects(
        self, subject: str, predicate: str
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        quads = self.store.quads_for_pattern(
            ox.NamedNode(subject), ox.NamedNode(predicate), None, None
        )
        return sorted((q.object for q in quads), key=_key)  # type: ignore[misc]

    def values(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.objects(subject, predicate)]

    def iris(self, subject: str, predicate: str) -> list[str]:
        """The IRI values only: a literal where an IRI belongs (``tw:country "RO"``) is for
        validation to report, not a resource to read further."""
        return [o.value for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode)]

    def label(self, subject: str, language: str = "en") -> str:
        for predicate in (terms.SKOS_PREF_LABEL, terms.RDFS_LABEL, terms.DCT_TITLE):
            labels = [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]
            chosen = [o.value for o in labels if o.language == language] or [
                o.value for o in labels
            ]
            if chosen:
                return chosen[0]
        return ""

    def subjects_of_type(self, cls: str) -> list[str]:
        quads = self.store.quads_for_pattern(
            None, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(cls), None
        )
        return sorted(q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode))


def _key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> tuple[str, str]:
    return (term.value, getattr(term, "language", None) or "")


def _join(values: Iterable[str]) -> str:
    return SEPARATOR.join(values)


def _qid(iri: str) -> str:
    return iri.removeprefix(terms.WD) if iri.startswith(terms.WD) else ""


def _solutions(graph: LoadedGraph, query: str) -> ox.QuerySolutions:
    solutions = graph.store.query(terms.sparql_prefixes() + query)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


AGREEMENT_PREDICATES = (
    terms.HOME_REGION, terms.KIND, terms.DCT_TITLE, terms.PARTY, terms.SIGNING_DATE,
    terms.tw("startDate"), terms.END_DATE, DCT_DATE, terms.STATUS, terms.APPROVED_BY,
    terms.DCT_SOURCE,
)  # fmt: skip
# A resource's label: skos:prefLabel, then rdfs:label, then dcterms:title (the first of these
# it has), in English where there is one, else the smallest.
LABEL_PREDICATES = (terms.SKOS_PREF_LABEL, terms.RDFS_LABEL, terms.DCT_TITLE)
COUNTRY_CODE = terms.tw("countryCode")
DECISION_NUMBER, DECISION_YEAR = terms.tw("decisionNumber"), terms.tw("decisionYear")


_REGION: ntlines.Key = (ntlines.IRI, terms.REGION, "", "")
_AGREEMENT: ntlines.Key = (ntlines.IRI, terms.AGREEMENT, "", "")


class AgreementTable:
    """The rows of ``agreements.csv``, gathered one subject at a time.

    The export feeds it every subject of its sorted N-Triples in a pass over their lines
    (:mod:`ntlines`, :func:`export.write_agreement_files`); :func:`agreement_rows` feeds it a
    store's triples of :attr:`PREDICATES`. Either way each subject gives its own facts (a
    label, a country code, a decision's number), and the rows are joined up at the end.
    """

    PREDICATES = (
        terms.RDF_TYPE, *LABEL_PREDICATES, *AGREEMENT_PREDICATES, terms.COUNTRY, COUNTRY_CODE,
        terms.OWL_SAME_AS, DECISION_NUMBER, DECISION_YEAR,
    )  # fmt: skip

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self.codes: dict[str, list[str]] = {}  # a country -> its codes
        self.countries: dict[str, list[str]] = {}  # a region -> its countries
        self.same_as: dict[str, list[str]] = {}  # a region -> its Wikidata QIDs
        self.decisions: dict[str, str] = {}  # a decision -> "number/year"
        self.agreements: dict[str, ntlines.Predicates] = {}

    def add(self, subject: ntlines.Key, predicates: ntlines.Predicates) -> None:
        name = subject[1]
        for predicate in LABEL_PREDICATES:
            found = predicates.get(predicate)
            labels = (
                [(o[2] != "en", o[1]) for o in found if o[0] == ntlines.LITERAL] if found else []
            )
            if labels:
                self.labels[name] = min(labels)[1]
                break
        codes = predicates.get(COUNTRY_CODE)
        if codes:
            self.codes[name] = [o[1] for o in codes]
        numbers, years = predicates.get(DECISION_NUMBER), predicates.get(DECISION_YEAR)
        if numbers and years:
            self.decisions[name] = min(f"{n[1]}/{y[1]}" for n in numbers for y in years)
        types = predicates.get(terms.RDF_TYPE)
        if not types:
            return
        if _REGION in types:
            self.countries[name] = [o[1] for o in predicates.get(terms.COUNTRY, ())]
            same_as = [_qid(o[1]) for o in predicates.get(terms.OWL_SAME_AS, ())]
            if same_as:
                self.same_as[name] = same_as
        if _AGREEMENT in types and subject[0] == ntlines.IRI:
            self.agreements[name] = {
                p: predicates[p] for p in AGREEMENT_PREDICATES if p in predicates
            }

    def _country(self, region: str) -> str:
        codes = [
            c for country in self.countries.get(region, ()) for c in self.codes.get(country, ())
        ]
        return min(codes) if codes else ""

    def rows(self) -> list[dict[str, str]]:
        """One row per agreement, sorted by IRI (the agreements gathered are used up)."""
        return list(self.take_rows())

    def take_rows(self) -> Iterator[dict[str, str]]:
        """:meth:`rows` one at a time, each agreement's values dropped once its row is made
        (on a million agreements the rows and the values are gigabytes each): read it once."""
        labels = self.labels
        for agreement in sorted(self.agreements):
            found = self.agreements.pop(agreement)

            def plain(predicate: str) -> list[str]:
                return sorted(o[1] for o in found.get(predicate, ()))  # noqa: B023

            def labelled(predicate: str) -> str:
                return _join(sorted(labels.get(o, "") for o in plain(predicate)))

            parties = sorted(plain(terms.PARTY), key=lambda p: (labels.get(p, ""), p))
            # The title in the source's language: @en titles beside another language are
            # translations made for this graph (data/README.md), so a non-English one first.
            titles = sorted(
                (o[2] == "en", o[1], o[2])
                for o in found.get(terms.DCT_TITLE, ())
                if o[0] == ntlines.LITERAL
            )
            yield (
                {
                    "id": agreement,
                    "home": labelled(terms.HOME_REGION),
                    "kind": labelled(terms.KIND),
                    "title": titles[0][1] if titles else "",
                    "title_lang": titles[0][2] if titles else "",
                    "parties": _join(labels.get(p, "") for p in parties),
                    "party_countries": _join(self._country(p) for p in parties),
                    "party_wikidata": _join(
                        _join(sorted(self.same_as.get(p, []))) for p in parties
                    ),
                    "signed": _join(plain(terms.SIGNING_DATE)),
                    "started": _join(plain(terms.tw("startDate"))),
                    "ended": _join(plain(terms.END_DATE)),
                    "date": _join(plain(DCT_DATE)),
                    "status": labelled(terms.STATUS),
                    "decision": _join(self.decisions.get(d, "") for d in plain(terms.APPROVED_BY)),
                    "source": labelled(terms.DCT_SOURCE),
                }
            )


def agreement_rows(graph: LoadedGraph) -> list[dict[str, str]]:
    """One row per agreement, from the store's triples of the predicates the table reads."""
    grouped: dict[ntlines.Key, ntlines.Predicates] = {}
    for predicate in AgreementTable.PREDICATES:
        for quad in graph.store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
            objects = grouped.setdefault(ntlines.key(quad.subject), {})  # type: ignore[arg-type]
            objects.setdefault(predicate, []).append(ntlines.key(quad.object))  # type: ignore[arg-type]
    table = AgreementTable()
    for subject, predicates in grouped.items():
        table.add(subject, predicates)
    return table.rows()


def region_rows(graph: LoadedGraph) -> list[dict[str, str]]:
    g = _Graph(graph.store)
    rows = []
    for region in g.subjects_of_type(terms.REGION):
        countries = g.iris(region, terms.COUNTRY)
        code = _join(v for c in countries for v in g.values(c, terms.tw("countryCode")))
        language = LANGUAGE_OF_COUNTRY.get(code, "")
        names = [o for o in g.objects(region, terms.SKOS_PREF_LABEL) if isinstance(o, ox.Literal)]
        native = [n.value for n in names if n.language == language]
        rows.append(
            {
                "id": region,
                "name": native[0] if native else "",
                "name_lang": language if native else "",
                "name_en": _join(n.value for n in names if n.language == "en"),
                "country": code,
                "iso3166_2": _join(g.values(region, terms.SUBDIVISION_CODE)),
                "wikidata": _join(_qid(i) for i in g.values(region, terms.OWL_SAME_AS)),
                "website": _join(g.values(region, terms.SCHEMA_URL)),
                "names_in_source": _join(g.values(region, terms.NAME_IN_SOURCE)),
            }
        )
    return rows


def to_csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    """UTF-8 CSV with a header row and LF line ends."""
    out = io.StringIO()
    _write_csv(out, columns, rows)
    return out.getvalue()


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """:func:`to_csv` streamed into a file (no copy of a large table as one string)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        _write_csv(handle, columns, rows)


def through_csv(
    out: IO[str], columns: list[str], rows: Iterable[dict[str, str]]
) -> Iterator[dict[str, str]]:
    """The rows, each written to ``out`` as CSV (:func:`to_csv`'s layout) as it passes: one
    stream of rows feeds two files without being held."""
    writer = _csv_writer(out, columns)
    for row in rows:
        writer.writerow(row)
        yield row


def _write_csv(out: IO[str], columns: list[str], rows: list[dict[str, str]]) -> None:
    _csv_writer(out, columns).writerows(rows)


def _csv_writer(out: IO[str], columns: list[str]) -> csv.DictWriter[str]:
    """A writer of our CSV layout (line ends ``\n``), its header written."""
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    return writer


def scheme_labels(graph: LoadedGraph, cls: str) -> list[str]:
    """English labels of the concepts of a class (kinds, statuses): the accepted cell values."""
    query = f'SELECT ?l WHERE {{ ?c a <{cls}> ; skos:prefLabel ?l FILTER(LANG(?l) = "en") }}'
    return sorted({row["l"].value for row in _solutions(graph, query)})


def spreadsheet_lists(graph: LoadedGraph) -> dict[str, list[str]]:
    """The drop-down lists of ``agreements.xlsx``: the accepted kinds and statuses."""
    return {
        "kind": scheme_labels(graph, terms.tw("AgreementKind")),
        "status": scheme_labels(graph, terms.tw("AgreementStatus")),
    }
