"""The period calendar: every label form, its first and last day, and the labels that are refused."""

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzlogframe.periods import PERIOD_FORMS, Period, parse_period

D = dt.date


@pytest.mark.parametrize("text, label, start, end", [
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
])
def test_each_form_names_its_first_and_last_day(text, label, start, end):
    assert parse_period(text) == Period(label, start, end)


@pytest.mark.parametrize("text", [
    "2012-H3", "2012-H0", "2012-Q0", "2012-Q5", "2012-13", "2012-00", "2012-6", "31.02.2012", "2012-02-30",
    "29.02.2013", "32.01.2012", "01.13.2012", "12.2012", "2012/06", "H1-2012", "2012-S1", "12", "20120",
    "", "   ", "abc", "0000", "0000-H1", "0000-06", "0000-01-01", "01.01.0000",
])
def test_invalid_labels_are_none(text):
    assert parse_period(text) is None


def test_every_example_in_the_forms_message_parses():
    """The rejection message lists PERIOD_FORMS; each example it shows must itself be accepted."""
    for example in PERIOD_FORMS.replace(" or ", ", ").split(", "):
        assert parse_period(example) is not None, example


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)))
def test_both_date_forms_name_the_same_single_day(day):
    iso = day.isoformat()
    assert parse_period(iso) == Period(iso, day, day)
    assert parse_period(f"{day.day:02d}.{day.month:02d}.{day.year:04d}") == Period(iso, day, day)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)))
def test_month_quarter_half_and_year_contain_the_day_and_end_on_their_last_day(day):
    y, m = day.year, day.month
    month = parse_period(f"{y:04d}-{m:02d}")
    assert (month.start, month.end) == (D(y, m, 1), D(y, m, calendar.monthrange(y, m)[1]))
    q, h = (m - 1) // 3 + 1, (m - 1) // 6 + 1
    quarter, half, year = parse_period(f"{y:04d}-Q{q}"), parse_period(f"{y:04d}-H{h}"), parse_period(f"{y:04d}")
    assert quarter.start == D(y, 3 * q - 2, 1) and quarter.end == D(y, 3 * q, calendar.monthrange(y, 3 * q)[1])
    assert half.start == D(y, 6 * h - 5, 1) and half.end == D(y, 6 * h, calendar.monthrange(y, 6 * h)[1])
    assert (year.start, year.end) == (D(y, 1, 1), D(y, 12, 31))
    for period in (month, quarter, half, year):
        assert period.start <= day <= period.end
