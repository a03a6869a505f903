"""The measurement store: one DuckDB file, opened per operation and closed straight after (or, for a
team, a DuckLake store on PostgreSQL: :mod:`kzlogframe.lake`; the same API, :func:`connect` chooses).

DuckDB lets one process open a file at a time, and the app and the CLI share it, so nothing holds
the file open between operations: :func:`connect` opens it, retries while another process holds the
lock, then says plainly who holds it. Inside one process, writes are serialised by a lock so several
Streamlit sessions never race each other. Across processes a writer is never starved by readers: it
announces itself on a turnstile (:class:`_Turnstile`) that new connections pass only while no writer
waits, so the connections already open finish and the writer gets the file next.

An import is written in one transaction. Should DuckDB's recovery after a crash ever keep measurement
rows without their batch, :func:`connect` finds them before anything else is written and
quarantines them (:func:`quarantine_orphans`): they stay in the file, marked, out of every view,
and the audit log says so.

Every table is append-only except the status of an upload batch: a newer value supersedes an older
one by ``recorded_at``, and the ``*_current`` views pick the latest. Nothing is ever deleted, so
every stored value keeps its history and a rollback is one status change.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from . import lake, store_sql
from .store_sql import next_id

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "kzlogframe.duckdb"
LOCK_WAIT_SECONDS = 10.0
# An import, from the command line or a page, waits its turn behind other writers: an import of a large
# file holds the store for seconds, and several may queue (a team's uploads at the deadline).
IMPORT_WAIT_SECONDS = 300.0
_process_write_lock = threading.RLock()
# DuckDB shares one database instance per file inside a process; two threads opening (or the last
# one closing while another opens) at the same moment race on it ("Unique file handle conflict").
_handle_lock = threading.Lock()


# A new file uses DuckDB 1.5's storage format, whose string compression writes a million
# measurements about a third faster than the default (1.0-compatible) format; files made earlier keep theirs.
STORAGE = {"storage_compatibility_version": "v1.5.0"}


class StoreLocked(RuntimeError):
    """Another process holds the database file."""


def db_path(path: Path | str | None = None) -> Path | str:
    """The store in use: a DuckDB file's path, or a DuckLake store's ``postgresql://`` URL (kzlogframe.lake)."""
    location = path or os.environ.get("KZLOGFRAME_DB") or DEFAULT_DB
    return str(location) if lake.is_lake_url(location) else Path(location)


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


