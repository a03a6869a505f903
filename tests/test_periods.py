"""The period calendar: every label form, its first and last day, the labels that are refused, and
the one rule that places a measurement period in a programme's reporting calendar."""

import calendar
import datetime as dt

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzlogframe.periods import (
    PERIOD_FORMS, REPORTING_COLUMNS, StraddlesPeriods, calendar_halves, calendar_years, period_end_sql,
    period_form_sql, period_label_sql, period_start_sql, reporting_join_sql, reporting_period_of, reporting_rows,
    semesters)

D = dt.date


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


def parse(con, texts: list[str]) -> list[tuple[str, dt.date, dt.date] | None]:
    """Every label through the importer's SQL in one query: (label, first day, last day) or None."""
    frame = pd.DataFrame({"n": range(len(texts)), "raw": texts})
    con.register("labels", frame)
    rows = con.execute(f"""
        WITH p AS (SELECT n, upper(trim(raw)) AS t FROM labels),
             f AS (SELECT n, t, {period_form_sql('t')} AS form FROM p),
             s AS (SELECT n, t, form, {period_start_sql('t', 'form')} AS start FROM f)
        SELECT n, {period_label_sql('t', 'form', 'start')}, start, {period_end_sql('form', 'start')}
        FROM s ORDER BY n""").fetchall()
    con.unregister("labels")
    return [(label, start, end) if start is not None else None for _, label, start, end in rows]


FORMS = [
    ("2012-H1", "2012-H1", D(2012, 1, 1), D(2012, 6, 30)),
    ("2012-H2", "2012-H2", D(2012, 7, 1), D(2012, 12, 31)),
    ("2012-Q1", "2012-Q1", D(2012, 1, 1), D(2012, 3, 31)),
    ("2012-Q3", "2012-Q3", D(2012, 7, 1), D(2012, 9, 30)),
    ("2012-Q4", "2012-Q4", D(2012, 10, 1), D(2012, 12, 31)),
    ("2012-06", "2012-06", D(2012, 6, 1), D(2012, 6, 30)),
    ("2012-02", "2012-02", D(2012, 2, 1), D(2012, 2, 29)),
    ("2013-02", "2013-02", D(2013, 2, 1), D(2013, 2, 28)),
    ("2012-12", "2012-12", D(2012, 12, 1), D(2012, 12, 31)),
    ("2012", "2012", D(2012, 1, 1), D(2012, 12, 31)),
    ("2012-06-30", "2012-06-30", D(2012, 6, 30), D(2012, 6, 30)),
    ("30.06.2012", "2012-06-30", D(2012, 6, 30), D(2012, 6, 30)),
    ("1.2.2012", "2012-02-01", D(2012, 2, 1), D(2012, 2, 1)),
    ("29.02.2012", "2012-02-29", D(2012, 2, 29), D(2012, 2, 29)),
    ("  2012-h2 ", "2012-H2", D(2012, 7, 1), D(2012, 12, 31)),
    ("2012-q3", "2012-Q3", D(2012, 7, 1), D(2012, 9, 30)),
]
INVALID = ["2012-H3", "2012-H0", "2012-Q0", "2012-Q5", "2012-13", "2012-00", "2012-6", "31.02.2012", "2012-02-30",
           "29.02.2013", "32.01.2012", "01.13.2012", "12.2012", "2012/06", "H1-2012", "2012-S1", "12", "20120",
           "", "   ", "abc", "0000", "0000-H1", "0000-06", "0000-01-01", "01.01.0000"]


def test_each_form_names_its_first_and_last_day(con):
    assert parse(con, [text for text, *_ in FORMS]) == [tuple(expected) for _, *expected in FORMS]


def test_invalid_labels_are_refused(con):
    assert parse(con, INVALID) == [None] * len(INVALID)


def test_every_example_in_the_forms_message_parses(con):
    """The rejection message lists PERIOD_FORMS; each example it shows must itself be accepted."""
    examples = PERIOD_FORMS.replace(" or ", ", ").split(", ")
    assert None not in parse(con, examples)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)), min_size=1, max_size=30))
