"""Overview, Logframe status and Indicators pages through AppTest, on the demo data."""

import datetime as dt

import pandas as pd

from streamlit.testing.v1 import AppTest

from kzlogframe.catalog import load_catalog
from kzlogframe.dashboard import programme_row
from kzlogframe.formatting import percent, status_label
from kzlogframe.measurements import current_measurements
from kzlogframe.progress import indicator_progress, level_progress
from tests.conftest import ADMIN, ROOT


def portfolio(at: AppTest):
    """The Overview's one table across the programmes, by programme code."""
    table = next(d.value for d in at.dataframe if {"Programme", "Бағдарлама"} & set(d.value.columns))
    return table.set_index(table.iloc[:, 0].str.split(" — ").str[0])


def test_overview_shows_every_programme_in_one_table_and_the_chosen_one_in_detail(app, demo_store):
    assert app.title[0].value == "Overview"
    grid = portfolio(app)
    catalog = load_catalog()
    assert list(grid.index) == [code.upper() for code in catalog]  # every programme, in the sidebar's order
    assert grid["Status"].str.match(r"^\S+ \w").all()  # an icon and words, never colour alone
    # the same numbers as the rules computed on the programme's own frame
    for code, lf in catalog.items():
        stored = current_measurements(code, demo_store)
        row = programme_row(level_progress(indicator_progress(stored, {code: lf}, dt.date(2014, 12, 31)),
                                           {code: lf}), code)
        shown = grid.loc[code.upper()]
        assert shown["Assessed"] == f"{row['n_assessed']} of {row['n_indicators']} indicators assessed"
        assert shown["Status"] == status_label(row["status"], "en")
        assert shown["Coverage"] == percent(row["coverage"], "en")
        assert shown["Progress vs plan"] == percent(row["score"], "en")
    assert grid.loc["KAZLOD", "Results by status"] == "✅ On track: 2 · ❔ Insufficient data: 3"
    assert len(app.dataframe) == 3  # the portfolio, the chosen programme's results and its indicators needing attention
    # details: only the programme chosen in the sidebar (KAZLOD, the first)
    assert [s.value for s in app.subheader] == ["All programmes", grid.iloc[0, 0]]
    overall = [m.value for m in app.markdown if m.value.startswith("#### Overall: ")]
    assert overall == ["#### Overall: ❔ Insufficient data"]
    labels = [m.label for m in app.metric]
    assert labels == ["Progress vs plan", "Coverage"]
    results = app.dataframe[1].value
    assert len(results) == 8  # KAZLOD: goal, 2 purposes, 5 results
    assert any("How statuses are decided" in e.label for e in app.expander)


def test_the_overview_on_a_ducklake_store_shows_what_it_shows_on_the_file(app, demo_lake_store, monkeypatch):
    """The same pages on the team backend: the demo data restored on DuckLake, the same Overview."""
    monkeypatch.setenv("KZLOGFRAME_DB", demo_lake_store)
    on_lake = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not on_lake.exception
    pd.testing.assert_frame_equal(portfolio(on_lake), portfolio(app))
    assert [d.value.to_json(force_ascii=False) for d in on_lake.dataframe] == [
        d.value.to_json(force_ascii=False) for d in app.dataframe]


def test_the_overview_details_follow_the_programme_picker(app):
    app.sidebar.selectbox(key="programme").set_value("psr").run()
    assert not app.exception
    assert app.subheader[1].value.startswith("PSR")
    assert [m.value for m in app.markdown if m.value.startswith("#### Overall: ")] == ["#### Overall: ✅ On track"]
    assert len(app.dataframe[1].value) == 7  # PSR: goal, purpose, 5 results
    assert {"KAZLOD", "PSR"} <= set(portfolio(app).index)  # the table still holds every programme


def test_overview_in_kazakh(app):
    app.sidebar.selectbox(key="lang").set_value("kk").run()
    assert app.title[0].value == "Шолу"
    assert any(m.value.startswith("#### Жалпы: ") for m in app.markdown)
    grid = portfolio(app)
    assert grid.loc["KAZLOD", "Бағаланды"].startswith("50 көрсеткіштің ")
    assert grid.loc["KAZLOD", "Мәртебе"] == "❔ Дерек жеткіліксіз"


def test_overview_explains_an_empty_database(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(tmp_path / "empty.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    grid = portfolio(at)
    assert grid["Assessed"].str.fullmatch(r"0 of \d+ indicators? assessed").all()
    assert grid.loc[["KAZLOD", "PSR"], "Assessed"].tolist() == ["0 of 50 indicators assessed",
                                                               "0 of 36 indicators assessed"]
    assert sum("No measurement has been uploaded" in i.value for i in at.info) == 1  # the chosen programme
    assert not [m for m in at.markdown if m.value.startswith("#### Overall: ")]


def test_status_page_lists_every_level(app):
    app.switch_page("views/status.py").run()
    assert not app.exception
    levels = app.dataframe[0].value
    assert list(levels["Level"][:3]) == ["Overall objective", "Specific objective P1", "Specific objective P2"]
    assert "Result R5" in set(levels["Level"])
    assert any(e.label.startswith("Logframe quality warnings (") for e in app.expander)


def test_indicator_page_for_a_chosen_indicator(app):
    app.sidebar.selectbox(key="programme").set_value("psr").run()
    app.switch_page("views/indicators.py").run()
    app.selectbox(key="indicator_code").set_value("PSR.R2.I2").run()
    assert not app.exception
    assert any(m.value.startswith("#### Status: ") for m in app.markdown)
    assert len(app.get("plotly_chart")) >= 2  # actual vs plan, and the breakdown by ministry
    history = app.dataframe[-1].value
    assert set(history["Uploaded by"]) == {"demo"}
    assert set(history["Ministry"]) <= {"Education", "Environmental protection", "Agriculture", "Industry/innovation"}


def test_state_methodology_is_a_selectable_scoring_rule(tmp_path, monkeypatch):
    """Seed 003 on the minimal logframe, 2013: DEMO.R1.I1 (baseline 0, target 100 dated 2013-06-30)
    has 60 recorded by then, so p = (60 − 0) / (100 − 0) = 0.6 and its task R1 has y = 0.6; the
    purpose P1 has no target indicator, so K and X = K × Y are not assessable, and neither is D."""
    import shutil

    from kzlogframe.catalog import load_catalog
    from kzlogframe.ingest import import_csv
    from tests.conftest import FIXTURES

    shutil.copy(FIXTURES / "minimal.yaml", tmp_path / "demo.yaml")
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(tmp_path))
    monkeypatch.setenv("KZLOGFRAME_DB", str(tmp_path / "x.duckdb"))
    csv = tmp_path / "m.csv"
    csv.write_text("programme,indicator,period,value\ndemo,DEMO.R1.I1,2013-H1,60\n", encoding="utf-8")
    import_csv(csv, load_catalog(tmp_path), ADMIN, db=tmp_path / "x.duckdb")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("views/status.py").run()
    at.radio(key="scoring_rule").set_value("state").run()
    at.number_input(key="state_year_demo").set_value(2013).run()
    assert not at.exception
    tasks = at.dataframe[1].value
    assert list(tasks["y"]) == ["0.6"]
    indicators = at.dataframe[2].value.set_index("Indicator")
    assert indicators.loc["DEMO.R1.I1", "Score"] == "0.6"
    assert indicators.loc["DEMO.G.I1", "Excluded because"] == "overall objective (not scored)"
    assert "Nothing is assessable for 2013" in at.info[0].value
