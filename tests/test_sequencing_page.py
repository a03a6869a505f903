"""The Sequencing page through AppTest, on the hand-checked schedule of test_schedule.py."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe.tracking import activity_history, current_actuals
from tests.conftest import open_page
from tests.test_schedule import ACTIVITIES, MONITORING


@pytest.fixture
def env(tmp_path, monkeypatch, minimal_text):
    text = minimal_text.replace("    max_eur: 800000\n", "    max_eur: 800000\n    signature_months: 6\n")
    text = text[:text.index("    activities:")] + ACTIVITIES.lstrip("\n") + text[text.index("budget:"):]
    (tmp_path / "demo.yaml").write_text(text + MONITORING, encoding="utf-8")
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


def calendar(at: AppTest):
    return next(df.value for df in at.dataframe if "What" in df.value.columns)


def test_the_m_and_e_calendar_says_which_dates_are_assumed(env):
    """test_schedule's M&E section on an FA signature of 2011-06-23 (no source document: no lines)."""
    frame = calendar(sequencing_page())
    rows = {(d, w): (u, timing) for d, u, w, timing in zip(frame["Date"], frame["Until"], frame["What"],
                                                            frame["Timing"])}
    assert rows[("2011-06-23", "benchmarking of the indicators (inception phase)")] == ("2011-12-23", "assumed")
    assert rows[("2011-12-23", "results-oriented monitoring")] == ("", "stated in the decision")
    assert rows[("2012-12-23", "results-oriented monitoring")] == ("", "assumed")
    assert rows[("2013-11-23", "notice to the Beneficiary before the mid-term evaluation")] == ("", "assumed")
    assert rows[("2018-06-23", "ex-post evaluation")] == ("", "assumed; possible, may not take place")
    assert rows[("2011-12-23", "contract signed: Service contract")] == ("", "assumed")
    assert rows[("2014-06-23", "contracting deadline")] == ("", "stated in the decision")
    assert set(frame["Source"]) == {""}


def test_the_bundled_calendar_cites_its_lines_in_kazakh(monkeypatch, tmp_path):
    monkeypatch.setenv("KZLOGFRAME_DB", str(tmp_path / "store.duckdb"))
    at = sequencing_page()
    frame = calendar(at)
    rom = frame[frame["What"] == "results-oriented monitoring"]
    assert list(rom["Source"].unique()) == ["resolution No 687, lines 971–974"]
    assert list(rom["Timing"]) == ["stated in the decision"] + ["assumed"] * 4  # months 6, then a year apart
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    frame = next(df.value for df in at.dataframe if "Не" in df.value.columns)
    visits = frame[frame["Не"] == "мониторингтік сапар"]
    assert len(visits) == 9 and set(visits["Дереккөз"]) == {"№ 687 қаулы, 828–830-жолдар"}
    assert set(visits["Мерзімі"]) == {"болжам"}