def _review_batches(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 4: review before a batch counts (``kzlogframe.review``).

    Review steps are their own append-only table, since DuckDB cannot widen the CHECK on
    ``upload_batch.status``: that column keeps saying whether the rows are stored ('committed') or
    withdrawn ('rolled_back'), and ``batch_state`` adds the review. A batch without a review row is
    ``submitted``: nothing counts by accident. The batches already stored counted before, so each
    gets an 'approved' step (audited once, when there are any); the measurement views then count
    approved batches only."""
    store_sql.execute(con, """
        CREATE SEQUENCE review_seq START 1;
        CREATE TABLE batch_review (
            id BIGINT PRIMARY KEY,
            batch_id INTEGER NOT NULL,
            state VARCHAR NOT NULL CHECK (state IN ('submitted', 'approved', 'returned')),
            comment VARCHAR,
            user_name VARCHAR NOT NULL,
            recorded_at TIMESTAMP NOT NULL
        );
        INSERT INTO batch_review
            SELECT nextval('review_seq'), id, 'approved', NULL, 'kzlogframe', now() FROM upload_batch ORDER BY id;
        CREATE VIEW batch_review_current AS
            SELECT * FROM batch_review QUALIFY row_number() OVER (PARTITION BY batch_id ORDER BY id DESC) = 1;
        CREATE VIEW batch_state AS
            SELECT b.id AS batch_id,
                   CASE WHEN b.status = 'rolled_back' THEN 'rolled_back' ELSE coalesce(r.state, 'submitted') END
                       AS state,
                   r.comment AS review_comment, r.user_name AS reviewed_by, r.recorded_at AS reviewed_at
            FROM upload_batch b LEFT JOIN batch_review_current r ON r.batch_id = b.id;
        CREATE OR REPLACE VIEW measurement_history AS
            SELECT m.*, b.file_name, b.user_name AS uploaded_by, b.status AS batch_status,
                   row_number() OVER (
                       PARTITION BY m.programme, m.indicator, m.period_start, m.period_end,
                                    m.sex, m.oblast, m.ministry
                       ORDER BY m.recorded_at DESC, m.id DESC) AS revision
            FROM measurement m JOIN upload_batch b ON b.id = m.batch_id
            WHERE m.batch_id IN (SELECT batch_id FROM batch_state WHERE state = 'approved');
        CREATE OR REPLACE VIEW measurement_current AS
            SELECT * EXCLUDE (revision) FROM measurement_history WHERE revision = 1;
    """)
    approved = con.execute("SELECT count(*) FROM batch_review").fetchone()[0]
    if approved:
        audit(con, "kzlogframe", "approve", None, {"batches": approved, "migration": 4})


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
    # Migration 3: quarantined rows (measurements found without their batch, see quarantine_orphans)
    # keep their place in ``measurement`` with the batch id negated, and one row here says which
    # batch they claimed, how many there were, when they were found and why.
    """
    CREATE TABLE measurement_quarantine (
        batch_id INTEGER NOT NULL,
        rows BIGINT NOT NULL,
        first_id BIGINT,
        last_id BIGINT,
        found_at TIMESTAMP NOT NULL,
        reason VARCHAR NOT NULL
    );
    """,
    _review_batches,
    # Migration 5 (issue 17): financial entries, imported in upload batches like measurements (a
    # finance batch is an ``upload_batch`` row whose rows are here, so rollback, the duplicate-file
    # check and the cache stamp work alike). A newer entry with the same key supersedes the older one:
    # a commitment by its contract, a disbursement or expenditure by its contract and date.
    """
    CREATE TABLE finance_entry (
        id BIGINT NOT NULL,
        batch_id INTEGER NOT NULL,
        line INTEGER,
        programme VARCHAR NOT NULL,
        budget_line VARCHAR NOT NULL,
        entry_date DATE NOT NULL,
        kind VARCHAR NOT NULL CHECK (kind IN ('commitment', 'disbursement', 'expenditure')),
        contract_id VARCHAR NOT NULL DEFAULT '',
        contract_type VARCHAR NOT NULL DEFAULT '',
        contractor VARCHAR,
        amount DOUBLE NOT NULL,
        currency VARCHAR NOT NULL,
        comment VARCHAR,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE finance_quarantine (
        batch_id INTEGER NOT NULL,
        rows BIGINT NOT NULL,
        first_id BIGINT,
        last_id BIGINT,
        found_at TIMESTAMP NOT NULL,
        reason VARCHAR NOT NULL
    );
    CREATE VIEW finance_history AS
        SELECT f.*, b.file_name, b.user_name AS uploaded_by,
               row_number() OVER (
                   PARTITION BY f.programme, f.budget_line, f.kind, f.contract_id,
                                CASE WHEN f.kind = 'commitment' THEN NULL ELSE f.entry_date END
                   ORDER BY f.recorded_at DESC, f.id DESC) AS revision
        FROM finance_entry f JOIN upload_batch b ON b.id = f.batch_id
        WHERE b.status = 'committed';
    CREATE VIEW finance_current AS
        SELECT * EXCLUDE (revision) FROM finance_history WHERE revision = 1;
    """,
    # The Steering Committee's records (kzlogframe.committee): every table append-only, a newer row of
    # the same key superseding an older one by ``recorded_at``. ``report_control`` holds each status of
    # a report's version (draft, submitted, approved) and, once submitted, the store state it was made
    # from as JSON (``snapshot``); deviations, risks and decisions keep an id across their versions.
    """
    CREATE SEQUENCE committee_seq START 1;
    CREATE TABLE report_control (
        programme VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
        author VARCHAR,
        distribution VARCHAR,
        snapshot VARCHAR,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE executive_summary (
        programme VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        lang VARCHAR NOT NULL,
        body VARCHAR NOT NULL,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE deviation (
        id INTEGER NOT NULL,
        programme VARCHAR NOT NULL,
        opened VARCHAR NOT NULL,
        opened_end DATE NOT NULL,
        item_kind VARCHAR NOT NULL CHECK (item_kind IN ('indicator', 'activity')),
        item VARCHAR NOT NULL,
        cause VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        due DATE,
        status VARCHAR NOT NULL CHECK (status IN ('open', 'closed')),
        closed VARCHAR,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE risk (
        id INTEGER NOT NULL,
        programme VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        period_end DATE NOT NULL,
        assumption VARCHAR NOT NULL,
        description VARCHAR NOT NULL,
        likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
        impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
        mitigation VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('open', 'closed')),
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE committee_decision (
        id INTEGER NOT NULL,
        programme VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        period_end DATE NOT NULL,
        meeting DATE NOT NULL,
        body VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        due DATE,
        status VARCHAR NOT NULL CHECK (status IN ('required', 'in_progress', 'done', 'cancelled')),
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    CREATE TABLE criterion_assessment (
        programme VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        criterion VARCHAR NOT NULL,
        rating VARCHAR NOT NULL CHECK (rating IN ('a', 'b', 'c', 'd')),
        justification VARCHAR NOT NULL,
        user_name VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    );
    """,
]

_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


@contextmanager
def connect(path: Path | str | None = None, *, write: bool = True, wait: float = LOCK_WAIT_SECONDS,
            on_wait: Callable[[str], None] | None = None,
            schema: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store, migrated to the latest schema, with any orphaned rows quarantined; closed when
    the block ends. ``schema`` stops the migrations at that version, orphans left alone (for
    restoring a backup made at that version, kzlogframe.backup).

    Writers in this process queue on one lock; across processes a writer first takes the
    turnstile, so readers opening after it wait for it instead of starving it. A file held by another
    process is retried for ``wait`` seconds, then reported with the holder's PID. ``on_wait`` is told
    who holds the store when the wait begins and every few seconds after (the CLI prints it).
    """
    target = db_path(path)
    guard = _process_write_lock if write else _NoLock()
    deadline = time.monotonic() + wait
    notify = _Notifier(on_wait)
    if isinstance(target, str):
        with guard, _lake_connection(target, write, deadline, notify, schema) as con:
            yield con
        return
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with guard, _owner_only_files, _turnstile(target, write, deadline, notify):
        with _handle_lock:
            con = _open_with_retry(target, deadline, notify)
        try:
            if schema_version(con) < (schema or len(MIGRATIONS)):
                with _process_write_lock:  # two sessions creating the same table conflict in DuckDB's catalog
                    migrate(con, schema)
            if schema is None and (write or _first_open(target)):
                with _process_write_lock:
                    quarantine_orphans(con)
            yield con
        finally:
            with _handle_lock:
                con.close()


@contextmanager
def _lake_connection(url: str, write: bool, deadline: float, notify: _Notifier,
                     schema: int | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`connect` on a DuckLake store: a writer, and a reader that migrates or quarantines
    orphans (as on a file: at each write and a process's first read), holds the store's lock (after
    this process's, as every writer takes them). A process's first reader looks for orphans without
    the lock and takes it only when there are some: several app processes starting while others
    import would otherwise queue their first page behind every import. The store as of a snapshot
    is read as it is."""
    if lake.pinned(url)[1] is not None:
        if write:
            raise ValueError(f"{lake.redacted(url)} is the store as of a snapshot: it cannot be written")
        with lake.connect(url) as con:
            yield con
        return
    with lake.connect(url) as con:
        stale = schema_version(con) < (schema or len(MIGRATIONS))
        if write or stale or (_first_open(url) and schema is None
                              and any(_orphans(con, table_sql) for table_sql, _ in BATCH_ROWS)):
            with _process_write_lock, lake.write_lock(url, deadline, notify, busy=StoreLocked):
                if stale:
                    migrate(con, schema)
                if schema is None:
                    quarantine_orphans(con)
                if write:
                    yield con
                    return
        yield con


_opened: set[str] = set()


def _first_open(target: Path | str) -> bool:
    """True the first time this process opens ``target`` (readers check for orphans once per process)."""
    key = target if isinstance(target, str) else os.path.realpath(target)
    with _handle_lock:
        if key in _opened:
            return False
        _opened.add(key)
        return True


class _Notifier:
    """Calls ``on_wait(holder)`` when a wait begins and then at most every ``every`` seconds."""

    def __init__(self, on_wait: Callable[[str], None] | None, every: float = 5.0) -> None:
        self._on_wait, self._every, self._last = on_wait, every, None

    def __call__(self, holder: str) -> None:
        now = time.monotonic()
        if self._on_wait is not None and (self._last is None or now - self._last >= self._every):
            self._last = now
            self._on_wait(holder)


class _Turnstile:
    """Writer priority across processes, on an advisory lock file (``flock``) beside nothing the
    project tracks: ``$TMPDIR/kzlogframe-<uid>/<hash of the store path>.lock``.

    A writer holds it exclusively from before it opens the store until it closes it, and writes its
    PID in it; a reader takes it shared and lets go at once, so it only passes while no writer waits
    or writes. Readers in a process that is itself writing pass freely (they share its DuckDB
    instance). The kernel drops the lock of a killed process. Without a usable lock directory the
    turnstile stands open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writing: dict[str, int] = {}  # store path -> nesting depth of this process's writer

    @staticmethod
    def lock_file(target: Path) -> Path:
        digest = hashlib.sha256(os.path.realpath(target).encode()).hexdigest()[:24]
        folder = Path(os.environ.get("KZLOGFRAME_LOCK_DIR") or
                      Path(tempfile.gettempdir()) / f"kzlogframe-{os.getuid()}")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / f"{digest}.lock"

    @contextmanager
    def __call__(self, target: Path, write: bool, deadline: float, notify: _Notifier) -> Iterator[None]:
        key = os.path.realpath(target)
        with self._lock:
            nested = self._writing.get(key, 0) > 0
        if nested:  # this process writes the store already: share its instance
            if write:
                with self._lock:
                    self._writing[key] += 1
                try:
                    yield
                finally:
                    with self._lock:
                        self._writing[key] -= 1
            else:
                yield
            return
        try:
            fd = os.open(self.lock_file(target), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            mode = fcntl.LOCK_EX if write else fcntl.LOCK_SH
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break  # let the open below report who holds the store
                    notify(self._holder(fd))
                    time.sleep(0.02)
            if not write:
                fcntl.flock(fd, fcntl.LOCK_UN)
                yield
                return
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            with self._lock:
                self._writing[key] = 1
            try:
                yield
            finally:
                with self._lock:
                    self._writing.pop(key, None)
        finally:
            os.close(fd)  # closing drops the lock

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            pid = os.pread(fd, 32, 0).decode().strip()
        except OSError:
            pid = ""
        return f"process {pid}" if pid.isdigit() else "another process"


_turnstile = _Turnstile()


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


def _open_with_retry(target: Path, deadline: float, notify: _Notifier | None = None) -> duckdb.DuckDBPyConnection:
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(target), config=STORAGE)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            holder = _LOCK_HOLDER.search(str(exc))
            who = f"process {holder.group(1)}" if holder else "another process"
            if time.monotonic() >= deadline:
                raise StoreLocked(
                    f"the database {target} is busy: {who} holds it; try again when it has finished") from exc
            if notify is not None:
                notify(who)
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Migrations applied so far (0 for a new file); only reads, so readers never wait for a writer."""
    if not store_sql.has_table(con, "schema_version"):
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


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


def migrate(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> int:
    """Apply pending migrations (up to version ``upto``, all by default), each in its own
    transaction; returns the resulting version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    store_sql.prepare(con)
    version = schema_version(con)
    for number, step in enumerate(MIGRATIONS[version:upto], start=version + 1):
        with transaction(con):
            if callable(step):
                step(con)
            else:
                store_sql.execute(con, step)
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
    entry_id = store_sql.next_id(con, "audit_seq")
    logged_at = dt.datetime.now()
    digest = entry_hash(entry_id, logged_at, user, action, target, text, prev)
    con.execute("""INSERT INTO audit_log (id, logged_at, user_name, action, target, detail, prev_hash, hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", [entry_id, logged_at, user, action, target, text, prev, digest])
    con.execute("UPDATE audit_head SET last_id = ?, hash = ?", [entry_id, digest])


# The tables whose rows belong to an upload batch, each with the table its orphans are recorded in.
BATCH_ROWS = (("measurement", "measurement_quarantine"), ("finance_entry", "finance_quarantine"))


def quarantine_orphans(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """Rows of a batch table (:data:`BATCH_ROWS`) whose batch does not exist (left by a crash that
    DuckDB's recovery only half undid) are marked, never deleted: their ``batch_id`` is negated, so
    no view shows them and no later batch that reuses the id can adopt them, and the table's
    quarantine table and the audit log record each batch id and how many rows it had. Returns
    ``[(batch id, rows)]``; one transaction per table."""
    found = []
    for table_sql, quarantine_sql in BATCH_ROWS:
        orphans = _orphans(con, table_sql)
        if not orphans:
            continue
        reason = f"{table_sql} rows without their upload batch: an import was interrupted"
        with transaction(con):
            for batch_id, rows, first_id, last_id in orphans:
                con.execute(f"UPDATE {table_sql} SET batch_id = -batch_id WHERE batch_id = ?", [batch_id])
                con.execute(f"INSERT INTO {quarantine_sql} VALUES (?, ?, ?, ?, now(), ?)",
                            [batch_id, rows, first_id, last_id, reason])
                audit(con, "kzlogframe", "quarantine", f"batch {batch_id}",
                      {"rows": rows, "first_id": first_id, "last_id": last_id, "reason": reason,
                       "marked": f"batch_id = -{batch_id}"}, os_user=_os_user())
        found += [(b, n) for b, n, _, _ in orphans]
    return found


def _orphans(con: duckdb.DuckDBPyConnection, table_sql: str) -> list[tuple[int, int, int, int]]:
    """``(batch id, rows, first id, last id)`` of the rows of ``table_sql`` whose batch does not
    exist; only reads."""
    return con.execute(f"""
        SELECT m.batch_id, count(*), min(m.id), max(m.id)
        FROM {table_sql} m ANTI JOIN upload_batch b ON b.id = m.batch_id
        WHERE m.batch_id > 0 GROUP BY m.batch_id ORDER BY m.batch_id""").fetchall()


def _os_user() -> str | None:
    try:
        import getpass
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no account name is not a reason to fail
        return None


def audit_entries(db: Path | str | None = None, limit: int = 5000) -> pd.DataFrame:
    """The newest audit entries first (without the chain's hashes, which say nothing to a reader)."""
    with connect(db, write=False) as con:
        return con.execute("SELECT * EXCLUDE (prev_hash, hash) FROM audit_log ORDER BY id DESC LIMIT ?",
                           [limit]).df()
