"""The Steering Committee report.

The model's numbers are checked by hand on a two-indicator programme (tests/fixtures/minimal.yaml plus
two scheduled activities and a unit), with the arithmetic written next to each expectation. Then every
format is opened and read back (HTML with lxml, PDF with pypdf, DOCX with python-docx, XLSX with
openpyxl): sections in order, Kazakh glyphs embedded, hostile user text escaped or neutralised, a
period without any data, and the same figures in kk, en and ru. The demo database adds a realistic
programme (PSR) for the structure of DOCX and XLSX. Few PDFs are printed, to keep the suite fast.
"""

import asyncio
import dataclasses
import datetime as dt
import io
import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import docx
import lxml.html
import openpyxl
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from kzlogframe import chart_export, cli, commentary, report_pdf
from kzlogframe import report_text as T
from kzlogframe.access import User
from kzlogframe.catalog import load_catalog
from kzlogframe.i18n import t
from kzlogframe.ingest import import_csv
from kzlogframe.measurements import current_measurements
from kzlogframe.report import (
    ActivityRow, BudgetRow, CalendarEntry, DataQualityNote, StatusChange, build_report)
from kzlogframe.report_docx import to_docx
from kzlogframe.report_files import RENDERERS, export_report, report_figures
from kzlogframe.report_html import render_html
from kzlogframe.report_pdf import to_pdf
from kzlogframe.report_xlsx import to_xlsx
from kzlogframe.store import connect
from kzlogframe.tracking import current_actuals, record_activity
from tests.conftest import ADMIN, FIXTURES, load_logframe
from tests.test_schedule import MONITORING

GENERATED = dt.date(2026, 1, 15)
TA = User("ta", "uploader")
HOSTILE = "<script>alert(1)</script>"
KAZAKH = "әғқңөұүһі"
NARRATIVE = f"- Өңірлік ұйымдар мен шаһар әкімдіктері оқытуды ұйымдастырды. {HOSTILE}\nЕкінші жол: {KAZAKH}"
COMMENT = f'=HYPERLINK("http://evil.example","ашу") {HOSTILE} {KAZAKH}'
SECTION_IDS = ["cover", "summary", "progress", "changes", "activities", "workplan", "assumptions", "budget",
               "data-quality", "annex", "annex-logframe", "annex-contracts"]
SCHEDULES = """        contract: service
        schedule: {after: [fa], lag_months: 6, duration_months: 12}
      - code: R1.A2
        text: {kk: Оқытуды бағалау, en: Evaluation of the training}
        contract: service
        schedule: {after: [R1.A1], duration_months: 6}
"""


def section_ids(page) -> list[str]:
    """The ids of the HTML's sections in order; the logframe annex's rows keep the Logframe page's
    anchors (lf-<code>), which are no sections."""
    return [e.get("id") for e in page.xpath("//*[@id]") if not e.get("id").startswith("lf-")]


