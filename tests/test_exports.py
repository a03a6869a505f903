"""Data and chart export: what a consultant downloads reads back as the stored numbers,
text never turns into a spreadsheet formula, and charts really render, Kazakh included."""

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from kzlogframe import chart_export
from kzlogframe.chart_export import BrowserUnavailable, charts_zip, export_formats, to_html, to_png, to_svg
from kzlogframe.charts import indicator_chart
from kzlogframe.exports import (
    COLUMNS, by_level, export_table, filter_table, labelled, neutralise, sheet_names, to_csv_bytes, to_xlsx_bytes)
from kzlogframe.i18n import t
from kzlogframe.ingest import import_csv
from kzlogframe.measurements import current_measurements
from kzlogframe.models import Logframe
from kzlogframe.progress import series
from tests.conftest import ADMIN, FIXTURES, open_page

INJECTIONS = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
ROWS = [  # programme, indicator, period, value, sex, oblast, source, comment
    ("DEMO.R1.I1", "2012-H1", "10", "female", "Mangystau", "Training records", INJECTIONS[0]),
    ("DEMO.R1.I1", "2012-H1", "15", "male", "Kyzylorda", "Training records", INJECTIONS[1]),
    ("DEMO.R1.I1", "2012-H2", "5", "female", "Mangystau", "Training records", INJECTIONS[2]),
    ("DEMO.R1.I1", "2013-H1", "20", "male", "Mangystau", INJECTIONS[3], ""),
    ("DEMO.R1.I1", "2014-H1", "30", "female", "Kyzylorda", "Training records", INJECTIONS[4]),
    ("DEMO.P1.I1", "2012-Q1", "38.5", "", "", "Survey", INJECTIONS[5]),
    ("DEMO.P1.I1", "2012-Q2", "36", "", "", "Survey", ""),
    ("DEMO.P1.I1", "2012-Q3", "35.25", "", "", "Survey", ""),
    ("DEMO.P1.I1", "2012-Q4", "33", "", "", "Survey", "Сауалнама: әкімдіктер"),
    ("DEMO.P1.I2", "2012-H1", "1", "", "", "Expert panel", ""),
    ("DEMO.P1.I2", "2013-H1", "2", "", "", "Expert panel", ""),
    ("DEMO.P1.I3", "2012-Q2", "4", "", "", "Event log", ""),
    ("DEMO.P1.I3", "2012-Q3", "6", "", "", "Event log", ""),
    ("DEMO.P1.I3", "2013-01", "3", "", "", "Event log", ""),
    ("DEMO.G.I1", "2012-H1", "0", "", "", "Official gazette", ""),
    ("DEMO.G.I1", "2013-H1", "done", "", "", "Official gazette", ""),
]


def fixture_logframe() -> Logframe:
    """tests/fixtures/minimal.yaml with one indicator of every other kind under its purpose:
    a percentage that should fall (with baseline), a rating, a per-period count without target."""
    data = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    data["purposes"][0]["indicators"] = [
        {"code": "DEMO.P1.I1", "type": "quantitative", "direction": "decrease", "cumulative": "non_summing",
         "text": {"kk": "Әкімшілік кедергілер үлесі", "en": "Share of administrative barriers"},
         "unit": {"kk": "%", "en": "%"}, "baseline": {"value": 40, "date": dt.date(2011, 6, 23)},
         "targets": [{"date": dt.date(2016, 6, 23), "value": 20}]},
        {"code": "DEMO.P1.I2", "type": "rating",
         "text": {"kk": "Үйлестіру сапасы", "en": "Quality of coordination"},
         "scale": [{"kk": "төмен", "en": "low"}, {"kk": "орташа", "en": "medium"}, {"kk": "жоғары", "en": "high"}],
         "targets": [{"date": dt.date(2016, 6, 23), "value": 3}]},
        {"code": "DEMO.P1.I3", "type": "quantitative",
         "text": {"kk": "Қоғамдық тыңдаулар", "en": "Public hearings"}, "unit": {"kk": "іс-шара", "en": "events"}},
    ]
    return Logframe.model_validate(data)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    """(logframe, database) with the rows above imported through the real importer."""
    directory = tmp_path_factory.mktemp("exports")
    path = directory / "measurements.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["programme", "indicator", "period", "value", "sex", "oblast", "source", "comment"])
        writer.writerows(("demo", *row) for row in ROWS)
    lf = fixture_logframe()
    db = directory / "x.duckdb"
    report = import_csv(path, {"demo": lf}, ADMIN, db=db)
    assert report.status == "committed" and report.rejected.empty, report.rejected
    return lf, db


