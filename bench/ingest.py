"""Benchmark: import 1,000,000 CSV rows (validated and committed) against DuckDB's bare read_csv.

    python bench/ingest.py [--rows 1000000] [--rounds 3]

Reads the same file both ways in alternating rounds (the bare read into an in-memory table, the
import into a new store file each round) and prints every round, the medians, their ratio (target
<= 3) and the peak memory of the process (target < 1.5 GB). The data is the synthetic portfolio of
bench/progress.py with two more programmes (52, so that there are a million distinct
measurements); the peak includes generating it.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import progress as portfolio_bench  # noqa: E402  (bench/progress.py)
from kzlogframe.access import User  # noqa: E402
from kzlogframe.ingest import import_csv  # noqa: E402


def portfolio(rows: int) -> tuple[dict, pd.DataFrame]:
    """The progress benchmark's synthetic portfolio (here 52 programmes × 40 indicators, disaggregated
    by oblast/ministry and sex, 14 semesters): 1,004,640 distinct measurements, cut to ``rows``."""
    catalog = {lf.programme.code: lf for lf in (portfolio_bench.logframe(n) for n in range(1, 53))}
    return catalog, portfolio_bench.measurements(catalog).head(rows)


def write_csv(path: Path, data: pd.DataFrame, catalog: dict) -> None:
    """As a TA team writes it: semicolon, decimal comma, иә for a milestone done, Kazakh text in
    source and comment."""
    milestones = pd.DataFrame({"indicator": [i.code for lf in catalog.values() for _, i in lf.indicators()
                                             if i.type.value == "milestone"]})
    with duckdb.connect() as con:
        con.register("data", data)
        con.register("milestones", milestones)
        con.execute(f"""
            COPY (SELECT programme, indicator, period_label AS period, CASE WHEN indicator IN (SELECT indicator FROM milestones)
                              THEN CASE WHEN value = 1 THEN 'иә' ELSE '0' END
                              ELSE replace(CAST(value AS VARCHAR), '.', ',') END AS value,
                         sex, oblast, ministry, 'Облыс әкімдігінің есебі' AS source, 'түсініктеме №' || row_number() OVER () AS comment,
                         numerator, denominator
                  FROM data) TO '{path}' (HEADER, DELIMITER ';')""")


def bare_read(csv_path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("CREATE TABLE bare AS SELECT * FROM read_csv(?, delim = ';', header = true)", [str(csv_path)])
        rows = con.execute("SELECT count(*) FROM bare").fetchone()[0]
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="at most the portfolio's 1,004,640")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    catalog, data = portfolio(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "upload.csv"
        write_csv(csv_path, data, catalog)
        del data
        print(f"file: {csv_path.stat().st_size / 1e6:.0f} MB")
        bares, ours = [], []
        for round_ in range(1, args.rounds + 1):
            bare, bare_rows = bare_read(csv_path)
            start = time.perf_counter()
            report = import_csv(csv_path, catalog, User("bench", "admin"), db=Path(tmp) / f"bench-{round_}.duckdb")
            ours.append(time.perf_counter() - start)
            bares.append(bare)
            print(f"round {round_}: bare read_csv {bare:5.2f} s ({bare_rows:,} rows); import {ours[-1]:5.2f} s "
                  f"({report.accepted_total:,} accepted, {len(report.rejected):,} rejected, {report.status}); "
                  f"ratio {ours[-1] / bare:.2f}")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bare, mine = statistics.median(bares), statistics.median(ours)
    print(f"duckdb read_csv (bare), median:                  {bare:6.2f} s")
    print(f"kzlogframe import (validated, committed), median: {mine:6.2f} s")
    print(f"ratio of medians: {mine / bare:.2f} (target <= 3)")
    print(f"peak memory: {peak_mb:,.0f} MB (target < 1500)")


if __name__ == "__main__":
    main()
