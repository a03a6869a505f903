"""A CLI import killed (SIGKILL) at random moments, staging and commit alike, leaves all or nothing:
measurements, batches and the audit log agree after every kill, and the import can be run again.

The kill points are drawn from a seeded generator over an undisturbed run's timeline: a third
while the file is being checked (before the store is opened), the rest inside the store window,
found by watching the writers' turnstile lock (held from just before the store is opened until it
is closed), so the commit itself is hit many times per run. ``bench/import_soak.py`` does the same
with a million rows and as many kills as asked for.
"""

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from kzlogframe.audit import verify_audit_chain
from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv
from kzlogframe.models import IndicatorType
from kzlogframe.store import _turnstile, connect
from tests.conftest import ADMIN, ROOT

ROWS = 120_000
KILLS = 24
SEED = int(os.environ.get("KZLOGFRAME_FAULT_SEED", "2011"))


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """Many distinct daily periods for the plain quantitative indicators of the bundled programmes."""
    catalog = load_catalog()
    plain = [(code, ind.code) for code, lf in catalog.items() for _, ind in lf.indicators()
             if ind.type is IndicatorType.quantitative and not ind.disaggregation and ind.valid_range is None
             and not (ind.unit and "%" in ind.unit.en)]
    path = tmp_path_factory.mktemp("faults") / "big.csv"
    with connect(tmp_path_factory.mktemp("gen") / "gen.duckdb") as con:
        con.execute("CREATE TABLE spec (programme VARCHAR, indicator VARCHAR)")
        con.executemany("INSERT INTO spec VALUES (?, ?)", plain)
        con.execute("""
            COPY (SELECT s.programme, s.indicator, strftime(DATE '2011-07-01' + CAST(g.i // n AS INTEGER), '%Y-%m-%d')
                         AS period, g.i % 97 AS value
                  FROM range(?) g(i), (SELECT count(*) AS n FROM spec) c(n)
                  JOIN (SELECT *, row_number() OVER () - 1 AS k FROM spec) s ON s.k = g.i % c.n)
            TO '""" + str(path) + "' (HEADER)", [ROWS])
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A store that already holds one committed batch (and its audit entry) before each kill."""
    folder = tmp_path_factory.mktemp("template")
    first = folder / "first.csv"
    first.write_text("programme,indicator,period,value\npsr,PSR.R2.I6,2012-H1,3\n", encoding="utf-8")
    db = folder / "template.duckdb"
    assert import_csv(first, load_catalog(), ADMIN, db=db).status == "committed"
    return db


def in_store_window(db) -> bool:
    """Whether a writer holds the store's turnstile (it does from just before it opens the store)."""
    fd = os.open(_turnstile.lock_file(db), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def start_import(db, csv):
    return subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(csv)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timeline(db, csv) -> tuple[float, float, float]:
    """An undisturbed run: when it reaches the store window, how long it stays there, and its total."""
    process, start, window_at = start_import(db, csv), time.perf_counter(), None
    while process.poll() is None:
        if window_at is None and in_store_window(db):
            window_at = time.perf_counter() - start
        time.sleep(0.002)
    total = time.perf_counter() - start
    assert process.returncode == 0 and window_at is not None
    return window_at, total - window_at, total


def consistent(db) -> tuple[list, int]:
    """Open the store (which quarantines orphaned rows) and check measurements, batches and the audit
    log together; returns the batches and the rows now visible."""
    with connect(db) as con:
        batches = con.execute("SELECT id, rows_accepted, status FROM upload_batch ORDER BY id").fetchall()
        per_batch = dict(con.execute("SELECT batch_id, count(*) FROM measurement WHERE batch_id > 0 GROUP BY 1")
                         .fetchall())
        quarantined = con.execute("SELECT coalesce(sum(rows), 0) FROM measurement_quarantine").fetchone()[0]
        negative = con.execute("SELECT count(*) FROM measurement WHERE batch_id < 0").fetchone()[0]
        quarantine_log = con.execute("SELECT count(*) FROM audit_log WHERE action = 'quarantine'").fetchone()[0]
        quarantine_batches = con.execute("SELECT count(*) FROM measurement_quarantine").fetchone()[0]
        uploads = con.execute("SELECT target FROM audit_log WHERE action = 'upload' ORDER BY id").fetchall()
        visible = con.execute("SELECT count(*) FROM measurement_current").fetchone()[0]
        reviewed = dict(con.execute("SELECT batch_id, list(state ORDER BY id) FROM batch_review GROUP BY 1").fetchall())
    assert per_batch == {b: n for b, n, _ in batches}, "every batch has exactly its rows, no row lacks its batch"
    assert reviewed == {b: ["submitted", "approved"] for b, _, _ in batches}, \
        "every batch has its review steps (approved on upload, single-user), none without its batch"
    assert negative == quarantined and quarantine_log == quarantine_batches
    assert uploads == [(f"batch {b}",) for b, _, _ in batches], "one audit entry per batch, none without one"
    check = verify_audit_chain(db)
    assert check.ok, check.reason
    return batches, visible


def test_killed_imports_leave_all_or_nothing_and_can_be_run_again(big_csv, template, tmp_path):
    catalog = load_catalog()
    undisturbed = tmp_path / "undisturbed.duckdb"
    shutil.copy(template, undisturbed)
    window_at, window, total = timeline(undisturbed, big_csv)
    (_, accepted, _) = consistent(undisturbed)[0][-1]
    assert accepted > ROWS // 5  # the rest fall outside the programmes' windows
    rng = random.Random(SEED)
    outcomes = {"committed": 0, "nothing": 0, "killed in the store window": 0}
    kill = -1
    # KILLS kills, and more (up to twice as many) until a third of them hit the store window: under
    # load a run's window moves, and a kill aimed at it may land after the process has finished
    while (kill := kill + 1) < KILLS or (outcomes["killed in the store window"] < KILLS // 3 and kill < 2 * KILLS):
        db = tmp_path / f"kill-{kill}.duckdb"
        shutil.copy(template, db)
        process = start_import(db, big_csv)
        start = time.perf_counter()
        if kill % 3 == 0 and kill < KILLS:  # while the file is checked, before the store is opened
            time.sleep(rng.uniform(0.05, window_at * 0.95))
        else:  # inside the store window: the duplicate check, the outlier history, the commit
            while not in_store_window(db) and process.poll() is None and time.perf_counter() - start < 60:
                time.sleep(0.001)
            if in_store_window(db):  # the load changes during a run: aim the next staging kills by this one
                window_at = time.perf_counter() - start
            time.sleep(rng.uniform(0, window))
        outcomes["killed in the store window"] += in_store_window(db) and process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
        batches, visible = consistent(db)
        assert batches[0] == (1, 1, "committed"), (SEED, kill)
        if len(batches) == 2:
            assert batches[1] == (2, accepted, "committed") and visible == 1 + accepted, (SEED, kill)
            outcomes["committed"] += 1
        else:
            assert len(batches) == 1 and visible == 1, (SEED, kill)
            outcomes["nothing"] += 1
        if kill % 6 == 5:  # and the import can be run again
            report = import_csv(big_csv, catalog, ADMIN, db=db)
            assert report.status == ("committed" if len(batches) == 1 else "duplicate"), (SEED, kill)
            batches, visible = consistent(db)
            assert [b[1:] for b in batches] == [(1, "committed"), (accepted, "committed")] and visible == 1 + accepted
    assert outcomes["nothing"] >= KILLS // 3, outcomes  # the staging kills at least
    assert outcomes["killed in the store window"] >= KILLS // 3, outcomes
