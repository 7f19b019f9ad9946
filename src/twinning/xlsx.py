"""The agreements table as an Excel workbook, for clerks who edit in a spreadsheet.

``write`` makes ``agreements.xlsx`` with the columns of ``agreements.csv``: a frozen header
row, every cell text (so "2011" stays a year and a title starting with "=" stays a title),
and the accepted kinds and statuses as drop-down lists. ``read_rows`` reads such a workbook
(or any clerk's sheet with that header) back as rows of text for ``twinning import``.
The bytes are the same for the same data: the workbook's dates are fixed, not the clock's.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any
from xml.parsers import expat

from . import safeio
from .errors import CannotRun, DataProblem

SHEET = "agreements"
LISTS = "lists"
FIXED_TIME = _dt.datetime(2000, 1, 1)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
ZIP64_ROWS = 500_000


def write(
    path: Path,
    columns: list[str],
    rows: Iterable[dict[str, str]],
    lists: dict[str, list[str]],
    count: int | None = None,
) -> None:
    """Write the workbook; ``lists`` maps a column to its accepted values (a drop-down).

    The SpreadsheetML is written directly (openpyxl, which reads the workbook back, took
    about 20 s for 100,000 rows; this takes under 2 s): every cell an inline string, the
    header row frozen, the accepted values on a second sheet named by the validations.
    ``rows`` may be an iterator, read once as the sheet is written, when ``count`` says how
    many rows it gives (the sheet's header states its size).
    """
    if count is None:
        rows = list(rows)
        count = len(rows)
    last = max(count + 1, 2) + 1000
    ordered = sorted(lists.items())
    validations = []
    for index, (column, accepted) in enumerate(ordered, start=1):
        letter = get_column_letter(index)
        target = get_column_letter(columns.index(column) + 1)
        message = f"Choose one of the accepted values of {column}: {', '.join(accepted)}"
        validations.append(
            f'<dataValidation sqref="{target}2:{target}{last}" showDropDown="0" '
            f'showInputMessage="0" showErrorMessage="1" allowBlank="1" '
            f"errorTitle={_attribute('not a ' + column)} error={_attribute(message)} "
            f'type="list"><formula1>{LISTS}!${letter}$2:${letter}${len(accepted) + 1}'
            "</formula1></dataValidation>"
        )
    widths = "".join(
        f'<col width="{14 if len(column) < 10 else 24}" customWidth="1" min="{i}" max="{i}"/>'
        for i, column in enumerate(columns, start=1)
    )
    head = (
        f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{get_column_letter(len(columns))}'
        f'{count + 1}"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
        'topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
        f'activeCell="A1" sqref="A1"/></sheetView></sheetViews><cols>{widths}</cols><sheetData>'
    )
    tail = (
        f'</sheetData><dataValidations count="{len(validations)}">{"".join(validations)}'
        "</dataValidations></worksheet>"
    )
    height = max((len(accepted) for _column, accepted in ordered), default=0) + 1
    values = [
        [column for column, _accepted in ordered],
        *(
            [accepted[r] if r < len(accepted) else "" for _column, accepted in ordered]
            for r in range(height - 1)
        ),
    ]
    second = f'<worksheet xmlns="{_MAIN}"><sheetData>{_sheet_rows(values)}</sheetData></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in _STATIC_NAMES:
            archive.writestr(_member(name), STATIC_PARTS.joinpath(name).read_text("utf-8"))
        # The big sheet is streamed into the archive a thousand rows at a time.
        # Zip64 (the size unknown while streaming) only where the sheet may pass 2 GiB.
        large = count > ZIP64_ROWS
        with archive.open(_member("xl/worksheets/sheet1.xml"), "w", force_zip64=large) as sheet:
            sheet.write((_XML_DECLARATION + head + _sheet_rows([columns])).encode("utf-8"))
            remaining, written = iter(rows), 0
            while chunk := [
                [row.get(column, "") for column in columns]
                for row in itertools.islice(remaining, 1000)
            ]:
                sheet.write(_sheet_rows(chunk, first=written + 2).encode("utf-8"))
                written += len(chunk)
            if written != count:
                raise ValueError(f"{count} rows announced, {written} given")
            sheet.write(tail.encode("utf-8"))
        archive.writestr(_member("xl/worksheets/sheet2.xml"), _XML_DECLARATION + second)


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)  # fixed: same data, same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def get_column_letter(number: int) -> str:
    """A spreadsheet column's letters: 1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _sheet_rows(table: list[list[str]], first: int = 1) -> str:
    """``<row>`` elements of inline-string cells (text, never a formula or a number),
    numbered from ``first``."""
    letters = [get_column_letter(i) for i in range(1, max(map(len, table), default=0) + 1)]
    out = []
    for number, cells in enumerate(table, start=first):
        out.append(f'<row r="{number}">')
        for letter, value in zip(letters, cells, strict=False):
            if value:
                out.append(
                    f'<c r="{letter}{number}" t="inlineStr"><is>{_text_element(value)}</is></c>'
                )
        out.append("</row>")
    return "".join(out)


# Characters XML 1.0 cannot carry, written as OOXML's _xHHHH_ escape (which spreadsheet
# programs decode); a "_x" that could be read as one is escaped itself.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_(?=x[0-9A-Fa-f]{4}_)")


# Anything _escape changes; most cells hold none of it and are written as they are.
_SPECIAL = re.compile(_NOT_XML.pattern + '|[&<>"\r\n]')


def _escape(value: str) -> str:
    """Text as XML character data (also fit for a double-quoted attribute)."""
    if not _SPECIAL.search(value):
        return value
    if _NOT_XML.search(value):
        value = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")


def _text_element(value: str) -> str:
    if value[0].isspace() or value[-1].isspace():
        return f'<t xml:space="preserve">{_escape(value)}</t>'
    return f"<t>{_escape(value)}</t>"


def _attribute(value: str) -> str:
    return f'"{_escape(value)}"'


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# The parts that are the same in every workbook, shipped as files beside this module.
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_STATIC_NAMES = [
    "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
    "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
]  # fmt: skip
STATIC_PARTS = resources.files("twinning").joinpath("xlsx_parts")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# An OLE2 compound file: an Excel 97-2003 workbook, or an encrypted (password) .xlsx.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNZIPPED = 256 * 1024 * 1024  # the parts of a workbook, unzipped (a zip bomb is refused)
MAX_PARTS = 10_000  # a workbook has tens of parts; zipfile keeps an object for each
_EOCD_SPAN = 22 + 65_535  # the zip's end record and its longest comment
FIRST_SERIAL = 10_000  # 1927-05-18: a smaller number in a date column is a year or a mistake
SAVE_AS = "save it as Excel Workbook (.xlsx) or CSV UTF-8"


def _check_archive(path: Path) -> None:
    """Refuse what openpyxl should not open: not a zip, encrypted, or too large unzipped
    (the sizes the archive declares bound what is decompressed)."""
    size = safeio.check_regular(path, MAX_UNZIPPED)  # no FIFO or device
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_OLE2))
            handle.seek(max(0, size - _EOCD_SPAN))
            tail = handle.read()
        if magic == _OLE2:
            raise CannotRun(
                f"an Excel 97-2003 (.xls) or password-protected workbook: {SAVE_AS}, "
                "without a password",
                path=path,
            )
        # The part count, from the end record, before zipfile reads an entry for each part.
        end = tail.rfind(b"PK\x05\x06")
        count = int.from_bytes(tail[end + 10 : end + 12], "little") if end >= 0 else 0
        if count > MAX_PARTS:
            raise CannotRun(
                f"the archive holds {count:,} parts, more than a workbook has: {SAVE_AS}",
                path=path,
            )
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as err:
        raise CannotRun(f"not an .xlsx workbook ({err}): {SAVE_AS}", path=path) from err
    if any(part.flag_bits & 0x1 for part in parts):
        raise CannotRun(f"the workbook is encrypted: {SAVE_AS}, without a password", path=path)
    size = sum(part.file_size for part in parts)
    if size > MAX_UNZIPPED:
        raise CannotRun(
            f"the workbook unzips to {size:,} bytes, more than the {MAX_UNZIPPED // 2**20} MiB "
            "an import reads: split the table",
            path=path,
        )


