"""The semi-annual Steering Committee report as a model: numbers, dates and codes for one programme
and reporting period, judged at the period's last day and compared with the previous period.

The renderers (``report_html``, ``report_docx``, ``report_xlsx``, ``report_pdf``, registered in
``report_files``) lay it out and put it into words through ``formatting`` and ``report_text``;
nothing here is a display string except the logframe's own texts in the chosen language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .finance import ContractFigures, Execution, contract_register, contracting_deadline, execution, operational_end
from .models import Indicator, Logframe, add_months
from .periods import ReportingPeriod
from .progress import STATUSES, indicator_progress, level_progress, series_many
from .review import Waiting
from .schedule import Actual, plan, violations

if TYPE_CHECKING:
    from .report_committee import CommitteePart

LATE_UPLOAD_DAYS = 45  # data for a period arriving this long after its end is reported as late


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator at the report's period: ``actual`` is the reporting value of ``period`` (the
    latest reporting period measured), ``trend`` compares it with the previous report's:
    'up', 'down', 'flat' or '' (nothing to compare)."""

    code: str
    text: str
    kind: str
    unit: str | None
    baseline: float | None
    baseline_source: str | None
    baseline_period: str | None
    target: float | None
    target_date: dt.date | None
    actual: float | None
    period: str | None
    expected: float | None
    vs_expected: float | None
    status: str
    reason: str
    trend: str


@dataclass(frozen=True)
class Counts:
    """How many indicators of a level were assessed, and what the others are (level_progress's n_*)."""

    n_indicators: int
    n_assessed: int
    by_status: dict[str, int]

    def as_dict(self) -> dict[str, int]:
        return {"n_indicators": self.n_indicators, "n_assessed": self.n_assessed,
                **{f"n_{s}": n for s, n in self.by_status.items()}}


@dataclass(frozen=True)
class LevelSection:
    kind: str
    code: str
    text: str
    status: str
    score: float | None
    coverage: float | None
    counts: Counts
    indicators: list[IndicatorRow]
    narrative: str | None = None
    chart_indicator: str | None = None


@dataclass(frozen=True)
class StatusChange:
    kind: str
    code: str
    before: str
    after: str


@dataclass(frozen=True)
class ActivityRow:
    """An activity with its planned and actual dates; ``problems`` are violation kinds at the
    period's end (late_start, late_finish, missed_deadline, started_before_predecessor)."""

    code: str
    text: str
    planned_start: dt.date
    planned_end: dt.date | None
    actual_start: dt.date | None
    actual_end: dt.date | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Activities:
    """What changed this period, the older backlog in one line (its codes), and the workplan of the
    next period: every activity not finished nor cancelled at the period's end that is planned to
    start by the end of the next six months (late ones included: they are still to be done)."""

    started: list[ActivityRow]
    finished: list[ActivityRow]
    new_slippage: list[ActivityRow]
    backlog: list[str]
    workplan: list[ActivityRow]


@dataclass(frozen=True)
class CalendarEntry:
    """An entry of the programme calendar (``schedule.calendar``) due in the six months after the
    period: ``key`` says what it is; ``contract`` is the title of the contract a signature concerns,
    ``mission`` the kind of mission a notice announces; ``assumed``: the financing decision does not
    give this timing; ``possible``: it may not take place; ``passed``: a deadline already past at the
    period's end (the contracting deadline stays in the workplan until the operational phase ends)."""

    key: str
    date: dt.date
    end_date: dt.date | None
    contract: str | None
    mission: str | None
    assumed: bool
    possible: bool
    passed: bool = False


@dataclass(frozen=True)
class AssumptionRow:
    id: str
    level: str
    text: str
    status: str
    comment: str | None


@dataclass(frozen=True)
class BudgetRow:
    number: int | None  # position in the table; None for the total
    label: str
    eu: float
    cofinancing: float
    total: float


@dataclass(frozen=True)
class DataQualityNote:
    """``kind``: no_data (nothing up to the period's end), missing_period (nothing in this period
    although due), late (uploaded more than ``days`` after the period ended)."""

    kind: str
    codes: tuple[str, ...]
    days: int = 0


@dataclass(frozen=True)
class ChartData:
    """What a chart of one indicator shows: its points (``progress.series``) and the value the plan
    expects at the end of the period."""

    indicator: Indicator
    points: pd.DataFrame
    expected: float | None


@dataclass
class Report:
    programme: str
    title: str
    decision: str
    lang: str
    period: ReportingPeriod
    previous: ReportingPeriod | None
    generated: dt.date
    overall: LevelSection
    top_levels: list[LevelSection]
    results: list[LevelSection]
    changes: list[StatusChange]
    activities: Activities
    calendar: list[CalendarEntry]
    calendar_until: dt.date
    assumptions: list[AssumptionRow]
    budget_unit: str
    budget: list[BudgetRow]
    budget_total: BudgetRow
    data_quality: list[DataQualityNote]
    annex: list[IndicatorRow]
    charts: dict[str, ChartData] = field(default_factory=dict)
    logframe: Logframe | None = None  # the logframe as it stands, for the annex that shows it
    kind: str = "eu_programme"  # models.ProgrammeKind: a programme outside the EU budget says so in the report
    financing: str | None = None  # who finances it, the logframe's own words (outside the EU budget)
    related_to: str | None = None  # the programme code it is linked to
    waiting: Waiting | None = None  # values of the programme's periods to date still waiting for review (not counted)
    finance: Execution | None = None  # money at the period's end (finance.execution), when entries were given
    committee: CommitteePart | None = None  # what people recorded for the committee (report_committee)
    contracts: list[ContractFigures] | None = None  # finance.contract_register at the period's end, with ``finance``

    @property
    def levels(self) -> list[LevelSection]:
        return self.top_levels + self.results


