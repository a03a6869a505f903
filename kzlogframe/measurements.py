"""Read-side queries on stored measurements, for pages and reports (writes live in ingest.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from .store import LOCK_WAIT_SECONDS, connect

# What the progress rules read of a measurement (``progress._values_sql``).
PROGRESS_COLUMNS = ("programme, indicator, period_start, period_end, value, numerator, denominator, "
                    "sex, oblast, ministry")


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # programme and indicator codes, as models.Code allows


def _among_sql(column: str, codes: tuple[str, ...]) -> str:
    """``column IN ('a', 'b')`` with the codes as literals, so DuckDB pushes the filter below the
    view's window (a view cannot take parameters). Only codes the logframe schema allows get here:
    anything else is refused, so no data ever becomes SQL."""
    bad = [c for c in codes if not _CODE.match(c)]
    if bad:
        raise ValueError(f"not a programme or indicator code: {bad[0]!r}")
    return f"{column} IN ({', '.join(repr(c) for c in codes)})" if codes else "false"


def _filter_sql(programmes: tuple[str, ...], indicators: tuple[str, ...] | None) -> str:
    where = _among_sql("programme", programmes)
    return where if indicators is None else f"{where} AND {_among_sql('indicator', indicators)}"


@dataclass(frozen=True)
class StoreSource:
    """Measurements left in the store, for the progress rules to read there instead of from a
    pandas frame: the current values of ``programmes`` (of ``indicators`` only, when given).
    A page then receives only the per-indicator result, never the store's rows."""

    programmes: tuple[str, ...]
    indicators: tuple[str, ...] | None = None
    db: str | None = None

    def narrowed(self, programme: str, indicators: tuple[str, ...]) -> StoreSource:
        """The same store, these indicators of one programme (those outside this source left out)."""
        kept = tuple(i for i in indicators if self.indicators is None or i in self.indicators)
        return replace(self, programmes=(programme,) if programme in self.programmes else (), indicators=kept)

    @contextmanager
    def relation(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read connection to the store in which the temp view ``m`` holds these measurements."""
        with connect(self.db, write=False) as con:
            con.execute(f"CREATE TEMP VIEW m AS SELECT {PROGRESS_COLUMNS} FROM measurement_current "
                        f"WHERE {_filter_sql(self.programmes, self.indicators)}")
            yield con


def current_measurements(programme: str | None = None, db: Path | str | None = None) -> pd.DataFrame:
    """Latest approved value per indicator, period and disaggregation."""
    with connect(db, write=False) as con:
        if programme is None:
            return con.execute("SELECT * FROM measurement_current").df()
        return con.execute("SELECT * FROM measurement_current WHERE programme = ?", [programme]).df()


def measurement_history(programme: str, indicator: str, db: Path | str | None = None) -> pd.DataFrame:
    """Every approved value of one indicator, newest first, with who uploaded it from which file."""
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
    """Changes whenever a batch is committed, reviewed or rolled back: a cheap cache key for derived views."""
    with connect(db, write=False, wait=wait) as con:
        return con.execute("""SELECT count(*), coalesce(max(id), 0), max(status_changed_at),
                                     (SELECT count(*) FROM batch_review)
                              FROM upload_batch""").fetchone()
