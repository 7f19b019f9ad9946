"""The nginx snippet (`nginx.conf` in the site) against a real nginx (Debian's) on 127.0.0.1.

nginx runs with its own temporary prefix and configuration on a free port, serving a site
built for that address with the snippet included in its server block, and is stopped after.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from twinning.load import LoadedGraph
from twinning.site.build import build_site

from .conftest import ROOT
from .servers import free_port, running
from .test_site_serve import CHROME_ACCEPT, CLUJ, FORMATS, own_triples, request

NGINX = "/usr/sbin/nginx"
CONFIG = """
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        include {site}/nginx.conf;
    }}
}}
"""


@pytest.fixture(scope="module")
def nginx(graph: LoadedGraph) -> Iterator[str]:
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: run .ci/install-browser-and-apache.sh (as root)")
    folder = Path(tempfile.mkdtemp(prefix="twinning-nginx-"))
    folder.chmod(0o755)  # nginx's workers run as an unprivileged user
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    site = folder / "site"
    build_site(graph, site, ROOT, base_url=base)
    config = folder / "nginx.conf"
    config.write_text(CONFIG.format(root=folder, port=port, site=site), encoding="utf-8")
    try:
        command = [NGINX, "-c", str(config), "-p", str(folder)]
        with running(command, base, "nginx", seconds=30, logs=(folder / "error.log",)):
            yield base
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("media_type", sorted(FORMATS))
def test_nginx_negotiates_rdf(nginx: str, graph: LoadedGraph, media_type: str) -> None:
    extension, fmt = FORMATS[media_type]
    status, headers, _ = request(nginx, "/id/region/cluj", accept=media_type)
    assert status == 303
    assert headers["location"] == f"{nginx}id/region/cluj.{extension}"
    status, headers, body = request(nginx, f"/id/region/cluj.{extension}", accept=media_type)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media_type
    found = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}
    assert found == own_triples(graph, CLUJ)


@pytest.mark.parametrize("accept", ["text/html", CHROME_ACCEPT, None])
def test_nginx_sends_browsers_to_the_page(nginx: str, accept: str | None) -> None:
    status, headers, _ = request(nginx, "/id/agreement/liberec-bursa-2011", accept=accept)
    assert (status, headers["location"]) == (303, f"{nginx}id/agreement/liberec-bursa-2011.html")
    status, headers, _ = request(nginx, "/id/agreement/liberec-bursa-2011.html", accept=accept)
    assert status == 200 and headers["content-type"].startswith("text/html")
    status, headers, _ = request(nginx, "/static/site.css")
    assert status == 200 and headers["content-type"].startswith("text/css")


def test_nginx_ontology(nginx: str) -> None:
    status, headers, _ = request(nginx, "/ontology", accept="text/turtle")
    assert (status, headers["location"]) == (303, f"{nginx}ontology.ttl")
    status, headers, _ = request(nginx, "/ontology/0.1.0", accept="application/n-triples")
    assert (status, headers["location"]) == (303, f"{nginx}ontology/0.1.0.nt")


@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_nginx_unknown_iri_is_404(nginx: str, accept: str) -> None:
    assert request(nginx, "/id/region/atlantis", accept=accept)[0] == 404
    assert request(nginx, "/id/nothing/here.ttl", accept=accept)[0] == 404
