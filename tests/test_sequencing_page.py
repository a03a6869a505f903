"""The Sequencing page through AppTest, on the hand-checked schedule of test_schedule.py."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe.tracking import activity_history, current_actuals
from tests.conftest import open_page
from tests.test_schedule import ACTIVITIES


@pytest.fixture
def env(tmp_path, monkeypatch, minimal_text):
    text = minimal_text.replace("    max_eur: 800000\n", "    max_eur: 800000\n    signature_months: 6\n")
    text = text[:text.index("    activities:")] + ACTIVITIES.lstrip("\n") + text[text.index("budget:"):]
    (tmp_path / "demo.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(tmp_path))
    db = tmp_path / "store.duckdb"
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    return db


def sequencing_page() -> AppTest:
    return open_page("views/sequencing.py")


def violation_rows(at: AppTest) -> list[tuple[str, str]]:
    frame = at.dataframe[0].value
    return list(zip(frame["Problem"], frame["Activity"]))


def test_gantt_and_violations_at_a_date(env):
    at = sequencing_page()
    assert at.title[0].value == "Sequencing"
    assert len(at.get("plotly_chart")) == 1
    at.date_input(key="seq_today_demo").set_value(dt.date(2014, 1, 23)).run()  # month 31
    rows = violation_rows(at)
    assert ("missed deadline", "R1.A3") in rows
    assert ("late start", "R1.A1") in rows
    assert all(activity != "R1.A5" for _, activity in rows)  # "as needed" is never late


def test_filter_by_result(env):
    at = sequencing_page()
    at.date_input(key="seq_today_demo").set_value(dt.date(2018, 6, 23)).run()
    at.multiselect(key="seq_results").set_value(["R2"]).run()
    assert {activity for _, activity in violation_rows(at)} == {"R2.A1"}


def test_recording_actual_progress_keeps_history(env):
    at = sequencing_page()
    form_boxes = [s for s in at.selectbox if s.label == "Activity"]
    form_boxes[0].set_value("R1.A1")
    [s for s in at.selectbox if s.label == "Status"][0].set_value("ongoing")
    [d for d in at.date_input if d.label == "Actual start"][0].set_value(dt.date(2012, 1, 10))
    at.button[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success][-1] == "Saved: R1.A1 is now ongoing."

    [s for s in at.selectbox if s.label == "Activity"][0].set_value("R1.A1")
    [s for s in at.selectbox if s.label == "Status"][0].set_value("completed")
    [d for d in at.date_input if d.label == "Actual start"][0].set_value(dt.date(2012, 1, 10))
    [d for d in at.date_input if d.label.startswith("Actual end")][0].set_value(dt.date(2012, 8, 1))
    at.button[0].click().run()
    actual = current_actuals("demo", env)["R1.A1"]
    assert (actual.start, actual.end, actual.status) == (dt.date(2012, 1, 10), dt.date(2012, 8, 1), "completed")
    assert list(activity_history("demo", env)["status"]) == ["completed", "ongoing"]


def test_end_before_start_is_refused(env):
    at = sequencing_page()
    [s for s in at.selectbox if s.label == "Activity"][0].set_value("R1.A2")
    [d for d in at.date_input if d.label == "Actual start"][0].set_value(dt.date(2013, 1, 10))
    [d for d in at.date_input if d.label.startswith("Actual end")][0].set_value(dt.date(2012, 1, 10))
    at.button[0].click().run()
    assert "is before actual start" in at.error[0].value
    assert current_actuals("demo", env) == {}
