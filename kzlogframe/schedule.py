"""Planned dates from the seeds' sequencing rules, the dependency graph, slack and critical path,
and the comparison with what the TA team records as actually happening.

Everything is in calendar months from the financing-agreement (FA) signature; dates come from
:func:`models.add_months` at the edge. The graph is a DAG of activities (finish-to-start); anchors
(FA, inception end, contract signatures) are fixed points, not nodes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import networkx as nx

from .models import Activity, Logframe, MonitoringKind, MonitoringProvision, add_months

EXTERNAL_MISSIONS = (MonitoringKind.rom, MonitoringKind.midterm_evaluation, MonitoringKind.final_evaluation,
                     MonitoringKind.ex_post_evaluation)  # what a mission notice announces

ROM_END_BEFORE_MONTHS = 6  # EU external ROM "ends no later than six months before the end of the operational phase"

ANCHOR_FA = "fa"
ANCHOR_INCEPTION = "inception_end"
CONTRACT_PREFIX = "contract:"


class ScheduleError(ValueError):
    """The sequencing rules cannot be resolved: dangling reference or cycle."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems  # (activity code, message)
        super().__init__("; ".join(f"{code}: {message}" for code, message in problems))


@dataclass(frozen=True)
class PlannedActivity:
    code: str
    result: str
    contract: str | None
    start_month: int
    end_month: int
    throughout: bool
    as_needed: bool
    start_deadline_month: int | None
    predecessors: tuple[str, ...]
    anchors: tuple[str, ...]
    assumed: tuple[str, ...]
    lag_months: int = 0
    slack_months: int = 0
    critical: bool = False


@dataclass(frozen=True)
class Phase:
    key: str
    start_month: int
    end_month: int


@dataclass(frozen=True)
class Event:
    """An entry of the programme calendar. ``key`` names what it is (``event.<key>`` in the UI words),
    ``label`` what it concerns (a contract, or the mission a notice announces); ``end_month`` closes a
    span; ``assumed``: the source document does not give this timing; ``possible``: it may not happen;
    ``provision``: the M&E provision of the financing decision it comes from."""

    key: str
    month: int
    label: str = ""
    end_month: int | None = None
    assumed: bool = False
    possible: bool = False
    provision: MonitoringProvision | None = None


@dataclass
class Plan:
    fa_signature: dt.date
    activities: dict[str, PlannedActivity]
    phases: list[Phase]
    events: list[Event]
    critical_path: list[str] = field(default_factory=list)

    def date(self, month: int) -> dt.date:
        return add_months(self.fa_signature, month)


def _activities(lf: Logframe) -> dict[str, tuple[str, Activity]]:
    return {a.code: (r.code, a) for r in lf.results for a in r.activities}


def anchor_month(lf: Logframe, ref: str) -> int | None:
    """Month of an anchor reference, or None when ``ref`` is not an anchor."""
    if ref == ANCHOR_FA:
        return 0
    if ref == ANCHOR_INCEPTION:
        return lf.programme.implementation.inception_months
    if ref.startswith(CONTRACT_PREFIX):
        contract = next((c for c in lf.contracts if c.id == ref.removeprefix(CONTRACT_PREFIX)), None)
        if contract is None:
            return None
        return contract.signature_months or 0
    return None


def dependency_graph(lf: Logframe) -> nx.DiGraph:
    """Activity → activity edges (finish-to-start); a result reference expands to its timed activities.

    Raises :class:`ScheduleError` listing every dangling reference and every cycle.
    """
    activities = _activities(lf)
    results = {r.code: r for r in lf.results}
    graph = nx.DiGraph()
    graph.add_nodes_from(activities)
    problems: list[tuple[str, str]] = []
    for code, (_, activity) in activities.items():
        if activity.schedule is None:
            continue
        for ref in activity.schedule.after:
            if ref in activities:
                if ref == code:
                    problems.append((code, "an activity cannot follow itself"))
                graph.add_edge(ref, code)
            elif ref in results:
                timed = [a.code for a in results[ref].activities
                         if a.schedule is None or not a.schedule.throughout]
                graph.add_edges_from((pred, code) for pred in timed if pred != code)
            elif anchor_month(lf, ref) is None:
                problems.append((code, f"unknown reference '{ref}' in after (use fa, inception_end, "
                                       "contract:<id>, an activity code or a result code)"))
    for cycle in nx.simple_cycles(graph):
        if len(cycle) > 1:
            problems.append((cycle[0], "dependency cycle: " + " → ".join(cycle + [cycle[0]])))
    if problems:
        raise ScheduleError(problems)
    return graph


