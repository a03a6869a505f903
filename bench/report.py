"""Benchmark: one Steering Committee report as a PDF (PSR, 2014-H2, Kazakh by default).

Target: a PDF report < 10 s. Times what a click on "Download PDF" does, in process: load the data
and build the report model (with the committee's records), draw its charts and render the HTML, print it with Chromium, which
draws the charts in the page it prints (plotly.js; no kaleido). Cold is the first report in a fresh
process; warm is the best of ``--runs`` more. Uses the demo database, built in a temporary
directory. Prints the PDF's size and pages. The whole process, start-up included, against another
copy of the code: ``bench/report_cli.py``.

    python bench/report.py [--programme psr] [--period 2014-H2] [--lang kk] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kzlogframe.catalog import load_catalog  # noqa: E402
from kzlogframe.report_files import report_figures  # noqa: E402
from kzlogframe.report_html import render_html  # noqa: E402
from kzlogframe.report_pdf import to_pdf  # noqa: E402
from kzlogframe.report_state import current_report  # noqa: E402

TARGET_SECONDS = 10.0


def one_pdf(db: Path, programme: str, period: str, lang: str) -> tuple[bytes, dict[str, float]]:
    """The PDF and the seconds spent in each step."""
    steps, start = {}, time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        steps[name], start = now - start, now

    lf = load_catalog()[programme]
    chosen = lf.reporting_period(period)
    report = current_report(lf, chosen, lang, db)
    lap("build")
    figures = report_figures(report)
    html = render_html(report, dict.fromkeys(figures, ""))
    lap("charts and html")
    pdf = to_pdf(html, figures)
    lap("pdf with its charts")
    return pdf, steps


def show(label: str, steps: dict[str, float]) -> float:
    total = sum(steps.values())
    parts = " + ".join(f"{name} {seconds:.2f}" for name, seconds in steps.items())
    print(f"{label}: {parts} = {total:.2f} s (target < {TARGET_SECONDS:.0f} s: "
          f"{'ok' if total < TARGET_SECONDS else 'MISSED'})")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programme", default="psr")
    parser.add_argument("--period", default="2014-H2")
    parser.add_argument("--lang", default="kk", choices=["kk", "en", "ru"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(db), "demo"], cwd=ROOT, check=True,
                       capture_output=True)
        print(f"demo database: {time.perf_counter() - started:.2f} s")
        pdf, cold = one_pdf(db, args.programme, args.period, args.lang)
        show(f"cold ({args.programme} {args.period} {args.lang})", cold)
        warm = [one_pdf(db, args.programme, args.period, args.lang)[1] for _ in range(args.runs)]
        show(f"warm, best of {args.runs}", min(warm, key=lambda steps: sum(steps.values())))
    print(f"PDF: {len(pdf) / 1024:.0f} KiB, {len(PdfReader(io.BytesIO(pdf)).pages)} pages")


if __name__ == "__main__":
    main()
