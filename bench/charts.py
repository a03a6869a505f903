"""Benchmark: the Export page's "all charts" zip, PNG and SVG of every indicator chart with data.

Target: < 3 s warm for KAZLOD's 43 charts (86 images); one render after another took 14-16 s.
Times ``charts_zip`` on the figures the Export page builds (demo data, Kazakh, assessed at the end
of the data). Cold is a fresh process (kaleido starts Chromium and its tabs), warm a process whose
browser already runs; each is the median of ``--rounds`` rounds. Uses the demo database, built in a
temporary directory.

    python bench/charts.py [--programme kazlod] [--lang kk] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kzlogframe.catalog import load_catalog  # noqa: E402
from kzlogframe.chart_export import TABS, charts_zip  # noqa: E402
from kzlogframe.charts import indicator_chart  # noqa: E402
from kzlogframe.measurements import current_measurements, data_as_of  # noqa: E402
from kzlogframe.progress import indicator_progress, series  # noqa: E402

TARGET_SECONDS = 3.0


def figures(db: Path, programme: str, lang: str) -> tuple[dict[str, go.Figure], dict[str, float]]:
    """Every indicator chart with data, as views/export.py builds them, and the seconds spent on
    the data (progress and chart series) and on the figures."""
    started = time.perf_counter()
    lf = load_catalog()[programme]
    measured = current_measurements(programme, db)
    as_of = min(data_as_of(programme, db) or dt.date.today(), lf.end_date)
    expected = indicator_progress(measured, {programme: lf}, as_of).set_index("indicator")["expected"]
    with_data = [ind for _, ind in lf.indicators() if ind.code in set(measured["indicator"])]
    points = {ind.code: series(measured, ind.code, lf) for ind in with_data}
    built = time.perf_counter()
    charts = {ind.code: indicator_chart(points[ind.code], ind, lang, as_of, expected.get(ind.code)) for ind in with_data}
    return charts, {"data": built - started, "figures": time.perf_counter() - built}


def timed_zip(charts: dict[str, go.Figure]) -> tuple[float, int]:
    """Seconds for one zip, and its size in bytes."""
    started = time.perf_counter()
    data = charts_zip(charts)
    return time.perf_counter() - started, len(data)


def cold_round(db: Path, programme: str, lang: str) -> float:
    """One zip in a fresh process, browser start included (this script run with --cold)."""
    result = subprocess.run([sys.executable, __file__, "--cold", "--db", str(db), "--programme", programme,
                             "--lang", lang], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(result.stdout.split()[-1])


def show(label: str, rounds: list[float]) -> None:
    median = statistics.median(rounds)
    print(f"{label}: median {median:.2f} s of {len(rounds)} rounds ({', '.join(f'{s:.2f}' for s in rounds)}) "
          f"(target < {TARGET_SECONDS:.0f} s warm: {'ok' if median < TARGET_SECONDS else 'MISSED'})"
          if label.startswith("warm") else
          f"{label}: median {median:.2f} s of {len(rounds)} rounds ({', '.join(f'{s:.2f}' for s in rounds)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programme", default="kazlod")
    parser.add_argument("--lang", default="kk", choices=["kk", "en", "ru"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold:
        print(timed_zip(figures(args.db, args.programme, args.lang)[0])[0])
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(db), "demo"], cwd=ROOT, check=True,
                       capture_output=True)
        charts, built = figures(db, args.programme, args.lang)
        print(f"{len(charts)} {args.programme} charts in {args.lang} ({2 * len(charts)} images, {TABS} kaleido tabs); "
              f"before the zip: data {built['data']:.2f} s, figures {built['figures']:.2f} s")
        show("cold (fresh process, Chromium start included)",
             [cold_round(db, args.programme, args.lang) for _ in range(args.rounds)])
        timed_zip(charts)  # starts this process's browser
        warm = [timed_zip(charts) for _ in range(args.rounds)]
        show("warm", [seconds for seconds, _ in warm])
        print(f"zip: {warm[-1][1] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
