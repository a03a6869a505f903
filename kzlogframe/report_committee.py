"""The parts of the Steering Committee report that come from what people recorded (``committee``)
rather than from the measurements: document control, executive summary, deviations, risk register,
decisions and the evaluation criteria. Pure functions on the numeric report and the records; the
renderers put them into words through ``committee_text``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from .committee import Control, Criterion, Decision, Records, Risk, risk_score
from .models import FALLBACK_ORDER, Logframe
from .report import Report

FLAGGED = ("off_track", "at_risk")  # indicator statuses that need a deviation recorded
ACRONYMS = ("eu", "fa", "me", "oecd_dac", "rom", "ta")  # committee.acronym.<key>: the abbreviation and its words


@dataclass(frozen=True)
class DeviationRow:
    """A recorded deviation, or (``id`` None, ``status`` 'not_recorded') an off-track or at-risk
    indicator or a late activity nobody has explained yet. ``state`` is the indicator's status or
    the activity's violation kinds, at the period's end."""

    id: int | None
    item_kind: str
    item: str
    text: str
    state: tuple[str, ...]
    cause: str | None
    measure: str | None
    owner: str | None
    due: dt.date | None
    status: str


@dataclass(frozen=True)
class RiskRow:
    """A risk at the period's end with its score (likelihood × impact) and its trend since the
    previous period: 'new', 'up', 'down', 'flat', or 'closed' (closed this period)."""

    id: int
    assumption: str
    assumption_text: str
    description: str
    likelihood: int
    impact: int
    mitigation: str
    owner: str
    status: str
    trend: str
    before: int | None

    @property
    def score(self) -> int:
        return risk_score(self.likelihood, self.impact)


@dataclass(frozen=True)
class CommitteePart:
    control: Control
    summary: str | None
    summary_from: str | None  # the language the summary is shown in when the report's own is missing
    deviations_open: list[DeviationRow]
    deviations_closed: list[DeviationRow]
    unexplained: list[DeviationRow]
    risks: list[RiskRow]
    risk_changes: list[RiskRow]
    decisions_now: list[Decision]
    decisions_earlier: list[Decision]
    criteria: list[Criterion]
    as_submitted: bool = False  # rebuilt from the store state recorded when it was submitted
    store_snapshot: int | None = None  # the DuckLake snapshot an as-submitted report was read at

    def matrix(self) -> dict[tuple[int, int], list[int]]:
        """Open risks by (likelihood, impact): the ids in each cell of the 5 × 5 matrix."""
        cells: dict[tuple[int, int], list[int]] = {}
        for r in self.risks:
            if r.status == "open":
                cells.setdefault((r.likelihood, r.impact), []).append(r.id)
        return cells


def _summary(summaries: dict[str, str], lang: str) -> tuple[str | None, str | None]:
    if summaries.get(lang):
        return summaries[lang], None
    other = next((code for code in FALLBACK_ORDER if summaries.get(code)), None)
    return (summaries[other], other) if other else (None, None)


def _risk_rows(now: list[Risk], before: list[Risk], texts: dict[str, str]) -> list[RiskRow]:
    earlier = {r.id: r for r in before}
    rows = []
    for r in now:
        was = earlier.get(r.id)
        if r.status == "closed" and (was is None or was.status == "closed"):
            continue  # closed before this period: no longer in the register
        trend = "closed" if r.status == "closed" else "new" if was is None or was.status == "closed" else \
            "up" if r.score > was.score else "down" if r.score < was.score else "flat"
        rows.append(RiskRow(r.id, r.assumption, texts.get(r.assumption, r.assumption), r.description, r.likelihood,
                            r.impact, r.mitigation, r.owner, r.status, trend, was.score if was else None))
    return sorted(rows, key=lambda row: (row.status != "open", -row.score, row.id))


def committee_part(lf: Logframe, report: Report, rec: Records, control: Control) -> CommitteePart:
    """The committee's sections of ``report``: deviations open at the period's end and closed in it,
    with every flagged indicator and late activity that has none; the risks and what changed since
    the previous period; the decisions of this meeting and the follow-up of earlier ones."""
    period = report.period
    indicators = {row.code: row for row in report.annex}
    activities = {a.code: a for a in report.activities.new_slippage}
    late = set(activities) | set(report.activities.backlog)
    texts = {**{c: i.text for c, i in indicators.items()},
             **{a.code: a.text.get(report.lang) for r in lf.results for a in r.activities}}

    def state(kind: str, item: str) -> tuple[str, ...]:
        if kind == "indicator":
            return (indicators[item].status,) if item in indicators else ()
        return activities[item].problems if item in activities else ("late",) if item in late else ()

    def row(d) -> DeviationRow:
        return DeviationRow(d.id, d.item_kind, d.item, texts.get(d.item, d.item), state(d.item_kind, d.item), d.cause,
                            d.measure, d.owner, d.due, d.status)

    ends = {p.label: p.end for p in lf.reporting_periods()}
    known = [d for d in rec.deviations if d.opened_end <= period.end]
    # closed in a later period: it was open at this one's end, and the report of this period says so
    still_open = [row(dataclasses.replace(d, status="open")) for d in known
                  if d.status == "open" or ends.get(d.closed, period.end) > period.end]
    closed = [row(d) for d in known if d.status == "closed" and d.closed == period.label]
    explained = {(d.item_kind, d.item) for d in still_open + closed}
    unexplained = [DeviationRow(None, "indicator", c, i.text, (i.status,), None, None, None, None, "not_recorded")
                   for c, i in indicators.items() if i.status in FLAGGED and ("indicator", c) not in explained]
    unexplained += [DeviationRow(None, "activity", c, texts.get(c, c), state("activity", c), None, None, None, None,
                                 "not_recorded") for c in sorted(late) if ("activity", c) not in explained]

    risk_rows = _risk_rows(rec.risks, rec.risks_before, {a.id: a.text for a in report.assumptions})
    summary, summary_from = _summary(rec.summaries, report.lang)
    return CommitteePart(
        control=control, summary=summary, summary_from=summary_from, deviations_open=still_open,
        deviations_closed=closed, unexplained=unexplained, risks=risk_rows,
        risk_changes=[r for r in risk_rows if r.trend != "flat"],
        decisions_now=[d for d in rec.decisions if d.period == period.label],
        decisions_earlier=[d for d in rec.decisions if d.period_end < period.end],
        criteria=rec.criteria)


def with_committee(lf: Logframe, report: Report, rec: Records, control: Control) -> Report:
    """``report`` with its committee sections (a copy: the cached model stays as it was)."""
    return dataclasses.replace(report, committee=committee_part(lf, report, rec, control))
