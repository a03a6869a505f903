"""Benchmark: whole-process CLI imports against a whole-process bare DuckDB ``read_csv`` of the same file.

    python bench/import_cli.py [--rows 1000000] [--store-rows 0] [--rounds 3] [--kinds utf8,cp1251-ascii,...]

What a user pays: each figure is a fresh ``python3 -m kzlogframe --db STORE import FILE`` process
(start-up, catalog loading, checks, commit), its wall time and peak memory (the kernel's ru_maxrss of
the finished child, from ``os.wait4``). The baseline is a fresh ``python3 -c`` process that opens
DuckDB and runs ``CREATE TABLE t AS SELECT * FROM read_csv(FILE, delim = ';', header = true, ignore_errors = true)`` (for
Windows-1251 files with ``encoding = 'latin-1'``: DuckDB reads no cp1251, and latin-1 is the same
one pass over the same bytes). Bare read and import alternate within each round; the table gives
medians and the median of the per-round ratios (target <= 3) and import peak memory (targets
< 1.5 GB at 1 M rows, < 3 GB at 5 M).

File kinds, as TA teams write them (52 synthetic programmes of bench/progress.py, semicolons,
decimal commas, 14 half-years): ``utf8`` (Kazakh text), ``cp1251-ascii`` (what Excel makes of the
English template: ASCII header, Russian text in Windows-1251), ``cp1251-cyrillic`` (Russian header),
``malformed`` (UTF-8, every 100th line lacks a field: 1 %), ``duplicates`` (UTF-8, every 10th
line repeats the one before: 10 %). ``--programme p01`` keeps one programme's rows (one team's upload). ``--store-rows N`` imports into a copy of a store already
holding N measurements (whole portfolios, the same keys re-measured), made once per run, copied
before each import outside the timing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import ingest as ingest_bench  # noqa: E402  (bench/ingest.py)

KINDS = ("utf8", "cp1251-ascii", "cp1251-cyrillic", "malformed", "duplicates")
RU_HEADER = "программа;показатель;период;значение;пол;область;министерство;источник;комментарий;числитель;знаменатель"
BARE = ("import duckdb, sys\n"
        "duckdb.connect().execute(\"CREATE TABLE t AS SELECT * FROM read_csv(?, delim = ';', header = true, ignore_errors = true, "
        "encoding = ?)\", [sys.argv[1], sys.argv[2]])")


def write_logframes(folder: Path, catalog: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for code, lf in catalog.items():
        (folder / f"{code}.yaml").write_text(yaml.safe_dump(lf.model_dump(mode="json", exclude_none=True),
                                                            allow_unicode=True), encoding="utf-8")


def write_files(folder: Path, rows: int, kinds: list[str], programme: str | None = None) -> tuple[dict, dict[str, Path]]:
    catalog, data = ingest_bench.portfolio(1_000_000 if programme else rows)
    if programme:
        data = data[data.programme == programme].head(rows)
    utf8 = folder / f"utf8-{rows}.csv"
    ingest_bench.write_csv(utf8, data, catalog)
    files = {"utf8": utf8}
    lines = utf8.read_text(encoding="utf-8").splitlines(keepends=True)
    russian = [line.replace("Облыс әкімдігінің есебі", "Отчёт акимата области").replace("түсініктеме", "комментарий")
               .replace("иә", "да") for line in lines]
    if "cp1251-ascii" in kinds:
        files["cp1251-ascii"] = folder / f"cp1251-ascii-{rows}.csv"
        files["cp1251-ascii"].write_bytes("".join(russian).encode("cp1251"))
    if "cp1251-cyrillic" in kinds:
        files["cp1251-cyrillic"] = folder / f"cp1251-cyrillic-{rows}.csv"
        files["cp1251-cyrillic"].write_bytes("".join([RU_HEADER + "\n", *russian[1:]]).encode("cp1251"))
    if "malformed" in kinds:
        files["malformed"] = folder / f"malformed-{rows}.csv"
        files["malformed"].write_text("".join(line.rsplit(";", 1)[0] + "\n" if n and n % 100 == 0 else line
                                              for n, line in enumerate(lines)), encoding="utf-8")
    if "duplicates" in kinds:
        files["duplicates"] = folder / f"duplicates-{rows}.csv"
        out = []
        for n, line in enumerate(lines):
            out.append(line)
            if n and n % 9 == 0:
                out.append(line)
        files["duplicates"].write_text("".join(out), encoding="utf-8")
    return catalog, {k: v for k, v in files.items() if k in kinds}


def build_store(path: Path, rows: int, catalog: dict) -> None:
    """A store holding ``rows`` measurements: the portfolio committed again and again (values moved a
    little each time), each batch written as the importer writes it (sorted by indicator)."""
    from kzlogframe.store import connect

    _, data = ingest_bench.portfolio(1_000_000)
    with connect(path) as con:
        con.register("data", data)
        done, batch = 0, 0
        while done < rows:
            batch += 1
            take = min(len(data), rows - done)
            con.execute("INSERT INTO upload_batch VALUES (?, 'store.csv', ?, 'bench', now(), ?, ?, 0, NULL, "
                        "'committed', NULL, NULL)", [batch, f"store-{batch}", take, take])
            con.execute("INSERT INTO batch_review VALUES (nextval('review_seq'), ?, 'approved', NULL, 'bench', now())",
                        [batch])  # counted, as an approved upload
            con.execute("""INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label,
                               period_start, period_end, value, value_text, numerator, denominator, sex, oblast,
                               ministry, source, comment, evidence_url, recorded_at)
                           SELECT ? + row_number() OVER (), ?, NULL, programme, indicator, period_label, period_start,
                                  period_end, value * (1 + ? / 100), NULL, numerator, denominator, sex, oblast,
                                  ministry, source, NULL, NULL, now() + to_seconds(?)
                           FROM (SELECT * FROM data LIMIT ?) ORDER BY programme, indicator""",
                        [done, batch, batch, batch, take])
            con.execute("SELECT nextval('batch_seq')")
            done += take
        con.unregister("data")


def run(command: list[str], env: dict) -> tuple[float, float, int]:
    """Wall seconds, peak memory (MB) and exit status of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    err = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode:
        print(err[-2000:], file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--store-rows", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--dir", help="keep files here (default: a temporary directory)")
    parser.add_argument("--programme", help="rows of this programme only (one TA team's upload), e.g. p01")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    if args.generate:
        folder = Path(args.dir)
        if all((folder / f"{kind}-{args.rows}.csv").exists() for kind in kinds):
            catalog, _ = ingest_bench.portfolio(1)
        else:
            catalog, _ = write_files(folder, args.rows, kinds, args.programme)
        write_logframes(folder / "logframes", catalog)
        base = folder / f"store-{args.store_rows}.duckdb"
        if args.store_rows and not base.exists():
            build_store(base, args.store_rows, catalog)
        return
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="kzlf-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        # Files, logframes and the store are made in a child process, so that this one stays small: a
        # child's peak memory counts the pages it shares with its parent until it executes its program.
        subprocess.run([sys.executable, __file__, "--generate", "--rows", str(args.rows), "--store-rows",
                        str(args.store_rows), "--kinds", args.kinds, "--dir", str(folder)]
                       + (["--programme", args.programme] if args.programme else []), check=True)
        files = {kind: folder / f"{kind}-{args.rows}.csv" for kind in kinds}
        base = folder / f"store-{args.store_rows}.duckdb"
        env = {**os.environ, "KZLOGFRAME_LOGFRAMES": str(folder / "logframes")}
        env.pop("KZLOGFRAME_DB", None)
        load = os.getloadavg()
        print(f"{args.rows:,} rows into a store of {args.store_rows:,}; {args.rounds} rounds; "
              f"load average before: {load[0]:.2f}")
        print("| file | MB | bare read_csv s | import s | ratio | import peak MB | bare peak MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind, path in files.items():
            encoding = "latin-1" if kind.startswith("cp1251") else "utf-8"
            bares, imports, ratios, peaks, bare_peaks = [], [], [], [], []
            for _ in range(args.rounds):
                bare, bare_peak, status = run([sys.executable, "-c", BARE, str(path), encoding], env)
                assert status == 0
                store = folder / "run.duckdb"
                for stale in (store, Path(f"{store}.wal")):
                    stale.unlink(missing_ok=True)
                if args.store_rows:
                    shutil.copy(base, store)
                wall, peak, status = run([sys.executable, "-m", "kzlogframe", "--db", str(store), "import", str(path)],
                                         env)
                assert status == 0, kind
                bares.append(bare)
                imports.append(wall)
                ratios.append(wall / bare)
                peaks.append(peak)
                bare_peaks.append(bare_peak)
            print(f"| {kind} | {path.stat().st_size / 1e6:.0f} | {statistics.median(bares):.2f} | "
                  f"{statistics.median(imports):.2f} | {statistics.median(ratios):.2f} | "
                  f"{max(peaks):,.0f} | {max(bare_peaks):,.0f} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
