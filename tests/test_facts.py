"""Specific facts of each source document, checked against the built graph.

Each fact is an ASK pattern written from a sentence of the seed text quoted beside it.
"""

from __future__ import annotations

import pytest

from twinning import queries
from twinning.terms import sparql_prefixes

from .conftest import ROOT

CLUJ = [
    (
        "item 1: protocol with Allier",
        "agreement:cluj-allier-cooperation-protocol tw:kind kind:cooperation-protocol ; tw:party region:cluj, region:allier ; tw:sourceItem '1'",
    ),
    (
        "item 2: protocol with Fejér",
        "agreement:cluj-fejer-cooperation-protocol tw:kind kind:cooperation-protocol ; tw:party region:fejer",
    ),
    (
        "item 3: Parma's provincial administration signs",
        "agreement:cluj-parma-cooperation-protocol tw:signingBody body:parma-provincial-administration . body:parma-provincial-administration rdfs:label 'Administrația Provincială a Provinciei Parma'@ro",
    ),
    (
        "item 4: collaboration protocol with Trento",
        "agreement:cluj-trento-collaboration-protocol tw:kind kind:collaboration-protocol ; tw:signingBody body:cluj-county-council ; tw:party region:trento",
    ),
    (
        "item 5: Małopolska",
        "agreement:cluj-malopolska-cooperation-protocol tw:party region:malopolska . region:malopolska tw:subdivisionCode 'PL-12'",
    ),
    (
        "item 6: collaboration agreement between the county councils of Cluj and Terni",
        "agreement:cluj-terni-collaboration-agreement tw:kind kind:collaboration-agreement ; tw:signingBody body:cluj-county-council, body:terni-county-council",
    ),
    (
        "item 7: Veneto joint declaration",
        "agreement:cluj-veneto-joint-declaration tw:kind kind:joint-declaration ; tw:party region:veneto, region:bihor, region:bistrita-nasaud, region:cluj, region:maramures, region:satu-mare, region:salaj",
    ),
    (
        "item 7: signed by six county councils",
        "agreement:cluj-veneto-joint-declaration tw:signingBody body:bihor-county-council, body:bistrita-nasaud-county-council, body:cluj-county-council, body:maramures-county-council, body:satu-mare-county-council, body:salaj-county-council",
    ),
    (
        "item 8: protocol on promoting cooperation with Shandong",
        "agreement:cluj-shandong-protocol-on-promoting-cooperation tw:kind kind:protocol-on-promoting-cooperation ; tw:party region:shandong . region:shandong tw:country country:CHN",
    ),
    (
        "item 9: understanding with Blekinge (Sweden)",
        "agreement:cluj-blekinge-cooperation-understanding tw:kind kind:cooperation-understanding . region:blekinge tw:country country:SWE",
    ),
    (
        "item 10: Hajdú-Bihar",
        "agreement:cluj-hajdu-bihar-cooperation-protocol tw:party region:hajdu-bihar ; tw:sourceItem '10'",
    ),
    (
        "item 11: Baranya",
        "agreement:cluj-baranya-cooperation-protocol tw:party region:baranya . region:baranya tw:subdivisionCode 'HU-BA'",
    ),
    (
        "item 12: memorandum of understanding with Gyeongsangbuk-do",
        "agreement:cluj-gyeongsangbuk-do-memorandum-of-understanding tw:kind kind:memorandum-of-understanding ; tw:party region:gyeongsangbuk-do",
    ),
    (
        "item 13: Hîncești (Moldova)",
        "agreement:cluj-hincesti-cooperation-understanding tw:party region:hincesti . region:hincesti tw:country country:MDA",
    ),
    (
        "item 14: Armavir (Armenia)",
        "agreement:cluj-armavir-cooperation-understanding tw:party region:armavir . region:armavir tw:country country:ARM",
    ),
    (
        "declaration of intent with Jeollanam-do's assembly",
        "agreement:cluj-jeollanam-do-declaration-of-intent tw:kind kind:declaration-of-intent ; tw:signingBody body:jeollanam-do-provincial-assembly",
    ),
    (
        "letter of intent with Jeollanam-do's government",
        "agreement:cluj-jeollanam-do-letter-of-intent tw:kind kind:letter-of-intent ; tw:signingBody body:jeollanam-do-provincial-government",
    ),
]

