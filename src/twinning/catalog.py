"""The DCAT-AP 3.0.1 catalogue of the export: what portals harvest.

The hand-written part lives in ``data/catalog/dcat.ttl``: titles and descriptions in English,
Romanian and Czech, keywords, themes, licence, contact point, one distribution per exported
file with its format and media type, and the code-list entries used. This module adds what must
be computed: dates, spatial coverage (the countries of the regions, from the EU country table),
temporal coverage (from the dates in the data), each distribution's download link, byte size and
SHA-256 checksum, VoID statistics with a linkset for the Wikidata links, and a SPARQL data
service when an endpoint URL is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import ntlines, rdfio, sssom, terms
from .errors import CannotRun
from .load import LoadedGraph
from .publisher import Publisher

CATALOG = terms.ID + "catalog"
CONTACT = terms.ID + "contact/twinning"
DATASET = terms.ID + "dataset/twinning"
SERVICE = terms.ID + "service/sparql"
WIKIDATA_DATASET = terms.ID + "dataset/wikidata"
DEFAULT_AGENT = terms.ID + "agent/twinning"
DEFAULT_BASE_URL = "https://w3id.org/twinning/dist/"
CSV_SCHEMA = "csv-metadata.json"  # the CSVW description every CSV file conforms to
CORPORATE_BODY = "http://publications.europa.eu/resource/authority/corporate-body"
SHA256 = "https://spdx.org/rdf/terms#checksumAlgorithm_sha256"
EU = "http://publications.europa.eu/resource/authority/"

DCAT = terms.PREFIXES["dcat"]
DCT = terms.PREFIXES["dcterms"]
VOID = terms.PREFIXES["void"]
SPDX = terms.PREFIXES["spdx"]
FOAF = terms.PREFIXES["foaf"]
SKOS = terms.PREFIXES["skos"]
VCARD = terms.PREFIXES["vcard"]
XSD = terms.XSD
SCHEMA = terms.PREFIXES["schema"]
PROFILES = ("dcat-ap", "dcat-ap-cz", "ckan")


@dataclass
class CatalogOptions:
    base_url: str = DEFAULT_BASE_URL
    date: str | None = None
    endpoint_url: str | None = None
    publisher: str | None = None
    publisher_name: str | None = None
    publisher_type: str | None = None
    profile: str = "dcat-ap"
    publisher_file: Path | None = None
    contact_email: str | None = None

    def load_publisher(self, root: Path) -> Publisher:
        """The publisher file (default ``data/catalog/publisher.toml``), options winning."""
        from . import publisher

        overrides = {
            "iri": self.publisher,
            "name": self.publisher_name or self.publisher,
            "type": self.publisher_type,
            "contact_email": self.contact_email,
        }
        return publisher.load(self.publisher_file or root / publisher.DEFAULT_FILE, overrides)


def distribution_iri(file_name: str) -> str:
    """``twinning.ttl`` -> ``…/dataset/twinning/distribution/twinning-ttl``."""
    return f"{DATASET}/distribution/{file_name.replace('.', '-')}"


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term) if isinstance(term, ox.Triple) else term.value


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=_n(datatype)) if datatype else ox.Literal(value)


class _Builder:
    def __init__(self, triples: list[ox.Triple]):
        self.triples = triples

    def add(self, subject: str, predicate: str, obj: ox.NamedNode | ox.Literal | str) -> None:
        value = _n(obj) if isinstance(obj, str) else obj
        self.triples.append(ox.Triple(_n(subject), _n(predicate), value))


def static_triples(root: Path) -> list[ox.Triple]:
    """The hand-written catalogue description."""
    return rdfio.parse_file(root / "data" / "catalog" / "dcat.ttl")


def _select(graph: LoadedGraph, query: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    solutions = graph.store.query(terms.sparql_prefixes() + query)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in solutions]


def newest_date(newest_in_data: str | None, mapping_files: list[Path]) -> str:
    """The newest xsd:date recorded in the data (ontology excluded) or in the mappings."""
    dates = {newest_in_data} if newest_in_data else set()
    for path in mapping_files:
        dates |= {m.mapping_date for m in sssom.read_mappings(path) if m.mapping_date}
    if not dates:
        raise CannotRun("the data states no date to use as the catalogue date: give --date")
    return max(dates)


# The predicates whose dates give the data's temporal coverage, and the date datatypes.
DATED_PREDICATES = frozenset(
    [terms.SIGNING_DATE, terms.END_DATE, terms.tw("startDate"), DCT + "date",
     terms.tw("decisionYear"), terms.tw("memberSince"), SCHEMA + "startDate",
     SCHEMA + "endDate"]
)  # fmt: skip
DATE_TYPES = frozenset(XSD + local for local in ("date", "gYear", "gYearMonth"))
_DATE = XSD + "date"
_ONTOLOGY = terms.ONTOLOGY.rstrip("#")  # its own dates (versions) are not the data's


class Statistics:
    """What the catalogue counts in the data (VoID statistics, temporal coverage, countries),
    gathered one subject at a time in the export's pass over its sorted N-Triples
    (:mod:`ntlines`) instead of by whole-store scans."""

    def __init__(self, newest: bool = True) -> None:
        # newest: look for the newest xsd:date of the data (the catalogue's date when none
        # is given), which means looking at every literal
        self.want_newest = newest
        self.newest: str | None = None
        self.triples = self.subjects = self.links = 0
        self.properties: set[str] = set()
        self.classes: set[ntlines.Key] = set()
        self.countries: set[ntlines.Key] = set()
        self.first: tuple[str, str] | None = None  # (lexical form, datatype): earliest date
        self.last: tuple[str, str] | None = None

    def add(self, subject: ntlines.Key, predicates: ntlines.Predicates) -> None:
        self.subjects += 1
        self.triples += sum(map(len, predicates.values()))
        self.properties.update(predicates)
        for predicate in DATED_PREDICATES.intersection(predicates):
            for o in predicates[predicate]:
                if o[0] == ntlines.LITERAL and o[3] in DATE_TYPES:
                    dated = (o[1], o[3])
                    self.first = dated if self.first is None else min(self.first, dated)
                    self.last = dated if self.last is None else max(self.last, dated)
        types = predicates.get(terms.RDF_TYPE)
        if types:
            self.classes.update(types)
        links = predicates.get(terms.OWL_SAME_AS)
        if links:
            self.links += len(links)
        countries = predicates.get(terms.COUNTRY)
        if countries:
            self.countries.update(countries)
        if self.want_newest and subject[0] == ntlines.IRI and not subject[1].startswith(_ONTOLOGY):
            dates = [o[1] for v in predicates.values() for o in v if o[3] == _DATE]
            if dates:
                newest = max(dates)
                if self.newest is None or newest > self.newest:
                    self.newest = newest

    def write(self, path: Path) -> None:
        """Hand these counts to another process (the export's rows child writes them)."""
        state = {
            **vars(self),
            "properties": sorted(self.properties),
            "classes": sorted(self.classes),
            "countries": sorted(self.countries),
        }
        path.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Statistics:
        """The counts :meth:`write` wrote."""
        state = json.loads(path.read_text(encoding="utf-8"))
        statistics = cls()
        statistics.__dict__.update(state)
        statistics.properties = set(state["properties"])
        statistics.classes = {(c[0], c[1], c[2], c[3]) for c in state["classes"]}
        statistics.countries = {(c[0], c[1], c[2], c[3]) for c in state["countries"]}
        statistics.first = (state["first"][0], state["first"][1]) if state["first"] else None
        statistics.last = (state["last"][0], state["last"][1]) if state["last"] else None
        return statistics

    def facts(self, graph: LoadedGraph, mapping_files: list[Path], date: str | None) -> DataFacts:
        """The catalogue's facts: these counts, plus what the store says of the countries."""
        # IRIs only: a literal or blank node where a country belongs (tw:country "RO") is for
        # validation to report; it names no country to describe.
        countries = [c[1] for c in sorted(self.countries) if c[0] == ntlines.IRI]
        keep = {
            terms.RDF_TYPE, SKOS + "prefLabel", SKOS + "inScheme", DCAT + "bbox",
            DCAT + "centroid",
        }  # fmt: skip
        country_triples = [
            ox.Triple(quad.subject, quad.predicate, quad.object)
            for country in countries
            for quad in graph.store.quads_for_pattern(_n(country), None, None, None)
            if quad.predicate.value in keep
        ]
        period = None
        if self.first is not None and self.last is not None:
            period = (_lit(self.first[0], self.first[1]), _lit(self.last[0], self.last[1]))
        return DataFacts(
            date=date or newest_date(self.newest, mapping_files),
            countries=countries,
            country_triples=country_triples,
            period=period,
            stats={
                "triples": self.triples,
                "distinctSubjects": self.subjects,
                "properties": len(self.properties),
                "classes": len(self.classes),
                "links": self.links,
            },
        )


@dataclass
class DataFacts:
    """What the catalogue says about the data, read from the store in one go."""

    date: str
    countries: list[str]
    country_triples: list[ox.Triple]
    period: tuple[ox.Literal, ox.Literal] | None
    stats: dict[str, int]


def build(
    facts: DataFacts,
    files: dict[str, tuple[str, int]],
    static: list[ox.Triple],
    options: CatalogOptions,
    who: Publisher,
) -> list[ox.Triple]:
    """The whole catalogue as triples."""
    triples = list(static)
    if who.iri:
        old = (_n(DCT + "publisher"), _n(DEFAULT_AGENT))
        triples = [
            t
            for t in triples
            if (t.predicate, t.object) != old and _value(t.subject) != DEFAULT_AGENT
        ]
    out = _Builder(triples)
    publisher = who.iri or DEFAULT_AGENT
    if who.iri:
        for subject in (CATALOG, DATASET):
            out.add(subject, DCT + "publisher", publisher)
        out.add(publisher, terms.RDF_TYPE, FOAF + "Agent")
        out.add(publisher, FOAF + "name", _lit(who.name, language="en"))
        kind = f"http://purl.org/adms/publishertype/{who.type}"
        out.add(publisher, DCT + "type", kind)
        out.add(kind, terms.RDF_TYPE, SKOS + "Concept")
        out.add(kind, SKOS + "prefLabel", _lit(terms.PUBLISHER_TYPES[who.type], language="en"))
        out.add(kind, SKOS + "inScheme", "http://purl.org/adms/publishertype/1.0")
        if publisher.startswith(CORPORATE_BODY + "/"):
            out.add(publisher, SKOS + "inScheme", CORPORATE_BODY)
    _contact_and_frequency(out, who)

    day = _lit(facts.date, XSD + "date")
    for subject in (CATALOG, DATASET):
        out.add(subject, DCT + "issued", day)
        out.add(subject, DCT + "modified", day)

    # Spatial coverage: the countries of the regions, described as the data describes them.
    for country in facts.countries:
        for subject in (CATALOG, DATASET):
            out.add(subject, DCT + "spatial", country)
    triples.extend(facts.country_triples)
    out.add(EU + "country", terms.RDF_TYPE, SKOS + "ConceptScheme")
    out.add(EU + "country", DCT + "title", _lit("Countries and territories", language="en"))

    period = facts.period
    if period:
        temporal = DATASET + "/temporal"
        out.add(DATASET, DCT + "temporal", temporal)
        out.add(temporal, terms.RDF_TYPE, DCT + "PeriodOfTime")
        out.add(temporal, DCAT + "startDate", period[0])
        out.add(temporal, DCAT + "endDate", period[1])

    licence = EU + "licence/CC_BY_4_0"
    described = {
        _value(t.subject)
        for t in static
        if t.predicate.value == terms.RDF_TYPE and t.object == _n(DCAT + "Distribution")
    }
    for name in sorted(files):
        digest, size = files[name]
        distribution = distribution_iri(name)
        if distribution not in described:
            raise ValueError(f"{name}: no distribution {distribution} in data/catalog/dcat.ttl")
        url = options.base_url + name
        out.add(distribution, DCAT + "accessURL", url)
        out.add(distribution, DCAT + "downloadURL", url)
        out.add(distribution, DCAT + "byteSize", _lit(str(size), XSD + "nonNegativeInteger"))
        checksum = distribution + "/checksum"
        out.add(distribution, SPDX + "checksum", checksum)
        out.add(checksum, terms.RDF_TYPE, SPDX + "Checksum")
        out.add(checksum, SPDX + "algorithm", SHA256)
        out.add(checksum, SPDX + "checksumValue", _lit(digest, XSD + "hexBinary"))
        out.add(distribution, DCT + "issued", day)
        out.add(distribution, DCT + "modified", day)
        if name.endswith(".csv") and CSV_SCHEMA in files:
            # The machine-readable schema of the table: its CSV on the Web description.
            schema = options.base_url + CSV_SCHEMA
            out.add(distribution, DCT + "conformsTo", schema)
            out.add(schema, terms.RDF_TYPE, DCT + "Standard")

    stats = facts.stats
    integer = XSD + "integer"
    for key in ("triples", "distinctSubjects", "properties", "classes"):
        out.add(DATASET, VOID + key, _lit(str(stats[key]), integer))
    out.add(DATASET, VOID + "vocabulary", terms.ONTOLOGY.rstrip("#"))
    linkset = DATASET + "/links/wikidata"
    out.add(DATASET, VOID + "subset", linkset)
    out.add(linkset, terms.RDF_TYPE, VOID + "Linkset")
    out.add(linkset, VOID + "subjectsTarget", DATASET)
    out.add(linkset, VOID + "objectsTarget", WIKIDATA_DATASET)
    out.add(linkset, VOID + "linkPredicate", terms.OWL_SAME_AS)
    out.add(linkset, VOID + "triples", _lit(str(stats["links"]), integer))
    out.add(WIKIDATA_DATASET, terms.RDF_TYPE, VOID + "Dataset")
    out.add(WIKIDATA_DATASET, DCT + "title", _lit("Wikidata", language="en"))
    out.add(WIKIDATA_DATASET, FOAF + "homepage", "https://www.wikidata.org/")

    if options.endpoint_url:
        _data_service(out, options.endpoint_url, publisher, licence)
    return triples


def _contact_and_frequency(out: _Builder, who: Publisher) -> None:
    """The contact point and the update frequency, as the publisher file states them."""
    out.add(DATASET, DCAT + "contactPoint", CONTACT)
    out.add(CONTACT, terms.RDF_TYPE, VCARD + "Kind")
    out.add(CONTACT, terms.RDF_TYPE, VCARD + "Organization")
    out.add(CONTACT, VCARD + "fn", _lit(who.contact_name, language="en"))
    if who.contact_url:
        out.add(CONTACT, VCARD + "hasURL", who.contact_url)
    if who.contact_email:
        out.add(CONTACT, VCARD + "hasEmail", "mailto:" + who.contact_email)
    frequency = who.frequency_iri
    out.add(DATASET, DCT + "accrualPeriodicity", frequency)
    out.add(frequency, terms.RDF_TYPE, DCT + "Frequency")
    out.add(frequency, SKOS + "inScheme", EU + "frequency")


def _data_service(out: _Builder, endpoint_url: str, publisher: str, licence: str) -> None:
    out.add(CATALOG, DCAT + "service", SERVICE)
    out.add(DATASET, VOID + "sparqlEndpoint", endpoint_url)
    out.add(SERVICE, terms.RDF_TYPE, DCAT + "DataService")
    for text, language in [
        ("SPARQL endpoint of the twinning graph", "en"),
        ("Punct de acces SPARQL al grafului de înfrățiri", "ro"),
        ("SPARQL endpoint grafu partnerství", "cs"),
    ]:
        out.add(SERVICE, DCT + "title", _lit(text, language=language))
    out.add(SERVICE, DCAT + "endpointURL", endpoint_url)
    # A SPARQL 1.1 service describes itself at its endpoint URL (Service Description).
    out.add(SERVICE, DCAT + "endpointDescription", endpoint_url)
    out.add(SERVICE, DCAT + "servesDataset", DATASET)
    out.add(SERVICE, DCT + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    out.add(SERVICE, DCAT + "contactPoint", CONTACT)
    out.add(SERVICE, DCT + "publisher", publisher)
    out.add(SERVICE, DCT + "license", licence)
    out.add(SERVICE, DCT + "accessRights", EU + "access-right/PUBLIC")
    for theme in ("GOVE", "INTR", "REGI"):
        out.add(SERVICE, DCAT + "theme", EU + "data-theme/" + theme)
    for keyword in ("SPARQL", "twinning", "linked open data"):
        out.add(SERVICE, DCAT + "keyword", _lit(keyword, language="en"))
    out.add("https://www.w3.org/TR/sparql11-protocol/", terms.RDF_TYPE, DCT + "Standard")
    out.add(
        "https://www.w3.org/TR/sparql11-protocol/",
        DCT + "title",
        _lit("SPARQL 1.1 Protocol", language="en"),
    )
