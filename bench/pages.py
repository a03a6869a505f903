"""Benchmark: what a user waits for on the pages of a national portfolio (52 synthetic programmes,
bench/progress.py), at several numbers of stored values, and what the app and a CLI PDF cost.

    python bench/pages.py [--values 10000,100000,1000000,5000000] [--runs 3] [--work DIR]
                          [--pages overview,status,indicators,report,export] [--skip apptest,browser,pdf]
                          [--baseline-tree DIR [--baseline-values 10000,100000,1000000]]

For each number of values, with medians of ``--runs`` (each run's figures are printed too):

* AppTest: the Overview cold (a fresh process: imports, catalog, progress; the process's whole time
  and the first run alone) and warm (reruns); every other page's first and later runs in that process.
* Chromium (Playwright, Debian's /usr/bin/chromium, headless): each page cold from server start (a
  fresh ``streamlit run``, a deep link as its first request, a fresh browser context) and warm (the
  page loaded again in a new session of the same server), until the page's content is there: the
  script has finished, the page's last element is shown and the browser has painted twice. The
  baseline in the same run is a one-line Streamlit app measured the same way (server start and
  browser, nothing of ours). App memory: the streamlit process's resident (VmRSS) and peak (VmHWM)
  memory after every page was shown cold and warm.
* The CLI PDF (``python3 -m kzlogframe report p01 2014-H2 --format pdf``) as a whole process: wall
  seconds and peak memory; baseline: ``python3 -c 'import kzlogframe.cli'``.

``--baseline-tree DIR`` measures another copy of the app the same way in the same run (e.g. the code
before a change: ``git archive COMMIT | tar -x -C DIR``), at ``--baseline-values`` only.

Targets at 1 M values: any page < 2 s cold from server start and < 1 s warm in the browser; app
memory < 1 GB; CLI PDF < 5 s. The machine's load average is printed before and after each size:
the machine is shared, so read medians, and figures taken while it was busy with caution.
Stores are built once in ``--work`` (kept when given, else a temporary directory).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]
# page: (url path, script, its menu entry, a text shown by the page's last element once its script has run)
PAGES = {
    "overview": ("", "views/overview.py", "Overview", "Indicators needing attention"),
    "status": ("status", "views/status.py", "Logframe status", "Logframe quality warnings"),
    "indicators": ("indicators", "views/indicators.py", "Indicators", "Measurement history"),
    "report": ("report", "views/report.py", "Steering Committee report",
               "History of narratives and assumption statuses"),
    "export": ("export", "views/export.py", "Export", "IATI"),
}
HELLO = 'import streamlit as st\nst.title("Hello")\nst.dataframe({"a": [1, 2, 3]})\nst.caption("ready")\n'
READY_JS = """([text, min]) => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (!document.querySelector('h1')) return false;
    if (document.querySelectorAll('[data-testid=stDataFrame]').length < min) return false;
    return document.body.innerText.includes(text);
}"""
PAINTED_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"
AS_OF = "2014-H2"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def runs_text(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------- stores


def store(work: Path, values: int) -> tuple[Path, Path]:
    """(logframes folder, DuckDB file) of the portfolio at ``values`` values, built once."""
    from progress import build_store, portfolio  # bench/progress.py

    folder, db = work / "logframes", work / f"values-{values}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        stored = build_store(folder, db, portfolio(52), values)
        print(f"  built {db.name}: {stored:,} values in {time.perf_counter() - started:.1f} s", flush=True)
    return folder, db


def environment(folder: Path, db: Path) -> dict[str, str]:
    return {**os.environ, "KZLOGFRAME_LOGFRAMES": str(folder), "KZLOGFRAME_DB": str(db),
            "KZLOGFRAME_USERS": str(db.parent / "no-users.yaml")}


# ---------------------------------------------------------------- AppTest (in a child process)


def apptest_child(tree: Path, pages: list[str], runs: int, started: float) -> None:
    """Runs in a fresh process: prints JSON with the Overview's cold figures and every page's runs."""
    from streamlit.testing.v1 import AppTest

    sys.path[:] = [str(tree)] + [p for p in sys.path if p not in (str(ROOT), str(ROOT / "bench"))]
    os.chdir(tree)
    at = AppTest.from_file(str(tree / "app.py"), default_timeout=600)
    first = time.perf_counter()
    at.run()
    out = {"process_to_overview": time.perf_counter() - started, "overview_first_run": time.perf_counter() - first}
    assert not at.exception, at.exception
    for page in pages:
        if page != "overview":
            at.switch_page(PAGES[page][1])
        times = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            assert not at.exception, at.exception
        out[page] = times
    print(json.dumps(out))


def apptest(tree: Path, label: str, env: dict[str, str], pages: list[str], runs: int) -> None:
    results = []
    for _ in range(runs):
        started = time.time()
        child = subprocess.run([sys.executable, __file__, "--apptest-child", ",".join(pages), "--runs", str(runs),
                                "--started", str(started), "--tree", str(tree)], env=env, capture_output=True,
                               text=True)
        if child.returncode:
            raise RuntimeError(f"the AppTest process failed:\n{child.stderr}")
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    for key, what in (("process_to_overview", "fresh process to Overview shown"),
                       ("overview_first_run", "Overview first run")):
        values = [r[key] for r in results]
        print(f"  {label}AppTest cold, {what}: median {median(values):.2f} s ({runs_text(values)})")
    for page in pages:
        first = [r[page][0] for r in results] if page != "overview" else []
        warm = [t for r in results for t in r[page][1:]]
        cold = f"first visit median {median(first):.2f} s ({runs_text(first)}), " if first else ""
        print(f"  {label}AppTest {page}: {cold}warm median {median(warm):.2f} s ({runs_text(warm)})")


# ---------------------------------------------------------------- Chromium


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(app: Path, env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """``streamlit run app`` on a free port: (url, process, perf_counter at its start) once healthy."""
    port = free_port()
    with open(log, "w") as out:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
                                    "--server.port", str(port), "--server.address", "127.0.0.1",
                                    "--browser.gatherUsageStats", "false"],
                                   cwd=app.parent, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        yield url, process, started
    finally:
        process.terminate()
        process.wait(timeout=30)


def ready(page, text: str, tables: int) -> None:
    """Wait until the script has run, ``text`` is shown (with ``tables`` tables) and the browser painted."""
    page.wait_for_function(READY_JS, arg=[text, tables], polling=50)
    page.evaluate(PAINTED_JS)


def timed_load(page, url: str, text: str, tables: int) -> float:
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    ready(page, text, tables)
    return time.perf_counter() - start


def timed_click(page, link: str, text: str, tables: int) -> float:
    """In-app navigation: a click on the page's entry in the menu (no reload, same session)."""
    start = time.perf_counter()
    page.get_by_role("link", name=link, exact=True).click()
    ready(page, text, tables)
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (its own threads; /proc/PID/stat): what
    a cold page costs the server, which a busy machine's wall times hide."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))


