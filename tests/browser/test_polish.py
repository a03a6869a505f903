"""What an official notices in the first minute (issue 22), one test per item, on a desktop (1440×900)
and on a phone (390×844), against one server. Screenshots are saved in each test's temporary directory."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kzlogframe.catalog import load_catalog
from kzlogframe.i18n import LANGUAGES, t
from kzlogframe.ui import programme_label
from tests.browser.conftest import wait_for_app

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
HEADER, MARKER = 36, 35  # st.dataframe's header row and row-marker column, in pixels
RESULT_ROW, LEVEL_COLUMN = 88, 130  # the Overview's results grid: row height, width of its Level column
CATALOG = load_catalog()


@pytest.fixture(params=list(VIEWPORTS))
def view(browser: Browser, request) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.phone = request.param == "phone"
    yield tab
    context.close()


def in_sidebar(page: Page, action) -> None:
    """Do ``action`` in the sidebar, which a phone keeps folded away."""
    if page.phone:
        page.locator("[data-testid=stExpandSidebarButton]").click()
    action()
    wait_for_app(page)
    if page.phone:
        page.locator("[data-testid=stSidebarCollapseButton]").click()


def choose(page: Page, label: str, option: str) -> None:
    def pick():
        # A click that lands while a phone's sidebar is still sliding in can leave the list closed: open it again.
        listed = page.get_by_role("option", name=option)
        for _ in range(3):
            page.locator("[data-testid=stSelectbox]", has_text=label).click()
            try:
                listed.wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                continue
        listed.click()
    in_sidebar(page, pick)


def open_app(page: Page, url: str, lang: str = "en", programme: str | None = None) -> None:
    page.goto(url)
    wait_for_app(page)
    if programme:
        choose(page, t("sidebar.programme", "en"), programme_label(CATALOG[programme], "en"))
    if lang != "en":
        choose(page, t("sidebar.language", "en"), LANGUAGES[lang])
    page.get_by_role("heading", name=t("page.overview", lang)).wait_for()
    wait_for_app(page)  # the title is drawn first: the tables below may still be the last run's (seen once in CI)


def go(page: Page, title_key: str, heading: str | None = None) -> None:
    """Open a page from the menu and wait for its title (``heading`` when it is not the menu's word)."""
    in_sidebar(page, lambda: page.get_by_role("link", name=t(title_key, "en"), exact=True).click())
    page.get_by_role("heading", name=heading or t(title_key, "en"), exact=True).wait_for()
    wait_for_app(page)


def click_cell(page: Page, grid, x: float, row: int, row_height: float) -> None:
    """Click a point of a canvas-drawn st.dataframe: ``x`` px from its left, in row ``row``."""
    grid.evaluate("e => e.scrollIntoView({block: 'center'})")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + HEADER + row_height * row + row_height / 2)
    wait_for_app(page)


def headers(grid) -> list[str]:
    """The grid's column names, once it is drawn (glide draws what is on screen)."""
    grid.scroll_into_view_if_needed()
    grid.locator("th").first.wait_for(state="attached")
    return grid.locator("th").all_inner_texts()


def test_1_officials_see_no_developer_tools(server, view, tmp_path):
    open_app(view, server["url"])
    assert view.get_by_role("button", name="Deploy").count() == 0
    view.locator("[data-testid=stMainMenu]").click()
    menu = view.locator("[data-testid=stMainMenuPopover]").inner_text()
    view.screenshot(path=str(tmp_path / "menu.png"))
    assert "Print" in menu and not any(word in menu for word in ("Rerun", "Clear cache", "Settings", "Deploy"))


def test_2_the_overview_follows_the_programme_picker(server, view, tmp_path):
    open_app(view, server["url"], programme="psr")
    view.get_by_role("heading", name=programme_label(CATALOG["psr"], "en")).wait_for()
    assert view.locator("h4", has_text=t("overview.programme_status", "en")).count() == 1
    assert view.get_by_role("heading", name=programme_label(CATALOG["kazlod"], "en")).count() == 0
    view.screenshot(path=str(tmp_path / "overview-psr.png"), full_page=True)


