"""Review before data count (issue 16, item 5): the store counts approved batches only, a correction
waiting for review leaves the approved value counting, every step is audited, role boundaries, the
single-user setting, the waiting counts on the Overview and in the report, and the Review page."""

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe import access
from kzlogframe.access import PermissionDenied, User, add_user
from kzlogframe.audit import verify_audit_chain
from kzlogframe.catalog import load_catalog
from kzlogframe.cli import main
from kzlogframe.ingest import import_csv, list_batches, rollback_batch
from kzlogframe.measurements import current_measurements, measurement_history, store_version
from kzlogframe.review import (
    ReviewRefused, Waiting, approve, batch_rows, batches, required, return_batch, review_history, state_of, waiting)
from kzlogframe.store import audit_entries
from tests.conftest import ADMIN, ROOT

UPLOADER, REVIEWER = User("ta-team", "uploader"), User("rita", "reviewer")
VIEWER, EXPORTER = User("viewer1", "viewer"), User("mande", "exporter")
BOSS = User("boss", "admin")


@pytest.fixture
def team(tmp_path, monkeypatch):
    """A team installation: a users file in force (so review is on) and an empty store."""
    db, users = tmp_path / "store.duckdb", tmp_path / "users.yaml"
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(users))
    monkeypatch.delenv("KZLOGFRAME_REVIEW", raising=False)
    monkeypatch.setitem(access._SCRYPT, "n", 2**14)  # the real N costs 0.3 s a hash: see test_login_limits
    for user in (UPLOADER, REVIEWER, VIEWER, EXPORTER, BOSS):
        add_user(user.name, user.role, f"{user.name}-password-123", db=db, actor=ADMIN)
    return db


def upload(db, tmp_path, name: str, value: float, actor: User = UPLOADER, period: str = "2012-H2") -> int:
    path = tmp_path / name
    path.write_text(f"programme,indicator,period,value\npsr,PSR.R1.I6,{period},{value:g}\n", encoding="utf-8")
    report = import_csv(path, load_catalog(), actor, db=db)
    assert report.status == "committed", report.message
    assert report.review == state_of(report.batch_id, db)  # the report tells the state without a second read
    return report.batch_id


def counted(db) -> list[float]:
    return sorted(current_measurements("psr", db)["value"])


def test_a_correction_waits_while_the_approved_value_keeps_counting(team, tmp_path):
    db = team
    first = upload(db, tmp_path, "a.csv", 10)
    assert state_of(first, db) == "submitted"
    assert counted(db) == [] and waiting(db=db) == Waiting(1, 1)
    approve(first, REVIEWER, db=db)
    assert counted(db) == [10.0] and waiting(db=db) == Waiting(0, 0)

    correction = upload(db, tmp_path, "b.csv", 12)
    assert counted(db) == [10.0]  # the approved value counts until the correction is approved
    assert batch_rows(correction, db)[["value", "approved_value"]].values.tolist() == [[12.0, 10.0]]
    assert return_batch(correction, REVIEWER, comment="Q3 figure from the ministry?", db=db) == "ta-team"
    assert counted(db) == [10.0] and state_of(correction, db) == "returned"

    again = upload(db, tmp_path, "b.csv", 12)  # the same file after checking: a new batch, not a duplicate
    assert again != correction and state_of(again, db) == "submitted"
    approve(again, BOSS, comment="confirmed by the ministry", db=db)
    assert counted(db) == [12.0]
    assert list(measurement_history("psr", "PSR.R1.I6", db)["batch_id"]) == [again, first]  # approved ones only

    log = audit_entries(db)
    steps = log[log["action"].isin(["upload", "approve", "return"])].sort_values("id")
    assert list(zip(steps["user_name"], steps["action"], steps["target"])) == [
        ("ta-team", "upload", f"batch {first}"), ("rita", "approve", f"batch {first}"),
        ("ta-team", "upload", f"batch {correction}"), ("rita", "return", f"batch {correction}"),
        ("ta-team", "upload", f"batch {again}"), ("boss", "approve", f"batch {again}")]
    assert '"review": "submitted"' in steps["detail"].iloc[0]
    assert '"comment": "Q3 figure from the ministry?"' in steps["detail"].iloc[3]
    assert verify_audit_chain(db).ok
    assert list(review_history(correction, db)["state"]) == ["returned", "submitted"]
    assert list(list_batches(db)["review"]) == ["approved", "returned", "approved"]


