"""The measurement store: one DuckDB file, opened per operation and closed straight after.

DuckDB lets one process write a file at a time, and the app and the CLI share it, so nothing holds
the file open between operations: :func:`connect` opens it, retries briefly while another process
holds the lock, then says plainly who holds it. Inside one process, writes are serialised by a lock
so several Streamlit sessions never race each other.

Every table is append-only except the status of an upload batch: a newer value supersedes an older
one by ``recorded_at``, and the ``*_current`` views pick the latest. Nothing is ever deleted, so
every stored value keeps its history and a rollback is one status change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "kzlogframe.duckdb"
LOCK_WAIT_SECONDS = 10.0
_process_write_lock = threading.RLock()
# DuckDB shares one database instance per file inside a process; two threads opening (or the last
# one closing while another opens) at the same moment race on it ("Unique file handle conflict").
_handle_lock = threading.Lock()


# A new file uses DuckDB 1.5's storage format, whose string compression writes a million
# measurements about a third faster than the default (1.0-compatible) format; files made earlier keep theirs.
STORAGE = {"storage_compatibility_version": "v1.5.0"}


class StoreLocked(RuntimeError):
    """Another process holds the database file."""


def db_path(path: Path | str | None = None) -> Path:
    return Path(path or os.environ.get("KZLOGFRAME_DB") or DEFAULT_DB)


# The audit log is a hash chain: each entry's hash covers its content and the previous entry's hash,
# and audit_head keeps the last entry's id and hash, so editing, deleting or appending rows around
# audit() leaves a trace that kzlogframe.audit.verify_audit_chain finds.
GENESIS = "0" * 64


def entry_hash(entry_id: int, logged_at: dt.datetime, user: str, action: str, target: str | None,
               detail: str | None, prev_hash: str) -> str:
    """sha256 of the entry as one canonical JSON array (``detail`` as the stored JSON text)."""
    canonical = json.dumps([entry_id, logged_at.isoformat(sep=" ", timespec="microseconds"), user, action, target,
                            detail, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _chain_audit_log(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 2: hash columns and the head record, with the chain computed for the rows already there."""
    con.execute("ALTER TABLE audit_log ADD COLUMN prev_hash VARCHAR")
    con.execute("ALTER TABLE audit_log ADD COLUMN hash VARCHAR")
    con.execute("CREATE TABLE audit_head (last_id BIGINT NOT NULL, hash VARCHAR NOT NULL)")
    rows = con.execute("SELECT id, logged_at, user_name, action, target, detail FROM audit_log ORDER BY id").fetchall()
    chain = {"id": [], "prev_hash": [], "hash": []}
    last_id, prev = 0, GENESIS
    for row in rows:
        digest = entry_hash(*row, prev)
        for column, value in zip(chain, (row[0], prev, digest)):
            chain[column].append(value)
        last_id, prev = row[0], digest
    if rows:
        con.register("audit_chain", pd.DataFrame(chain))
        con.execute("""UPDATE audit_log SET prev_hash = c.prev_hash, hash = c.hash
                       FROM audit_chain c WHERE audit_log.id = c.id""")
        con.unregister("audit_chain")
    con.execute("INSERT INTO audit_head VALUES (?, ?)", [last_id, prev])


# Versioned migrations: append, never edit. Plain column types; the views use DuckDB's QUALIFY and EXCLUDE.
# A migration is SQL, or a function when rows already stored need computing (the audit chain).
Migration = str | Callable[[duckdb.DuckDBPyConnection], None]
MIGRATIONS: list[Migration] = [
    """
    CREATE SEQUENCE batch_seq START 1;
    CREATE SEQUENCE audit_seq START 1;
    CREATE TABLE upload_batch (
        id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        user_name VARCHAR NOT NULL,
        uploaded_at TIMESTAMP NOT NULL,
        rows_total INTEGER NOT NULL,
        rows_accepted INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        warnings VARCHAR,
        status VARCHAR NOT NULL CHECK (status IN ('committed', 'rolled_back')),
        status_changed_at TIMESTAMP,
        status_changed_by VARCHAR
    );
    CREATE TABLE measurement (
        id BIGINT NOT NULL,
        batch_id INTEGER NOT NULL,
        line INTEGER,
        programme VARCHAR NOT NULL,
        indicator VARCHAR NOT NULL,
        period_label VARCHAR NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        value DOUBLE,
        value_text VARCHAR,
        numerator DOUBLE,
        denominator DOUBLE,
        sex VARCHAR NOT NULL DEFAULT '',
        oblast VARCHAR NOT NULL DEFAULT '',
        ministry VARCHAR NOT NULL DEFAULT '',
        source VARCHAR,
        comment VARCHAR,
        evidence_url VARCHAR,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE activity_progress (
        programme VARCHAR NOT NULL,
        activity VARCHAR NOT NULL,
        actual_start DATE,
        actual_end DATE,
        status VARCHAR NOT NULL,
        comment VARCHAR,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE assumption_status (
        programme VARCHAR NOT NULL,
        assumption VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        comment VARCHAR,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE narrative (
        programme VARCHAR NOT NULL,
        level_code VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        lang VARCHAR NOT NULL,
        body VARCHAR NOT NULL,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE audit_log (
        id BIGINT PRIMARY KEY,
        logged_at TIMESTAMP NOT NULL,
        user_name VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        target VARCHAR,
        detail VARCHAR
    );
    CREATE VIEW measurement_history AS
        SELECT m.*, b.file_name, b.user_name AS uploaded_by, b.status AS batch_status,
               row_number() OVER (
                   PARTITION BY m.programme, m.indicator, m.period_start, m.period_end,
                                m.sex, m.oblast, m.ministry
                   ORDER BY m.recorded_at DESC, m.id DESC) AS revision
        FROM measurement m JOIN upload_batch b ON b.id = m.batch_id
        WHERE b.status = 'committed';
    CREATE VIEW measurement_current AS
        SELECT * EXCLUDE (revision) FROM measurement_history WHERE revision = 1;
    CREATE VIEW activity_progress_current AS
        SELECT * FROM activity_progress
        QUALIFY row_number() OVER (PARTITION BY programme, activity ORDER BY recorded_at DESC) = 1;
    CREATE VIEW assumption_status_current AS
        SELECT * FROM assumption_status
        QUALIFY row_number() OVER (PARTITION BY programme, assumption, period ORDER BY recorded_at DESC) = 1;
    CREATE VIEW narrative_current AS
        SELECT * FROM narrative
        QUALIFY row_number() OVER (PARTITION BY programme, level_code, period, lang ORDER BY recorded_at DESC) = 1;
    """,
    _chain_audit_log,
]