def test_3_one_click_on_a_status_shows_its_indicators_and_one_on_an_indicator_opens_it(server, view, tmp_path):
    lf = CATALOG["kazlod"]
    open_app(view, server["url"])
    grid = view.locator("[data-testid=stDataFrame]").nth(1)
    assert headers(grid)[1:3] == [t("col.status", "en"), t("col.trend", "en")]  # what a phone shows first
    marks = grid.locator("td[aria-colindex='3']").all_inner_texts()
    assert set(marks) <= set("↑↗→↘↓–") and set(marks) - {"–"}  # a trend beside the status
    result = lf.results[0]
    click_cell(view, grid, MARKER + LEVEL_COLUMN + 40, 1 + len(lf.purposes), RESULT_ROW)  # on R1's status
    view.get_by_text(t("status_page.drill", "en", level=f"{t('level.result', 'en')} {result.code}")).wait_for()
    view.screenshot(path=str(tmp_path / "drill.png"), full_page=True)
    drill = view.locator("[data-testid=stDataFrame]").nth(2)
    assert headers(drill)[:2] == [t("col.status", "en"), t("col.trend", "en")]
    click_cell(view, drill, MARKER + 40, 0, RESULT_ROW)  # on its first indicator's status
    view.get_by_role("heading", name=t("page.indicators", "en")).wait_for()
    wait_for_app(view)
    code = view.get_by_role("combobox", name=t("ind.select", "en")).input_value().split(" — ")[0]
    assert code in {i.code for i in result.indicators} | {i.code for s in result.sub_results for i in s.indicators}
    view.screenshot(path=str(tmp_path / "indicator.png"), full_page=True)


def test_4_tables_keep_status_and_coverage_on_screen_and_wrap_long_statements(server, view, tmp_path):
    open_app(view, server["url"], lang="kk")
    portfolio, results = (view.locator("[data-testid=stDataFrame]").nth(i) for i in (0, 1))
    portfolio.evaluate("e => e.scrollIntoView({block: 'start'})")
    view.screenshot(path=str(tmp_path / "overview-kk.png"))
    shown = headers(portfolio)  # glide names the columns it draws on screen
    expected = [t(k, "kk") for k in ("col.programme", "col.assessed", "col.status", "col.coverage", "col.score",
                                     "col.results_by_status")]
    widths = portfolio.evaluate("""e => [e.querySelector('.dvn-scroller').clientWidth,
                                         e.querySelector('.dvn-stack > div').getBoundingClientRect().width]""")
    if view.phone:  # the headline and the status first; the rest a swipe away
        assert shown[:2] == expected[:2] and widths[1] > widths[0]
    else:  # every column, Coverage included, on screen without scrolling sideways
        assert shown == expected and widths[1] <= widths[0] + 1, widths
    rows = len(results.locator("tbody tr").all())
    assert results.bounding_box()["height"] >= HEADER + rows * RESULT_ROW  # rows tall enough to wrap statements
    if not view.phone:
        statement = results.locator("td[aria-colindex='8']").first.inner_text()
        assert len(statement) > 150  # the goal's whole statement, in a cell that wraps it


def test_5_no_developer_words_and_budget_lines_by_their_names(server, view, tmp_path):
    lf = CATALOG["kazlod"]
    open_app(view, server["url"])
    go(view, "page.logframe", heading=lf.programme.title.get("en"))
    view.get_by_text(t("logframe.facts", "en")).click()
    view.get_by_text(t("logframe.fa_assumed", "en")).first.wait_for()
    main = view.locator("[data-testid=stMain]").inner_text()
    view.screenshot(path=str(tmp_path / "logframe.png"), full_page=True)
    assert not re.search(r"\bseeds?\b", main, re.IGNORECASE)
    assert t("logframe.fa_assumed", "en") in main  # says "source document" instead
    budget = next(grid for grid in view.locator("[data-testid=stDataFrame]").all()
                  if t("logframe.budget.line", "en") in headers(grid))
    lines = budget.locator("td[aria-colindex='2']").all_inner_texts()
    assert lines[0].startswith(lf.budget.lines[0].label.get("en")[:20])
    assert not {line.code for line in lf.budget.lines} & {text.strip(" ⚠") for text in lines}