def tiny_png() -> bytes:
    """A valid 1×1 white PNG, written by hand so that no renderer is needed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """``demo``: R1.A1 planned months 6–18 (2011-12-23 – 2012-12-23), R1.A2 after it for 6 months
    (2012-12-23 – 2013-06-23); DEMO.R1.I1 counts people. Measurements of DEMO.R1.I1, four cells
    (2 oblasts × 2 sexes) each: 5 in 2012-Q1 (total 20), 12 in 2012-Q3 (48), 2 in 2013-Q1 (8); the
    milestone DEMO.G.I1 done on 2013-09-15. R1.A1 ran 2012-02-01 – 2013-02-15; R1.A2 never started.
    Narrative of R1 and the status of DEMO.G.AS1 are stored for S4 only (the narrative in Kazakh).
    The programme reports in semesters from FA signature, and every measured period lies inside one.
    Its M&E section is test_schedule's: benchmarking months 0-6, ROM every 12 months from 6 to 54, the
    mid-term at 30, a possible ex-post at 84, each external mission announced a month before."""
    root = tmp_path_factory.mktemp("tiny")
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    unit = "        unit: {kk: адам, en: people, ru: человек}\n"
    text = text.replace("        contract: service\n", SCHEDULES).replace(
        "        type: quantitative\n", "        type: quantitative\n" + unit).replace(
        "    fa_signature_assumed: true\n", "    fa_signature_assumed: true\n    reporting: semester\n")
    (root / "logframes").mkdir()
    (root / "logframes" / "demo.yaml").write_text(text + MONITORING, encoding="utf-8")
    lf = load_logframe(root / "logframes" / "demo.yaml")
    db = root / "store.duckdb"
    record_tiny(lf, db, root)
    return SimpleNamespace(lf=lf, db=db)


def record_tiny(lf, db, root):
    """What :func:`tiny` stores, into the store ``db``."""
    rows = ["programme,indicator,period,value,oblast,sex"]
    rows += [f"demo,DEMO.R1.I1,{period},{value},{oblast},{sex}"
             for period, value in [("2012-Q1", 5), ("2012-Q3", 12), ("2013-Q1", 2)]
             for oblast in ("Mangystau", "Kyzylorda") for sex in ("female", "male")]
    rows.append("demo,DEMO.G.I1,2013-09-15,done,,")
    (root / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_csv(root / "m.csv", {"demo": lf}, ADMIN, db=db).status == "committed"
    record_activity("demo", "R1.A1", status="completed", actual_start=dt.date(2012, 2, 1),
                    actual_end=dt.date(2013, 2, 15), comment=None, db=db, actor=TA)
    commentary.save_narrative("demo", "R1", "S4", "kk", NARRATIVE, db=db, actor=TA)
    commentary.save_assumption_status("demo", "DEMO.G.AS1", "S4", "partly_holds", COMMENT, db=db, actor=TA)


def make_report(ns, label, lang="en", programme="demo"):
    return build_report(ns.lf, current_measurements(programme, db=ns.db), ns.lf.reporting_period(label), lang,
                        actuals=current_actuals(programme, ns.db),
                        narratives=commentary.narratives(programme, label, lang, db=ns.db),
                        assumption_status=commentary.assumption_statuses(programme, label, db=ns.db),
                        generated=GENERATED)


@pytest.fixture(scope="module")
def s4(tiny):
    return make_report(tiny, "S4")


@pytest.fixture(scope="module")
def s4_kk(tiny):
    return make_report(tiny, "S4", "kk")


@pytest.fixture(scope="module")
def empty_s1(tiny, tmp_path_factory):
    """S1 of the same programme on a database that has never received a row."""
    db = tmp_path_factory.mktemp("empty") / "store.duckdb"
    with connect(db):
        pass
    return make_report(SimpleNamespace(lf=tiny.lf, db=db), "S1")


def rows(report):
    return {row.code: row for row in report.annex}


def sections(report):
    return {s.code: s for s in report.levels}


# ---------------------------------------------------------------- the model, by hand
#
# DEMO.R1.I1 is summing, so its value in a semester is the running sum of the periods measured by
# its end. Its planned path runs 0 (2011-06-23) → 100 (2013-06-30, 738 days later) → 400
# (2016-06-23, 1089 days later). Progress vs plan = achievement(actual) / achievement(expected) =
# actual / expected here (baseline 0, same last target), rounded to whole percent, then banded:
# ≥ 85 % on track, 60–84 % at risk, < 60 % off track.


def test_the_programme_reports_in_semesters_from_fa_signature(tiny):
    # FA 2011-06-23: S4 starts 18 months later and ends the day before month 24.
    periods = {p.label: (p.start, p.end) for p in tiny.lf.reporting_periods()}
    assert periods["S4"] == (dt.date(2012, 12, 23), dt.date(2013, 6, 22))
    assert periods["S5"] == (dt.date(2013, 6, 23), dt.date(2013, 12, 22))
    assert len(periods) == 14  # 60 operational + 24 closure months
    assert tiny.lf.reporting_period("2013-01-15").label == "S4"  # a date names the period holding it


def test_s4_indicators_against_the_planned_path(s4):
    # S4 ends 2013-06-22, 730 days after the baseline: expected 100 × 730 / 738 = 98.92.
    # Actual 20 + 48 + 8 = 76 (measured last in S4), 76 / 98.92 = 0.768 → 77 % → at risk.
    # Previous report (S3, 2012-12-22): 20 + 48 = 68 < 76 → up.
    r1 = rows(s4)["DEMO.R1.I1"]
    assert (r1.unit, r1.baseline, r1.baseline_source, r1.target, r1.actual, r1.period) == (
        "people", 0, "declared", 400, 76, "S4")
    assert r1.expected == pytest.approx(100 * 730 / 738)
    assert (r1.vs_expected, r1.status, r1.trend) == (0.77, "at_risk", "up")
    # The milestone is due 2016-06-23: not due, no value yet, no trend.
    g1 = rows(s4)["DEMO.G.I1"]
    assert (g1.kind, g1.baseline, g1.target, g1.actual, g1.vs_expected, g1.status, g1.trend) == (
        "milestone", None, 1, None, None, "not_due", "")


def test_s4_summary_levels_and_changes(s4):
    # Only DEMO.R1.I1 is scored: programme score 77 %; coverage = scored / due (all but not due) = 1 / 1.
    o = s4.overall
    assert (o.status, o.score, o.coverage) == ("at_risk", 0.77, 1.0)
    assert (o.counts.n_indicators, o.counts.n_assessed, o.counts.by_status["not_due"]) == (2, 1, 1)
    assert "1 of 2 indicators assessed; of the others: 1 not yet due" in T.summary(s4, "en")
    assert [(c, s.status, s.score, s.coverage) for c, s in sections(s4).items()] == [
        ("G", "not_due", None, None), ("P1", "not_reporting", None, None), ("R1", "at_risk", 0.77, 1.0)]
    assert (sections(s4)["R1"].chart_indicator, sections(s4)["G"].chart_indicator) == ("DEMO.R1.I1", None)
    # S3 had R1 at 68 / 74.25 = 92 % (on track), so R1 is the one level that changed.
    assert s4.changes == [StatusChange("result", "R1", "on_track", "at_risk")]
    assert (s4.previous.label, s4.period.label) == ("S3", "S4")
    assert list(s4.charts) == ["DEMO.R1.I1"] and s4.charts["DEMO.R1.I1"].expected == pytest.approx(98.92, abs=0.01)


def test_s3_and_s5_by_hand(tiny):
    s3, s5 = make_report(tiny, "S3"), make_report(tiny, "S5")
    # S3 ends 2012-12-22, 548 days in: expected 100 × 548 / 738 = 74.25; actual 68 → 0.916 → 92 %.
    # S2 (2012-06-22, 365 days): expected 49.46, actual 20 → 40 % off track, so R1 recovered.
    assert (rows(s3)["DEMO.R1.I1"].actual, rows(s3)["DEMO.R1.I1"].vs_expected) == (68, 0.92)
    assert rows(s3)["DEMO.R1.I1"].trend == "up"
    assert s3.changes == [StatusChange("result", "R1", "off_track", "on_track")]
    # S5 ends 2013-12-22, 175 days after the first target: expected 100 + 300 × 175 / 1089 = 148.21;
    # actual still 76 (S4's, the latest measured) → 0.513 → 51 % off track, trend flat.
    r1 = rows(s5)["DEMO.R1.I1"]
    assert (r1.actual, r1.period, r1.vs_expected, r1.status, r1.trend) == (76, "S4", 0.51, "off_track", "flat")
    # The milestone was done on 2013-09-15, before its due date: done counts as 100 % on track.
    g1 = rows(s5)["DEMO.G.I1"]
    assert (g1.actual, g1.vs_expected, g1.status, g1.period) == (1, 1.0, "on_track", "S5")
    # Programme: mean of the rounded ratios (1.00 + 0.51) / 2 = 0.755 → 76 % at risk; both assessed.
    assert (s5.overall.score, s5.overall.coverage, s5.overall.status) == (0.76, 1.0, "at_risk")
    assert s5.overall.counts.n_assessed == 2
    assert s5.changes == [StatusChange("goal", "G", "not_due", "on_track"),
                          StatusChange("result", "R1", "at_risk", "off_track")]


def test_data_quality_notes(tiny, s4):
    # S4: R1.I1's 2013-Q1 data were recorded today, far more than 45 days after 2013-06-22; the
    # milestone is not due yet, so its silence is no gap.
    assert s4.data_quality == [DataQualityNote("late", ("DEMO.R1.I1",), 45)]
    # S5: R1.I1 is due and was not measured; the milestone's 2013-09-15 value is the late one.
    assert make_report(tiny, "S5").data_quality == [DataQualityNote("missing_period", ("DEMO.R1.I1",)),
                                                    DataQualityNote("late", ("DEMO.G.I1",), 45)]
    assert T.data_quality(s4.data_quality[0], "en") == \
        "Data for this period uploaded more than 45 days after it ended: DEMO.R1.I1"


def test_activities_show_what_changed_in_the_period_and_the_backlog_in_one_line(tiny, s4):
    """R1.A1 is planned from month 6 (2011-12-23) to 18 (2012-12-23) and ran 2012-02-01 – 2013-02-15;
    R1.A2 follows it for 6 months from 2012-12-23 and never started. What was recorded after a
    period's end is not known at that end."""
    s1, s2, s3 = (make_report(tiny, label) for label in ("S1", "S2", "S3"))
    assert s1.activities.new_slippage == [] and [a.code for a in s1.activities.workplan] == ["R1.A1"]
    # S2 (2011-12-23 – 2012-06-22): R1.A1 started late, inside the period: new, and started.
    assert [(a.code, a.problems) for a in s2.activities.new_slippage] == [("R1.A1", ("late_start",))]
    assert [a.code for a in s2.activities.started] == ["R1.A1"]
    # S3: the same late start is old news: the backlog line, not the table; R1.A2 is coming.
    assert s3.activities.new_slippage == [] and s3.activities.backlog == ["R1.A1"]
    assert T.backlog(s3, "en") == "Also late since earlier periods (1): R1.A1"
    # The next period's workplan: R1.A1 still under way, R1.A2 planned to start on 2012-12-23.
    assert [a.code for a in s3.activities.workplan] == ["R1.A1", "R1.A2"]
    # S4: R1.A1 finished in the period; R1.A2 should have started: new slippage.
    assert s4.activities.finished == [ActivityRow("R1.A1", "Training", dt.date(2011, 12, 23), dt.date(2012, 12, 23),
                                                  dt.date(2012, 2, 1), dt.date(2013, 2, 15), ("late_start",))]
    assert [(a.code, a.problems) for a in s4.activities.new_slippage] == [("R1.A2", ("late_start",))]
    # The workplan keeps what is late and not done (R1.A2), never what is finished (R1.A1).
    assert s4.activities.backlog == ["R1.A1"] and [a.code for a in s4.activities.workplan] == ["R1.A2"]
    assert T.activity_cells(s4.activities.finished[0], "en") == [
        "R1.A1", "Training", "2011-12-23 – 2012-12-23", "2012-02-01 – 2013-02-15", "late start"]


