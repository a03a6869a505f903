"""Indicator data as files for M&E consultants: one flat table, as CSV (UTF-8 with BOM, so Excel
reads Kazakh text correctly) or as a workbook with one typed sheet per logframe level.

Every text cell leaves through :func:`neutralise`, so a comment uploaded as ``=HYPERLINK(…)``
opens in Excel or LibreOffice as text, never as a formula (OWASP "CSV injection").

Every row carries, beside the value as it was reported, the ``reporting_value`` of its cell (or
total) for the row's reporting period after the cumulative rule, the indicator's total for that
period (``indicator_value``: the number the pages, the report and IATI headline) and the
indicator's status at the end of that period, so an export reconciles with every other output.

Public API::

    export_table(logframe, measurements, lang) -> DataFrame   stored values with their definitions
    filter_table(table, levels=, indicators=, periods=, dimensions=) -> DataFrame
    labelled(table, logframe, lang) -> DataFrame              headers and codes in the reader's words
    level_labels(logframe, lang) -> {level code: "Result R1", …}
    by_level(table, logframe, lang) -> {sheet title: rows}   logframe order, levels with rows only
    neutralise(cell)                                          the formula-injection rule
    to_csv_bytes(table) -> bytes / to_xlsx_bytes(frames_by_level) -> bytes
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from .formatting import level_label, status_label
from .models import Goal, Level, Logframe, Purpose, Result, SubResult
from .periods import reporting_join_sql
from .tables import readable
from .progress import (
    CELL_DIMS, baselines, cumulative_mode, indicator_progress, reporting_table, reporting_values)

if TYPE_CHECKING:
    import xlsxwriter

COLUMNS = ["programme", "level_kind", "level_code", "indicator", "indicator_text", "type", "cumulative", "unit",
           "period_label", "period_start", "period_end", "reporting_period", "sex", "oblast", "ministry", "value",
           "reporting_value", "indicator_value", "status", "numerator", "denominator", "baseline", "baseline_source",
           "target", "target_date", "source", "comment", "evidence_url"]
NUMBER_COLUMNS = ["value", "reporting_value", "indicator_value", "numerator", "denominator", "baseline", "target"]
DATE_TYPE = "datetime64[ns]"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what makes a spreadsheet read a formula
LEVEL_KINDS = {Goal: "goal", Purpose: "purpose", Result: "result", SubResult: "sub_result"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODED = {"level_kind": "level", "type": "type", "cumulative": "cumulative", "baseline_source": "baseline_source"}


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` so it stays text.

    Numbers are left alone (a negative number is data, not a formula)."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS) else cell


def _level_kind(level: Level) -> str:
    return LEVEL_KINDS[type(level)]


def _definitions(logframe: Logframe, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per indicator, one row per dated target) from the logframe."""
    rows, targets = [], []
    for order, (level, ind) in enumerate(logframe.indicators()):
        rows.append({"order": order, "level_kind": _level_kind(level), "level_code": level.code,
                     "indicator": ind.code, "indicator_text": ind.text.get(lang), "type": ind.type.value,
                     "cumulative": cumulative_mode(ind), "unit": ind.unit.get(lang) if ind.unit else None})
        targets += [{"indicator": ind.code, "target_date": target.date, "target": target.value}
                    for target in ind.targets]
    definitions = pd.DataFrame(rows, columns=["order", "level_kind", "level_code", "indicator", "indicator_text",
                                              "type", "cumulative", "unit"])
    dated = pd.DataFrame(targets, columns=["indicator", "target_date", "target"])
    dated = dated.astype({"target_date": DATE_TYPE, "target": float})
    return definitions, dated.sort_values("target_date", ignore_index=True)


def _targets(rows: pd.DataFrame, dated: pd.DataFrame) -> pd.DataFrame:
    """The target each row is measured against: the next one dated on or after the period's end,
    or the last one once every target date has passed."""
    ordered = rows.sort_values("period_end")
    upcoming = pd.merge_asof(ordered, dated, left_on="period_end", right_on="target_date", by="indicator",
                             direction="forward")
    last = dated.groupby("indicator").last()
    missing = upcoming["target_date"].isna()
    for column in ("target_date", "target"):
        upcoming.loc[missing, column] = upcoming.loc[missing, "indicator"].map(last[column])
    return upcoming


