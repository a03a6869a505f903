"""Benchmark: import 1,000,000 CSV rows (validated and committed) against DuckDB's bare read_csv.

    python bench/ingest.py [--rows 1000000]

Prints both timings from the same run, their ratio (target <= 3) and the peak memory of the
process (target < 1.5 GB). Uses the synthetic portfolio of bench/progress.py and a throw-away
database; the peak includes generating the data.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import progress as portfolio_bench  # noqa: E402  (bench/progress.py)
from kzlogframe.ingest import import_csv  # noqa: E402


def portfolio(rows: int) -> tuple[dict, pd.DataFrame]:
    """The progress benchmark's synthetic portfolio (50 programmes × 40 indicators, disaggregated by
    oblast/ministry and sex, 14 semesters): about a million distinct measurements, cut to ``rows``."""
    catalog = {lf.programme.code: lf for lf in (portfolio_bench.logframe(n) for n in range(1, 51))}
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="at most the portfolio's ~966,000")
    args = parser.parse_args()
    catalog, data = portfolio(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, db = Path(tmp) / "upload.csv", Path(tmp) / "bench.duckdb"
        write_csv(csv_path, data, catalog)
        del data
        size_mb = csv_path.stat().st_size / 1e6

        start = time.perf_counter()
        with duckdb.connect() as con:
            con.execute("CREATE TABLE bare AS SELECT * FROM read_csv(?, delim = ';', header = true)",
                        [str(csv_path)])
            bare_rows = con.execute("SELECT count(*) FROM bare").fetchone()[0]
        bare = time.perf_counter() - start

        start = time.perf_counter()
        report = import_csv(csv_path, catalog, user="bench", db=db)
        ours = time.perf_counter() - start

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accepted = report.accepted.attrs.get("total")
    print(f"file: {bare_rows:,} rows, {size_mb:.0f} MB")
    print(f"duckdb read_csv (bare):        {bare:6.2f} s")
    print(f"kzlogframe import (validated, committed): {ours:6.2f} s  "
          f"({accepted:,} accepted, {len(report.rejected):,} rejected, status {report.status})")
    print(f"ratio: {ours / bare:.2f} (target <= 3)")
    print(f"peak memory: {peak_mb:,.0f} MB (target < 1500)")


if __name__ == "__main__":
    main()
