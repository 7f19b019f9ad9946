"""The Czech record NKOD harvests: NKOD's JSON Schemas, the draft DCAT-AP-CZ SHACL, the Czech
JSON-LD context, and what only the publisher knows (never invented, warned about)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyld.jsonld
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import SH
from referencing import Registry, Resource

from twinning.cli import main

from .conftest import GOLDEN, ROOT, SHARED, check_golden

CZ = SHARED / "standards" / "dcat-ap-cz"
REC = CZ / "rozhrani-katalogu-otevrenych-dat-2024-05-28"
CONTEXT_URL = (
    "https://ofn.gov.cz/dcat-ap-cz-rozhraní-katalogů-otevřených-dat/2024-05-28/kontexty/"
    "rozhraní-katalogů-otevřených-dat.jsonld"
)
EMAIL = "partnerships@example.org"  # given on the command line: the tests' own address
RUIAN = "https://linked.cuzk.cz/resource/ruian/stat/1"


def _export(out: Path, *extra: str) -> CliRunner:
    result = CliRunner().invoke(
        main, ["export", "--root", str(ROOT), "--out", str(out), "--profile", "dcat-ap-cz", *extra]
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def cz(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cz")
    _export(out, "--contact-email", EMAIL)
    return out


def _validator(schema_file: str) -> jsonschema.protocols.Validator:
    resources = []
    for path in [
        *REC.glob("*.schema.json"),
        *(CZ / "zakladni-datove-typy-2020-07-01").glob("*.json"),
    ]:
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    schema = json.loads((REC / schema_file).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(
        schema, registry=Registry().with_resources(resources), format_checker=cls.FORMAT_CHECKER
    )


@pytest.mark.parametrize(
    ("document", "schema"),
    [("catalog.jsonld", "katalog.schema.json"), ("dataset.jsonld", "datova-sada.schema.json")],
)
def test_json_ld_meets_nkod_json_schema(cz: Path, document: str, schema: str) -> None:
    instance = json.loads((cz / document).read_text(encoding="utf-8"))
    errors = [e.message for e in _validator(schema).iter_errors(instance)]
    assert errors == []


def test_the_schema_check_can_fail(cz: Path) -> None:
    dataset = json.loads((cz / "dataset.jsonld").read_text(encoding="utf-8"))
    del dataset["periodicita_aktualizace"]
    dataset["distribuce"][0]["typ_média"] = "https://www.iana.org/assignments/media-types/text/csv"
    errors = list(_validator("datova-sada.schema.json").iter_errors(dataset))
    assert len(errors) == 2


@pytest.mark.parametrize("shapes", ["dcat-ap-cz-draft", "dcat-ap-cz-otevrena-data-draft"])
def test_turtle_conforms_to_the_draft_dcat_ap_cz_shacl(cz: Path, shapes: str) -> None:
    import pyshacl

    shape_graph = rdflib.Graph().parse(CZ / shapes / "shacl.ttl", format="turtle")
    data = rdflib.Graph().parse(cz / "catalog.ttl", format="turtle")
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shape_graph, inference="none", do_owl_imports=False
    )
    results = [
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
        for r in report.objects(None, SH.result)
    ]
    assert results == [] and conforms
    # The shapes do check: a second title breaks the Czech record.
    dataset = rdflib.URIRef("https://w3id.org/twinning/id/dataset/twinning")
    data.add((dataset, rdflib.DCTERMS.title, rdflib.Literal("second", lang="en")))
    assert not pyshacl.validate(data, shacl_graph=shape_graph, inference="none")[0]


def _load_czech_context(url: str, options: dict | None = None) -> dict:
    if url != CONTEXT_URL:
        raise pyld.jsonld.JsonLdError(
            f"unexpected remote document {url}", "loading document failed"
        )
    document = json.loads((REC / "rozhrani-katalogu-otevrenych-dat.context.jsonld").read_text())
    return {"contextUrl": None, "documentUrl": url, "document": document}


def test_json_ld_in_the_czech_context_says_what_the_turtle_says(cz: Path) -> None:
    """Read with the Czech context, the two documents give the Turtle's triples; the Turtle
    adds only the classes of the values the SHACL checks (themes, places, licences…)."""
    from_jsonld = rdflib.Graph()
    for name in ("catalog.jsonld", "dataset.jsonld"):
        document = json.loads((cz / name).read_text(encoding="utf-8"))
        nquads = pyld.jsonld.to_rdf(
            document, {"format": "application/n-quads", "documentLoader": _load_czech_context}
        )
        from_jsonld.parse(data=nquads, format="nt")
    turtle = rdflib.Graph().parse(cz / "catalog.ttl", format="turtle")
    assert len(from_jsonld) > 100
    assert set(from_jsonld) <= set(turtle)
    extra = set(turtle) - set(from_jsonld)
    assert {p for _s, p, _o in extra} == {rdflib.RDF.type}


def test_what_nkod_asked_for(cz: Path) -> None:
    dataset = json.loads((cz / "dataset.jsonld").read_text(encoding="utf-8"))
    assert dataset["periodicita_aktualizace"].endswith("/frequency/IRREGULAR")
    assert dataset["prvek_rúian"] == [RUIAN]
    assert len(dataset["geografické_území"]) == 15
    assert dataset["časové_pokrytí"]["začátek"] == "1993-01-01"  # the data's earliest: 1993
    assert dataset["časové_pokrytí"]["konec"] == "2022-03-01"
    assert dataset["kontaktní_bod"]["jméno"] == {"en": "twinning project"}
    assert dataset["kontaktní_bod"]["e-mail"] == f"mailto:{EMAIL}"
    for distribution in dataset["distribuce"]:
        use = distribution["podmínky_užití"]
        assert use["osobní_údaje"] == "https://data.gov.cz/podmínky-užití/obsahuje-osobní-údaje/"
        assert use["autorské_dílo"] == "https://creativecommons.org/licenses/by/4.0/"
        assert distribution["typ_média"].startswith("http://www.iana.org/assignments/media-types/")


def test_no_email_is_made_up_and_the_export_says_so(tmp_path: Path) -> None:
    result = _export(tmp_path / "out")
    dataset = json.loads((tmp_path / "out" / "dataset.jsonld").read_text(encoding="utf-8"))
    assert "e-mail" not in dataset["kontaktní_bod"]
    assert "hasEmail" not in (tmp_path / "out" / "catalog.ttl").read_text(encoding="utf-8")
    assert "warning: no contact e-mail: NKOD asks for one" in result.output


def test_publisher_file_supplies_the_facts(tmp_path: Path) -> None:
    publisher = tmp_path / "publisher.toml"
    text = (ROOT / "data" / "catalog" / "publisher.toml").read_text(encoding="utf-8")
    text = text.replace('email = ""', 'email = "open-data@example.org"')
    text = text.replace('update_frequency = "IRREGULAR"', 'update_frequency = "ANNUAL"')
    publisher.write_text(text, encoding="utf-8")
    result = _export(tmp_path / "out", "--publisher-file", str(publisher))
    dataset = json.loads((tmp_path / "out" / "dataset.jsonld").read_text(encoding="utf-8"))
    assert dataset["kontaktní_bod"]["e-mail"] == "mailto:open-data@example.org"
    assert dataset["periodicita_aktualizace"].endswith("/frequency/ANNUAL")
    assert "no contact e-mail" not in result.output


def test_a_broken_publisher_file_is_reported_in_one_line(tmp_path: Path) -> None:
    publisher = tmp_path / "publisher.toml"
    publisher.write_text("[publisher]\niri = \n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["export", "--root", str(ROOT), "--out", str(tmp_path / "out"),
               "--publisher-file", str(publisher)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {publisher}: not TOML: ")
    assert not (tmp_path / "out").exists()


def test_golden_czech_record(cz: Path, regenerate) -> None:
    for name in ("catalog.jsonld", "catalog.ttl", "dataset.jsonld"):
        check_golden(GOLDEN / "dist-cz" / name, (cz / name).read_bytes(), regenerate)