def read_rows(
    path: Path,
    score: Callable[[list[str]], int] | None = None,
    date_column: Callable[[str], bool] | None = None,
) -> list[list[str]]:
    """A sheet's rows as text: the sheet with the row (of its first 20) that ``score`` rates
    highest as a header (visible sheets first, then the one named agreements, then the first,
    when several tie).

    Dates typed as dates come back as YYYY-MM-DD; so does a number in a column that
    ``date_column`` accepts when it is an Excel serial date (a cell formatted as a number),
    read with the workbook's own epoch (1900 or 1904). Formulas give their saved values.
    """
    _check_archive(path)
    from openpyxl import load_workbook  # only to read (0.15 s to import)

    try:
        with warnings.catch_warnings():
            # openpyxl warns, on stderr, about every feature it drops (data validation and
            # conditional formatting extensions of most Excel files): none is a cell's value.
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
            try:
                return _read_sheet(path, book, score, date_column)
            finally:
                book.close()
    except (CannotRun, DataProblem):
        raise
    except (
        OSError, EOFError, zipfile.BadZipFile, zlib.error, SyntaxError, expat.ExpatError, KeyError,
        IndexError, TypeError, ValueError, AttributeError,
    ) as err:  # fmt: skip
        # A damaged part (XML cut short, an entity expansion refused; SyntaxError is the
        # parsers' ParseError): not a table.
        raise CannotRun(f"cannot read the workbook: {err}: {SAVE_AS}", path=path) from err


