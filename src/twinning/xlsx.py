"""The agreements table as an Excel workbook, for clerks who edit in a spreadsheet.

``write`` makes ``agreements.xlsx`` with the columns of ``agreements.csv``: a frozen header
row, every cell text (so "2011" stays a year and a title starting with "=" stays a title),
and the accepted kinds and statuses as drop-down lists. ``read_rows`` reads such a workbook
(or any clerk's sheet with that header) back as rows of text for ``twinning import``.
The bytes are the same for the same data: the workbook's dates are fixed, not the clock's.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import CannotRun

SHEET = "agreements"
LISTS = "lists"
FIXED_TIME = _dt.datetime(2000, 1, 1)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def write(
    path: Path, columns: list[str], rows: list[dict[str, str]], lists: dict[str, list[str]]
) -> None:
    """Write the workbook; ``lists`` maps a column to its accepted values (a drop-down)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.data_type = "s"  # text, never a formula or a number
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if len(column) < 10 else 24
    values = book.create_sheet(LISTS)
    last = max(len(rows) + 1, 2) + 1000
    for index, (column, accepted) in enumerate(sorted(lists.items()), start=1):
        letter = get_column_letter(index)
        values.cell(row=1, column=index, value=column)
        for position, value in enumerate(accepted, start=2):
            values.cell(row=position, column=index, value=value)
        target = get_column_letter(columns.index(column) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{LISTS}!${letter}$2:${letter}${len(accepted) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"not a {column}",
            error=f"Choose one of the accepted values of {column}: {', '.join(accepted)}",
        )
        validation.add(f"{target}2:{target}{last}")
        sheet.add_data_validation(validation)
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "twinning"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed member times, so the same data gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the clock on save
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    content,
                )
            target.writestr(fixed, content)
    return out.getvalue()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(path: Path) -> list[list[str]]:
    """The first sheet's rows as text (dates typed as dates come back as YYYY-MM-DD)."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as err:
        raise CannotRun(f"cannot read the workbook: {err}", path=path) from err
    sheet = book.worksheets[0]
    rows = [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows
