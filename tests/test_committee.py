"""The Steering Committee's records (issue 18): who may write them, their history, how the report
shows them in every format, and a submitted report that regenerates with the same numbers after a
correction."""

import datetime as dt
import io
import json
import shutil
import zipfile

import docx
import openpyxl
import pytest

from kzlogframe import committee, committee_text, lake, report_state
from kzlogframe.access import PermissionDenied, User
from kzlogframe.catalog import load_catalog
from kzlogframe.cli import main
from kzlogframe.finance_ingest import finance_batches
from kzlogframe.ingest import import_csv, rollback_batch
from kzlogframe.report_committee import with_committee
from kzlogframe.report_docx import to_docx
from kzlogframe.report_html import render_html
from kzlogframe.report_xlsx import to_xlsx
from kzlogframe.store import connect
from tests.conftest import ADMIN

TA = User("ta-team", "uploader")
VIEWER = User("viewer1", "viewer")


@pytest.fixture
def db(demo_store, tmp_path):
    target = tmp_path / "store.duckdb"
    shutil.copy(demo_store, target)
    return target


@pytest.fixture
def psr():
    lf = load_catalog()["psr"]
    return lf, lf.reporting_period("2014-H2"), lf.reporting_period("2015-H1")


def rows(db, table):
    with connect(db, write=False) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def audited(db, action):
    with connect(db, write=False) as con:
        return con.execute("SELECT count(*) FROM audit_log WHERE action = ?", [action]).fetchone()[0]


def test_who_may_record_decide_and_approve(db, psr):
    lf, period, _ = psr
    with pytest.raises(PermissionDenied):
        committee.save_summary("psr", period.label, "en", "text", actor=VIEWER, db=db)
    with pytest.raises(PermissionDenied):
        committee.save_decision("psr", period, dt.date(2015, 2, 1), "Extend", "NU", None, actor=TA, db=db)
    assert rows(db, "executive_summary") == rows(db, "committee_decision") == 0
    report_state.submit(lf, period, actor=TA, db=db)
    with pytest.raises(PermissionDenied):
        committee.change_status("psr", period.label, "approved", actor=TA, db=db)
    approved = committee.change_status("psr", period.label, "approved", actor=ADMIN, db=db)
    assert (approved.version, approved.status) == (1, "approved")
    assert approved.submitted[0] == "ta-team" and approved.approved[0] == ADMIN.name
    with pytest.raises(ValueError, match="cannot become draft"):
        committee.change_status("psr", period.label, "draft", actor=ADMIN, db=db)
    assert audited(db, "report_submitted") == audited(db, "report_approved") == 1


def test_returning_a_report_makes_a_new_draft_version_and_locks_nothing_else(db, psr):
    lf, period, _ = psr
    with pytest.raises(ValueError, match="records the store state"):
        committee.change_status("psr", period.label, "submitted", actor=TA, db=db)
    committee.save_control("psr", period.label, "A. Secretary", ["EUD Astana", "MNE"], actor=TA, db=db)
    report_state.submit(lf, period, actor=TA, db=db)
    with pytest.raises(ValueError, match="return it to draft"):
        committee.save_control("psr", period.label, "Somebody else", [], actor=TA, db=db)
    again = committee.change_status("psr", period.label, "draft", actor=ADMIN, db=db)
    assert (again.version, again.status, again.author, again.distribution) == \
        (2, "draft", "A. Secretary", ("EUD Astana", "MNE"))
    assert again.submitted is None


