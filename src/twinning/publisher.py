"""Facts only the publisher knows: who publishes, whom to contact, how often, where, on what terms.

They live in a small TOML file (``data/catalog/publisher.toml`` by default), each shipped
default saying plainly what it is; options on the command line override them. An unknown
value stays empty: the profile that needs it reports it through :func:`missing`, nothing is
invented to fill the gap.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import terms
from .errors import CannotRun

DEFAULT_FILE = Path("data") / "catalog" / "publisher.toml"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
RUIAN = "https://linked.cuzk.cz/resource/ruian/"
RPP = "https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/"


@dataclass(frozen=True)
class Publisher:
    iri: str
    name: str
    type: str
    contact_name: str
    contact_email: str
    contact_url: str
    update_frequency: str
    ruian: str
    author: str
    licence: str
    personal_data: bool
    ckan_owner_org: str
    ckan_license_id: str
    path: Path

    @property
    def frequency_iri(self) -> str:
        return FREQUENCY + self.update_frequency


def _get(table: dict[str, Any], section: str, key: str, kind: type, path: Path) -> Any:
    value = table.get(section, {}).get(key)
    if not isinstance(value, kind):
        raise CannotRun(f"[{section}] {key} must be a {kind.__name__}", path=path)
    return value


def load(path: Path, overrides: dict[str, str | None] | None = None) -> Publisher:
    """Read the publisher file; ``overrides`` (non-empty option values) win over it."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CannotRun(f"cannot read the publisher file: {err.strerror}", path=path) from err
    except tomllib.TOMLDecodeError as err:
        raise CannotRun(f"not TOML: {err}", path=path) from err
    values: dict[str, Any] = {
        "iri": _get(table, "publisher", "iri", str, path),
        "name": _get(table, "publisher", "name", str, path),
        "type": _get(table, "publisher", "type", str, path),
        "contact_name": _get(table, "contact", "name", str, path),
        "contact_email": _get(table, "contact", "email", str, path),
        "contact_url": _get(table, "contact", "url", str, path),
        "update_frequency": _get(table, "dataset", "update_frequency", str, path),
        "ruian": _get(table, "cz", "ruian", str, path),
        "author": _get(table, "cz", "author", str, path),
        "licence": _get(table, "cz", "licence", str, path),
        "personal_data": _get(table, "cz", "personal_data", bool, path),
        "ckan_owner_org": _get(table, "ckan", "owner_org", str, path),
        "ckan_license_id": _get(table, "ckan", "license_id", str, path),
    }
    values.update({k: v for k, v in (overrides or {}).items() if v})
    if values["type"] not in terms.PUBLISHER_TYPES:
        raise CannotRun(f"[publisher] type {values['type']!r} is not an ADMS type", path=path)
    if values["contact_email"].startswith("mailto:"):
        values["contact_email"] = values["contact_email"].removeprefix("mailto:")
    if values["contact_email"] and "@" not in values["contact_email"]:
        raise CannotRun(f"{values['contact_email']!r} is not an e-mail address", path=path)
    if values["ruian"] and not values["ruian"].startswith(RUIAN):
        raise CannotRun(f"[cz] ruian must be an IRI under {RUIAN}", path=path)
    if not values["update_frequency"].isupper():
        raise CannotRun("[dataset] update_frequency must be a code like IRREGULAR", path=path)
    return Publisher(path=path, **values)


def missing(publisher: Publisher, profile: str) -> list[str]:
    """What a portal expects and the publisher file does not say, one line each."""
    where = f"{publisher.path}"
    found = []
    if profile == "dcat-ap-cz":
        if not publisher.contact_email:
            found.append(
                f"no contact e-mail: NKOD asks for one; set [contact] email in {where} "
                "or give --contact-email (none was written)"
            )
        if not publisher.iri.startswith(RPP):
            found.append(
                f"the publisher is not a body of the Czech registry (RPP): NKOD lists records "
                f"of registered bodies; set [publisher] iri in {where} or give --publisher"
            )
    if profile == "ckan" and not publisher.ckan_owner_org:
        found.append(
            f'no CKAN organisation: the package JSON says owner_org "FILL-IN-owner-org"; '
            f"set [ckan] owner_org in {where}"
        )
    return found