HARGHITA = [
    (
        "Bács-Kiskun twinning, decision 19/1994",
        "agreement:harghita-bacs-kiskun-twinning tw:kind kind:twinning ; tw:approvedBy decision:harghita-19-1994 . decision:harghita-19-1994 tw:decisionNumber '19' ; tw:decisionYear '1994'^^xsd:gYear",
    ),
    (
        "Békés, decision 54/1996",
        "agreement:harghita-bekes-twinning tw:approvedBy decision:harghita-54-1996",
    ),
    (
        "Borsod-Abaúj-Zemplén collaboration agreement of 1997",
        "agreement:harghita-borsod-abauj-zemplen-collaboration-agreement tw:kind kind:collaboration-agreement ; dcterms:date '1997'^^xsd:gYear",
    ),
    (
        "Borsod-Abaúj-Zemplén twinning, decision 271/2017",
        "agreement:harghita-borsod-abauj-zemplen-twinning tw:kind kind:twinning ; tw:approvedBy decision:harghita-271-2017",
    ),
    (
        "Hajdú-Bihar, decision 268/2009",
        "agreement:harghita-hajdu-bihar-twinning tw:approvedBy decision:harghita-268-2009",
    ),
    (
        "Heves, decision 174/2014",
        "agreement:harghita-heves-twinning tw:approvedBy decision:harghita-174-2014",
    ),
    (
        "Jász-Nagykun-Szolnok, decision 3/2002",
        "agreement:harghita-jasz-nagykun-szolnok-twinning tw:approvedBy decision:harghita-3-2002",
    ),
    (
        "Nógrád 211/2017 and Tolna 211/2018 are different decisions",
        "agreement:harghita-nograd-twinning tw:approvedBy decision:harghita-211-2017 . agreement:harghita-tolna-twinning tw:approvedBy decision:harghita-211-2018",
    ),
    (
        "Somogy and Zala share decision 6/1993",
        "agreement:harghita-somogy-twinning tw:approvedBy decision:harghita-6-1993 . agreement:harghita-zala-twinning tw:approvedBy decision:harghita-6-1993",
    ),
    (
        "Pest, decision 65/1997 and its address",
        "agreement:harghita-pest-twinning tw:approvedBy decision:harghita-65-1997 . region:pest schema:address/schema:postalCode '1052'",
    ),
    (
        "Szabolcs-Szatmár-Bereg, decision 112/2003",
        "agreement:harghita-szabolcs-szatmar-bereg-twinning tw:approvedBy decision:harghita-112-2003",
    ),
    (
        "Vas, decision 52/2017",
        "agreement:harghita-vas-twinning tw:approvedBy decision:harghita-52-2017",
    ),
    (
        "Campobasso, decision 135/2003, web site",
        "agreement:harghita-campobasso-twinning tw:approvedBy decision:harghita-135-2003 . region:campobasso schema:url <http://www.provincia.campobasso.it>",
    ),
    (
        "Valle d'Aosta, decision 86/2009",
        "agreement:harghita-valle-d-aosta-twinning tw:approvedBy decision:harghita-86-2009",
    ),
    (
        "Tarnów County via Starostwo Powiatowe, decision 20/2004",
        "agreement:harghita-tarnow-county-twinning tw:approvedBy decision:harghita-20-2004 ; tw:signingBody body:tarnow-county-office . body:tarnow-county-office rdfs:label 'Starostwo Powiatowe w Tarnowie'@pl",
    ),
    (
        "Ningxia: the year 2011, no decision",
        "agreement:harghita-ningxia-twinning dcterms:date '2011'^^xsd:gYear FILTER NOT EXISTS { agreement:harghita-ningxia-twinning tw:approvedBy ?d }",
    ),
    (
        "Lori, decision 212/2018",
        "agreement:harghita-lori-twinning tw:approvedBy decision:harghita-212-2018 ; tw:party region:lori",
    ),
    (
        "Strășeni, decision 296/2021, since October 2021",
        "agreement:harghita-straseni-twinning tw:approvedBy decision:harghita-296-2021 ; tw:startDate '2021-10'^^xsd:gYearMonth ; tw:signingBody body:straseni-district-council",
    ),
    (
        "member of AER since 1993",
        "?m org:member body:harghita-county-council ; org:organization organisation:aer ; tw:memberSince '1993'^^xsd:gYear",
    ),
    (
        "ALDA and RegHubs since 2019",
        "?a org:organization organisation:alda ; tw:memberSince '2019'^^xsd:gYear . ?b org:organization organisation:reghubs ; tw:memberSince '2019'^^xsd:gYear",
    ),
    (
        "Inextex with Somogy 2007-2009",
        "project:inextex tw:projectPartner region:harghita, region:somogy ; schema:startDate '2007'^^xsd:gYear ; schema:endDate '2009'^^xsd:gYear",
    ),
    (
        "FolkDanceNet with Jász-Nagykun-Szolnok 2008-2009",
        "project:folkdancenet tw:projectPartner region:jasz-nagykun-szolnok ; schema:startDate '2008'^^xsd:gYear ; schema:endDate '2009'^^xsd:gYear",
    ),
    (
        "FRiDGE: Harghita took part in 2019 alongside the Tolna County Development Agency",
        "project:fridge tw:projectPartner region:harghita, organisation:tolna-county-development-agency ; dcterms:date '2019'^^xsd:gYear . organisation:tolna-county-development-agency a org:Organization ; rdfs:label 'Agenția de Dezvoltare Județeană Tolna'@ro",
    ),
    (
        "FRiDGE: 2019 is the year of Harghita's participation, not the project's start; Tolna County is no project partner",
        "FILTER NOT EXISTS { project:fridge schema:startDate ?start } FILTER NOT EXISTS { project:fridge tw:projectPartner region:tolna }",
    ),
    (
        "ALDA: the source's name 'Alianța Europeană pentru Democrație Locală', translated word for word",
        "organisation:alda rdfs:label 'European Alliance for Local Democracy (ALDA)'@en ; tw:nameInSource 'Alianței Europene pentru Democrație Locală (ALDA)'@ro FILTER NOT EXISTS { organisation:alda rdfs:label 'European Association for Local Democracy (ALDA)'@en }",
    ),
    (
        "the source does not say who signed Harghita's instruments: Harghita County Council signs none",
        "FILTER NOT EXISTS { ?a tw:signingBody body:harghita-county-council }",
    ),
    (
        "composed titles and decision labels of Harghita's table are marked as inferences",
        "agreement:harghita-somogy-twinning tw:inferred ?t . ?t tw:inferredProperty dcterms:title ; tw:reason ?why . decision:harghita-6-1993 tw:inferred ?l . ?l tw:inferredProperty rdfs:label",
    ),
    (
        "twinnings are maintained (active)",
        "agreement:harghita-somogy-twinning tw:status status:active",
    ),
]

