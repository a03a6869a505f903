"""The rejected rows of an upload as a file to fix and upload again: the original rows, as they were
written, plus an error column saying why (in the reader's language), in the file's own format — a
CSV in its encoding and separator, a workbook as a workbook. The importer ignores the error column,
so the fixed file goes back as it is.

A Windows-1251 file whose reasons hold letters cp1251 cannot (Kazakh ә, қ …) is written as UTF-8
with a byte-order mark instead, which Excel opens alike: a reason is never garbled.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import xlsxwriter

from .i18n import t
from .ingest import ImportReport
from .xlsx_input import read_rows


def error_column(lang: str) -> str:
    """The error column's header in ``lang`` (a header name the importer knows and skips)."""
    return t("entry.column.error", lang)


def _reasons(report: ImportReport) -> dict[int, str]:
    reasons: dict[int, str] = {}
    for line, reason in zip(report.rejected["line"], report.rejected["reason"]):
        reasons[int(line)] = f"{reasons[int(line)]}; {reason}" if int(line) in reasons else str(reason)
    return reasons


def rejected_csv(data: bytes, report: ImportReport, lang: str) -> bytes:
    """The header and every rejected record of a CSV upload (``data``), each with its reason."""
    text = data.decode("utf-8-sig" if report.encoding == "utf-8" else report.encoding)
    reasons = _reasons(report)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=report.delimiter, lineterminator="\r\n")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    start = 1
    for record in reader:
        if start == 1:
            writer.writerow([*record, error_column(lang)])
        elif start in reasons:
            writer.writerow([*record, reasons[start]])
        start = reader.line_num + 1
    written = out.getvalue()
    if report.encoding == "cp1251":
        try:
            return written.encode("cp1251")
        except UnicodeEncodeError:
            return codecs.BOM_UTF8 + written.encode("utf-8")
    return (codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b"") + written.encode("utf-8")


def rejected_xlsx(data: bytes, report: ImportReport, lang: str) -> bytes:
    """The header row and every rejected row of the workbook's sheet that was read, each with its reason;
    dates stay dates and numbers numbers."""
    sheet, rows = read_rows(data, report.file_name, report.sheet, lang)
    reasons = _reasons(report)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    page = book.add_worksheet(sheet[:31])
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})
    header = list(rows[0]) if rows else []
    while header and header[-1] is None:
        header.pop()
    page.write_row(0, 0, [*header, error_column(lang)], bold)
    at = 1
    for number, row in enumerate(rows[1:], start=2):
        if number not in reasons:
            continue
        cells = list(row[:len(header)]) + [None] * (len(header) - len(row))
        for column, value in enumerate([*cells, reasons[number]]):
            if isinstance(value, (dt.date, dt.datetime)):
                page.write_datetime(at, column, value, dates)
            elif value is not None:
                page.write(at, column, value)
        at += 1
    page.set_column(len(header), len(header), 60)
    book.close()
    return out.getvalue()


def rejected_file(data: bytes, report: ImportReport, lang: str) -> tuple[bytes, str, str]:
    """The file of rejected rows for an upload of ``data``: its bytes, a file name and a MIME type."""
    stem = report.file_name.rsplit(".", 1)[0]
    if report.sheet is not None:
        return (rejected_xlsx(data, report, lang), f"{stem}-rejected.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return rejected_csv(data, report, lang), f"{stem}-rejected.csv", "text/csv"
