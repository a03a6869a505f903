"""The measurement store: versioned migrations, the cross-process lock, all-or-nothing commits,
idempotent re-uploads, supersede and rollback with history kept, concurrent imports, and the CLI.

Every test that takes ``db`` runs on both backends (a DuckDB file and DuckLake on PostgreSQL);
those on ``db_file`` test what only a DuckDB file has (its lock and the writers' turnstile)."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import kzlogframe.ingest
from kzlogframe.access import User
from kzlogframe.cli import main
from kzlogframe.ingest import import_csv, list_batches, rollback_batch
from kzlogframe import lake, store_sql
from kzlogframe.store import MIGRATIONS, StoreLocked, connect, migrate, schema_version
from kzlogframe.i18n import t
from tests.conftest import ADMIN, FIXTURES, ROOT, load_logframe

HEADER = "programme,indicator,period,value,sex,oblast,comment\n"


@pytest.fixture(scope="module")
def catalog():
    return {"demo": load_logframe(FIXTURES / "minimal.yaml")}


@pytest.fixture
def db(store_db):
    return store_db


@pytest.fixture
def db_file(tmp_path):
    return tmp_path / "store.duckdb"


@contextmanager
def around_the_store(db):
    """The store opened directly, not through kzlogframe.store (as a crash or an older version leaves it)."""
    if lake.is_lake_url(db):
        with lake.connect(db) as con:
            yield con
    else:
        with duckdb.connect(str(db)) as con:
            yield con


def csv_file(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def query(db, sql, params=()):
    with connect(db, write=False) as con:
        return con.execute(sql, list(params)).fetchall()


def counts(db):
    return {t: query(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("upload_batch", "measurement", "audit_log")}


def many_rows(periods, sex):
    """One valid row per (period, oblast) for one sex: distinct keys, so two such files never collide."""
    return "".join(f"demo,DEMO.R1.I1,{p},{k},{sex},{o},\n"
                   for k, (p, o) in enumerate((p, o) for p in periods for o in ("Mangystau", "Kyzylorda")))


HALVES = [f"{y}-H{h}" for y in range(2012, 2018) for h in (1, 2)]


# ---------------------------------------------------------------- migrations


def test_migrations_are_versioned_and_applied_once(db):
    with connect(db) as con:
        assert con.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [
            (n,) for n in range(1, len(MIGRATIONS) + 1)]
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"upload_batch", "measurement", "activity_progress", "assumption_status", "narrative", "audit_log",
            "measurement_history", "measurement_current"} <= tables
    for _ in range(2):
        with connect(db) as con:
            assert schema_version(con) == len(MIGRATIONS)
            assert migrate(con) == len(MIGRATIONS)
            assert con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_schema_version_of_a_new_file_is_zero_and_writes_nothing():
    with duckdb.connect() as con:
        assert schema_version(con) == 0
        assert con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0] == 0


def test_threads_opening_a_new_file_at_once_migrate_it_once(new_store, backend):
    """Readers and a writer racing on a fresh file used to collide creating the same tables (a new
    DuckLake catalog takes seconds to migrate: fewer rounds there)."""
    for attempt in range(5 if backend == "duckdb" else 2):
        path = new_store()
        errors, start = [], threading.Barrier(4)

        def open_store(write):
            start.wait()
            try:
                with connect(path, write=write) as con:
                    con.execute("SELECT count(*) FROM upload_batch").fetchone()
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                errors.append(exc)

        threads = [threading.Thread(target=open_store, args=(w,)) for w in (True, False, False, False)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert query(path, "SELECT count(*) FROM schema_version") == [(len(MIGRATIONS),)]


# ---------------------------------------------------------------- the cross-process lock


HOLD_FILE = ("import duckdb, sys, time\n"
             "con = duckdb.connect(sys.argv[1])\nprint('holding', flush=True)\n"
             "time.sleep(float(sys.argv[2]))\ncon.close()")
HOLD_LAKE = ("import sys, time\nfrom kzlogframe.store import connect\n"
             "with connect(sys.argv[1]):\n    print('holding', flush=True)\n    time.sleep(float(sys.argv[2]))")


@contextmanager
def holding(db, seconds):
    """A separate process that holds the store for ``seconds`` (or until the block ends): a DuckDB
    file opened, a DuckLake store's write lock taken."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LAKE if lake.is_lake_url(db) else HOLD_FILE, str(db), str(seconds)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_store_locked_names_the_process_that_holds_the_file(db_file):
    db = db_file
    with holding(db, 60) as proc:
        with pytest.raises(StoreLocked) as raised:
            with connect(db, wait=0.2):
                pass
        assert str(raised.value) == (f"the database {db} is busy: process {proc.pid} holds it; "
                                     "try again when it has finished")
        with pytest.raises(StoreLocked, match=f"process {proc.pid} holds it"):
            with connect(db, write=False, wait=0):
                pass


