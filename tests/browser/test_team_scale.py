"""A team deployment: four app processes on one DuckLake store (PostgreSQL catalog), twenty browser
sessions between them, and four imports at the same moment, two from the command line and two from
the Upload page on two different servers. Every batch lands whole, nobody is shown an error or a
lock, and every session shows the committed data on its next rerun."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager

from kzlogframe.catalog import load_catalog
from kzlogframe.i18n import t
from kzlogframe.models import IndicatorType
from kzlogframe.store import connect
from tests.browser.conftest import streamlit_server, wait_for_app
from tests.conftest import ROOT

SERVERS, SESSIONS = 4, 20
# one file per import: its own reporting period of KAZLOD (the demo's data end in 2014-H2), its own indicators
IMPORTS = {"cli-1": "2015-H1", "cli-2": "2015-H2", "web-1": "2016-H1", "web-2": "2016-H2"}
ROWS = 3  # KAZLOD has 13 plain quantitative indicators: 3 of its own for each file
LATEST = "2016-H2 (2016-07-01 – 2016-12-31)"  # the period the Overview opens on once all four are in
TIMEOUT = 180_000  # ms: twenty sessions, four servers and four imports share two cores
# what would tell a user that the store was locked or busy: the catalog's words and the bare terms
REFUSALS = [t("error.store_busy", "en"), t("error.showing_last_data", "en")]
LOCKED = re.compile(r"\b(busy|lock|locked|conflict)\b", re.IGNORECASE)


def import_file(tmp_path, name: str, period: str, indicators: list[str]) -> str:
    rows = [f"kazlod;{indicator};{period};{10 + k}" for k, indicator in enumerate(indicators)]
    path = tmp_path / f"{name}.csv"
    path.write_text("programme;indicator;period;value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def shown_without_refusal(page, name: str, tmp_path) -> None:
    """The session's page has no exception and says nothing of a busy or locked store."""
    text = page.locator("body").inner_text()
    problems = ([f"{n} exception(s)"] if (n := page.locator("[data-testid=stException]").count()) else []) + \
        [f"shows {words!r}" for words in REFUSALS if words in text] + \
        [f"says {match!r}" for match in LOCKED.findall(text)]
    if problems:
        page.screenshot(path=str(tmp_path / f"{name}-refused.png"), full_page=True)
    assert not problems, f"{name}: {problems}"


@contextmanager
def shot_on_failure(page, path) -> Iterator[None]:
    """A screenshot of the session when what the block waits for does not come."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(path), full_page=True)
        raise


def rerun(page, link: str) -> None:
    """What a user does to see what is new: a click on the page's own entry in the menu."""
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=t(link, "en"), exact=True).click()


def test_four_servers_twenty_sessions_and_four_simultaneous_imports(own_lake_demo_store, browser, tmp_path):
    team_store = own_lake_demo_store
    kazlod = load_catalog()["kazlod"]
    plain = [ind.code for _, ind in kazlod.indicators()
             if ind.type is IndicatorType.quantitative and not ind.disaggregation]
    files = {name: import_file(tmp_path, name, period, plain[n * ROWS:(n + 1) * ROWS])
             for n, (name, period) in enumerate(IMPORTS.items())}
    env = {**os.environ, "KZLOGFRAME_DB": team_store, "KZLOGFRAME_USERS": str(tmp_path / "no-users.yaml")}
    with ExitStack() as stack:
        urls = [stack.enter_context(streamlit_server(env, tmp_path / f"streamlit-{n}.log")) for n in range(SERVERS)]
        contexts = [stack.enter_context(closing(browser.new_context(viewport={"width": 1280, "height": 900})))
                    for _ in range(SESSIONS)]
        pages = [context.new_page() for context in contexts]
        # session n on server n % 4; the first two upload (on servers 1 and 2), the rest read the
        # Overview or the upload history
        where = {n: ("page.upload" if n < 2 or n % 2 else "page.overview") for n in range(SESSIONS)}
        for n, page in enumerate(pages):
            page.set_default_timeout(TIMEOUT)
            page.goto(f"{urls[n % SERVERS]}/{'upload' if where[n] == 'page.upload' else ''}", wait_until="commit")
        for n, page in enumerate(pages):
            with shot_on_failure(page, tmp_path / f"session-{n}-opening.png"):
                page.locator("h1").first.wait_for()
                wait_for_app(page)
        uploaders = {"web-1": pages[0], "web-2": pages[1]}
        for name, page in uploaders.items():
            with shot_on_failure(page, tmp_path / f"{name}-checked.png"):
                page.locator("input[type=file]").set_input_files(files[name])
                page.get_by_role("button", name=f"Commit {ROWS} accepted rows").wait_for()

        # the four imports start together, while every other session reruns its page
        cli = [subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", team_store, "import", files[name]],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("cli-1", "cli-2")]
        for page in uploaders.values():
            page.get_by_role("button", name=f"Commit {ROWS} accepted rows").click(no_wait_after=True)
        for n, page in enumerate(pages[2:], start=2):
            rerun(page, where[n])
        outputs = [process.communicate(timeout=TIMEOUT / 1000) for process in cli]
        for name, page in uploaders.items():
            with shot_on_failure(page, tmp_path / f"{name}-commit.png"):
                page.get_by_text(f"committed: {ROWS} rows").wait_for()
        for n, page in enumerate(pages):
            with shot_on_failure(page, tmp_path / f"session-{n}-during.png"):
                wait_for_app(page)
            shown_without_refusal(page, f"session-{n}-during", tmp_path)
        pages[2].screenshot(path=str(tmp_path / "overview-during.png"), full_page=True)

        # the next rerun of every session shows what was committed
        for n, page in enumerate(pages):
            rerun(page, where[n])
        for n, page in enumerate(pages):
            with shot_on_failure(page, tmp_path / f"session-{n}-stale.png"):
                if where[n] == "page.overview":
                    page.get_by_text(t("overview.period", "en", period=LATEST)).wait_for()
                    page.locator("h4", has_text="Overall:").first.wait_for()
                else:
                    history = page.locator("[data-testid=stDataFrame]").last
                    for name in IMPORTS:
                        history.locator("td", has_text=f"{name}.csv").first.wait_for(state="attached")
                wait_for_app(page)
            shown_without_refusal(page, f"session-{n}-after", tmp_path)
        pages[2].screenshot(path=str(tmp_path / "overview-after.png"), full_page=True)
        pages[3].screenshot(path=str(tmp_path / "upload-after.png"), full_page=True)

    for process, (out, err) in zip(cli, outputs):
        assert process.returncode == 0, err
        assert not LOCKED.search(err), err  # queueing is said as waiting, never as a lock
    with connect(team_store, write=False) as con:
        batches = con.execute("""SELECT file_name, rows_accepted, status FROM upload_batch
                                 WHERE file_name LIKE 'cli-%' OR file_name LIKE 'web-%' ORDER BY file_name""").fetchall()
        stored = con.execute("""SELECT b.file_name, m.period_label, count(*), count(DISTINCT m.indicator)
                                FROM measurement_current m JOIN upload_batch b ON b.id = m.batch_id
                                WHERE b.file_name LIKE 'cli-%' OR b.file_name LIKE 'web-%'
                                GROUP BY ALL ORDER BY 1""").fetchall()
    assert batches == [(f"{name}.csv", ROWS, "committed") for name in IMPORTS]
    assert stored == [(f"{name}.csv", period, ROWS, ROWS) for name, period in IMPORTS.items()]

