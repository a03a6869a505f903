"""The Report page's committee forms (issue 18): the TA team records the summary, a deviation and a
risk and submits; only an administrator records decisions and approves; a viewer sees no form."""

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe import committee, review
from kzlogframe.access import User, add_user
from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv
from kzlogframe.report_state import current_report
from tests.conftest import ADMIN, ROOT

TA = User("ta-team", "uploader")
BOSS = User("boss", "admin")
KEY = "kazlod_2014-H2"


@pytest.fixture
def store(demo_store, tmp_path, monkeypatch):
    db, users = tmp_path / "store.duckdb", tmp_path / "users.yaml"
    shutil.copy(demo_store, db)
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(users))
    for user in (TA, BOSS, User("viewer1", "viewer")):
        add_user(user.name, user.role, f"{user.name}-password-123", db=db, actor=ADMIN)
    return db


def report_page_as(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["_user"] = user
    at.run()
    at.switch_page("views/report.py").run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def preview(at: AppTest) -> str:
    return at.get("iframe")[0].proto.srcdoc


def test_the_ta_team_records_and_submits_but_cannot_decide_or_approve(store):
    at = report_page_as(TA)
    assert "Version 1 · Draft" in [m.value.strip("*") for m in at.markdown]
    assert any("Only an administrator" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label in ("Save the decision", "Approve (Steering Committee)")]

    at.text_area(key=f"summary_text_{KEY}_en").set_value("Grants **signed** with 12 akimats.")
    button(at, "Save the executive summary").click().run()
    at.text_input(key=f"deviation_cause_{KEY}").set_value("Procurement was late")
    at.text_input(key=f"deviation_measure_{KEY}").set_value("Framework contract")
    at.text_input(key=f"deviation_owner_{KEY}").set_value("Team leader")
    button(at, "Save the deviation").click().run()
    at.text_input(key=f"risk_text_{KEY}_None").set_value("Akimats change staff")
    at.text_input(key=f"risk_mitigation_{KEY}_None").set_value("Train deputies")
    at.text_input(key=f"risk_owner_{KEY}_None").set_value("Key expert 2")
    button(at, "Save the risk").click().run()
    assert not at.exception and not at.error
    at.run()
    html = preview(at)
    assert all(text in html for text in ("<strong>signed</strong>", "Procurement was late", "Akimats change staff"))

    button(at, "Submit to the Steering Committee").click().run()
    assert "Version 1: Submitted to the Steering Committee." in [s.value for s in at.success]
    at.run()
    assert not [b for b in at.button if b.label.startswith(("Submit", "Approve"))]
    assert committee.control("kazlod", "2014-H2", store).status == "submitted"


def test_an_empty_field_is_refused_and_nothing_is_written(store):
    at = report_page_as(TA)
    at.text_input(key=f"deviation_cause_{KEY}").set_value("Procurement was late")
    button(at, "Save the deviation").click().run()
    assert at.error[0].value.startswith("Not saved: every field needs a value")
    assert committee.deviations("kazlod", store) == []


def test_the_administrator_records_decisions_and_approves(store):
    at = report_page_as(BOSS)
    at.text_area(key=f"decision_text_{KEY}_None").set_value("Approve the 2015 workplan")
    at.text_input(key=f"decision_owner_{KEY}_None").set_value("Ministry of National Economy")
    button(at, "Save the decision").click().run()
    assert not at.error
    button(at, "Submit to the Steering Committee").click().run()
    at.run()
    button(at, "Approve (Steering Committee)").click().run()
    at.run()
    assert "Version 1 · Approved by the Steering Committee" in [m.value.strip("*") for m in at.markdown]
    assert "Approve the 2015 workplan" in preview(at)
    at.toggle(key="report_as_submitted").set_value(True).run()
    assert not at.exception
    assert "As submitted: version 1" in preview(at)
    assert [d.body for d in committee.decisions("kazlod", store)] == ["Approve the 2015 workplan"]


def test_a_viewer_sees_no_committee_form(store):
    at = report_page_as(User("viewer1", "viewer"))
    labels = {b.label for b in at.button}
    assert not labels & {"Save the executive summary", "Save the deviation", "Save the risk", "Save the decision",
                         "Submit to the Steering Committee"}
    assert any("Only an administrator" in c.value for c in at.caption)


@pytest.fixture
def either_store(own_demo_store, tmp_path, monkeypatch):
    """The demo data on each backend in turn, with the committee's administrator as a user."""
    monkeypatch.setenv("KZLOGFRAME_DB", str(own_demo_store))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(tmp_path / "users.yaml"))
    add_user(BOSS.name, BOSS.role, "boss-password-123", db=own_demo_store, actor=ADMIN)
    return own_demo_store


def test_the_committee_sees_the_report_as_submitted_and_as_corrected_since(either_store, tmp_path):
    """On both backends (DuckLake reads the submitted report at its snapshot): a value corrected
    after the submission shows in the report now, not in the report as submitted, and the page
    lists it under what changed since."""
    db = either_store
    lf = load_catalog()["kazlod"]
    period = lf.reporting_period("2014-H2")
    at = report_page_as(BOSS)
    button(at, "Submit to the Steering Committee").click().run()
    at.run()
    submitted = preview(at)
    row = next(r for r in current_report(lf, period, "en", db).annex
               if r.actual is not None and r.period == period.label and r.kind == "quantitative")
    csv = tmp_path / "correction.csv"
    csv.write_text(f"programme,indicator,period,value\nkazlod,{row.code},{period.label},{row.actual + 7}\n",
                   encoding="utf-8")
    review.approve(import_csv(csv, load_catalog(), TA, db=db).batch_id, BOSS, db=db)  # the correction counts

    at.run()
    assert preview(at) != submitted  # the report as the store stands now
    at.toggle(key="report_as_submitted").set_value(True).run()
    assert not at.exception
    html = preview(at)
    assert "As submitted: version 1" in html
    assert ("(DuckLake snapshot " in html) == isinstance(db, str)
    changed = next(e for e in at.expander if e.label == "Changed since the report was submitted")
    table = changed.dataframe[0].value
    assert list(table.iloc[:, 0]) == [row.code]
    assert list(table.iloc[:, 1]) == [row.actual]