def test_assumptions_narratives_and_budget(tiny, s4, s4_kk):
    # Nothing stored for S3: not assessed. S4 has the stored status and its comment, verbatim.
    assert [(a.id, a.level, a.status, a.comment) for a in make_report(tiny, "S3").assumptions] == [
        ("DEMO.G.AS1", "G", "not_assessed", None)]
    assert [(a.id, a.status, a.comment) for a in s4.assumptions] == [("DEMO.G.AS1", "partly_holds", COMMENT)]
    # Narratives are per period and language: the Kazakh one for R1 only.
    assert commentary.narratives("demo", "S4", "kk", db=tiny.db) == {"R1": NARRATIVE}
    assert sections(s4_kk)["R1"].narrative == NARRATIVE and sections(s4)["R1"].narrative is None
    assert s4.budget == [BudgetRow(1, "Services", 800, 0, 800), BudgetRow(2, "Audit", 200, 0, 200)]
    assert s4.budget_total == BudgetRow(None, "", 1000, 0, 1000)
    assert T.budget_cells(s4_kk, "kk")[-1] == ["", "Жиыны", "1\xa0000", "0", "1\xa0000"]  # CLDR: no-break space
    assert T.budget_header(s4_kk, "kk")[2] == "ЕО қаржысы (мың евро)"  # the unit in the reader's language