def _trend(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    return "up" if now > before else "down" if now < before else "flat"


def _indicator_rows(lf: Logframe, now: pd.DataFrame, before: pd.DataFrame, lang: str,
                    codes: list[str]) -> list[IndicatorRow]:
    by_code = now.set_index("indicator")
    previous = before.set_index("indicator")["actual"]
    rows = []
    for code in codes:
        ind, row = lf.indicator(code), by_code.loc[code]
        rows.append(IndicatorRow(
            code=code, text=ind.text.get(lang), kind=ind.type.value, unit=ind.unit.get(lang) if ind.unit else None,
            baseline=_number(row["baseline"]), baseline_source=row["baseline_source"],
            baseline_period=row["baseline_period"], target=_number(row["target"]),
            target_date=None if pd.isna(row["target_date"]) else row["target_date"].date(),
            actual=_number(row["actual"]), period=row["last_period"] if isinstance(row["last_period"], str) else None,
            expected=_number(row["expected"]), vs_expected=_number(row["vs_expected"]), status=row["status"],
            reason=row["reason"], trend=_trend(_number(row["actual"]), _number(previous.get(code)))))
    return rows


def _counts(row: pd.Series) -> Counts:
    return Counts(int(row["n_indicators"]), int(row["n_assessed"]), {s: int(row[f"n_{s}"]) for s in STATUSES})


def _level_section(lf: Logframe, levels: pd.DataFrame, now: pd.DataFrame, before: pd.DataFrame, lang: str,
                   kind: str, level, narrative: str | None) -> LevelSection:
    row = levels[(levels["level_kind"] == kind) & (levels["level_code"] == level.code)].iloc[0]
    codes = [i.code for i in level.indicators] + [i.code for s in getattr(level, "sub_results", []) for i in s.indicators]
    with_data = [c for c in codes if now.set_index("indicator").loc[c, "n_points"] > 0]
    return LevelSection(kind=kind, code=level.code, text=level.text.get(lang), status=row["status"],
                        score=_number(row["score"]), coverage=_number(row["coverage"]), counts=_counts(row),
                        indicators=_indicator_rows(lf, now, before, lang, codes), narrative=narrative,
                        chart_indicator=with_data[0] if with_data else None)


def _known_on(actuals: Mapping[str, Actual], day: dt.date) -> dict[str, Actual]:
    """What the TA team could have recorded by ``day``: dates after it had not happened yet."""
    return {code: Actual(a.start if a.start and a.start <= day else None, a.end if a.end and a.end <= day else None,
                         a.status) for code, a in actuals.items()}


def _activities(lf: Logframe, actuals: Mapping[str, Actual], period: ReportingPeriod,
                previous: ReportingPeriod | None, until: dt.date, lang: str) -> Activities:
    """Started and finished in the period, problems that are new since the previous period's end,
    the older ones as a backlog, and the workplan up to ``until``."""
    scheduled = plan(lf)
    texts = {a.code: a.text.get(lang) for r in lf.results for a in r.activities}
    problems: dict[str, list[str]] = {}
    for v in violations(lf, scheduled, _known_on(actuals, period.end), period.end):
        problems.setdefault(v.activity, []).append(v.kind)
    earlier = {(v.activity, v.kind) for v in violations(lf, scheduled, _known_on(actuals, previous.end), previous.end)} \
        if previous else set()
    started, finished, slipped, workplan = [], [], [], []
    backlog = []
    known = _known_on(actuals, period.end)
    for code, p in scheduled.activities.items():
        actual = known.get(code)
        row = ActivityRow(code, texts[code], scheduled.date(p.start_month),
                          None if p.throughout else scheduled.date(p.end_month),
                          actual.start if actual else None, actual.end if actual else None,
                          tuple(dict.fromkeys(problems.get(code, []))))
        if actual and actual.start and period.start <= actual.start <= period.end:
            started.append(row)
        if actual and actual.end and period.start <= actual.end <= period.end:
            finished.append(row)
        if any((code, kind) not in earlier for kind in row.problems):
            slipped.append(row)
        elif row.problems:
            backlog.append(code)
        # the dates known at the period's end; a cancelled activity is never planned (as in violations)
        done = actual is not None and (actual.end is not None or actual.status == "cancelled")
        if not done and row.planned_start <= until:
            workplan.append(row)
    return Activities(started, finished, slipped, backlog, sorted(workplan, key=lambda a: (a.planned_start, a.code)))


def _calendar(lf: Logframe, period: ReportingPeriod, until: dt.date, lang: str) -> list[CalendarEntry]:
    """What falls due after the period's end up to ``until``: M&E missions and notices, committee
    meetings, contract signatures; a span under way then (benchmarking) counts too. The contracting
    deadline (``finance.contracting_deadline``; none outside the EU budget) when it falls by
    ``until``, marked passed once it has, while the operational phase lasts; a budget year has no
    inception phase."""
    scheduled = plan(lf)
    contracts = {c.id: c.title.get(lang) for c in lf.contracts}
    impl = lf.programme.implementation
    skipped = {"contracting_deadline"} | ({"inception_end"} if not impl.inception_months else set())
    deadline = contracting_deadline(lf)
    last_day = deadline - dt.timedelta(days=1) if deadline else None  # as the budget section says it
    entries = []
    if last_day is not None and last_day <= until and period.end < operational_end(lf):
        entries.append(CalendarEntry("contracting_deadline", last_day, None, None, None, False, False,
                                     passed=last_day < period.end))
    for event in (e for e in scheduled.events if e.key not in skipped):
        start = scheduled.date(event.month)
        end = scheduled.date(event.end_month) if event.end_month is not None else None
        if start <= until and (end or start) > period.end:
            entries.append(CalendarEntry(
                event.key, start, end, contracts.get(event.label) if event.key == "contract_signature" else None,
                event.label if event.key == "mission_notice" else None, event.assumed, event.possible))
    return sorted(entries, key=lambda e: e.date)


def _data_quality(now: pd.DataFrame, measured: pd.DataFrame, period: ReportingPeriod) -> list[DataQualityNote]:
    notes = []
    no_data = tuple(now.loc[now["status"] == "no_data", "indicator"])
    if no_data:
        notes.append(DataQualityNote("no_data", no_data))
    in_period = measured[(pd.to_datetime(measured["period_end"]) >= pd.Timestamp(period.start))
                         & (pd.to_datetime(measured["period_end"]) <= pd.Timestamp(period.end))]
    measured_now = set(in_period["indicator"])
    due = now[now["target"].notna() & ~now["status"].isin(["not_reporting", "not_due", "no_data"])]["indicator"]
    missing = tuple(c for c in due if c not in measured_now)
    if missing:
        notes.append(DataQualityNote("missing_period", missing))
    if "recorded_at" in in_period:
        cutoff = pd.Timestamp(period.end) + pd.Timedelta(days=LATE_UPLOAD_DAYS)
        late = tuple(sorted(set(in_period.loc[pd.to_datetime(in_period["recorded_at"]) > cutoff, "indicator"])))
        if late:  # one note: on a late upload every indicator of the file is late together
            notes.append(DataQualityNote("late", late, LATE_UPLOAD_DAYS))
    return notes


def build_report(lf: Logframe, measured: pd.DataFrame, period: ReportingPeriod, lang: str, *,
                 actuals: Mapping[str, Actual] | None = None, narratives: Mapping[str, str] | None = None,
                 assumption_status: Mapping[str, tuple[str, str | None]] | None = None,
                 generated: dt.date | None = None, waiting: Waiting | None = None,
                 finance: pd.DataFrame | None = None) -> Report:
    """The report for ``period``, judged at its last day, compared with the previous period
    (the first period of the calendar compares with nothing). ``measured`` are approved values;
    ``waiting`` says how many more wait for review (``review.waiting``), for the report to mention;
    ``finance``: the store's current financial entries (``finance_ingest.current_entries``), counted
    up to the period's end."""
    code = lf.programme.code
    catalog = {code: lf}
    periods = lf.reporting_periods()
    previous = periods[period.index - 2] if period.index > 1 else None
    measured = measured[measured["programme"] == code]
    until = measured[pd.to_datetime(measured["period_end"]) <= pd.Timestamp(period.end)]
    now = indicator_progress(until, catalog, period.end)
    before_date = previous.end if previous else lf.programme.implementation.fa_signature
    before = indicator_progress(until, catalog, before_date)
    levels, levels_before = level_progress(now, catalog), level_progress(before, catalog)
    narratives = narratives or {}

    overall_row = levels[levels["level_kind"] == "programme"].iloc[0]
    overall = LevelSection("programme", code, lf.programme.title.get(lang), overall_row["status"],
                           _number(overall_row["score"]), _number(overall_row["coverage"]), _counts(overall_row), [])
    top = [_level_section(lf, levels, now, before, lang, "goal", lf.goal, narratives.get(lf.goal.code))]
    top += [_level_section(lf, levels, now, before, lang, "purpose", p, narratives.get(p.code)) for p in lf.purposes]
    results = [_level_section(lf, levels, now, before, lang, "result", r, narratives.get(r.code)) for r in lf.results]

    changes = []
    for section in (top + results) if previous else []:
        was = levels_before[(levels_before["level_kind"] == section.kind)
                            & (levels_before["level_code"] == section.code)]["status"]
        old = was.iloc[0] if len(was) else "no_data"
        if old != section.status:
            changes.append(StatusChange(section.kind, section.code, old, section.status))

    statuses = assumption_status or {}
    assumptions = [AssumptionRow(a.id, level.code, a.text.get(lang), *statuses.get(a.id, ("not_assessed", None)))
                   for level in lf.levels() for a in level.assumptions]
    budget = [BudgetRow(n, b.label.get(lang), b.eu, b.cofinancing, b.total)
              for n, b in enumerate(lf.budget.lines, start=1)]
    total = lf.budget.total
    charted = [s.chart_indicator for s in top + results if s.chart_indicator]
    next_six_months = add_months(period.end + dt.timedelta(days=1), 6) - dt.timedelta(days=1)
    return Report(
        programme=code, title=lf.programme.title.get(lang), decision=lf.programme.decision, lang=lang,
        period=period, previous=previous, generated=generated or dt.date.today(), overall=overall,
        top_levels=top, results=results, changes=changes,
        activities=_activities(lf, actuals or {}, period, previous, next_six_months, lang),
        calendar=_calendar(lf, period, next_six_months, lang), calendar_until=next_six_months,
        assumptions=assumptions,
        budget_unit=lf.budget.unit.value, budget=budget,
        budget_total=BudgetRow(None, "", total.eu, total.cofinancing, total.total),
        data_quality=_data_quality(now, until, period),
        annex=_indicator_rows(lf, now, before, lang, [i.code for _, i in lf.indicators()]),
        charts={c: ChartData(lf.indicator(c), points, _number(now.set_index("indicator").loc[c, "expected"]))
                for c, points in series_many(until, charted, lf).items()},
        kind=lf.programme.kind.value, financing=lf.programme.financing.get(lang) if lf.programme.financing else None,
        related_to=lf.programme.related_to, waiting=waiting,
        finance=execution(lf, finance, period.end) if finance is not None else None,
        contracts=contract_register(lf, finance, period.end) if finance is not None else None, logframe=lf)
