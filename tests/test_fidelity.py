"""Fidelity: every literal in data/ says only what a source says.

Each literal of ``data/*.ttl`` must be one of:

- **quote**: its text occurs verbatim (whitespace aside), as whole words, in the captured seed
  document named by the resource's ``dcterms:source``;
- **date reading**: an ``xsd:date``/``gYearMonth``/``gYear`` whose year, month and day are all
  written in a quote on the same resource (``24. května 2012``, ``22. 4. 2009``,
  ``octombrie 2021``);
- **translation**: a language-tagged literal beside exactly one original on the same resource and
  property (its link to what it translates), that original being a quote; one translation per
  language;
- **name from a named source**: a region's name or ISO 3166-2 code as the Wikidata-shaped snapshot
  gives it for the region's linked item, a point's latitude and longitude as the snapshot's
  ``P625`` of the item it is derived from, a country's code and name from pycountry, its
  bounding box and centre point from the country-bounding-boxes and countryinfo packages;
- **marked inferred**: the resource points with ``tw:inferred`` to a ``tw:Inference`` whose
  ``tw:inferredProperty`` is the literal's property (and whose ``tw:reason`` says why); the
  mark covers every value of that property on that resource, so it is kept narrow;
- **record metadata**: literals of ``tw:SourceDocument`` and ``tw:Inference`` resources, which
  describe our records, not the partnerships, and the day a named source was read
  (``pav:retrievedOn``).

Anything else is reported with its file, resource, property and value. The second half of this
module plants unsourced literals in a copy of the data and checks each is caught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pycountry
import pyoxigraph as ox
import pytest

from twinning import geo, rdfio, terms
from twinning.load import LoadedGraph, data_files, load_files, mapping_files, ontology_files

from .conftest import ROOT, SEEDS, SNAPSHOT
from .test_data import country_geometry

TW = terms.ONTOLOGY
DCT = terms.PREFIXES["dcterms"]
SKOS = terms.PREFIXES["skos"]
RDFS = terms.PREFIXES["rdfs"]
OWL_SAME_AS = terms.PREFIXES["owl"] + "sameAs"
DCAT = terms.PREFIXES["dcat"]
XSD = terms.XSD
SOURCE = terms.ID + "source/"
WDT_P300 = "http://www.wikidata.org/prop/direct/P300"
WDT_P625 = "http://www.wikidata.org/prop/direct/P625"
PAV_RETRIEVED_ON = geo.PAV_RETRIEVED_ON
DATES = {XSD + "date", XSD + "gYearMonth", XSD + "gYear"}

# Month names as the Czech and Romanian seeds write them (stems cover the inflected forms).
MONTHS = {
    1: ("led", "ianuarie"),
    2: ("únor", "únoru", "února", "februarie"),
    3: ("břez", "března", "martie"),
    4: ("dub", "aprilie"),
    5: ("květ", "května", "mai"),
    6: ("červn", "červen ", "iunie"),
    7: ("červenc", "iulie"),
    8: ("srp", "august"),
    9: ("září", "septembrie"),
    10: ("říj", "října", "octombrie"),
    11: ("listopad", "noiembrie"),
    12: ("prosin", "decembrie"),
}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _same_token(a: str, b: str) -> bool:
    """Whether two adjacent characters belong to one word: both letters or both digits."""
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _occurs_as_words(text: str, seed: str) -> bool:
    """``text`` occurs in ``seed`` and does not start or end inside a word of it: "IT" inside
    "ITALIA" or "Brusel" inside "Bruselu" is no quote; "1997" in "1997Înfrățire" (a table's
    cells run together) is."""
    start = seed.find(text)
    while start != -1:
        end = start + len(text)
        left = start == 0 or not _same_token(seed[start - 1], text[0])
        right = end == len(seed) or not _same_token(text[-1], seed[end])
        if left and right:
            return True
        start = seed.find(text, start + 1)
    return False


def _mentions_date(text: str, lexical: str) -> bool:
    """Whether ``text`` writes the date ``lexical`` (2012-05-24, 2021-10 or 1997) in words."""
    parts = [int(p) for p in lexical.split("-")]
    year = str(parts[0])
    if year not in text:
        return False
    if len(parts) == 1:
        return True
    month, lowered = parts[1], text.lower()
    numeric_month = re.search(rf"\b\d{{1,2}}\. ?{month}\. ?{year}", text)
    if not numeric_month and not any(name in lowered for name in MONTHS[month]):
        return False
    if len(parts) == 2:
        return True
    day = parts[2]
    return re.search(rf"(?<!\d){day}\.", text) is not None


@dataclass
class Checker:
    """Classifies the literals of data files against the seeds and the named sources."""

    graph: LoadedGraph
    seeds: dict[str, str] = field(default_factory=dict)  # source IRI -> normalised text

    def __post_init__(self) -> None:
        for row in self.select(
            f"SELECT ?s ?f WHERE {{ ?s <{TW}seedFile> ?f FILTER(STRENDS(?f, '.txt')) }}"
        ):
            text = (SEEDS / row["f"].value).read_text(encoding="utf-8")
            self.seeds[row["s"].value] = _normalise(text)

    def select(self, query: str) -> list:
        return list(self.graph.store.query(query))

    def objects(self, subject: ox.NamedNode, predicate: str) -> list:
        quads = self.graph.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)
        return [q.object for q in quads]

    @cached_property
    def snapshot(self) -> ox.Store:
        store = ox.Store()
        store.bulk_load(path=str(SNAPSHOT), format=ox.RdfFormat.TURTLE)
        return store

    def snapshot_values(self, item: ox.NamedNode, predicates: list[str]) -> set:
        return {
            q.object
            for p in predicates
            for q in self.snapshot.quads_for_pattern(item, ox.NamedNode(p), None, None)
        }

    # ------------------------------------------------------------------ categories
    def is_inferred(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> bool:
        return any(
            predicate in self.objects(inference, TW + "inferredProperty")
            for inference in self.objects(subject, TW + "inferred")
        )

    def is_record_metadata(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> bool:
        if predicate.value == PAV_RETRIEVED_ON:  # the day we read a named source
            return True
        types = self.objects(subject, terms.RDF_TYPE)
        return any(t.value in (TW + "SourceDocument", TW + "Inference") for t in types)

    def is_quote(self, subject: ox.NamedNode, literal: ox.Literal) -> bool:
        texts = [self.seeds.get(s.value, "") for s in self.objects(subject, DCT + "source")]
        text = _normalise(literal.value)
        return bool(text) and any(_occurs_as_words(text, seed) for seed in texts if seed)

    def is_date_reading(self, subject: ox.NamedNode, literal: ox.Literal) -> bool:
        if literal.datatype.value not in DATES:
            return False
        quads = self.graph.store.quads_for_pattern(subject, None, None, None)
        quotes = [
            q.object.value
            for q in quads
            if isinstance(q.object, ox.Literal)
            and q.object.datatype.value not in DATES
            and self.is_quote(subject, q.object)
        ]
        return any(_mentions_date(_normalise(quote), literal.value) for quote in quotes)

    def is_translation(
        self, subject: ox.NamedNode, predicate: ox.NamedNode, literal: ox.Literal
    ) -> bool:
        if not literal.language:
            return False
        siblings = [o for o in self.objects(subject, predicate.value) if isinstance(o, ox.Literal)]
        same_language = [o for o in siblings if o.language == literal.language]
        originals = [o for o in siblings if o.language != literal.language]
        return (
            len(same_language) == 1 and len(originals) == 1 and self.is_quote(subject, originals[0])
        )

    def is_from_named_source(
        self, subject: ox.NamedNode, predicate: ox.NamedNode, literal: ox.Literal
    ) -> bool:
        sources = {s.value.removeprefix(SOURCE) for s in self.objects(subject, DCT + "source")}
        if "wikidata-snapshot" in sources:
            items = self.objects(subject, OWL_SAME_AS)
            if predicate.value == SKOS + "prefLabel":
                labels = {RDFS + "label", SKOS + "altLabel"}
                return any(literal in self.snapshot_values(i, sorted(labels)) for i in items)
            if predicate.value == TW + "subdivisionCode":
                return any(
                    literal.value in {v.value for v in self.snapshot_values(i, [WDT_P300])}
                    for i in items
                )
        if predicate.value in (geo.LATITUDE, geo.LONGITUDE):
            # a point read from the linked item's P625 (data/geo.ttl)
            points = {
                geo.parse_wkt(v.value)
                for item in self.objects(subject, geo.PROV_DERIVED)
                for v in self.snapshot_values(item, [WDT_P625])
            }
            wanted = "latitude" if predicate.value == geo.LATITUDE else "longitude"
            return any(p is not None and getattr(p, wanted) == literal.value for p in points)
        alpha_3 = subject.value.removeprefix(terms.EU_COUNTRY)
        if subject.value.startswith(terms.EU_COUNTRY) and "pycountry" in sources:
            country = pycountry.countries.get(alpha_3=alpha_3)
            if predicate.value == TW + "countryCode":
                return country is not None and literal.value == country.alpha_2
            if predicate.value == SKOS + "prefLabel":
                return country is not None and literal.value == country.name
        if predicate.value in (DCAT + "bbox", DCAT + "centroid"):
            needed = "country-bounding-boxes" if predicate.value.endswith("bbox") else "countryinfo"
            codes = self.objects(subject, TW + "countryCode")
            if needed in sources and codes:
                bbox, centroid = country_geometry(codes[0].value)
                return literal.value == (bbox if needed == "country-bounding-boxes" else centroid)
        return False

    # ------------------------------------------------------------------ the check
    def classify(self, triple: ox.Triple) -> str | None:
        """The category of a literal, or None when it is none of them."""
        subject, predicate, literal = triple.subject, triple.predicate, triple.object
        assert isinstance(subject, ox.NamedNode) and isinstance(literal, ox.Literal)
        if self.is_record_metadata(subject, predicate):
            return "record metadata"
        if self.is_inferred(subject, predicate):
            return "marked inferred"
        if literal.datatype.value in DATES:
            return "date reading" if self.is_date_reading(subject, literal) else None
        if self.is_quote(subject, literal):
            return "quote"
        if self.is_translation(subject, predicate, literal):
            return "translation"
        if self.is_from_named_source(subject, predicate, literal):
            return "named source"
        return None

    def unsourced(self, files: list[Path]) -> list[str]:
        """Every literal of ``files`` that is none of the accepted kinds, one line each."""
        problems = []
        for path in files:
            for triple in rdfio.parse_file(path):
                if isinstance(triple.object, ox.Literal) and self.classify(triple) is None:
                    problems.append(
                        f"{path.name}: {triple.subject} {triple.predicate} {triple.object}"
                    )
        return sorted(problems)


def _checker(data: list[Path]) -> Checker:
    return Checker(load_files(ontology_files(ROOT) + data + mapping_files(ROOT)))


SHIPPED = data_files(ROOT)


@pytest.fixture(scope="module")
def shipped() -> Checker:
    return _checker(SHIPPED)


def test_every_literal_in_data_is_sourced(shipped: Checker) -> None:
    """Quote, date reading, translation, named source, marked inferred or record metadata."""
    problems = shipped.unsourced(SHIPPED)
    assert problems == [], "unsourced literals:\n" + "\n".join(problems)


def test_every_category_is_used(shipped: Checker) -> None:
    """Guard: the classification really looks at the shipped literals."""
    counts: dict[str | None, int] = {}
    for path in SHIPPED:
        for triple in rdfio.parse_file(path):
            if isinstance(triple.object, ox.Literal):
                kind = shipped.classify(triple)
                counts[kind] = counts.get(kind, 0) + 1
    assert set(counts) == {
        "quote", "date reading", "translation", "named source", "marked inferred",
        "record metadata",
    }  # fmt: skip
    assert counts["quote"] > 200 and counts["translation"] > 50 and counts["named source"] > 100


def test_every_inference_has_a_reason(shipped: Checker) -> None:
    rows = shipped.select(
        f"SELECT ?s ?i WHERE {{ ?s <{TW}inferred> ?i "
        f"FILTER NOT EXISTS {{ ?i a <{TW}Inference> ; <{TW}inferredProperty> ?p ; "
        f"<{TW}reason> ?r }} }}"
    )
    assert rows == []


# ---------------------------------------------------------------------------- it can fail

PLANTED = """
@prefix agreement: <https://w3id.org/twinning/id/agreement/> .
@prefix body: <https://w3id.org/twinning/id/body/> .
@prefix event: <https://w3id.org/twinning/id/event/> .
@prefix organisation: <https://w3id.org/twinning/id/organisation/> .
@prefix region: <https://w3id.org/twinning/id/region/> .
@prefix signature: <https://w3id.org/twinning/id/signature/> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix tw: <https://w3id.org/twinning/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