def test_workplan_lists_what_falls_due_in_the_next_six_months(s4, empty_s1, tiny):
    """S4 ends 2013-06-22, so the next six months run 2013-06-23 – 2013-12-22 (months 24 to just
    before 30). Due then: the committee meeting of month 24 (twice a year; which months is ours), and
    the notices a month before the ROM mission and the mid-term of month 30 (month 29, 2013-11-23);
    the missions themselves, on 2013-12-23, fall after the window. S1 ends 2011-12-22: the inception
    phase's benchmarking (months 0-6) is still under way, and month 6 brings the end of the inception
    phase (the fixture gives its length), the first ROM mission (month 6, as the seed says) and a meeting.
    S13 (months 72-78) looks ahead to months 78-84: a meeting and the notice of the possible ex-post
    evaluation of month 84, which S14's window holds with the last meeting."""
    assert (s4.calendar_until, empty_s1.calendar_until) == (dt.date(2013, 12, 22), dt.date(2012, 6, 22))
    assert s4.calendar == [
        CalendarEntry("steering_committee", dt.date(2013, 6, 23), None, None, None, True, False),
        CalendarEntry("mission_notice", dt.date(2013, 11, 23), None, None, "midterm_evaluation", True, False),
        CalendarEntry("mission_notice", dt.date(2013, 11, 23), None, None, "rom", True, False)]
    assert [(e.key, e.date, e.end_date, e.assumed) for e in empty_s1.calendar] == [
        ("benchmarking", dt.date(2011, 6, 23), dt.date(2011, 12, 23), True),
        ("inception_end", dt.date(2011, 12, 23), None, False),
        ("rom", dt.date(2011, 12, 23), None, False),
        ("steering_committee", dt.date(2011, 12, 23), None, True)]
    assert [(e.key, e.date, e.mission, e.possible) for e in make_report(tiny, "S13").calendar] == [
        ("steering_committee", dt.date(2017, 12, 23), None, False),
        ("mission_notice", dt.date(2018, 5, 23), "ex_post_evaluation", True)]
    assert [(e.key, e.date, e.possible) for e in make_report(tiny, "S14").calendar] == [
        ("ex_post_evaluation", dt.date(2018, 6, 23), True), ("steering_committee", dt.date(2018, 6, 23), False)]
    assert T.calendar_cells(s4.calendar[1], "en") == [
        "2013-11-23", "notice to the Beneficiary before the mid-term evaluation", "assumed"]
    assert T.calendar_cells(empty_s1.calendar[0], "en") == [
        "2011-06-23 – 2011-12-23", "benchmarking of the indicators (inception phase)", "assumed"]
    assert T.calendar_cells(empty_s1.calendar[2], "ru") == [
        "2011-12-23", "мониторинг, ориентированный на результаты", "указано в решении"]
    assert T.calendar_cells(make_report(tiny, "S14").calendar[0], "en")[2] == "assumed; possible, may not take place"
    assert T.calendar_window(s4, "en").startswith("From 2013-06-23 to 2013-12-22.")


def test_workplan_in_every_format(s4_kk):
    kk_rows = [T.calendar_cells(e, "kk") for e in s4_kk.calendar]
    assert kk_rows[0][2] == "болжам" and kk_rows[1][1] == "аралық бағалау алдында Бенефициарды хабардар ету"
    page = lxml.html.fromstring(render_html(s4_kk))
    table = page.xpath("//h2[@id='workplan']/following-sibling::table[1]")[0]
    assert [[td.text_content() for td in tr.xpath("td")] for tr in table.xpath(".//tr[td]")] == kk_rows
    assert page.xpath("//h2[@id='workplan']/following-sibling::p[1]")[0].text == T.calendar_window(s4_kk, "kk")
    sheet = xlsx_of(s4_kk).worksheets[3]
    assert list(sheet.iter_rows(min_row=2, max_row=4, values_only=True)) == [
        (dt.datetime(2013, 6, 23), None, kk_rows[0][1], "болжам"),
        (dt.datetime(2013, 11, 23), None, kk_rows[1][1], "болжам"),
        (dt.datetime(2013, 11, 23), None, kk_rows[2][1], "болжам")]
    # Nothing due (a programme without meetings or M&E section would have that): every format says so.
    quiet = dataclasses.replace(s4_kk, calendar=[])
    none = T.label("report.workplan.none", "kk")
    assert lxml.html.fromstring(render_html(quiet)).xpath("//h2[@id='workplan']/following-sibling::p[2]")[0].text == none
    assert none in [p.text for p in docx_of(quiet).paragraphs]
    assert len(docx_of(quiet).tables) == len(docx_of(s4_kk).tables) - 1
    filled = [row for row in xlsx_of(quiet).worksheets[3].iter_rows(values_only=True) if any(row)]
    assert [row[0] for row in filled] == [T.label("calendar.col.date", "kk"),
                                          f"{T.label('report.workplan', 'kk')}. {T.calendar_window(quiet, 'kk')}"]


def test_a_report_from_a_ducklake_store_is_the_one_from_a_duckdb_file(tiny, s4_kk, postgres, tmp_path):
    """The same records on the team backend give the same report, to the last character."""
    lake = SimpleNamespace(lf=tiny.lf, db=postgres.new_database(migrated=True))
    record_tiny(tiny.lf, lake.db, tmp_path)
    assert render_html(make_report(lake, "S4", "kk")) == render_html(s4_kk)


