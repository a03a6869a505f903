"""The Sequencing page through AppTest, on the hand-checked schedule of test_schedule.py."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

import pandas as pd

from kzlogframe.access import PermissionDenied, User
from kzlogframe.tracking import RecordRefused, activity_history, activity_state, current_actuals, update_activity
from tests.conftest import ADMIN, open_page
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


def widget(at: AppTest, kind: str, label: str):
    return next(w for w in at.get(kind) if w.label.startswith(label))


def choose_activity(at: AppTest, code: str) -> AppTest:
    """Choosing the activity reruns the page (as in a browser): the form then holds its recorded state."""
    widget(at, "selectbox", "Activity").set_value(code)
    return at.run()


def test_recording_actual_progress_keeps_history(env):
    at = choose_activity(sequencing_page(), "R1.A1")
    assert widget(at, "selectbox", "Status").value == "not_started"
    widget(at, "selectbox", "Status").set_value("ongoing")
    widget(at, "date_input", "Actual start").set_value(dt.date(2012, 1, 10))
    widget(at, "button", "Save").click().run()
    assert not at.exception
    assert [s.value for s in at.success][-1] == "Saved: R1.A1 is now ongoing."

    # the form now starts from what is recorded: only the end and the status are entered
    assert widget(at, "date_input", "Actual start").value == dt.date(2012, 1, 10)
    widget(at, "selectbox", "Status").set_value("completed")
    widget(at, "date_input", "Actual end").set_value(dt.date(2012, 8, 1))
    widget(at, "button", "Save").click().run()
    actual = current_actuals("demo", env)["R1.A1"]
    assert (actual.start, actual.end, actual.status) == (dt.date(2012, 1, 10), dt.date(2012, 8, 1), "completed")
    assert list(activity_history("demo", env)["status"]) == ["completed", "ongoing"]


def test_a_status_change_alone_keeps_the_recorded_dates_and_comment(env):
    update_activity("demo", "R1.A1", {"status": "completed", "actual_start": dt.date(2012, 1, 10),
                                      "actual_end": dt.date(2012, 8, 1), "comment": "signed"}, actor=ADMIN, db=env)
    at = choose_activity(sequencing_page(), "R1.A1")
    assert (widget(at, "selectbox", "Status").value, widget(at, "date_input", "Actual start").value,
            widget(at, "date_input", "Actual end").value, widget(at, "text_input", "Comment").value) == (
        "completed", dt.date(2012, 1, 10), dt.date(2012, 8, 1), "signed")
    widget(at, "selectbox", "Status").set_value("delayed")
    widget(at, "button", "Save").click().run()
    assert [s.value for s in at.success][-1] == "Saved: R1.A1 is now delayed."
    history = activity_history("demo", env)
    assert history[["status", "actual_start", "actual_end", "comment"]].iloc[0].tolist() == [
        "delayed", pd.Timestamp(2012, 1, 10), pd.Timestamp(2012, 8, 1), "signed"]
    widget(at, "button", "Save").click().run()  # saving what is recorded writes nothing
    assert at.info[-1].value == "Nothing changed: R1.A1 is as recorded."
    assert len(activity_history("demo", env)) == 2


def test_end_before_start_is_refused_in_the_readers_language(env):
    at = sequencing_page()
    at.sidebar.selectbox(key="lang").set_value("ru").run()
    widget(at, "selectbox", "Мероприятие").set_value("R1.A2")
    at.run()
    widget(at, "date_input", "Фактическое начало").set_value(dt.date(2013, 1, 10))
    widget(at, "date_input", "Фактическое окончание").set_value(dt.date(2012, 1, 10))
    widget(at, "button", "Сохранить").click().run()
    assert at.error[0].value == ("Фактическое окончание 2012-01-10 раньше фактического начала 2013-01-10: "
                                 "ничего не сохранено.")
    assert current_actuals("demo", env) == {}


def test_the_library_applies_only_the_changes_and_refuses_a_bad_state(env):
    update_activity("demo", "R1.A1", {"status": "ongoing", "actual_start": dt.date(2012, 1, 10)}, actor=ADMIN, db=env)
    update_activity("demo", "R1.A1", {"actual_end": dt.date(2012, 3, 1)}, actor=ADMIN, db=env)
    state = activity_state("demo", "R1.A1", env)
    assert (state.status, state.actual_start, state.actual_end) == ("ongoing", dt.date(2012, 1, 10),
                                                                    dt.date(2012, 3, 1))
    with pytest.raises(RecordRefused) as refused:
        update_activity("demo", "R1.A1", {"actual_start": dt.date(2012, 4, 1)}, actor=ADMIN, db=env)
    assert refused.value.key == "activity.refused.end_before_start"
    with pytest.raises(RecordRefused, match="needs an actual start"):
        update_activity("demo", "R1.A1", {"actual_start": None}, actor=ADMIN, db=env)
    with pytest.raises(PermissionDenied):
        update_activity("demo", "R1.A1", {"status": "completed"}, actor=User("v", "viewer"), db=env)
    update_activity("demo", "R1.A1", {"actual_end": None}, actor=ADMIN, db=env)  # a None given on purpose clears
    assert activity_state("demo", "R1.A1", env).actual_end is None
    assert len(activity_history("demo", env)) == 3


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
