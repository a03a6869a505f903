"""The team backend: a DuckLake store whose catalog is a PostgreSQL database.

``KZLOGFRAME_DB=postgresql://user@host:5432/dbname`` selects it (``kzlogframe.store.connect`` hides
the difference). Its data files (Parquet) go under ``$KZLOGFRAME_DATA_PATH/<dbname>/`` — a local
folder, ``data/ducklake/<dbname>/`` beside the default DuckDB file unless set, or an S3-compatible
object store (``s3://bucket/folder``, see :func:`_object_store`). The catalog remembers the path it
was created with.

Several processes, on several machines, may read and write at once: DuckLake commits optimistically
and PostgreSQL arbitrates. kzlogframe's writes all touch the audit log's head, so two of them at once
would conflict; instead a writer takes a PostgreSQL advisory lock (:func:`write_lock`) for its
connection, and writers queue there as they do on the DuckDB file's turnstile. The DuckDB
extensions come from their Python packages (``duckdb-extension-ducklake``,
``duckdb-extension-postgres_scanner``), loaded from the installed files: nothing is downloaded at
run time.

Every commit is a DuckLake snapshot, kept until someone expires it. :func:`as_of` names the store as
it was at one of them (time travel, read-only): a submitted report reads its numbers there again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb

from .store_sql import LAKE, literal_sql

SCHEMES = ("postgresql://", "postgres://")
PINNED = "#snapshot="  # how a location names the store as of a snapshot (see as_of)
DEFAULT_DATA_ROOT = Path(__file__).resolve().parent.parent / "data" / "ducklake"
EXTENSIONS = (("duckdb_extension_postgres_scanner", "postgres_scanner"), ("duckdb_extension_ducklake", "ducklake"))
OBJECT_STORE_EXTENSION = ("duckdb_extension_httpfs", "httpfs")
ATTACH_TRIES = 5  # a new catalog attached by two processes at once: one creates it, the other tries again
_instances: dict[str, duckdb.DuckDBPyConnection] = {}
_held: dict[str, int] = {}  # store -> how deeply this process's writer holds its lock
_instances_lock = threading.Lock()


def is_lake_url(location: object) -> bool:
    return str(location).startswith(SCHEMES)


def data_path(url: str) -> str:
    """Where the store at ``url`` keeps its data files: one folder per catalog database."""
    root = os.environ.get("KZLOGFRAME_DATA_PATH") or str(DEFAULT_DATA_ROOT)
    name = unquote(urlsplit(url).path.lstrip("/")) or "kzlogframe"
    return f"{root.rstrip('/')}/{name}/"


def extension_file(package: str, name: str) -> str:
    """The extension's file inside its Python package (the one built for the installed DuckDB)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the Python package {package} is missing: pip install -r requirements.txt")
    folder = Path(next(iter(spec.submodule_search_locations))) / "extensions" / f"v{duckdb.__version__}"
    return str(folder / f"{name}.duckdb_extension")


def as_of(url: str, snapshot: int) -> str:
    """The location of the store at ``url`` as it was at ``snapshot``: read-only, for ``store.connect``."""
    return f"{pinned(url)[0]}{PINNED}{int(snapshot)}"


def pinned(url: str) -> tuple[str, int | None]:
    """The store's own URL, and the snapshot a location is pinned to (None: the store as it is now)."""
    base, mark, version = url.partition(PINNED)
    return base, int(version) if mark else None


def current_snapshot(url: str) -> int:
    """The id of the store's latest snapshot (its last commit)."""
    with connect(url) as con:
        return con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()[0]


class SnapshotMissing(LookupError):
    """The snapshot a location is pinned to is not in the catalog (never was, or has been expired)."""