@pytest.fixture(scope="module")
def table(fixture_db):
    lf, db = fixture_db
    return export_table(lf, current_measurements("demo", db), "kk")


# ---------------------------------------------------------------- the table


def test_export_table_joins_each_value_with_its_definition(table):
    assert len(table) == len(ROWS)
    assert list(table["indicator"].unique()) == ["DEMO.G.I1", "DEMO.P1.I1", "DEMO.P1.I2", "DEMO.P1.I3", "DEMO.R1.I1"]
    first = table[table["indicator"] == "DEMO.R1.I1"].iloc[0]
    assert (first["programme"], first["level_kind"], first["level_code"]) == ("demo", "result", "R1")
    assert first["indicator_text"] == "Оқытылған қызметшілер" and first["cumulative"] == "summing"
    assert first["baseline"] == 0 and first["period_start"] == pd.Timestamp("2012-01-01")
    percentage = table[table["indicator"] == "DEMO.P1.I1"].iloc[0]
    assert percentage["unit"] == "%" and percentage["baseline"] == 40 and percentage["type"] == "quantitative"
    assert table[table["indicator"] == "DEMO.G.I1"]["value"].tolist() == [0.0, 1.0]  # "done" is stored as 1


def test_each_row_carries_its_reporting_period_value_and_status(table):
    """Beside the value as reported: the half it falls in, the indicator's value for that half
    after its cumulative rule (per cell for cell rows), and the indicator's status then."""
    rows = table.set_index(["indicator", "period_label", "sex", "oblast"])
    r1 = rows.loc["DEMO.R1.I1"]
    assert r1.loc[("2012-H1", "female", "Mangystau"), ["value", "reporting_value"]].tolist() == [10, 10]
    assert r1.loc[("2012-H2", "female", "Mangystau"), ["value", "reporting_value"]].tolist() == [5, 15]  # running
    p1 = rows.loc["DEMO.P1.I1"].reset_index().set_index("period_label")
    assert p1["reporting_period"].tolist() == ["2012-H1", "2012-H1", "2012-H2", "2012-H2"]
    assert p1["reporting_value"].tolist() == [36, 36, 33, 33]  # a level: the half's latest quarter
    assert p1.loc["2012-Q1", "status"] == "Жоспар бойынша"  # 40 → 36 of the way to 20, on track then
    p3 = rows.loc["DEMO.P1.I3"].reset_index().set_index("period_label")
    assert p3["reporting_value"].tolist() == [4, 6, 3]
    assert set(p3["status"]) == {"Бағаланбайды"}  # no target yet: not reporting
    assert table.loc[table["indicator"] == "DEMO.P1.I2", "baseline_source"].eq("first_measurement").all()


def test_each_row_carries_the_next_target_due(table):
    r1 = table[table["indicator"] == "DEMO.R1.I1"].set_index("period_label")
    assert r1.loc["2012-H1", "target"].tolist() == [100.0, 100.0]
    assert r1.loc["2013-H1", "target"] == 100.0 and r1.loc["2013-H1", "target_date"] == pd.Timestamp("2013-06-30")
    assert r1.loc["2014-H1", "target"] == 400.0 and r1.loc["2014-H1", "target_date"] == pd.Timestamp("2016-06-23")
    assert table[table["indicator"] == "DEMO.P1.I3"]["target"].isna().all()  # target to be set


def test_filters(table):
    assert set(filter_table(table, levels=["P1"])["indicator"]) == {"DEMO.P1.I1", "DEMO.P1.I2", "DEMO.P1.I3"}
    assert len(filter_table(table, indicators=["DEMO.P1.I1"], periods=["2012-Q2", "2012-Q3"])) == 2
    totals = filter_table(table, dimensions=[])
    assert len(totals) == len(ROWS) - 5 and (totals[["sex", "oblast", "ministry"]] == "").all().all()
    assert len(filter_table(table, dimensions=["sex"])) == len(ROWS) - 5  # R1 rows need sex AND oblast
    assert len(filter_table(table, dimensions=["sex", "oblast"])) == len(ROWS)
    assert filter_table(table, levels=[]).empty