LIBEREC = [
    (
        "Valle d'Aosta signed 2007-10-11",
        "agreement:liberec-valle-d-aosta-2007 tw:signingDate '2007-10-11'^^xsd:date ; tw:kind kind:cooperation-agreement",
    ),
    (
        "Valle d'Aosta signed in Brussels at the Open Days",
        "agreement:liberec-valle-d-aosta-2007 tw:signingPlace 'Brusel'@cs ; tw:signingOccasion 'Open Days'@en",
    ),
    (
        "Petr Skokan signed as hejtman",
        "agreement:liberec-valle-d-aosta-2007 tw:signature ?s . ?s tw:signatory person:petr-skokan ; tw:role 'hejtman Libereckého kraje'@cs ; tw:onBehalfOf region:liberec",
    ),
    (
        "Luciano Caveri signed for Valle d'Aosta",
        "agreement:liberec-valle-d-aosta-2007 tw:signature ?s . ?s tw:signatory person:luciano-caveri ; tw:onBehalfOf region:valle-d-aosta",
    ),
    (
        "Valle d'Aosta stagnating since May 2008",
        "agreement:liberec-valle-d-aosta-2007 tw:status status:stagnating ; tw:event ?e . ?e schema:startDate '2008-05'^^xsd:gYearMonth",
    ),
    (
        "letter of 17 May 2010",
        "agreement:liberec-valle-d-aosta-2007 tw:event ?e . ?e schema:startDate '2010-05-17'^^xsd:date",
    ),
    (
        "Orenburg signed 2012-05-24",
        "agreement:liberec-orenburg-2012 tw:signingDate '2012-05-24'^^xsd:date ; tw:party region:orenburg",
    ),
    (
        "Orenburg terminated 2022-03-01",
        "agreement:liberec-orenburg-2012 tw:endDate '2022-03-01'^^xsd:date ; tw:status status:terminated",
    ),
    (
        "Orenburg: cause of termination stated",
        "agreement:liberec-orenburg-2012 tw:endCause ?c FILTER(CONTAINS(?c, 'napadení Ukrajiny'))",
    ),
    (
        "Nový Bor and Mednogorsk signed 2007-06-16",
        "agreement:liberec-orenburg-2012 tw:event ?e . ?e schema:startDate '2007-06-16'^^xsd:date",
    ),
    (
        "Møre og Romsdal signed 2001-11-28",
        "agreement:liberec-more-og-romsdal-2001 tw:signingDate '2001-11-28'^^xsd:date",
    ),
    (
        "Møre og Romsdal ended, with its cause",
        "agreement:liberec-more-og-romsdal-2001 tw:status status:ended ; tw:endCause ?c FILTER NOT EXISTS { agreement:liberec-more-og-romsdal-2001 tw:endDate ?d }",
    ),
    (
        "Pavel Pavlík and Ole Eimund Øverland signed",
        "agreement:liberec-more-og-romsdal-2001 tw:signature/tw:signatory person:pavel-pavlik, person:ole-eimund-overland . person:ole-eimund-overland schema:name 'Ole Eimund Øverland'",
    ),
    (
        "Ha Tinh signed 2009-04-22, stagnating",
        "agreement:liberec-ha-tinh-2009 tw:signingDate '2009-04-22'^^xsd:date ; tw:status status:stagnating",
    ),
    (
        "Bursa memorandum 2011-11-01",
        "agreement:liberec-bursa-2011 tw:signingDate '2011-11-01'^^xsd:date ; tw:kind kind:memorandum-on-cooperation ; tw:status status:stagnating",
    ),
    (
        "Lidie Vajnerová signed for Liberec Region",
        "agreement:liberec-bursa-2011 tw:signature ?s . ?s tw:signatory person:lidie-vajnerova ; tw:onBehalfOf region:liberec",
    ),
    (
        "governor Şahabettin Harput for Bursa",
        "agreement:liberec-bursa-2011 tw:signature ?s . ?s tw:signatory person:sahabettin-harput ; tw:onBehalfOf region:bursa",
    ),
    (
        "Bursa delegation visit 2010-10-06",
        "agreement:liberec-bursa-2011 tw:event ?e . ?e schema:startDate '2010-10-06'^^xsd:date",
    ),
    (
        "Orenburg: the source dates Russia's attack on 24 February 2022, not the cutting of contacts",
        "agreement:liberec-orenburg-2012 tw:event event:liberec-orenburg-2012-2022-02-24-attack-on-ukraine . event:liberec-orenburg-2012-2022-02-24-attack-on-ukraine schema:startDate '2022-02-24'^^xsd:date FILTER NOT EXISTS { ?e schema:description ?d FILTER(CONTAINS(LCASE(STR(?d)), 'cut') && LANG(?d) = 'en') ?e schema:startDate '2022-02-24'^^xsd:date }",
    ),
    (
        "Øverland signed as 'hejtman Møre og Romsdal', rendered Governor as for Liberec's hejtman",
        "signature:liberec-more-og-romsdal-2001-ole-eimund-overland tw:role 'hejtman Møre og Romsdal'@cs, 'Governor (hejtman) of Møre og Romsdal'@en",
    ),
    (
        "Bursa: the source does not say where the memorandum was signed",
        "agreement:liberec-bursa-2011 tw:signingOccasion ?o FILTER NOT EXISTS { agreement:liberec-bursa-2011 tw:signingPlace ?p }",
    ),
    (
        "Valle d'Aosta: fields were proposed (2005 correspondence, the unanswered 2010 letter), not agreed",
        "FILTER NOT EXISTS { agreement:liberec-valle-d-aosta-2007 tw:field ?f } event:liberec-valle-d-aosta-2007-2010-05-17-letter tw:proposedField field:palliative-care, field:archaeology . event:liberec-valle-d-aosta-2007-2005-08-first-contact tw:proposedField field:structural-funds",
    ),
    (
        "Bursa: tourism and culture discussed in 2010; textiles, spa, tourism named as promising, none agreed",
        "FILTER NOT EXISTS { agreement:liberec-bursa-2011 tw:field ?f } agreement:liberec-bursa-2011 tw:proposedField field:textiles-and-nanofibres, field:spa . event:liberec-bursa-2011-2010-10-06-delegation-visit tw:proposedField field:culture",
    ),
    (
        "Møre og Romsdal: the agreement is on regional cooperation and know-how transfer (agreed, from its title)",
        "agreement:liberec-more-og-romsdal-2001 tw:field field:know-how-transfer",
    ),
    (
        "web sites of partners",
        "region:more-og-romsdal schema:url <https://mrfylke.no/> . region:ha-tinh schema:url <https://hatinh.gov.vn/> . region:bursa schema:url <http://www.bursa.gov.tr/>",
    ),
]