def test_a_period_without_any_data_is_a_sensible_report(empty_s1):
    # S1 ends 2011-12-22; R1.I1's path expects 100 × 182 / 738 = 24.7 by then: due, no data.
    o = empty_s1.overall
    assert (o.status, o.score, o.coverage, o.counts.n_assessed) == ("no_data", None, 0, 0)
    assert all(row.actual is None and row.trend == "" for row in empty_s1.annex)
    assert empty_s1.data_quality == [DataQualityNote("no_data", ("DEMO.R1.I1",))]
    assert empty_s1.previous is None and empty_s1.changes == [] and empty_s1.charts == {}


def test_the_same_figures_in_every_language(tiny):
    reports = {lang: make_report(tiny, "S4", lang) for lang in ("kk", "en", "ru")}
    figures = {lang: [(i.code, i.baseline, i.target, i.actual, i.vs_expected, i.status, i.trend) for i in r.annex]
               + [(r.overall.score, r.overall.coverage, r.overall.status)] for lang, r in reports.items()}
    assert figures["kk"] == figures["en"] == figures["ru"]
    headings = {lang: docx_headings(docx_of(r)) for lang, r in reports.items()}
    assert len({tuple(h) for h in headings.values()}) == 3
    assert len(headings["kk"]) == len(headings["en"]) == len(headings["ru"])
    numbers = {lang: [row[3:4] + row[5:6] + row[7:8] + row[9:10] for row in
                      xlsx_of(r).worksheets[1].iter_rows(min_row=2, values_only=True)] for lang, r in reports.items()}
    assert numbers["kk"] == numbers["en"] == numbers["ru"] == [(None, 1, None, None), (0, 400, 76, 0.77)]
    assert [T.indicator_cells(reports[lang].annex[1], lang)[4] for lang in ("en", "kk", "ru")] == ["76"] * 3
    assert T.level_facts(sections(reports["ru"])["R1"], "ru").startswith("Прогресс к плану 77\xa0%")


# ---------------------------------------------------------------- HTML


def test_html_has_every_section_in_order_and_escapes_user_text(s4_kk):
    html = render_html(s4_kk)
    page = lxml.html.fromstring(html)
    assert section_ids(page) == SECTION_IDS
    assert page.xpath("//script") == [] and HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = page.text_content()
    assert NARRATIVE.splitlines()[0] in text and COMMENT in text
    assert page.xpath("//h2[@id='summary']")[0].text == "Қорытынды"
    # Statuses are words in a tinted box, never an icon alone; codes, numbers and dates never wrap.
    status = page.xpath("//table[@class='indicators']//td[@class='status']/span")[-1]
    assert status.text == "Тәуекел бар" and "status-at_risk" in status.get("class")
    assert not any(ch in text for ch in "✅⚠️⛔⏳∅⬆️❔")
    assert {td.get("class") for td in page.xpath("//table[@class='indicators']//td[1]")} == {"code"}
    assert "white-space: nowrap" in html and "overflow-wrap: anywhere" not in html


def test_the_first_period_compares_with_nothing(empty_s1):
    page = lxml.html.fromstring(render_html(empty_s1))
    changes = page.xpath("//h2[@id='changes']/following-sibling::*[1]")[0]
    assert changes.text_content() == "This is the first reporting period; there is nothing to compare with."


# ---------------------------------------------------------------- PDF


def pdf_fonts(reader: PdfReader) -> dict[str, tuple[str, bool]]:
    """BaseFont → (subtype, has /FontFile2) for every font on every page."""
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            fonts[str(font.get("/BaseFont"))] = (str(font["/Subtype"]), embedded)
    return fonts


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def s4_pdf(s4_kk):
    return PdfReader(io.BytesIO(to_pdf(render_html(s4_kk))))


def test_pdf_has_the_kazakh_text_with_its_fonts_embedded(s4_pdf, s4_kk):
    text = squeezed("".join(page.extract_text() for page in s4_pdf.pages))  # table cells wrap lines
    assert len(s4_pdf.pages) >= 2  # the annex starts a page
    for key in ("report.summary", "report.progress", "report.activities", "report.workplan", "report.data_quality",
                "report.annex"):
        assert squeezed(T.label(key, "kk")) in text, key
    assert "Қорытынды" in text and "Оқытылғанқызметшілер" in text and "Заңқабылданды" in text
    assert "DEMO.R1.I1" in text  # a code is never broken across lines
    assert set(KAZAKH) <= set(text)
    assert squeezed(HOSTILE) in text  # printed as the literal text it is
    assert f"1 / {len(s4_pdf.pages)}" in s4_pdf.pages[0].extract_text()
    fonts = pdf_fonts(s4_pdf)
    assert {"NotoSans-Regular", "NotoSans-Bold"} <= {name.split("+")[-1] for name in fonts}
    assert all(embedded for subtype, embedded in fonts.values() if subtype != "/Type3"), fonts
    annex = s4_pdf.pages[-1].mediabox
    assert annex.width > annex.height  # the wide annex prints on landscape pages


def no_kaleido(*args, **kwargs):
    raise AssertionError("the PDF started kaleido")