# ---------------------------------------------------------------- formula injection


@pytest.mark.parametrize("cell", INJECTIONS + ["-5% on 2012"])
def test_neutralise_prefixes_formula_triggers(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Survey", "", "5", "Сауалнама", "'quoted", -2.0, 3, None])
def test_neutralise_leaves_everything_else(cell):
    assert neutralise(cell) == cell


def test_csv_reads_back_as_the_source_numbers_with_text_neutralised(table):
    data = to_csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(table.columns)
    for column in ("value", "baseline", "target"):
        pd.testing.assert_series_equal(back[column].astype(float), table[column], check_names=False)
    assert back["period_end"].tolist() == table["period_end"].dt.strftime("%Y-%m-%d").tolist()
    assert back["indicator_text"].tolist() == table["indicator_text"].tolist()  # Kazakh survives
    comments = set(back["comment"].dropna())
    assert {"'" + cell for cell in INJECTIONS if cell != INJECTIONS[3]} <= comments
    assert "'" + INJECTIONS[3] in set(back["source"]) and "Сауалнама: әкімдіктер" in comments
    assert not any(str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
                   for column in back.select_dtypes("object") for cell in back[column].dropna())


def test_xlsx_has_typed_cells_a_frozen_header_and_one_sheet_per_level(fixture_db, table):
    lf, _ = fixture_db
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(by_level(table, lf, "en"))))
    assert book.sheetnames == ["Overall objective", "Specific objective P1", "Result R1"]
    rows = []
    for sheet in book.worksheets:
        last = openpyxl.utils.get_column_letter(len(table.columns))
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
        header = [cell.value for cell in sheet[1]]
        assert header == list(table.columns)
        for line in sheet.iter_rows(min_row=2):
            record = dict(zip(header, line))
            assert record["value"].data_type == "n" and record["period_start"].is_date
            assert all(cell.data_type != "f" for cell in line)  # never a formula
            rows.append({key: cell.value for key, cell in record.items()})
    back = pd.DataFrame(rows)
    assert back["value"].tolist() == table["value"].tolist()
    assert back["baseline"].fillna(-1).tolist() == table["baseline"].fillna(-1).tolist()
    assert back["period_end"].tolist() == [day.to_pydatetime() for day in table["period_end"]]
    comments = {c.replace("_x000D_", "\r") for c in back["comment"].dropna()}  # OOXML's escape for CR
    assert {"'" + cell for cell in INJECTIONS if cell != INJECTIONS[3]} <= comments


def test_sheet_names_are_what_excel_accepts():
    names = sheet_names(["Result R1: training / [pilot]?", "x" * 40, "x" * 40, "History", "'quoted'",
                         "RESULT R1 TRAINING PILOT", "Annex: all indicators", "Қосымша: барлық көрсеткіштер"])
    assert names[0] == "Result R1 training pilot"
    assert names[1] == "x" * 31 and names[2] == "x" * 27 + " (2)"
    assert names[3] == "History_" and names[4] == "quoted"
    assert names[5] == "RESULT R1 TRAINING PILOT (2)"  # clashes with the first, ignoring case
    assert names[6:] == ["Annex all indicators", "Қосымша барлық көрсеткіштер"]
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)


# ---------------------------------------------------------------- charts


@pytest.fixture(scope="module")
def kazakh_chart(fixture_db):
    lf, db = fixture_db
    indicator = lf.indicator("DEMO.R1.I1")
    return indicator_chart(series(current_measurements("demo", db), "DEMO.R1.I1", lf), indicator, "kk",
                           dt.date(2014, 6, 30), None)


def test_png_and_svg_are_rendered_by_chromium_with_kazakh_text(kazakh_chart):
    assert chart_export.browser_available()
    png = to_png(kazakh_chart)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    svg = to_svg(kazakh_chart).decode("utf-8")
    assert svg.startswith("<svg") and "DEMO.R1.I1: нақты және жоспарлы" in svg and "жоспарлы жол" in svg
    assert "Noto Sans" in svg


