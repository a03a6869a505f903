"""Both stores side by side in one run: whole-process imports, four imports at once, the Overview.

For each round and each store (a new DuckDB file; a new DuckLake catalog database on a local
PostgreSQL cluster started for the run by ``scripts/pg_local.sh``, through the tests' helper):

* ``import``: ``python3 -m kzlogframe --db STORE import FILE`` of the synthetic portfolio (``--rows``);
* ``4 at once``: the same rows split into four files of disjoint programmes, imported by four CLI
  processes started together into another new store: the wall time until the last one is done; every
  process must succeed and the store must then hold every row (nothing lost, no lock error);
* ``overview cold`` / ``warm``: a fresh process runs the app's Overview in Streamlit's AppTest on the
  first store, twice (the first run pays imports, the catalog and the queries; the second the page).

    python3 bench/backends.py --rows 100000 --rounds 3

Medians of the rounds. The cluster runs with ``PG_FAST=1`` (no fsync), as the tests' does: a
production server with fsync pays more per commit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import ingest as ingest_bench  # noqa: E402  (bench/ingest.py)
from import_cli import write_logframes  # noqa: E402
from tests.postgres import Cluster  # noqa: E402

PAGE = """
import sys, time
from streamlit.testing.v1 import AppTest
times = []
for _ in range(2):
    start = time.perf_counter()
    at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
    assert not at.exception, at.exception
    times.append(time.perf_counter() - start)
print(*times)
"""


def split_files(folder: Path, rows: int, parts: int) -> tuple[dict, Path, list[Path]]:
    """The portfolio as one file, and as ``parts`` files of disjoint programmes."""
    catalog, data = ingest_bench.portfolio(rows)
    whole = folder / f"all-{rows}.csv"
    ingest_bench.write_csv(whole, data, catalog)
    codes = sorted(data["programme"].unique())
    files = []
    for n in range(parts):
        part = data[data["programme"].isin(codes[n::parts])]
        files.append(folder / f"part-{n + 1}.csv")
        ingest_bench.write_csv(files[-1], part, catalog)
    return catalog, whole, files


def import_once(store: str, path: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kzlogframe", "--db", store, "import", str(path)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_together(store: str, paths: list[Path], env: dict) -> float:
    start = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", store, "--user", f"team{n}", "import",
                                   str(path)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for n, path in enumerate(paths)]
    errors = [p.communicate()[1].decode(errors="replace") for p in processes]
    wall = time.perf_counter() - start
    failed = [(p.args[-1], e[-500:]) for p, e in zip(processes, errors) if p.returncode]
    if failed:
        raise SystemExit(f"imports at once failed on {store}: {failed}")
    return wall


def stored_rows(store: str, env: dict) -> int:
    script = ("import sys\nfrom kzlogframe.store import connect\nwith connect(sys.argv[1], write=False) as c:\n"
              "    print(c.execute('SELECT count(*) FROM measurement_current').fetchone()[0])")
    return int(subprocess.run([sys.executable, "-c", script, store], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout)


def overview(store: str, env: dict) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", PAGE, str(ROOT / "app.py")], cwd=ROOT, check=True, text=True,
                         capture_output=True, env={**env, "KZLOGFRAME_DB": store}).stdout
    cold, warm = (float(x) for x in out.split())
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kzlogframe-backends-"))
    catalog, whole, parts = split_files(work, args.rows, 4)
    write_logframes(work / "logframes", catalog)
    env = {**os.environ, "KZLOGFRAME_LOGFRAMES": str(work / "logframes"), "KZLOGFRAME_DATA_PATH": str(work / "lake"),
           "KZLOGFRAME_REVIEW": "off", "PYTHONPATH": str(ROOT)}
    os.environ["KZLOGFRAME_DATA_PATH"] = env["KZLOGFRAME_DATA_PATH"]  # the helper rewrites a copied catalog's path
    cluster = Cluster.start()
    results: dict[str, list[tuple[float, ...]]] = {"duckdb": [], "ducklake": []}
    try:
        files = iter(work / f"store-{n}.duckdb" for n in range(1, 1000))
        for round_ in range(1, args.rounds + 1):
            for backend in results:
                first, second = ((str(next(files)), str(next(files))) if backend == "duckdb"
                                 else (cluster.new_database(migrated=True), cluster.new_database(migrated=True)))
                single = import_once(first, whole, env)
                together = import_together(second, parts, env)
                if stored_rows(second, env) != stored_rows(first, env):
                    raise SystemExit(f"{backend}: the four imports at once stored a different number of rows")
                cold, warm = overview(first, env)
                results[backend].append((single, together, cold, warm))
                print(f"round {round_} {backend}: import {single:.2f} s, 4 at once {together:.2f} s, "
                      f"overview cold {cold:.2f} s, warm {warm:.2f} s", flush=True)
    finally:
        cluster.stop()
    print(f"\n{args.rows:,} rows, medians of {args.rounds}, load average {os.getloadavg()[0]:.1f}\n")
    print("| store | import s | rows/s | 4 imports at once s | Overview cold s | Overview warm s |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend, rows in results.items():
        single, together, cold, warm = (statistics.median(column) for column in zip(*rows))
        print(f"| {backend} | {single:.2f} | {args.rows / single:,.0f} | {together:.2f} | {cold:.2f} | {warm:.2f} |")


if __name__ == "__main__":
    main()
