"""What the Steering Committee report records beside the numbers: its document control (version,
status draft → submitted → approved, author, distribution), the executive summary per language,
deviations with their corrective measures, the risk register on the logframe's assumptions, the
committee's decisions and the assessment against the OECD-DAC criteria.

Every write appends a row and an audit entry (nothing is updated or deleted), so each record keeps
its history; reads return the latest version. The TA team records (``record``); the committee's
decisions, approving a report and returning it to draft are the administrator's (``decide``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from .access import User, authorize
from .models import Logframe
from .periods import ReportingPeriod
from .store import audit, connect, next_id, writing

DOCUMENT_STATUSES = ("draft", "submitted", "approved")
DEVIATION_STATUSES = ("open", "closed")
RISK_STATUSES = ("open", "closed")
DECISION_STATUSES = ("required", "in_progress", "done", "cancelled")
CRITERIA = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")
RATINGS = ("a", "b", "c", "d")  # ROM: very good, good, problems, serious deficiencies
SCALE = range(1, 6)  # likelihood and impact of a risk
MAX_TEXT = 20_000
MAX_LINE = 1_000


@dataclass(frozen=True)
class Control:
    """The latest state of a report's document control; ``submitted``/``approved`` are (who, when)
    of this version."""

    version: int
    status: str
    author: str | None
    distribution: tuple[str, ...]
    submitted: tuple[str, dt.datetime] | None
    approved: tuple[str, dt.datetime] | None


@dataclass(frozen=True)
class Deviation:
    id: int
    opened: str
    opened_end: dt.date
    item_kind: str
    item: str
    cause: str
    measure: str
    owner: str
    due: dt.date | None
    status: str
    closed: str | None


@dataclass(frozen=True)
class Risk:
    id: int
    period: str
    assumption: str
    description: str
    likelihood: int
    impact: int
    mitigation: str
    owner: str
    status: str

    @property
    def score(self) -> int:
        return risk_score(self.likelihood, self.impact)


def risk_score(likelihood: int, impact: int) -> int:
    """The one rule for a risk's weight (1–25): the register's order, its trend and the matrix's tint."""
    return likelihood * impact


@dataclass(frozen=True)
class Decision:
    id: int
    period: str
    period_end: dt.date
    meeting: dt.date
    body: str
    owner: str
    due: dt.date | None
    status: str


@dataclass(frozen=True)
class Criterion:
    criterion: str
    rating: str
    justification: str


@dataclass(frozen=True)
class Records:
    """What was recorded for one programme and period, as of the period: summaries by language,
    every deviation, the risks as they stood at the period's end and at the previous one's, every
    decision and the criteria assessed."""

    summaries: dict[str, str]
    deviations: list[Deviation]
    risks: list[Risk]
    risks_before: list[Risk]
    decisions: list[Decision]
    criteria: list[Criterion]


def _text(name: str, value: str, limit: int = MAX_LINE) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(f"the {name} is empty")
    if len(value) > limit:
        raise ValueError(f"the {name} is {len(value):,} characters; the limit is {limit:,}")
    return value


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not '{value}'")


def _append(sql: str, params: list, actor: User, action: str, target: str, db: Path | str | None,
            new_id: bool = False) -> int | None:
    """One row appended and audited in one transaction; with ``new_id`` the row's first parameter
    is None and gets the next id, which is returned."""
    with writing(db) as con:
        if new_id and params[0] is None:
            params = [next_id(con, "committee_seq"), *params[1:]]
        con.execute(sql, params)
        audit(con, actor.name, action, f"{target}/{params[0]}" if new_id else target, os_user=actor.os_user)
    return params[0] if new_id else None


# ---------------------------------------------------------------- document control


