"""The `.htaccess` rules against a real Apache (Debian's apache2) on 127.0.0.1.

Apache runs from its own temporary ServerRoot and configuration on a free port, serving a site
built for that address, and is stopped after the tests. Each media type is negotiated to its
file with a 303, the Turtle is exactly the resource's triples, unknown IRIs answer 404.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

from twinning.load import LoadedGraph
from twinning.site.build import build_site

from .conftest import ROOT
from .servers import free_port, running
from .test_site_serve import CHROME_ACCEPT, CLUJ, FORMATS, own_triples, request

APACHE = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
CONFIG = """
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
Listen 127.0.0.1:{w3id_port}
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
# A stand-in for w3id.org, with the site's w3id.htaccess as its twinning/.htaccess.
<VirtualHost 127.0.0.1:{w3id_port}>
    DocumentRoot "{w3id}"
    <Directory "{w3id}">
        AllowOverride All
        Require all granted
    </Directory>
</VirtualHost>
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
def servers(graph: LoadedGraph) -> Iterator[tuple[str, str]]:
    """(the site's base URL, the w3id.org stand-in's base URL), both on one Apache."""
    if not Path(APACHE).exists():
        raise RuntimeError("apache2 is missing: run .ci/install-browser-and-apache.sh (as root)")
    folder = Path(tempfile.mkdtemp(prefix="twinning-apache-"))
    folder.chmod(0o755)
    port, w3id_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}/"
    site = folder / "site"
    build_site(graph, site, ROOT, base_url=base)
    w3id = folder / "w3id"
    (w3id / "twinning").mkdir(parents=True)
    shutil.copyfile(site / "w3id.htaccess", w3id / "twinning" / ".htaccess")
    types = "/etc/mime.types" if Path("/etc/mime.types").exists() else "/dev/null"
    config = folder / "httpd.conf"
    config.write_text(
        CONFIG.format(
            root=folder,
            port=port,
            user=_user_lines(),
            modules=MODULES,
            types=types,
            site=site,
            w3id_port=w3id_port,
            w3id=w3id,
        ),
        encoding="utf-8",
    )
    try:
        command = [APACHE, "-f", str(config), "-DFOREGROUND"]
        with running(command, base, "apache", seconds=30, logs=(folder / "error.log",)):
            yield base, f"http://127.0.0.1:{w3id_port}/twinning/"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def apache(servers: tuple[str, str]) -> str:
    return servers[0]


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


@pytest.mark.parametrize("media_type", [*sorted(FORMATS), "text/html"])
def test_w3id_rules_send_our_iris_to_the_host(
    servers: tuple[str, str], graph: LoadedGraph, media_type: str
) -> None:
    site, w3id = servers
    extension = FORMATS[media_type][0] if media_type in FORMATS else "html"
    status, headers, _ = request(w3id, "/twinning/id/region/cluj", accept=media_type)
    assert (status, headers["location"]) == (303, f"{site}id/region/cluj.{extension}")
    status, headers, body = request(site, f"/id/region/cluj.{extension}", accept=media_type)
    assert status == 200 and headers["content-type"].split(";")[0] == media_type
    if media_type in FORMATS:
        parsed = ox.parse(body, format=FORMATS[media_type][1])
        assert {ox.Triple(q.subject, q.predicate, q.object) for q in parsed} == own_triples(
            graph, CLUJ
        )


def test_w3id_rules_for_downloads_and_unknown_iris(servers: tuple[str, str]) -> None:
    site, w3id = servers
    status, headers, _ = request(w3id, "/twinning/dist/twinning.ttl")
    assert (status, headers["location"]) == (302, f"{site}dist/twinning.ttl")
    assert request(site, "/dist/twinning.ttl")[0] == 200
    status, headers, _ = request(w3id, "/twinning/id/region/atlantis", accept="text/turtle")
    assert status == 303
    assert request(site, urlsplit(headers["location"]).path, accept="text/turtle")[0] == 404