def test_html_is_self_contained(kazakh_chart):
    html = to_html(kazakh_chart)
    assert html.lstrip().startswith("<html") and '<meta charset="utf-8"' in html
    assert '<script src="http' not in html and len(html) > 3_000_000  # plotly.js inlined: opens offline


def test_export_formats_and_zip(kazakh_chart):
    formats = export_formats(kazakh_chart)
    assert {ext: (mime, extension) for ext, (_, mime, extension) in formats.items()} == {
        "png": ("image/png", "png"), "svg": ("image/svg+xml", "svg"), "html": ("text/html", "html")}
    assert formats["svg"][0]().startswith(b"<svg")
    archive = zipfile.ZipFile(io.BytesIO(charts_zip({"DEMO.R1.I1": kazakh_chart, "a/b c": kazakh_chart})))
    assert sorted(archive.namelist()) == ["DEMO.R1.I1.png", "DEMO.R1.I1.svg", "a_b_c.png", "a_b_c.svg"]
    assert archive.read("a_b_c.png").startswith(b"\x89PNG")


@pytest.fixture
def no_browser(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    chart_export.browser_available.cache_clear()
    yield
    chart_export.browser_available.cache_clear()


def test_without_a_browser_only_html_is_offered(no_browser, kazakh_chart):
    assert not chart_export.browser_available()
    assert list(export_formats(kazakh_chart)) == ["html"]
    with pytest.raises(BrowserUnavailable):
        to_png(kazakh_chart)
    assert "<html" in export_formats(kazakh_chart)["html"][0]()


# ---------------------------------------------------------------- the Export page


def export_page(demo_store, monkeypatch) -> AppTest:
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    return open_page("views/export.py", timeout=90)


def test_export_page_offers_data_charts_and_iati(demo_store, monkeypatch):
    at = export_page(demo_store, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "Export"
    buttons = {b.key: b.label for b in at.get("download_button")}
    assert set(buttons) == {"export_csv", "export_xlsx", "export_charts", "export_iati"}
    assert buttons["export_charts"].startswith("Download all ")
    total = next(c.value for c in at.caption if c.value.startswith("Rows: "))
    at.multiselect(key="export_levels_kazlod").set_value(["R1"]).run()
    at.multiselect(key="export_dimensions_kazlod").set_value([]).run()
    assert not at.exception
    assert at.dataframe[0].value["Level code"].eq("R1").all()
    assert next(c.value for c in at.caption if c.value.startswith("Rows: ")) != total
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert not at.exception and at.title[0].value == "Экспорт"
    assert at.dataframe[0].value["Деңгей коды"].eq("R1").all() and "Деңгей" in at.dataframe[0].value
    at.toggle(key="export_codes").set_value(True).run()  # for scripts: field names and codes
    preview = at.dataframe[0].value
    assert list(preview.columns) == COLUMNS and set(preview["level_kind"]) == {"result"}


def test_the_files_for_people_carry_headers_and_codes_in_words(fixture_db, table):
    lf, _ = fixture_db
    shown = labelled(table, lf, "kk")
    assert list(shown.columns) == [t(f"field.{column}", "kk") for column in table.columns]
    first = shown[shown["Көрсеткіш"] == "DEMO.R1.I1"].iloc[0]
    assert (first["Деңгей"], first["Түрі"], first["Жинақталуы"]) == ("Нәтиже", "сандық", "жинақталған (қосынды)")
    assert (first["Жынысы"], first["Облыс"]) == ("әйелдер", "Маңғыстау облысы")
    assert first["Бастапқы мәннің көзі"] == "қисынды шеңбер"
    back = pd.read_csv(io.BytesIO(to_csv_bytes(shown)), encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(shown.columns)
    pd.testing.assert_series_equal(back["Мән"].astype(float), table["value"], check_names=False)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"R1": shown})))
    assert [cell.value for cell in book.worksheets[0][1]] == list(shown.columns)


def test_export_page_says_plainly_when_there_is_no_browser(demo_store, monkeypatch):
    monkeypatch.setattr(chart_export, "browser_available", lambda: False)
    at = export_page(demo_store, monkeypatch)
    assert not at.exception
    assert any("Chromium" in w.value for w in at.warning)
    assert {b.key for b in at.get("download_button")} == {"export_csv", "export_xlsx", "export_iati"}
