"""The two CSV files most portal users want: one row per agreement, one row per region.

Cells hold labels people can read, and identifiers a program can join on; several values in
one cell are separated by `` | ``, in the same order across related columns (``parties`` and
``party_wikidata``). Column meanings are documented in the README.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from . import terms
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


def _labels(graph: LoadedGraph) -> dict[str, str]:
    """A label for every labelled resource: skos:prefLabel, then rdfs:label, then dcterms:title,
    in English where there is one (as :meth:`_Graph.label` chooses, for all at once)."""
    chosen: dict[str, str] = {}
    for predicate in ("skos:prefLabel", "rdfs:label", "dcterms:title"):
        found: dict[str, list[tuple[bool, str]]] = {}
        for row in _solutions(
            graph, f"SELECT ?s ?l WHERE {{ ?s {predicate} ?l FILTER(isLiteral(?l)) }}"
        ):
            literal = row["l"]
            assert isinstance(literal, ox.Literal)
            found.setdefault(row["s"].value, []).append((literal.language != "en", literal.value))
        for subject, labels in found.items():
            chosen.setdefault(subject, min(labels)[1])
    return chosen


AGREEMENT_PREDICATES = (
    terms.HOME_REGION, terms.KIND, terms.DCT_TITLE, terms.PARTY, terms.SIGNING_DATE,
    terms.tw("startDate"), terms.END_DATE, DCT_DATE, terms.STATUS, terms.APPROVED_BY,
    terms.DCT_SOURCE,
)  # fmt: skip


def agreement_rows(graph: LoadedGraph) -> list[dict[str, str]]:
    """One row per agreement, read with a handful of queries however many agreements there are."""
    labels = _labels(graph)
    countries = {
        row["r"].value: row["cc"].value
        for row in _solutions(
            graph, "SELECT ?r ?cc WHERE { ?r a tw:Region ; tw:country/tw:countryCode ?cc }"
        )
    }
    same_as: dict[str, list[str]] = {}
    for row in _solutions(graph, "SELECT ?r ?i WHERE { ?r a tw:Region ; owl:sameAs ?i }"):
        same_as.setdefault(row["r"].value, []).append(_qid(row["i"].value))
    decisions = {
        row["d"].value: f"{row['n'].value}/{row['y'].value}"
        for row in _solutions(
            graph, "SELECT ?d ?n ?y WHERE { ?d tw:decisionNumber ?n ; tw:decisionYear ?y }"
        )
    }
    store = graph.store
    values: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {
        agreement: {} for agreement in _Graph(store).subjects_of_type(terms.AGREEMENT)
    }
    for predicate in AGREEMENT_PREDICATES:
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
            found = values.get(quad.subject.value)  # type: ignore[union-attr]
            if found is not None:
                found.setdefault(predicate, []).append(quad.object)  # type: ignore[arg-type]
    rows = []
    for agreement in sorted(values):
        found = values[agreement]

        def plain(predicate: str) -> list[str]:
            return sorted(o.value for o in found.get(predicate, []))  # noqa: B023

        def labelled(predicate: str) -> str:
            return _join(sorted(labels.get(o, "") for o in plain(predicate)))

        parties = sorted(plain(terms.PARTY), key=lambda p: (labels.get(p, ""), p))
        titles = sorted(
            (o for o in found.get(terms.DCT_TITLE, []) if isinstance(o, ox.Literal)), key=_key
        )
        rows.append(
            {
                "id": agreement,
                "home": labelled(terms.HOME_REGION),
                "kind": labelled(terms.KIND),
                "title": titles[0].value if titles else "",
                "title_lang": (titles[0].language or "") if titles else "",
                "parties": _join(labels.get(p, "") for p in parties),
                "party_countries": _join(countries.get(p, "") for p in parties),
                "party_wikidata": _join(_join(sorted(same_as.get(p, []))) for p in parties),
                "signed": _join(plain(terms.SIGNING_DATE)),
                "started": _join(plain(terms.tw("startDate"))),
                "ended": _join(plain(terms.END_DATE)),
                "date": _join(plain(DCT_DATE)),
                "status": labelled(terms.STATUS),
                "decision": _join(decisions.get(d, "") for d in plain(terms.APPROVED_BY)),
                "source": labelled(terms.DCT_SOURCE),
            }
        )
    return rows


def region_rows(graph: LoadedGraph) -> list[dict[str, str]]:
    g = _Graph(graph.store)
    rows = []
    for region in g.subjects_of_type(terms.REGION):
        countries = g.values(region, terms.COUNTRY)
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
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def scheme_labels(graph: LoadedGraph, cls: str) -> list[str]:
    """English labels of the concepts of a class (kinds, statuses): the accepted cell values."""
    query = f'SELECT ?l WHERE {{ ?c a <{cls}> ; skos:prefLabel ?l FILTER(LANG(?l) = "en") }}'
    return sorted({row["l"].value for row in _solutions(graph, query)})


def write_agreements_xlsx(
    graph: LoadedGraph, path: Path, rows: list[dict[str, str]] | None = None
) -> None:
    """``agreements.xlsx``: the CSV's columns and rows, kinds and statuses as drop-down lists.

    ``rows`` are :func:`agreement_rows` when the caller has them already (the export does)."""
    from . import xlsx

    lists = {
        "kind": scheme_labels(graph, terms.tw("AgreementKind")),
        "status": scheme_labels(graph, terms.tw("AgreementStatus")),
    }
    xlsx.write(path, AGREEMENT_COLUMNS, agreement_rows(graph) if rows is None else rows, lists)