def test_connect_waits_for_a_brief_holder_then_succeeds(db):
    with connect(db):  # a new DuckLake catalog is made at the first connection
        pass
    with holding(db, 1.0):
        with connect(db, wait=30) as con:
            assert schema_version(con) == len(MIGRATIONS)


def test_a_connection_opened_inside_a_write_shares_it_instead_of_waiting_for_it(db):
    """A library call that opens the store while its caller writes it (in the same thread) goes
    through: on a file it shares the writer's instance, on DuckLake the writer's lock."""
    with connect(db) as outer:
        with connect(db, write=False, wait=1) as inner:  # this process's first read of the store
            assert inner.execute("SELECT count(*) FROM upload_batch").fetchone() == (0,)
        with connect(db, wait=1) as inner:
            assert inner.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)
        assert outer.execute("SELECT count(*) FROM schema_version").fetchone() == (len(MIGRATIONS),)



READ_ONCE = ("import sys\nfrom kzlogframe.store import connect\n"
             "with connect(sys.argv[1], write=False, wait=0.5) as con:\n"
             "    print(con.execute('SELECT count(*) FROM upload_batch').fetchone()[0])")


def test_a_process_first_read_of_a_ducklake_store_does_not_wait_for_a_writer(postgres):
    """An app process started while another imports: its first page reads at once. Its first read
    looked for orphaned rows under the write lock, so four app processes starting beside four
    imports showed "busy" (tests/browser/test_team_scale.py); now it takes the lock only to
    quarantine orphans it found (test_rows_without_their_batch_are_quarantined_on_open_never_deleted)."""
    db = postgres.new_database(migrated=True)
    with holding(db, 60):
        first = subprocess.run([sys.executable, "-c", READ_ONCE, db], cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["0"]


# ---------------------------------------------------------------- all or nothing


def test_a_failure_inside_the_commit_leaves_the_database_unchanged(tmp_path, catalog, db, monkeypatch):
    path = csv_file(tmp_path, "a.csv", many_rows(HALVES[:3], "female"))
    with connect(db):
        pass

    def audit_fails(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(kzlogframe.ingest, "audit", audit_fails)
    with pytest.raises(RuntimeError, match="disk full"):
        import_csv(path, catalog, ADMIN, db=db)
    assert counts(db) == {"upload_batch": 0, "measurement": 0, "audit_log": 0}
    monkeypatch.undo()
    report = import_csv(path, catalog, ADMIN, db=db)
    assert report.status == "committed"
    assert counts(db) == {"upload_batch": 1, "measurement": 6, "audit_log": 1}


def test_a_failure_inside_a_rollback_leaves_the_batch_committed(tmp_path, catalog, db, monkeypatch):
    import_csv(csv_file(tmp_path, "a.csv", many_rows(HALVES[:1], "male")), catalog, ADMIN, db=db)

    def audit_fails(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(kzlogframe.ingest, "audit", audit_fails)
    with pytest.raises(RuntimeError):
        rollback_batch(1, User("admin", 'admin'), db=db)
    assert query(db, "SELECT status, status_changed_by FROM upload_batch") == [("committed", None)]
    assert query(db, "SELECT count(*) FROM measurement_current") == [(2,)]


# ---------------------------------------------------------------- idempotence, supersede, rollback


def test_identical_bytes_are_a_no_op_until_the_batch_is_rolled_back(tmp_path, catalog, db):
    path = csv_file(tmp_path, "a.csv", many_rows(HALVES[:2], "female"))
    first = import_csv(path, catalog, ADMIN, db=db)
    assert (first.status, first.batch_id) == ("committed", 1)
    before = counts(db)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    for again in (import_csv(path, catalog, ADMIN, db=db), import_csv(copy, catalog, ADMIN, db=db),
                  import_csv(path, catalog, ADMIN, db=db, dry_run=True)):
        assert (again.status, again.duplicate_of, again.batch_id) == ("duplicate", 1, None)
        assert counts(db) == before
    assert import_csv(path, catalog, ADMIN, db=db).message == "a.csv was already imported as batch 1; nothing changed"

    assert rollback_batch(1, User("admin", 'admin'), db=db) == "batch 1 rolled back"
    assert query(db, "SELECT count(*) FROM measurement_current") == [(0,)]
    again = import_csv(path, catalog, ADMIN, db=db)
    assert (again.status, again.batch_id) == ("committed", 2)
    assert query(db, "SELECT DISTINCT batch_id FROM measurement_current") == [(2,)]
    assert query(db, "SELECT count(*) FROM measurement_current") == [(4,)]


def test_supersede_and_rollback_keep_every_value_in_history(tmp_path, catalog, db):
    row = "demo,DEMO.R1.I1,2012-H2,{},female,Mangystau,{}\n"
    import_csv(csv_file(tmp_path, "first.csv", row.format(10, "бірінші")), catalog, User("aigerim", 'admin'), db=db)
    import_csv(csv_file(tmp_path, "second.csv", row.format(12, "түзетілді")), catalog, User("daniyar", 'admin'), db=db)
    current = "SELECT value, comment, batch_id, file_name, uploaded_by FROM measurement_current"
    history = "SELECT value, batch_id, revision FROM measurement_history ORDER BY revision"
    assert query(db, current) == [(12.0, "түзетілді", 2, "second.csv", "daniyar")]
    assert query(db, history) == [(12.0, 2, 1), (10.0, 1, 2)]

    assert rollback_batch(2, User("admin", 'admin'), db=db) == "batch 2 rolled back"
    assert query(db, current) == [(10.0, "бірінші", 1, "first.csv", "aigerim")]
    assert query(db, history) == [(10.0, 1, 1)]
    assert query(db, "SELECT value, batch_id FROM measurement ORDER BY id") == [(10.0, 1), (12.0, 2)]
    batches = query(db, "SELECT id, status, status_changed_by, status_changed_at IS NOT NULL "
                        "FROM upload_batch ORDER BY id")
    assert batches == [(1, "committed", None, False), (2, "rolled_back", "admin", True)]
    assert query(db, "SELECT user_name, action, target FROM audit_log ORDER BY id") == [
        ("aigerim", "upload", "batch 1"), ("daniyar", "upload", "batch 2"), ("admin", "rollback", "batch 2")]
    assert list(list_batches(db)["status"]) == ["rolled_back", "committed"]

    assert rollback_batch(2, User("admin", 'admin'), db=db) == "batch 2 was already rolled back; nothing changed"
    assert len(query(db, "SELECT * FROM audit_log")) == 3
    with pytest.raises(ValueError, match="no upload batch 7"):
        rollback_batch(7, ADMIN, db=db)


def test_a_batch_records_its_file_user_and_row_counts(tmp_path, catalog, db):
    body = many_rows(HALVES[:2], "male") + "nope,X,2012-H1,1,,,\n"
    path = csv_file(tmp_path, "counts.csv", body)
    report = import_csv(path, catalog, User("aigerim", 'admin'), db=db)
    assert report.message == "batch 1: 4 rows committed, 1 rejected, 0 warnings"
    batch = list_batches(db).iloc[0]
    assert (batch.id, batch.file_name, batch.user_name, batch.rows_total, batch.rows_accepted, batch.rows_rejected,
            batch.status, batch.sha256) == (1, "counts.csv", "aigerim", 5, 4, 1, "committed", report.sha256)
    assert query(db, "SELECT DISTINCT batch_id, recorded_at = (SELECT uploaded_at FROM upload_batch) "
                     "FROM measurement") == [(1, True)]


def test_a_file_larger_than_the_preview_is_counted_and_stored_in_full(tmp_path, catalog, db):
    days = [dt.date(2012, 1, 1) + dt.timedelta(days=n) for n in range(600)]
    body = "".join(f"demo,DEMO.R1.I1,{day:%d.%m.%Y},1,{sex},Mangystau,\n" for day in days for sex in ("f", "m"))
    path = csv_file(tmp_path, "big.csv", body)
    rows = 1200
    dry = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert (len(dry.accepted), dry.accepted_total) == (1000, rows)
    assert dry.message == f"big.csv: {rows} rows would be committed, 0 rejected, 0 warnings (dry run, nothing changed)"
    assert import_csv(path, catalog, ADMIN, db=db).message == f"batch 1: {rows} rows committed, 0 rejected, 0 warnings"
    assert query(db, "SELECT rows_total, rows_accepted FROM upload_batch") == [(rows, rows)]
    assert query(db, "SELECT count(*) FROM measurement_current") == [(rows,)]


def test_an_outlier_is_a_warning_stored_with_the_batch_and_never_blocks(tmp_path, catalog, db):
    history = [("2012-H1", 10), ("2012-H2", 11), ("2013-H1", 12), ("2013-H2", 10)]
    import_csv(csv_file(tmp_path, "history.csv", "".join(f"demo,DEMO.R1.I1,{p},{v},female,Mangystau,\n"
                                                         for p, v in history)), catalog, ADMIN, db=db)
    path = csv_file(tmp_path, "new.csv", "demo,DEMO.R1.I1,2014-H1,500,female,Mangystau,\n"
                                         "demo,DEMO.R1.I1,2014-H2,11,female,Mangystau,\n"
                                         "demo,DEMO.R1.I1,2014-H1,500,male,Mangystau,\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    warning = "value 500.0 is an outlier against the indicator's history (median 10.5, modified z-score 186.5)"
    assert report.warnings[["line", "warning"]].values.tolist() == [[2, warning]]
    assert report.message == "batch 2: 3 rows committed, 0 rejected, 1 warnings"
    stored = json.loads(query(db, "SELECT warnings FROM upload_batch WHERE id = 2")[0][0])
    assert [(w["line"], w["warning"], w["period"]) for w in stored] == [(2, warning, "2014-H1")]


def test_a_dry_run_writes_nothing(tmp_path, catalog, db):
    report = import_csv(csv_file(tmp_path, "a.csv", many_rows(HALVES[:2], "male")), catalog, ADMIN, db=db, dry_run=True)
    assert (report.status, len(report.accepted), report.batch_id) == ("dry_run", 4, None)
    assert counts(db) == {"upload_batch": 0, "measurement": 0, "audit_log": 0}


# ---------------------------------------------------------------- concurrency


def test_two_threads_importing_at_once_lose_nothing(tmp_path, catalog, db):
    files = [csv_file(tmp_path, f"{sex}.csv", many_rows(HALVES, sex)) for sex in ("female", "male")]
    reports, errors, start = [], [], threading.Barrier(2)

    def run(path):
        start.wait()
        try:
            reports.append(import_csv(path, catalog, ADMIN, db=db))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.batch_id for r in reports) == [1, 2]
    assert {r.status for r in reports} == {"committed"}
    assert query(db, "SELECT sex, count(*) FROM measurement_current GROUP BY sex ORDER BY sex") == [
        ("female", 24), ("male", 24)]
    assert query(db, "SELECT count(*) FROM upload_batch WHERE status = 'committed'") == [(2,)]


def test_two_threads_importing_the_same_bytes_at_once_commit_them_once(tmp_path, catalog, db):
    path = csv_file(tmp_path, "same.csv", many_rows(HALVES, "female"))
    with connect(db):
        pass
    reports, start = [], threading.Barrier(4)

    def run():
        start.wait()
        reports.append(import_csv(path, catalog, ADMIN, db=db))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in reports) == ["committed", "duplicate", "duplicate", "duplicate"]
    assert {r.duplicate_of for r in reports if r.status == "duplicate"} == {1}
    assert counts(db) == {"upload_batch": 1, "measurement": 24, "audit_log": 1}


def cli_env(tmp_path):
    logframes = tmp_path / "logframes"
    logframes.mkdir(exist_ok=True)
    (logframes / "minimal.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "KZLOGFRAME_DB"}
    return {**env, "KZLOGFRAME_LOGFRAMES": str(logframes)}


def test_two_processes_importing_at_once_lose_nothing(tmp_path, db):
    """Both CLI processes start while a third holds the store, so each must wait for the lock and retry."""
    with connect(db):
        pass
    files = [csv_file(tmp_path, f"{sex}.csv", many_rows(HALVES, sex)) for sex in ("female", "male")]
    env = cli_env(tmp_path)
    with holding(db, 1.5):
        procs = [subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", str(db), "--user", f"p{n}",
                                   "import", str(f)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for n, f in enumerate(files)]
        outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sorted(out.strip()[:8] for out, _ in outputs) == ["batch 1:", "batch 2:"]
    assert query(db, "SELECT sex, count(*) FROM measurement_current GROUP BY sex ORDER BY sex") == [
        ("female", 24), ("male", 24)]
    assert query(db, "SELECT user_name, status FROM upload_batch ORDER BY user_name") == [
        ("p0", "committed"), ("p1", "committed")]


# ---------------------------------------------------------------- CLI


def test_cli_import_batches_rollback(tmp_path, db, monkeypatch, capsys):
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", cli_env(tmp_path)["KZLOGFRAME_LOGFRAMES"])
    path = csv_file(tmp_path, "upload.csv", "demo,DEMO.R1.I1,2012-H1,5,female,Mangystau,\nnope,X,2012-H1,1,,,\n")
    base = ["--db", str(db), "--user", "aigerim"]

    assert main([*base, "import", str(path), "--dry-run", "--strict"]) == 1
    assert main([*base, "import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{path}:3: rejected: unknown programme 'nope'"] * 2
    assert out.splitlines() == [
        "upload.csv: 1 rows would be committed, 1 rejected, 0 warnings (dry run, nothing changed)",
        "batch 1: 1 rows committed, 1 rejected, 0 warnings"]

    assert main([*base, "import", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "upload.csv was already imported as batch 1; nothing changed"

    assert main([*base, "batches"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["id", "kind", "file_name", "user_name"]
    assert out[1].split()[:4] == ["1", "measurements", "upload.csv", "aigerim"] and "committed" in out[1].split()

    assert main(["--db", str(db), "--user", "admin", "rollback", "1"]) == 0
    assert capsys.readouterr().out == "batch 1 rolled back\n"
    assert main([*base, "batches"]) == 0
    assert "rolled_back" in capsys.readouterr().out.splitlines()[1].split()
    assert main([*base, "rollback", "9"]) == 1
    assert capsys.readouterr().err == "error: no upload batch 9\n"


def test_cli_reports_file_errors(tmp_path, db, monkeypatch, capsys):
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", cli_env(tmp_path)["KZLOGFRAME_LOGFRAMES"])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["--db", str(db), "import", str(empty)]) == 1
    assert capsys.readouterr().err == "error: empty.csv:1: the file is empty\n"
    assert main(["--db", str(db), "batches"]) == 0
    assert capsys.readouterr().out == "no upload batches yet\n"


def test_cli_reports_a_locked_store_file(db_file, monkeypatch, capsys):
    db = db_file
    monkeypatch.setitem(connect.__wrapped__.__kwdefaults__, "wait", 0.2)  # not the 10 s a person would wait
    with holding(db, 60) as proc:
        assert main(["--db", str(db), "batches"]) == 1
    assert capsys.readouterr().err == (f"error: the database {db} is busy: process {proc.pid} holds it; "
                                       "try again when it has finished\n")


def test_cli_demo_twice_is_a_no_op_the_second_time(tmp_path, db_file, monkeypatch, capsys):
    """On the DuckDB file only: on DuckLake its hundreds of small writes take a minute of CI time,
    and what it checks of the store (a file imported again is a no-op) is tested on both above."""
    db = db_file
    monkeypatch.delenv("KZLOGFRAME_LOGFRAMES", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the demo's CSVs have fixed names in the temp dir
    programmes = len(list((ROOT / "logframes").glob("*.yaml")))
    assert main(["--db", str(db), "demo"]) == 0
    committed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("batch ")]
    assert len(committed) == programmes >= 1
    assert all(", 0 rejected" in line for line in committed)
    before = every_table_count(db)
    assert main(["--db", str(db), "demo"]) == 0
    second = capsys.readouterr().out.splitlines()
    assert [line for line in second if line.startswith("batch ")] == []
    assert len([line for line in second if "was already imported as batch" in line]) == programmes
    assert every_table_count(db) == before
    assert query(db, "SELECT DISTINCT source FROM measurement") == [("SYNTHETIC DEMO DATA — not real measurements",)]


def every_table_count(db):
    tables = query(db, "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")
    return {t: query(db, f"SELECT count(*) FROM {t}")[0][0] for (t,) in tables}


# ---------------------------------------------------------------- issue 21: orphans, migration, sharing


def test_rows_without_their_batch_are_quarantined_on_open_never_deleted(tmp_path, catalog, db):
    """What a crash that DuckDB's recovery only half undid leaves: rows of a batch that does not exist.
    Opening the store marks them (batch id negated), records them and says so in the audit log; a
    later batch that gets the same id does not adopt them."""
    from kzlogframe.audit import verify_audit_chain

    import_csv(csv_file(tmp_path, "a.csv", many_rows(HALVES[:2], "female")), catalog, ADMIN, db=db)
    with around_the_store(db) as raw:  # as a crash would leave it
        raw.execute("""INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label, period_start,
                           period_end, value, sex, oblast, ministry, recorded_at)
                       SELECT 100 + i, 2, i, 'demo', 'DEMO.R1.I1', '2015-H1', DATE '2015-01-01', DATE '2015-06-30', i,
                              'male', 'Mangystau', '', now() FROM range(5) t(i)""")
    with connect(db, write=False) as con:
        assert con.execute("SELECT DISTINCT batch_id FROM measurement WHERE id >= 100").fetchall() == [(-2,)]
        assert con.execute("SELECT batch_id, rows, first_id, last_id FROM measurement_quarantine").fetchall() == [
            (2, 5, 100, 104)]
        entry = con.execute("SELECT user_name, action, target, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert entry[:3] == ("kzlogframe", "quarantine", "batch 2")
    assert json.loads(entry[3])["rows"] == 5 and "interrupted" in json.loads(entry[3])["reason"]
    assert verify_audit_chain(db).ok
    assert counts(db)["measurement"] == 4 + 5  # nothing deleted
    report = import_csv(csv_file(tmp_path, "b.csv", many_rows(HALVES[2:3], "male")), catalog, ADMIN, db=db)
    assert report.batch_id == 2
    assert query(db, "SELECT count(*) FROM measurement WHERE batch_id = 2") == [(2,)]
    assert query(db, "SELECT count(*) FROM measurement_current") == [(6,)]
    with connect(db):
        pass
    assert query(db, "SELECT count(*) FROM measurement_quarantine") == [(1,)]  # found once


def test_a_store_made_before_migration_3_migrates_with_its_data(tmp_path, catalog, new_store):
    db = new_store()
    with around_the_store(db) as raw:
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
        raw.execute(store_sql.SEQUENCE_TABLE)  # used by a DuckLake store only, harmless in a file
        store_sql.execute(raw, MIGRATIONS[0])
        MIGRATIONS[1](raw)
        raw.execute("INSERT INTO schema_version VALUES (1, now()), (2, now())")
        raw.execute("""INSERT INTO upload_batch VALUES (1, 'old.csv', 'x', 'aigerim', now(), 1, 1, 0, NULL,
                       'committed', NULL, NULL)""")
        raw.execute("""INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label, period_start,
                       period_end, value, recorded_at) VALUES (1, 1, 2, 'demo', 'DEMO.G.I1', '2012-H1',
                       DATE '2012-01-01', DATE '2012-06-30', 1, now())""")
    with connect(db) as con:
        assert schema_version(con) == len(MIGRATIONS)
        assert con.execute("SELECT count(*) FROM measurement_quarantine").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM finance_current").fetchone() == (0,)
        assert con.execute("SELECT file_name, value FROM measurement_current").fetchall() == [("old.csv", 1.0)]
        # migration 4: a batch stored before review counted, so it stays approved, and the log says so
        assert con.execute("SELECT batch_id, state FROM batch_state").fetchall() == [(1, "approved")]
        assert con.execute("SELECT user_name, action, detail FROM audit_log").fetchall() == [
            ("kzlogframe", "approve", '{"batches": 1, "migration": 4}')]


READER = """
import sys, time
from kzlogframe.store import connect
while True:
    asked = time.time()
    with connect(sys.argv[1], write=False, wait=60) as con:
        print(asked, con.execute("SELECT count(*) FROM upload_batch").fetchone()[0], flush=True)
        time.sleep(3)
"""


def test_a_waiting_writer_goes_before_readers_that_come_after_it(tmp_path, db_file):
    """A reader holds the store for 3 s at a time and reopens it at once (as back-to-back page loads
    do): without priority a waiting writer would lose to every reopening. With the writers' turnstile,
    no read asked for after the import began waiting comes before its commit: every such read
    already sees the new batch. (A read asked for just before may still be opening the file when the
    import starts to wait, so each read is timed from when it was asked for, not when it printed.)"""
    db = db_file
    path = csv_file(tmp_path, "a.csv", many_rows(HALVES, "female"))
    with connect(db):
        pass
    env = {**cli_env(tmp_path), "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              text=True)
    try:
        seen = [reader.stdout.readline()]  # the reader holds the store
        writer = subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(path)],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first_wait, said = None, []
        for line in writer.stderr:
            said.append(line)
            if first_wait is None and line.startswith("waiting for the store: process"):
                first_wait = time.time()
        assert writer.wait(timeout=60) == 0, "".join(said)
        assert writer.stdout.read().splitlines()[-1] == "batch 1: 24 rows committed, 0 rejected, 0 warnings"
        writer.stdout.close()
        writer.stderr.close()
        assert first_wait is not None  # it did have to wait
        seen.append(reader.stdout.readline())  # at least one read after the commit
    finally:
        reader.kill()
        reader.wait()
    reads = [line.split() for line in "".join(seen).splitlines() + reader.stdout.read().splitlines()]
    reader.stdout.close()
    assert reads and all(int(count) == 1 for asked, count in reads if float(asked) > first_wait)


def test_an_unreachable_ducklake_server_is_said_in_one_line_without_its_password(capsys, monkeypatch):
    port = _closed_port()
    url = f"postgresql://kz:s3cret@127.0.0.1:{port}/kzlogframe"
    assert main(["--db", url, "batches"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"error: the store's PostgreSQL server at postgresql://kz:***@127.0.0.1:{port}/"
                                "kzlogframe cannot be reached: is it running and accepting connections? "
                                "(bash scripts/pg_local.sh starts a local one)"]
    monkeypatch.setenv("KZLOGFRAME_DB", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert [e.value for e in at.error] == [t("error.store_unavailable", "en")] and not at.exception


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
