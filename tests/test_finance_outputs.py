"""Money in every output (issue 17): the Budget page's figures (finance.execution), the report's
financial execution section (HTML, DOCX, XLSX) and IATI's transactions and budgets give the same
totals on the demo data; IATI stays valid against the official 2.03 schema."""

import datetime as dt
import io

import openpyxl
import pytest
from lxml import etree

from kzlogframe.catalog import load_catalog
from kzlogframe.finance import execution, yearly_budget
from kzlogframe.finance_ingest import current_entries
from kzlogframe.formatting import number, percent
from kzlogframe.iati import iati_xml
from kzlogframe.measurements import current_measurements
from kzlogframe.report import build_report
from kzlogframe.report_html import render_html
from kzlogframe.report_xlsx import to_xlsx
from tests.conftest import ROOT

SCHEMA = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "iati-2.03" / "iati-activities-schema.xsd")))
CATALOG = load_catalog()


def iati_totals(xml: bytes) -> dict[str, float]:
    activity = etree.fromstring(xml).find("iati-activity")
    totals: dict[str, float] = {}
    for transaction in activity.findall("transaction"):
        code = transaction.find("transaction-type").get("code")
        totals[code] = totals.get(code, 0.0) + float(transaction.findtext("value"))
    return totals


@pytest.mark.parametrize("code", list(CATALOG))
def test_budget_page_report_and_iati_give_the_same_totals(demo_store, code):
    lf = CATALOG[code]
    entries = current_entries(code, demo_store)
    measured = current_measurements(code, demo_store)
    period = [p for p in lf.reporting_periods() if p.end <= dt.date(2014, 12, 31) or p.index == 1][-1]
    page = execution(lf, entries, period.end)  # what the Budget page shows at that period
    assert page.recorded and page.total.disbursed > 0
    report = build_report(lf, measured, period, "en", finance=entries)
    assert report.finance == page
    html = render_html(report)
    assert number(page.total.contracted, "en", 0) in html and number(page.total.disbursed, "en", 0) in html
    assert f"contracted {number(page.total.contracted, 'en', 0)} ({percent(page.total.share_contracted, 'en')})" in html
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))["Budget"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row[1] == "Total" and len(row) > 5 and row[5]]
    assert rows and rows[-1][2:4] == (page.total.indicative, page.total.contracted)
    assert rows[-1][5] == pytest.approx(page.total.disbursed)
    xml = iati_xml(lf, measured, as_of=period.end, finance=entries)
    assert SCHEMA.validate(etree.fromstring(xml)), SCHEMA.error_log.last_error
    totals = iati_totals(xml)
    assert totals["2"] == pytest.approx(page.total.contracted)
    assert totals["3"] == pytest.approx(page.total.disbursed)
    assert totals.get("4", 0.0) == pytest.approx(page.total.spent)


def test_iati_budgets_cover_the_operational_phase_in_periods_of_at_most_a_year(demo_store):
    lf = CATALOG["psr"]
    nothing = current_measurements("psr", demo_store).iloc[0:0]
    activity = etree.fromstring(iati_xml(lf, nothing)).find("iati-activity")
    budgets = activity.findall("budget")
    spans = [(dt.date.fromisoformat(b.find("period-start").get("iso-date")),
              dt.date.fromisoformat(b.find("period-end").get("iso-date"))) for b in budgets]
    assert spans == [(start, end) for start, end, _ in yearly_budget(lf)]
    assert all(end < start.replace(year=start.year + 1) for start, end in spans)
    assert {(b.get("type"), b.get("status")) for b in budgets} == {("1", "1")}
    assert sum(float(b.findtext("value")) for b in budgets) == pytest.approx(1000 * sum(x.eu for x in lf.budget.lines))
    assert activity.findall("transaction") == []  # no financial entries given, none invented