def plan(lf: Logframe) -> Plan:
    """Earliest start/finish of every scheduled activity, slack against the operational phase,
    the critical path, the programme phases and the M&E calendar."""
    impl = lf.programme.implementation
    horizon = impl.operational_months
    activities = _activities(lf)
    graph = dependency_graph(lf)
    start: dict[str, int] = {}
    end: dict[str, int] = {}
    for code in nx.topological_sort(graph):
        result, activity = activities[code]
        schedule = activity.schedule
        if schedule is None:
            continue
        ready = [end[p] for p in graph.predecessors(code) if p in end]
        ready += [m for ref in schedule.after if (m := anchor_month(lf, ref)) is not None]
        start[code] = max(ready, default=0) + schedule.lag_months
        end[code] = horizon if schedule.throughout else start[code] + (schedule.duration_months or 0)

    # Backward pass: latest finish that still ends by the operational phase.
    latest_end: dict[str, int] = {}
    for code in reversed(list(nx.topological_sort(graph))):
        if code not in start:
            continue
        successors = [latest_end[s] - (end[s] - start[s]) - activities[s][1].schedule.lag_months
                      for s in graph.successors(code) if s in latest_end]
        latest_end[code] = min([horizon, *successors])
    planned = {}
    for code, (result, activity) in activities.items():
        if code not in start:
            continue
        schedule = activity.schedule
        slack = latest_end[code] - end[code]
        planned[code] = PlannedActivity(
            code=code, result=result, contract=activity.contract, start_month=start[code], end_month=end[code],
            throughout=schedule.throughout, as_needed=schedule.as_needed,
            start_deadline_month=schedule.start_deadline_months,
            predecessors=tuple(graph.predecessors(code)),
            anchors=tuple(r for r in schedule.after if anchor_month(lf, r) is not None),
            assumed=tuple(schedule.assumed), lag_months=schedule.lag_months, slack_months=slack)
    critical = _critical_path(graph, planned)
    planned = {code: replace(p, critical=code in critical) for code, p in planned.items()}
    phases = [Phase("inception", 0, impl.inception_months)] if impl.inception_months else []
    phases += [
        Phase("operational", 0, impl.operational_months),
        Phase("closure", impl.operational_months, impl.operational_months + impl.closure_months),
    ]
    return Plan(impl.fa_signature, planned, phases, calendar(lf), critical)


def calendar(lf: Logframe) -> list[Event]:
    """The programme calendar in date order: contracting, the inception phase's end, the M&E
    provisions of the logframe's ``monitoring`` section (each mission of a recurring one, and the
    notice before each external mission) and the Steering Committee meetings, whose months the
    seeds do not give (only how many a year)."""
    impl = lf.programme.implementation
    # Only an EU financing agreement sets a contracting deadline; a programme without an inception
    # phase has no end of it to mark.
    events = [Event("contracting_deadline", impl.contracting_deadline_months)] if lf.programme.is_eu else []
    events += [Event("contract_signature", c.signature_months, c.id, assumed=c.signature_assumed)
               for c in lf.contracts if c.signature_months is not None]
    if impl.inception_months:
        events.append(Event("inception_end", impl.inception_months, assumed=impl.inception_assumed))
    missions = [e for p in lf.monitoring if p.kind is not MonitoringKind.mission_notice for e in _occurrences(p)]
    events += missions
    for notice in (p for p in lf.monitoring if p.kind is MonitoringKind.mission_notice):
        events += [Event("mission_notice", max(0, m.month - notice.notice_months), m.key, assumed=m.assumed,
                         possible=m.possible, provision=notice)
                   for m in missions if m.provision.kind in EXTERNAL_MISSIONS]
    every = 12 // lf.steering_committee.meetings_per_year
    events += [Event("steering_committee", m, assumed=True)
               for m in range(every, impl.operational_months + impl.closure_months + 1, every)]
    return sorted(events, key=lambda e: (e.month, e.key, e.label))


def rom_last_month(lf: Logframe) -> int:
    """The last month an external ROM mission may take place: six months before the operational phase
    ends (both seeds' M&E paragraph); ``validate`` holds every ROM provision to it."""
    return lf.programme.implementation.operational_months - ROM_END_BEFORE_MONTHS


def _occurrences(provision: MonitoringProvision) -> list[Event]:
    """A provision's dates: one (a date or a span), or each mission of a recurring one. A repeated
    mission is assumed when its start or its rhythm is."""
    key, assumed = provision.kind.value, set(provision.assumed)
    if not provision.every_months:
        return [Event(key, provision.start_months, end_month=provision.end_months, assumed=bool(assumed),
                      possible=provision.possible, provision=provision)]
    months = range(provision.start_months, provision.end_months + 1, provision.every_months)
    return [Event(key, m, assumed="start_months" in assumed or (m > provision.start_months and bool(assumed)),
                  possible=provision.possible, provision=provision) for m in months]