def control(programme: str, period: str, db: Path | str | None = None) -> Control:
    """The report's current version and status (version 1, draft, when nothing is recorded)."""
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT version, status, author, distribution, user_name, recorded_at
                              FROM report_control WHERE programme = ? AND period = ?
                              ORDER BY recorded_at""", [programme, period]).fetchall()
    if not rows:
        return Control(1, "draft", None, (), None, None)
    version, status, author, distribution, _, _ = rows[-1]
    of_version = [r for r in rows if r[0] == version]
    by_status = {r[1]: (r[4], r[5]) for r in of_version}
    return Control(version, status, author, tuple(line for line in (distribution or "").splitlines() if line),
                   by_status.get("submitted") if status in ("submitted", "approved") else None,
                   by_status.get("approved") if status == "approved" else None)


def save_control(programme: str, period: str, author: str, distribution: list[str], *, actor: User,
                 db: Path | str | None = None) -> None:
    """Author and distribution list of a draft (a submitted report is changed only by returning it)."""
    authorize(actor, "record", programme)
    now = control(programme, period, db)
    if now.status != "draft":
        raise ValueError(f"version {now.version} of the report is {now.status}; return it to draft to change it")
    names = [_text("distribution entry", d) for d in distribution if d.strip()]
    _append("INSERT INTO report_control VALUES (?, ?, ?, 'draft', ?, ?, NULL, ?, now())",
            [programme, period, now.version, _text("author", author), "\n".join(names), actor.name],
            actor, "report_control", f"{programme}/{period}", db)


def change_status(programme: str, period: str, status: str, *, actor: User, snapshot: str | None = None,
                  db: Path | str | None = None) -> Control:
    """draft → submitted (the TA team, with the store state the report was made from), submitted →
    approved (the committee), submitted → draft as a new version (returned for changes)."""
    now = control(programme, period, db)
    moves = {("draft", "submitted"): "record", ("submitted", "approved"): "decide", ("submitted", "draft"): "decide"}
    if (now.status, status) not in moves:
        raise ValueError(f"version {now.version} of the report is {now.status}; it cannot become {status}")
    authorize(actor, moves[now.status, status], programme)
    if status == "submitted" and not snapshot:
        raise ValueError("a submitted report records the store state it was made from")
    version = now.version + 1 if status == "draft" else now.version
    kept = snapshot if status == "submitted" else stored_snapshot(programme, period, db) if status == "approved" else None
    _append("INSERT INTO report_control VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
            [programme, period, version, status, now.author, "\n".join(now.distribution), kept, actor.name],
            actor, f"report_{status}", f"{programme}/{period}/v{version}", db)
    return control(programme, period, db)


def stored_snapshot(programme: str, period: str, db: Path | str | None = None) -> str | None:
    """The store state of the latest submitted or approved version (JSON), or None."""
    with connect(db, write=False) as con:
        row = con.execute("""SELECT snapshot FROM report_control
                             WHERE programme = ? AND period = ? AND snapshot IS NOT NULL
                             ORDER BY recorded_at DESC LIMIT 1""", [programme, period]).fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------- what the TA team records


def save_summary(programme: str, period: str, lang: str, body: str, *, actor: User,
                 db: Path | str | None = None) -> None:
    """The executive summary of a period in one language (Markdown)."""
    authorize(actor, "record", programme)
    _one_of("lang", lang, ("kk", "en", "ru"))
    _append("INSERT INTO executive_summary VALUES (?, ?, ?, ?, ?, now())",
            [programme, period, lang, _text("summary", body, MAX_TEXT), actor.name],
            actor, "executive_summary", f"{programme}/{period}/{lang}", db)


def save_deviation(lf: Logframe, period: ReportingPeriod, item_kind: str, item: str, cause: str, measure: str,
                   owner: str, due: dt.date | None, status: str = "open", *, deviation_id: int | None = None,
                   actor: User, db: Path | str | None = None) -> int:
    """A deviation of an indicator or an activity with its cause and corrective measure; a new one
    when ``deviation_id`` is None, else a new version of that one (closing it records the period)."""
    authorize(actor, "record", lf.programme.code)
    _one_of("item_kind", item_kind, ("indicator", "activity"))
    _one_of("status", status, DEVIATION_STATUSES)
    known = [i.code for _, i in lf.indicators()] if item_kind == "indicator" else \
        [a.code for r in lf.results for a in r.activities]
    if item not in known:
        raise ValueError(f"{lf.programme.code} has no {item_kind} '{item}'")
    opened, opened_end = period.label, period.end
    if deviation_id is not None:
        earlier = next((d for d in deviations(lf.programme.code, db) if d.id == deviation_id), None)
        if earlier is None:
            raise ValueError(f"there is no deviation {deviation_id} of {lf.programme.code}")
        opened, opened_end = earlier.opened, earlier.opened_end
    return _append("INSERT INTO deviation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                   [deviation_id, lf.programme.code, opened, opened_end, item_kind, item, _text("cause", cause),
                    _text("corrective measure", measure), _text("owner", owner), due, status,
                    period.label if status == "closed" else None, actor.name],
                   actor, "deviation", lf.programme.code, db, new_id=True)


def save_risk(lf: Logframe, period: ReportingPeriod, assumption: str, description: str, likelihood: int,
              impact: int, mitigation: str, owner: str, status: str = "open", *, risk_id: int | None = None,
              actor: User, db: Path | str | None = None) -> int:
    """A risk on one of the logframe's assumptions as it stands in ``period``: assessing it again in a
    later period adds that period's version, so the trend since the previous period is known."""
    authorize(actor, "record", lf.programme.code)
    _one_of("status", status, RISK_STATUSES)
    if assumption not in {a.id for level in lf.levels() for a in level.assumptions}:
        raise ValueError(f"{lf.programme.code} has no assumption '{assumption}'")
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if value not in SCALE:
            raise ValueError(f"the {name} is rated 1 to 5, not {value}")
    return _append("INSERT INTO risk VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                   [risk_id, lf.programme.code, period.label, period.end, assumption,
                    _text("risk description", description), likelihood, impact, _text("mitigation", mitigation),
                    _text("owner", owner), status, actor.name], actor, "risk", lf.programme.code, db, new_id=True)