_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


@contextmanager
def connect(path: Path | str | None = None, *, write: bool = True,
            wait: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store, migrated to the latest schema; closed when the block ends.

    Writers in this process queue on one lock; a lock held by another process is retried for
    ``wait`` seconds, then reported with the holder's PID.
    """
    target = db_path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    guard = _process_write_lock if write else _NoLock()
    with guard, _owner_only_files:
        with _handle_lock:
            con = _open_with_retry(target, wait)
        try:
            if schema_version(con) < len(MIGRATIONS):
                with _process_write_lock:  # two sessions creating the same table conflict in DuckDB's catalog
                    migrate(con)
            yield con
        finally:
            with _handle_lock:
                con.close()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class _OwnerOnlyFiles:
    """While any store connection is open, files the process creates are owner-only (0600).

    DuckDB creates the store file, and its .wal afresh at each connection's first write, with the
    process umask and no mode of its own; so the umask is narrowed for as long as any connection
    (on any thread) is open, and restored when the last one closes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._saved = 0

    def __enter__(self) -> None:
        with self._lock:
            if self._open == 0:
                self._saved = os.umask(0o077)
                os.umask(self._saved | 0o077)
            self._open += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                os.umask(self._saved)


_owner_only_files = _OwnerOnlyFiles()


def _open_with_retry(target: Path, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(target), config=STORAGE)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                holder = _LOCK_HOLDER.search(str(exc))
                who = f"process {holder.group(1)}" if holder else "another process"
                raise StoreLocked(
                    f"the database {target} is busy: {who} holds it; try again when it has finished") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Migrations applied so far (0 for a new file); only reads, so readers never wait for a writer."""
    exists = con.execute("""SELECT count(*) FROM information_schema.tables
                            WHERE table_schema = current_schema() AND table_name = 'schema_version'""").fetchone()[0]
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0] if exists else 0


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The block as one transaction: committed when it ends, rolled back if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def writing(path: Path | str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store for one write and run the block in one transaction: the usual way to write."""
    with connect(path) as con, transaction(con):
        yield con


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations, each in its own transaction; returns the resulting version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    version = schema_version(con)
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(con):
            if callable(step):
                step(con)
            else:
                con.execute(step)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [number])
        version = number
    return version


def audit(con: duckdb.DuckDBPyConnection, user: str, action: str, target: str | None = None,
          detail: dict[str, Any] | None = None, *, os_user: str | None = None) -> None:
    """Record a write, chained to the entry before it; call inside the same transaction as the write.

    ``os_user`` is the operating-system account behind a command-line write, recorded in ``detail``
    beside the name the command was given."""
    if os_user is not None:
        detail = {**(detail or {}), "os_user": os_user}
    text = json.dumps(detail, ensure_ascii=False) if detail else None
    prev = con.execute("SELECT hash FROM audit_head").fetchone()[0]
    entry_id = con.execute("SELECT nextval('audit_seq')").fetchone()[0]
    logged_at = dt.datetime.now()
    digest = entry_hash(entry_id, logged_at, user, action, target, text, prev)
    con.execute("""INSERT INTO audit_log (id, logged_at, user_name, action, target, detail, prev_hash, hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", [entry_id, logged_at, user, action, target, text, prev, digest])
    con.execute("UPDATE audit_head SET last_id = ?, hash = ?", [entry_id, digest])


def audit_entries(db: Path | str | None = None, limit: int = 5000) -> pd.DataFrame:
    """The newest audit entries first (without the chain's hashes, which say nothing to a reader)."""
    with connect(db, write=False) as con:
        return con.execute("SELECT * EXCLUDE (prev_hash, hash) FROM audit_log ORDER BY id DESC LIMIT ?",
                           [limit]).df()
