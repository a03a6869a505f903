"""The app shell (app.py + ui): the language, programme and reporting-period pickers are drawn once,
before any page runs, so every page and the menu follow them at once; every page starts with its
permission call."""

import ast
import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe.access import PERMISSIONS
from kzlogframe.catalog import load_catalog
from kzlogframe.periods import latest_finished_with_data
from tests.conftest import ROOT

VIEWS = sorted((ROOT / "views").glob("*.py"))


@pytest.mark.parametrize("path", VIEWS, ids=[p.stem for p in VIEWS])
def test_every_view_starts_with_one_permission_call(path):
    """As datasette's views call ensure_permissions first: the first statement after the docstring
    and the imports is ``x = require("<permission>")`` (or an attribute of it), and there is one."""
    body = [node for node in ast.parse(path.read_text(encoding="utf-8")).body
            if not isinstance(node, (ast.Import, ast.ImportFrom))
            and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    first = body[0]
    assert isinstance(first, ast.Assign), ast.unparse(first)
    call = first.value.value if isinstance(first.value, ast.Attribute) else first.value
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "require", ast.unparse(first)
    assert call.args[0].value in PERMISSIONS
    calls = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(n, ast.Call) and ast.unparse(n.func) == "require"]
    assert len(calls) == 1


def menu(at: AppTest) -> list[str]:
    return [page["page_name"] for page in at._registered_pages.values()]


def test_the_menu_follows_the_language_in_the_same_run(app):
    assert menu(app)[:3] == ["Overview", "Logframe status", "Indicators"]
    app.sidebar.selectbox(key="lang").set_value("kk").run()
    assert menu(app)[0] == "Шолу" and app.title[0].value == "Шолу"
    app.sidebar.selectbox(key="lang").set_value("ru").run()
    assert menu(app)[0] == "Обзор" and app.title[0].value == "Обзор"


def test_choices_follow_the_user_from_page_to_page(app):
    app.sidebar.selectbox(key="programme").set_value("psr").run()
    app.sidebar.selectbox(key="lang").set_value("kk").run()
    app.switch_page("views/logframe.py").run()
    assert app.sidebar.selectbox(key="programme").value == "psr" and app.sidebar.selectbox(key="lang").value == "kk"
    assert app.title[0].value.startswith("Мемлекеттік секторды реформалау")
    assert not [s for s in app.sidebar.selectbox if s.key.startswith("period_")]  # no period on the matrix


def test_the_period_opens_on_the_last_finished_period_with_data_and_the_pages_follow_it(app):
    lf = load_catalog()["kazlod"]
    period = next(s for s in app.sidebar.selectbox if s.key.startswith("period_kazlod"))
    assert period.value.label == "2014-H2"  # the demo measures up to 2014-H2
    assert period.value == latest_finished_with_data(lf.reporting_periods(), [dt.date(2014, 12, 31)], dt.date.today())
    assert any("2014-H2 (2014-07-01 – 2014-12-31)" in c.value for c in app.caption)
    period.set_value(lf.reporting_period("2013-H1")).run()
    assert any("2013-H1 (2013-01-01 – 2013-06-30)" in c.value for c in app.caption)
    app.switch_page("views/report.py").run()
    assert not app.exception
    assert any("2013-H1 (2013-01-01 – 2013-06-30)" in c.value for c in app.caption)


def test_overview_leads_with_how_many_indicators_were_assessed(app):
    grid = app.dataframe[0].value
    assert list(grid.columns[:3]) == ["Programme", "Assessed", "Status"]  # the headline leads every row
    assert grid["Assessed"].str.fullmatch(r"\d+ of \d+ indicators? assessed").all()
    assert len(grid) == len(load_catalog()) and grid["Assessed"].iloc[0].endswith(" of 50 indicators assessed")
    assert grid["Status"].iloc[0] == "❔ Insufficient data"  # KAZLOD: under half of what is due assessed
    lines = [m.value for m in app.markdown if "indicators assessed" in m.value]
    assert len(lines) == 1 and lines[0].startswith("**")  # the chosen programme's headline, in full
    assert "of 50 indicators assessed; of the others:" in lines[0] and "without a usable target" in lines[0]
    overall = [m.value for m in app.markdown if m.value.startswith("#### Overall: ")]
    assert overall == ["#### Overall: ❔ Insufficient data"]
    assert any(c.value.startswith("Coverage: ") and "count against it" in c.value for c in app.caption)
    assert any(c.value.startswith("Coverage 42") and "count against it" in c.value for c in app.caption)


def test_the_indicators_page_opens_on_an_indicator_with_data_and_a_unit(app):
    app.switch_page("views/indicators.py").run()
    code = app.selectbox(key="indicator_code").value
    indicator = load_catalog()["kazlod"].indicator(code)
    assert indicator.unit is not None
    assert app.metric[1].value != "–"  # latest actual
    assert any(c.value.startswith(f"Unit: {indicator.unit.en}") for c in app.caption)


def test_cells_that_never_add_up_are_shown_as_cells(app):
    app.switch_page("views/indicators.py").run()
    app.selectbox(key="indicator_code").set_value("KAZLOD.G.I2").run()  # a growth comparison per oblast
    assert not app.exception
    assert app.metric[1].value == "–"  # never summed across oblasts
    assert [i.value for i in app.info if "No measurement" in i.value] == []
    assert any("cells are not added up" in i.value for i in app.info)
    assert [c.key for c in app.get("plotly_chart")] == ["breakdown_oblast"]  # the oblasts side by side


def test_a_programme_outside_the_eu_budget_says_so_on_every_page(app):
    app.sidebar.selectbox(key="programme").set_value("psr_oecd").run()
    for page in ("views/overview.py", "views/indicators.py", "views/sequencing.py"):
        app.switch_page(page).run()
        assert not app.exception
        assert any("not part of the eu budget" in c.value.lower() for c in app.sidebar.caption), page
    app.sidebar.selectbox(key="programme").set_value("psr").run()
    assert not any("not part of the eu budget" in c.value.lower() for c in app.sidebar.caption)
