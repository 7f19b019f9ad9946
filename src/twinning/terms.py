"""IRIs and prefixes of the twinning graph, in one place.

Every module takes its namespaces from here, so a prefix means the same thing in the
data files, the canonical writer, the JSON-LD context and the queries.
"""

from __future__ import annotations

ONTOLOGY = "https://w3id.org/twinning/ontology#"
ID = "https://w3id.org/twinning/id/"

# Prefixes used when writing Turtle. Order does not matter: the writer sorts them.
# The id/ sub-namespaces get their own prefixes so that data files read
# ``agreement:liberec-orenburg-2012`` rather than full IRIs.
PREFIXES: dict[str, str] = {
    "tw": ONTOLOGY,
    "agreement": ID + "agreement/",
    "region": ID + "region/",
    "body": ID + "body/",
    "decision": ID + "decision/",
    "person": ID + "person/",
    "source": ID + "source/",
    "kind": ID + "kind/",
    "status": ID + "status/",
    "field": ID + "field/",
    "org": "http://www.w3.org/ns/org#",
    "project": ID + "project/",
    "organisation": ID + "organisation/",
    "membership": ID + "membership/",
    "signature": ID + "signature/",
    "event": ID + "event/",
    "address": ID + "address/",
    "coordinates": ID + "coordinates/",
    "dataset": ID + "dataset/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "pav": "http://purl.org/pav/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "adms": "http://www.w3.org/ns/adms#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "country": "http://publications.europa.eu/resource/authority/country/",
    "void": "http://rdfs.org/ns/void#",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "dcatap": "http://data.europa.eu/r5r/",
}

# ADMS publisher types (http://purl.org/adms/publishertype/…) and their English labels.
PUBLISHER_TYPES = {
    "Academia-ScientificOrganisation": "Academia/Scientific organisation",
    "Company": "Company",
    "IndustryConsortium": "Industry consortium",
    "LocalAuthority": "Local Authority",
    "NationalAuthority": "National authority",
    "NonGovernmentalOrganisation": "Non-Governmental Organisation",
    "NonProfitOrganisation": "Non-Profit Organisation",
    "PrivateIndividual(s)": "Private Individual(s)",
    "RegionalAuthority": "Regional authority",
    "StandardisationBody": "Standardisation body",
    "SupraNationalAuthority": "Supra-national authority",
}

RDF_TYPE = PREFIXES["rdf"] + "type"
XSD = PREFIXES["xsd"]
WD = PREFIXES["wd"]
EU_COUNTRY = PREFIXES["country"]


def tw(local: str) -> str:
    """An ontology term IRI."""
    return ONTOLOGY + local


def resource(kind: str, slug: str) -> str:
    """A resource IRI such as ``https://w3id.org/twinning/id/region/cluj``."""
    return f"{ID}{kind}/{slug}"


# Classes and properties the Python code refers to by name.
AGREEMENT = tw("Agreement")
REGION = tw("Region")
SIGNING_BODY = tw("SigningBody")
DECISION = tw("CouncilDecision")
SOURCE_DOCUMENT = tw("SourceDocument")
PARTY = tw("party")
HOME_REGION = tw("homeRegion")
KIND = tw("kind")
STATUS = tw("status")
SIGNING_DATE = tw("signingDate")
END_DATE = tw("endDate")
APPROVED_BY = tw("approvedBy")
SUBDIVISION_CODE = tw("subdivisionCode")
COUNTRY = tw("country")
NAME_IN_SOURCE = tw("nameInSource")
SOURCE_QUOTE = tw("sourceQuote")
DCT_SOURCE = PREFIXES["dcterms"] + "source"
DCT_TITLE = PREFIXES["dcterms"] + "title"
SKOS_PREF_LABEL = PREFIXES["skos"] + "prefLabel"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
OWL_SAME_AS = PREFIXES["owl"] + "sameAs"
SCHEMA_URL = PREFIXES["schema"] + "url"


def sparql_prefixes(names: list[str] | None = None) -> str:
    """PREFIX lines for SPARQL text written by the program (never for user values)."""
    chosen = sorted(PREFIXES) if names is None else names
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in chosen)
