"""An Excel workbook (.xlsx) as the importer reads it: one sheet turned into the UTF-8 CSV the CSV
importer (``ingest``) checks, so a workbook goes through the very same validation, rejections and
batch as a CSV file.

Row ``n`` of the sheet is line ``n`` of the CSV, so every rejection names the sheet's row. Cells are
taken as Excel stores them, never parsed by locale: a date cell is an ISO date (``2012-06-30``, a
period the importer reads), a number stays the number it holds (``175.77``, ``1250``), TRUE/FALSE
read as ``true``/``false`` (milestone words); a line break inside a cell becomes a space (one
sheet row, one CSV line). Empty and comment rows are then skipped by the importer like blank and
``#`` lines of a CSV. A header with merged cells is refused: its columns would have no names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .i18n import t

XLSX_MAGIC = b"PK\x03\x04"  # a zip archive, as every .xlsx is
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the Excel 97-2003 binary format (.xls), not read
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


class WorkbookError(ValueError):
    """The workbook or the sheet cannot be read as a measurement table (raised as ``ingest.UploadError``)."""


def kind_of(head: bytes) -> str:
    """``xlsx``, ``xls`` or ``csv`` from a file's first bytes."""
    return "xlsx" if head.startswith(XLSX_MAGIC) else "xls" if head.startswith(XLS_MAGIC) else "csv"


@contextmanager
def _workbook(source: Path | bytes, file_name: str, lang: str) -> Iterator[openpyxl.Workbook]:
    """The workbook, read-only; opened from a handle, so the file's name (a temporary one) does not matter."""
    with (io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")) as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
            raise WorkbookError(f"{file_name}: " + t("entry.error.not_xlsx", lang)) from exc
        try:
            yield book
        finally:
            book.close()


def sheet_names(source: Path | bytes, file_name: str = "", lang: str = "en") -> list[str]:
    """The workbook's sheets, in order (the first is the one read by default)."""
    with _workbook(source, file_name, lang) as book:
        return list(book.sheetnames)


def _sheet(book: openpyxl.Workbook, sheet: str | None, file_name: str, lang: str) -> ReadOnlyWorksheet:
    if sheet is None:
        return book.worksheets[0]
    if sheet not in book.sheetnames:
        raise WorkbookError(f"{file_name}: " + t("entry.error.no_sheet", lang, sheet=sheet,
                                                  sheets=", ".join(book.sheetnames)))
    return book[sheet]


def _merged_header(path: Path, member: str) -> list[str]:
    """The merged ranges that cover row 1 of the sheet stored at ``member`` of the archive. Read-only
    openpyxl does not parse merges; they follow the rows in the sheet's XML, so it is streamed."""
    found: list[str] = []
    with zipfile.ZipFile(path) as archive, archive.open(member) as xml:
        tail = b""
        for chunk in iter(lambda: xml.read(1 << 20), b""):
            text = tail + chunk
            for match in _MERGE.finditer(text):
                if match.group(2) == b"1":
                    found.append(match.group(0).split(b'"')[1].decode())
            tail = text[-256:]  # a tag cut by the chunk is matched whole in the next round
    return sorted(set(found))


def _text(value: object) -> str:
    """A cell as the CSV importer reads it: Excel's own value, no locale involved."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return " ".join(str(value).splitlines())


def _rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[object, ...]]:
    """Every row from row 1 on (openpyxl gives an empty row for each one the sheet leaves out)."""
    return sheet.iter_rows(min_row=1, values_only=True)


def read_rows(path: Path, file_name: str, sheet: str | None = None,
              lang: str = "en") -> tuple[str, list[tuple[object, ...]]]:
    """The sheet's name and its rows as Excel stores them (for a file of rejected rows)."""
    with _workbook(path, file_name, lang) as book:
        chosen = _sheet(book, sheet, file_name, lang)
        return chosen.title, list(_rows(chosen))


def sheet_to_csv(path: Path, file_name: str, sheet: str | None = None, lang: str = "en") -> tuple[Path, str]:
    """A temporary UTF-8 CSV of the sheet (the first unless ``sheet`` names one), and the sheet's
    name; the caller deletes the file. Raises :class:`WorkbookError` for an unreadable workbook, an
    unknown sheet or a header with merged cells."""
    with _workbook(path, file_name, lang) as book:
        chosen = _sheet(book, sheet, file_name, lang)
        merged = _merged_header(path, chosen._worksheet_path)  # the sheet's XML inside the archive
        if merged:
            raise WorkbookError(f"{file_name}:1: " + t("entry.error.merged_header", lang, sheet=chosen.title,
                                                        cells=", ".join(merged)))
        fd, name = tempfile.mkstemp(suffix=".csv", prefix="kzlf-xlsx-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                width = 0
                for number, row in enumerate(_rows(chosen), start=1):
                    cells = [_text(v) for v in row]
                    if number == 1:
                        while cells and not cells[-1].strip():
                            cells.pop()
                        width = len(cells)
                    else:  # as wide as the header; a filled cell beyond it is kept (the row is then refused)
                        while len(cells) > width and not cells[-1]:
                            cells.pop()
                        cells += [""] * (width - len(cells))
                    writer.writerow(cells)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    return Path(name), chosen.title