def test_pdf_charts_are_drawn_by_the_printing_browser(s4_kk, monkeypatch):
    """No kaleido for a PDF: its chart is drawn in the printed page, its words and numbers kept as text."""
    monkeypatch.setattr(chart_export, "render_many", no_kaleido)
    pdf = PdfReader(io.BytesIO(export_report(s4_kk, "pdf")))
    text = squeezed("".join(page.extract_text() for page in pdf.pages))
    fig = report_figures(s4_kk)["DEMO.R1.I1"]
    legend = [trace.name for trace in fig.data if trace.showlegend is not False]
    words = [t("ind.chart_title", "kk", code="DEMO.R1.I1"), *legend, *fig.layout.xaxis.ticktext]
    assert len(legend) >= 3 and all(squeezed(word) in text for word in words), words
    assert t("ind.actual", "kk") in legend and "қ" in t("ind.actual", "kk")  # Kazakh letters among them


def test_cli_pdf_has_every_chart_in_the_readers_language(demo_store, tmp_path, monkeypatch):
    """The CLI starts the printing browser ahead, while it builds the report; one browser, no kaleido."""
    monkeypatch.setattr(chart_export, "render_many", no_kaleido)
    out = tmp_path / "psr.pdf"
    assert cli.main(["--db", str(demo_store), "report", "psr", "2014-H2", "--lang", "ru", "-o", str(out)]) == 0
    text = squeezed("".join(page.extract_text() for page in PdfReader(out).pages))
    charts = [s.chart_indicator for s in make_report(SimpleNamespace(lf=load_catalog()["psr"], db=demo_store),
                                                     "2014-H2", "ru", programme="psr").levels if s.chart_indicator]
    assert len(charts) >= 5
    assert all(squeezed(t("ind.chart_title", "ru", code=code)) in text for code in charts)
    assert not [thread for thread in threading.enumerate() if thread.name == "pdf-printer"]


def test_cli_docx_has_every_chart_with_kaleido_started_ahead(demo_store, tmp_path):
    out = tmp_path / "psr.docx"
    assert cli.main(["--db", str(demo_store), "report", "psr", "2014-H2", "--format", "docx", "-o", str(out)]) == 0
    report = make_report(SimpleNamespace(lf=load_catalog()["psr"], db=demo_store), "2014-H2", "kk", programme="psr")
    assert len(docx.Document(out).inline_shapes) == len(report.charts) >= 5
    assert not [thread for thread in threading.enumerate() if thread.name == "kaleido-start"]


def test_printer_started_ahead_prints_once_and_lets_an_unused_browser_go():
    with report_pdf.printer_ahead():
        first, second = to_pdf(f"<p>{KAZAKH}</p>"), to_pdf("<p>second</p>")  # the second starts its own
    assert KAZAKH in squeezed(PdfReader(io.BytesIO(first)).pages[0].extract_text())
    assert "second" in PdfReader(io.BytesIO(second)).pages[0].extract_text()
    with pytest.raises(ValueError, match="before printing"):
        with report_pdf.printer_ahead():
            raise ValueError("a failure before printing")
    assert not [thread for thread in threading.enumerate() if thread.name == "pdf-printer"]


def test_pdf_prints_from_inside_a_running_asyncio_loop():
    # Playwright's sync API refuses such a thread (the browser tests hold one for the whole session).
    async def caller():
        return to_pdf(f"<p>{KAZAKH}</p>")
    with ThreadPoolExecutor(max_workers=1) as pool:  # a fresh thread: this one may have a loop already
        pdf = PdfReader(io.BytesIO(pool.submit(asyncio.run, caller()).result()))
    assert KAZAKH in squeezed(pdf.pages[0].extract_text())


def test_pdf_without_chromium_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(report_pdf, "CHROMIUM", tmp_path / "chromium")
    with pytest.raises(RuntimeError, match="Chromium is not installed"):
        to_pdf("<p>x</p>")


# ---------------------------------------------------------------- DOCX


def docx_of(report, charts_png=None):
    return docx.Document(io.BytesIO(to_docx(report, charts_png)))


def docx_headings(document):
    return [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]


def test_docx_is_an_editable_document_with_the_html_structure(s4_kk):
    document = docx_of(s4_kk, {"DEMO.R1.I1": tiny_png()})

    def L(key):
        return T.label(key, "kk")

    assert docx_headings(document) == [
        ("Heading 1", "Демо бағдарлама"),
        ("Heading 2", L("report.summary")), ("Heading 2", L("report.progress")),
        ("Heading 3", "Ортақ мақсат: Мерзімі келмеген"),
        ("Heading 3", "Нақты мақсат P1: Бағаланбайды"),
        ("Heading 3", "Нәтиже R1: Тәуекел бар"),
        ("Heading 2", L("report.changes")),
        ("Heading 2", L("report.activities")),
        ("Heading 3", L("report.new_slippage")), ("Heading 3", L("report.started")),
        ("Heading 3", L("report.finished")),
        ("Heading 2", L("report18.workplan")), ("Heading 3", L("report.workplan")),
        ("Heading 3", L("report18.workplan.activities")),
        ("Heading 2", L("report.assumptions")), ("Heading 2", L("report.budget")),
        ("Heading 2", L("report.data_quality")), ("Heading 2", L("report.annex")),
        ("Heading 2", L("report18.annex.logframe")), ("Heading 2", L("report18.annex.contracts")),
        ("Heading 3", L("report18.contracts.foreseen")), ("Heading 3", L("report18.contracts.signed"))]
    # Levels; indicators of G and R1 (P1 has none); changes; activities new (R1.A2) and finished
    # (R1.A1); calendar; the workplan's activities (R1.A2, late); assumptions; budget; annex; the
    # logframe; the contracts foreseen (no financial entries: no register).
    assert len(document.tables) == 13
    assert {t.style.name for t in document.tables} == {"Table Grid"}
    assert len(document.inline_shapes) == 1  # R1's chart; G has no data, so no chart
    annex = document.tables[-3]  # then the logframe and the contracts foreseen
    assert [c.text for c in annex.rows[2].cells] == ["DEMO.R1.I1", "Оқытылған қызметшілер (адам)", "0",
                                                     "400 (2016-06-23)", "76", "S4", "77%", "Тәуекел бар", "↑"]
    assert annex.rows[2].cells[0]._tc.tcPr.find(qn("w:noWrap")) is not None
    paragraphs = [p.text for p in document.paragraphs]
    r1_narrative = len(paragraphs) - paragraphs[::-1].index(L("report.narrative"))  # the last level's
    assert paragraphs[r1_narrative:r1_narrative + 2] == NARRATIVE.splitlines()  # literal text, one paragraph a line
    assert [[c.text for c in row.cells] for row in document.tables[6].rows[1:]] == [
        T.calendar_cells(e, "kk") for e in s4_kk.calendar]
    assumptions = document.tables[8]  # after the workplan's activities
    assert assumptions.rows[1].cells[3].text == COMMENT  # literal text, not a field or markup
    assert any(p.text == T.backlog(s4_kk, "kk") for p in document.paragraphs)


