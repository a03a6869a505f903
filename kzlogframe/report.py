"""The semi-annual Steering Committee report: one model per programme, period and language, built
from plain inputs; the renderers (HTML here, PDF/DOCX/XLSX in ``report_formats.py``) only lay it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from .charts import indicator_chart
from .dashboard import number, percent, status_label
from .i18n import t
from .models import Logframe, add_months
from .periods import ReportingPeriod
from .progress import STATUSES, indicator_progress, level_progress, series
from .schedule import Actual, plan, violations

LATE_UPLOAD_DAYS = 45  # data for a period arriving this long after its end is reported as late


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    text: str
    unit: str
    baseline: str
    target: str
    actual: str
    achievement: str
    status: str
    status_label: str
    trend: str
    period: str


@dataclass
class LevelSection:
    code: str
    label: str
    text: str
    status: str
    status_label: str
    score: str
    coverage: str
    indicators: list[IndicatorLine]
    narrative: str | None = None
    chart_indicator: str | None = None


@dataclass(frozen=True)
class ActivityLine:
    code: str
    text: str
    planned: str
    actual: str
    note: str


@dataclass(frozen=True)
class AssumptionLine:
    id: str
    level: str
    text: str
    status: str
    comment: str


@dataclass(frozen=True)
class BudgetLine:
    code: str
    label: str
    eu: str
    cofinancing: str
    total: str


@dataclass
class Report:
    programme: str
    title: str
    decision: str
    lang: str
    period: ReportingPeriod
    previous: ReportingPeriod | None
    generated: dt.date
    overall_status: str
    overall_label: str
    score: str
    coverage: str
    assessment: str
    counts: list[tuple[str, int]]
    top_levels: list[LevelSection]
    results: list[LevelSection]
    changes: list[tuple[str, str, str]]
    activities_done: list[ActivityLine]
    activities_delayed: list[ActivityLine]
    activities_next: list[ActivityLine]
    assumptions: list[AssumptionLine]
    budget_unit: str
    budget: list[BudgetLine]
    budget_total: BudgetLine
    data_quality: list[str]
    annex: list[IndicatorLine]
    charts: dict[str, go.Figure] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def _trend(now: float, before: float) -> str:
    if pd.isna(now) or pd.isna(before):
        return "–"
    return "↑" if now > before else "↓" if now < before else "→"


def _indicator_lines(lf: Logframe, now: pd.DataFrame, before: pd.DataFrame, lang: str,
                     codes: list[str]) -> list[IndicatorLine]:
    by_code = now.set_index("indicator")
    previous = before.set_index("indicator")["actual"]
    lines = []
    for code in codes:
        ind, row = lf.indicator(code), by_code.loc[code]
        lines.append(IndicatorLine(
            code=code, text=ind.text.get(lang), unit=ind.unit.get(lang) if ind.unit else "",
            baseline=number(ind.baseline.value) if ind.baseline else "–",
            target=number(row["target"]) if not pd.isna(row["target"]) else t("indicator.target_to_be_set", lang),
            actual=number(row["actual"]), achievement=percent(row["vs_expected"]), status=row["status"],
            status_label=status_label(row["status"], lang), trend=_trend(row["actual"], previous.get(code)),
            period=row["last_period"] if isinstance(row["last_period"], str) else "–"))
    return lines


def _level_section(lf: Logframe, levels: pd.DataFrame, now: pd.DataFrame, before: pd.DataFrame, lang: str,
                   kind: str, level, narrative: str | None) -> LevelSection:
    row = levels[(levels["level_kind"] == kind) & (levels["level_code"] == level.code)].iloc[0]
    codes = [i.code for i in level.indicators] + [i.code for s in getattr(level, "sub_results", []) for i in s.indicators]
    with_data = [c for c in codes if now.set_index("indicator").loc[c, "n_points"] > 0]
    label = t("level.goal", lang) if kind == "goal" else f"{t(f'level.{kind}', lang)} {level.code}"
    return LevelSection(
        code=level.code, label=label, text=level.text.get(lang), status=row["status"],
        status_label=status_label(row["status"], lang), score=percent(row["score"]), coverage=percent(row["coverage"]),
        indicators=_indicator_lines(lf, now, before, lang, codes), narrative=narrative,
        chart_indicator=with_data[0] if with_data else None)


def _activity_lines(lf: Logframe, measured_plan, actuals: Mapping[str, Actual], period: ReportingPeriod,
                    lang: str) -> tuple[list[ActivityLine], list[ActivityLine], list[ActivityLine]]:
    texts = {a.code: a.text.get(lang) for r in lf.results for a in r.activities}
    late = {}
    for v in violations(lf, measured_plan, dict(actuals), period.end):
        late.setdefault(v.activity, []).append(t(f"violation.{v.kind}", lang))
    done, delayed, upcoming = [], [], []
    horizon = add_months(period.end, 6)
    for code, p in measured_plan.activities.items():
        start, end = measured_plan.date(p.start_month), measured_plan.date(p.end_month)
        actual = actuals.get(code)
        planned = f"{start} – {end}" if not p.throughout else f"{start} –"
        shown = f"{actual.start or '…'} – {actual.end or '…'}" if actual and actual.start else "–"
        line = ActivityLine(code, texts[code], planned, shown, ", ".join(late.get(code, [])))
        if actual and actual.end and period.start <= actual.end <= period.end:
            done.append(line)
        if code in late:
            delayed.append(line)
        if period.end < start <= horizon:
            upcoming.append(line)
    return done, delayed, upcoming


def _data_quality(lf: Logframe, now: pd.DataFrame, measured: pd.DataFrame, period: ReportingPeriod,
                  lang: str) -> list[str]:
    notes = [t("report.dq.no_data", lang, code=c) for c in now.loc[now["status"] == "no_data", "indicator"]]
    in_period = measured[(pd.to_datetime(measured["period_end"]) >= pd.Timestamp(period.start))
                         & (pd.to_datetime(measured["period_start"]) <= pd.Timestamp(period.end))]
    due = now[now["target"].notna() & (now["status"] != "not_reporting")]["indicator"]
    notes += [t("report.dq.missing_period", lang, code=c) for c in due if c not in set(in_period["indicator"])]
    if "recorded_at" in in_period:
        cutoff = pd.Timestamp(period.end) + pd.Timedelta(days=LATE_UPLOAD_DAYS)
        late = sorted(set(in_period.loc[pd.to_datetime(in_period["recorded_at"]) > cutoff, "indicator"]))
        if late:  # one line: on a late upload every indicator of the file is late together
            notes.append(t("report.dq.late", lang, code=", ".join(late), days=LATE_UPLOAD_DAYS))
    return notes


def build_report(lf: Logframe, measured: pd.DataFrame, period: ReportingPeriod, lang: str, *,
                 actuals: Mapping[str, Actual] | None = None, narratives: Mapping[str, str] | None = None,
                 assumption_status: Mapping[str, tuple[str, str | None]] | None = None,
                 generated: dt.date | None = None) -> Report:
    """The report for ``period``, judged at its last day, compared with the previous period."""
    code = lf.programme.code
    catalog = {code: lf}
    periods = lf.reporting_periods()
    previous = periods[period.index - 2] if period.index > 1 else None
    measured = measured[measured["programme"] == code]
    until = measured[pd.to_datetime(measured["period_start"]) <= pd.Timestamp(period.end)]
    now = indicator_progress(until, catalog, period.end)
    before_date = previous.end if previous else lf.programme.implementation.fa_signature
    before = indicator_progress(until[pd.to_datetime(until["period_start"]) <= pd.Timestamp(before_date)], catalog,
                                before_date)
    levels, levels_before = level_progress(now, catalog), level_progress(before, catalog)
    narratives = narratives or {}
    overall = levels[levels["level_kind"] == "programme"].iloc[0]
    counts = now["status"].value_counts()

    top = [_level_section(lf, levels, now, before, lang, "goal", lf.goal, narratives.get(lf.goal.code))]
    top += [_level_section(lf, levels, now, before, lang, "purpose", p, narratives.get(p.code)) for p in lf.purposes]
    results = [_level_section(lf, levels, now, before, lang, "result", r, narratives.get(r.code)) for r in lf.results]

    changes = []
    for section in (top + results) if previous else []:  # the first report has nothing to compare with
        kind = "goal" if section.code == lf.goal.code else "purpose" if section in top else "result"
        was = levels_before[(levels_before["level_kind"] == kind) & (levels_before["level_code"] == section.code)]
        old = was["status"].iloc[0] if len(was) else "no_data"
        if old != section.status:
            changes.append((section.label, status_label(old, lang), section.status_label))

    done, delayed, upcoming = _activity_lines(lf, plan(lf), actuals or {}, period, lang)
    statuses = assumption_status or {}
    assumptions = []
    for level in lf.levels():
        for a in level.assumptions:
            status, comment = statuses.get(a.id, ("not_assessed", None))
            assumptions.append(AssumptionLine(a.id, level.code, a.text.get(lang), t(f"assumption.{status}", lang),
                                              comment or ""))
    budget = [BudgetLine(b.code, b.label.get(lang), number(b.eu), number(b.cofinancing), number(b.total))
              for b in lf.budget.lines]
    total = lf.budget.total
    expected = now.set_index("indicator")["expected"]
    charts = {s.chart_indicator: indicator_chart(series(until, s.chart_indicator, lf), lf.indicator(s.chart_indicator),
                                                 lang, period.end, expected[s.chart_indicator])
              for s in top + results if s.chart_indicator}
    return Report(
        programme=code, title=lf.programme.title.get(lang), decision=lf.programme.decision, lang=lang,
        period=period, previous=previous, generated=generated or dt.date.today(),
        overall_status=overall["status"], overall_label=status_label(overall["status"], lang),
        score=percent(overall["score"]), coverage=percent(overall["coverage"]),
        assessment=t("report.assessment", lang, status=status_label(overall["status"], lang),
                     score=percent(overall["score"]), coverage=percent(overall["coverage"]),
                     scored=int(counts[[s for s in counts.index if s in STATUSES[:4]]].sum()), total=len(now)),
        counts=[(status_label(s, lang), int(counts.get(s, 0))) for s in STATUSES],
        top_levels=top, results=results, changes=changes,
        activities_done=done, activities_delayed=delayed, activities_next=upcoming, assumptions=assumptions,
        budget_unit=lf.budget.unit, budget=budget,
        budget_total=BudgetLine("", t("logframe.budget.grand_total", lang), number(total.eu),
                                number(total.cofinancing), number(total.total)),
        data_quality=_data_quality(lf, now, until, period, lang),
        annex=_indicator_lines(lf, now, before, lang, [i.code for _, i in lf.indicators()]),
        charts=charts, labels=report_labels(lang))


REPORT_LABEL_KEYS = (
    "report.cover", "report.summary", "report.progress", "report.changes", "report.no_changes",
    "report.activities", "report.done", "report.delayed", "report.next", "report.none", "report.assumptions",
    "report.budget", "report.budget_recorded", "report.data_quality", "report.dq_none", "report.narrative",
    "report.no_narrative", "report.annex", "report.period", "report.previous", "report.generated",
    "report.status_counts", "col.code", "col.indicator", "col.baseline", "col.target", "col.actual",
    "col.achievement", "col.status", "report.trend", "col.period", "col.level", "col.from", "col.to",
    "report.planned", "report.actual_dates", "report.note", "report.assumption", "report.comment",
    "logframe.budget.code", "logframe.budget.line", "logframe.budget.eu", "logframe.budget.cofinancing",
    "logframe.budget.total", "progress.score", "progress.coverage", "report.synthetic_note", "report.unit",
)


def report_labels(lang: str) -> dict[str, str]:
    return {key.replace(".", "_"): t(key, lang) for key in REPORT_LABEL_KEYS}


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("kzlogframe", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def render_html(report: Report, charts_svg: Mapping[str, str] | None = None) -> str:
    """Self-contained HTML: styles inline, charts as inline SVG (omitted with a note when no browser)."""
    return _templates().get_template("report.html.j2").render(r=report, L=report.labels, charts=charts_svg or {})


REPORT_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("text/html", "html"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def export_report(report: Report, fmt: str) -> bytes:
    """The report as a file. Charts need Chromium (through kaleido); without it they are left out,
    and the PDF, which Chromium prints, raises a RuntimeError saying so."""
    from . import chart_export, report_formats

    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown report format '{fmt}' (use {', '.join(REPORT_FORMATS)})")
    browser = chart_export.browser_available()
    if fmt == "xlsx":
        return report_formats.to_xlsx(report)
    if fmt == "docx":
        pngs = {code: chart_export.to_png(fig) for code, fig in report.charts.items()} if browser else {}
        return report_formats.to_docx(report, pngs)
    svgs = {code: chart_export.to_svg(fig).decode("utf-8") for code, fig in report.charts.items()} if browser else {}
    html = render_html(report, svgs)
    return html.encode("utf-8") if fmt == "html" else report_formats.to_pdf(html)