FACTS = (
    [("cluj", *f) for f in CLUJ]
    + [("harghita", *f) for f in HARGHITA]
    + [("liberec", *f) for f in LIBEREC]
)


def test_at_least_15_facts_per_source() -> None:
    assert min(len(CLUJ), len(HARGHITA), len(LIBEREC)) >= 15


@pytest.mark.parametrize(
    ("source", "fact", "pattern"), FACTS, ids=[f"{s}: {f}" for s, f, _ in FACTS]
)
def test_fact(graph, source: str, fact: str, pattern: str) -> None:
    assert graph.store.query(sparql_prefixes() + f"ASK {{ {pattern} }}"), f"{source}: {fact}"


def test_no_signing_date_where_the_source_gives_none(graph) -> None:
    """Cluj's list and Harghita's table give no signing dates; only Liberec's page does."""
    rows = graph.store.query(
        sparql_prefixes()
        + "SELECT ?a WHERE { ?a tw:signingDate ?d ; tw:homeRegion ?h FILTER(?h != region:liberec) }"
    )
    assert list(rows) == []


def test_veneto_declaration_has_seven_parties(graph) -> None:
    rows = graph.store.query(
        sparql_prefixes()
        + "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { agreement:cluj-veneto-joint-declaration tw:party ?p }"
    )
    assert next(iter(rows))["n"].value == "7"