def test_every_record_keeps_its_history_and_bad_input_changes_nothing(db, psr):
    lf, period, _ = psr
    committee.save_summary("psr", period.label, "en", "First draft", actor=TA, db=db)
    committee.save_summary("psr", period.label, "en", "Second draft", actor=TA, db=db)
    assert committee.records(lf, period, db).summaries == {"en": "Second draft"}
    assert rows(db, "executive_summary") == 2
    with pytest.raises(ValueError, match="no assumption 'NOPE'"):
        committee.save_risk(lf, period, "NOPE", "r", 3, 3, "m", "o", actor=TA, db=db)
    with pytest.raises(ValueError, match="rated 1 to 5"):
        committee.save_risk(lf, period, "PSR.G.AS1", "r", 6, 3, "m", "o", actor=TA, db=db)
    with pytest.raises(ValueError, match="no indicator 'PSR.X'"):
        committee.save_deviation(lf, period, "indicator", "PSR.X", "c", "m", "o", None, actor=TA, db=db)
    with pytest.raises(ValueError, match="cause is empty"):
        committee.save_deviation(lf, period, "indicator", "PSR.R2.I2", " ", "m", "o", None, actor=TA, db=db)
    assert rows(db, "risk") == rows(db, "deviation") == 0
    history = committee.history("psr", db)
    assert list(history["kind"]) == ["summary", "summary"] and list(history["lang"]) == ["en", "en"]


def test_deviations_open_closed_and_unexplained(db, psr):
    lf, period, following = psr
    report = report_state.current_report(lf, period, "en", db)
    flagged = [r.code for r in report.annex if r.status in ("off_track", "at_risk")]
    assert flagged, "the demo data has indicators off track or at risk"
    first = committee.save_deviation(lf, period, "indicator", flagged[0], "Late tender", "Retender in Q1", "TL",
                                     dt.date(2015, 3, 31), actor=TA, db=db)
    part = report_state.current_report(lf, period, "en", db).committee
    assert [d.item for d in part.deviations_open] == [flagged[0]]
    assert flagged[0] not in [d.item for d in part.unexplained]
    assert all(d.cause is None and d.status == "not_recorded" for d in part.unexplained)
    assert {d.item for d in part.unexplained if d.item_kind == "indicator"} == set(flagged[1:])
    assert any(d.item_kind == "activity" for d in part.unexplained)

    committee.save_deviation(lf, following, "indicator", flagged[0], "Late tender", "Retender in Q1", "TL",
                             dt.date(2015, 3, 31), "closed", deviation_id=first, actor=TA, db=db)
    later = report_state.current_report(lf, following, "en", db).committee
    assert [d.id for d in later.deviations_closed] == [first] and not later.deviations_open
    assert [d.id for d in report_state.current_report(lf, period, "en", db).committee.deviations_open] == [first]


def test_risk_trend_since_the_previous_period_and_the_matrix(db, psr):
    lf, period, following = psr
    kept = committee.save_risk(lf, period, "PSR.G.AS1", "Strategy slips", 2, 3, "Dialogue", "EUD", actor=TA, db=db)
    worse = committee.save_risk(lf, period, "PSR.P1.AS1", "Staff turnover", 3, 3, "Training", "TL", actor=TA, db=db)
    committee.save_risk(lf, following, "PSR.P1.AS1", "Staff turnover", 4, 4, "Training", "TL", risk_id=worse,
                        actor=TA, db=db)
    new = committee.save_risk(lf, following, "PSR.G.AS2", "Elections", 5, 5, "Watch", "EUD", actor=TA, db=db)
    part = report_state.current_report(lf, following, "en", db).committee
    trends = {r.id: (r.trend, r.before, r.score) for r in part.risks}
    assert trends == {kept: ("flat", 6, 6), worse: ("up", 9, 16), new: ("new", None, 25)}
    assert [r.id for r in part.risks] == [new, worse, kept]  # highest score first
    assert part.matrix() == {(2, 3): [kept], (4, 4): [worse], (5, 5): [new]}
    assert {r.id for r in part.risk_changes} == {worse, new}
    earlier = report_state.current_report(lf, period, "en", db).committee
    assert {r.id: r.score for r in earlier.risks} == {kept: 6, worse: 9}  # as it stood then


def test_decisions_of_this_meeting_and_follow_up(db, psr):
    lf, period, following = psr
    taken = committee.save_decision("psr", period, dt.date(2015, 2, 10), "Extend R2 by six months", "MNE",
                                    dt.date(2015, 6, 30), actor=ADMIN, db=db)
    committee.save_decision("psr", period, dt.date(2015, 2, 10), "Extend R2 by six months", "MNE",
                            dt.date(2015, 6, 30), "in_progress", decision_id=taken, actor=ADMIN, db=db)
    committee.save_decision("psr", following, dt.date(2015, 8, 20), "Approve the workplan", "TL", None,
                            actor=ADMIN, db=db)
    part = report_state.current_report(lf, following, "en", db).committee
    assert [d.body for d in part.decisions_now] == ["Approve the workplan"]
    assert [(d.id, d.status, d.period) for d in part.decisions_earlier] == [(taken, "in_progress", "2014-H2")]


