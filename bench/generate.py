"""Realistic synthetic twinning data in our own ontology, for benchmarks and scale tests.

``generate(n)`` returns Turtle for n agreements and n/2 regions (multilingual names,
Wikidata links, ISO codes, kinds, dates, council decisions, signatories, events, statuses) and
the agreements deliberately broken (about 1%), each in exactly one way that the shapes catch.
The same n and seed always give the same text.

    python bench/generate.py 10000 > /tmp/agreements-10000.ttl
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass

COUNTRIES = [
    ("ROU", "RO", "ro"),
    ("HUN", "HU", "hu"),
    ("ITA", "IT", "it"),
    ("POL", "PL", "pl"),
    ("CZE", "CZ", "cs"),
    ("FRA", "FR", "fr"),
    ("SWE", "SE", "sv"),
    ("NOR", "NO", "nb"),
    ("TUR", "TR", "tr"),
    ("MDA", "MD", "ro"),
    ("ARM", "AM", "hy"),
    ("KOR", "KR", "ko"),
    ("CHN", "CN", "zh"),
    ("VNM", "VN", "vi"),
    ("RUS", "RU", "ru"),
]
KINDS = [
    "twinning",
    "cooperation-protocol",
    "collaboration-protocol",
    "collaboration-agreement",
    "cooperation-understanding",
    "memorandum-of-understanding",
    "joint-declaration",
    "declaration-of-intent",
    "letter-of-intent",
    "cooperation-agreement",
    "memorandum-on-cooperation",
]
STATUSES = ["active", "active", "active", "stagnating", "ended", "terminated"]
FIELDS = ["tourism", "culture", "education", "environment", "regional-economy"]
SYLLABLES = [
    "al",
    "bra",
    "cor",
    "dun",
    "el",
    "fa",
    "gor",
    "har",
    "is",
    "jul",
    "ka",
    "lor",
    "mar",
    "nor",
    "os",
    "pra",
    "ra",
    "sil",
    "tor",
    "ul",
    "var",
    "zel",
]
BREAKAGES = [
    "one-party",
    "no-kind",
    "two-kinds",
    "kind-not-in-scheme",
    "date-as-string",
    "end-before-start",
    "ended-without-date-or-cause",
    "home-not-party",
    "title-without-language",
]

PREFIXES = """@prefix tw: <https://w3id.org/twinning/ontology#> .
@prefix agreement: <https://w3id.org/twinning/id/agreement/> .
@prefix region: <https://w3id.org/twinning/id/region/> .
@prefix decision: <https://w3id.org/twinning/id/decision/> .
@prefix body: <https://w3id.org/twinning/id/body/> .
@prefix person: <https://w3id.org/twinning/id/person/> .
@prefix signature: <https://w3id.org/twinning/id/signature/> .
@prefix event: <https://w3id.org/twinning/id/event/> .
@prefix source: <https://w3id.org/twinning/id/source/> .
@prefix kind: <https://w3id.org/twinning/id/kind/> .
@prefix status: <https://w3id.org/twinning/id/status/> .
@prefix field: <https://w3id.org/twinning/id/field/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@dataclass
class Generated:
    turtle: str
    broken: dict[str, str]  # agreement IRI -> how it is broken
    agreements: int
    regions: int


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _code(index: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(3):
        index, rest = divmod(index, 36)
        out = digits[rest] + out
    return out


def generate(n: int, seed: int = 7, broken_share: float = 0.01) -> Generated:
    """Synthetic data for ``n`` agreements; about ``broken_share`` of them broken."""
    rng = random.Random(seed)
    out: list[str] = [PREFIXES]
    add = out.append
    add('source:synthetic a tw:SourceDocument ; dcterms:title "Synthetic data"@en .')
    for alpha3, alpha2, _lang in COUNTRIES:
        add(f'country:{alpha3} tw:countryCode "{alpha2}" .')
    n_regions = max(2, n // 2)
    regions = []
    per_country: dict[str, int] = {}
    for i in range(n_regions):
        alpha3, alpha2, lang = COUNTRIES[i % len(COUNTRIES)]
        number = per_country.get(alpha2, 0)
        per_country[alpha2] = number + 1
        name = _name(rng)
        slug = f"r{i}-{name.lower()}"
        regions.append(slug)
        add(
            f"region:{slug} a tw:Region ; "
            f'skos:prefLabel "{name} County"@en , "{name}"@{lang} ; '
            f'skos:altLabel "{name} Region"@en ; '
            f'tw:country country:{alpha3} ; tw:subdivisionCode "{alpha2}-{_code(number)}" ; '
            f"owl:sameAs wd:Q{1_000_000 + i} ; "
            f"schema:url <https://{slug}.example.org/> ; dcterms:source source:synthetic ."
        )
        add(
            f"body:{slug}-council a tw:SigningBody ; "
            f'rdfs:label "Council of {name}"@en ; tw:bodyOf region:{slug} ; '
            f"dcterms:source source:synthetic ."
        )
    n_broken = round(n * broken_share)
    broken_ids = set(rng.sample(range(n), n_broken)) if n_broken else set()
    broken: dict[str, str] = {}
    for i in range(n):
        home, partner = rng.sample(regions, 2)
        kind = rng.choice(KINDS)
        status = rng.choice(STATUSES)
        year = rng.randint(1990, 2020)
        day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        aid = f"a{i}-{home.split('-')[0]}-{partner.split('-')[0]}-{year}"
        iri = f"agreement:{aid}"
        parties = [home, partner]
        if kind == "joint-declaration":
            parties += rng.sample(regions, 3)
        lines = [
            f"{iri} a tw:Agreement",
            f"tw:homeRegion region:{home}",
            "tw:party " + " , ".join(f"region:{p}" for p in sorted(set(parties))),
            f"tw:kind kind:{kind}",
            f"tw:status status:{status}",
            f'dcterms:title "Acord {i} între {home} și {partner}"@ro , "Agreement {i}"@en',
            f'tw:signingDate "{day}"^^xsd:date',
            f"tw:signingBody body:{home}-council , body:{partner}-council",
            f"tw:field field:{rng.choice(FIELDS)}",
            f'tw:sourceQuote "Acordul {i} a fost semnat în {year}."@ro',
            "dcterms:source source:synthetic",
        ]
        if status in ("ended", "terminated"):
            lines.append(f'tw:endDate "{year + rng.randint(1, 5)}-06-30"^^xsd:date')
            lines.append('tw:endCause "Cooperation ended."@en')
        if i % 3 == 0:
            decision = f"decision:d{i // 6}-{year}"
            lines.append(f"tw:approvedBy {decision}")
            add(
                f'{decision} a tw:CouncilDecision ; tw:decisionNumber "{i // 6}" ; '
                f'tw:decisionYear "{year}"^^xsd:gYear ; tw:issuedBy body:{home}-council ; '
                f"dcterms:source source:synthetic ."
            )
        signature = f"signature:{aid}"
        lines.append(f"tw:signature {signature}")
        add(
            f"{signature} a tw:Signature ; tw:signatory person:p{i} ; "
            f'tw:role "president"@en ; tw:onBehalfOf region:{home} ; '
            f"dcterms:source source:synthetic ."
        )
        add(
            f'person:p{i} a schema:Person ; schema:name "{_name(rng)} {_name(rng)}" ; '
            "dcterms:source source:synthetic ."
        )
        event = f"event:{aid}-visit"
        lines.append(f"tw:event {event}")
        add(
            f'{event} a tw:Event ; schema:startDate "{year - 1}"^^xsd:gYear ; '
            f'schema:description "A first visit."@en ; dcterms:source source:synthetic .'
        )
        if i in broken_ids:
            how = BREAKAGES[len(broken) % len(BREAKAGES)]
            lines = _break(lines, how, iri, partner)
            broken[_expand(iri)] = how
        add(" ;\n    ".join(lines) + " .")
    return Generated("\n".join(out) + "\n", broken, n, n_regions)


def _break(lines: list[str], how: str, iri: str, partner: str) -> list[str]:
    """Break an agreement in exactly one way."""
    if how == "one-party":
        return [line if not line.startswith("tw:party") else line.split(" , ")[0] for line in lines]
    if how == "no-kind":
        return [line for line in lines if not line.startswith("tw:kind")]
    if how == "two-kinds":
        return lines + ["tw:kind kind:letter-of-intent , kind:twinning"]
    if how == "kind-not-in-scheme":
        return [("tw:kind status:active" if line.startswith("tw:kind") else line) for line in lines]
    if how == "date-as-string":
        return [
            (line.replace("^^xsd:date", "") if line.startswith("tw:signingDate") else line)
            for line in lines
        ]
    if how == "end-before-start":
        kept = [line for line in lines if not line.startswith(("tw:endDate", "tw:status"))]
        return kept + ['tw:endDate "1980-01-01"^^xsd:date', "tw:status status:terminated"]
    if how == "ended-without-date-or-cause":
        kept = [
            line
            for line in lines
            if not line.startswith(("tw:endDate", "tw:endCause", "tw:status"))
        ]
        return kept + ["tw:status status:ended"]
    if how == "home-not-party":
        return [
            ("tw:homeRegion region:nowhere" if line.startswith("tw:homeRegion") else line)
            for line in lines
        ]
    if how == "title-without-language":
        return [
            ('dcterms:title "Agreement"' if line.startswith("dcterms:title") else line)
            for line in lines
        ]
    raise ValueError(how)


def _expand(curie: str) -> str:
    return "https://w3id.org/twinning/id/agreement/" + curie.split(":", 1)[1]


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    sys.stdout.write(generate(size).turtle)
