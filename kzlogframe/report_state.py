"""A Steering Committee report from the store, now or as it was submitted.

Submitting a report records the store state it was made from (``snapshot``): the ids of the
measurement rows it used (rows are never deleted, so they can be read again after a correction or
a rollback), the activity dates, narratives, assumption statuses and committee records it showed,
the last audit entry and upload batch, and its numbers per indicator. On a DuckLake store it also
records the store's snapshot id, and everything is read at that snapshot.

Regenerating it "as submitted" reads the store at that snapshot (time travel) on DuckLake; on a
DuckDB file, or when the snapshot has been expired since, it rebuilds the same model from the
recorded state. :func:`changed_since` lists what the store says differently today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import committee, lake
from .access import User
from .commentary import assumption_statuses, narratives
from .finance_ingest import current_entries, entries_by_id
from .i18n import LANGUAGES
from .measurements import current_measurements
from .models import Logframe
from .periods import ReportingPeriod
from .report import Report, build_report
from .report_committee import with_committee
from .review import Waiting, waiting
from .schedule import Actual
from .store import connect, db_path
from .tracking import current_actuals


@dataclass(frozen=True)
class Change:
    """An indicator whose latest value or status differs between two reports."""

    code: str
    actual_then: float | None
    actual_now: float | None
    status_then: str
    status_now: str


def _fingerprint(lf: Logframe) -> str:
    return hashlib.sha256(lf.model_dump_json().encode("utf-8")).hexdigest()


def current_report(lf: Logframe, period: ReportingPeriod, lang: str, db: Path | str | None = None,
                   generated: dt.date | None = None) -> Report:
    """The report as the store stands now, with its committee sections."""
    code = lf.programme.code
    return with_committee(lf, _report_from(lf, period, lang, db, generated), committee.records(lf, period, db),
                          committee.control(code, period.label, db))


def _report_from(lf: Logframe, period: ReportingPeriod, lang: str, db: Path | str | None,
                 generated: dt.date | None) -> Report:
    """The report from what the store at ``db`` holds, without its committee sections."""
    code = lf.programme.code
    return build_report(lf, current_measurements(code, db), period, lang, actuals=current_actuals(code, db),
                        narratives=narratives(code, period.label, lang, db),
                        assumption_status=assumption_statuses(code, period.label, db), generated=generated,
                        waiting=waiting(code, period.end, db), finance=current_entries(code, db))


def _lake_snapshot(db: Path | str | None) -> int | None:
    """The DuckLake store's latest snapshot id; None for a DuckDB file (it has no time travel)."""
    location = db_path(db)
    return lake.current_snapshot(location) if isinstance(location, str) else None


def numbers(report: Report) -> dict[str, list]:
    """Each indicator's latest value, its period and status: what "the same numbers" compares."""
    return {row.code: [row.actual, row.period, row.status, row.vs_expected] for row in report.annex}


def snapshot(lf: Logframe, period: ReportingPeriod, db: Path | str | None = None) -> dict:
    """The store state the report of ``period`` is made from now (see the module's docstring)."""
    code = lf.programme.code
    pinned_at = _lake_snapshot(db)
    if pinned_at is not None:  # read everything at one snapshot, whatever is committed meanwhile
        db = lake.as_of(str(db_path(db)), pinned_at)
    measured = current_measurements(code, db)
    with connect(db, write=False) as con:
        audit_id, batch_id = con.execute("""SELECT (SELECT coalesce(max(id), 0) FROM audit_log),
                                                   (SELECT coalesce(max(id), 0) FROM upload_batch)""").fetchone()
        finance_ids = [i for (i,) in con.execute("SELECT id FROM finance_current WHERE programme = ? ORDER BY id",
                                                 [code]).fetchall()]
    pending = waiting(code, period.end, db)
    actuals = current_actuals(code, db)
    report = build_report(lf, measured, period, "en", actuals=actuals)
    return {
        "programme": code, "period": period.label, "logframe": _fingerprint(lf), "store_snapshot": pinned_at,
        "audit_id": audit_id,
        "batch_id": batch_id, "measurement_ids": sorted(int(i) for i in measured["id"]),
        "finance_ids": finance_ids, "waiting": [pending.batches, pending.values],
        "actuals": {c: [a.start.isoformat() if a.start else None, a.end.isoformat() if a.end else None, a.status]
                    for c, a in actuals.items()},
        "narratives": {lang: narratives(code, period.label, lang, db) for lang in LANGUAGES},
        "assumptions": {a: list(v) for a, v in assumption_statuses(code, period.label, db).items()},
        "records": committee.records_to_json(committee.records(lf, period, db)),
        "numbers": numbers(report)}


