"""Soak: kill (SIGKILL) whole-process CLI imports of a large file at random moments, and check after
each kill that measurements, batches, quarantine and the audit log agree (tests/test_faults.py does
the same 24 times on a smaller file).

    python bench/import_soak.py [--rows 1000000] [--kills 50] [--seed 2011] [--dir DIR]

Half the kills land at a uniform random moment of the whole run, the other half inside the store
window (watched on the writers' turnstile lock), at a uniform random moment of it. Each kill starts
from a copy of a store that already holds one committed batch. Prints one line per kill and a summary;
exits 1 at the first inconsistency.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from kzlogframe.access import User  # noqa: E402
from kzlogframe.audit import verify_audit_chain  # noqa: E402
from kzlogframe.catalog import load_catalog  # noqa: E402
from kzlogframe.ingest import import_csv  # noqa: E402
from kzlogframe.store import _turnstile, connect  # noqa: E402


def in_window(db: Path) -> bool:
    fd = os.open(_turnstile.lock_file(db), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def check(db: Path) -> tuple[list, int]:
    with connect(db) as con:
        batches = con.execute("SELECT id, rows_accepted, status FROM upload_batch ORDER BY id").fetchall()
        per_batch = dict(con.execute("SELECT batch_id, count(*) FROM measurement WHERE batch_id > 0 GROUP BY 1")
                         .fetchall())
        negative = con.execute("SELECT count(*) FROM measurement WHERE batch_id < 0").fetchone()[0]
        quarantined = con.execute("SELECT coalesce(sum(rows), 0) FROM measurement_quarantine").fetchone()[0]
        uploads = con.execute("SELECT target FROM audit_log WHERE action = 'upload' ORDER BY id").fetchall()
    problems = []
    if per_batch != {b: n for b, n, _ in batches}:
        problems.append(f"rows per batch {per_batch} != batches {batches}")
    if negative != quarantined:
        problems.append(f"{negative} quarantined rows, {quarantined} recorded")
    if uploads != [(f"batch {b}",) for b, _, _ in batches]:
        problems.append(f"upload audit entries {uploads} != batches {batches}")
    audit = verify_audit_chain(db)
    if not audit.ok:
        problems.append(f"audit chain: {audit.reason}")
    if problems:
        raise SystemExit("INCONSISTENT: " + "; ".join(problems))
    return batches, quarantined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--dir")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="kzlf-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(HERE / "import_cli.py"), "--generate", "--rows", str(args.rows),
                    "--kinds", "utf8", "--dir", str(folder)], check=True)
    csv, logframes = folder / f"utf8-{args.rows}.csv", folder / "logframes"
    os.environ["KZLOGFRAME_LOGFRAMES"] = str(logframes)
    catalog = load_catalog()
    first = folder / "first.csv"
    first.write_text("programme;indicator;period;value\n" + next(
        f"{code};{ind.code};2011-H2;1" for code, lf in catalog.items() for _, ind in lf.indicators()
        if ind.type.value == "milestone") + "\n", encoding="utf-8")
    template = folder / "template.duckdb"
    template.unlink(missing_ok=True)
    assert import_csv(first, catalog, User("soak", "admin"), db=template).status == "committed"

    def start(db: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(csv)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    db = folder / "soak.duckdb"
    shutil.copy(template, db)
    process, begun, window_at = start(db), time.perf_counter(), None
    while process.poll() is None:
        if window_at is None and in_window(db):
            window_at = time.perf_counter() - begun
        time.sleep(0.002)
    total = time.perf_counter() - begun
    accepted = check(db)[0][-1][1]
    print(f"undisturbed: {total:.2f} s, store window from {window_at:.2f} s; {accepted:,} rows accepted")
    rng, outcomes = random.Random(args.seed), {"committed": 0, "nothing": 0, "quarantined rows": 0}
    for kill in range(args.kills):
        db.unlink(missing_ok=True)
        Path(f"{db}.wal").unlink(missing_ok=True)
        shutil.copy(template, db)
        process, begun = start(db), time.perf_counter()
        if kill % 2:
            while not in_window(db) and process.poll() is None:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, total - window_at))
        else:
            time.sleep(rng.uniform(0, total))
        at = time.perf_counter() - begun
        process.send_signal(signal.SIGKILL)
        process.wait()
        batches, quarantined = check(db)
        outcome = "committed" if len(batches) == 2 else "nothing"
        if outcome == "committed" and batches[1][1] != accepted:
            raise SystemExit(f"INCONSISTENT: batch of {batches[1][1]} rows, expected {accepted}")
        outcomes[outcome] += 1
        outcomes["quarantined rows"] += quarantined
        print(f"kill {kill + 1:3d} at {at:5.2f} s: {outcome}" + (f", {quarantined:,} rows quarantined"
                                                                 if quarantined else ""), flush=True)
    print(f"{args.kills} kills, all consistent: {outcomes}")


if __name__ == "__main__":
    main()
