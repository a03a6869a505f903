"""Backup and restore of a whole store, either backend, in one format.

A backup is a folder: one Parquet file per table and ``manifest.json`` with the schema version, each
table's row count and each sequence's last value. Being the same for a DuckDB file and a DuckLake
store, a backup of one restores into the other (the way from a laptop to a team deployment).

A restore fills an empty store: a new one is migrated up to the backup's schema version, the rows
are loaded, and the migrations after it run as they would have on the original. A store with data
is replaced only when asked (``force``): its rows go, the backup's come, in one transaction.
Both are audited; the backup's own entry is inside the backup, so the restored chain verifies.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import store_sql
from .access import User, authorize
from .store import MIGRATIONS, audit, connect, schema_version, transaction

FORMAT = "kzlogframe-backup-1"
MANIFEST = "manifest.json"
# bookkeeping, not data: the schema version goes in the manifest, a DuckLake store's sequences too
_NOT_COPIED = {"schema_version", "sequence_value"}
# tables that a new, empty store already has rows in
_SET_UP = {"audit_head"}


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    schema_version: int
    rows: dict[str, int]

    @property
    def message(self) -> str:
        return (f"{self.directory}: {sum(self.rows.values())} rows in {len(self.rows)} tables "
                f"(schema version {self.schema_version})")


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The store's tables (not views), by name."""
    names = con.execute("""SELECT table_name FROM information_schema.tables
                           WHERE table_catalog = current_database() AND table_schema = current_schema()
                             AND table_type = 'BASE TABLE' ORDER BY table_name""").fetchall()
    return [name for (name,) in names if name not in _NOT_COPIED]


def backup(directory: Path | str, actor: User, db: Path | str | None = None) -> BackupResult:
    """Write every table of the store to ``directory`` (new or empty), as of one transaction."""
    authorize(actor, "store")
    folder = Path(directory)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: a backup goes into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    with connect(db) as con:
        with transaction(con):
            names = tables(con)
            audit(con, actor.name, "backup", str(folder.resolve()), {"tables": len(names)}, os_user=actor.os_user)
            rows = {}
            for name in names:
                rows[name] = _count(con, name)
                con.table(name).write_parquet(str(folder / f"{name}.parquet"))
        # after the commit (DuckDB lists a sequence's value as committed), still holding the store
        manifest = {"format": FORMAT, "schema_version": schema_version(con), "made_at": dt.datetime.now().isoformat(),
                    "tables": rows, "sequences": store_sql.sequences(con)}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupResult(folder, manifest["schema_version"], rows)


def restore(directory: Path | str, actor: User, db: Path | str | None = None, *, force: bool = False) -> BackupResult:
    """Load the backup in ``directory`` into the store: an empty one, or any one with ``force``."""
    authorize(actor, "store")
    folder = Path(directory)
    manifest = _manifest(folder)
    version = manifest["schema_version"]
    with connect(db, write=True, schema=version) as con:
        current = schema_version(con)
        if current != version:
            raise ValueError(f"the store is at schema version {current} and the backup at {version}: "
                             "restore it into a new store")
        filled = [name for name in tables(con) if name not in _SET_UP and _count(con, name)]
        if filled and not force:
            raise ValueError(f"the store is not empty (rows in {', '.join(filled)}): "
                             "restore into a new store, or replace its contents with --force")
        unknown = sorted(set(manifest["tables"]) - set(tables(con)))
        if unknown:
            raise ValueError(f"{folder / MANIFEST}: no table {', '.join(unknown)} at schema version {version}")
        unknown = sorted(set(manifest["sequences"]) - set(store_sql.sequences_named(con)))
        if unknown:
            raise ValueError(f"{folder / MANIFEST}: no sequence {', '.join(unknown)} at schema version {version}")
        with transaction(con):
            for table_sql in tables(con):  # names of the store's own tables (the manifest's are among them)
                con.execute(f"DELETE FROM {table_sql}")
            for table_sql, count in manifest["tables"].items():
                con.execute(f"INSERT INTO {table_sql} BY NAME SELECT * FROM read_parquet(?)",
                            [str(folder / f"{table_sql}.parquet")])
                loaded = _count(con, table_sql)
                if loaded != count:
                    raise ValueError(f"{folder / f'{table_sql}.parquet'}: {loaded} rows, the manifest says {count}")
            for name, last in manifest["sequences"].items():
                store_sql.set_sequence(con, name, last)
            audit(con, actor.name, "restore", str(folder.resolve()),
                  {"schema_version": version, "rows": sum(manifest["tables"].values()), "replaced": filled},
                  os_user=actor.os_user)
    with connect(db):  # the migrations made after the backup, on its rows
        pass
    return BackupResult(folder, version, manifest["tables"])


def _manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: missing: {folder} is not a kzlogframe backup") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format {manifest.get('format')!r} is not {FORMAT!r}")
    if not 1 <= manifest.get("schema_version", 0) <= len(MIGRATIONS):
        raise ValueError(f"{path}: schema version {manifest.get('schema_version')} is unknown to this kzlogframe "
                         f"(it knows 1 to {len(MIGRATIONS)})")
    for name in manifest["tables"]:
        if not (folder / f"{name}.parquet").is_file():
            raise ValueError(f"{folder / f'{name}.parquet'}: missing (the manifest lists table {name})")
    return manifest


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.table(table).aggregate("count(*)").fetchone()[0]