def test_docx_uses_noto_sans_on_a4(s4_kk):
    document = docx_of(s4_kk)
    fonts = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(
        qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{s}")) for s in ("ascii", "hAnsi", "cs", "eastAsia")} == {"Noto Sans"}
    heading = document.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:asciiTheme")) is None and heading.get(qn("w:ascii")) == "Noto Sans"
    first, annex = document.sections
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)  # stored in twips
    assert annex.page_width > annex.page_height  # the wide annex table is on landscape pages
    assert document.core_properties.language == "kk-KZ"


# ---------------------------------------------------------------- XLSX


def xlsx_of(report):
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))


def test_xlsx_sheets_typed_numbers_and_frozen_headers(s4_kk):
    book = xlsx_of(s4_kk)
    assert book.sheetnames == ["Қорытынды", "Қосымша барлық көрсеткіштер", "Іс-шаралар", "Күнтізбе",
                               "Болжамдар мен тәуекелдер", "Бюджет", "Қисынды шеңбер", "Келісімшарттар"]
    assert {ws.freeze_panes for ws in book.worksheets} == {"A2"}
    indicators = book.worksheets[1]
    assert indicators.auto_filter.ref == "A1:L3"
    assert [c.value for c in indicators[3]] == [
        "DEMO.R1.I1", "Оқытылған қызметшілер", "адам", 0, "логикалық шеңбер", 400, dt.datetime(2016, 6, 23), 76,
        "S4", 0.77, "Тәуекел бар", "↑"]
    assert [c.data_type for c in indicators[3]][3] == "n" and indicators["J3"].number_format == "0%"
    assert [c.value for c in indicators[2]][3:10] == [None, None, 1, dt.datetime(2016, 6, 23), None, None, None]
    activities = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[3]) for row in activities[:2]] == [
        (T.label("report.new_slippage", "kk"), "R1.A2", dt.datetime(2012, 12, 23)),
        (T.label("report.finished", "kk"), "R1.A1", dt.datetime(2011, 12, 23))]
    assert activities[-1][0] == T.backlog(s4_kk, "kk")
    budget = list(book.worksheets[5].iter_rows(min_row=2, values_only=True))
    assert budget == [(1, "Қызметтер", 800, 0, 800), (2, "Аудит", 200, 0, 200), (None, "Жиыны", 1000, 0, 1000)]
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row[0]}
    assert summary[T.label("progress.score", "kk")] == 0.77 and summary[T.label("col.status", "kk")] == "Тәуекел бар"


def test_xlsx_neutralises_text_that_looks_like_a_formula(s4_kk):
    book = xlsx_of(s4_kk)
    assert book.worksheets[4]["E2"].value == "'" + COMMENT
    narratives = [row[5] for row in book.worksheets[0].iter_rows(values_only=True) if row[0] == "Нәтиже R1"]
    assert narratives == ["'" + NARRATIVE]
    assert not any(cell.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)


# ---------------------------------------------------------------- no data at all, every format


def test_empty_period_in_every_format(empty_s1):
    no_data = "No data"
    html = render_html(empty_s1)
    page = lxml.html.fromstring(html)
    assert section_ids(page) == SECTION_IDS
    assert no_data in page.xpath("//h2[@id='summary']/following-sibling::p[1]")[0].text_content()
    pdf = PdfReader(io.BytesIO(to_pdf(html)))
    assert squeezed(no_data) in squeezed(pdf.pages[0].extract_text())
    assert "Annex: all indicators" in "".join(p.extract_text() for p in pdf.pages[-3:])
    assert "Annex: list of contracts" in pdf.pages[-1].extract_text()  # with none listed: no financial entries
    document = docx_of(empty_s1)
    assert [text for _, text in docx_headings(document)][1] == "Summary"
    assert any(p.text.startswith(no_data) for p in document.paragraphs)
    book = xlsx_of(empty_s1)
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row[0]}
    assert summary["Status"] == no_data and summary["Progress vs plan"] is None and summary["Coverage"] == 0
    assert [row[7] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)] == [None, None]


