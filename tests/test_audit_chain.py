"""The audit log as a hash chain: edits, deletions and rows written around store.audit are found by
`audit verify`; an old store migrates with its rows chained; store and users files are owner-only."""

import datetime as dt
import json
import os
import stat
import subprocess
import sys

import duckdb
import pytest

from kzlogframe import access
from kzlogframe.access import User, add_user
from kzlogframe.audit import verify_audit_chain
from kzlogframe.cli import main
from kzlogframe.store import GENESIS, MIGRATIONS, audit, audit_entries, connect, entry_hash, writing
from tests.conftest import ADMIN, ROOT


@pytest.fixture
def db(tmp_path):
    """A store with five chained entries, written the usual way."""
    path = tmp_path / "store.duckdb"
    for n in range(1, 6):
        with writing(path) as con:
            audit(con, f"user{n}", "narrative", f"psr/R{n}/S3/en", {"n": n} if n % 2 else None)
    return path


def tamper(db, sql, params=()):
    """What someone with the file and a DuckDB shell can do."""
    con = duckdb.connect(str(db))
    try:
        con.execute(sql, list(params))
    finally:
        con.close()


def verdict(db):
    check = verify_audit_chain(db)
    return check.ok, check.entries, check.first_bad_id, check.reason


def test_an_untouched_chain_verifies(db, capsys):
    assert verdict(db) == (True, 5, None, None)
    with connect(db, write=False) as con:
        rows = con.execute("SELECT id, prev_hash, hash FROM audit_log ORDER BY id").fetchall()
    assert rows[0][1] == GENESIS
    assert all(later[1] == earlier[2] for earlier, later in zip(rows, rows[1:]))
    assert main(["--db", str(db), "audit", "verify"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["audit log intact: 5 entries", f"last hash: {rows[-1][2]}"]


@pytest.mark.parametrize("column, value", [
    ("user_name", "someone-else"), ("action", "login"), ("target", "psr/R9/S3/en"), ("detail", '{"n": 4}'),
    ("logged_at", dt.datetime(2020, 1, 1)), ("id", 40),
])
def test_an_edited_entry_is_found(db, column, value):
    tamper(db, f"UPDATE audit_log SET {column} = ? WHERE id = 3", [value])
    ok, entries, first_bad, reason = verdict(db)
    assert (ok, entries) == (False, 5)
    if column == "id":  # entry 3 now sits after entry 5: the chain breaks where it used to be
        assert (first_bad, reason) == (3, "it is missing: entry 4 is chained to an entry that is no longer "
                                          "after entry 2")
    else:
        assert (first_bad, reason) == (3, "it was changed after it was written (its content no longer matches "
                                          "its hash)")


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(db):
    with connect(db, write=False) as con:
        entry_id, logged_at, _, action, target, detail, prev = con.execute(
            "SELECT id, logged_at, user_name, action, target, detail, prev_hash FROM audit_log WHERE id = 2").fetchone()
    forged = entry_hash(entry_id, logged_at, "innocent", action, target, detail, prev)
    tamper(db, "UPDATE audit_log SET user_name = 'innocent', hash = ? WHERE id = 2", [forged])
    assert verdict(db) == (False, 5, 2, "it was replaced: entry 3 is chained to a different entry 2")


@pytest.mark.parametrize("deleted, first_bad, reason", [
    ("id = 3", 3, "it is missing: entry 4 is chained to an entry that is no longer after entry 2"),
    ("id = 1", 1, "it is missing: entry 2 is chained to an entry that is no longer in the log"),
    ("id >= 4", 4, "it is missing: the log ends at entry 3, but the last entry written was 5"),
    ("true", 1, "it is missing: the log is empty, but the last entry written was 5"),
])
def test_a_deleted_entry_is_found(db, deleted, first_bad, reason):
    tamper(db, f"DELETE FROM audit_log WHERE {deleted}")
    ok, _, bad, why = verdict(db)
    assert (ok, bad, why) == (False, first_bad, reason)


def test_rows_written_around_store_audit_are_found(db, capsys):
    tamper(db, "INSERT INTO audit_log VALUES (6, now(), 'ghost', 'rollback', 'batch 1', NULL, NULL, NULL)")
    assert verdict(db) == (False, 6, 6, "it has no hash: it was written around the audit log")
    assert main(["audit", "verify", "--db", str(db)]) == 1  # --db after the command works too
    assert capsys.readouterr().err == (
        "audit log broken at entry 6: it has no hash: it was written around the audit log (6 entries)\n")


def test_a_forged_row_chained_by_hand_is_found_by_the_head_record(db):
    with connect(db, write=False) as con:
        prev = con.execute("SELECT hash FROM audit_log WHERE id = 5").fetchone()[0]
    when = dt.datetime(2024, 1, 1, 12)
    forged = entry_hash(6, when, "ghost", "rollback", "batch 1", None, prev)
    tamper(db, "INSERT INTO audit_log VALUES (6, ?, 'ghost', 'rollback', 'batch 1', NULL, ?, ?)", [when, prev, forged])
    assert verdict(db) == (False, 6, 6, "it was added beside the audit log: the last entry written was 5")
    tamper(db, "DELETE FROM audit_head")
    assert verdict(db)[3] == "the record of the last entry written (audit_head) is missing"


def test_a_rolled_back_write_leaves_the_chain_whole(db):
    with pytest.raises(RuntimeError):
        with writing(db) as con:
            audit(con, "user6", "upload", "batch 1")
            raise RuntimeError("the write failed after its audit entry")
    with writing(db) as con:
        audit(con, "user7", "upload", "batch 2")
    assert verdict(db)[:2] == (True, 6)


def test_the_os_account_is_recorded_beside_the_given_name(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_USERS", str(tmp_path / "users.yaml"))
    monkeypatch.setitem(access._SCRYPT, "n", 2**10)
    db = tmp_path / "store.duckdb"
    add_user("alice", "viewer", "long-password-42", actor=User("aigerim", "admin", os_user="kz-ops"), db=db)
    with writing(db) as con:
        audit(con, "aigerim", "rollback", "batch 1", {"note": "x"}, os_user="kz-ops")
        audit(con, "app-user", "rollback", "batch 2")
    entries = audit_entries(db)
    assert list(entries.columns) == ["id", "logged_at", "user_name", "action", "target", "detail"]
    assert [json.loads(d) if d else None for d in entries["detail"]] == [
        None, {"note": "x", "os_user": "kz-ops"}, {"role": "viewer", "password": "changed", "os_user": "kz-ops"}]
    assert set(entries["user_name"]) == {"aigerim", "app-user"}
    assert verify_audit_chain(db).ok


def old_store(path):
    """A store as the first migration left it, with audit rows written the old way (no chain)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    for user, action, target, detail in (("aigerim", "upload", "batch 1", '{"file": "a.csv"}'),
                                         ("boss", "login_failed", "boss", None),
                                         ("boss", "rollback", "batch 1", None)):
        con.execute("INSERT INTO audit_log VALUES (nextval('audit_seq'), now(), ?, ?, ?, ?)",
                    [user, action, target, detail])
    con.execute("SELECT nextval('audit_seq')")  # a rolled-back write leaves a gap in the ids
    con.execute("INSERT INTO audit_log VALUES (nextval('audit_seq'), now(), 'daniyar', 'upload', 'batch 2', NULL)")
    con.close()


def test_an_old_store_migrates_with_its_entries_chained(tmp_path):
    path = tmp_path / "old.duckdb"
    old_store(path)
    assert verdict(path) == (True, 4, None, None)
    with connect(path, write=False) as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
        assert [r[0] for r in con.execute("SELECT id FROM audit_log ORDER BY id").fetchall()] == [1, 2, 3, 5]
        assert con.execute("SELECT last_id FROM audit_head").fetchone()[0] == 5
    with writing(path) as con:
        audit(con, "aigerim", "narrative", "psr/R1/S3/en")
    assert verdict(path) == (True, 5, None, None)
    tamper(path, "DELETE FROM audit_log WHERE action = 'login_failed'")
    assert verdict(path)[2:] == (2, "it is missing: entry 3 is chained to an entry that is no longer after entry 1")


def test_an_empty_old_store_migrates_too(tmp_path):
    path = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.close()
    assert verdict(path) == (True, 0, None, None)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_store_and_users_files_are_owner_only(tmp_path, monkeypatch):
    umask = os.umask(0o022)
    try:
        db = tmp_path / "new" / "store.duckdb"
        with writing(db) as con:
            audit(con, "x", "test")
            wal = db.with_name(db.name + ".wal")
            assert wal.exists() and mode(wal) == 0o600  # DuckDB writes the .wal afresh for each connection
        assert mode(db) == 0o600 and mode(db.parent) == 0o700
        assert os.umask(0o022) == 0o022  # the process umask is back once the store is closed
        users = tmp_path / "users.yaml"
        monkeypatch.setenv("KZLOGFRAME_USERS", str(users))
        monkeypatch.setitem(access._SCRYPT, "n", 2**10)
        add_user("alice", "viewer", "long-password-42", actor=ADMIN, db=db)
        assert mode(users) == 0o600
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    finally:
        os.umask(umask)


def test_cli_audit_verify_in_a_fresh_process(db):
    tamper(db, "UPDATE audit_log SET detail = NULL WHERE id = 1")
    run = subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(db), "audit", "verify"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1
    assert run.stderr.startswith("audit log broken at entry 1: it was changed after it was written")