def _read_sheet(
    path: Path,
    book: Any,
    score: Callable[[list[str]], int] | None,
    date_column: Callable[[str], bool] | None,
) -> list[list[str]]:
    from openpyxl.utils.datetime import from_excel

    def convert(value: object, column: str) -> str:
        if (
            date_column is not None
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and FIRST_SERIAL <= value < 2_958_466  # up to 9999-12-31
            and date_column(column)
        ):
            return _text(from_excel(value, book.epoch).date())
        return _text(value)

    # Visible sheets first (a hidden one may hold an old copy), then agreements.
    sheets = sorted(
        book.worksheets,
        key=lambda s: (s.sheet_state != "visible", s.title.strip().lower() != SHEET),
    )
    if not sheets:
        raise CannotRun(
            f"no sheet could be read (a Strict Open XML workbook cannot be): {SAVE_AS}", path=path
        )
    scores = [_best_header(s, score) if score else 0 for s in sheets]
    chosen = sheets[scores.index(max(scores))]
    tied = [
        s.title
        for s, v in zip(sheets, scores, strict=True)
        if v == max(scores) and v and s.sheet_state == "visible"
    ]
    if len(tied) > 1 and chosen.title.strip().lower() != SHEET:
        # Two copies of the table (last year's and this year's?): which one is meant is
        # not the import's to guess.
        raise DataProblem(
            f"the sheets {', '.join(map(repr, tied))} all hold a table of agreements: keep "
            f"one, or name the one to import {SHEET!r}",
            path=path,
        )
    chosen.reset_dimensions()  # rows as stored, not padded to a declared size
    rows: list[list[str]] = []
    header: list[str] = []
    for row in chosen.iter_rows(values_only=True):
        names = (header + [""] * len(row))[: len(row)]
        rows.append([convert(value, name) for value, name in zip(row, names, strict=True)])
        if not header and any(rows[-1]):
            header = rows[-1]
    merged, uncomputed = _structure(chosen)
    if uncomputed:
        raise DataProblem(
            f"cell {uncomputed[0]} holds a formula without a saved value (a program wrote it, "
            "none computed it): open and save the workbook in Excel or LibreOffice, or type "
            "the value",
            path=path,
            line=int(re.sub(r"\D", "", uncomputed[0]) or 0) or None,
        )
    _fill_merged(rows, merged)
    return rows


def _best_header(sheet: Any, score: Callable[[list[str]], int]) -> int:
    """The best score of a sheet's first 20 rows as a header (a title may stand above it)."""
    sheet.reset_dimensions()
    rows = itertools.islice(sheet.iter_rows(values_only=True), 20)
    return max((score([_text(v) for v in row]) for row in rows), default=0)


def _structure(sheet: Any) -> tuple[list[str], list[str]]:
    """The sheet's merged ranges ("B2:B4"), which openpyxl's read-only sheets do not read,
    and the cells holding a formula without a saved value, which read as empty: no ``<v>``,
    or an empty one that is no text result (openpyxl and other programs write formulas so,
    and only a spreadsheet program computes them). Streamed through expat, which builds no
    tree, expands no external entity, and refuses an entity expansion out of proportion."""
    merged: list[str] = []
    uncomputed: list[str] = []
    cell: dict[str, Any] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local == "mergeCell" and "ref" in attributes:
            merged.append(attributes["ref"])
        elif local == "c":
            cell.update(ref=attributes.get("r", "?"), text=attributes.get("t") in {"str", "s"})
            cell.update(formula=False, value=None)
        elif local == "f":
            cell["formula"] = True
        elif local in {"v", "is"}:
            cell["value"] = ""

    def characters(data: str) -> None:
        if cell.get("value") is not None:
            cell["value"] += data

    def end(name: str) -> None:
        empty = cell.get("value") is None or not (cell["value"] or cell["text"])
        if name.rpartition(" ")[2] == "c" and cell["formula"] and empty:
            uncomputed.append(cell["ref"])

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    with sheet._get_source() as source:  # the sheet's part in the archive
        parser.ParseFile(source)
    return merged, uncomputed


def _fill_merged(rows: list[list[str]], refs: list[str]) -> None:
    """A merged cell shows its value on every row it spans: a clerk merges the home region
    over that home's agreements. The value goes down its own column, into rows that hold
    something else (a merge across columns does not make a value of another column)."""
    from openpyxl.utils.cell import range_boundaries

    for ref in refs:
        first_column, first_row, _, last_row = range_boundaries(ref)
        if first_row > len(rows) or first_column > len(rows[first_row - 1]):
            continue
        value = rows[first_row - 1][first_column - 1]
        for row in rows[first_row : min(last_row, len(rows))]:
            if any(row):
                row.extend([""] * (first_column - len(row)))
                row[first_column - 1] = row[first_column - 1] or value
