"""Upload templates per programme, for people who fill them in in Excel: an XLSX workbook and an
Excel-friendly CSV (``;``, UTF-8 with a byte-order mark, so a Russian or Kazakh Excel opens it in
columns and with its letters).

One row per indicator, headed in the reader's language (header names the importer accepts): the
programme and indicator codes, the indicator's name and unit (columns the importer reads and
ignores), and empty period, value and disaggregation cells — no value is pre-filled, a milestone's
"done" included. A row left unfilled is skipped on upload, as are the ``#`` notes, so a template
goes back as it is with only some rows filled in. The workbook offers drop-down lists of the
programme's reporting periods and declared disaggregation values (other period forms may still be
typed) and of the milestone words, and limits a rating to its scale.
"""

from __future__ import annotations

import io
import re

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .i18n import t
from .ingest import COLUMNS, DIMENSIONS
from .models import Indicator, IndicatorType, Logframe
from .periods import PERIOD_FORMS, ReportingPeriod

# Template columns, in order: the importer's, with the indicator's name and unit after its code.
TEMPLATE_COLUMNS = ("programme", "indicator", "indicator_name", "unit", *COLUMNS[2:])
EXTRA_ROWS = 500  # rows below the indicators that keep the drop-down lists, for copies of a row
_IMPORTABLE_LABEL = re.compile(r"^\d{4}(-H[12])?$")  # calendar halves and years: read as they are


def period_text(period: ReportingPeriod) -> str:
    """A reporting period as an upload writes it: its label when the importer reads it (2013-H2,
    2007), else its last day (a semester S3 is any period ending inside it)."""
    return period.label if _IMPORTABLE_LABEL.match(period.label) else period.end.isoformat()


def header(lang: str) -> list[str]:
    """The template's column names in ``lang``."""
    return [t(f"entry.column.{c}" if c in ("indicator_name", "unit") else f"ingest.column.{c}", lang)
            for c in TEMPLATE_COLUMNS]


def milestone_words(lang: str) -> list[str]:
    """The milestone values a drop-down offers in ``lang`` (words the importer reads)."""
    return [t("entry.milestone.done", lang), t("entry.milestone.not_done", lang)]


def _row(lf: Logframe, indicator: Indicator, lang: str) -> list[str]:
    unit = indicator.unit.get(lang) if indicator.unit else ""
    return [lf.programme.code, indicator.code, indicator.text.get(lang), unit] + [""] * (len(TEMPLATE_COLUMNS) - 4)


def _notes(lf: Logframe, lang: str) -> list[str]:
    """The ``#`` lines under a CSV template: the periods, the number form and the declared values."""
    declared = lf.programme.disaggregation_values
    notes = [t("entry.template.periods", lang, periods=", ".join(period_text(p) for p in lf.reporting_periods()),
               forms=PERIOD_FORMS),
             t("entry.template.numbers", lang, milestone=" / ".join(milestone_words(lang)))]
    used = {d.value for _, ind in lf.indicators() for d in ind.disaggregation}
    notes += [t("entry.template.values", lang, dimension=t(f"dimension.{dim}", lang),
                values=", ".join(v.shown(lang) for v in getattr(declared, dim)))
              for dim in DIMENSIONS if dim in used and getattr(declared, dim)]
    return ["# " + note.replace(";", ",") for note in notes]


def template_csv(lf: Logframe, lang: str = "en") -> bytes:
    """The CSV template: ``;``-separated, UTF-8 with BOM, CRLF lines, ``#`` notes at the end."""
    lines = [";".join(header(lang))]
    lines += [";".join(cell.replace(";", ",") for cell in _row(lf, ind, lang)) for _, ind in lf.indicators()]
    lines += _notes(lf, lang)
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def template_xlsx(lf: Logframe, lang: str = "en") -> bytes:
    """The XLSX template: the data sheet (first, the one an upload reads) and a sheet of the lists
    its drop-downs offer."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    data = book.add_worksheet(t("entry.template.data_sheet", lang))
    lists = book.add_worksheet(t("entry.template.lists_sheet", lang))
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    locked = book.add_format({"font_color": "#555555"})
    column = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}
    data.write_row(0, 0, header(lang), bold)
    data.freeze_panes(1, 2)
    indicators = [ind for _, ind in lf.indicators()]
    last = len(indicators) + EXTRA_ROWS
    for row, ind in enumerate(indicators, start=1):
        data.write_row(row, 0, _row(lf, ind, lang)[:4], locked)
        if ind.type is IndicatorType.milestone:
            data.data_validation(row, column["value"], row, column["value"], {
                "validate": "list", "source": milestone_words(lang)})
        elif ind.type is IndicatorType.rating:
            data.data_validation(row, column["value"], row, column["value"], {
                "validate": "integer", "criteria": "between", "minimum": 1, "maximum": max(len(ind.scale), 1),
                "error_message": t("entry.template.rating", lang, top=max(len(ind.scale), 1))})
        else:
            data.data_validation(row, column["value"], row, column["value"], {
                "validate": "decimal", "criteria": "between", "minimum": -1e300, "maximum": 1e300,
                "error_message": t("entry.template.number", lang)})
    declared = lf.programme.disaggregation_values
    choices = {"period": [period_text(p) for p in lf.reporting_periods()],
               **{dim: [v.shown(lang) for v in getattr(declared, dim)] for dim in DIMENSIONS}}
    for position, (name, values) in enumerate((n, v) for n, v in choices.items() if v):
        lists.write(0, position, t(f"ingest.column.{name}", lang), bold)
        lists.write_column(1, position, values)
        letter = xl_col_to_name(position)
        data.data_validation(1, column[name], last, column[name], {
            "validate": "list", "source": f"='{lists.name}'!${letter}$2:${letter}${len(values) + 1}",
            # other period forms (a date, a quarter) stay allowed: the importer checks them
            "error_type": "information" if name == "period" else "stop"})
        lists.set_column(position, position, 24)
    widths = {"programme": 11, "indicator": 14, "indicator_name": 60, "unit": 16, "period": 12, "value": 12,
              "comment": 30, "source": 24, "evidence_url": 30}
    for name, i in column.items():
        data.set_column(i, i, widths.get(name, 14))
    book.close()
    return out.getvalue()
