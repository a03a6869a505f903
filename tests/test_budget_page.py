"""The Budget page (AppTest, demo data with its synthetic financial entries): the figures are
finance.execution's, contracting is told against the deadline, the charts export, money stands beside
each result's achievement, a programme without mapped lines compares as a whole, and an
administrator rolls a financial batch back from the page."""

import datetime as dt
import shutil

from streamlit.testing.v1 import AppTest

from kzlogframe.catalog import load_catalog
from kzlogframe.finance import execution
from kzlogframe.finance_ingest import current_entries, finance_batches
from kzlogframe.formatting import number
from tests.conftest import ROOT

CATALOG = load_catalog()


def open_budget(at: AppTest, programme: str, period: str | None = None) -> AppTest:
    at.sidebar.selectbox(key="programme").set_value(programme).run()
    at.switch_page("views/budget.py").run()
    if period:
        picker = next(s for s in at.sidebar.selectbox if s.key.startswith(f"period_{programme}_"))
        picker.set_value(CATALOG[programme].reporting_period(period)).run()
    assert not at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """Each metric's value, with its share (the delta) after it when it has one."""
    return {m.label: m.value + (f" ({m.delta})" if m.delta else "") for m in at.metric}


def test_the_figures_are_the_libraries_and_the_charts_export(app, demo_store):
    at = open_budget(app, "kazlod", "2014-H2")
    figures = execution(CATALOG["kazlod"], current_entries("kazlod", demo_store), dt.date(2014, 12, 31))
    assert figures.recorded and figures.total.disbursed > 0
    shown = metrics(at)
    assert shown["Indicative budget"] == "15,000,000"
    assert shown["Contracted"].startswith(number(figures.total.contracted, "en", 0) + " (")
    assert shown["Disbursed"].startswith(number(figures.total.disbursed, "en", 0) + " (")
    assert shown["Time elapsed"] == "70%"
    assert at.success[0].value.startswith("The contracting deadline 2014-06-22 has passed")
    lines = at.dataframe[0].value
    assert list(lines["Budget line"])[:5] == ["1", "2", "3", "4", "5"] and lines["Budget line"].iloc[-1] == ""
    assert [c.key for c in at.get("plotly_chart")] == ["burn", "budget_shares"]
    assert {b.label for b in at.get("download_button")} >= {"PNG", "SVG", "HTML"}
    results = at.dataframe[1].value
    assert list(results["Result"]) == ["R1", "R2", "R3", "R5"]  # R4 has no budget line of its own


def test_before_the_deadline_it_counts_the_days_and_names_the_lines_without_contract(app):
    at = open_budget(app, "kazlod", "2011-H2")
    warning = at.warning[0].value
    assert warning.startswith("Contracts may be signed until 2014-06-22: days left: 904.")
    assert warning.endswith("Lines not yet contracted: 3, 5.")


def test_outside_the_eu_budget_no_deadline_and_the_programme_compares_as_a_whole(app):
    at = open_budget(app, "psr_oecd")
    captions = [c.value for c in at.caption]
    assert "This programme is outside the EU budget: its source sets no contracting deadline." in captions
    assert any(i.value.startswith("The budget lines of this programme are not mapped to results") for i in at.info)
    assert at.info[0].value.startswith("Financing: Government of the Republic of Kazakhstan")


def test_in_kazakh_the_page_speaks_kazakh(app):
    app.sidebar.selectbox(key="lang").set_value("kk").run()
    at = open_budget(app, "rbp2007")
    assert {"Индикативтік бюджет", "Келісімшартқа отырғызылды", "Төленді", "Өткен уақыт"} == set(metrics(at))
    assert list(at.dataframe[1].value["Нәтиже"]) == ["001", "002", "003", "004", "005", "006", "007"]


def test_an_administrator_rolls_a_financial_batch_back(demo_store, tmp_path, monkeypatch):
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_store, db)
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    at = open_budget(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run(), "psr")
    batch = int(finance_batches("psr", db)["id"].iloc[0])
    assert at.selectbox(key="finance_rollback_batch").value == batch
    at.button(key="finance_rollback").click().run()
    assert not at.exception
    assert at.success[0].value == f"Batch {batch} rolled back: its entries stay in the history."
    assert metrics(at)["Contracted"] == "0 (0%)" and current_entries("psr", db).empty


def test_the_overview_says_what_the_money_has_done(app, demo_store):
    app.sidebar.selectbox(key="programme").set_value("psr").run()
    period = next(s for s in app.sidebar.selectbox if s.key.startswith("period_psr_")).value
    figures = execution(CATALOG["psr"], current_entries("psr", demo_store), period.end)
    money = [m.value for m in app.markdown if m.value.startswith("**Money:**")]
    assert money == [f"**Money:** {round(100 * figures.total.share_contracted)}% of the indicative budget contracted, "
                     f"{round(100 * figures.total.share_disbursed)}% disbursed; "
                     f"{round(100 * figures.time_elapsed)}% of the operational phase has gone by (details on the "
                     "Budget page)."]
