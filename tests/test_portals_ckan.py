"""What data.gov.ro's CKAN imports: the DCAT-AP record as RDF/XML for ckanext-dcat, and the
package_create body, with the organisation visibly missing until the publisher gives it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from twinning.cli import main

from .conftest import ROOT

# CKAN's own validators (ckan/logic/validators.py): package names and tag names.
NAME = re.compile(r"^[a-z0-9_\-]{2,100}$")
TAG = re.compile(r"^[\w \-.]{2,100}$", re.UNICODE)


def _export(out: Path, *extra: str):
    result = CliRunner().invoke(
        main, ["export", "--root", str(ROOT), "--out", str(out), "--profile", "ckan", *extra]
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def ckan(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("ckan")
    return out, _export(out).output


def test_rdf_xml_is_the_dcat_ap_record(ckan: tuple[Path, str]) -> None:
    out, _output = ckan
    from_xml = rdflib.Graph().parse(out / "catalog.rdf", format="xml")
    from_turtle = rdflib.Graph().parse(out / "catalog.ttl", format="turtle")
    assert len(from_xml) > 300 and isomorphic(from_xml, from_turtle)


def test_package_json_is_a_ckan_package(ckan: tuple[Path, str]) -> None:
    out, _output = ckan
    package = json.loads((out / "ckan-package.json").read_text(encoding="utf-8"))
    assert NAME.match(package["name"])
    assert package["title"].startswith("Parteneriatele internaționale")  # the portal's language
    assert package["tags"] and all(TAG.match(t["name"]) for t in package["tags"])
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["frequency"].endswith("/frequency/IRREGULAR")
    assert extras["temporal_start"] == "1993"
    assert len(package["resources"]) == 10
    for resource in package["resources"]:
        data = (out / resource["name"]).read_bytes()
        assert resource["url"] == f"https://w3id.org/twinning/dist/{resource['name']}"
        assert resource["size"] == len(data)
        assert resource["hash"] == hashlib.sha256(data).hexdigest()
        assert resource["format"] and "/" in resource["mimetype"]


def test_unknown_organisation_is_a_visible_placeholder_and_a_warning(
    ckan: tuple[Path, str],
) -> None:
    out, output = ckan
    package = json.loads((out / "ckan-package.json").read_text(encoding="utf-8"))
    assert package["owner_org"] == "FILL-IN-owner-org"
    assert "maintainer_email" not in package  # no e-mail known: none written
    assert 'warning: no CKAN organisation: the package JSON says owner_org "FILL-IN-owner-org"' in (
        output
    )


def test_publisher_file_gives_the_organisation(tmp_path: Path) -> None:
    publisher = tmp_path / "publisher.toml"
    text = (ROOT / "data" / "catalog" / "publisher.toml").read_text(encoding="utf-8")
    publisher.write_text(text.replace('owner_org = ""', 'owner_org = "consiliul-judetean-cluj"'))
    result = _export(tmp_path / "out", "--publisher-file", str(publisher))
    package = json.loads((tmp_path / "out" / "ckan-package.json").read_text(encoding="utf-8"))
    assert package["owner_org"] == "consiliul-judetean-cluj"
    assert "warning" not in result.output