def test_both_date_forms_name_the_same_single_day(con, days):
    texts = [d.isoformat() for d in days] + [f"{d.day:02d}.{d.month:02d}.{d.year:04d}" for d in days]
    assert parse(con, texts) == [(d.isoformat(), d, d) for d in days] * 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)), min_size=1, max_size=30))
def test_month_quarter_half_and_year_contain_the_day_and_end_on_their_last_day(con, days):
    texts = []
    for d in days:
        y, m = d.year, d.month
        texts += [f"{y:04d}-{m:02d}", f"{y:04d}-Q{(m - 1) // 3 + 1}", f"{y:04d}-H{(m - 1) // 6 + 1}", f"{y:04d}"]
    parsed = parse(con, texts)
    for k, d in enumerate(days):
        y, m = d.year, d.month
        month, quarter, half, year = (p[1:] for p in parsed[4 * k:4 * k + 4])
        q, h = (m - 1) // 3 + 1, (m - 1) // 6 + 1
        assert month == (D(y, m, 1), D(y, m, calendar.monthrange(y, m)[1]))
        assert quarter == (D(y, 3 * q - 2, 1), D(y, 3 * q, calendar.monthrange(y, 3 * q)[1]))
        assert half == (D(y, 6 * h - 5, 1), D(y, 6 * h, calendar.monthrange(y, 6 * h)[1]))
        assert year == (D(y, 1, 1), D(y, 12, 31))
        assert all(start <= d <= end for start, end in (month, quarter, half, year))


# ---------------------------------------------------------------- the reporting calendar


def test_calendar_halves_cover_the_programme_and_follow_each_other():
    halves = calendar_halves(D(2011, 6, 23), D(2018, 6, 22))
    assert [str(halves[0]), str(halves[-1])] == ["2011-H1 (2011-01-01 – 2011-06-30)", "2018-H1 (2018-01-01 – 2018-06-30)"]
    assert len(halves) == 15 and [p.index for p in halves] == list(range(1, 16))
    assert all(b.start == a.end + dt.timedelta(days=1) for a, b in zip(halves, halves[1:]))


def test_semesters_count_six_months_from_their_anchor():
    sems = semesters(D(2011, 6, 23), D(2018, 6, 22))
    assert len(sems) == 14
    assert str(sems[6]) == "S7 (2014-06-23 – 2014-12-22)"
    assert all(b.start == a.end + dt.timedelta(days=1) for a, b in zip(sems, sems[1:]))


def test_calendar_years_cover_the_years_of_their_first_and_last_day():
    """A state budget programme's calendar: each year from 1 January to 31 December, labelled by its year."""
    years = calendar_years(D(2007, 1, 1), D(2009, 6, 30))
    assert [str(y) for y in years] == ["2007 (2007-01-01 – 2007-12-31)", "2008 (2008-01-01 – 2008-12-31)",
                                       "2009 (2009-01-01 – 2009-12-31)"]
    assert [p.index for p in years] == [1, 2, 3]
    assert [p.label for p in calendar_years(D(2007, 12, 31), D(2007, 12, 31))] == ["2007"]


@pytest.mark.parametrize("start, end, label", [
    (D(2007, 1, 1), D(2007, 12, 31), "2007"),      # the budget year itself
    (D(2007, 7, 1), D(2007, 12, 31), "2007"),      # a half
    (D(2007, 1, 1), D(2007, 3, 31), "2007"),       # a quarter
    (D(2008, 12, 31), D(2008, 12, 31), "2008"),    # a day
])
def test_under_calendar_years_every_period_of_a_year_belongs_to_it(start, end, label):
    years = calendar_years(D(2007, 1, 1), D(2008, 12, 31))
    assert reporting_period_of(years, start, end).label == label


def test_under_calendar_years_a_period_over_new_year_is_refused():
    years = calendar_years(D(2007, 1, 1), D(2008, 12, 31))
    with pytest.raises(StraddlesPeriods, match=r"2007 \(2007-01-01 – 2007-12-31\) … 2008 "):
        reporting_period_of(years, D(2007, 10, 1), D(2008, 3, 31))


