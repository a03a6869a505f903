"""Read-side queries on stored measurements, for pages and reports (writes live in ingest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .store import LOCK_WAIT_SECONDS, connect


def current_measurements(programme: str | None = None, db: Path | str | None = None) -> pd.DataFrame:
    """Latest committed value per indicator, period and disaggregation."""
    with connect(db, write=False) as con:
        if programme is None:
            return con.execute("SELECT * FROM measurement_current").df()
        return con.execute("SELECT * FROM measurement_current WHERE programme = ?", [programme]).df()


def measurement_history(programme: str, indicator: str, db: Path | str | None = None) -> pd.DataFrame:
    """Every committed value of one indicator, newest first, with who uploaded it from which file."""
    with connect(db, write=False) as con:
        return con.execute("""
            SELECT period_label, period_start, period_end, sex, oblast, ministry, value, value_text, revision,
                   uploaded_by, file_name, batch_id, recorded_at, source, comment
            FROM measurement_history WHERE programme = ? AND indicator = ?
            ORDER BY period_start DESC, sex, oblast, ministry, revision""", [programme, indicator]).df()


def measured_period_ends(programme: str, db: Path | str | None = None) -> list[dt.date]:
    """The distinct last days of the programme's measured periods: enough to tell which reporting
    periods hold data without reading the values."""
    with connect(db, write=False) as con:
        rows = con.execute("SELECT DISTINCT period_end FROM measurement_current WHERE programme = ? ORDER BY 1",
                           [programme]).fetchall()
    return [row[0] for row in rows]


def data_as_of(programme: str, db: Path | str | None = None) -> dt.date | None:
    """End of the latest period with data: the natural date to assess a programme at."""
    with connect(db, write=False) as con:
        row = con.execute("SELECT max(period_end) FROM measurement_current WHERE programme = ?",
                          [programme]).fetchone()
    return row[0] if row else None


def store_version(db: Path | str | None = None, wait: float = LOCK_WAIT_SECONDS) -> tuple:
    """Changes whenever a batch is committed or rolled back: a cheap cache key for derived views."""
    with connect(db, write=False, wait=wait) as con:
        return con.execute("""SELECT count(*), coalesce(max(id), 0), max(status_changed_at)
                              FROM upload_batch""").fetchone()
