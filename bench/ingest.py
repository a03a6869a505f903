"""Benchmark: import 1,000,000 CSV rows (validated and committed) against DuckDB's bare read_csv,
and an XLSX of 100,000 rows against openpyxl reading the same workbook in read-only mode.

    python bench/ingest.py [--rows 1000000] [--xlsx-rows 100000] [--rounds 3] [--only csv|xlsx]

Reads the same file both ways in alternating rounds (the bare read into an in-memory table, the
import into a new store file each round) and prints every round, the medians, their ratio (target
<= 3) and the peak memory of the process (target < 1.5 GB). The data is the synthetic portfolio of
bench/progress.py with two more programmes (52, so that there are a million distinct
measurements); the peak includes generating it. The XLSX holds the first ``--xlsx-rows`` of the same
rows as Excel stores them (numbers as numbers, periods as text, Kazakh text); its import (the sheet
read into the CSV the importer checks, then the same checks and commit) is compared with the floor
any XLSX reader pays: openpyxl's read-only mode iterating every row's values.
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
import openpyxl
import pandas as pd
import xlsxwriter

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


def write_xlsx(path: Path, data: pd.DataFrame, catalog: dict) -> None:
    """The rows of :func:`write_csv` as a workbook: values as numbers (a milestone as иә or 0), periods
    as text, the same Kazakh source and comment."""
    milestones = {i.code for lf in catalog.values() for _, i in lf.indicators() if i.type.value == "milestone"}
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Деректер")
    sheet.write_row(0, 0, ["programme", "indicator", "period", "value", "sex", "oblast", "ministry", "source",
                           "comment", "numerator", "denominator"])
    for r, row in enumerate(data.itertuples(index=False), start=1):
        value = ("иә" if row.value == 1 else "0") if row.indicator in milestones else float(row.value)
        cells = [row.programme, row.indicator, row.period_label, value, row.sex, row.oblast, row.ministry,
                 "Облыс әкімдігінің есебі", f"түсініктеме №{r}", row.numerator, row.denominator]
        for c, cell in enumerate(cells):
            if cell is not None and not (isinstance(cell, float) and cell != cell):
                sheet.write(r, c, cell)
    book.close()


def openpyxl_read(xlsx_path: Path) -> tuple[float, int]:
    """openpyxl in read-only mode, every row's values: what reading the workbook costs at least."""
    start = time.perf_counter()
    book = openpyxl.load_workbook(xlsx_path, read_only=True, data_only=True)
    rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return time.perf_counter() - start, rows


def bench_xlsx(catalog: dict, data: pd.DataFrame, rounds: int, tmp: Path) -> None:
    xlsx_path = tmp / "upload.xlsx"
    write_xlsx(xlsx_path, data, catalog)
    print(f"xlsx: {len(data):,} rows, {xlsx_path.stat().st_size / 1e6:.1f} MB")
    reads, ours = [], []
    for round_ in range(1, rounds + 1):
        read, read_rows = openpyxl_read(xlsx_path)
        start = time.perf_counter()
        report = import_csv(xlsx_path, catalog, User("bench", "admin"), db=tmp / f"bench-xlsx-{round_}.duckdb")
        ours.append(time.perf_counter() - start)
        reads.append(read)
        print(f"xlsx round {round_}: openpyxl read-only {read:5.2f} s ({read_rows:,} rows); import {ours[-1]:5.2f} s "
              f"({report.accepted_total:,} accepted, {len(report.rejected):,} rejected, {report.status}); "
              f"ratio {ours[-1] / read:.2f}")
    read, mine = statistics.median(reads), statistics.median(ours)
    print(f"openpyxl read-only, median:                      {read:6.2f} s")
    print(f"kzlogframe xlsx import, median:                  {mine:6.2f} s")
    print(f"xlsx ratio of medians: {mine / read:.2f}")


def bare_read(csv_path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("CREATE TABLE bare AS SELECT * FROM read_csv(?, delim = ';', header = true)", [str(csv_path)])
        rows = con.execute("SELECT count(*) FROM bare").fetchone()[0]
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="at most the portfolio's 1,004,640")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["csv", "xlsx"], help="run one of the two benchmarks")
    args = parser.parse_args()
    catalog, data = portfolio(max(args.rows, args.xlsx_rows))
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "csv":
            bench_xlsx(catalog, data.head(args.xlsx_rows), args.rounds, Path(tmp))
        if args.only == "xlsx":
            return
        data = data.head(args.rows)
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