def submit(lf: Logframe, period: ReportingPeriod, *, actor: User, db: Path | str | None = None) -> committee.Control:
    """Submit the report of ``period`` to the committee with the store state it is made from."""
    state = committee.dumps(snapshot(lf, period, db))
    return committee.change_status(lf.programme.code, period.label, "submitted", actor=actor, snapshot=state, db=db)


def _rows(ids: list[int], db: Path | str | None) -> pd.DataFrame:
    """Measurement rows by id, whatever happened to their batch since (a rollback keeps the rows)."""
    with connect(db, write=False) as con:
        con.register("wanted", pd.DataFrame({"id": pd.Series(ids, dtype="int64")}))
        return con.execute("""SELECT m.*, b.file_name, b.user_name AS uploaded_by, b.status AS batch_status
                              FROM measurement m JOIN upload_batch b ON b.id = m.batch_id
                              SEMI JOIN wanted w ON w.id = m.id ORDER BY m.id""").df()


def as_submitted(lf: Logframe, period: ReportingPeriod, lang: str, db: Path | str | None = None,
                 generated: dt.date | None = None) -> Report | None:
    """The report as it was submitted (None if it never was): read at the store's snapshot on
    DuckLake, else rebuilt from the recorded state. Raises ValueError when the logframe has changed
    since, as the numbers could then differ."""
    text = committee.stored_snapshot(lf.programme.code, period.label, db)
    if text is None:
        return None
    state = json.loads(text)
    if state["logframe"] != _fingerprint(lf):
        raise ValueError(f"the logframe of {lf.programme.code} has changed since the report was submitted")
    pinned_at = state.get("store_snapshot")
    try:
        report, records = _at_snapshot(lf, period, lang, db, pinned_at, generated) if pinned_at is not None \
            else _from_state(lf, period, lang, db, state, generated)
    except lake.SnapshotMissing:
        pinned_at = None
        report, records = _from_state(lf, period, lang, db, state, generated)
    rebuilt = with_committee(lf, report, records, committee.control(lf.programme.code, period.label, db))
    return dataclasses.replace(rebuilt, committee=dataclasses.replace(rebuilt.committee, as_submitted=True,
                                                                      store_snapshot=pinned_at))


def _at_snapshot(lf: Logframe, period: ReportingPeriod, lang: str, db: Path | str | None, pinned_at: int,
                 generated: dt.date | None) -> tuple[Report, committee.Records]:
    """The report and committee records read from the DuckLake store as of ``pinned_at``."""
    then = lake.as_of(str(db_path(db)), pinned_at)
    return _report_from(lf, period, lang, then, generated), committee.records(lf, period, then)


def _from_state(lf: Logframe, period: ReportingPeriod, lang: str, db: Path | str | None, state: dict,
                generated: dt.date | None) -> tuple[Report, committee.Records]:
    """The report and committee records rebuilt from the state recorded at submission."""
    actuals = {c: Actual(dt.date.fromisoformat(s) if s else None, dt.date.fromisoformat(e) if e else None, status)
               for c, (s, e, status) in state["actuals"].items()}
    report = build_report(lf, _rows(state["measurement_ids"], db), period, lang, actuals=actuals,
                          narratives=state["narratives"].get(lang, {}),
                          assumption_status={a: tuple(v) for a, v in state["assumptions"].items()}, generated=generated,
                          waiting=Waiting(*state["waiting"]), finance=entries_by_id(state["finance_ids"], db))
    return report, committee.records_from_json(state["records"])


def changed_since(then: Report, now: Report) -> list[Change]:
    """Indicators whose latest value or status differs between ``then`` and ``now``."""
    before, after = numbers(then), numbers(now)
    return [Change(code, before[code][0], values[0], before[code][2], values[2])
            for code, values in after.items() if code in before and before[code][:3] != values[:3]]