# a place the source never names
agreement:liberec-orenburg-2012 tw:signingPlace "Moskva"@cs .
# a day the quote on the event does not give (it says 24. února 2022)
event:liberec-orenburg-2012-2022-02-24-attack-on-ukraine schema:startDate "2022-02-25"^^xsd:date .
# an English text with no original beside it
organisation:alda schema:description "A network of local authorities."@en .
# a name from outside knowledge beside the translation: a second English label
body:harghita-county-council rdfs:label "Harghita County Government"@en .
# a role in words the source does not use, with its translation
signature:liberec-more-og-romsdal-2001-ole-eimund-overland tw:role "fylkesordfører"@nb .
# a region name that the named source does not give
region:cluj skos:prefLabel "Kolozsvár"@hu .
"""
CAUGHT = [
    '"Moskva"@cs',
    '"2022-02-25"^^<http://www.w3.org/2001/XMLSchema#date>',
    '"A network of local authorities."@en',
    '"Harghita County Government"@en',
    '"fylkesordfører"@nb',
    '"Kolozsvár"@hu',
]


def test_planted_unsourced_literals_are_caught(tmp_path: Path) -> None:
    planted = tmp_path / "planted.ttl"
    planted.write_text(PLANTED, encoding="utf-8")
    problems = _checker([*SHIPPED, planted]).unsourced([*SHIPPED, planted])
    for needle in CAUGHT:
        assert any(needle in problem for problem in problems), needle
    # Beside each planted literal, a shipped translation loses its single original or gains a
    # twin (the Øverland role, the Council's English label); everything else still passes.
    assert len(problems) == len(CAUGHT) + 2, "\n".join(problems)


def test_a_marked_inference_is_accepted(tmp_path: Path) -> None:
    planted = tmp_path / "inferred.ttl"
    planted.write_text(
        """
