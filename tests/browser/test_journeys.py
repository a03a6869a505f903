"""One browser journey per kind of user, signed in against a users file."""

import re
import time

from openpyxl import Workbook, load_workbook

from kzlogframe.store import connect
from tests.browser.conftest import sign_in, wait_for_app

INDICATOR = "KAZLOD.R1.I7"  # quantitative, per period (not summed), not disaggregated


def test_steering_committee_member_reads_the_overview_and_downloads_the_report(team_server, page, tmp_path):
    sign_in(page, team_server["url"], "sc-member")
    page.locator("h4", has_text="Overall:").first.wait_for()
    nav = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert "Upload measurements" not in nav and "Export" not in nav  # a viewer is offered neither
    page.screenshot(path=str(tmp_path / "sc-overview.png"), full_page=True)
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.hover()
    page.locator("[data-testid=stElementToolbar]").first.wait_for()
    toolbar = page.locator("[data-testid=stElementToolbar]").first.inner_html()
    assert "Search" in toolbar and "Download" not in toolbar  # data leaves only through the Export page
    assert page.get_by_role("button", name="Deploy").count() == 0  # the toolbar is in viewer mode

    page.get_by_role("link", name="Steering Committee report").click()
    page.get_by_role("heading", name="Steering Committee report").wait_for()
    wait_for_app(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    page.screenshot(path=str(tmp_path / "sc-report.png"))


def test_ta_team_member_fixes_an_excel_upload_a_reviewer_approves_it_and_it_counts(team_server, page, browser,
                                                                                  tmp_path):
    """Issue 16's journey: an .xlsx with bad rows, its rejected rows downloaded as a workbook with the
    reasons, fixed there and uploaded again, approved by a reviewer in another browser, and counted."""
    sign_in(page, team_server["url"], "ta-team")
    page.get_by_role("link", name="Upload measurements").click()
    page.get_by_text("Upload history").wait_for()
    broken = Workbook()
    broken.active.append(["programme", "indicator", "period", "value"])
    broken.active.append(["kazlod", INDICATOR, "2015-H1", "abc"])
    broken.active.append(["kazlod", INDICATOR, "2015-H9", 5])
    broken.save(tmp_path / "upload.xlsx")
    page.locator("input[type=file]").set_input_files(str(tmp_path / "upload.xlsx"))
    page.get_by_text("No row can be committed").wait_for()
    wait_for_app(page)
    page.screenshot(path=str(tmp_path / "ta-rejected.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the rejected rows with their reasons").click()
    assert download.value.suggested_filename == "upload-rejected.xlsx"
    download.value.save_as(tmp_path / "upload-rejected.xlsx")

    rejected = load_workbook(tmp_path / "upload-rejected.xlsx")
    sheet = rejected.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("programme", "indicator", "period", "value") and len(rows[0]) == 5  # + the reasons
    assert [r[:4] for r in rows[1:]] == [("kazlod", INDICATOR, "2015-H1", "abc"), ("kazlod", INDICATOR, "2015-H9", 5)]
    assert all(r[4] for r in rows[1:])  # every row says why
    sheet.cell(row=2, column=4, value=321)  # fixed where the TA officer works: in the workbook
    sheet.delete_rows(3)
    rejected.save(tmp_path / "upload-fixed.xlsx")
    page.locator("input[type=file]").set_input_files(str(tmp_path / "upload-fixed.xlsx"))
    page.get_by_role("button", name="Commit 1 accepted row").wait_for()
    wait_for_app(page)  # the check of the new file has finished: a click now is not lost to its rerun
    page.get_by_role("button", name="Commit 1 accepted row").click()
    page.get_by_text("committed: 1 row.").wait_for(timeout=60_000)
    page.get_by_text("is waiting for review: its values count once a reviewer approves it.").wait_for()

    reviewer = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB").new_page()
    try:  # another person, in another browser
        sign_in(reviewer, team_server["url"], "reviewer1")
        reviewer.get_by_text("1 batch, 1 value waiting for review (not counted yet).").wait_for()  # the Overview
        reviewer.get_by_role("link", name="Review", exact=True).click()
        reviewer.get_by_text("Values in the batch").wait_for()
        wait_for_app(reviewer)
        reviewer.screenshot(path=str(tmp_path / "reviewer-queue.png"), full_page=True)
        reviewer.get_by_role("button", name=re.compile(r"^Approve batch \d+$")).click()
        reviewer.get_by_text("approved: its values now count.").wait_for()
    finally:
        reviewer.context.close()

    page.get_by_role("link", name="Indicators").click()
    page.get_by_role("heading", name="Indicators").wait_for()
    wait_for_app(page)
    page.locator("[data-testid=stSelectbox]", has_text="Indicator").first.click()
    page.keyboard.type(INDICATOR)
    page.keyboard.press("Enter")
    try:
        page.locator("[data-testid=stMetricValue]", has_text="321").wait_for()
    finally:
        page.screenshot(path=str(tmp_path / "ta-new-value.png"), full_page=True)
    with connect(team_server["db"], write=False) as con:
        assert con.execute("SELECT uploaded_by, value FROM measurement_current WHERE indicator = ? "
                           "AND period_label = '2015-H1'", [INDICATOR]).fetchall() == [("ta-team", 321.0)]


def test_m_and_e_consultant_exports_a_chart_and_the_data(team_server, page, tmp_path):
    sign_in(page, team_server["url"], "m-and-e")
    page.get_by_role("link", name="Indicators").click()
    page.get_by_role("heading", name="Indicators").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="PNG").first.click()
    png = tmp_path / "chart.png"
    download.value.save_as(png)
    assert png.read_bytes().startswith(b"\x89PNG")

    page.get_by_role("link", name="Export").click()
    page.get_by_role("button", name="Download CSV").wait_for()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download CSV").click()
    data = tmp_path / "data.csv"
    download.value.save_as(data)
    text = data.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "KAZLOD." in text.decode("utf-8-sig")
    page.screenshot(path=str(tmp_path / "me-export.png"), full_page=True)


def test_a_reload_keeps_the_sign_in_until_signing_out(team_server, page, tmp_path):
    """Issue 20: the session cookie set at sign-in signs the reloaded page in; signing out removes
    it (and ends it on the server); a forged cookie is refused and the sign-in form says so."""
    url = team_server["url"]
    sign_in(page, url, "sc-member")
    cookie = next(c for c in page.context.cookies() if c["name"] == "kzlogframe_session")
    assert cookie["sameSite"] == "Strict" and 0 < cookie["expires"] - time.time() <= 8 * 3600
    page.reload()
    page.get_by_text("Signed in as sc-member").wait_for()
    wait_for_app(page)
    assert page.get_by_role("textbox", name="Password").count() == 0
    page.screenshot(path=str(tmp_path / "reloaded-signed-in.png"))
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="Password").wait_for()
    wait_for_app(page)
    assert not [c for c in page.context.cookies() if c["name"] == "kzlogframe_session"]
    page.reload()
    page.get_by_role("textbox", name="Password").wait_for()
    wait_for_app(page)
    assert page.get_by_text("Signed in as").count() == 0
    page.screenshot(path=str(tmp_path / "reloaded-signed-out.png"))

    forged = {**cookie, "value": cookie["value"].replace(cookie["value"].split(".")[0], "Ym9zcw")}  # "boss"
    page.context.add_cookies([forged])
    page.reload()
    page.get_by_text("Your saved sign-in is no longer valid: sign in again.").wait_for()
    wait_for_app(page)
    page.screenshot(path=str(tmp_path / "forged-cookie.png"))
    assert not [c for c in page.context.cookies() if c["name"] == "kzlogframe_session"]
    with connect(team_server["db"], write=False) as con:
        steps = con.execute("""SELECT action, json_extract_string(detail, '$.session') FROM audit_log
                               WHERE target IN ('sc-member', 'boss') AND action <> 'user_change' ORDER BY id""").fetchall()
    session = cookie["value"].split(".")[3]
    assert steps[-4:] == [("login", None), ("session_resumed", session), ("logout", session),
                          ("login_failed", "tampered")]
