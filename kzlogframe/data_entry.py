"""Data entry without a file, as DHIS2's data entry form: one grid per programme, reporting period and
disaggregation cell, opened on the current values; what the user changed goes through the importer
(``ingest``) as a small CSV, so it passes the very same checks, and is committed strictly — every
changed value or none — as one batch, with its history and rollback like any upload.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .access import User
from .i18n import t
from .ingest import DIMENSIONS, ImportReport, import_bytes
from .measurements import current_measurements
from .models import Indicator, IndicatorType, Logframe
from .periods import ReportingPeriod
from .upload_templates import milestone_words, period_text

GRID_COLUMNS = ("indicator", "name", "unit", "current", "value", "comment")
EDITABLE = ("value", "comment")


@dataclass(frozen=True)
class Cell:
    """A disaggregation cell: the code of each dimension's value, ``""`` for not broken down (the total)."""

    sex: str = ""
    oblast: str = ""
    ministry: str = ""

    def dimensions(self) -> set[str]:
        return {dim for dim in DIMENSIONS if getattr(self, dim)}


@dataclass
class EntryResult:
    status: str  # "nothing_changed" | "committed" | "refused" | "duplicate"
    changed: int = 0
    batch_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)  # indicator code -> why, in the reader's language
    report: ImportReport | None = None


def cell_indicators(lf: Logframe, cell: Cell) -> list[Indicator]:
    """The indicators that take a value in ``cell``: broken down by every dimension it names."""
    wanted = cell.dimensions()
    return [ind for _, ind in lf.indicators() if wanted <= {d.value for d in ind.disaggregation}]


def period_bounds(period: ReportingPeriod) -> tuple[dt.date, dt.date]:
    """First and last day of the measurement a data entry for ``period`` writes (:func:`period_text`)."""
    return (period.start, period.end) if period_text(period) == period.label else (period.end, period.end)


def _shown(value: float | None, text: object) -> str:
    if isinstance(text, str) and text.strip():
        return text
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def entry_grid(lf: Logframe, period: ReportingPeriod, cell: Cell, lang: str,
               db: Path | str | None = None) -> pd.DataFrame:
    """One row per indicator of ``cell``: its code, name and unit in ``lang``, the current value of
    this period and cell as it was written (a milestone in ``lang``'s words; empty when none), and
    the value and comment to edit."""
    start, end = period_bounds(period)
    stored = current_measurements(lf.programme.code, db)
    if len(stored):
        stored = stored[(stored["period_start"].dt.date == start) & (stored["period_end"].dt.date == end)
                        & (stored["sex"].fillna("") == cell.sex) & (stored["oblast"].fillna("") == cell.oblast)
                        & (stored["ministry"].fillna("") == cell.ministry)]
    now = {row.indicator: row for row in stored.itertuples()}
    rows = []
    for ind in cell_indicators(lf, cell):
        found = now.get(ind.code)
        if found is None:
            value = ""
        elif ind.type is IndicatorType.milestone:  # in the reader's words, whatever the file said
            value = milestone_words(lang)[0 if found.value >= 0.5 else 1]
        else:
            value = _shown(found.value, found.value_text)
        comment = found.comment if found is not None and isinstance(found.comment, str) else ""
        rows.append((ind.code, ind.text.get(lang), ind.unit.get(lang) if ind.unit else "", value, value, comment))
    return pd.DataFrame(rows, columns=list(GRID_COLUMNS))


def changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``after`` whose value or comment differs from ``before`` (same rows, same order)."""
    differs = pd.Series(False, index=after.index)
    for column in EDITABLE:
        differs |= after[column].fillna("").astype(str).str.strip() != before[column].fillna("").astype(str).str.strip()
    return after[differs]


def entry_csv(lf: Logframe, period: ReportingPeriod, cell: Cell, rows: pd.DataFrame, stamp: str) -> bytes:
    """The changed rows as the CSV the importer reads; a ``#`` line with ``stamp`` makes every entry
    a file of its own (the same values entered again after a change are not a re-upload)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["programme", "indicator", "period", "value", *DIMENSIONS, "comment"])
    for row in rows.itertuples():
        writer.writerow([lf.programme.code, row.indicator, period_text(period), str(row.value or "").strip(),
                         *(getattr(cell, dim) for dim in DIMENSIONS), str(row.comment or "").strip()])
    writer.writerow([f"# {stamp}"])
    return out.getvalue().encode("utf-8")


def save_entry(lf: Logframe, period: ReportingPeriod, cell: Cell, before: pd.DataFrame, after: pd.DataFrame,
               catalog: Mapping[str, Logframe], actor: User, lang: str, db: Path | str | None = None,
               now: dt.datetime | None = None) -> EntryResult:
    """Commit what changed between ``before`` and ``after`` (grids of :func:`entry_grid`) as one batch
    named "data entry <date>" in ``actor``'s name, or nothing when any changed value is refused:
    then each refused indicator has its reason."""
    rows = changed_rows(before, after)
    if rows.empty:
        return EntryResult("nothing_changed")
    now = now or dt.datetime.now()
    data = entry_csv(lf, period, cell, rows, now.isoformat())
    report = import_bytes(data, t("entry.file_name", lang, date=now.strftime("%Y-%m-%d %H:%M")), catalog, actor,
                          db=db, strict=True, lang=lang)
    codes = rows["indicator"].tolist()
    errors: dict[str, str] = {}
    for line, reason in zip(report.rejected["line"], report.rejected["reason"]):
        code = codes[int(line) - 2]
        errors[code] = f"{errors[code]}; {reason}" if code in errors else str(reason)
    status = {"committed": "committed", "duplicate": "duplicate"}.get(report.status, "refused")
    return EntryResult(status, len(rows), report.batch_id if status == "committed" else report.duplicate_of,
                       errors, report)