def save_criterion(programme: str, period: str, criterion: str, rating: str, justification: str, *, actor: User,
                   db: Path | str | None = None) -> None:
    """A rating (A–D, as a ROM review gives) and its justification for one OECD-DAC criterion."""
    authorize(actor, "record", programme)
    _one_of("criterion", criterion, CRITERIA)
    _one_of("rating", rating, RATINGS)
    _append("INSERT INTO criterion_assessment VALUES (?, ?, ?, ?, ?, ?, now())",
            [programme, period, criterion, rating, _text("justification", justification, MAX_TEXT), actor.name],
            actor, "criterion", f"{programme}/{period}/{criterion}", db)


# ---------------------------------------------------------------- what the committee decides


def save_decision(programme: str, period: ReportingPeriod, meeting: dt.date, body: str, owner: str,
                  due: dt.date | None, status: str = "required", *, decision_id: int | None = None, actor: User,
                  db: Path | str | None = None) -> int:
    """A decision of the meeting that discusses the report of ``period``; a later version (its
    follow-up) keeps the period it was taken in."""
    authorize(actor, "decide", programme)
    _one_of("status", status, DECISION_STATUSES)
    label, end = period.label, period.end
    if decision_id is not None:
        earlier = next((d for d in decisions(programme, db) if d.id == decision_id), None)
        if earlier is None:
            raise ValueError(f"there is no decision {decision_id} of {programme}")
        label, end = earlier.period, earlier.period_end
    return _append("INSERT INTO committee_decision VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                   [decision_id, programme, label, end, meeting, _text("decision", body, MAX_TEXT),
                    _text("owner", owner), due, status, actor.name], actor, "decision", programme, db, new_id=True)


# ---------------------------------------------------------------- reads


def deviations(programme: str, db: Path | str | None = None) -> list[Deviation]:
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT id, opened, opened_end, item_kind, item, cause, measure, owner, due, status, closed
                              FROM deviation WHERE programme = ?
                              QUALIFY row_number() OVER (PARTITION BY id ORDER BY recorded_at DESC) = 1
                              ORDER BY id""", [programme]).fetchall()
    return [Deviation(*row) for row in rows]


def decisions(programme: str, db: Path | str | None = None) -> list[Decision]:
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT id, period, period_end, meeting, body, owner, due, status
                              FROM committee_decision WHERE programme = ?
                              QUALIFY row_number() OVER (PARTITION BY id ORDER BY recorded_at DESC) = 1
                              ORDER BY meeting, id""", [programme]).fetchall()
    return [Decision(*row) for row in rows]


