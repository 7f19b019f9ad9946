"""The site in a real headless Chromium against `twinning serve` on 127.0.0.1.

The home page shows the map (45 region marks, the partnership lines), the network and the
timeline; a region page and an agreement page show their facts; the filter narrows the list;
the console stays clean and no request leaves 127.0.0.1. Screenshots go to tests/artefacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .browser import chromium, requested_urls, twinning_serve
from .conftest import ROOT

ARTEFACTS = Path(__file__).parent / "artefacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, str]]:
    ARTEFACTS.mkdir(exist_ok=True)
    with twinning_serve(ROOT) as base, chromium() as driver:
        yield driver, base


def _visit(driver: Any, url: str, shot: str) -> None:
    driver.get(url)
    driver.save_screenshot(str(ARTEFACTS / f"{shot}.png"))


def _check_clean(driver: Any, base: str) -> None:
    """No console message at warning level or above; every request went to 127.0.0.1."""
    problems = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert problems == []
    urls = requested_urls(driver)
    # chrome://, data: and about: are the browser's own, not the network.
    network = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss", "ftp")]
    assert network, "the performance log recorded no request"
    assert {urlsplit(u).hostname for u in network} == {"127.0.0.1"}


def _count(driver: Any, selector: str) -> int:
    return len(driver.find_elements("css selector", selector))


def test_home_page_shows_map_network_timeline(browser: tuple[Any, str]) -> None:
    driver, base = browser
    _visit(driver, base, "home")
    assert _count(driver, "#map-svg circle.region") == 45
    lines = _count(driver, "#map-svg path.partnership")
    assert lines >= 38
    caption = driver.find_element("css selector", "#map + figure figcaption, figure figcaption")
    assert f"Regions on the map: 45; partnership lines: {lines}." in caption.text
    assert _count(driver, "#map-svg path.country") > 20
    map_box = driver.find_element("id", "map-svg").rect
    assert map_box["width"] > 500 and map_box["height"] > 200  # drawn, not collapsed
    assert _count(driver, "#network-svg rect.node-agreement") == 41
    assert _count(driver, "#network-svg circle.node-region") == 45
    assert _count(driver, "#timeline-svg rect.bar") > 0
    driver.set_window_size(1280, 7000)
    driver.save_screenshot(str(ARTEFACTS / "home-full.png"))
    driver.set_window_size(1280, 1000)
    _check_clean(driver, base)


def test_filter_narrows_the_list(browser: tuple[Any, str]) -> None:
    driver, base = browser
    _visit(driver, base, "filter-before")
    box = driver.find_element("id", "filter")
    assert box.is_displayed()  # shown by the script; hidden without it
    visible = [
        li for li in driver.find_elements("css selector", "ul.index li") if li.is_displayed()
    ]
    total = len(visible)
    assert total > 250
    box.send_keys("bursa")
    shown = [li for li in driver.find_elements("css selector", "ul.index li") if li.is_displayed()]
    assert 0 < len(shown) < total
    assert all("bursa" in li.text.lower() for li in shown)
    assert driver.find_element("id", "filter-count").text == str(len(shown))
    driver.save_screenshot(str(ARTEFACTS / "filter-after.png"))
    box.clear()
    box.send_keys("zzzz-nothing")
    assert not any(li.is_displayed() for li in driver.find_elements("css selector", "ul.index li"))
    _check_clean(driver, base)


def test_region_page_shows_its_facts(browser: tuple[Any, str]) -> None:
    driver, base = browser
    _visit(driver, base + "id/region/cluj", "region-cluj")
    assert driver.current_url == base + "id/region/cluj.html"  # the 303 was followed
    assert driver.find_element("tag name", "h1").text == "Cluj County"
    body = driver.find_element("tag name", "main").text
    for fact in ("RO-CJ", "Județul Cluj", "Q182624", "Cluj County Council"):
        assert fact in body
    partners = driver.find_element("css selector", "ul.partners").text
    assert "Veneto" in partners and "South Jeolla Province" in partners
    wikidata = driver.find_element("css selector", "p.wikidata a")
    assert wikidata.get_attribute("href") == "https://www.wikidata.org/wiki/Q182624"
    _check_clean(driver, base)


def test_agreement_page_shows_its_facts_and_provenance(browser: tuple[Any, str]) -> None:
    driver, base = browser
    _visit(driver, base + "id/agreement/liberec-bursa-2011", "agreement-liberec-bursa")
    title = driver.find_element("tag name", "h1")
    assert title.text == "Memorandum o spolupráci s tureckou provincií Bursa"
    assert title.get_attribute("lang") == "cs"
    body = driver.find_element("tag name", "main").text
    for fact in ("2011-11-01", "Bursa", "Liberec Region", "stagnating", "Lidie Vajnerová"):
        assert fact in body
    quotes = driver.find_elements("css selector", "dl.provenance blockquote")
    assert quotes and all(q.get_attribute("lang") == "cs" for q in quotes)
    assert any("1. listopadu 2011" in q.text for q in quotes)  # the source's words, in Czech
    party = driver.find_element("link text", "Bursa Province")
    party.click()
    assert driver.current_url == base + "id/region/bursa.html"
    _check_clean(driver, base)


def test_ontology_page(browser: tuple[Any, str]) -> None:
    driver, base = browser
    _visit(driver, base + "ontology", "ontology")
    section = driver.find_element("id", "Agreement")
    assert "agreement" in section.text.lower()
    assert "acord" in driver.find_element("tag name", "main").text
    _check_clean(driver, base)


PHONE_PAGES = ["", "id/region/cluj", "id/agreement/cluj-veneto-joint-declaration", "ontology"]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_readable_on_a_phone(browser: tuple[Any, str], path: str) -> None:
    """At a phone's width nothing runs off the side: no horizontal scrolling."""
    driver, base = browser
    driver.set_window_size(390, 844)
    try:
        driver.get(base + path)
        name = path.replace("/", "-") or "home"
        driver.save_screenshot(str(ARTEFACTS / f"phone-{name}.png"))
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        font = driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 16
    finally:
        driver.set_window_size(1280, 1000)
    _check_clean(driver, base)