Figures = dict[str, dict[str, list[float]]]


def in_browser(browser, app: Path, env: dict[str, str], pages: dict[str, tuple[str, str, str, int]], runs: int,
               log: Path, navigate: bool) -> Figures:
    """Per page, over ``runs`` fresh servers: ``cold`` (server start to content, a deep link in a fresh
    browser context), ``healthy`` (of which the server's start), ``reload`` (the page loaded again
    in that context: a new session, the browser's cache warm) and, when ``navigate``, ``click`` (in-app
    navigation from the Audit log page); ``memory``: the app's resident and peak MB after each server."""
    figures: Figures = {name: {"cold": [], "healthy": [], "cpu": [], "reload": [], "click": []} for name in pages}
    figures["memory"] = {"resident": [], "peak": []}
    for _ in range(runs):
        peak = resident = 0.0
        for name, (path, link, text, tables) in pages.items():
            with server(app, env, log) as (url, process, started):
                healthy = time.perf_counter() - started
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.set_default_timeout(600_000)
                figures[name]["cold"].append(healthy + timed_load(page, f"{url}/{path}", text, tables))
                figures[name]["cpu"].append(cpu_seconds(process.pid))
                figures[name]["healthy"].append(healthy)
                for _ in range(runs):
                    figures[name]["reload"].append(timed_load(page, f"{url}/{path}", text, tables))
                for _ in range(runs if navigate else 0):
                    timed_load(page, f"{url}/audit", "Audit log", 0)
                    figures[name]["click"].append(timed_click(page, link, text, tables))
                context.close()
                resident, high = memory(process.pid)
                peak = max(peak, high)
        figures["memory"]["resident"].append(resident)
        figures["memory"]["peak"].append(peak)
    return figures