def test_who_may_approve_and_which_steps_are_refused(team, tmp_path):
    db = team
    batch = upload(db, tmp_path, "a.csv", 10)
    for role in (VIEWER, UPLOADER, EXPORTER):
        with pytest.raises(PermissionDenied):
            approve(batch, role, db=db)
        with pytest.raises(PermissionDenied):
            return_batch(batch, role, comment="no", db=db)
    with pytest.raises(ReviewRefused, match="a comment is required"):
        return_batch(batch, REVIEWER, comment="  ", db=db)
    own = upload(db, tmp_path, "own.csv", 11, actor=User("rita", "uploader"), period="2013-H1")
    with pytest.raises(ReviewRefused) as refused:  # rita, a reviewer now, uploaded it herself
        approve(own, REVIEWER, db=db)
    assert refused.value.key == "review.refused.own_batch"
    mine = upload(db, tmp_path, "boss.csv", 9, actor=BOSS, period="2013-H2")
    approve(mine, BOSS, db=db)  # an administrator may approve their own upload
    assert state_of(own, db) == "submitted" and state_of(mine, db) == "approved"

    approve(batch, REVIEWER, db=db)
    with pytest.raises(ReviewRefused, match="already approved"):
        approve(batch, REVIEWER, db=db)
    with pytest.raises(ReviewRefused, match="an administrator rolls it back"):
        return_batch(batch, REVIEWER, comment="late doubt", db=db)
    rollback_batch(own, BOSS, db=db)  # a rolled-back batch stays rolled back
    with pytest.raises(ReviewRefused, match="rolled back"):
        approve(own, BOSS, db=db)
    with pytest.raises(ReviewRefused, match="no upload batch 99"):
        approve(99, BOSS, db=db)
    assert state_of(own, db) == "rolled_back" and counted(db) == [9.0, 10.0]


def test_a_returned_batch_can_still_be_approved(team, tmp_path):
    db = team
    batch = upload(db, tmp_path, "a.csv", 10)
    return_batch(batch, REVIEWER, comment="source?", db=db)
    approve(batch, REVIEWER, comment="the uploader named the source", db=db)
    assert counted(db) == [10.0]


def test_review_is_on_for_a_team_and_off_in_single_user_mode(tmp_path, monkeypatch):
    db = tmp_path / "store.duckdb"
    monkeypatch.setenv("KZLOGFRAME_USERS", str(tmp_path / "absent.yaml"))
    monkeypatch.delenv("KZLOGFRAME_REVIEW", raising=False)
    assert not required()
    batch = upload(db, tmp_path, "a.csv", 10, actor=User("local", "admin"))
    assert state_of(batch, db) == "approved" and counted(db) == [10.0]
    assert '"review": "approved"' in audit_entries(db)["detail"].iloc[0]  # approved on upload, and the log says so
    assert list(review_history(batch, db)["state"]) == ["approved", "submitted"]
    monkeypatch.setenv("KZLOGFRAME_REVIEW", "on")  # a single user who wants a second look
    assert required()
    (tmp_path / "absent.yaml").write_text("users: []\n")
    monkeypatch.setenv("KZLOGFRAME_REVIEW", "off")  # a team that does not review
    assert not required()
    monkeypatch.delenv("KZLOGFRAME_REVIEW")
    assert required()
    monkeypatch.setenv("KZLOGFRAME_REVIEW", "maybe")
    with pytest.raises(ValueError, match="must be 'on' or 'off'"):
        required()


def test_waiting_counts_by_programme_and_period_and_the_cache_key_moves(team, tmp_path):
    db = team
    upload(db, tmp_path, "a.csv", 10, period="2012-H2")
    second = upload(db, tmp_path, "b.csv", 10, period="2013-H2")
    assert waiting("psr", dt.date(2012, 12, 31), db) == Waiting(1, 1)
    assert waiting("psr", db=db) == Waiting(2, 2) and waiting("kazlod", db=db) == Waiting(0, 0)
    before = store_version(db)
    approve(second, REVIEWER, db=db)
    assert store_version(db) != before  # pages cached on the store's state see the approval at once
    assert [tuple(r) for r in batches(db, states=("submitted",))[["file_name", "state"]].values] == [
        ("a.csv", "submitted")]