def test_6_the_gantt_reads_top_down_with_every_mark_explained_or_a_list_on_a_phone(server, view, tmp_path):
    open_app(view, server["url"])
    go(view, "page.sequencing")
    view.get_by_role("heading", name=t("seq.watch", "en")).wait_for()
    view.screenshot(path=str(tmp_path / "sequencing.png"), full_page=True)
    chart = view.locator(".st-key-gantt_chart")
    if view.phone:  # a readable list instead of an unreadable chart
        assert chart.is_hidden()
        items = view.locator("[data-testid=stMarkdownContainer] li").all_inner_texts()
        assert any(re.search(r"\d{4}-\d{2}-\d{2}", item) for item in items)
        return
    plot = chart.locator(".js-plotly-plot")
    plot.wait_for()
    ticks = {text: box["y"] for text, box in zip(plot.locator(".ytick text").all_text_contents(),
                                                 (b.bounding_box() for b in plot.locator(".ytick text").all()))}
    first = min(y for text, y in ticks.items() if text.startswith("R1."))
    last = max(y for text, y in ticks.items() if text.startswith("R5."))
    assert first < last  # R1 at the top
    legend = plot.locator(".legendtext").all_text_contents()
    for key in ("gantt.dependency", "gantt.deadline", "gantt.planned_critical", "gantt.actual"):
        assert t(key, "en") in legend
    assert any(text.startswith(t("gantt.assessment_date", "en", date="")) for text in legend)
    traces = plot.evaluate("e => e.data.map(d => [d.name, d.marker && d.marker.color, "
                           "d.marker && d.marker.line && d.marker.line.color])")
    names = [name for name, _, _ in traces]
    critical = traces[names.index(t("gantt.planned_critical", "en"))]
    assert critical[1] == traces[names.index(t("gantt.planned", "en"))][1] and critical[2]  # an outline
    assert names.index(t("gantt.actual", "en")) > names.index(t("gantt.planned_critical", "en"))  # drawn over it
    main = view.get_by_role("heading", name=t("page.sequencing", "en")).bounding_box()["width"]  # the content width
    svg = plot.bounding_box()["width"]
    area = plot.locator(".nsewdrag").first.bounding_box()["width"]
    assert svg > 0.9 * main and area > 0.6 * svg  # the page's width, most of it for the bars


def test_7_a_milestone_reads_done_or_not_done(server, view, tmp_path):
    code = next(i.code for _, i in CATALOG["kazlod"].indicators() if i.type.value == "milestone")
    open_app(view, server["url"])
    go(view, "page.indicators")
    view.locator("[data-testid=stSelectbox]", has_text=t("ind.select", "en")).click()
    view.keyboard.type(code)
    view.keyboard.press("Enter")
    wait_for_app(view)
    plot = view.locator(".js-plotly-plot", has_text=f"{code}: ").first
    plot.wait_for()
    view.screenshot(path=str(tmp_path / "milestone.png"), full_page=True)
    ticks = plot.locator(".ytick text").all_text_contents()
    assert t("chart.done", "en") in ticks and t("chart.not_done", "en") in ticks
    assert not any(re.fullmatch(r"0?[.,]\d+", tick) for tick in ticks)


def test_8_the_state_methodology_opens_on_a_year_with_plan_values(server, view, tmp_path):
    open_app(view, server["url"], programme="rbp2007")
    go(view, "page.status")
    view.locator("h3", has_text=t("state.d", "en", value="")).wait_for()
    assert view.get_by_text(t("state.none", "en", year="")[:20]).count() == 0
    indicators = view.locator("[data-testid=stDataFrame]").nth(2)  # after the goals' and the tasks' tables
    indicators.wait_for()
    assert t("col.excluded", "en") in headers(indicators)  # why a row has no score
    view.screenshot(path=str(tmp_path / "state.png"), full_page=True)
