"""What the TA team records about activities: actual dates and status, kept with full history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from .access import User, authorize
from .i18n import t
from .schedule import ACTIVITY_STATUSES, Actual
from .store import audit, connect, writing


class RecordRefused(ValueError):
    """An activity state that cannot be recorded; ``key`` and ``values`` word it in the reader's language."""

    def __init__(self, key: str, **values: object):
        self.key, self.values = key, values
        super().__init__(t(key, "en", **values))


@dataclass(frozen=True)
class ActivityState:
    """What is recorded for an activity now (``recorded_at`` None: nothing yet)."""

    status: str = "not_started"
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    comment: str | None = None
    recorded_at: dt.datetime | None = None


FIELDS = ("status", "actual_start", "actual_end", "comment")


def _state(con: duckdb.DuckDBPyConnection, programme: str, activity: str) -> ActivityState:
    row = con.execute("""SELECT status, actual_start, actual_end, comment, recorded_at FROM activity_progress_current
                         WHERE programme = ? AND activity = ?""", [programme, activity]).fetchone()
    return ActivityState(*row) if row else ActivityState()


def activity_state(programme: str, activity: str, db: Path | str | None = None) -> ActivityState:
    """The activity's current state, for a form to start from."""
    with connect(db, write=False) as con:
        return _state(con, programme, activity)


def _check(state: ActivityState) -> None:
    if state.status not in ACTIVITY_STATUSES:
        raise RecordRefused("activity.refused.status", status=state.status)
    if state.actual_start and state.actual_end and state.actual_end < state.actual_start:
        raise RecordRefused("activity.refused.end_before_start", start=state.actual_start, end=state.actual_end)
    if state.actual_end and not state.actual_start:
        raise RecordRefused("activity.refused.end_without_start")


def update_activity(programme: str, activity: str, changes: Mapping[str, object], *, actor: User,
                    db: Path | str | None = None) -> ActivityState:
    """Record a new state of an activity: the current one with ``changes`` (any of :data:`FIELDS`)
    applied, so a field left out keeps its recorded value (a status change never blanks the dates;
    ``None`` given on purpose clears one). Read and written in one transaction; earlier states stay
    as history. Raises :class:`RecordRefused` for a state that cannot be (an end before the start)."""
    authorize(actor, "record", programme)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"not an activity field: {', '.join(sorted(unknown))}")
    with writing(db) as con:
        state = replace(_state(con, programme, activity), **changes, recorded_at=None)
        _check(state)
        con.execute("INSERT INTO activity_progress VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                    [programme, activity, state.actual_start, state.actual_end, state.status, state.comment,
                     actor.name])
        audit(con, actor.name, "activity_progress", f"{programme}/{activity}",
              {"status": state.status, "start": str(state.actual_start), "end": str(state.actual_end)},
              os_user=actor.os_user)
    return state


def record_activity(programme: str, activity: str, *, status: str, actual_start: dt.date | None,
                    actual_end: dt.date | None, comment: str | None, actor: User,
                    db: Path | str | None = None) -> None:
    """Record the whole state of an activity (every field given); earlier entries stay as history."""
    update_activity(programme, activity, {"status": status, "actual_start": actual_start, "actual_end": actual_end,
                                          "comment": comment}, actor=actor, db=db)


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