def _critical_path(graph: nx.DiGraph, planned: dict[str, PlannedActivity]) -> list[str]:
    """The chain that sets the latest finish: from the last-ending timed activity, walk back through
    the predecessor whose finish fixed its start; stop where an anchor fixed it."""
    timed = [code for code, p in planned.items() if not p.throughout]
    if not timed:
        return []
    node = max(timed, key=lambda code: (planned[code].end_month, code))
    path = [node]
    while True:
        here = planned[node]
        drivers = sorted(q for q in graph.predecessors(node)
                         if q in planned and planned[q].end_month + here.lag_months == here.start_month)
        if not drivers:
            return list(reversed(path))
        node = drivers[0]
        path.append(node)


ACTIVITY_STATUSES = ("not_started", "ongoing", "completed", "delayed", "cancelled")


@dataclass(frozen=True)
class Actual:
    """What the TA team recorded for an activity (latest entry)."""

    start: dt.date | None
    end: dt.date | None
    status: str


@dataclass(frozen=True)
class Violation:
    """Where an activity departs from the plan: ``kind`` (a translation key suffix, ``violation.<kind>``)
    and what shows it, ``case`` (``violation.detail.<case>``) with its ``values`` (dates in ISO form),
    worded in a reader's language by :func:`calendar_text.violation_detail`."""

    kind: str  # late_start | late_finish | missed_deadline | started_before_predecessor
    activity: str
    case: str
    values: tuple[tuple[str, str], ...] = ()
    related: str | None = None


def _violation(kind: str, code: str, case: str, related: str | None = None, **values: object) -> Violation:
    return Violation(kind, code, case, tuple((k, str(v)) for k, v in values.items()), related)


def violations(lf: Logframe, planned: Plan, actuals: dict[str, Actual], today: dt.date) -> list[Violation]:
    """Where reality departs from the plan, as of ``today``. "As needed" activities are never late."""
    found: list[Violation] = []
    for code, p in planned.activities.items():
        actual = actuals.get(code, Actual(None, None, "not_started"))
        if actual.status == "cancelled":
            continue
        planned_start, planned_end = planned.date(p.start_month), planned.date(p.end_month)
        if not p.as_needed:
            if actual.start is None and today > planned_start:
                found.append(_violation("late_start", code, "not_started", planned=planned_start))
            elif actual.start is not None and actual.start > planned_start:
                found.append(_violation("late_start", code, "started_late", started=actual.start,
                                        planned=planned_start))
            if not p.throughout and actual.end is None and today > planned_end:
                found.append(_violation("late_finish", code, "not_finished", planned=planned_end))
        if p.start_deadline_month is not None:
            deadline = planned.date(p.start_deadline_month)
            started = actual.start
            if started is None and today > deadline:
                found.append(_violation("missed_deadline", code, "deadline_not_started", deadline=deadline,
                                        months=p.start_deadline_month))
            elif started is not None and started > deadline:
                found.append(_violation("missed_deadline", code, "deadline_started", deadline=deadline,
                                        months=p.start_deadline_month, started=started))
        if actual.start is not None:
            for pred in p.predecessors:
                before = actuals.get(pred)
                if before is None or before.end is None:
                    found.append(_violation("started_before_predecessor", code, "before_unfinished", related=pred,
                                            started=actual.start, predecessor=pred))
                elif actual.start < before.end:
                    found.append(_violation("started_before_predecessor", code, "before_finished", related=pred,
                                            started=actual.start, predecessor=pred, finished=before.end))
    return found


@dataclass(frozen=True)
class WatchItem:
    """An activity to act on at a date: ``kind`` is ``late_start`` / ``late_finish`` (its planned
    start or end has passed without it) or ``starts`` / ``ends`` (planned within the window);
    ``date`` is that planned date."""

    kind: str
    activity: str
    date: dt.date


def watch_list(planned: Plan, actuals: dict[str, Actual], today: dt.date, months: int = 6) -> list[WatchItem]:
    """What is late at ``today`` and what is planned to start or end in the next ``months``: the
    short list a phone shows instead of the Gantt. One entry per activity (its end when both are
    due, as that is the later question); late first, then by date. Cancelled, completed and "as
    needed" activities are never listed; one running throughout its contract never ends late."""
    horizon = add_months(today, months)
    found: list[WatchItem] = []
    for code, p in planned.activities.items():
        actual = actuals.get(code, Actual(None, None, "not_started"))
        if p.as_needed or actual.status in ("cancelled", "completed") or actual.end is not None:
            continue
        start, end = planned.date(p.start_month), planned.date(p.end_month)
        if not p.throughout and end < today:
            found.append(WatchItem("late_finish", code, end))
        elif actual.start is None and start < today:
            found.append(WatchItem("late_start", code, start))
        elif not p.throughout and today <= end <= horizon:
            found.append(WatchItem("ends", code, end))
        elif actual.start is None and today <= start <= horizon:
            found.append(WatchItem("starts", code, start))
    return sorted(found, key=lambda w: (w.kind not in ("late_start", "late_finish"), w.date, w.activity))
