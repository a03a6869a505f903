"""The period calendar: how a measurement period label such as ``2012-H1`` or ``30.06.2012`` becomes
a date range, and how each measurement period falls into one reporting period of a programme.

The label rule is written once, as SQL, because the importer applies it to millions of rows
inside DuckDB. The reporting rule is :func:`reporting_period_of`, with its SQL twin
:func:`reporting_join_sql` (tests check that they agree on every day of a calendar).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

PERIOD_EXAMPLES = ("2012-H1", "2012-Q3", "2012-06", "2012", "2012-06-30", "30.06.2012")  # one of each form read
PERIOD_FORMS = ", ".join(PERIOD_EXAMPLES[:-1]) + " or " + PERIOD_EXAMPLES[-1]


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
class ReportingPeriod:
    """A window of a programme's reporting calendar: a calendar half (``2013-H2``), a semester
    counted from an anchor date (``S3``) or, for an annual state budget programme, a calendar year
    (``2007``)."""

    label: str
    start: dt.date
    end: dt.date
    index: int

    def __str__(self) -> str:
        return f"{self.label} ({self.start.isoformat()} – {self.end.isoformat()})"


def calendar_halves(first: dt.date, last: dt.date) -> list[ReportingPeriod]:
    """Every calendar half from the one holding ``first`` to the one holding ``last``."""
    periods: list[ReportingPeriod] = []
    year, half = first.year, 1 if first.month <= 6 else 2
    while (year, half) <= (last.year, 1 if last.month <= 6 else 2):
        start = dt.date(year, 1 if half == 1 else 7, 1)
        end = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
        periods.append(ReportingPeriod(f"{year}-H{half}", start, end, len(periods) + 1))
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return periods


def calendar_years(first: dt.date, last: dt.date) -> list[ReportingPeriod]:
    """Every calendar year from the one holding ``first`` to the one holding ``last``: the calendar of
    a state budget programme, whose plan and fact are annual (the budget year is the calendar year)."""
    return [ReportingPeriod(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), index)
            for index, year in enumerate(range(first.year, last.year + 1), start=1)]


def semesters(anchor: dt.date, last: dt.date) -> list[ReportingPeriod]:
    """Six-month windows S1, S2, … from ``anchor`` until the one holding ``last``."""
    periods: list[ReportingPeriod] = []
    while not periods or periods[-1].end < last:
        k = len(periods)
        start = add_months(anchor, 6 * k)
        end = add_months(anchor, 6 * (k + 1)) - dt.timedelta(days=1)
        periods.append(ReportingPeriod(f"S{k + 1}", start, end, k + 1))
    return periods


class StraddlesPeriods(ValueError):
    """A measurement period that runs over two or more reporting periods."""


def reporting_period_of(periods: Sequence[ReportingPeriod], start: dt.date, end: dt.date) -> ReportingPeriod:
    """THE rule that places a measurement in the reporting calendar: it belongs to the reporting
    period that holds its last day, the day its value is known. One that starts in an earlier
    reporting period straddles two and is refused (:class:`StraddlesPeriods`), because its value
    cannot be split between them. Days before the calendar's first period belong to the first,
    days after its last period to the last.

    The importer and the progress engine apply the same rule in SQL (:func:`reporting_join_sql`)."""
    starts = [p.start for p in periods]
    holder = periods[max(bisect.bisect_right(starts, end) - 1, 0)]
    first = periods[max(bisect.bisect_right(starts, start) - 1, 0)]
    if first.index != holder.index:
        raise StraddlesPeriods(f"spans the reporting periods {first} … {holder}: give one value per reporting period")
    return holder


def period_containing(periods: Sequence[ReportingPeriod], day: dt.date) -> ReportingPeriod:
    """The reporting period that holds ``day`` (a one-day measurement period)."""
    return reporting_period_of(periods, day, day)


def reporting_join_sql(left: str, right: str, day: str = "period_end") -> str:
    """SQL of :func:`reporting_period_of` for whole tables: ``{left} ASOF JOIN {right}`` on the
    reporting period holding ``{left}.{day}``, where ``left`` has ``programme`` and ``right`` is a
    table of :func:`reporting_rows`. Joined on the ``day`` of the measurement's start, the rule's
    other half, a different ``rp_index`` marks a measurement that straddles two periods."""
    return (f"{left} ASOF JOIN {right} ON {right}.programme = {left}.programme "
            f"AND {left}.{day} >= {right}.rp_from")


REPORTING_COLUMNS = ["programme", "reporting_period", "rp_index", "rp_start", "rp_end", "rp_from"]
BEFORE_ANY_PROGRAMME = dt.date(1900, 1, 1)  # where the first reporting period starts for the join


def reporting_rows(programme: str, periods: Sequence[ReportingPeriod]) -> list[tuple]:
    """Rows of the reporting calendar table SQL joins against (columns :data:`REPORTING_COLUMNS`);
    ``rp_from`` is where the join starts the period: the first one long before any programme."""
    return [(programme, p.label, p.index, p.start, p.end, BEFORE_ANY_PROGRAMME if p.index == 1 else p.start)
            for p in periods]


def latest_finished_with_data(periods: Sequence[ReportingPeriod], measured_ends: Sequence[dt.date],
                              today: dt.date) -> ReportingPeriod:
    """The period a report or a page should open on: the last one that has ended by ``today`` and
    holds a measurement (by :func:`reporting_period_of`); else the last one ended; else the first."""
    ended = [p for p in periods if p.end < today] or periods[:1]
    with_data = {period_containing(periods, day).index for day in measured_ends}
    return next((p for p in reversed(ended) if p.index in with_data), ended[-1])
