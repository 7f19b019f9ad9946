"""Integrity of the curated data: one rule per test, failing per record.

A failure reads like ``agreement harghita-somogy-twinning: fewer than 2 distinct parties``.
"""

from __future__ import annotations

import hashlib
import re

import pycountry
import pytest

from twinning import fmt, terms
from twinning.load import data_files, load_project

from .conftest import ROOT, SEEDS, select

GRAPH = load_project(ROOT)
ID = terms.ID

# The language a region's own name is written in, by ISO 3166-1 alpha-3 country.
OWN_LANGUAGE = {
    "ROU": {"ro"},
    "HUN": {"hu"},
    "ITA": {"it"},
    "FRA": {"fr"},
    "POL": {"pl"},
    "CHN": {"zh"},
    "SWE": {"sv"},
    "KOR": {"ko"},
    "MDA": {"ro"},
    "ARM": {"hy"},
    "CZE": {"cs"},
    "RUS": {"ru"},
    "NOR": {"nb", "nn", "no"},
    "VNM": {"vi"},
    "TUR": {"tr"},
}


def _ids(kind: str) -> list[str]:
    rows = select(GRAPH, f"SELECT ?s WHERE {{ ?s a tw:{kind} }} ORDER BY ?s")
    return [row["s"] for row in rows]


AGREEMENTS = _ids("Agreement")
REGIONS = _ids("Region")


def short(iri: str) -> str:
    return iri.removeprefix(ID)


def values(subject: str, predicate: str) -> list:
    import pyoxigraph as ox

    return [
        q.object
        for q in GRAPH.store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)
    ]


# ---------------------------------------------------------------------------- whole-data rules


def test_data_files_are_canonical() -> None:
    bad = fmt.non_canonical(data_files(ROOT))
    assert not bad, f"not in canonical form: {[str(p) for p in bad]}; run `twinning fmt`"


def test_counts() -> None:
    assert len(AGREEMENTS) == 41
    assert len(REGIONS) == 45


def test_guard_records_found() -> None:
    # Guard for the parametrised tests below: they must run over every record.
    assert len(AGREEMENTS) == 41 and len(REGIONS) == 45
    assert len(QUOTES) >= 60


def test_identifiers_are_readable() -> None:
    for iri in AGREEMENTS + REGIONS:
        assert re.fullmatch(r"(agreement|region)/[a-z0-9]+(-[a-z0-9]+)*", short(iri)), iri


# ---------------------------------------------------------------------------- per agreement


@pytest.mark.parametrize("agreement", AGREEMENTS, ids=short)
def test_agreement_has_two_distinct_parties(agreement: str) -> None:
    parties = {p.value for p in values(agreement, terms.PARTY)}
    assert len(parties) >= 2, f"{short(agreement)}: fewer than 2 distinct parties"
    for party in parties:
        assert party in REGIONS, f"{short(agreement)}: party {party} is not a region"


@pytest.mark.parametrize("agreement", AGREEMENTS, ids=short)
def test_agreement_has_one_kind_from_the_scheme(agreement: str) -> None:
    kinds = values(agreement, terms.KIND)
    assert len(kinds) == 1, f"{short(agreement)}: {len(kinds)} kinds"
    in_scheme = values(kinds[0].value, terms.PREFIXES["skos"] + "inScheme")
    assert [s.value for s in in_scheme] == [ID + "kind/scheme"], f"{short(agreement)}: kind"


@pytest.mark.parametrize("agreement", AGREEMENTS, ids=short)
def test_agreement_has_a_source(agreement: str) -> None:
    sources = values(agreement, terms.DCT_SOURCE)
    assert sources, f"{short(agreement)}: no source"
    for source in sources:
        assert values(source.value, terms.RDF_TYPE), f"{short(agreement)}: unknown source"


@pytest.mark.parametrize("agreement", AGREEMENTS, ids=short)
def test_agreement_has_a_title_in_the_source_language(agreement: str) -> None:
    titles = values(agreement, terms.DCT_TITLE)
    assert titles and all(t.language in {"ro", "cs"} for t in titles), short(agreement)


@pytest.mark.parametrize("agreement", AGREEMENTS, ids=short)
def test_home_region_is_a_party(agreement: str) -> None:
    homes = {h.value for h in values(agreement, terms.HOME_REGION)}
    parties = {p.value for p in values(agreement, terms.PARTY)}
    assert len(homes) == 1 and homes <= parties, short(agreement)


# ---------------------------------------------------------------------------- per region


@pytest.mark.parametrize("region", REGIONS, ids=short)
def test_region_has_a_country(region: str) -> None:
    countries = values(region, terms.COUNTRY)
    assert len(countries) == 1, f"{short(region)}: {len(countries)} countries"
    assert countries[0].value.startswith(terms.EU_COUNTRY), short(region)


@pytest.mark.parametrize("region", REGIONS, ids=short)
def test_region_has_a_label_in_its_language(region: str) -> None:
    country = values(region, terms.COUNTRY)[0].value.removeprefix(terms.EU_COUNTRY)
    languages = {label.language for label in values(region, terms.SKOS_PREF_LABEL)}
    assert languages & OWN_LANGUAGE[country], f"{short(region)}: no label in its own language"
    assert "en" in languages, f"{short(region)}: no English label"