def _reporting(rows: pd.DataFrame, logframe: Logframe, measurements: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Each row's reporting period (the one rule, in SQL), the reporting value of its indicator and
    cell for that period, and the indicator's status at the period's end."""
    catalog = {logframe.programme.code: logframe}
    cells = ["sex", "oblast", "ministry"]
    totals = reporting_values(measurements, catalog)
    by_cell = reporting_values(measurements, catalog, cells=True)
    values = pd.concat([totals.assign(sex="", oblast="", ministry=""), by_cell], ignore_index=True)
    calendar = reporting_table(catalog)
    ends = calendar.set_index("reporting_period")["rp_end"]
    statuses = pd.concat([indicator_progress(measurements, catalog, ends[label].date())[["indicator", "status"]]
                          .assign(reporting_period=label) for label in values["reporting_period"].unique()]
                         or [pd.DataFrame(columns=["indicator", "status", "reporting_period"])])
    with duckdb.connect() as con:
        con.register("r", rows.assign(row_number=range(len(rows))))
        con.register("rp", calendar)
        placed = con.execute(f"SELECT r.row_number, rp.reporting_period FROM {reporting_join_sql('r', 'rp')}"
                             ).df().set_index("row_number")["reporting_period"]
    rows = rows.assign(reporting_period=placed.reindex(range(len(rows))).to_numpy())
    rows = rows.merge(values[["indicator", *cells, "reporting_period", "value"]].rename(
        columns={"value": "reporting_value"}), how="left", on=["indicator", *cells, "reporting_period"])
    rows = rows.merge(totals[["indicator", "reporting_period", "value"]].rename(columns={"value": "indicator_value"}),
                      how="left", on=["indicator", "reporting_period"])
    rows = rows.merge(statuses, how="left", on=["indicator", "reporting_period"])
    rows["status"] = rows["status"].map(lambda s: status_label(s, lang, icon=False) if isinstance(s, str) else None)
    base = baselines(measurements, catalog)[["indicator", "baseline", "baseline_source"]]
    return rows.merge(base, how="left", on="indicator")


def export_table(logframe: Logframe, measurements: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every stored value of the programme, one row per indicator, period and disaggregation cell,
    next to its definition (level, text in ``lang``, type, unit, baseline, applicable target), its
    reporting period, reporting value and status; in logframe order, then by period. Indicators no
    longer in the logframe are left out."""
    definitions, dated = _definitions(logframe, lang)
    mine = measurements[measurements["programme"] == logframe.programme.code]
    rows = mine.merge(definitions, on="indicator")
    rows = rows.astype({"period_start": DATE_TYPE, "period_end": DATE_TYPE})
    for dim in CELL_DIMS:
        rows[dim] = rows[dim].fillna("")
    rows = _reporting(rows, logframe, mine, lang)
    rows = _targets(rows, dated).astype({"target_date": DATE_TYPE, "target": float})
    rows = rows.sort_values(["order", "period_start", "period_end", *CELL_DIMS], ignore_index=True)
    return rows.reindex(columns=COLUMNS).astype({column: float for column in NUMBER_COLUMNS})


def filter_table(table: pd.DataFrame, *, levels: Collection[str] | None = None,
                 indicators: Collection[str] | None = None, periods: Collection[str] | None = None,
                 dimensions: Collection[str] | None = None) -> pd.DataFrame:
    """Rows of the chosen level codes, indicator codes and period labels (None: all).

    ``dimensions`` keeps rows broken down by those dimensions only: totals always stay, a row by
    oblast and sex needs both; an empty collection keeps the totals alone."""
    keep = pd.Series(True, index=table.index)
    for column, chosen in (("level_code", levels), ("indicator", indicators), ("period_label", periods)):
        if chosen is not None:
            keep &= table[column].isin(list(chosen))
    if dimensions is not None:
        for dim in set(CELL_DIMS) - set(dimensions):
            keep &= table[dim].eq("")
    return table[keep].reset_index(drop=True)


def labelled(table: pd.DataFrame, logframe: Logframe, lang: str) -> pd.DataFrame:
    """The table as a reader opens it in a spreadsheet: headers in ``lang``, level kinds, types,
    accumulation rules and baseline origins in words, sex, oblast and ministry by the logframe's labels.
    :func:`export_table`'s own frame keeps field names and codes, for scripts."""
    return readable(table, lang, codes=CODED, declared=logframe.programme.disaggregation_values)


def level_labels(logframe: Logframe, lang: str) -> dict[str, str]:
    """``{level code: label}`` top-down, named as the matrix names them ("Result R1")."""
    return {level.code: level_label(_level_kind(level), level.code, lang) for level in logframe.levels()}


def by_level(table: pd.DataFrame, logframe: Logframe, lang: str) -> dict[str, pd.DataFrame]:
    """The table split into one frame per level that has rows, titled by :func:`level_labels`."""
    return {label: table[table["level_code"] == code].reset_index(drop=True)
            for code, label in level_labels(logframe, lang).items() if (table["level_code"] == code).any()}


def _safe_text(table: pd.DataFrame) -> pd.DataFrame:
    text = [c for c in table.columns if pd.api.types.is_object_dtype(table[c])]
    return table.assign(**{c: table[c].map(neutralise) for c in text})


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """CSV as Excel opens it correctly: UTF-8 with a byte-order mark, CRLF, ISO dates."""
    text = _safe_text(table).to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n")
    return text.encode("utf-8-sig")


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: Iterable[str]) -> list[str]:
    """Names Excel accepts, for every workbook the app writes: none of ``[]:*?/\\`` (dropped, so
    "Annex: all indicators" reads "Annex all indicators"), no leading or trailing apostrophe, not
    the reserved "History", at most 31 characters, unique ignoring case."""
    taken: set[str] = set()
    safe = []
    for name in names:
        base = " ".join(_SHEET_FORBIDDEN.sub(" ", name).split()).strip("'").strip() or "Sheet"
        base = base + "_" if base.lower() == "history" else base
        candidate, n = base[:31], 1
        while candidate.lower() in taken:
            n += 1
            suffix = f" ({n})"
            candidate = base[:31 - len(suffix)] + suffix
        taken.add(candidate.lower())
        safe.append(candidate)
    return safe


