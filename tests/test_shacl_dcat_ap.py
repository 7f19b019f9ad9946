"""The official DCAT-AP 3.0.1 shapes run in our engine, with pySHACL's findings, on our
catalogue and on catalogues broken one way each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from twinning.cli import main
from twinning.rdfio import parse_file
from twinning.terms import XSD
from twinning.validate import Report, validate_catalog

from .conftest import ROOT, SHARED

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
CATALOG = ox.NamedNode("https://w3id.org/twinning/id/catalog")
DATASET = ox.NamedNode("https://w3id.org/twinning/id/dataset/twinning")
CSV = ox.NamedNode("https://w3id.org/twinning/id/dataset/twinning/distribution/agreements-csv")
UNKNOWN_LANGUAGE = ox.NamedNode("http://publications.europa.eu/resource/authority/language/XXX")

Triples = list[ox.Triple]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(main, ["export", "--root", str(ROOT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "catalog.ttl"


@pytest.mark.parametrize("profile", ["dcat-ap-cz-draft", "dcat-ap-cz-otevrena-data-draft"])
def test_czech_profile_drafts_equal_pyshacl(profile: str, catalog: Path) -> None:
    """The Czech profile's drafts also run in our engine, with pySHACL's findings (they find
    our titles and descriptions in three languages, where the drafts allow one, the contact's
    name without a language tag and a year as start date)."""
    shapes = rdflib.Graph().parse(SHARED / "standards" / "dcat-ap-cz" / profile / "shacl.ttl")
    ours = validate_catalog(ROOT, catalog, shapes=shapes)
    assert ours.violations
    assert _key(ours) == _key(validate_catalog(ROOT, catalog, engine="pyshacl", shapes=shapes))


def _drop(subject: ox.NamedNode, predicate: str) -> Callable[[Triples], Triples]:
    return lambda ts: [t for t in ts if (t.subject, t.predicate.value) != (subject, predicate)]


def _replace(
    subject: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal
) -> Callable[[Triples], Triples]:
    return lambda ts: [
        *_drop(subject, predicate)(ts),
        ox.Triple(subject, ox.NamedNode(predicate), obj),
    ]


BROKEN: dict[str, Callable[[Triples], Triples]] = {
    "catalog-without-title": _drop(CATALOG, DCT + "title"),
    "distribution-without-access-url": _drop(CSV, DCAT + "accessURL"),
    "licence-as-text": _replace(CSV, DCT + "license", ox.Literal("CC BY 4.0")),
    "byte-size-as-string": _replace(
        CSV, DCAT + "byteSize", ox.Literal("13238", datatype=ox.NamedNode(XSD + "string"))
    ),
    "modified-as-text": _replace(CATALOG, DCT + "modified", ox.Literal("last week")),
    "language-outside-the-eu-table": lambda ts: [
        *ts,
        ox.Triple(DATASET, ox.NamedNode(DCT + "language"), UNKNOWN_LANGUAGE),
    ],
}


def _key(report: Report) -> list[tuple[str, str, str | None, str, str | None, str]]:
    """Findings as compared: blank-node shapes (read twice, so named twice) by kind only."""
    return sorted(
        (
            f.severity,
            f.focus,
            f.path,
            f.component,
            f.value,
            "_:" if f.shape.startswith("_:") else f.shape,
        )
        for f in report.findings
    )


def test_our_catalogue_has_only_the_publisher_warnings(catalog: Path) -> None:
    ours = validate_catalog(ROOT, catalog)
    assert _key(ours) == _key(validate_catalog(ROOT, catalog, engine="pyshacl"))
    assert ours.violations == []
    assert {(f.focus, f.component) for f in ours.warnings} == {
        (CATALOG.value, "NodeConstraintComponent"),
        (DATASET.value, "NodeConstraintComponent"),
    }
    assert all(f.file == str(catalog) and f.line for f in ours.findings)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_catalogue_findings_equal_pyshacl(name: str, catalog: Path, tmp_path: Path) -> None:
    triples = BROKEN[name](parse_file(catalog))
    broken = tmp_path / f"{name}.nt"
    broken.write_bytes(b"".join(f"{t} .\n".encode() for t in triples))
    ours = validate_catalog(ROOT, broken)
    assert ours.violations, f"{name}: no violation found"
    assert _key(ours) == _key(validate_catalog(ROOT, broken, engine="pyshacl"))
