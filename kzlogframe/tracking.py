"""What the TA team records about activities: actual dates and status, kept with full history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .access import User, authorize
from .schedule import ACTIVITY_STATUSES, Actual
from .store import audit, connect, writing


def record_activity(programme: str, activity: str, *, status: str, actual_start: dt.date | None,
                    actual_end: dt.date | None, comment: str | None, actor: User,
                    db: Path | str | None = None) -> None:
    """Append a new state of an activity; earlier entries stay as history."""
    authorize(actor.role, "record")
    if status not in ACTIVITY_STATUSES:
        raise ValueError(f"status must be one of {', '.join(ACTIVITY_STATUSES)}, not '{status}'")
    if actual_start and actual_end and actual_end < actual_start:
        raise ValueError(f"actual end {actual_end} is before actual start {actual_start}")
    if actual_end and not actual_start:
        raise ValueError("an activity with an actual end needs an actual start")
    with writing(db) as con:
        con.execute("INSERT INTO activity_progress VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                    [programme, activity, actual_start, actual_end, status, comment, actor.name])
        audit(con, actor.name, "activity_progress", f"{programme}/{activity}",
              {"status": status, "start": str(actual_start), "end": str(actual_end)}, os_user=actor.os_user)


def current_actuals(programme: str, db: Path | str | None = None) -> dict[str, Actual]:
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT activity, actual_start, actual_end, status FROM activity_progress_current
                              WHERE programme = ?""", [programme]).fetchall()
    return {code: Actual(start, end, status) for code, start, end, status in rows}


def activity_history(programme: str, db: Path | str | None = None) -> pd.DataFrame:
    with connect(db, write=False) as con:
        return con.execute("""SELECT activity, status, actual_start, actual_end, comment, user_name, recorded_at
                              FROM activity_progress WHERE programme = ? ORDER BY recorded_at DESC""",
                           [programme]).df()
