"""The two CSV files most portal users want: one row per agreement, one row per region.

Cells hold labels people can read, and identifiers a program can join on; several values in
one cell are separated by `` | ``, in the same order across related columns (``parties`` and
``party_wikidata``). Column meanings are documented in the README.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import pyoxigraph as ox

from . import terms
from .load import LoadedGraph

SEPARATOR = " | "
AGREEMENT_COLUMNS = [
    "id", "home", "kind", "title", "title_lang", "parties", "party_wikidata", "signed",
    "started", "ended", "status", "decision", "source",
]  # fmt: skip
REGION_COLUMNS = [
    "id", "name", "name_lang", "name_en", "country", "iso3166_2", "wikidata", "website",
    "names_in_source",
]  # fmt: skip

LANGUAGE_OF_COUNTRY = {
    "RO": "ro", "HU": "hu", "IT": "it", "FR": "fr", "PL": "pl", "CN": "zh", "SE": "sv", "KR": "ko",
    "MD": "ro", "AM": "hy", "CZ": "cs", "RU": "ru", "NO": "nb", "VN": "vi", "TR": "tr",
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


def agreement_rows(graph: LoadedGraph) -> list[dict[str, str]]:
    g = _Graph(graph.store)
    rows = []
    for agreement in g.subjects_of_type(terms.AGREEMENT):
        parties = sorted(g.values(agreement, terms.PARTY), key=lambda p: (g.label(p), p))
        titles = [o for o in g.objects(agreement, terms.DCT_TITLE) if isinstance(o, ox.Literal)]
        decisions = g.values(agreement, terms.APPROVED_BY)
        rows.append(
            {
                "id": agreement,
                "home": _join(g.label(h) for h in g.values(agreement, terms.HOME_REGION)),
                "kind": _join(g.label(k) for k in g.values(agreement, terms.KIND)),
                "title": titles[0].value if titles else "",
                "title_lang": (titles[0].language or "") if titles else "",
                "parties": _join(g.label(p) for p in parties),
                "party_wikidata": _join(
                    _join(_qid(i) for i in g.values(p, terms.OWL_SAME_AS)) for p in parties
                ),
                "signed": _join(g.values(agreement, terms.SIGNING_DATE)),
                "started": _join(g.values(agreement, terms.tw("startDate"))),
                "ended": _join(g.values(agreement, terms.END_DATE)),
                "status": _join(g.label(s) for s in g.values(agreement, terms.STATUS)),
                "decision": _join(
                    "/".join(
                        g.values(d, terms.tw("decisionNumber"))
                        + g.values(d, terms.tw("decisionYear"))
                    )
                    for d in decisions
                ),
                "source": _join(g.label(s) for s in g.values(agreement, terms.DCT_SOURCE)),
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