@pytest.mark.parametrize("region", REGIONS, ids=short)
def test_region_code_is_known_to_pycountry(region: str) -> None:
    codes = [c.value for c in values(region, terms.SUBDIVISION_CODE)]
    if short(region) == "region/tarnow-county":
        assert codes == [], "Tarnów County has no ISO 3166-2 code of its own"
        return
    assert len(codes) == 1, f"{short(region)}: {codes}"
    subdivision = pycountry.subdivisions.get(code=codes[0])
    assert subdivision is not None, f"{short(region)}: {codes[0]} is not an ISO 3166-2 code"
    country = values(region, terms.COUNTRY)[0].value.removeprefix(terms.EU_COUNTRY)
    assert pycountry.countries.get(alpha_2=subdivision.country_code).alpha_3 == country


@pytest.mark.parametrize("region", REGIONS, ids=short)
def test_region_code_names_the_same_place(region: str) -> None:
    """The pycountry name of the code must appear in one of the region's names."""
    codes = [c.value for c in values(region, terms.SUBDIVISION_CODE)]
    if not codes:
        return
    names = {
        _fold(n.value)
        for p in (terms.SKOS_PREF_LABEL, terms.NAME_IN_SOURCE)
        for n in values(region, p)
    }
    iso_name = _fold(pycountry.subdivisions.get(code=codes[0]).name)
    iso_words = {w for w in re.split(r"[\s,()/'-]+", iso_name) if len(w) >= 3} - {"oblast"}
    name_words = {w for name in names for w in re.split(r"[\s,()/'-]+", name) if len(w) >= 3}
    assert any(
        word in name_word or name_word in word for name_word in name_words for word in iso_words
    ), f"{short(region)}: ISO name {iso_name!r} matches none of {sorted(names)}"


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# ---------------------------------------------------------------------------- traceability


def _seed_text(source_iri: str) -> str:
    seed = values(source_iri, terms.tw("seedFile"))[0].value
    return re.sub(r"\s+", " ", (SEEDS / seed).read_text(encoding="utf-8"))


QUOTES = [
    (row["s"], row["src"], row["q"])
    for row in select(
        GRAPH,
        """SELECT ?s ?src ?q WHERE {
             { ?s tw:sourceQuote ?q } UNION { ?s tw:statusNote ?q } UNION { ?s tw:endCause ?q }
             UNION { ?s schema:description ?q }
             FILTER(lang(?q) != "en")
             ?s dcterms:source ?src . ?src tw:seedFile ?f FILTER(STRENDS(?f, ".txt")) }
           ORDER BY ?s ?q""",
    )
]


@pytest.mark.parametrize(
    ("subject", "source", "quote"),
    QUOTES,
    ids=[f"{short(s)}:{i}" for i, (s, _, _) in enumerate(QUOTES)],
)
def test_quote_occurs_in_its_source(subject: str, source: str, quote: str) -> None:
    assert quote in _seed_text(source), f"{short(subject)}: quote not in source: {quote!r}"


NAMES_IN_SOURCE = select(
    GRAPH,
    """SELECT ?s ?n ?src WHERE { ?s tw:nameInSource ?n ; dcterms:source ?src .
         ?src tw:seedFile ?f FILTER(STRENDS(?f, ".txt")) }""",
)


def test_every_name_in_source_occurs_in_one_of_its_sources() -> None:
    by_subject: dict[tuple[str, str], list[str]] = {}
    for row in NAMES_IN_SOURCE:
        by_subject.setdefault((row["s"], row["n"]), []).append(row["src"])
    assert len(by_subject) >= 40
    for (subject, name), sources in by_subject.items():
        assert any(name in _seed_text(s) for s in sources), f"{short(subject)}: {name!r}"


def test_source_checksums_match_the_seed_files() -> None:
    rows = select(GRAPH, "SELECT ?s ?f ?h WHERE { ?s tw:seedFile ?f ; tw:sha256 ?h }")
    seeds = [r for r in rows if r["f"].endswith(".txt")]
    assert len(seeds) == 3
    for row in seeds:
        digest = hashlib.sha256((SEEDS / row["f"]).read_bytes()).hexdigest()
        assert digest == row["h"], f"{row['f']} changed since it was curated"


def test_every_resource_names_its_source() -> None:
    rows = select(
        GRAPH,
        """SELECT DISTINCT ?s WHERE {
             VALUES ?type { tw:Agreement tw:Region tw:SigningBody tw:CouncilDecision
                            tw:Signature tw:Event tw:Project org:Membership
                            org:FormalOrganization schema:Person }
             ?s a ?type FILTER NOT EXISTS { ?s dcterms:source ?src } }""",
    )
    assert rows == []


def country_geometry(code: str) -> tuple[str, str]:
    """dcat:bbox and dcat:centroid (WKT) of a country, computed from the named packages:
    the union of its subunits' boxes in country-bounding-boxes, the centre from countryinfo."""
    from country_bounding_boxes import country_subunits_by_iso_code
    from countryinfo import CountryInfo

    def number(value: float) -> str:
        return f"{value:.6f}".rstrip("0").rstrip(".")

    boxes = [sub.bbox for sub in country_subunits_by_iso_code(code)]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    ring = ", ".join(f"{number(x)} {number(y)}" for x, y in corners)
    lat, lon = CountryInfo(code).info()["latlng"]
    return f"POLYGON(({ring}))", f"POINT({number(lon)} {number(lat)})"


def test_country_geometry_matches_its_sources() -> None:
    """dcat:bbox and dcat:centroid of each country, recomputed from the named packages."""
    rows = select(
        GRAPH,
        "SELECT ?cc ?bbox ?centroid WHERE { ?c tw:countryCode ?cc ; dcat:bbox ?bbox ; "
        "dcat:centroid ?centroid }",
    )
    assert len(rows) == 15
    for row in rows:
        assert (row["bbox"], row["centroid"]) == country_geometry(row["cc"]), row["cc"]
