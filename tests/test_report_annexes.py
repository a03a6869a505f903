"""The report's workplan for the next period, its annexes on the logframe as it stands and on the
contracts, and the page numbers of its PDF contents (issue 18): the model on the demo data (PSR,
2014-H2), the words in kk, ru and en, the same content in HTML, DOCX and XLSX, and the list of
contracts adding up to the money section's figures."""

import datetime as dt
import io

import docx
import lxml.html
import openpyxl
import pytest
from pypdf import PdfReader

from kzlogframe import annex_text as A
from kzlogframe import report_text as T
from kzlogframe.catalog import load_catalog
from kzlogframe.finance import contract_register, execution
from kzlogframe.finance_ingest import current_entries
from kzlogframe.formatting import number
from kzlogframe.i18n import t
from kzlogframe.measurements import current_measurements
from kzlogframe.report import build_report
from kzlogframe.report_docx import to_docx
from kzlogframe.report_html import render_html
from kzlogframe.report_pdf import destination_pages, to_pdf
from kzlogframe.report_state import current_report
from kzlogframe.report_xlsx import to_xlsx
from kzlogframe.schedule import rom_last_month
from kzlogframe.validation import check_text
from tests.conftest import ROOT
from tests.test_fallback_language import MARKED, no_russian  # noqa: F401 (a fixture)

CATALOG = load_catalog()
PSR = CATALOG["psr"]


@pytest.fixture(scope="module")
def reports(demo_store):
    period = PSR.reporting_period("2014-H2")
    return {lang: current_report(PSR, period, lang, demo_store, generated=dt.date(2015, 1, 20))
            for lang in ("kk", "ru", "en")}


def words_of_docx(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for table in document.tables for row in table.rows for c in row.cells])


# ---------------------------------------------------------------- the logframe as it stands


def test_the_logframe_annex_has_every_level_with_its_indicators_sources_and_assumptions(reports):
    rows = A.logframe_rows(reports["en"], "en")
    expected = ["goal", *["purpose"] * len(PSR.purposes)]
    for result in PSR.results:
        expected += ["result"] + ["sub_result"] * len(result.sub_results) + ["activity"] * len(result.activities)
    assert [r.kind for r in rows] == expected
    assert [i.code for r in rows for i in r.indicators] == [i.code for _, i in PSR.indicators()]
    assert sum(len(r.assumptions) for r in rows) == sum(len(level.assumptions) for level in PSR.levels())
    goal = rows[0]
    assert goal.label == "Overall objective" and goal.text == PSR.goal.text.en
    assert [s.text for s in goal.sources] == [s.en for s in PSR.goal.sources]
    # Each indicator states its baseline and target: declared, or (none declared) the one the report measured.
    measured = {row.code: row for row in reports["en"].annex}
    for ind in (i for r in rows for i in r.indicators):
        declared = PSR.indicator(ind.code).baseline
        if declared is None and measured[ind.code].baseline is not None:
            assert ind.baseline == f"Baseline: {T.baseline(measured[ind.code], 'en')}"
        assert ind.targets or ind.to_be_set
    activity = next(r for r in rows if r.kind == "activity")
    assert activity.label.startswith("Activity ") and A.logframe_cells(activity, "en")[2:] == ["", ""]


@pytest.mark.parametrize("lang, goal, heading", [
    ("kk", "Ортақ мақсат", "Қосымша: қисынды шеңбердің қазіргі нұсқасы"),
    ("ru", "Общая цель", "Приложение: логическая рамка в текущей редакции"),
    ("en", "Overall objective", "Annex: the logframe as it stands")])
def test_the_logframe_annex_in_every_format_and_language(reports, lang, goal, heading):
    report = reports[lang]
    first = A.logframe_rows(report, lang)[0]
    assert first.label == goal and first.text == PSR.goal.text.get(lang)
    assert t("report18.annex.logframe", lang) == heading
    page = lxml.html.fromstring(render_html(report))
    annex = page.get_element_by_id("annex-logframe")
    assert annex.findtext("h2") == heading
    assert [tr.get("id") for tr in annex.xpath(".//tr[@id]")][:2] == ["lf-G", f"lf-{PSR.purposes[0].code}"]
    assert PSR.goal.sources[0].get(lang) in annex.text_content()
    words = words_of_docx(to_docx(report))
    assert heading in words and A.logframe_cells(first, lang)[1] in words
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    sheet = book[t("report18.annex.logframe.sheet", lang)]
    body = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[3] for row in body if row[3]} == {i.code for _, i in PSR.indicators()}
    assert body[0][:3] == (goal, "G", PSR.goal.text.get(lang))


