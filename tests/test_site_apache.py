"""The `.htaccess` rules against a real Apache (Debian's apache2) on 127.0.0.1.

Apache runs from its own temporary ServerRoot and configuration on a free port, serving a site
built for that address, and is stopped after the tests. Each media type is negotiated to its
file with a 303, the Turtle is exactly the resource's triples, unknown IRIs answer 404.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinning.load import LoadedGraph
from twinning.site.build import build_site

from .conftest import ROOT
from .servers import free_port
from .test_site_serve import CHROME_ACCEPT, CLUJ, FORMATS, own_triples, request

APACHE = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
CONFIG = """
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/apache.pid"
ErrorLog "{root}/error.log"
LogLevel warn
{user}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule rewrite_module {modules}/mod_rewrite.so
TypesConfig {types}
DocumentRoot "{site}"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{site}">
    AllowOverride All
    Require all granted
</Directory>
"""


def _user_lines() -> str:
    """As root Apache's workers need an unprivileged user that can read the site."""
    if os.geteuid() != 0:
        return ""
    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        group = "www-data" if name == "www-data" else "nogroup"
        return f"User {name}\nGroup {group}"
    return ""


@pytest.fixture(scope="module")
def apache(graph: LoadedGraph) -> Iterator[str]:
    if not Path(APACHE).exists():
        raise RuntimeError("apache2 is missing: run .ci/install-browser-and-apache.sh (as root)")
    folder = Path(tempfile.mkdtemp(prefix="twinning-apache-"))
    folder.chmod(0o755)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    site = folder / "site"
    build_site(graph, site, ROOT, base_url=base)
    types = "/etc/mime.types" if Path("/etc/mime.types").exists() else "/dev/null"
    config = folder / "httpd.conf"
    config.write_text(
        CONFIG.format(
            root=folder, port=port, user=_user_lines(), modules=MODULES, types=types, site=site
        ),  # fmt: skip
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [APACHE, "-f", str(config), "-DFOREGROUND"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base, timeout=2):
                    break
            except OSError as err:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = folder / "error.log"
                    detail = (process.stderr.read() if process.stderr else b"").decode()
                    detail += log.read_text() if log.exists() else ""
                    raise RuntimeError(f"apache did not start: {detail}") from err
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("media_type", sorted(FORMATS))
def test_apache_negotiates_rdf(apache: str, graph: LoadedGraph, media_type: str) -> None:
    extension, fmt = FORMATS[media_type]
    status, headers, _ = request(apache, "/id/region/cluj", accept=media_type)
    assert status == 303
    assert headers["location"] == f"{apache}id/region/cluj.{extension}"
    status, headers, body = request(apache, f"/id/region/cluj.{extension}", accept=media_type)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media_type
    found = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}
    assert found == own_triples(graph, CLUJ)


@pytest.mark.parametrize("accept", ["text/html", CHROME_ACCEPT, None])
def test_apache_sends_browsers_to_the_page(apache: str, accept: str | None) -> None:
    status, headers, _ = request(apache, "/id/agreement/liberec-bursa-2011", accept=accept)
    assert (status, headers["location"]) == (303, f"{apache}id/agreement/liberec-bursa-2011.html")
    status, headers, body = request(apache, "/id/agreement/liberec-bursa-2011.html")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Memorandum o spolupráci s tureckou provincií Bursa".encode() in body


def test_apache_ontology(apache: str) -> None:
    status, headers, _ = request(apache, "/ontology", accept="text/turtle")
    assert (status, headers["location"]) == (303, f"{apache}ontology.ttl")
    status, headers, _ = request(apache, "/ontology/0.1.0", accept="application/ld+json")
    assert (status, headers["location"]) == (303, f"{apache}ontology/0.1.0.jsonld")


@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/n-triples"])
def test_apache_unknown_iri_is_404(apache: str, accept: str) -> None:
    assert request(apache, "/id/region/atlantis", accept=accept)[0] == 404
    assert request(apache, "/id/nothing/here", accept=accept)[0] == 404