# ---------------------------------------------------------------------------- partners and sides

REGION = "https://w3id.org/twinning/id/region/"
VENETO_DECLARATION = "https://w3id.org/twinning/id/agreement/cluj-veneto-joint-declaration"


def _partners(graph, region: str) -> set[tuple[str, str]]:
    """(partner, agreement) rows of the named query partners-of-region for ``region``."""
    named = queries.library(ROOT)["partners-of-region"]
    results = queries.run_local(graph.store, queries.bind(named, {"region": REGION + region}))
    return {(row["partner"].value, row["agreement"].value) for row in results.rows}


def test_veneto_declaration_has_two_sides(graph) -> None:
    """'Declarație Comună între Regione del Veneto (…) și Consiliul Județean Bihor, …, Consiliul
    Județean Sălaj din Regiunea de Dezvoltare Nord-Vest (România)'."""
    rows = graph.store.query(
        sparql_prefixes()
        + "SELECT ?side ?m WHERE { agreement:cluj-veneto-joint-declaration tw:hasSide ?side . "
        "?side tw:sideMember ?m }"
    )
    sides: dict[str, set[str]] = {}
    for row in rows:
        sides.setdefault(row["side"].value, set()).add(row["m"].value.removeprefix(REGION))
    assert sides == {
        VENETO_DECLARATION + "/side/veneto": {"veneto"},
        VENETO_DECLARATION + "/side/north-west-romania": {
            "bihor", "bistrita-nasaud", "cluj", "maramures", "satu-mare", "salaj",
        },
    }  # fmt: skip


def test_cluj_partners_are_its_15_partner_regions(graph) -> None:
    partners = {p.removeprefix(REGION) for p, _ in _partners(graph, "cluj")}
    assert partners == {
        "allier", "fejer", "parma", "trento", "malopolska", "terni", "veneto", "shandong",
        "blekinge", "hajdu-bihar", "baranya", "gyeongsangbuk-do", "hincesti", "armavir",
        "jeollanam-do",
    }  # fmt: skip


def test_bihor_partner_through_the_declaration_is_veneto_only(graph) -> None:
    assert _partners(graph, "bihor") == {(REGION + "veneto", VENETO_DECLARATION)}


def test_veneto_partners_are_the_six_counties(graph) -> None:
    partners = {p.removeprefix(REGION) for p, _ in _partners(graph, "veneto")}
    assert partners == {"bihor", "bistrita-nasaud", "cluj", "maramures", "satu-mare", "salaj"}


def test_every_partner_query_applies_the_side_rule() -> None:
    """Each named query about partners or parties excludes parties of the same side."""
    speaking_of_partners = [
        named
        for named in queries.library(ROOT).values()
        if "partner" in named.summary.lower() and "tw:party" in named.text
    ]
    assert len(speaking_of_partners) >= 5
    for named in speaking_of_partners:
        assert "FILTER NOT EXISTS { ?agreement tw:hasSide ?side . ?side tw:sideMember" in (
            named.text
        ), named.name


def test_build_writes_the_graph(tmp_path) -> None:
    from click.testing import CliRunner

    from twinning.cli import main

    result = CliRunner().invoke(main, ["build", "--root", str(ROOT), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    import rdflib

    built = rdflib.Graph().parse(tmp_path / "twinning.ttl")
    tw = rdflib.Namespace("https://w3id.org/twinning/ontology#")
    assert len(set(built.subjects(rdflib.RDF.type, tw.Agreement))) == 41
    assert len(set(built.subjects(rdflib.RDF.type, tw.Region))) == 45