def test_a_text_missing_the_language_is_marked_in_the_logframe_annex(no_russian):  # noqa: F811
    lf, root = no_russian
    report = build_report(lf, current_measurements("demo", root / "store.duckdb"), lf.reporting_period("2012-H2"), "ru")
    annex = lxml.html.fromstring(render_html(report)).get_element_by_id("annex-logframe")
    assert MARKED in annex.text_content()
    assert MARKED in words_of_docx(to_docx(report))
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))[t("report18.annex.logframe.sheet", "ru")]
    assert MARKED in [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]


# ---------------------------------------------------------------- the list of contracts


@pytest.mark.parametrize("code", list(CATALOG))
def test_the_contract_register_adds_up_to_the_money_section(demo_store, code):
    lf = CATALOG[code]
    entries = current_entries(code, demo_store)
    for day in (lf.programme.implementation.fa_signature, dt.date(2013, 6, 30), dt.date(2014, 12, 31)):
        money, register = execution(lf, entries, day), contract_register(lf, entries, day)
        assert sum(c.committed for c in register) == pytest.approx(money.total.contracted)
        assert sum(c.disbursed for c in register) == pytest.approx(money.total.disbursed)
        assert sum(c.spent for c in register) == pytest.approx(money.total.spent)
        assert all(c.signed is None or c.signed <= day for c in register)


def test_the_list_of_contracts_in_every_format_agrees_with_the_budget_section(reports):
    report = reports["kk"]
    money = report.finance
    values = A.contract_values(report, "kk")
    assert len(values) == len(report.contracts) + 1 and values[-1][0] == "Жиыны"
    assert values[-1][5:] == [money.total.contracted, money.total.disbursed]
    assert sum(row[5] for row in values[:-1]) == pytest.approx(money.total.contracted)
    assert [row[0] for row in values[:-1]] == [c.contract_id for c in report.contracts]
    foreseen = A.foreseen_values(report, "kk")
    assert [row[0] for row in foreseen[:len(PSR.contracts)]] == [c.title.kk for c in PSR.contracts]
    assert sum(row[3] for row in foreseen) == pytest.approx(money.total.contracted)  # every contract, once
    assert foreseen[0][1] == 3_000_000 and foreseen[0][2] == "2011-09-23 (болжам)"  # the OECD's ceiling, assumed date
    contracted, disbursed = number(money.total.contracted, "kk", 0), number(money.total.disbursed, "kk", 0)
    annex = lxml.html.fromstring(render_html(report)).get_element_by_id("annex-contracts")
    total = [td.text_content() for td in annex.xpath(".//table[@class='contracts']//tr[last()]/td")]
    assert total[0] == "Жиыны" and total[5:] == [contracted, disbursed]
    budget = lxml.html.fromstring(render_html(report)).get_element_by_id("financial-execution")
    assert contracted in budget.getnext().text_content()  # the same figure in the money section
    document = docx.Document(io.BytesIO(to_docx(report)))
    assert [c.text for c in document.tables[-1].rows[-1].cells][5:] == [contracted, disbursed]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    rows = list(book["Келісімшарттар"].iter_rows(values_only=True))
    assert ("Жиыны", None, None, None, None, money.total.contracted, money.total.disbursed) in rows
    assert any(row[0] == report.contracts[0].contract_id and isinstance(row[5], (int, float)) for row in rows)


def test_without_financial_entries_no_contract_is_invented(demo_store):
    period = PSR.reporting_period("2014-H2")
    report = build_report(PSR, current_measurements("psr", demo_store), period, "ru")
    assert report.contracts is None and A.contract_values(report, "ru") == []
    assert A.contracts_note(report, "ru").startswith("До конца периода финансовые записи не внесены")
    assert [row[3:] for row in A.foreseen_values(report, "ru")] == [[None, None]] * len(PSR.contracts)