@pytest.mark.parametrize("start, end, label", [
    (D(2014, 7, 1), D(2014, 9, 30), "2014-H2"),     # a quarter
    (D(2014, 12, 1), D(2014, 12, 31), "2014-H2"),   # a month
    (D(2014, 7, 1), D(2014, 12, 31), "2014-H2"),    # the half itself
    (D(2014, 6, 30), D(2014, 6, 30), "2014-H1"),    # a day
    (D(2018, 7, 1), D(2018, 9, 30), "2018-H1"),     # after the calendar: its last period
])
def test_a_measurement_period_belongs_to_the_reporting_period_of_its_last_day(start, end, label):
    halves = calendar_halves(D(2011, 6, 23), D(2018, 6, 22))
    assert reporting_period_of(halves, start, end).label == label


def test_a_period_over_two_reporting_periods_is_refused_naming_them():
    halves = calendar_halves(D(2011, 6, 23), D(2018, 6, 22))
    with pytest.raises(StraddlesPeriods, match=r"2012-H1 \(2012-01-01 – 2012-06-30\) … 2012-H2 \(2012-07-01 – "
                                               r"2012-12-31\)"):
        reporting_period_of(halves, D(2012, 1, 1), D(2012, 12, 31))
    sems = semesters(D(2011, 6, 23), D(2018, 6, 22))
    with pytest.raises(StraddlesPeriods, match="S1 .* … S2 "):
        reporting_period_of(sems, D(2011, 10, 1), D(2011, 12, 31))  # a calendar quarter over two semesters


@pytest.mark.parametrize("periods", [calendar_halves(D(2011, 6, 23), D(2018, 6, 22)),
                                     semesters(D(2011, 6, 23), D(2018, 6, 22)),
                                     calendar_years(D(2007, 1, 1), D(2009, 12, 31))],
                         ids=["halves", "semesters", "years"])
def test_the_sql_rule_agrees_with_the_python_rule_on_every_day(con, periods):
    """Each day of the calendar (and 40 days either side), alone and as the last day of a 100-day
    period: the same reporting period, and the same straddles, from SQL as from Python."""
    days = pd.date_range(periods[0].start - dt.timedelta(days=40), periods[-1].end + dt.timedelta(days=40), freq="D")
    frame = pd.DataFrame({"programme": "p", "period_start": days - pd.Timedelta(days=100), "period_end": days})
    con.register("m", frame)
    con.register("rp", pd.DataFrame(reporting_rows("p", periods), columns=REPORTING_COLUMNS))
    held = con.execute(f"SELECT m.period_end, rp.reporting_period FROM {reporting_join_sql('m', 'rp')} "
                       "ORDER BY m.period_end").fetchall()
    assert [label for _, label in held] == [reporting_period_of(periods, d.date(), d.date()).label for d in days]
    straddling = con.execute(f"""
        WITH h AS (SELECT m.*, rp.rp_index FROM {reporting_join_sql('m', 'rp')})
        SELECT h.period_end FROM {reporting_join_sql('h', 'rp', 'period_start')} WHERE rp.rp_index <> h.rp_index
        ORDER BY 1""").fetchall()

    def refused(start: dt.date, end: dt.date) -> bool:
        try:
            reporting_period_of(periods, start, end)
        except StraddlesPeriods:
            return True
        return False
    assert [d.date() for d, in straddling] == [d.date() for d in days
                                              if refused((d - pd.Timedelta(days=100)).date(), d.date())]


def test_days_before_the_first_period_belong_to_it():
    sems = semesters(D(2011, 6, 23), D(2018, 6, 22))
    assert reporting_period_of(sems, D(2011, 6, 1), D(2011, 6, 30)).label == "S1"  # June 2011: before S1 starts
    with pytest.raises(StraddlesPeriods, match="S1 .* … S2 "):
        reporting_period_of(sems, D(2011, 1, 1), D(2011, 12, 31))  # the year 2011 ends in S2
