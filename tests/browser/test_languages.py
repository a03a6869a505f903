"""The Steering Committee's journey in Kazakh and in Russian, in a real browser: Overview → Logframe
status → a result's indicator → the report as PDF, whose text carries the logframe in that language.
Screenshots of each step are saved in the test's temporary directory."""

import re

import pytest
from pypdf import PdfReader

from kzlogframe.catalog import load_catalog
from kzlogframe.i18n import LANGUAGES, t
from kzlogframe.ui import programme_label
from tests.browser.conftest import wait_for_app

ROW_HEIGHT, HEADER_HEIGHT = 35, 35  # st.dataframe's rows and header row, in pixels
CYRILLIC = re.compile("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pick_row(page, grid, row: int) -> None:
    """Select a row of a selectable st.dataframe by clicking its row marker (the grid is a canvas),
    measured once the grid is in view and drawn (a click measured before could miss; seen once under load)."""
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    grid.locator("th").first.wait_for(state="attached")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + HEADER_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT / 2)
    wait_for_app(page)


def choose(page, label: str, option: str) -> None:
    page.locator("[data-testid=stSelectbox]", has_text=label).click()
    page.get_by_role("option", name=option).click()
    wait_for_app(page)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_overview_status_indicator_and_report_in_the_readers_language(server, page, tmp_path, lang):
    """PSR is chosen first, in English: the programme must stay chosen, and be named in the new
    language, once the language changes and across every page (a switch_page included)."""
    lf = load_catalog()["psr"]
    page.goto(server["url"])
    wait_for_app(page)
    choose(page, t("sidebar.programme", "en"), programme_label(lf, "en"))
    choose(page, t("sidebar.language", "en"), LANGUAGES[lang])
    page.get_by_role("heading", name=t("page.overview", lang)).wait_for()
    page.get_by_role("heading", name=programme_label(lf, lang)).wait_for()
    page.locator("h4", has_text=t("overview.programme_status", lang)).first.wait_for()
    nav = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert all(t(key, lang) in nav for key in ("page.overview", "page.status", "page.indicators", "page.report"))
    programme = page.get_by_role("combobox", name=t("sidebar.programme", lang))
    assert programme.input_value() == programme_label(lf, lang)  # worded in the new language at once
    page.screenshot(path=str(tmp_path / f"{lang}-1-overview.png"), full_page=True)

    page.get_by_role("link", name=t("page.status", lang)).click()
    page.get_by_role("heading", name=t("page.status", lang)).wait_for()
    wait_for_app(page)
    result = lf.results[0]  # the table lists the goal, the purposes, then each result
    pick_row(page, page.locator("[data-testid=stDataFrame]").first, 1 + len(lf.purposes))
    level = f"{t('level.result', lang)} {result.code}"
    page.get_by_role("heading", name=t("status_page.drill", lang, level=level)).wait_for()
    pick_row(page, page.locator("[data-testid=stDataFrame]").nth(1), 0)  # its first indicator, measured by the demo
    indicator = result.indicators[0]
    code = indicator.code
    page.get_by_role("button", name=t("status_page.open_indicator", lang, code=code)).wait_for()
    page.screenshot(path=str(tmp_path / f"{lang}-2-status.png"), full_page=True)
    page.get_by_role("button", name=t("status_page.open_indicator", lang, code=code)).click()

    page.get_by_role("heading", name=t("page.indicators", lang)).wait_for()
    wait_for_app(page)
    page.locator(".js-plotly-plot").first.wait_for()
    page.screenshot(path=str(tmp_path / f"{lang}-3-indicator.png"), full_page=True)
    page.locator(".js-plotly-plot", has_text=f"{code}: ").first.wait_for()  # the chosen indicator's chart
    main = page.locator("[data-testid=stMain]").inner_text()
    assert indicator.text.get(lang) in main and f"{t('col.status', lang)}: " in main and t("col.actual", lang) in main

    page.get_by_role("link", name=t("page.report", lang)).click()
    page.get_by_role("heading", name=t("page.report", lang)).wait_for()
    download_pdf = page.get_by_role("button", name=t("report.download", lang, format="PDF"))
    download_pdf.wait_for(timeout=120_000)
    wait_for_app(page)
    assert programme.input_value() == programme_label(lf, lang)  # still PSR, after a switch_page
    page.screenshot(path=str(tmp_path / f"{lang}-4-report.png"))
    with page.expect_download(timeout=180_000) as download:
        download_pdf.click()
    pdf = tmp_path / f"psr-{lang}.pdf"
    download.value.save_as(pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert len(CYRILLIC.findall(text)) > 5_000
    assert squash(lf.programme.title.get(lang)) in squash(text)
    assert squash(lf.goal.text.get(lang)[:80]) in squash(text)
    assert squash(lf.results[0].text.get(lang)[:80]) in squash(text)
    other = "ru" if lang == "kk" else "kk"
    assert squash(getattr(lf.goal.text, other)[:80]) not in squash(text)  # not the other language's
    assert "[EN]" not in text  # every text the report shows has this language
