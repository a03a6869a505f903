"""The period calendar: how a label such as ``2012-H1`` or ``30.06.2012`` becomes a date range.

The rule is written once, as SQL, because the importer applies it to millions of rows inside
DuckDB; :func:`parse_period` runs the same SQL for a single label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

PERIOD_FORMS = "2012-H1, 2012-Q3, 2012-06, 2012, 2012-06-30 or 30.06.2012"


def period_start_sql(col: str) -> str:
    """SQL expression: first day of the period named by the (trimmed, upper-case) text ``col``."""
    return f"""(CASE
        WHEN regexp_matches({col}, '^0000|\\.0000$') THEN NULL  -- there is no year 0 (DuckDB reads it as 1 BC)
        WHEN regexp_full_match({col}, '\\d{{4}}-H[12]')
            THEN make_date(CAST({col}[1:4] AS INTEGER), CAST({col}[7:7] AS INTEGER) * 6 - 5, 1)
        WHEN regexp_full_match({col}, '\\d{{4}}-Q[1-4]')
            THEN make_date(CAST({col}[1:4] AS INTEGER), CAST({col}[7:7] AS INTEGER) * 3 - 2, 1)
        WHEN regexp_full_match({col}, '\\d{{4}}-(0[1-9]|1[0-2])')
            THEN make_date(CAST({col}[1:4] AS INTEGER), CAST({col}[6:7] AS INTEGER), 1)
        WHEN regexp_full_match({col}, '\\d{{4}}')
            THEN make_date(CAST({col} AS INTEGER), 1, 1)
        WHEN regexp_full_match({col}, '\\d{{4}}-\\d{{2}}-\\d{{2}}')
            THEN CAST(try_strptime({col}, '%Y-%m-%d') AS DATE)
        WHEN regexp_full_match({col}, '\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{4}}')
            THEN CAST(try_strptime({col}, '%d.%m.%Y') AS DATE)
    END)"""


def period_end_sql(col: str, start: str) -> str:
    """SQL expression: last day of the period, given its text ``col`` and its ``start`` date."""
    return f"""(CASE
        WHEN regexp_full_match({col}, '\\d{{4}}-H[12]') THEN CAST({start} + INTERVAL 6 MONTH - INTERVAL 1 DAY AS DATE)
        WHEN regexp_full_match({col}, '\\d{{4}}-Q[1-4]') THEN CAST({start} + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)
        WHEN regexp_full_match({col}, '\\d{{4}}-\\d{{2}}') THEN CAST({start} + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
        WHEN regexp_full_match({col}, '\\d{{4}}') THEN CAST({start} + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)
        ELSE {start}
    END)"""


def period_label_sql(col: str, start: str) -> str:
    """Canonical label: the form itself, except dates, which are written ISO."""
    return f"(CASE WHEN regexp_full_match({col}, '\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{4}}') " \
           f"THEN strftime({start}, '%Y-%m-%d') ELSE {col} END)"


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date


def parse_period(text: str) -> Period | None:
    """The period a label names, or None when it is none of :data:`PERIOD_FORMS`."""
    sql = f"""
        WITH p AS (SELECT upper(trim(?)) AS t),
             s AS (SELECT t, {period_start_sql('t')} AS start FROM p)
        SELECT {period_label_sql('t', 'start')}, start, {period_end_sql('t', 'start')} FROM s"""
    with duckdb.connect() as con:
        label, start, end = con.execute(sql, [text]).fetchone()
    return Period(label, start, end) if start is not None else None
