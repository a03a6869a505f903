"""What the TA team writes for a report: narrative per result and the status of each assumption,
per reporting period, appended with history (the latest entry is the current one)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .access import User, authorize
from .store import audit, connect, writing

ASSUMPTION_STATUSES = ("holds", "partly_holds", "does_not_hold", "not_assessed")
MAX_NARRATIVE = 20_000


def _write(sql: str, params: list, actor: User, action: str, target: str, db: Path | str | None) -> None:
    with writing(db) as con:
        con.execute(sql, params)
        audit(con, actor.name, action, target, os_user=actor.os_user)


def save_narrative(programme: str, level_code: str, period: str, lang: str, body: str, *, actor: User,
                   db: Path | str | None = None) -> None:
    authorize(actor, "record", programme)
    if len(body) > MAX_NARRATIVE:
        raise ValueError(f"the narrative is {len(body):,} characters; the limit is {MAX_NARRATIVE:,}")
    _write("INSERT INTO narrative VALUES (?, ?, ?, ?, ?, ?, now())",
           [programme, level_code, period, lang, body, actor.name], actor, "narrative",
           f"{programme}/{level_code}/{period}/{lang}", db)


def narratives(programme: str, period: str, lang: str, db: Path | str | None = None) -> dict[str, str]:
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT level_code, body FROM narrative_current
                              WHERE programme = ? AND period = ? AND lang = ?""", [programme, period, lang]).fetchall()
    return dict(rows)


def save_assumption_status(programme: str, assumption: str, period: str, status: str, comment: str | None, *,
                           actor: User, db: Path | str | None = None) -> None:
    authorize(actor, "record", programme)
    if status not in ASSUMPTION_STATUSES:
        raise ValueError(f"status must be one of {', '.join(ASSUMPTION_STATUSES)}, not '{status}'")
    _write("INSERT INTO assumption_status VALUES (?, ?, ?, ?, ?, ?, now())",
           [programme, assumption, period, status, comment, actor.name], actor, "assumption_status",
           f"{programme}/{assumption}/{period}", db)


def assumption_statuses(programme: str, period: str, db: Path | str | None = None) -> dict[str, tuple[str, str | None]]:
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT assumption, status, comment FROM assumption_status_current
                              WHERE programme = ? AND period = ?""", [programme, period]).fetchall()
    return {a: (s, c) for a, s, c in rows}


def commentary_history(programme: str, db: Path | str | None = None) -> pd.DataFrame:
    """Every narrative and assumption status written for the programme, newest first, as codes (a
    page words them): ``kind`` narrative or assumption, ``status`` an assumption's."""
    with connect(db, write=False) as con:
        return con.execute("""
            SELECT 'narrative' AS kind, level_code AS item, period, lang, NULL AS status, body AS text, user_name,
                   recorded_at
            FROM narrative WHERE programme = ?
            UNION ALL
            SELECT 'assumption', assumption, period, NULL, status, comment, user_name, recorded_at
            FROM assumption_status WHERE programme = ?
            ORDER BY recorded_at DESC""", [programme, programme]).df()
