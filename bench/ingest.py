"""Benchmark: import 1,000,000 CSV rows (validated and committed) against DuckDB's bare read_csv.

    python bench/ingest.py [--rows 1000000]

Prints both timings from the same run, their ratio (target <= 3) and the peak memory of the
process (target < 1.5 GB). Uses the bundled logframes and a throw-away database.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kzlogframe.catalog import load_catalog  # noqa: E402
from kzlogframe.ingest import import_csv  # noqa: E402


def write_csv(path: Path, rows: int) -> None:
    """A realistic upload: every PSR/KAZLOD indicator, semesters, disaggregations, Kazakh comments."""
    catalog = load_catalog()
    indicators = [(code, ind.code, ind.type.value, [d.value for d in ind.disaggregation],
                   lf.programme.disaggregation_values)
                  for code, lf in catalog.items() for _, ind in lf.indicators()]
    specs = []
    for code, ind, kind, dims, values in indicators:
        sex = values.sex if "sex" in dims else [""]
        oblast = values.oblast if "oblast" in dims else [""]
        ministry = values.ministry if "ministry" in dims else [""]
        specs += [(code, ind, kind, s, o, m) for s in sex for o in oblast for m in ministry]
    with duckdb.connect() as con:
        con.execute("CREATE TABLE spec (programme VARCHAR, indicator VARCHAR, kind VARCHAR, sex VARCHAR, "
                    "oblast VARCHAR, ministry VARCHAR)")
        con.executemany("INSERT INTO spec VALUES (?, ?, ?, ?, ?, ?)", specs)
        # Unique keys: each spec row gets a distinct day inside the programme window (2011-07-01 + n days).
        con.execute(f"""
            COPY (
                SELECT s.programme, s.indicator,
                       strftime(DATE '2011-07-01' + CAST(g.i // n.cnt AS INTEGER), '%d.%m.%Y') AS period,
                       CASE WHEN s.kind = 'milestone' THEN 'иә' ELSE replace(CAST(round(random() * 100, 2) AS VARCHAR), '.', ',') END AS value,
                       s.sex, s.oblast, s.ministry, 'Есеп, облыс әкімдігі' AS source, 'түсініктеме №' || g.i AS comment
                FROM range({rows}) g(i)
                CROSS JOIN (SELECT count(*) AS cnt FROM spec) n
                JOIN (SELECT *, row_number() OVER () - 1 AS k FROM spec) s ON s.k = g.i % n.cnt
                WHERE g.i // n.cnt < 2500
            ) TO '{path}' (HEADER, DELIMITER ';')""")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, db = Path(tmp) / "upload.csv", Path(tmp) / "bench.duckdb"
        write_csv(csv_path, args.rows)
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
