"""A clerk's table (CSV or .xlsx) read as a header and rows of text, however it was saved.

Spreadsheet programs save CSV in the locale's ways: UTF-8 with or without a byte order mark,
UTF-16 ("Unicode text"), a semicolon or a tab between cells. The header row says which: the
delimiter is the one that makes the header name our columns. A file in a legacy code page
(Windows-1250, Windows-1252, ISO 8859-2) is refused with what it would read as in each, rather
than guessed. A CSV file is read up to :data:`MAX_BYTES` (a workbook up to
``xlsx.MAX_UNZIPPED``), so a hostile or mistaken file cannot exhaust the machine.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from . import link, safeio
from .errors import CannotRun, DataProblem

# A CSV file is read at once: 64 MiB is about 200,000 rows of the export (333 bytes a row).
MAX_BYTES = 64 * 1024 * 1024
# What a .csv file holding a workbook starts with: a zip (.xlsx), or an OLE2 file (.xls).
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
DELIMITERS = ",;\t"
LEGACY = {"cp1250": "Windows-1250", "cp1252": "Windows-1252", "iso-8859-2": "ISO 8859-2"}
SAVE_AS = "save the table as CSV UTF-8"
# Characters that show nothing and mean nothing in a cell: a zero-width space and word joiner
# (pasted from web pages), a byte order mark (left inside by files joined together).
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
# Unicode categories no word holds: other numbers (¹ ³) and symbols (± ¦ ¤ ¬ ´).
_NOT_IN_WORDS = {"No", "Sm", "Sc", "Sk", "So"}


def column_key(name: str) -> str:
    """A header cell as the column it names: case, accents, spaces and dashes do not count
    (" Title Lang ", "TITLE-LANG" and "title_lang" are one column)."""
    return re.sub(r"[^a-z0-9]+", "_", link.key(name).lower()).strip("_")


@dataclass
class Table:
    """A table as read: its header row's number and cells, and the rows below that hold
    something, each with its spreadsheet row number."""

    header_row: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def named(row: list[str], columns: Collection[str]) -> int:
    """How many of ``columns`` a header row names."""
    return len({column_key(cell) for cell in row} & set(columns))


def read_table(path: Path, columns: Collection[str], date_columns: Collection[str] = ()) -> Table:
    """The table in a CSV file or a workbook, its header naming a known column by its own name.

    The header is the first row (of the first 20) that names one of ``columns``: a title or
    a note above it is no agreement. Columns without a header and without a value are dropped
    (spreadsheet programs add them).
    """
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        from . import xlsx

        wanted = set(date_columns)
        rows = xlsx.read_rows(
            path,
            lambda row: named(row, columns),
            date_column=lambda name: column_key(name) in wanted,
        )
    elif suffix == ".xls":
        raise CannotRun(
            "an Excel 97-2003 workbook (.xls): save it as Excel Workbook (.xlsx) or CSV UTF-8",
            path=path,
        )
    elif suffix in {".csv", ".txt", ".tsv"}:
        data = safeio.read_bytes(path, MAX_BYTES)  # a regular file: no FIFO, no /dev/zero
        if data.startswith(WORKBOOK_MAGIC):
            raise CannotRun(
                "a workbook, not CSV text: name it .xlsx, or save it as CSV UTF-8", path=path
            )
        rows = _csv_rows(path, _decode(data, path), columns)
    else:
        raise CannotRun(
            f"unknown table type {path.suffix!r}: save the table as Excel Workbook (.xlsx) or "
            "CSV UTF-8",
            path=path,
        )
    numbered = [
        (number, cells)
        for number, row in enumerate(rows, start=1)
        if any(cells := [_INVISIBLE.sub("", cell).strip() for cell in row])
    ]
    if not numbered:
        raise CannotRun("the table is empty: it needs a header row", path=path)
    first = next((i for i, (_, row) in enumerate(numbered[:20]) if named(row, columns)), 0)
    (header_row, header), body = numbered[first], numbered[first + 1 :]
    known = {column_key(name): name for name in columns}
    header = [known.get(column_key(name), name) for name in header]
    width = max(len(header), *(len(row) for _, row in body)) if body else len(header)
    header += [""] * (width - len(header))
    keep = [i for i, name in enumerate(header) if name or any(i < len(r) and r[i] for _, r in body)]
    return Table(
        header_row,
        [header[i] for i in keep],
        [(n, [r[i] if i < len(r) else "" for i in keep]) for n, r in body],
    )


def _decode(data: bytes, path: Path) -> str:
    """The text of a CSV file: UTF-8 (a BOM or not), or UTF-16 with its BOM.

    Any other encoding is refused (exit 2): a code page does not say which one it is, and
    the same bytes are different names in Windows-1250 and Windows-1252. The message shows
    how the first line that is not UTF-8 reads in the code pages that may have written it,
    so the clerk sees the file is theirs and saves it as CSV UTF-8.
    """
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        failed = err
    start = data.rfind(b"\n", 0, failed.start) + 1
    end = data.find(b"\n", failed.start)
    raw = data[start : end if end >= 0 else len(data)].rstrip(b"\r")
    readings: dict[str, list[str]] = {}
    for encoding, name in LEGACY.items():
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        # C1 controls, or a symbol inside a word ("Ma³opolska"): not this code page.
        if not re.search("[\x80-\x9f]", text) and not _symbol_in_word(text):
            readings.setdefault(text, []).append(name)
    around = slice(max(0, failed.start - start - 20), failed.start - start + 20)
    shown = ", or ".join(f"{text[around]!r} in {'/'.join(n)}" for text, n in readings.items())
    raise CannotRun(
        f"not UTF-8 (byte {failed.start})" + (f": it reads as {shown}" if shown else "")
        + f": {SAVE_AS}",
        path=path,
        line=data.count(b"\n", 0, failed.start) + 1,
    )  # fmt: skip


def _symbol_in_word(text: str) -> bool:
    """A number sign, a symbol or an inverted mark between two letters ("Ma³opolska",
    "Ma¿opolska", "Mureºul"): what a wrong code page makes of a letter. Punctuation that
    words hold ("d’Aosta", "l·l") is no sign of it."""
    for found in re.finditer("[^\x00-\x7f]", text):
        i, char = found.start(), found.group()
        inside = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        if inside and (char in "ªº¿¡" or unicodedata.category(char) in _NOT_IN_WORDS):
            return True
    return False


def _csv_rows(path: Path, text: str, columns: Collection[str]) -> list[list[str]]:
    """The records of the text, cut at the delimiter that makes a header (in the first 20
    lines) name most columns, or at the one Excel's ``sep=;`` first line states (the line
    is kept as an empty record, so rows keep their numbers)."""
    if hint := re.match(r"sep=(.)\r?\n", text):
        delimiter = hint.group(1)
        text = "\n" + text[hint.end() :]
    else:

        def naming(delimiter: str) -> int:
            lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            best = 0
            try:
                for line in itertools.islice(lines, 20):
                    best = max(best, named(line, columns))
            except csv.Error:
                pass  # reported, at its row, by the reading below
            return best

        delimiter = max(DELIMITERS, key=lambda d: (naming(d), -DELIMITERS.index(d)))
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows.extend(reader)
    except csv.Error as err:
        if "field larger" in str(err):
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        elif "end of data" in str(err):
            reason = 'a quoted cell is never closed: a cell that starts with " must end with "'
        else:
            reason = f'not a well-formed CSV row ({err}): quote a cell holding {delimiter!r} or "'
        raise DataProblem(reason, path=path, line=len(rows) + 1) from err
    return rows