def record_everything(lf, period, db):
    committee.save_control("psr", period.label, "Хатшы А.", ["ЕО өкілдігі", "ҰЭМ"], actor=TA, db=db)
    committee.save_summary("psr", period.label, "kk", "Кезеңнің **негізгі** қорытындысы.\n\n- бірінші тармақ",
                           actor=TA, db=db)
    committee.save_deviation(lf, period, "indicator", "PSR.R2.I2", "Тендер кешікті", "Қайта тендер", "Топ жетекшісі",
                             dt.date(2015, 3, 31), actor=TA, db=db)
    committee.save_risk(lf, period, "PSR.G.AS1", "Стратегия кешігеді", 4, 5, "Саяси диалог", "ЕО өкілдігі",
                        actor=TA, db=db)
    committee.save_decision("psr", period, dt.date(2015, 2, 10), "Жұмыс жоспарын бекіту", "ҰЭМ", None,
                            actor=ADMIN, db=db)
    committee.save_criterion("psr", period.label, "relevance", "b", "Реформаға сәйкес келеді", actor=TA, db=db)


RECORDED = ["Хатшы А.", "негізгі", "Тендер кешікті", "Стратегия кешігеді", "Жұмыс жоспарын бекіту",
            "Реформаға сәйкес келеді", "Тәуекелдер тізілімі", "себебі көрсетілмеген"]


def test_every_format_shows_the_records_in_the_chosen_language(db, psr):
    lf, period, _ = psr
    record_everything(lf, period, db)
    report = report_state.current_report(lf, period, "kk", db)
    html = render_html(report)
    assert all(text in html for text in RECORDED)
    assert "<strong>негізгі</strong>" in html and 'href="#risks"' in html
    document = docx.Document(io.BytesIO(to_docx(report)))
    words = "\n".join([p.text for p in document.paragraphs] +
                      [c.text for t in document.tables for row in t.rows for c in row.cells])
    assert all(text in words for text in RECORDED)
    xml = zipfile.ZipFile(io.BytesIO(to_docx(report))).read("word/document.xml").decode()
    assert 'TOC \\o "2-2"' in xml and 'w:fldCharType="begin"' in xml
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert all(any(text in c for c in cells) for text in RECORDED[:6])
    assert any(c == 20 for ws in book for row in ws.iter_rows(values_only=True) for c in row)  # a score, as a number
    pairs = committee_text.acronyms(report, "kk")
    in_sheets = {row[:2] for ws in book for row in ws.iter_rows(values_only=True) if len(row) > 1}
    in_document = {(row.cells[0].text, row.cells[1].text) for t in document.tables for row in t.rows if len(row.cells) > 1}
    assert len(pairs) > 5 and set(pairs) <= in_sheets and set(pairs) <= in_document  # the same list in each


def test_a_summary_missing_in_the_language_is_marked(db, psr):
    lf, period, _ = psr
    committee.save_summary("psr", period.label, "ru", "Итоги периода", actor=TA, db=db)
    assert "[RU] Итоги периода" in render_html(report_state.current_report(lf, period, "kk", db))
    assert "[RU]" not in render_html(report_state.current_report(lf, period, "ru", db))


