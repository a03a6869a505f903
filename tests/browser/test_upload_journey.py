"""What only a browser shows of the Upload page: a deep link as the server's first request goes
through app.py (its st.navigation and shell), not a page folder. The upload journey itself is in
tests/test_upload_page.py (AppTest attaches files) and, signed in, in test_journeys.py."""

from tests.browser.conftest import wait_for_app


def test_a_deep_link_as_the_first_request_runs_the_shell(server, page, tmp_path):
    page.goto(f"{server['url']}/upload")
    wait_for_app(page)
    page.get_by_text("Upload history").wait_for()
    nav = page.locator("[data-testid=stSidebarNav]").inner_text()
    assert "Upload measurements" in nav and "app" not in nav.split()
    page.locator("[data-testid=stSidebar]").get_by_text("Language").wait_for()  # the shell's picker, drawn by app.py
    page.screenshot(path=str(tmp_path / "upload-deep-link.png"), full_page=True)
