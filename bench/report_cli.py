"""Benchmark: the CLI report as a whole process, against another copy of the code in the same run.

    python bench/report_cli.py --baseline-tree DIR [--formats pdf,docx] [--runs 5] [--lang kk]

What a user pays for ``python3 -m kzlogframe report psr 2014-H2 --format FMT`` on the demo data
(README's command): start-up, catalog, the report model, the charts and the file. Each tree gets
its own demo database (``python3 -m kzlogframe --db DB demo``, made once, outside the timing). After
one warm-up each, this tree (A) and the baseline tree (B) run in turn, A B A B …, through
``/usr/bin/time`` (wall seconds, the largest process's peak memory); the table gives the median
and range of each, and the median of the per-pair ratios A/B, which holds when the machine's speed
drifts. Bytecode of the baseline tree goes to a temporary ``PYTHONPYCACHEPREFIX``, so its
directory is only read (e.g. ``--baseline-tree /work/main`` or ``git archive COMMIT | tar -x -C DIR``).
Target (issue 19): the CLI PDF < 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from pages import whole_process  # noqa: E402  (bench/pages.py: wall seconds and peak MB of one process)


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f} {unit} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-tree", type=Path, required=True)
    parser.add_argument("--formats", default="pdf,docx")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lang", default="kk", choices=["kk", "en", "ru"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-cli-") as tmp:
        work = Path(tmp)
        trees = {"A (this tree)": ROOT, "B (baseline)": args.baseline_tree.resolve()}
        envs = {}
        for name, tree in trees.items():
            env = {**os.environ, "KZLOGFRAME_DB": str(work / f"{name[0]}.duckdb"),
                   "PYTHONPYCACHEPREFIX": str(work / f"pycache-{name[0]}")}
            subprocess.run([sys.executable, "-m", "kzlogframe", "demo"], cwd=tree, env=env, check=True,
                           capture_output=True)
            envs[name] = env
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        for fmt in args.formats.split(","):
            figures: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for run in range(args.runs + 1):  # the first round warms up and is not counted
                for name, tree in trees.items():
                    out = work / f"{name[0]}.{fmt}"
                    result = whole_process([sys.executable, "-m", "kzlogframe", "report", "psr", "2014-H2", "--format",
                                            fmt, "--lang", args.lang, "-o", str(out)], envs[name], tree)
                    if run:
                        figures[name].append(result)
            for name, runs in figures.items():
                print(f"{fmt} {name}: wall {spread([r[0] for r in runs], 's')}, "
                      f"peak {spread([r[1] for r in runs], 'MB', 0)}")
            a, b = figures.values()
            print(f"{fmt} ratio A/B (pair by pair): wall {spread([x[0] / y[0] for x, y in zip(a, b)], '')}")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
