"""Speaking Wikidata's terms: P190 statements for QuickStatements, and a diff with an endpoint.

Two linked regions that are partners through an instrument (docs/model.md: parties of it, not
on the same side) are a ``P190`` (twinned administrative body) statement on each of them.
Several instruments between the same two regions make one pair. Qualifiers come only from
dates the sources give: ``P580`` (start time) from the signing date (or the stated start of the
relation), ``P582`` (end time) from the end date, with Wikidata's precision: ``/11`` day,
``/10`` month, ``/9`` year. A relation whose every instrument ended, one of them on a day the
source does not give, ends at an unknown time: ``P582`` ``somevalue``. Each statement cites our
record of the instrument (``S854``), which names its source document.

Which instruments count: every concluded instrument (twinning, cooperation or collaboration
protocol or agreement, memorandum, joint declaration) between partners. A statement of intent
(a declaration or letter of intent, the ``kind:statements-of-intent`` collection of
ontology/kinds.ttl) concludes no partnership and gives no P190; nor does an instrument of more
than two parties whose sides the source does not give, since who is whose partner is unknown.
Both are reported instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import terms
from .load import LoadedGraph
from .sparql_client import Endpoint

PRECISION = {"date": 11, "gYearMonth": 10, "gYear": 9}


@dataclass(frozen=True)
class WikidataDate:
    """A date and its Wikidata precision."""

    value: str  # lexical form: 2012-05-24, 2021-10 or 1997
    precision: int

    def quickstatements(self) -> str:
        parts = (self.value.split("-") + ["00", "00"])[:3]
        return f"+{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z/{self.precision}"

    def matches(self, other: str) -> bool:
        """Whether a Wikidata time value (``2012-05-24T00:00:00Z``) agrees at our precision."""
        return other.lstrip("+").startswith(self.value)


@dataclass
class Pair:
    """Two linked regions and the instruments that make them partners."""

    regions: tuple[str, str]  # region IRIs, sorted
    items: tuple[str, str]  # QIDs, in the same order
    instruments: list[str] = field(default_factory=list)
    start: WikidataDate | None = None
    end: WikidataDate | None = None
    end_unknown: bool = False  # ended, but on a day the source does not give: P582 somevalue
    reference: str = ""


@dataclass
class PairSet:
    pairs: list[Pair]
    multilateral: list[str]  # agreement IRIs: more than two parties and no sides
    unlinked: list[str]  # agreement IRIs with a party that has no Wikidata item
    intents: list[str] = field(default_factory=list)  # statements of intent: no P190


def _date(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> WikidataDate | None:
    if not isinstance(term, ox.Literal):
        return None
    datatype = term.datatype.value.removeprefix(terms.XSD)
    if datatype not in PRECISION:
        return None
    return WikidataDate(term.value, PRECISION[datatype])


@dataclass
class _Instrument:
    parties: dict[str, str | None] = field(default_factory=dict)  # region IRI -> QID
    sides: dict[str, set[str]] = field(default_factory=dict)  # side IRI -> member region IRIs
    start: WikidataDate | None = None
    end: WikidataDate | None = None
    ended: bool = False
    intent: bool = False

    def partner_pairs(self) -> list[tuple[str, str]] | None:
        """Sorted pairs of partners (parties on different sides), or None when unknown."""
        regions = sorted(self.parties)
        if not self.sides:
            return [(regions[0], regions[1])] if len(regions) == 2 else None
        return [
            (a, b)
            for i, a in enumerate(regions)
            for b in regions[i + 1 :]
            if not any(a in members and b in members for members in self.sides.values())
        ]


_AGREEMENTS = """
    SELECT ?a ?party ?item ?signed ?started ?ended ?status ?intent WHERE {
      ?a a tw:Agreement ; tw:party ?party .
      OPTIONAL { ?party owl:sameAs ?item }
      OPTIONAL { ?a tw:signingDate ?signed }
      OPTIONAL { ?a tw:startDate ?started }
      OPTIONAL { ?a tw:endDate ?ended }
      OPTIONAL { ?a tw:status/skos:broader* status:ended BIND(true AS ?status) }
      OPTIONAL {
        ?a tw:kind ?kind . kind:statements-of-intent skos:member ?kind BIND(true AS ?intent)
      }
    }"""
_SIDES = "SELECT ?a ?side ?member WHERE { ?a tw:hasSide ?side . ?side tw:sideMember ?member }"


def _instruments(graph: LoadedGraph) -> dict[str, _Instrument]:
    prefixes = terms.sparql_prefixes(["tw", "owl", "status", "skos", "kind"])
    agreements: dict[str, _Instrument] = {}
    solutions = graph.store.query(prefixes + _AGREEMENTS)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        record = agreements.setdefault(row["a"].value, _Instrument())
        item = row["item"].value.removeprefix(terms.WD) if row["item"] is not None else None
        record.parties[row["party"].value] = item
        record.start = _date(row["signed"]) or _date(row["started"]) or record.start
        record.end = _date(row["ended"]) or record.end
        record.ended = record.ended or row["status"] is not None
        record.intent = record.intent or row["intent"] is not None
    sides = graph.store.query(prefixes + _SIDES)
    assert isinstance(sides, ox.QuerySolutions)
    for row in sides:
        record = agreements[row["a"].value]
        record.sides.setdefault(row["side"].value, set()).add(row["member"].value)
    return agreements


def pairs(graph: LoadedGraph) -> PairSet:
    """The P190 pairs of the graph; statements of intent, instruments of several parties
    without sides, and instruments with an unlinked party are listed apart."""
    agreements = _instruments(graph)
    by_pair: dict[tuple[str, str], Pair] = {}
    multilateral, unlinked, intents = [], [], []
    for iri in sorted(agreements):
        record = agreements[iri]
        if record.intent:
            intents.append(iri)
            continue
        partner_pairs = record.partner_pairs()
        if partner_pairs is None:
            multilateral.append(iri)
            continue
        if not partner_pairs or any(not record.parties[r] for pair in partner_pairs for r in pair):
            unlinked.append(iri)
            continue
        for first, second in partner_pairs:
            items = (record.parties[first] or "", record.parties[second] or "")
            pair = by_pair.setdefault((first, second), Pair((first, second), items))
            pair.instruments.append(iri)
            if record.start and (pair.start is None or record.start.value < pair.start.value):
                pair.start, pair.reference = record.start, iri
    for pair in by_pair.values():
        pair.reference = pair.reference or pair.instruments[0]
        records = [agreements[i] for i in pair.instruments]
        if all(r.ended for r in records):
            ends = [r.end for r in records if r.end is not None]
            if len(ends) == len(records):
                pair.end = max(ends, key=lambda e: e.value)
            else:
                pair.end_unknown = True
    ordered = sorted(by_pair.values(), key=lambda p: p.regions)
    return PairSet(ordered, multilateral, unlinked, intents)


W3ID_BASE = "https://w3id.org/twinning/"


def reference_url(iri: str, base_url: str | None = None) -> str:
    """The reference (S854) for our record of an instrument: its IRI, or, with the base URL of
    a site written by ``twinning site``, the page at that IRI's path (``…/id/agreement/x.html``),
    which resolves on any static host."""
    if not base_url or not iri.startswith(W3ID_BASE):
        return iri
    return f"{base_url.rstrip('/')}/{iri[len(W3ID_BASE) :]}.html"


def quickstatements(pair_set: PairSet, base_url: str | None = None) -> str:
    """QuickStatements V1 (tab-separated): P190 both ways, qualifiers, a reference."""
    lines = []
    for pair in pair_set.pairs:
        for a, b in (pair.items, pair.items[::-1]):
            fields = [a, "P190", b]
            if pair.start:
                fields += ["P580", pair.start.quickstatements()]
            if pair.end:
                fields += ["P582", pair.end.quickstatements()]
            elif pair.end_unknown:
                fields += ["P582", "somevalue"]  # QuickStatements V1 for "unknown value"
            fields += ["S854", f'"{reference_url(pair.reference, base_url)}"']
            lines.append("\t".join(fields))
    return "".join(f"{line}\n" for line in sorted(lines, key=_qs_key))


def _qs_key(line: str) -> tuple[int, int]:
    first, _, third = line.split("\t")[:3]
    return int(first[1:]), int(third[1:])


# ----------------------------------------------------------------------------- diff


@dataclass
class Diff:
    missing_on_wikidata: list[tuple[str, str, str]]  # (from QID, to QID, our instrument)
    missing_here: list[tuple[str, str]]  # (from QID, to QID)
    date_mismatches: list[tuple[str, str, str, str]]  # (from, to, ours, theirs)


_QID = re.compile(r"Q[1-9][0-9]{0,11}")
_TIME = re.compile(
    r"[+-]?[0-9]{1,16}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _item(term: dict) -> str | None:
    """The QID of an item IRI from the endpoint, or None: only such values are compared and
    printed, so an endpoint cannot put terminal controls into the output."""
    qid = term["value"].removeprefix(terms.WD) if term.get("type") == "uri" else ""
    return qid if _QID.fullmatch(qid) else None


def diff(pair_set: PairSet, endpoint: Endpoint) -> Diff:
    """Compare our P190 pairs with the endpoint's statements on the same items."""
    ours: dict[tuple[str, str], Pair] = {}
    for pair in pair_set.pairs:
        ours[pair.items] = pair
        ours[pair.items[::-1]] = pair
    items = sorted({q for key in ours for q in key}, key=lambda q: int(q[1:]))
    theirs: dict[tuple[str, str], set[str]] = {}
    if items:
        values = " ".join(f"wd:{q}" for q in items)
        query = (
            "PREFIX wd: <http://www.wikidata.org/entity/>\n"
            "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
            "PREFIX p: <http://www.wikidata.org/prop/>\n"
            "PREFIX ps: <http://www.wikidata.org/prop/statement/>\n"
            "PREFIX pq: <http://www.wikidata.org/prop/qualifier/>\n"
            f"SELECT ?a ?b ?start WHERE {{ VALUES ?a {{ {values} }} ?a wdt:P190 ?b . "
            "OPTIONAL { ?a p:P190 ?s . ?s ps:P190 ?b ; pq:P580 ?start } }"
        )
        for row in endpoint.rows(query, ("a", "b")):
            a, b = _item(row["a"]), _item(row["b"])
            if a is None or b is None:
                continue  # "some value" (a blank node), or not an item: nothing to compare
            starts = theirs.setdefault((a, b), set())
            start = row.get("start", {}).get("value")
            if isinstance(start, str) and _TIME.fullmatch(start):
                starts.add(start)
    missing_on_wikidata = sorted(
        (a, b, ours[(a, b)].reference) for (a, b) in ours if (a, b) not in theirs
    )
    missing_here = sorted(key for key in theirs if key not in ours)
    mismatches = []
    for key, starts in sorted(theirs.items()):
        ours_pair = ours.get(key)
        if ours_pair is None or ours_pair.start is None or not starts:
            continue
        if not any(ours_pair.start.matches(s) for s in starts):
            ours_date = ours_pair.start.value
            mismatches.append((key[0], key[1], ours_date, ", ".join(sorted(starts))))
    return Diff(missing_on_wikidata, missing_here, mismatches)
