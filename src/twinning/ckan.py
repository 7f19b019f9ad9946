"""What a CKAN portal (data.gov.ro) imports: the package JSON of its action API.

CKAN's DCAT extension (ckanext-dcat) harvests the DCAT-AP record itself, in Turtle or
RDF/XML; the export writes both. A publisher without a harvester creates the package by hand
or with ``package_create``: ``ckan-package.json`` is that call's body, made from the same
record. Titles and descriptions are Romanian (the portal's language), English where there is
no Romanian; fields without a CKAN core key go in ``extras`` under the names ckanext-dcat uses.
The organisation (``owner_org``) is known only to the portal: while the publisher file does
not give it, the JSON holds a placeholder that says so and the export warns.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from . import catalog
from .publisher import Publisher

PLACEHOLDER_ORG = "FILL-IN-owner-org"
DCAT = catalog.DCAT
DCT = catalog.DCT
SPDX = catalog.SPDX
IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = catalog.EU + "file-type/"
_TAG = re.compile(r"[^\w\-. ]", re.UNICODE)


class _Record:
    def __init__(self, triples: list[ox.Triple]):
        self.store = ox.Store()
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)

    def objects(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.Literal]:
        quads = self.store.quads_for_pattern(
            ox.NamedNode(subject), ox.NamedNode(predicate), None, None
        )
        found = [q.object for q in quads if isinstance(q.object, ox.NamedNode | ox.Literal)]
        return sorted(found, key=lambda t: (t.value, getattr(t, "language", None) or ""))

    def one(self, subject: str, predicate: str) -> str:
        found = self.objects(subject, predicate)
        return found[0].value if found else ""

    def text(self, subject: str, predicate: str) -> str:
        literals = [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]
        for language in ("ro", "en"):
            for literal in literals:
                if literal.language == language:
                    return literal.value
        return literals[0].value if literals else ""


def package(eu_triples: list[ox.Triple], who: Publisher) -> dict[str, Any]:
    """The ``package_create`` body for the dataset of the DCAT-AP record."""
    record = _Record(eu_triples)
    ds = catalog.DATASET
    extras = {
        "uri": ds,
        "issued": record.one(ds, DCT + "issued"),
        "modified": record.one(ds, DCT + "modified"),
        "frequency": who.frequency_iri,
        "access_rights": record.one(ds, DCT + "accessRights"),
        "publisher_uri": record.one(ds, DCT + "publisher"),
        "publisher_name": who.name,
        "contact_uri": record.one(ds, DCAT + "contactPoint"),
        "contact_name": who.contact_name,
        "theme": " ".join(o.value for o in record.objects(ds, DCAT + "theme")),
        "spatial_uri": " ".join(o.value for o in record.objects(ds, DCT + "spatial")),
        "language": " ".join(o.value for o in record.objects(ds, DCT + "language")),
        "conforms_to": record.one(ds, DCT + "conformsTo"),
    }
    period = record.one(ds, DCT + "temporal")
    if period:
        extras["temporal_start"] = record.one(period, DCAT + "startDate")
        extras["temporal_end"] = record.one(period, DCAT + "endDate")
    if who.contact_email:
        extras["contact_email"] = who.contact_email
    tags = sorted({_TAG.sub("", o.value) for o in record.objects(ds, DCAT + "keyword")})
    body: dict[str, Any] = {
        "name": "twinning",
        "title": record.text(ds, DCT + "title"),
        "notes": record.text(ds, DCT + "description"),
        "owner_org": who.ckan_owner_org or PLACEHOLDER_ORG,
        "license_id": who.ckan_license_id,
        "url": who.contact_url,
        "maintainer": who.contact_name,
        "tags": [{"name": tag} for tag in tags if tag],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items()) if v],
        "resources": [
            _resource(record, d.value) for d in record.objects(ds, DCAT + "distribution")
        ],
    }
    if who.contact_email:
        body["maintainer_email"] = who.contact_email
    return body


def _resource(record: _Record, distribution: str) -> dict[str, Any]:
    checksum = record.one(distribution, SPDX + "checksum")
    return {
        "name": record.text(distribution, DCT + "title"),
        "description": record.text(distribution, DCT + "description"),
        "url": record.one(distribution, DCAT + "downloadURL"),
        "format": record.one(distribution, DCT + "format").removeprefix(FILE_TYPE),
        "mimetype": record.one(distribution, DCAT + "mediaType").removeprefix(IANA),
        "size": int(record.one(distribution, DCAT + "byteSize") or 0),
        "hash": record.one(checksum, SPDX + "checksumValue") if checksum else "",
        "hash_algorithm": record.one(checksum, SPDX + "algorithm") if checksum else "",
        "uri": distribution,
        "issued": record.one(distribution, DCT + "issued"),
        "modified": record.one(distribution, DCT + "modified"),
        "license": record.one(distribution, DCT + "license"),
        "rights": record.one(distribution, DCT + "rights"),
    }
