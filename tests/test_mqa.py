"""The MQA self-score: the indicators are the MQA's, each gap loses exactly its points, ours
earns every point offline and all 405 against a served copy."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib import RDF, Literal, Namespace, URIRef

from twinning import mqa
from twinning.cli import main

from .conftest import ROOT, SHARED

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PV = Namespace("https://piveau.eu/ns/voc#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
DATASET = URIRef("https://w3id.org/twinning/id/dataset/twinning")
TTL = URIRef("https://w3id.org/twinning/id/dataset/twinning/distribution/twinning-ttl")
INDICATORS, _FORMATS = mqa.load_indicators(ROOT)
POINTS = {i.id: i.points for i in INDICATORS}
ONLINE = {"accessUrlStatusCode", "downloadUrlStatusCode"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(main, ["export", "--root", str(ROOT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_indicators_are_those_of_the_mqa_vocabulary() -> None:
    vocabulary = rdflib.Graph().parse(SHARED / "standards" / "mqa" / "piveau-dqv-vocabulary.ttl")
    published = {
        str(m).removeprefix(str(PV)): int(vocabulary.value(m, PV.trueScore))
        for m in vocabulary.subjects(RDF.type, DQV.Metric)
        if vocabulary.value(m, PV.trueScore) is not None
    }
    assert published == POINTS
    assert sum(POINTS.values()) == mqa.MAXIMUM == 405
    for indicator in INDICATORS:
        dimension = vocabulary.value(PV[indicator.id], DQV.inDimension)
        # The vocabulary misspells one dimension (pv:reusablity) for two indicators.
        assert str(dimension).removeprefix(str(PV)).replace("reusablity", "reusability") == (
            indicator.dimension.lower()
        )


def test_the_shipped_dcat_ap_shapes_are_the_official_ones() -> None:
    for path in sorted((ROOT / mqa.SHAPES_DIR).glob("*.ttl")):
        assert path.read_bytes() == (SHARED / "standards" / "dcat-ap-3" / path.name).read_bytes()


def _earned(scores: list[mqa.Score]) -> dict[str, int]:
    [score] = scores
    return {r.indicator.id: r.earned for r in score.results}


def test_ours_earns_every_offline_point(dist: Path) -> None:
    earned = _earned(mqa.score(ROOT, dist / "catalog.ttl"))
    assert earned == {i: (0 if i in ONLINE else p) for i, p in POINTS.items()}
    assert sum(earned.values()) == 325


def _drop(graph: rdflib.Graph, subject: URIRef, predicate: URIRef) -> None:
    assert (subject, predicate, None) in graph
    graph.remove((subject, predicate, None))


def _replace(graph: rdflib.Graph, subject: URIRef, predicate: URIRef, value: URIRef) -> None:
    _drop(graph, subject, predicate)
    graph.add((subject, predicate, value))


def _typed(graph: rdflib.Graph, value: URIRef, cls: URIRef) -> URIRef:
    graph.add((value, RDF.type, cls))
    return value


FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


def _file_type(graph: rdflib.Graph, code: str) -> URIRef:
    value = _typed(graph, URIRef(FILE_TYPE + code), DCT.MediaTypeOrExtent)
    graph.add((value, SKOS.inScheme, URIRef(FILE_TYPE.rstrip("/"))))
    return value


# Each gap, made in one distribution (twinning.ttl) or in the dataset, and the indicators it
# must cost: a missing property also fails the checks that read its value.
GAPS = {
    "no keyword": (lambda g: _drop(g, DATASET, DCAT.keyword), {"keywordAvailability"}),
    "no theme": (lambda g: _drop(g, DATASET, DCAT.theme), {"categoryAvailability"}),
    "no spatial": (lambda g: _drop(g, DATASET, DCT.spatial), {"spatialAvailability"}),
    "no temporal": (lambda g: _drop(g, DATASET, DCT.temporal), {"temporalAvailability"}),
    "no download URL": (lambda g: _drop(g, TTL, DCAT.downloadURL), {"downloadUrlAvailability"}),
    "no format": (
        lambda g: _drop(g, TTL, DCT["format"]),
        {
            "formatAvailability",
            "formatMediaTypeVocabularyAlignment",
            "formatMediaTypeNonProprietary",
            "formatMediaTypeMachineInterpretable",
        },
    ),
    "no media type": (
        lambda g: _drop(g, TTL, DCAT.mediaType),
        {"mediaTypeAvailability", "formatMediaTypeVocabularyAlignment"},
    ),
    "media type outside IANA": (
        lambda g: _replace(
            g, TTL, DCAT.mediaType, _typed(g, URIRef("https://example.org/turtle"), DCT.MediaType)
        ),
        # The DCAT-AP shapes ask for an IANA media type too (mdr-vocabularies.shape.ttl).
        {"formatMediaTypeVocabularyAlignment", "dcatApCompliance"},
    ),
    "proprietary format": (
        lambda g: _replace(g, TTL, DCT["format"], _file_type(g, "XLSX")),
        {"formatMediaTypeNonProprietary"},
    ),
    "format not machine-readable": (
        lambda g: _replace(g, TTL, DCT["format"], _file_type(g, "HTML")),
        {"formatMediaTypeMachineInterpretable"},
    ),
    "not DCAT-AP": (
        lambda g: _replace(g, TTL, DCAT.byteSize, Literal("many")),  # type: ignore[arg-type]
        {"dcatApCompliance"},
    ),
    "no licence": (
        lambda g: _drop(g, TTL, DCT.license),
        {"licenceAvailability", "knownLicence"},
    ),
    "unknown licence": (
        lambda g: _replace(
            g,
            TTL,
            DCT.license,
            _typed(g, URIRef("https://example.org/our-licence"), DCT.LicenseDocument),
        ),
        {"knownLicence"},
    ),
    "no access rights": (
        lambda g: _drop(g, DATASET, DCT.accessRights),
        {"accessRightsAvailability", "accessRightsVocabularyAlignment"},
    ),
    "access rights outside the EU table": (
        lambda g: _replace(
            g,
            DATASET,
            DCT.accessRights,
            _typed(g, URIRef("https://example.org/open"), DCT.RightsStatement),
        ),
        {"accessRightsVocabularyAlignment"},
    ),
    "no contact point": (
        lambda g: _drop(g, DATASET, DCAT.contactPoint),
        {"contactPointAvailability"},
    ),
    "no publisher": (lambda g: _drop(g, DATASET, DCT.publisher), {"publisherAvailability"}),
    "no rights": (lambda g: _drop(g, TTL, DCT.rights), {"rightsAvailability"}),
    "no byte size": (lambda g: _drop(g, TTL, DCAT.byteSize), {"byteSizeAvailability"}),
    "no issued date": (lambda g: _drop(g, TTL, DCT.issued), {"dateIssuedAvailability"}),
    "no modified date": (lambda g: _drop(g, TTL, DCT.modified), {"dateModifiedAvailability"}),
}


def test_guard_every_offline_indicator_has_a_gap() -> None:
    covered = set().union(*(lost for _make, lost in GAPS.values()))
    assert covered == set(POINTS) - ONLINE


@pytest.mark.parametrize("gap", sorted(GAPS))
def test_each_gap_loses_exactly_its_points(dist: Path, tmp_path: Path, gap: str) -> None:
    make, lost = GAPS[gap]
    graph = rdflib.Graph().parse(dist / "catalog.ttl")
    make(graph)
    broken = tmp_path / "catalog.ttl"
    graph.serialize(broken, format="turtle")
    earned = _earned(mqa.score(ROOT, broken))
    assert {i for i, p in POINTS.items() if i not in ONLINE and earned[i] != p} == lost
    assert all(earned[i] == 0 for i in lost)
    assert sum(earned.values()) == 325 - sum(POINTS[i] for i in lost)


@contextmanager
def _http_server(folder: Path) -> Iterator[str]:
    """A threaded static file server on 127.0.0.1 (until `twinning serve` replaces it)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client hanging up early prints nothing into another test's output

    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_ours_earns_405_against_a_served_copy(tmp_path: Path) -> None:
    served = tmp_path / "site"
    served.mkdir()
    with _http_server(served) as base:
        args = ["export", "--root", str(ROOT), "--out", str(served), "--base-url", base]
        assert CliRunner().invoke(main, args).exit_code == 0
        result = CliRunner().invoke(
            main,
            ["catalog", "score", "--root", str(ROOT), "--catalog", str(served / "catalog.ttl"),
             "--online", "--format", "json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        [score] = json.loads(result.output)
        assert (score["total"], score["maximum"]) == (405, 405)
        (served / "regions.csv").unlink()
        earned = _earned(mqa.score(ROOT, served / "catalog.ttl", online=True))
    assert sum(earned.values()) == 405 - 50 - 30
    assert earned["accessUrlStatusCode"] == earned["downloadUrlStatusCode"] == 0


def test_base_url_scores_a_copy_before_it_is_published(dist: Path) -> None:
    with _http_server(dist) as base:
        result = CliRunner().invoke(
            main,
            ["catalog", "score", "--root", str(ROOT), "--catalog", str(dist / "catalog.ttl"),
             "--online", "--base-url", base],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.endswith("  total 405 / 405\n")
    [line] = [x for x in result.output.splitlines() if "accessUrlStatusCode" in x]
    assert line.split()[-3:] == ["50", "/", "50"]


def test_unreachable_links_lose_their_points(dist: Path) -> None:
    with _http_server(dist) as base:
        pass  # the server is stopped: nothing answers there any more
    earned = _earned(mqa.score(ROOT, dist / "catalog.ttl", online=True, base_url=base, timeout=2))
    assert sum(earned.values()) == 325


def test_missing_catalogue_is_reported_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "catalog.ttl"
    result = CliRunner().invoke(
        main, ["catalog", "score", "--root", str(ROOT), "--catalog", str(missing)]
    )
    assert result.exit_code == 2
    assert (
        result.output == f"Error: {missing}: no such catalogue file: run `twinning build` first\n"
    )


def test_base_url_without_online_is_refused(dist: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["catalog", "score", "--root", str(ROOT), "--catalog", str(dist / "catalog.ttl"),
         "--base-url", "http://127.0.0.1:9/"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output == "Error: --base-url is where to check the links: give --online too\n"


def test_only_http_links_are_followed(dist: Path, tmp_path: Path) -> None:
    """A catalogue pointing at local files earns nothing: no file is opened for it."""
    text = (dist / "catalog.ttl").read_text(encoding="utf-8")
    local = tmp_path / "catalog.ttl"
    local.write_text(text.replace("https://w3id.org/twinning/dist/", dist.as_uri() + "/"))
    earned = _earned(mqa.score(ROOT, local, online=True))
    assert earned["accessUrlStatusCode"] == earned["downloadUrlStatusCode"] == 0
    assert mqa.answers((dist / "regions.csv").as_uri(), 1).endswith("is not an HTTP(S) URL")


def test_ours_earns_405_against_twinning_serve(tmp_path: Path) -> None:
    """The catalogue `twinning serve` publishes at /dist/, scored online against that server:
    every access and download URL answers, so all 405 points."""
    import urllib.request

    from .browser import twinning_serve

    with twinning_serve(ROOT) as base:
        catalog = tmp_path / "catalog.ttl"
        with urllib.request.urlopen(base + "dist/catalog.ttl", timeout=30) as answer:
            catalog.write_bytes(answer.read())
        assert base + "dist/" in catalog.read_text(encoding="utf-8")  # links to this server
        result = CliRunner().invoke(
            main,
            ["catalog", "score", "--root", str(ROOT), "--catalog", str(catalog), "--online",
             "--format", "json"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    [score] = json.loads(result.output)
    assert (score["total"], score["maximum"]) == (405, 405)


class _LinkServer(http.server.BaseHTTPRequestHandler):
    """Refuses HEAD, redirects GET to another origin, or trickles a body: records what it was
    sent."""

    seen: list[dict[str, str]] = []

    def do_HEAD(self) -> None:  # noqa: N802 - the http.server name
        self.seen.append(dict(self.headers))
        self.send_response(405)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append(dict(self.headers))
        if self.path == "/slow":
            threading.Event().wait(5)  # answers nothing in time
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_link_check_sends_no_credentials_follows_no_redirect_and_keeps_its_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Link checks go through the project's HTTP layer: the endpoint's password is not sent
    to a distribution's URL, a redirect to another host is an answer (not followed there), and
    a server that answers nothing is bounded by the timeout."""
    monkeypatch.setenv("TWINNING_SPARQL_USER", "ann")
    monkeypatch.setenv("TWINNING_SPARQL_PASSWORD", "secret")
    monkeypatch.setenv("TWINNING_SPARQL_TOKEN", "tok")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LinkServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        _LinkServer.seen.clear()
        assert mqa.answers(f"{base}/file.csv", 5) == ""
        assert [("Authorization" in h) for h in _LinkServer.seen] == [False, False]
        start = time.monotonic()
        reason = mqa.answers(f"{base}/slow", 1)
        assert time.monotonic() - start < 3
        assert "does not answer" in reason and "timed out" in reason
    finally:
        server.shutdown()
        server.server_close()