@prefix agreement: <https://w3id.org/twinning/id/agreement/> .
@prefix tw: <https://w3id.org/twinning/ontology#> .
agreement:liberec-orenburg-2012 tw:signingPlace "Moskva"@cs ;
    tw:inferred <https://w3id.org/twinning/id/inference/test> .
<https://w3id.org/twinning/id/inference/test> a tw:Inference ;
    tw:inferredProperty tw:signingPlace ; tw:reason "A test of the marking."@en .
""",
        encoding="utf-8",
    )
    assert _checker([*SHIPPED, planted]).unsourced([planted]) == []


@pytest.mark.parametrize(
    ("text", "date", "expected"),
    [
        ("podepsána 24. května 2012.", "2012-05-24", True),
        ("podepsána 24. května 2012.", "2012-05-25", False),
        ("podepsána 24. května 2012.", "2012-06-24", False),
        ("V roce 22. 4. 2009 byl dokument", "2009-04-22", True),
        ("începând din octombrie 2021", "2021-10", True),
        ("începând din octombrie 2021", "2021-11", False),
        ("Înfrățire 2011", "2011", True),
        ("Înfrățire 2011", "2012", False),
    ],
)
def test_date_readings(text: str, date: str, expected: bool) -> None:
    assert _mentions_date(text, date) is expected
