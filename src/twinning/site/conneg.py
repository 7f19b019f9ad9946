"""Content negotiation: which file answers a request for one of our IRIs.

A request for an IRI (``/id/region/cluj``, ``/ontology``) is a request for a thing, not a
document; it is answered ``303 See Other`` pointing at the document in the format the
``Accept`` header prefers (Turtle, JSON-LD, N-Triples or HTML). The same rules are written
for Apache (``.htaccess``, the way w3id.org redirects) and nginx, from the templates in
``conneg/``, and applied by ``twinning serve``.
"""

from __future__ import annotations

from string import Template
from urllib.parse import urlsplit

from .model import package_file

# Extension -> media type, and the order they are preferred in on a tie (HTML first, for people).
MEDIA_TYPES = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
OTHER_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".csv": "text/csv",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain",
    ".conf": "text/plain",
}


def negotiate(accept: str | None) -> str | None:
    """The extension of the best format for an ``Accept`` header, or None if none is acceptable.

    Follows RFC 9110: q-values, ``type/*`` and ``*/*``; on a tie HTML wins (for browsers).
    """
    if not accept or not accept.strip():
        return "html"
    best: tuple[float, int, str] | None = None
    for rank, (extension, media_type) in enumerate(MEDIA_TYPES.items()):
        q = quality(accept, media_type)
        if q <= 0:
            continue
        candidate = (q, -rank, extension)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type`` (the most specific range that matches)."""
    main = media_type.split("/")[0]
    found: tuple[int, float] | None = None  # (specificity, q)
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        pattern = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if pattern == media_type:
            specificity = 2
        elif pattern == f"{main}/*":
            specificity = 1
        elif pattern == "*/*":
            specificity = 0
        else:
            continue
        if found is None or specificity > found[0]:
            found = (specificity, q)
    return found[1] if found else 0.0


def base_path(base_url: str) -> str:
    """The path part of the base URL, with a trailing slash (``/`` or ``/twinning/``)."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def htaccess(base_url: str) -> str:
    """The Apache rules (``.htaccess``) for a site hosted at ``base_url``."""
    template = package_file("conneg", "htaccess.template").read_text(encoding="utf-8")
    return Template(template).substitute(base_path=base_path(base_url))


def nginx(base_url: str) -> str:
    """The nginx rules for a site hosted at ``base_url``."""
    template = package_file("conneg", "nginx.conf.template").read_text(encoding="utf-8")
    return Template(template).substitute(base_path=base_path(base_url))


def w3id_htaccess(base_url: str) -> str:
    """The rules for w3id.org's ``twinning/.htaccess``: our IRIs redirected to ``base_url``."""
    template = package_file("conneg", "w3id.htaccess.template").read_text(encoding="utf-8")
    return Template(template).substitute(base_url=base_url)