def risks(programme: str, as_of: dt.date, db: Path | str | None = None) -> list[Risk]:
    """Every risk as last assessed in a period ending on or before ``as_of``."""
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT id, period, assumption, description, likelihood, impact, mitigation, owner, status
                              FROM risk WHERE programme = ? AND period_end <= ?
                              QUALIFY row_number() OVER (PARTITION BY id ORDER BY period_end DESC, recorded_at DESC) = 1
                              ORDER BY id""", [programme, as_of]).fetchall()
    return [Risk(*row) for row in rows]


def records(lf: Logframe, period: ReportingPeriod, db: Path | str | None = None) -> Records:
    code = lf.programme.code
    periods = lf.reporting_periods()
    before = periods[period.index - 2].end if period.index > 1 else None
    with connect(db, write=False) as con:
        summaries = con.execute("""SELECT lang, body FROM executive_summary WHERE programme = ? AND period = ?
                                   QUALIFY row_number() OVER (PARTITION BY lang ORDER BY recorded_at DESC) = 1""",
                                [code, period.label]).fetchall()
        criteria = con.execute("""SELECT criterion, rating, justification FROM criterion_assessment
                                  WHERE programme = ? AND period = ?
                                  QUALIFY row_number() OVER (PARTITION BY criterion ORDER BY recorded_at DESC) = 1""",
                               [code, period.label]).fetchall()
    return Records(dict(summaries), deviations(code, db), risks(code, period.end, db),
                   risks(code, before, db) if before else [], decisions(code, db),
                   sorted((Criterion(*row) for row in criteria), key=lambda c: CRITERIA.index(c.criterion)))


def history(programme: str, db: Path | str | None = None) -> pd.DataFrame:
    """Every version of every committee record of the programme, newest first, as codes (a page words
    them): ``subject`` an indicator, activity or assumption code, ``criterion``, ``lang`` and a
    report's ``status`` and ``version`` where they apply."""
    with connect(db, write=False) as con:
        return con.execute("""
            SELECT 'summary' AS kind, NULL AS subject, lang, NULL AS criterion, NULL AS status,
                   NULL::INTEGER AS version, period, user_name, recorded_at
            FROM executive_summary WHERE programme = $p
            UNION ALL SELECT 'deviation', item, NULL, NULL, NULL, NULL, coalesce(closed, opened), user_name, recorded_at
                      FROM deviation WHERE programme = $p
            UNION ALL SELECT 'risk', assumption, NULL, NULL, NULL, NULL, period, user_name, recorded_at
                      FROM risk WHERE programme = $p
            UNION ALL SELECT 'decision', NULL, NULL, NULL, NULL, NULL, period, user_name, recorded_at
                      FROM committee_decision WHERE programme = $p
            UNION ALL SELECT 'criterion', NULL, NULL, criterion, NULL, NULL, period, user_name, recorded_at
                      FROM criterion_assessment WHERE programme = $p
            UNION ALL SELECT 'control', NULL, NULL, NULL, status, version, period, user_name, recorded_at
                      FROM report_control WHERE programme = $p
            ORDER BY recorded_at DESC""", {"p": programme}).df()


# ---------------------------------------------------------------- records as JSON (a report's snapshot)


def records_to_json(rec: Records) -> dict:
    def plain(items: list) -> list[dict]:
        return [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(i).items()} for i in items]

    return {"summaries": rec.summaries, "deviations": plain(rec.deviations), "risks": plain(rec.risks),
            "risks_before": plain(rec.risks_before), "decisions": plain(rec.decisions),
            "criteria": plain(rec.criteria)}


def records_from_json(data: dict) -> Records:
    def typed(cls: type, items: list[dict]) -> list:
        dates = {f.name for f in fields(cls) if "date" in str(f.type)}
        return [cls(**{k: dt.date.fromisoformat(v) if k in dates and v else v for k, v in i.items()}) for i in items]

    return Records(data["summaries"], typed(Deviation, data["deviations"]), typed(Risk, data["risks"]),
                   typed(Risk, data["risks_before"]), typed(Decision, data["decisions"]),
                   typed(Criterion, data["criteria"]))


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
