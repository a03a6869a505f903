"""Review before data count: a new upload batch is ``submitted`` until a reviewer approves it or
returns it with a comment; the Overview, the report, the exports and IATI read approved batches only
(the store's ``measurement_current``), so a correction waiting for review leaves the approved value
counting until it is approved itself.

States (``batch_state`` in the store): ``submitted`` → ``approved`` | ``returned`` (with a comment);
a returned batch may still be approved (the uploader explained it), and its file may be uploaded
again as a new batch; a rolled-back batch stays rolled back. Every step is a row of
``batch_review`` (never changed) and an audit entry.

Who: the ``approve`` permission (reviewers and administrators). Nobody approves their own batch
except an administrator, who holds the store anyway (and is the one user of a single-user install).

When: review is on when a users file is in force (a team) and off in local single-user mode, where
an upload is approved as it is committed (the one user would only approve their own work);
``KZLOGFRAME_REVIEW=on|off`` overrides either way.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .access import User, authorize_all, authorize_somewhere, users_path
from .i18n import t
from .store import audit, connect, next_id, writing

SETTING = "KZLOGFRAME_REVIEW"
STATES = ("submitted", "approved", "returned", "rolled_back")
SHOWN_ROWS = 1000  # rows of a batch the Review page shows


class ReviewRefused(ValueError):
    """A review step that cannot be taken; ``key`` and ``values`` word it in the reader's language."""

    def __init__(self, key: str, **values: object):
        self.key, self.values = key, values
        super().__init__(t(key, "en", **values))


def required(users: Path | str | None = None) -> bool:
    """Whether uploads wait for review: ``$KZLOGFRAME_REVIEW`` (on/off) if set, else whether a users
    file is in force."""
    setting = os.environ.get(SETTING, "").strip().lower()
    if setting in ("on", "off"):
        return setting == "on"
    if setting:
        raise ValueError(f"{SETTING} must be 'on' or 'off', not '{setting}'")
    return users_path(users).exists()


def on_upload(con: duckdb.DuckDBPyConnection, batch_id: int, actor: User) -> str:
    """The first review step of a batch being committed (inside the importer's transaction): submitted,
    and approved at once when review is off. Returns the batch's state; the upload's own audit entry says it."""
    _step(con, batch_id, "submitted", None, actor)
    if required():
        return "submitted"
    _step(con, batch_id, "approved", None, actor)
    return "approved"


def outside_review(con: duckdb.DuckDBPyConnection, batch_id: int, actor: User) -> None:
    """A financial batch counts at once: its entries are accounting records (contracts signed, payments
    made) that the reviewer of indicator values does not check, so the batch is approved as it is
    committed and never waits in the review queue."""
    _step(con, batch_id, "submitted", None, actor)
    _step(con, batch_id, "approved", None, actor)


def _step(con: duckdb.DuckDBPyConnection, batch_id: int, state: str, comment: str | None, actor: User) -> None:
    con.execute("INSERT INTO batch_review VALUES (?, ?, ?, ?, ?, ?)",
                [next_id(con, "review_seq"), batch_id, state, comment, actor.name, dt.datetime.now()])


