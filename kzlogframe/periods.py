"""The period calendar: how a label such as ``2012-H1`` or ``30.06.2012`` becomes a date range.

The rule is written once, as SQL, because the importer applies it to millions of rows inside
DuckDB; :func:`parse_period` runs the same SQL for a single label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

PERIOD_FORMS = "2012-H1, 2012-Q3, 2012-06, 2012, 2012-06-30 or 30.06.2012"


def period_form_sql(col: str) -> str:
    """SQL expression: which form the (trimmed, upper-case) text ``col`` has — H, Q, M, Y, D (ISO
    date), DMY (dd.mm.yyyy) — or NULL. Classified once, so each row pays for each pattern once."""
    return f"""(CASE
        WHEN regexp_matches({col}, '^0000|\\.0000$') THEN NULL  -- there is no year 0 (DuckDB reads it as 1 BC)
        WHEN regexp_full_match({col}, '\\d{{4}}-H[12]') THEN 'H'
        WHEN regexp_full_match({col}, '\\d{{4}}-Q[1-4]') THEN 'Q'
        WHEN regexp_full_match({col}, '\\d{{4}}-(0[1-9]|1[0-2])') THEN 'M'
        WHEN regexp_full_match({col}, '\\d{{4}}') THEN 'Y'
        WHEN regexp_full_match({col}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') THEN 'D'
        WHEN regexp_full_match({col}, '\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{4}}') THEN 'DMY'
    END)"""


def period_start_sql(col: str, form: str) -> str:
    """SQL expression: first day of the period, given its text and its form."""
    return f"""(CASE {form}
        WHEN 'H' THEN make_date(CAST({col}[1:4] AS INTEGER), CAST({col}[7:7] AS INTEGER) * 6 - 5, 1)
        WHEN 'Q' THEN make_date(CAST({col}[1:4] AS INTEGER), CAST({col}[7:7] AS INTEGER) * 3 - 2, 1)
        WHEN 'M' THEN make_date(CAST({col}[1:4] AS INTEGER), CAST({col}[6:7] AS INTEGER), 1)
        WHEN 'Y' THEN make_date(CAST({col} AS INTEGER), 1, 1)
        WHEN 'D' THEN CAST(try_strptime({col}, '%Y-%m-%d') AS DATE)
        WHEN 'DMY' THEN CAST(try_strptime({col}, '%d.%m.%Y') AS DATE)
    END)"""


def period_end_sql(form: str, start: str) -> str:
    """SQL expression: last day of the period, given its form and its ``start`` date."""
    return f"""(CASE {form}
        WHEN 'H' THEN CAST({start} + INTERVAL 6 MONTH - INTERVAL 1 DAY AS DATE)
        WHEN 'Q' THEN CAST({start} + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)
        WHEN 'M' THEN CAST({start} + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
        WHEN 'Y' THEN CAST({start} + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)
        ELSE {start}
    END)"""


def period_label_sql(col: str, form: str, start: str) -> str:
    """Canonical label: the form itself, except dates, which are written ISO."""
    return f"(CASE WHEN {form} = 'DMY' THEN strftime({start}, '%Y-%m-%d') ELSE {col} END)"


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date


def parse_period(text: str) -> Period | None:
    """The period a label names, or None when it is none of :data:`PERIOD_FORMS`."""
    sql = f"""
        WITH p AS (SELECT upper(trim(?)) AS t),
             f AS (SELECT t, {period_form_sql('t')} AS form FROM p),
             s AS (SELECT t, form, {period_start_sql('t', 'form')} AS start FROM f)
        SELECT {period_label_sql('t', 'form', 'start')}, start, {period_end_sql('form', 'start')} FROM s"""
    with duckdb.connect() as con:
        label, start, end = con.execute(sql, [text]).fetchone()
    return Period(label, start, end) if start is not None else None


@dataclass(frozen=True)
class ReportingPeriod:
    """A six-month reporting window: semester ``S3`` counted from FA signature, or half ``2013-H2``."""

    label: str
    start: dt.date
    end: dt.date
    index: int


def reporting_periods(fa_signature: dt.date, total_months: int, calendar_halves: bool) -> list[ReportingPeriod]:
    """Every reporting window from FA signature to the programme's end, in order."""
    periods: list[ReportingPeriod] = []
    if calendar_halves:
        year, half = fa_signature.year, 1 if fa_signature.month <= 6 else 2
        end = add_months(fa_signature, total_months)
        while dt.date(year, 1 if half == 1 else 7, 1) <= end:
            start = dt.date(year, 1 if half == 1 else 7, 1)
            stop = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
            periods.append(ReportingPeriod(f"{year}-H{half}", start, stop, len(periods) + 1))
            year, half = (year, 2) if half == 1 else (year + 1, 1)
        return periods
    for k in range(total_months // 6):
        start = add_months(fa_signature, 6 * k)
        stop = add_months(fa_signature, 6 * (k + 1)) - dt.timedelta(days=1)
        periods.append(ReportingPeriod(f"S{k + 1}", start, stop, k + 1))
    return periods