# ---------------------------------------------------------------- the workplan of the next period


def test_the_workplan_has_the_activities_and_the_contracting_deadline(reports, demo_store):
    report = reports["en"]
    deadline = [e for e in report.calendar if e.key == "contracting_deadline"]
    # FA 2011-06-23 + 36 months: contracts are signed until 2014-06-22, before 2014-H2 ended.
    assert [(e.date, e.passed) for e in deadline] == [(dt.date(2014, 6, 22), True)]
    assert T.calendar_cells(deadline[0], "en")[1] == "contracting deadline passed: no new contract may be signed"
    assert T.calendar_cells(deadline[0], "kk")[1].startswith("келісімшарт жасасу мерзімі өтті")
    assert T.calendar_cells(deadline[0], "ru")[1].startswith("срок заключения контрактов истёк")
    measured = current_measurements("psr", demo_store)
    before = build_report(PSR, measured, PSR.reporting_period("2013-H2"), "en")
    assert [(e.date, e.passed) for e in before.calendar if e.key == "contracting_deadline"] == [
        (dt.date(2014, 6, 22), False)]  # due in the next period
    ended = build_report(PSR, measured, PSR.reporting_period("2016-H1"), "en")
    assert not [e for e in ended.calendar if e.key == "contracting_deadline"]  # the operational phase is over
    rom = build_report(PSR, measured, PSR.reporting_period("2014-H1"), "en")
    assert {"rom", "mission_notice", "steering_committee"} <= {e.key for e in rom.calendar}  # month 42: 2014-12-23
    work = report.activities.workplan
    assert work and all(a.actual_end is None and a.planned_start <= report.calendar_until for a in work)
    assert "R2.A6" in [a.code for a in work] and "R2.A4" not in [a.code for a in work]  # under way; finished
    page = lxml.html.fromstring(render_html(reports["ru"]))
    heading = page.xpath("//h2[@id='workplan']")[0]
    assert heading.text == "План работ на следующий период"
    assert "R2.A6" in page.xpath("//h2[@id='workplan']/following-sibling::table[2]")[0].text_content()


# ---------------------------------------------------------------- the PDF's contents with page numbers


def test_the_pdf_contents_give_the_page_of_each_section():
    sections = [("first", "Alpha"), ("second", "Beta"), ("third", "Gamma")]
    toc = "".join(f'<li><a href="#{a}">{title}</a> <span data-page-of="{a}"></span></li>' for a, title in sections)
    more = '<p style="break-before: page">more</p>'
    body = "".join(f'<h2 id="{a}" style="break-before: page">{title}</h2><p>text</p>' + (more if a == "second" else "")
                   for a, title in sections)
    pdf = to_pdf(f'<!DOCTYPE html><html><body><ol>{toc}</ol>{body}</body></html>')
    reader = PdfReader(io.BytesIO(pdf))
    pages = destination_pages(pdf)
    assert pages == {"first": 2, "second": 3, "third": 5}  # Beta takes two pages
    contents = reader.pages[0].extract_text()
    assert "Alpha 2" in contents and "Beta 3" in contents and "Gamma 5" in contents
    assert "Gamma" in reader.pages[4].extract_text()


def test_validate_holds_rom_to_six_months_before_the_operational_phase_ends():
    """The seed: ROM starts around month 6 and ends no later than six months before the end of the
    operational phase; a shorter phase that the ROM provision overruns is reported at its line."""
    text = (ROOT / "logframes" / "psr.yaml").read_text(encoding="utf-8")
    assert rom_last_month(PSR) == 54 and not [p for p in check_text(text, "psr.yaml").problems if "ROM" in str(p)]
    shorter = check_text(text.replace("operational_months: 60", "operational_months: 56", 1), "psr.yaml")
    line = text[:text.index("end_months: 54")].count("\n") + 1
    assert [str(p) for p in shorter.problems if "ROM" in str(p)] == [
        f"psr.yaml:{line}: monitoring[1].end_months: external ROM runs to month 54, but it ends six months before "
        "the end of the operational phase at the latest (month 50)"]