def _write_sheet(workbook: xlsxwriter.Workbook, name: str, table: pd.DataFrame, formats: dict) -> None:
    sheet = workbook.add_worksheet(name)
    table = _safe_text(table)
    for col, column in enumerate(table.columns):
        sheet.write_string(0, col, str(column), formats["header"])
        values = table[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            for row, value in enumerate(values, start=1):
                if not pd.isna(value):
                    sheet.write_datetime(row, col, value.to_pydatetime(), formats["date"])
            width = 10
        elif pd.api.types.is_numeric_dtype(values):
            for row, value in enumerate(values, start=1):
                if not pd.isna(value):
                    sheet.write_number(row, col, float(value))
            width = 10
        else:
            for row, value in enumerate(values, start=1):
                if isinstance(value, str) and value:
                    sheet.write_string(row, col, value)
            width = min(60, max([len(str(column))] + [len(v) for v in values if isinstance(v, str)]))
        sheet.set_column(col, col, max(width, len(str(column))) + 2)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(table), 1), max(len(table.columns) - 1, 0))


def to_xlsx_bytes(frames_by_level: Mapping[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per entry: numbers as numbers, dates as dates, text as text
    (never a formula), a frozen header row and an autofilter."""
    import xlsxwriter  # here, not at the top: 0.1-0.15 s that every page's cold start would pay

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        formats = {"header": workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "bottom": 1}),
                   "date": workbook.add_format({"num_format": "yyyy-mm-dd"})}
        for name, table in zip(sheet_names(frames_by_level), frames_by_level.values()):
            _write_sheet(workbook, name, table, formats)
    return buffer.getvalue()
