"""The CSV files described for machines: a Frictionless data package and its CSVW equivalent.

Column order comes from the code that writes the tables; what each column means, its type
and its constraints come from ``data/catalog/columns.toml``. Both descriptions are made from
that one table: ``datapackage.json`` (Frictionless Data Package with Table Schemas: types,
formats, constraints, the `` | `` separator as a list delimiter, primary and foreign keys) and
``csv-metadata.json`` (W3C CSV on the Web metadata: the same in CSVW terms).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import partnerships, tables
from .errors import CannotRun

COLUMNS_FILE = Path("data") / "catalog" / "columns.toml"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
ORDER = {
    "agreements": tables.AGREEMENT_COLUMNS,
    "regions": tables.REGION_COLUMNS,
    "partnerships": partnerships.COLUMNS,
}


@dataclass(frozen=True)
class Table:
    name: str
    file: str
    title: str
    description: str
    primary_key: list[str]
    foreign_keys: list[dict[str, str]]
    columns: list[tuple[str, dict[str, Any]]]


def load(root: Path) -> list[Table]:
    """The described tables, columns in the order the CSV files have them."""
    path = root / COLUMNS_FILE
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise CannotRun(f"not TOML: {err}", path=path) from err
    found = []
    for name, order in ORDER.items():
        table = spec["tables"][name]
        described = spec.get(name, {})
        key = table["primary_key"]
        found.append(
            Table(
                name=name,
                file=table["file"],
                title=table["title"],
                description=table["description"],
                primary_key=key if isinstance(key, list) else [key],
                foreign_keys=table["foreign_keys"],
                columns=[(column, described.get(column, {})) for column in order],
            )
        )
    return found


def undescribed(root: Path) -> list[str]:
    """``table.column`` for every column without a description (a test keeps this empty)."""
    return [
        f"{t.name}.{column}"
        for t in load(root)
        for column, spec in t.columns
        if not spec.get("description")
    ]


def _field(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": spec.get("type", "string")}
    if spec.get("description"):
        field["description"] = spec["description"]
    if field["type"] == "list":
        field["delimiter"] = tables.SEPARATOR
        field["itemType"] = "string"
    elif spec.get("format"):
        field["format"] = spec["format"]
    constraints: dict[str, Any] = {k: spec[k] for k in ("required", "unique", "enum") if k in spec}
    if "pattern" in spec and field["type"] != "list":
        constraints["pattern"] = spec["pattern"]
    if constraints:
        field["constraints"] = constraints
    return field


def datapackage(tables_: list[Table]) -> dict[str, Any]:
    """The Frictionless Data Package describing the CSV files."""
    resources = []
    for table in tables_:
        schema: dict[str, Any] = {
            "fields": [_field(name, spec) for name, spec in table.columns],
            "missingValues": [""],
            "primaryKey": table.primary_key,
        }
        schema["foreignKeys"] = [
            {
                "fields": [fk["field"]],
                "reference": {"resource": fk["table"], "fields": [fk["reference"]]},
            }
            for fk in table.foreign_keys
        ]
        resources.append(
            {
                "name": table.name,
                "path": table.file,
                "profile": "tabular-data-resource",
                "title": table.title,
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "twinning",
        "title": "International partnerships of regions: tables",
        "homepage": "https://w3id.org/twinning",
        "licenses": [
            {"name": "CC-BY-4.0", "path": LICENCE, "title": "Creative Commons Attribution 4.0"}
        ],
        "resources": resources,
    }


def _column(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    column: dict[str, Any] = {"name": name, "titles": name}
    if spec.get("description"):
        column["dc:description"] = spec["description"]
    datatype: dict[str, Any] = {"base": "anyURI" if spec.get("format") == "uri" else "string"}
    if "pattern" in spec:
        datatype["format"] = spec["pattern"]
    column["datatype"] = datatype if len(datatype) > 1 else datatype["base"]
    if spec.get("required"):
        column["required"] = True
    if spec.get("type") == "list":
        column["separator"] = tables.SEPARATOR
    return column


def csvw(tables_: list[Table]) -> dict[str, Any]:
    """The same description as CSV on the Web metadata (a table group)."""
    files = {t.name: t.file for t in tables_}
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": "International partnerships of regions: tables",
        "dc:license": {"@id": LICENCE},
        "tables": [
            {
                "url": table.file,
                "dc:title": table.title,
                "dc:description": table.description,
                "tableSchema": {
                    "columns": [_column(name, spec) for name, spec in table.columns],
                    "primaryKey": table.primary_key,
                    "foreignKeys": [
                        {
                            "columnReference": fk["field"],
                            "reference": {
                                "resource": files[fk["table"]],
                                "columnReference": fk["reference"],
                            },
                        }
                        for fk in table.foreign_keys
                    ],
                },
            }
            for table in tables_
        ],
    }
