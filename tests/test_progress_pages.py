"""Overview, Logframe status and Indicators pages through AppTest, on the demo data."""


import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ADMIN, ROOT


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    return at


def test_overview_shows_both_programmes_with_status_and_coverage(app):
    assert app.title[0].value == "Overview"
    headings = [s.value for s in app.subheader]
    assert any(h.startswith("KAZLOD") for h in headings) and any(h.startswith("PSR") for h in headings)
    overall = [m.value for m in app.markdown if m.value.startswith("#### Overall: ")]
    assert len(overall) == 2
    labels = [m.label for m in app.metric]
    assert labels.count("Progress vs plan") == 2 and labels.count("Coverage") == 2
    grids = [d.value for d in app.dataframe if "Level" in d.value.columns]
    assert [len(g) for g in grids] == [8, 7]  # KAZLOD: goal, 2 purposes, 5 results; PSR: goal, purpose, 5
    for grid in grids:
        assert grid["Status"].str.match(r"^\S+ \w").all()  # an icon and words, never colour alone
    assert any("How statuses are decided" in e.label for e in app.expander)


def test_overview_in_kazakh(app):
    app.sidebar.selectbox(key="lang").set_value("kk").run()
    assert app.title[0].value == "Шолу"
    assert any(m.value.startswith("#### Жалпы: ") for m in app.markdown)


def test_overview_explains_an_empty_database(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(tmp_path / "empty.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    assert sum("No measurement has been uploaded" in i.value for i in at.info) == 2


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
    assert set(history["uploaded_by"]) == {"demo"}
    assert set(history["ministry"]) <= {"education", "environment", "agriculture", "industry_innovation"}


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
    at.number_input(key="state_year").set_value(2013).run()
    assert not at.exception
    tasks = at.dataframe[1].value
    assert list(tasks["y"]) == ["0.6"]
    indicators = at.dataframe[2].value.set_index("Indicator")
    assert indicators.loc["DEMO.R1.I1", "Score"] == "0.6"
    assert indicators.loc["DEMO.G.I1", "Excluded because"] == "overall objective (not scored)"
    assert "Nothing is assessable for 2013" in at.info[0].value
