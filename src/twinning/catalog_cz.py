"""The catalogue record the Czech national catalogue (NKOD) harvests: DCAT-AP-CZ.

NKOD reads a local catalogue (LKOD) as JSON-LD in the Czech context of the REC 2024-05-28
("DCAT-AP-CZ rozhraní katalogů otevřených dat"): a catalogue document listing the datasets by
IRI, and one document per dataset with its distributions inline. The same record is written
in Turtle, where the values that the Czech draft SHACL checks by class (themes, places,
frequency, licences, media types…) are also typed.

It is derived from the DCAT-AP record, with what the Czech profile asks for besides: one title
and one description per resource (Czech where there is one), the update frequency, a RÚIAN
element in ``dct:spatial`` beside the EU country codes, the terms of use (``pu:specifikace``)
of every distribution, ``http://`` IANA media-type IRIs, a language-tagged contact name and a
temporal coverage of full dates (a year-only bound widens to the whole year).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from . import catalog, terms
from .publisher import Publisher

CONTEXT_URL = (
    "https://ofn.gov.cz/dcat-ap-cz-rozhraní-katalogů-otevřených-dat/2024-05-28/kontexty/"
    "rozhraní-katalogů-otevřených-dat.jsonld"
)
PU = "https://data.gov.cz/slovník/podmínky-užití/"
PERSONAL_DATA = {
    True: "https://data.gov.cz/podmínky-užití/obsahuje-osobní-údaje/",
    False: "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/",
}
IANA_HTTPS = "https://www.iana.org/assignments/media-types/"
IANA_HTTP = "http://www.iana.org/assignments/media-types/"

DCAT = catalog.DCAT
DCT = catalog.DCT
FOAF = catalog.FOAF
SKOS = catalog.SKOS
VCARD = catalog.VCARD
XSD = terms.XSD
RDF_TYPE = terms.RDF_TYPE

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class _Record:
    """Lookups in the DCAT-AP triples."""

    def __init__(self, triples: list[ox.Triple]):
        self.store = ox.Store()
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)

    def objects(self, subject: str, predicate: str) -> list[Term]:
        quads = self.store.quads_for_pattern(
            ox.NamedNode(subject), ox.NamedNode(predicate), None, None
        )
        found = [q.object for q in quads if not isinstance(q.object, ox.Triple)]
        return sorted(found, key=lambda t: (t.value, getattr(t, "language", None) or ""))

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode)]

    def one(self, subject: str, predicate: str) -> str:
        found = self.iris(subject, predicate)
        return found[0] if found else ""

    def text(self, subject: str, predicate: str) -> tuple[str, str]:
        """One (language, text): Czech first, then English, then any."""
        literals = [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]
        for language in ("cs", "en"):
            for literal in literals:
                if literal.language == language:
                    return language, literal.value
        if not literals:
            return "", ""
        return literals[0].language or "en", literals[0].value

    def literals(self, subject: str, predicate: str) -> list[ox.Literal]:
        return [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]


def _full_date(literal: ox.Literal, end: bool) -> str:
    """An xsd:date for a coverage bound; a year or month widens to its first or last day."""
    value = literal.value
    kind = literal.datatype.value
    if kind == XSD + "gYear":
        return f"{value}-12-31" if end else f"{value}-01-01"
    if kind == XSD + "gYearMonth":
        year, month = (int(x) for x in value.split("-")[:2])
        day = calendar.monthrange(year, month)[1] if end else 1
        return f"{value}-{day:02d}"
    return value


@dataclass
class CzechRecord:
    catalog: dict[str, Any]
    dataset: dict[str, Any]
    triples: list[ox.Triple]


class _Triples:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, subject: str, predicate: str, obj: str | ox.Literal) -> None:
        value = ox.NamedNode(obj) if isinstance(obj, str) else obj
        self.triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), value))

    def text(self, subject: str, predicate: str, text: tuple[str, str]) -> dict[str, str]:
        language, value = text
        self.add(subject, predicate, ox.Literal(value, language=language))
        return {language: value}


def build(eu_triples: list[ox.Triple], who: Publisher) -> CzechRecord:
    """The Czech record (catalogue and dataset documents, and the same as triples)."""
    eu = _Record(eu_triples)
    out = _Triples()
    cat, ds = catalog.CATALOG, catalog.DATASET
    publisher = eu.one(ds, DCT + "publisher")

    out.add(cat, RDF_TYPE, DCAT + "Catalog")
    katalog: dict[str, Any] = {"@context": CONTEXT_URL, "iri": cat, "typ": "Katalog"}
    katalog["název"] = out.text(cat, DCT + "title", eu.text(cat, DCT + "title"))
    katalog["popis"] = out.text(cat, DCT + "description", eu.text(cat, DCT + "description"))
    katalog["poskytovatel"] = publisher
    out.add(cat, DCT + "publisher", publisher)
    homepage = eu.one(cat, FOAF + "homepage")
    if homepage:
        katalog["domovská_stránka"] = homepage
        out.add(cat, FOAF + "homepage", homepage)
        out.add(homepage, RDF_TYPE, FOAF + "Document")
    katalog["datová_sada"] = [ds]
    out.add(cat, DCAT + "dataset", ds)
    out.add(publisher, RDF_TYPE, FOAF + "Agent")

    out.add(ds, RDF_TYPE, DCAT + "Dataset")
    sada: dict[str, Any] = {"@context": CONTEXT_URL, "iri": ds, "typ": "Datová sada"}
    sada["název"] = out.text(ds, DCT + "title", eu.text(ds, DCT + "title"))
    sada["popis"] = out.text(ds, DCT + "description", eu.text(ds, DCT + "description"))
    sada["poskytovatel"] = publisher
    out.add(ds, DCT + "publisher", publisher)
    sada["téma"] = eu.iris(ds, DCAT + "theme")
    for theme in sada["téma"]:
        out.add(ds, DCAT + "theme", theme)
        out.add(theme, RDF_TYPE, SKOS + "Concept")
    sada["periodicita_aktualizace"] = who.frequency_iri
    out.add(ds, DCT + "accrualPeriodicity", who.frequency_iri)
    out.add(who.frequency_iri, RDF_TYPE, DCT + "Frequency")
    keywords: dict[str, list[str]] = {}
    for keyword in eu.literals(ds, DCAT + "keyword"):
        keywords.setdefault(keyword.language or "en", []).append(keyword.value)
        out.add(ds, DCAT + "keyword", keyword)
    sada["klíčové_slovo"] = dict(sorted(keywords.items()))
    sada["prvek_rúian"] = [who.ruian] if who.ruian else []
    sada["geografické_území"] = eu.iris(ds, DCT + "spatial")
    for place in sada["prvek_rúian"] + sada["geografické_území"]:
        out.add(ds, DCT + "spatial", place)
        out.add(place, RDF_TYPE, DCT + "Location")
    _temporal(eu, out, sada)
    _contact(who, out, sada)
    if homepage:
        sada["dokumentace"] = homepage
        out.add(ds, FOAF + "page", homepage)
    sada["specifikace"] = eu.iris(ds, DCT + "conformsTo")
    for standard in sada["specifikace"]:
        out.add(ds, DCT + "conformsTo", standard)
        out.add(standard, RDF_TYPE, DCT + "Standard")
    sada["distribuce"] = [
        _distribution(eu, out, who, ds, d) for d in eu.iris(ds, DCAT + "distribution")
    ]
    return CzechRecord(katalog, sada, out.triples)


def _temporal(eu: _Record, out: _Triples, sada: dict[str, Any]) -> None:
    period = eu.one(catalog.DATASET, DCT + "temporal")
    if not period:
        return
    coverage: dict[str, Any] = {"iri": period, "typ": "Časový interval"}
    out.add(catalog.DATASET, DCT + "temporal", period)
    out.add(period, RDF_TYPE, DCT + "PeriodOfTime")
    for key, predicate, end in (("začátek", "startDate", False), ("konec", "endDate", True)):
        found = eu.literals(period, DCAT + predicate)
        if found:
            coverage[key] = _full_date(found[0], end)
            out.add(
                period,
                DCAT + predicate,
                ox.Literal(coverage[key], datatype=ox.NamedNode(XSD + "date")),
            )
    sada["časové_pokrytí"] = coverage


def _contact(who: Publisher, out: _Triples, sada: dict[str, Any]) -> None:
    contact = catalog.CONTACT
    point: dict[str, Any] = {"iri": contact, "typ": "Organizace"}
    out.add(catalog.DATASET, DCAT + "contactPoint", contact)
    out.add(contact, RDF_TYPE, VCARD + "Organization")
    out.add(contact, RDF_TYPE, VCARD + "Kind")
    point["jméno"] = out.text(contact, VCARD + "fn", ("en", who.contact_name))
    if who.contact_email:
        point["e-mail"] = "mailto:" + who.contact_email
        out.add(contact, VCARD + "hasEmail", point["e-mail"])
    sada["kontaktní_bod"] = point


def _distribution(
    eu: _Record, out: _Triples, who: Publisher, dataset: str, distribution: str
) -> dict[str, Any]:
    out.add(dataset, DCAT + "distribution", distribution)
    out.add(distribution, RDF_TYPE, DCAT + "Distribution")
    record: dict[str, Any] = {"iri": distribution, "typ": "Distribuce"}
    terms_of_use = distribution + "/terms-of-use"
    out.add(distribution, PU + "specifikace", terms_of_use)
    out.add(terms_of_use, RDF_TYPE, PU + "Specifikace")
    author = ("en", who.author)
    use: dict[str, Any] = {"iri": terms_of_use, "typ": "Specifikace podmínek užití"}
    for key, predicate in (
        ("autorské_dílo", "autorské-dílo"),
        ("databáze_jako_autorské_dílo", "databáze-jako-autorské-dílo"),
        ("databáze_chráněná_zvláštními_právy", "databáze-chráněná-zvláštními-právy"),
    ):
        use[key] = who.licence
        out.add(terms_of_use, PU + predicate, who.licence)
    use["autor"] = out.text(terms_of_use, PU + "autor", author)
    use["autor_databáze"] = out.text(terms_of_use, PU + "autor-databáze", author)
    use["osobní_údaje"] = PERSONAL_DATA[who.personal_data]
    out.add(terms_of_use, PU + "osobní-údaje", use["osobní_údaje"])
    for value in (who.licence, use["osobní_údaje"]):
        out.add(value, RDF_TYPE, DCT + "LicenseDocument")
    record["podmínky_užití"] = use
    for key, predicate in (("přístupové_url", "accessURL"), ("soubor_ke_stažení", "downloadURL")):
        record[key] = eu.one(distribution, DCAT + predicate)
        out.add(distribution, DCAT + predicate, record[key])
    record["formát"] = eu.one(distribution, DCT + "format")
    out.add(distribution, DCT + "format", record["formát"])
    out.add(record["formát"], RDF_TYPE, DCT + "MediaTypeOrExtent")
    media = eu.one(distribution, DCAT + "mediaType")
    record["typ_média"] = IANA_HTTP + media.removeprefix(IANA_HTTPS)
    out.add(distribution, DCAT + "mediaType", record["typ_média"])
    out.add(record["typ_média"], RDF_TYPE, DCT + "MediaType")
    schema = eu.one(distribution, DCT + "conformsTo")
    if schema:
        record["schéma"] = schema
        out.add(distribution, DCT + "conformsTo", schema)
        out.add(schema, RDF_TYPE, DCT + "Standard")
    record["název"] = out.text(distribution, DCT + "title", eu.text(distribution, DCT + "title"))
    return record