def test_a_submitted_report_regenerates_with_the_same_numbers_after_a_correction(own_demo_store, psr, tmp_path):
    """On both backends: the snapshot records the rows' ids, which a DuckLake store keeps as a file does."""
    lf, period, _ = psr
    db = own_demo_store
    record_everything(lf, period, db)
    before = report_state.current_report(lf, period, "en", db)
    measured = next(r for r in before.annex if r.actual is not None and r.period == period.label
                    and r.kind == "quantitative")
    report_state.submit(lf, period, actor=TA, db=db)
    committee.change_status("psr", period.label, "approved", actor=ADMIN, db=db)

    csv = tmp_path / "correction.csv"
    csv.write_text(f"programme,indicator,period,value\npsr,{measured.code},{period.label},{measured.actual + 7}\n",
                   encoding="utf-8")
    batch = import_csv(csv, load_catalog(), TA, db=db).batch_id
    committee.save_deviation(lf, period, "indicator", "PSR.R2.I2", "Later", "Later", "Later", None, actor=TA, db=db)

    now = report_state.current_report(lf, period, "en", db)
    then = report_state.as_submitted(lf, period, "en", db)
    assert report_state.numbers(now) != report_state.numbers(before)
    assert report_state.numbers(then) == report_state.numbers(before)
    assert [d.cause for d in then.committee.deviations_open] == ["Тендер кешікті"]  # not the later one
    assert then.committee.as_submitted and then.committee.control.status == "approved"
    on_lake = isinstance(db, str)
    assert (then.committee.store_snapshot is not None) == on_lake  # DuckLake: read at its snapshot
    lines = committee_text.control_lines(then.committee.control, "en", True, then.committee.store_snapshot)
    labels = [label for label, _ in lines]
    assert labels[0] == "Data shown" and lines[0][1].startswith("As submitted: version 1")
    assert ("(DuckLake snapshot " in lines[0][1]) == on_lake
    assert len(labels) == len(set(labels))  # one "Status" line: the committee's decision
    changes = report_state.changed_since(then, now)
    corrected = next(r.actual for r in now.annex if r.code == measured.code)
    assert corrected != measured.actual
    assert [(c.code, c.actual_then, c.actual_now) for c in changes] == [(measured.code, measured.actual, corrected)]

    rollback_batch(batch, ADMIN, db=db)  # a rollback cannot change it either
    assert report_state.numbers(report_state.as_submitted(lf, period, "en", db)) == report_state.numbers(before)


def test_the_cli_prints_the_version_and_can_regenerate_as_submitted(db, psr, tmp_path, capsys):
    lf, period, _ = psr
    out = tmp_path / "report.html"
    assert main(["--db", str(db), "report", "psr", period.label, "--format", "html", "--lang", "ru",
                 "--status", "submitted", "-o", str(out)]) != 0
    assert "has not been submitted" in capsys.readouterr().err and not out.exists()
    report_state.submit(lf, period, actor=TA, db=db)
    assert main(["--db", str(db), "report", "psr", period.label, "--format", "html", "--lang", "ru",
                 "--status", "submitted", "-o", str(out)]) == 0
    assert "version 1 (submitted, as submitted)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "В представленном виде: версия 1" in text and "Представлен Руководящему комитету" in text


def test_a_report_without_records_is_unchanged_in_form(db, psr):
    lf, period, _ = psr
    report = report_state.current_report(lf, period, "en", db)
    bare = with_committee(lf, report, committee.records(lf, period, db), committee.control("psr", period.label, db))
    assert bare.committee.control.status == "draft" and bare.committee.summary is None
    assert "No executive summary has been written for this period." in render_html(bare)


def test_a_changed_logframe_is_not_passed_off_as_the_submitted_report(db, psr):
    lf, period, _ = psr
    report_state.submit(lf, period, actor=TA, db=db)
    changed = lf.model_copy(update={"budget": lf.budget.model_copy(update={"lines": lf.budget.lines[:-1]})})
    with pytest.raises(ValueError, match="logframe of psr has changed"):
        report_state.as_submitted(changed, period, "en", db)
    assert report_state.as_submitted(lf, period, "en", db) is not None


def test_a_submitted_report_keeps_the_money_it_counted_after_a_financial_rollback(db, psr):
    lf, period, _ = psr
    report_state.submit(lf, period, actor=TA, db=db)
    before = report_state.current_report(lf, period, "en", db).finance
    assert before is not None and before.total.disbursed > 0
    rollback_batch(int(finance_batches("psr", db)["id"].iloc[0]), ADMIN, db=db)  # the demo's PSR entries withdrawn
    assert report_state.current_report(lf, period, "en", db).finance.total.disbursed == 0
    assert report_state.as_submitted(lf, period, "en", db).finance == before


