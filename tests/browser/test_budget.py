"""The Budget page in a real browser: a member of the TA team uploads a financial CSV (Excel's
`;` and decimal comma, Russian headers), commits it, and the page's figures change at once."""

from kzlogframe.finance_ingest import current_entries
from kzlogframe.formatting import number
from tests.browser.conftest import wait_for_app


def disbursed(page) -> str:
    return page.locator("[data-testid=stMetric]", has_text="Disbursed").locator(
        "[data-testid=stMetricValue]").inner_text()


def test_an_upload_changes_the_budget_page(server, page, tmp_path):
    page.goto(f"{server['url']}/budget")
    wait_for_app(page)
    page.get_by_role("heading", name="By budget line").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    before = current_entries("kazlod", server["db"])
    paid = before.loc[(before["kind"] == "disbursement") & (before["entry_date"] <= "2014-12-31"), "amount"].sum()
    assert disbursed(page) == number(paid, "en", 0)

    upload = tmp_path / "finance.csv"
    upload.write_bytes("программа;строка бюджета;дата;вид;сумма;номер контракта\n"
                       "kazlod;1;15.12.2014;выплата;100 000,00;DEMO_KAZLOD_01\n".encode("cp1251"))
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Commit 1 entry").click()
    page.get_by_text("committed as batch").wait_for()
    wait_for_app(page)
    try:
        page.locator("[data-testid=stMetricValue]", has_text=number(paid + 100_000, "en", 0)).wait_for()
    finally:
        page.locator("[data-testid=stMetric]").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "budget-after-upload.png"), full_page=True)
    assert len(current_entries("kazlod", server["db"])) == len(before) + 1
