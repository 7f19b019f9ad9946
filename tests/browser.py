"""A real headless Chromium for tests (Debian's chromium + chromium-driver), and the site server.

Chromium runs with a fresh profile and with background networking, component updates and
sync switched off, so every request it makes comes from the page under test; the tests read
the DevTools performance log to prove none of them leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .servers import free_port, running

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]


def require_browser() -> None:
    """Fail (never skip) when the browser is missing: CI installs it first."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        raise RuntimeError(
            f"missing {', '.join(missing)}: run .ci/install-browser-and-apache.sh (as root)"
        )


@contextmanager
def chromium() -> Iterator[Any]:
    """A Selenium WebDriver on headless Chromium with console and network logs enabled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_browser()
    profile = tempfile.mkdtemp(prefix="twinning-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call (from the DevTools log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@contextmanager
def twinning_serve(root: Path, lang: str = "en") -> Iterator[str]:
    """Start ``twinning serve`` on a free port of 127.0.0.1; yield its base URL."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "twinning"), "serve", "--root", str(root)]
    command += ["--port", str(port), "--lang", lang]
    base = f"http://127.0.0.1:{port}/"
    with running(command, base, "twinning serve"):
        yield base
