"""Every output agrees with every other (issue: "Trustworthy outputs"): on the demo data, for every
indicator and every reporting period it was measured in, the number is the same on the Indicators
page (its progress frame, and the metric it renders), in the Steering Committee report (model,
XLSX annex), in the CSV and XLSX data export (the reporting value of the period's rows) and in the
IATI file (``actual/@value``), cells included."""

from __future__ import annotations

import io
import math

import openpyxl
import pandas as pd
import pytest
from lxml import etree
from streamlit.testing.v1 import AppTest

from kzlogframe.catalog import load_catalog
from kzlogframe.exports import by_level, export_table, to_csv_bytes, to_xlsx_bytes
from kzlogframe.formatting import measured_value
from kzlogframe.iati import iati_xml
from kzlogframe.measurements import current_measurements
from kzlogframe.progress import CELL_DIMS, indicator_progress
from kzlogframe.report import build_report
from kzlogframe.report_xlsx import to_xlsx
from tests.conftest import ROOT

LANG = "en"


def iati_actuals(data: bytes) -> dict[tuple[str, str, tuple], float]:
    """(indicator, period end, cell) → actual value; milestones carry no value and are skipped."""
    root = etree.fromstring(data)
    out = {}
    for indicator in root.iter("indicator"):
        code = indicator.find("reference").get("code")
        for period in indicator.findall("period"):
            end = period.find("period-end").get("iso-date")
            for actual in period.findall("actual"):
                if actual.get("value") is not None:
                    cell = tuple(sorted((d.get("name"), d.get("value")) for d in actual.findall("dimension")))
                    out[code, end, cell] = float(actual.get("value"))
    return out


def export_values(table: pd.DataFrame) -> dict[tuple[str, str, tuple], float]:
    """(indicator, reporting period, cell) → the export's reporting value for that period; cell ()
    is the indicator's total, which every row of the indicator and period carries."""
    out = {}
    for row in table.itertuples():
        cell = tuple(sorted((d, getattr(row, d)) for d in CELL_DIMS if getattr(row, d)))
        out[row.indicator, row.reporting_period, cell] = row.reporting_value
        if not math.isnan(row.indicator_value):
            assert out.setdefault((row.indicator, row.reporting_period, ()), row.indicator_value) == row.indicator_value
    return out


@pytest.fixture(scope="module")
def outputs(demo_store):
    """Per programme: the logframe, its stored values, the data export, and the IATI file."""
    built = {}
    for code, lf in load_catalog().items():
        stored = current_measurements(code, demo_store)
        table = export_table(lf, stored, LANG)
        built[code] = (lf, stored, table, iati_actuals(iati_xml(lf, stored)))
    return built


@pytest.mark.parametrize("code", ["kazlod", "psr"])
def test_report_page_export_and_iati_give_the_same_number(outputs, code):
    lf, stored, table, iati = outputs[code]
    periods = {p.label: p for p in lf.reporting_periods()}
    exported = export_values(table)
    measured = sorted(set(table["reporting_period"]), key=lambda label: periods[label].index)
    checked = 0
    for label in measured:
        period = periods[label]
        report = build_report(lf, stored, period, LANG)
        page = indicator_progress(stored, {code: lf}, period.end).set_index("indicator")
        annex = {row.code: row for row in report.annex}
        sheet = {row[0]: row for row in openpyxl.load_workbook(
            io.BytesIO(to_xlsx(report))).worksheets[1].iter_rows(min_row=2, values_only=True)}
        for indicator in sorted(set(table.loc[table["reporting_period"] == label, "indicator"])):
            row = annex[indicator]
            if row.period != label:  # cells only (a total that must not be added up): checked below
                assert pd.isna(page.loc[indicator, "actual"])
                continue
            numbers = {"report": row.actual, "report xlsx": sheet[indicator][7],
                       "indicators page": page.loc[indicator, "actual"],
                       "export": exported[indicator, label, ()]}
            if row.kind != "milestone":
                numbers["iati"] = iati[indicator, period.end.isoformat(), ()]
            assert len({round(v, 9) for v in numbers.values()}) == 1, (indicator, label, numbers)
            checked += 1
    assert checked > 100  # both programmes have over a hundred measured indicator-periods
    cells = {key: value for key, value in exported.items() if key[2]}
    for (indicator, label, cell), value in cells.items():
        if lf.indicator(indicator).type.value != "milestone":
            assert iati[indicator, periods[label].end.isoformat(), cell] == pytest.approx(value), (indicator, cell)


def test_csv_and_xlsx_exports_hold_the_same_reporting_values(outputs):
    lf, _, table, _ = outputs["kazlod"]
    back = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig", keep_default_na=False,
                       na_values=[""])
    pd.testing.assert_series_equal(back["reporting_value"], table["reporting_value"], check_names=False)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(by_level(table, lf, LANG))))
    from_xlsx = []
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        column = header.index("reporting_value")
        from_xlsx += [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    ordered = pd.concat(by_level(table, lf, LANG).values())["reporting_value"].tolist()
    assert [v if v is not None else math.nan for v in from_xlsx] == pytest.approx(ordered, nan_ok=True)


def test_the_indicators_page_shows_the_reported_number(demo_store, monkeypatch, outputs):
    """The page's "Latest actual" metric is the formatted reporting value of the chosen period."""
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    lf, stored, _, _ = outputs["psr"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.sidebar.selectbox(key="programme").set_value("psr").run()
    at.switch_page("views/indicators.py").run()
    period = lf.reporting_period("2014-H2")
    page = indicator_progress(stored, {"psr": lf}, period.end).set_index("indicator")
    for code in ("PSR.R2.I2", "PSR.R3.I4", "PSR.P1.I3"):
        at.selectbox(key="indicator_code").set_value(code).run()
        assert not at.exception
        ind = lf.indicator(code)
        shown = next(m.value for m in at.metric if m.label == "Latest actual")
        assert shown == measured_value(page.loc[code, "actual"], ind.type.value, "en", ind.unit.get("en"))
