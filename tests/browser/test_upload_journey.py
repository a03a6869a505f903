"""A TA-team member uploads a CSV with errors, reads why rows were rejected, fixes it, commits."""

from kzlogframe.store import connect
from tests.browser.conftest import wait_for_app

BROKEN = ("programme;indicator;period;value;comment\n"
          "psr;PSR.R1.I6;2013-H1;7;бірінші өлшем\n"
          "psr;PSR.R1.I6;2013-H7;8;\n"
          "psr;PSR.NOPE;2013-H1;1;\n")
FIXED = ("programme;indicator;period;value;comment\n"
         "psr;PSR.R1.I6;2013-H1;7;бірінші өлшем\n"
         "psr;PSR.R1.I6;2013-H2;8;\n")


def metric(page, label: str) -> str:
    box = page.locator("[data-testid=stMetric]", has_text=label)
    return box.locator("[data-testid=stMetricValue]").inner_text()


def test_upload_with_errors_then_fix_and_commit(server, page, tmp_path):
    page.goto(f"{server['url']}/upload")
    wait_for_app(page)
    page.get_by_text("Upload history").wait_for()
    # A deep link as the server's first request still goes through app.py (its st.navigation, not a page folder).
    nav = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert "Upload measurements" in nav and "app" not in nav.split()

    broken = tmp_path / "measurements.csv"
    broken.write_text(BROKEN, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(broken))
    page.get_by_text("Rejected rows").wait_for()
    wait_for_app(page)
    assert metric(page, "Rejected") == "2"
    assert metric(page, "Accepted") == "1"
    page.screenshot(path=str(tmp_path / "upload-rejected.png"), full_page=True)

    fixed = tmp_path / "measurements-fixed.csv"
    fixed.write_text(FIXED, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(fixed))
    commit = page.get_by_role("button", name="Commit 2 accepted rows")
    commit.wait_for()
    assert metric(page, "Rejected") == "0"
    commit.click()
    page.get_by_text("committed: 2 rows").wait_for()
    page.screenshot(path=str(tmp_path / "upload-committed.png"), full_page=True)

    with connect(server["db"], write=False) as con:
        rows = con.execute("""SELECT period_label, value, comment FROM measurement_current
                              WHERE indicator = 'PSR.R1.I6' AND uploaded_by = 'local' ORDER BY period_label""").fetchall()
    assert rows == [("2013-H1", 7.0, "бірінші өлшем"), ("2013-H2", 8.0, None)]