def _instance(url: str) -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process and location with the lake attached; connections are its
    cursors. A pinned location attaches the lake read-only at its snapshot; there are as many of
    those as submitted reports looked at, a handful per store."""
    with _instances_lock:
        if url not in _instances:
            con = duckdb.connect(config={"autoinstall_known_extensions": False})
            for package, name in EXTENSIONS:
                con.load_extension(extension_file(package, name))
            base, snapshot = pinned(url)
            path = data_path(base)
            if "://" in path:
                _object_store(con)
            else:
                Path(path).mkdir(mode=0o700, parents=True, exist_ok=True)
            _attach(con, base, path, snapshot)
            _instances[url] = con
        return _instances[url]


def _object_store(con: duckdb.DuckDBPyConnection) -> None:
    """Data files in an S3-compatible object store (``s3://bucket/folder``): the httpfs extension,
    with the credentials of the usual AWS variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_REGION``, and ``AWS_ENDPOINT_URL`` for a server other than AWS, such as MinIO)."""
    con.load_extension(extension_file(*OBJECT_STORE_EXTENSION))
    settings = {"KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID"), "SECRET": os.environ.get("AWS_SECRET_ACCESS_KEY"),
                "REGION": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        settings |= {"ENDPOINT": parts.netloc, "URL_STYLE": "path", "USE_SSL": parts.scheme == "https"}
    options_sql = "".join(f", {key} {value if isinstance(value, bool) else literal_sql(value)}"
                          for key, value in settings.items() if value not in (None, ""))
    con.execute(f"CREATE SECRET kzlogframe_data (TYPE s3{options_sql})")


class StoreUnreachable(ConnectionError):
    """The PostgreSQL server of a DuckLake store cannot be reached: said in one line, without the password."""


def _attach(con: duckdb.DuckDBPyConnection, url: str, path: str, snapshot: int | None) -> None:
    snapshot_sql = "" if snapshot is None else f", SNAPSHOT_VERSION {int(snapshot)}"
    for attempt in range(ATTACH_TRIES):
        try:
            con.execute(f"ATTACH {literal_sql('ducklake:postgres:' + url)} AS {LAKE} "
                        f"(DATA_PATH {literal_sql(path)}{snapshot_sql})")
            con.execute(f"USE {LAKE}")  # the catalog is read here: a missing snapshot shows now
            return
        except duckdb.Error as exc:
            if _missing_snapshot(exc):
                raise SnapshotMissing(f"the store {redacted(url)} has no snapshot {snapshot} (expired?)") from exc
            if "unable to connect to postgres" in str(exc).lower():
                raise StoreUnreachable(f"the store's PostgreSQL server at {redacted(url)} cannot be reached: is it "
                                       "running and accepting connections? (bash scripts/pg_local.sh starts a "
                                       "local one)") from exc
            if attempt + 1 == ATTACH_TRIES or "duplicate" not in str(exc).lower():
                raise
            time.sleep(0.1 * (attempt + 1))


@contextmanager
def connect(url: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store at ``url`` with the lake in use; closed when the block ends."""
    con = _instance(url).cursor()
    try:
        try:
            con.execute(f"USE {LAKE}")
        except duckdb.Error as exc:
            if not _missing_snapshot(exc):
                raise
            with _instances_lock:  # expired since this process attached it
                _instances.pop(url, None)
            base, snapshot = pinned(url)
            raise SnapshotMissing(f"the store {redacted(base)} has no snapshot {snapshot} (expired?)") from exc
        yield con
    finally:
        con.close()


def _missing_snapshot(exc: duckdb.Error) -> bool:
    return "no snapshot found" in str(exc).lower()


@contextmanager
def write_lock(url: str, deadline: float, notify: Callable[[str], None],
               busy: Callable[[str], Exception]) -> Iterator[None]:
    """Hold the store's PostgreSQL advisory lock for the block: one kzlogframe writer at a time, on
    any machine. The lock belongs to a transaction of its own, so PostgreSQL drops it if the process
    dies. Waits until ``deadline``, telling ``notify`` that another writer holds it, then raises ``busy``.
    The caller holds its process's write lock, so a lock held already is this thread's: it nests."""
    if _held.get(url):
        _held[url] += 1
        try:
            yield
        finally:
            _held[url] -= 1
        return
    key = int.from_bytes(hashlib.sha256(f"kzlogframe:{url}".encode()).digest()[:8], "big", signed=True)
    con = _instance(url).cursor()
    try:
        con.execute("BEGIN TRANSACTION")
        while not con.execute("SELECT * FROM postgres_query(?, ?)", [
                f"__ducklake_metadata_{LAKE}", f"SELECT pg_try_advisory_xact_lock({key})"]).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise busy(f"the store {redacted(url)} is busy: another writer holds it; "
                               "try again when it has finished")
            notify("another writer")
            time.sleep(0.05)
        _held[url] = 1
        try:
            yield
        finally:
            _held[url] = 0
    finally:
        con.close()  # ends the lock's transaction


def redacted(url: str) -> str:
    """``url`` without a password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
