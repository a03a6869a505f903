"""A Steering Committee member opens the Overview, then one indicator, in a real browser."""

from tests.browser.conftest import wait_for_app


def test_overview_then_indicator(server, page, tmp_path):
    page.goto(server["url"])
    wait_for_app(page)
    page.get_by_role("heading", name="Overview").wait_for()
    overall = page.locator("h4", has_text="Overall:")
    overall.first.wait_for()
    assert overall.count() == 1  # details of the programme chosen in the sidebar
    page.get_by_role("heading", name="All programmes").wait_for()  # and every programme in one table
    page.locator("[data-testid=stDataFrame]").nth(2).wait_for()  # the table, the results, the attention list
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    page.get_by_role("link", name="Indicators").click()
    page.get_by_role("heading", name="Indicators").wait_for()
    wait_for_app(page)
    page.locator(".js-plotly-plot").first.wait_for()
    assert page.get_by_text("Status:").count() == 1
    page.screenshot(path=str(tmp_path / "indicator.png"), full_page=True)
    assert (tmp_path / "overview.png").stat().st_size > 20_000