def test_renderers_table():
    assert RENDERERS["pdf"].mime == "application/pdf" and RENDERERS["pdf"].needs_browser
    assert RENDERERS["html"].mime == "text/html" and not RENDERERS["html"].needs_browser
    assert RENDERERS["docx"].mime.endswith("wordprocessingml.document")
    assert RENDERERS["xlsx"].mime.endswith("spreadsheetml.sheet")
    assert [r.extension for r in RENDERERS.values()] == list(RENDERERS)
    with pytest.raises(ValueError, match="unknown report format 'odt'"):
        export_report(None, "odt")


# ---------------------------------------------------------------- a real programme (demo data)


@pytest.fixture(scope="module")
def psr(demo_store):
    return make_report(SimpleNamespace(lf=load_catalog()["psr"], db=demo_store), "2014-H2", "kk", programme="psr")


def test_demo_programme_in_docx_and_xlsx(psr):
    levels = psr.levels
    charts = {s.chart_indicator: tiny_png() for s in levels if s.chart_indicator}
    document = docx_of(psr, charts)
    headings = docx_headings(document)
    assert [name for name, _ in headings].count("Heading 3") == len(levels) + 3 + 2 + 2  # activities; workplan; contracts
    assert len(document.inline_shapes) == len(charts) == len(psr.charts)
    indicator_tables = sum(1 for s in levels if s.indicators)
    a = psr.activities
    activity_tables = sum(1 for group in (a.new_slippage, a.started, a.finished, a.workplan) if group)
    assert len(document.tables) == (1 + indicator_tables + bool(psr.changes) + activity_tables + bool(psr.calendar)
                                    + 3 + 2)  # the logframe and the contracts foreseen (no financial entries)
    assert len(document.tables[-3].rows) == 1 + len(psr.annex)
    book = xlsx_of(psr)
    sheet = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in sheet] == [row.code for row in psr.annex]
    for row, model in zip(sheet, psr.annex):
        assert (row[3], row[5], row[7], row[9]) == (model.baseline, model.target, model.actual, model.vs_expected)
    activities = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert len([r for r in activities if r[1]]) == sum(len(g) for g in (a.new_slippage, a.started, a.finished,
                                                                        a.workplan))
    assert section_ids(lxml.html.fromstring(render_html(psr))) == SECTION_IDS


# ---------------------------------------------------------------- programmes outside the EU budget (demo data)


@pytest.fixture(scope="module")
def passports_ru(demo_store):
    lf = load_catalog()["rbp2007"]
    return make_report(SimpleNamespace(lf=lf, db=demo_store), "2007", "ru", programme="rbp2007")


@pytest.fixture(scope="module")
def oecd_en(demo_store):
    lf = load_catalog()["psr_oecd"]
    return make_report(SimpleNamespace(lf=lf, db=demo_store), "2016-H2", "en", programme="psr_oecd")


def test_a_state_budget_programme_reports_its_year_in_tenge_and_says_it_is_not_eu(passports_ru):
    r = passports_ru
    assert (r.period.label, r.period.start.isoformat(), r.period.end.isoformat()) == ("2007", "2007-01-01",
                                                                                      "2007-12-31")
    header = T.budget_header(r, "ru")
    assert header[2:] == ["Вклад ЕС (тыс. тенге)", "Средства республиканского бюджета (тыс. тенге)",
                          "Всего (тыс. тенге)"]
    assert T.budget_cells(r, "ru")[-1][2:] == ["0", "4\xa0353\xa0886", "4\xa0353\xa0886"]
    notice = "Государственная бюджетная программа Казахстана; источник финансирования: средства республиканского " \
             "бюджета. Не проект ЕС и не входит в бюджет ЕС."
    assert T.summary(r, "ru").endswith(notice)
    html = render_html(r)
    assert notice in lxml.html.fromstring(html).xpath("string(//*[@id='summary']/following-sibling::p[1])")
    assert notice in "\n".join(p.text for p in docx_of(r).paragraphs)
    book = xlsx_of(r)
    assert any(notice in cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row
               if isinstance(cell, str))
    budget = list(book.worksheets[5].iter_rows(values_only=True))
    assert budget[0][2:] == tuple(header[2:]) and budget[-1][2:] == (0, 4353886, 4353886)


def test_the_oecd_review_reports_in_euros_financed_by_the_government(oecd_en, s4):
    r = oecd_en
    assert T.budget_header(r, "en")[2:] == ["EU contribution (EUR)", "Government of the Republic of Kazakhstan (EUR)",
                                            "Total (EUR)"]
    assert T.budget_cells(r, "en")[-1][2:] == ["0", "376,726", "376,726"]
    assert T.summary(r, "en").endswith("Financing: Government of the Republic of Kazakhstan. Not part of the EU "
                                       "budget. Linked to PSR.")
    assert "EU budget" not in T.summary(s4, "en") and T.notice(s4, "en") is None  # an EU programme says nothing more


def test_the_workplan_of_a_programme_outside_the_eu_budget_has_no_eu_contracting_deadline(demo_store):
    """The OECD review's last half: its final report falls due (18 → 24 months); an EU financing
    agreement's contracting deadline does not apply to it, so it is not listed."""
    lf = load_catalog()["psr_oecd"]
    r = make_report(SimpleNamespace(lf=lf, db=demo_store), "2015-H2", "en", programme="psr_oecd")
    keys = [entry.key for entry in r.calendar]
    assert "final_report" in keys and "contracting_deadline" not in keys
    report = next(e for e in r.calendar if e.key == "final_report")
    assert (report.date.isoformat(), report.end_date.isoformat()) == ("2016-06-24", "2016-12-24")
    assert T.calendar_cells(report, "en")[1] == "final report and financial statement due"