def test_the_report_counts_approved_values_and_says_what_waits(team, tmp_path):
    db = team
    approve(upload(db, tmp_path, "a.csv", 10), REVIEWER, db=db)
    upload(db, tmp_path, "b.csv", 12)
    out = tmp_path / "report.html"
    assert main(["--db", str(db), "report", "psr", "2012-H2", "--format", "html", "--lang", "en",
                 "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "1 batch, 1 value waiting for review (not counted yet)." in html
    main(["--db", str(db), "report", "psr", "2012-H2", "--format", "html", "--lang", "ru", "-o", str(out)])
    assert "Ожидают проверки: 1 пакет, 1 значение (пока не учитываются)." in out.read_text(encoding="utf-8")


def test_the_review_cli(team, tmp_path, capsys):
    db = team
    base = ["--db", str(db), "--user", "boss"]
    (tmp_path / "a.csv").write_text("programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,10\n", encoding="utf-8")
    assert main(["--db", str(db), "--user", "ta-team", "import", str(tmp_path / "a.csv")]) == 0
    batch = int(list_batches(db)["id"].iloc[0])
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Batch {batch} is waiting for review: its values count once a reviewer approves it.")
    assert main([*base, "review", "list"]) == 0
    assert "a.csv" in capsys.readouterr().out
    assert main([*base, "review", "return", str(batch)]) == 1
    assert "a comment is required" in capsys.readouterr().err
    assert main([*base, "review", "return", str(batch), "--comment", "period?"]) == 0
    assert capsys.readouterr().out.strip() == f"Batch {batch} returned to ta-team."
    assert main([*base, "review", "approve", str(batch)]) == 0
    assert counted(db) == [10.0]


# ---------------------------------------------------------------- pages


def app_as(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["_user"] = user
    return at.run()


def test_a_reviewer_approves_on_the_review_page_and_the_overview_counts_it(team, tmp_path):
    db = team
    approve(upload(db, tmp_path, "a.csv", 10), REVIEWER, db=db)
    batch = upload(db, tmp_path, "b.csv", 12)
    at = app_as(REVIEWER)
    assert any(i.value == "1 batch, 1 value waiting for review (not counted yet)." for i in at.info)  # Overview
    at.switch_page("views/review.py").run()
    assert not at.exception and at.title[0].value == "Review"
    chosen = at.selectbox(key="review_batch")
    assert len(chosen.options) == 1
    assert chosen.options[0].startswith(f"Batch {batch}: b.csv — ta-team, ") and chosen.options[0].endswith(", 1 row")
    rows = at.dataframe[0].value
    assert rows[["Value", "Approved value now"]].values.tolist() == [[12.0, 10.0]]
    next(b for b in at.button if b.label == f"Approve batch {batch}").click().run()
    assert not at.exception
    assert at.success[0].value == f"Batch {batch} approved: its values now count."
    assert any(i.value == "No batch is waiting for review." for i in at.info)
    assert counted(db) == [12.0]
    at.switch_page("views/overview.py").run()
    assert not any("waiting for review" in i.value for i in at.info)


def test_a_returned_batch_reaches_its_uploader_with_the_reason(team, tmp_path):
    db = team
    batch = upload(db, tmp_path, "b.csv", 12)
    at = app_as(REVIEWER)
    at.switch_page("views/review.py").run()
    next(b for b in at.button if b.label == f"Return batch {batch}").click().run()
    assert at.error[0].value == f"Say why batch {batch} is returned: a comment is required."
    at.text_area(key=f"review_comment_{batch}").set_value("Which ministry reported 12?")
    next(b for b in at.button if b.label == f"Return batch {batch}").click().run()
    assert at.success[0].value == f"Batch {batch} returned to ta-team."

    mine = app_as(UPLOADER)
    mine.switch_page("views/upload.py").run()
    assert mine.warning[0].value == "1 of your batches was returned for correction: see why on the Review page."
    mine.switch_page("views/review.py").run()
    assert not mine.exception
    assert not [b for b in mine.button if b.label.startswith(("Approve", "Return"))]  # an uploader does not review
    assert any("Which ministry reported 12?" in m.value for m in mine.markdown)
    own = mine.dataframe[0].value
    assert own[["File", "Review", "Review comment"]].values.tolist() == [
        ["b.csv", "returned", "Which ministry reported 12?"]]


def test_viewers_and_exporters_have_no_review_page(team):
    for user in (VIEWER, EXPORTER):
        at = app_as(user)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("views/review.py")


def test_a_reviewer_cannot_approve_their_own_upload_on_the_page(team, tmp_path):
    db = team
    batch = upload(db, tmp_path, "own.csv", 11, actor=User("rita", "uploader"))
    at = app_as(REVIEWER)
    at.switch_page("views/review.py").run()
    assert next(b for b in at.button if b.label == f"Approve batch {batch}").disabled
    assert any(c.value == "This is your own upload: another reviewer approves it." for c in at.caption)


def test_the_review_page_in_kazakh(team, tmp_path):
    db = team
    upload(db, tmp_path, "b.csv", 12)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["_user"] = REVIEWER
    at.run()
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert any(i.value == "Тексеруді күтуде: 1 пакет, 1 мән (әзірге есепке алынбайды)." for i in at.info)
    at.switch_page("views/review.py").run()
    assert not at.exception and at.title[0].value == "Тексеру"
    assert "Қазіргі бекітілген мән" in at.dataframe[0].value.columns


def test_the_export_page_says_what_waits_and_exports_approved_values(team, tmp_path):
    db = team
    approve(upload(db, tmp_path, "a.csv", 10), REVIEWER, db=db)
    upload(db, tmp_path, "b.csv", 12)
    at = app_as(EXPORTER)
    at.sidebar.selectbox(key="programme").set_value("psr").run()
    at.switch_page("views/export.py").run()
    assert not at.exception
    assert any(i.value == "1 batch, 1 value waiting for review (not counted yet)." for i in at.info)
    at.sidebar.selectbox(key="programme").set_value("kazlod").run()  # another programme: nothing of it waits
    assert not any("waiting for review" in i.value for i in at.info)