def browser_bench(tree: Path, label: str, env: dict[str, str], pages: list[str], runs: int, work: Path) -> None:
    from playwright.sync_api import sync_playwright

    hello = work / "hello.py"
    hello.write_text(HELLO, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            floor = {} if label else in_browser(browser, hello, env, {"hello (baseline)": ("", "", "ready", 1)},
                                                runs, work / "hello.log", navigate=False)
            ours = in_browser(browser, tree / "app.py", env,
                              {p: (*PAGES[p][0:1], *PAGES[p][2:], 1 if p == "overview" else 0) for p in pages},
                              runs, work / "streamlit.log", navigate=True)
        finally:
            browser.close()
    for name, figures in {**floor, **ours}.items():
        if name == "memory":
            continue
        cold, reload, click = figures["cold"], figures["reload"], figures["click"]
        line = (f"  {label}Chromium {name}: cold from server start median {median(cold):.2f} s "
                f"({runs_text(cold)}; server healthy after {median(figures['healthy']):.2f} s, server CPU to content "
                f"{median(figures['cpu']):.2f} s ({runs_text(figures['cpu'])})); warm reload median {median(reload):.2f} s "
                f"({runs_text(reload)})")
        print(line + (f"; warm in-app click median {median(click):.2f} s ({runs_text(click)})" if click else ""))
    resident, peak = ours["memory"]["resident"], ours["memory"]["peak"]
    print(f"  {label}app memory after the pages: resident median {median(resident):.0f} MB ({runs_text(resident)}), "
          f"peak median {median(peak):.0f} MB ({runs_text(peak)})")


# ---------------------------------------------------------------- CLI PDF


def whole_process(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one process, from the kernel's accounting of it through
    /usr/bin/time: a child forked from this large process would count this one's pages in its peak."""
    with tempfile.NamedTemporaryFile("r") as figures:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", figures.name, *command], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr}")
        return seconds, int(figures.read().split()[-1]) / 1024


def pdf_bench(tree: Path, label: str, env: dict[str, str], runs: int, work: Path) -> None:
    report = [sys.executable, "-m", "kzlogframe", "report", "p01", AS_OF, "--format", "pdf", "-o",
              str(work / "p01.pdf")]
    for what, command in (("baseline: python3 -c 'import kzlogframe.cli'",
                            [sys.executable, "-c", "import kzlogframe.cli"]),
                           ("CLI PDF report p01 " + AS_OF, report)):
        figures = [whole_process(command, env, tree) for _ in range(runs + 1)][1:]  # one warm-up
        wall, peak = [f[0] for f in figures], [f[1] for f in figures]
        print(f"  {label}{what}: median {median(wall):.2f} s ({runs_text(wall)}), peak memory median "
              f"{median(peak):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", default="10000,100000,1000000,5000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--skip", default="", help="comma-separated: apptest, browser, pdf")
    parser.add_argument("--baseline-tree", type=Path)
    parser.add_argument("--baseline-values", default="10000,100000,1000000")
    parser.add_argument("--apptest-child", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    pages = args.pages.split(",")
    if args.apptest_child:
        apptest_child(args.tree, args.apptest_child.split(","), args.runs,
                      time.perf_counter() - (time.time() - args.started))
        return
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for values in (int(v) for v in args.values.split(",")):
            print(f"{values:,} values (load average {load()})", flush=True)
            folder, db = store(work, values)
            env = environment(folder, db)
            trees = [(ROOT, "")]
            if args.baseline_tree and str(values) in args.baseline_values.split(","):
                trees.append((args.baseline_tree.resolve(), "before: "))
            for tree, label in trees:
                if "apptest" not in skip:
                    apptest(tree, label, env, pages, args.runs)
                if "browser" not in skip:
                    browser_bench(tree, label, env, pages, args.runs, work)
                if "pdf" not in skip:
                    pdf_bench(tree, label, env, args.runs, work)
            print(f"  (load average after: {load()})", flush=True)


if __name__ == "__main__":
    main()
