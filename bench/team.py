"""A team at work, on both stores side by side in one run: four app processes (``streamlit run`` on
four ports, one store), twenty browser sessions between them (five each: the Overview and the upload
history in turn), and four imports at the same moment (two ``python3 -m kzlogframe import``
processes, two commits on the Upload page of two servers).

    python3 bench/team.py [--months 12]

For each store, the bundled programmes with the demo data (a DuckDB file made by ``kzlogframe demo``;
a DuckLake catalog on a local PostgreSQL cluster, started for the run, holding a restored backup of
it), then:

* ``open``: the twenty sessions load their page at once (a fresh session each);
* ``rerun idle``: every session reruns its page at once (a click on the page's own menu entry);
* ``rerun while importing``: the eighteen sessions that do not upload rerun while the four imports run;
* ``imports``: the wall time from starting the four imports until the last one has committed, and
  rows per second over the four files (each file: every plain quantitative indicator of KAZLOD and PSR
  for each month of its own year, ``--months`` of them);
* ``next rerun``: every session reruns once more; how many then show all four imports (the upload
  history lists the four files; the Overview opens on the newest period imported); how many
  sessions were shown an error (an exception, a busy or locked store) and how many the notice that
  another process is writing (the page keeps the data it had) at any point.

Page latency: from the click (or the page's request) until the page's script has run and its
content is in the page, timed in the browser (``performance.now()``), median and max over sessions.
The cluster runs with ``PG_FAST=1`` (no fsync), as the tests' does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from pages import CHROMIUM, FLAGS, load, median, server  # noqa: E402  (bench/pages.py)
from tests.postgres import Cluster  # noqa: E402

SERVERS, SESSIONS = 4, 20
YEARS = {"cli-1": 2015, "cli-2": 2016, "web-1": 2017, "web-2": 2014}
TIMEOUT = 600_000
WATCH_JS = """([texts]) => {
    window.__t0 = performance.now(); window.__done = null; window.__ran = false;
    const timer = setInterval(() => {
        const app = document.querySelector('[data-testid=stApp]');
        if (!app) return;
        const state = app.getAttribute('data-test-script-state');
        if (state === 'running') window.__ran = true;
        if (!window.__ran || state !== 'notRunning') return;
        const text = document.body.textContent;
        window.__failed = !!document.querySelector('[data-testid=stException], [data-testid=stAlertContentError]');
        if (window.__failed || texts.every(t => text.includes(t))) {
            window.__done = performance.now(); clearInterval(timer);
        }
    }, 25);
}"""
# the first load of a fresh session: the same watch from the document's start (its navigation)
OPEN_JS = """window.__t0 = 0; window.__done = null; window.__ran = true; window.__failed = false;
const __open = setInterval(() => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return;
    window.__failed = !!document.querySelector('[data-testid=stException], [data-testid=stAlertContentError]');
    if (window.__failed || document.body.textContent.includes(TEXT)) {
        window.__done = performance.now(); clearInterval(__open);
    }
}, 25);"""
REFUSED = re.compile(r"\b(busy|locked|lock)\b", re.IGNORECASE)


def import_files(folder: Path, months: int) -> dict[str, Path]:
    """One file per import: every plain quantitative indicator of KAZLOD and PSR, each month of its year."""
    from kzlogframe.catalog import load_catalog
    from kzlogframe.models import IndicatorType

    catalog = load_catalog()
    plain = [(code, ind.code) for code in ("kazlod", "psr") for _, ind in catalog[code].indicators()
             if ind.type is IndicatorType.quantitative and not ind.disaggregation]
    files = {}
    for name, year in YEARS.items():
        rows = [f"{code};{indicator};{year}-{month:02d};{10 + k % 7}" for month in range(1, months + 1)
                for k, (code, indicator) in enumerate(plain)]
        files[name] = folder / f"{name}.csv"
        files[name].write_text("programme;indicator;period;value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return files


def cli(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "kzlogframe", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def watch(page, texts: list[str]) -> None:
    page.evaluate(WATCH_JS, [texts])


def latency(page, failures: set, n: int) -> float:
    """Seconds from the trigger until the page was drawn; a page that ended on an error counts in ``failures``."""
    page.wait_for_function("() => window.__done !== null", timeout=TIMEOUT, polling=100)
    if page.evaluate("() => window.__failed"):
        failures.add(n)
    return page.evaluate("() => (window.__done - window.__t0) / 1000")


def checked(page, rows: int, failures: set, n: int, link: str) -> None:
    """Wait for the checked file's commit button; a check the store refused (a busy store) is
    counted and tried again the way a user would: rerunning the page, which keeps the file."""
    commit = page.get_by_role("button", name=f"Commit {rows} accepted rows")
    error = page.locator("[data-testid=stAlertContentError]")
    while True:
        commit.or_(error).first.wait_for()
        if commit.count():
            return
        failures.add(n)
        menu(page, link).click()
        page.wait_for_timeout(500)


def menu(page, name: str):
    return page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=name, exact=True)


def look(page, n: int, figures: dict) -> None:
    """Counts session ``n`` among those shown an error (an exception, a busy or locked store) or the
    notice that another process is writing (the page shows the data it had: a DuckDB file)."""
    from kzlogframe.i18n import t

    text = page.locator("body").inner_text()
    if page.locator("[data-testid=stException], [data-testid=stAlertContentError]").count() or REFUSED.search(text):
        figures["errors"].add(n)
    if t("error.showing_last_data", "en") in text:
        figures["stale"].add(n)


def team_run(store: str, env: dict[str, str], files: dict[str, Path], rows: int, browser, work: Path) -> dict:
    from kzlogframe.i18n import t

    env = {**env, "KZLOGFRAME_DB": store}
    link = {"overview": t("page.overview", "en"), "upload": t("page.upload", "en")}
    figures: dict = {"errors": set(), "stale": set()}
    with ExitStack() as stack:
        urls = [stack.enter_context(server(ROOT / "app.py", env, work / f"streamlit-{n}.log"))[0]
                for n in range(SERVERS)]
        where = ["upload" if n < 2 or n % 2 else "overview" for n in range(SESSIONS)]
        pages = []
        shown = {"overview": "Indicators needing attention", "upload": "Upload history"}
        for n in range(SESSIONS):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            stack.callback(context.close)
            pages.append(context.new_page())
            pages[-1].set_default_timeout(TIMEOUT)
            pages[-1].add_init_script(OPEN_JS.replace("TEXT", json.dumps(shown[where[n]])))
        for n, page in enumerate(pages):
            page.goto(f"{urls[n % SERVERS]}/{'upload' if where[n] == 'upload' else ''}", wait_until="commit")
        figures["open"] = [latency(page, figures["errors"], n) for n, page in enumerate(pages)]

        def rerun_all(which: list[int], texts: dict[int, list[str]]) -> list[float]:
            for n in which:
                watch(pages[n], texts[n])
                menu(pages[n], link[where[n]]).click(no_wait_after=True)
            times = [latency(pages[n], figures["errors"], n) for n in which]
            for n in which:
                look(pages[n], n, figures)
            return times

        everyone = list(range(SESSIONS))
        figures["rerun idle"] = rerun_all(everyone, {n: [shown[where[n]]] for n in everyone})
        uploaders = {"web-1": pages[0], "web-2": pages[1]}
        per_file = rows // len(files)
        for n, (name, page) in enumerate(uploaders.items()):
            page.locator("input[type=file]").set_input_files(str(files[name]))
            checked(page, per_file, figures["errors"], n, link["upload"])
        readers = everyone[2:]
        start = time.perf_counter()
        processes = [subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", store, "import", str(files[name])],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                     for name in ("cli-1", "cli-2")]
        for page in uploaders.values():
            watch(page, [f"committed: {per_file} rows"])
            page.get_by_role("button", name=f"Commit {per_file} accepted rows").click(no_wait_after=True)
        for n in readers:
            watch(pages[n], [shown[where[n]]])
            menu(pages[n], link[where[n]]).click(no_wait_after=True)
        done = []
        for process in processes:
            _, err = process.communicate()
            done.append(time.perf_counter() - start)
            if process.returncode or REFUSED.search(err):
                figures.setdefault("cli problems", []).append(err.strip()[-300:])
        for n, page in enumerate(uploaders.values()):
            latency(page, figures["errors"], n)
            done.append(time.perf_counter() - start)
        figures["imports"] = max(done)
        figures["rerun while importing"] = [latency(pages[n], figures["errors"], n) for n in readers]
        for n in everyone:
            look(pages[n], n, figures)
        newest = f"{max(YEARS.values())}-H2"
        after = {n: ([f"{name}.csv" for name in files] if where[n] == "upload" else [shown["overview"], newest])
                 for n in everyone}
        try:
            figures["next rerun"] = rerun_all(everyone, after)
            figures["saw"] = SESSIONS
        except Exception:  # noqa: BLE001 - a session that does not see the data is counted, not fatal
            figures["next rerun"] = []
            figures["saw"] = sum(all(x in p.locator("body").text_content() for x in after[n])
                                 for n, p in enumerate(pages))
    return figures


def spread(values: list[float]) -> str:
    return f"{median(values):.2f} / {max(values):.2f}" if values else "–"


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kzlogframe-team-"))
    files = import_files(work, args.months)
    rows = sum(len(path.read_text().splitlines()) - 1 for path in files.values())
    env = {**os.environ, "KZLOGFRAME_USERS": str(work / "no-users.yaml"), "KZLOGFRAME_DATA_PATH": str(work / "lake"),
           "PYTHONPATH": str(ROOT)}
    os.environ["KZLOGFRAME_DATA_PATH"] = env["KZLOGFRAME_DATA_PATH"]
    demo = work / "demo.duckdb"
    cli(["--db", str(demo), "demo"], env)
    cli(["--db", str(shutil.copyfile(demo, work / "for-backup.duckdb")), "backup", str(work / "backup")], env)
    cluster = Cluster.start()
    results = {}
    print(f"load average before: {load()}", flush=True)
    try:
        lake = cluster.new_database()
        cli(["--db", lake, "restore", str(work / "backup")], env)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS + [
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows"])
            for backend, store in (("DuckDB file", str(demo)), ("DuckLake on PostgreSQL", lake)):
                folder = work / backend.split()[0].lower()
                folder.mkdir()
                results[backend] = team_run(store, env, files, rows, browser, folder)
                print(backend, {k: v for k, v in results[backend].items()}, f"load {load()}", flush=True)
            browser.close()
    finally:
        cluster.stop()
    print(f"\n{SERVERS} servers, {SESSIONS} sessions, 4 imports of {rows // 4} rows each; load average after: "
          f"{load()}\n")
    print("| store | open s | rerun idle s | rerun while importing s | next rerun s | 4 imports s | rows/s "
          "| sessions seeing all 4 | sessions shown an error | sessions shown the last data | import problems |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for backend, f in results.items():
        print(f"| {backend} | {spread(f['open'])} | {spread(f['rerun idle'])} | {spread(f['rerun while importing'])} "
              f"| {spread(f['next rerun'])} | {f['imports']:.2f} | {rows / f['imports']:,.0f} | {f['saw']} of {SESSIONS} "
              f"| {len(f['errors'])} | {len(f['stale'])} | {'; '.join(f.get('cli problems', [])) or 'none'} |")
    print("\nlatency cells: median / max over sessions, seconds")


if __name__ == "__main__":
    main()