def correct_one_value(lf, period, db, tmp_path):
    """Import a corrected value of an indicator the report shows for ``period``; its code."""
    shown = report_state.current_report(lf, period, "en", db)
    measured = next(r for r in shown.annex if r.actual is not None and r.period == period.label
                    and r.kind == "quantitative")
    csv = tmp_path / "correction.csv"
    csv.write_text(f"programme,indicator,period,value\npsr,{measured.code},{period.label},{measured.actual + 7}\n",
                   encoding="utf-8")
    import_csv(csv, load_catalog(), TA, db=db)
    return measured.code


def test_on_ducklake_the_submitted_report_is_read_at_its_snapshot(own_lake_demo_store, psr, tmp_path, capsys):
    """Time travel gives what the recorded state gives, and the store as of a snapshot is read-only."""
    lf, period, _ = psr
    db = own_lake_demo_store
    record_everything(lf, period, db)
    before = report_state.current_report(lf, period, "kk", db, generated=dt.date(2015, 2, 1))
    report_state.submit(lf, period, actor=TA, db=db)
    state = json.loads(committee.stored_snapshot("psr", period.label, db))
    pinned_at = state["store_snapshot"]
    assert pinned_at is not None and pinned_at < lake.current_snapshot(db)  # the submission is a later commit
    correct_one_value(lf, period, db, tmp_path)
    committee.save_risk(lf, period, "PSR.G.AS1", "Кейінгі тәуекел", 2, 2, "—", "—", actor=TA, db=db)

    then = report_state.as_submitted(lf, period, "kk", db, generated=dt.date(2015, 2, 1))
    rebuilt, records = report_state._from_state(lf, period, "kk", db, state, dt.date(2015, 2, 1))
    assert then.committee.store_snapshot == pinned_at
    assert report_state.numbers(then) == report_state.numbers(rebuilt) == report_state.numbers(before)
    assert then.finance == rebuilt.finance == before.finance
    assert then.activities == rebuilt.activities and then.assumptions == rebuilt.assumptions
    assert [r.description for r in then.committee.risks] == [r.description for r in records.risks] \
        == ["Стратегия кешігеді"]
    now = report_state.current_report(lf, period, "kk", db)
    assert "Кейінгі тәуекел" in [r.description for r in now.committee.risks]
    assert f"(DuckLake күйі № {pinned_at})" in render_html(then)

    then_location = lake.as_of(db, pinned_at)
    with pytest.raises(ValueError, match="cannot be written"):
        committee.save_summary("psr", period.label, "en", "rewritten history", actor=TA, db=then_location)
    assert committee.records(lf, period, db).summaries.get("en") is None

    out = tmp_path / "report.html"
    assert main(["--db", db, "report", "psr", period.label, "--format", "html", "--lang", "en",
                 "--status", "submitted", "-o", str(out)]) == 0
    assert f"as submitted (DuckLake snapshot {pinned_at})" in capsys.readouterr().out


def test_an_expired_snapshot_falls_back_to_the_recorded_state(own_lake_demo_store, psr, tmp_path):
    lf, period, _ = psr
    db = own_lake_demo_store
    before = report_state.current_report(lf, period, "en", db)
    report_state.submit(lf, period, actor=TA, db=db)
    pinned_at = json.loads(committee.stored_snapshot("psr", period.label, db))["store_snapshot"]
    correct_one_value(lf, period, db, tmp_path)
    with connect(db) as con:  # what a maintainer's clean-up does to old snapshots
        con.execute(f"CALL ducklake_expire_snapshots('lake', versions => [{pinned_at}])")
    with pytest.raises(lake.SnapshotMissing, match=f"no snapshot {pinned_at}"):
        with connect(lake.as_of(db, pinned_at), write=False):
            pass
    then = report_state.as_submitted(lf, period, "en", db)
    assert then.committee.store_snapshot is None and then.committee.as_submitted
    assert report_state.numbers(then) == report_state.numbers(before)
