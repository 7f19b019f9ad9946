"""Wikidata links kept as SSSOM TSV mappings in ``data/mappings/``.

SSSOM (Simple Standard for Sharing Ontological Mappings) is a plain TSV with a commented
YAML header; each row says subject, predicate, object, how it was justified and how sure
we are. A row with a ``reviewer_id`` was checked by a person and survives re-runs of the
linker. The build turns each ``skos:exactMatch`` row into an ``owl:sameAs`` triple.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pyoxigraph as ox

from . import safeio, terms
from .errors import CannotRun

CURIE_MAP = {
    "region": terms.PREFIXES["region"],
    "wd": terms.WD,
    "skos": terms.PREFIXES["skos"],
    "semapv": "https://w3id.org/semapv/vocab/",
    "orcid": "https://orcid.org/",
}
EXACT_MATCH = "skos:exactMatch"


class MappingError(CannotRun):
    """A mapping file that cannot be read."""


@dataclass(frozen=True)
class Mapping:
    """One row of an SSSOM mapping set."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    confidence: str
    mapping_date: str
    reviewer_id: str = ""
    comment: str = ""

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewer_id.strip())


COLUMNS = [f.name for f in fields(Mapping)]


def expand(curie: str) -> str:
    """Expand a CURIE with the mapping set's prefix map."""
    prefix, _, local = curie.partition(":")
    if prefix not in CURIE_MAP:
        raise MappingError(f"unknown prefix in {curie!r}; known: {', '.join(sorted(CURIE_MAP))}")
    return CURIE_MAP[prefix] + local


CURIE = re.compile(r"^[A-Za-z_][\w.-]*:[^\s<>\"{}|\\^`]+$")
QID = re.compile(r"^Q[1-9]\d*$")


def read_mappings(path: Path) -> list[Mapping]:
    """Read an SSSOM TSV file."""
    text = safeio.read_text(path)
    skipped = sum(1 for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    reader = csv.DictReader(io.StringIO(body), delimiter="\t")
    missing = [c for c in COLUMNS[:8] if c not in (reader.fieldnames or [])]
    if missing:
        raise MappingError(f"{path}: missing SSSOM columns: {', '.join(missing)}")
    rows = []
    for number, row in enumerate(reader, start=2 + skipped):
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        if not values["subject_id"] or not values["object_id"]:
            raise MappingError(f"{path}:{number}: subject_id and object_id are required")
        for column in ("subject_id", "predicate_id", "object_id"):
            if not CURIE.match(values[column]):
                raise MappingError(f"{path}:{number}: {column} {values[column]!r} is not a CURIE")
            expand(values[column])
        if values["object_id"].startswith("wd:") and not QID.match(values["object_id"][3:]):
            raise MappingError(
                f"{path}:{number}: object_id {values['object_id']!r} is not a Wikidata item "
                "(wd:Q followed by digits)"
            )
        rows.append(Mapping(**values))
    return rows


def header(mapping_set_id: str, date: str) -> str:
    """The commented YAML metadata block of our mapping set."""
    lines = [
        "curie_map:",
        *[f"  {k}: {v}" for k, v in sorted(CURIE_MAP.items())],
        f"mapping_set_id: {mapping_set_id}",
        "mapping_set_description: Regions of the twinning graph linked to Wikidata items.",
        "license: https://creativecommons.org/publicdomain/zero/1.0/",
        f"mapping_date: {date}",
    ]
    return "".join(f"#{line}\n" for line in lines)


def to_tsv(mappings: Iterable[Mapping], mapping_set_id: str, date: str) -> str:
    """SSSOM TSV text, rows sorted by subject then object, for stable diffs."""
    out = io.StringIO()
    out.write(header(mapping_set_id, date))
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    for mapping in sorted(mappings, key=lambda m: (m.subject_id, m.object_id)):
        writer.writerow(asdict(mapping))
    return out.getvalue()


def mapping_triples(mappings: Iterable[Mapping]) -> set[ox.Triple]:
    """``owl:sameAs`` triples for the exact matches."""
    same_as = ox.NamedNode(terms.OWL_SAME_AS)
    return {
        ox.Triple(ox.NamedNode(expand(m.subject_id)), same_as, ox.NamedNode(expand(m.object_id)))
        for m in mappings
        if m.predicate_id == EXACT_MATCH
    }