def batch_programmes(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[str]:
    """The programmes a batch holds values or financial entries of: where a step on it must be allowed."""
    return [row[0] for row in con.execute("""SELECT programme FROM measurement WHERE batch_id = $id UNION
                                             SELECT programme FROM finance_entry WHERE batch_id = $id ORDER BY 1""",
                                          {"id": batch_id}).fetchall()]


def _decide(batch_id: int, actor: User, state: str, comment: str | None, db: Path | str | None) -> str:
    authorize_somewhere(actor, "approve")
    allowed_from = {"approved": ("submitted", "returned"), "returned": ("submitted",)}[state]
    with writing(db) as con:
        row = con.execute("""SELECT s.state, b.user_name, b.file_name FROM batch_state s
                             JOIN upload_batch b ON b.id = s.batch_id WHERE s.batch_id = ?""", [batch_id]).fetchone()
        if row is None:
            raise ReviewRefused("review.refused.no_batch", batch=batch_id)
        current, uploader, file_name = row
        programmes = batch_programmes(con, batch_id)
        authorize_all(actor, "approve", programmes)
        if current not in allowed_from:
            raise ReviewRefused(f"review.refused.{state}_from_{current}", batch=batch_id)
        if state == "approved" and uploader == actor.name and any(actor.role_in(code) != "admin" for code in programmes):
            raise ReviewRefused("review.refused.own_batch", batch=batch_id)
        _step(con, batch_id, state, comment, actor)
        audit(con, actor.name, "approve" if state == "approved" else "return", f"batch {batch_id}",
              {"file": file_name, "uploaded_by": uploader, "comment": comment}, os_user=actor.os_user)
    return uploader


def approve(batch_id: int, actor: User, *, comment: str | None = None, db: Path | str | None = None) -> str:
    """Let a submitted (or returned) batch count; returns who uploaded it."""
    return _decide(batch_id, actor, "approved", (comment or "").strip() or None, db)


def return_batch(batch_id: int, actor: User, *, comment: str, db: Path | str | None = None) -> str:
    """Send a submitted batch back to its uploader, saying why (a comment is required); returns the uploader."""
    if not (comment or "").strip():
        raise ReviewRefused("review.refused.comment_needed", batch=batch_id)
    return _decide(batch_id, actor, "returned", comment.strip(), db)


@dataclass(frozen=True)
class Waiting:
    """Submitted batches and their values, as the Overview and the report mention them."""

    batches: int
    values: int


def waiting(programme: str | None = None, until: dt.date | None = None, db: Path | str | None = None, *,
            within: Collection[str] | None = None) -> Waiting:
    """What waits for review: of one programme (of periods ending by ``until``), of the programmes
    ``within``, or of the whole store."""
    with connect(db, write=False) as con:
        row = con.execute("""
            SELECT count(DISTINCT m.batch_id), count(*) FROM measurement m
            JOIN batch_state s ON s.batch_id = m.batch_id
            WHERE s.state = 'submitted' AND ($programme IS NULL OR m.programme = $programme)
              AND ($within IS NULL OR list_contains($within, m.programme))
              AND m.period_end <= $until""", {"programme": programme, "until": until or dt.date.max,
                                              "within": None if within is None else list(within)}).fetchone()
    return Waiting(*row)


def batches(db: Path | str | None = None, *, states: tuple[str, ...] = STATES, uploaded_by: str | None = None,
            within: Collection[str] | None = None, limit: int = 200) -> pd.DataFrame:
    """Upload batches with their review state, newest first: the reviewer's queue (``states=('submitted',)``)
    or an uploader's own batches (``uploaded_by``); ``within``: only batches holding values of these
    programmes alone (a reviewer's scope). ``programmes`` lists the programmes a batch holds;
    ``warnings`` counts the warnings stored with it."""
    with connect(db, write=False) as con:
        return con.execute("""
            SELECT b.id, b.file_name, b.user_name, b.uploaded_at, b.rows_accepted,
                   (SELECT string_agg(DISTINCT m.programme, ', ' ORDER BY m.programme) FROM measurement m
                    WHERE m.batch_id = b.id) AS programmes,
                   coalesce(json_array_length(b.warnings), 0) AS warnings,
                   s.state, s.review_comment, s.reviewed_by, s.reviewed_at
            FROM upload_batch b JOIN batch_state s ON s.batch_id = b.id
            WHERE list_contains($states, s.state) AND ($by IS NULL OR b.user_name = $by)
              AND ($within IS NULL OR NOT EXISTS (SELECT 1 FROM measurement m WHERE m.batch_id = b.id
                                                  AND NOT list_contains($within, m.programme)))
            ORDER BY b.id DESC LIMIT $limit""",
                           {"states": list(states), "by": uploaded_by, "limit": limit,
                            "within": None if within is None else list(within)}).df()


def batch_rows(batch_id: int, db: Path | str | None = None, limit: int = SHOWN_ROWS) -> pd.DataFrame:
    """A batch's values beside the approved value each would replace (``approved_value``, empty for
    a new one), in file order; at most ``limit`` rows, the whole count in ``attrs['total']``."""
    with connect(db, write=False) as con:
        total = con.execute("SELECT count(*) FROM measurement WHERE batch_id = ?", [batch_id]).fetchone()[0]
        frame = con.execute("""
            SELECT m.line, m.programme, m.indicator, m.period_label, m.sex, m.oblast, m.ministry,
                   m.value, m.value_text, c.value AS approved_value, c.value_text AS approved_text, m.comment
            FROM measurement m LEFT JOIN measurement_current c
              ON c.programme = m.programme AND c.indicator = m.indicator AND c.period_start = m.period_start
             AND c.period_end = m.period_end AND c.sex = m.sex AND c.oblast = m.oblast AND c.ministry = m.ministry
             AND c.batch_id <> m.batch_id
            WHERE m.batch_id = ? ORDER BY m.line LIMIT ?""", [batch_id, limit]).df()
    frame.attrs["total"] = total
    return frame


def batch_warnings(batch_id: int, db: Path | str | None = None) -> pd.DataFrame:
    """The warnings stored with a batch at upload (outliers, decimal separators): what a reviewer checks first."""
    with connect(db, write=False) as con:
        row = con.execute("SELECT warnings FROM upload_batch WHERE id = ?", [batch_id]).fetchone()
    return pd.DataFrame(json.loads(row[0])) if row and row[0] else pd.DataFrame(columns=["line", "warning"])


def review_history(batch_id: int | None = None, db: Path | str | None = None, limit: int = 200, *,
                   within: Collection[str] | None = None) -> pd.DataFrame:
    """Review steps, newest first: of one batch, or of all (``within``: of batches holding values of
    these programmes alone, as :func:`batches`)."""
    with connect(db, write=False) as con:
        return con.execute("""SELECT batch_id, state, comment, user_name, recorded_at FROM batch_review r
                              WHERE ($batch IS NULL OR batch_id = $batch)
                                AND ($within IS NULL OR NOT EXISTS (SELECT 1 FROM measurement m
                                     WHERE m.batch_id = r.batch_id AND NOT list_contains($within, m.programme)))
                              ORDER BY id DESC LIMIT $limit""",
                           {"batch": batch_id, "limit": limit, "within": None if within is None else list(within)}).df()


def state_of(batch_id: int, db: Path | str | None = None) -> str | None:
    with connect(db, write=False) as con:
        row = con.execute("SELECT state FROM batch_state WHERE batch_id = ?", [batch_id]).fetchone()
    return row[0] if row else None
