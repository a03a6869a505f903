"""Twenty sessions browse while two TA-team members commit uploads at the same moment:
every session renders, both batches land whole, nothing is lost or duplicated."""

from kzlogframe.catalog import load_catalog
from kzlogframe.models import IndicatorType
from kzlogframe.store import connect
from tests.browser.conftest import wait_for_app

SESSIONS = 20


def upload_file(tmp_path, name: str, period: str) -> str:
    """Five plain quantitative indicators (no disaggregation) across both programmes."""
    catalog = load_catalog()
    plain = [(code, ind.code) for code, lf in catalog.items() for _, ind in lf.indicators()
             if ind.type is IndicatorType.quantitative and not ind.disaggregation][:5]
    rows = [f"{code};{indicator};{period};{10 + k}" for k, (code, indicator) in enumerate(plain)]
    path = tmp_path / name
    path.write_text("programme;indicator;period;value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_twenty_sessions_and_two_simultaneous_uploads(server, browser, tmp_path):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(SESSIONS)]
    pages = [context.new_page() for context in contexts]
    try:
        for page in pages:
            page.set_default_timeout(120_000)
        uploaders, browsers = pages[:2], pages[2:]
        for page in browsers:  # start all loads before waiting for any
            page.goto(server["url"], wait_until="commit")
        for page, period in zip(uploaders, ("2015-H1", "2015-H2")):
            page.goto(f"{server['url']}/upload")
            page.get_by_text("Upload history").wait_for()
            page.locator("input[type=file]").set_input_files(upload_file(tmp_path, f"{period}.csv", period))
            page.get_by_role("button", name="Commit 5 accepted rows").wait_for()
        for page in uploaders:  # both commits fire before either finishes
            page.get_by_role("button", name="Commit 5 accepted rows").click(no_wait_after=True)
        for page in uploaders:
            page.get_by_text("committed: 5 rows").wait_for()
        for number, page in enumerate(browsers, start=3):
            try:
                page.locator("h4", has_text="Overall:").first.wait_for()
            except Exception:
                page.screenshot(path=str(tmp_path / f"session-{number}-stuck.png"), full_page=True)
                raise
            wait_for_app(page)
            assert page.locator("h4", has_text="Overall:").count() == 1  # the programme chosen in the sidebar
        pages[2].screenshot(path=str(tmp_path / "session-3.png"))
    finally:
        for context in contexts:
            context.close()

    with connect(server["db"], write=False) as con:
        batches = con.execute("""SELECT file_name, rows_accepted, status FROM upload_batch
                                 WHERE user_name = 'local' ORDER BY file_name""").fetchall()
        stored = con.execute("""SELECT period_label, count(*), count(DISTINCT (programme, indicator)) FROM measurement m
                                JOIN upload_batch b ON b.id = m.batch_id WHERE b.user_name = 'local'
                                GROUP BY period_label ORDER BY period_label""").fetchall()
    assert batches == [("2015-H1.csv", 5, "committed"), ("2015-H2.csv", 5, "committed")]
    assert stored == [("2015-H1", 5, 5), ("2015-H2", 5, 5)]
