"""The sequencing Gantt chart: planned and actual bars, phases, deadlines, today, dependencies.

Phases, deadlines and the date lines are legend entries rather than labels on the chart, so no
label can run off the image or over another, in any language."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from . import style
from .i18n import t
from .models import Logframe
from .schedule import Actual, Plan

PHASE_COLOURS = {"inception": "rgba(255, 200, 0, 0.16)", "closure": "rgba(120, 120, 120, 0.16)"}
ROW_HEIGHT = 28


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def gantt_frame(lf: Logframe, planned: Plan, actuals: dict[str, Actual], today: dt.date, lang: str,
                results: list[str] | None = None) -> pd.DataFrame:
    """One row per bar (planned, and actual when recorded); actual bars still open end at today."""
    texts = {a.code: a.text.get(lang) for r in lf.results for a in r.activities}
    rows = []
    for code, p in planned.activities.items():
        if results and p.result not in results:
            continue
        label = f"{code} {_short(texts[code])}"
        kind = t("gantt.planned_critical", lang) if p.critical else t("gantt.planned", lang)
        rows.append({"activity": code, "label": label, "kind": kind, "start": planned.date(p.start_month),
                     "finish": planned.date(p.end_month), "assumed": ", ".join(p.assumed)})
        actual = actuals.get(code)
        if actual and actual.start:
            rows.append({"activity": code, "label": label, "kind": t("gantt.actual", lang), "start": actual.start,
                         "finish": actual.end or max(today, actual.start), "assumed": ""})
    return pd.DataFrame(rows, columns=["activity", "label", "kind", "start", "finish", "assumed"])


def _bars(rows: pd.DataFrame, name: str, colour: str, width: float, lang: str) -> dict:
    """Horizontal bars from start to finish, dated in the hover as ISO dates (no month names)."""
    start, finish = pd.to_datetime(rows["start"]), pd.to_datetime(rows["finish"])
    notes = [t("chart.assumed", lang, fields=a) if a else "" for a in rows["assumed"]]
    return {"type": "bar", "orientation": "h", "name": name, "y": list(rows["label"]),
            "base": list(start.dt.strftime("%Y-%m-%d")), "x": list((finish - start).dt.total_seconds() * 1000),
            "marker": {"color": colour}, "width": width,
            "customdata": list(zip(start.dt.strftime("%Y-%m-%d"), finish.dt.strftime("%Y-%m-%d"), notes)),
            "hovertemplate": "%{y}<br>%{customdata[0]} – %{customdata[1]}<br>%{customdata[2]}<extra>" + name
                             + "</extra>"}


def _line(when: dt.date, name: str, colour: str, dash: str = "dot") -> dict:
    return {"type": "line", "x0": when, "x1": when, "y0": 0, "y1": 1, "yref": "paper", "showlegend": True,
            "name": name, "line": {"color": colour, "dash": dash, "width": 1.5}}


def gantt_figure(lf: Logframe, planned: Plan, actuals: dict[str, Actual], today: dt.date, lang: str,
                 results: list[str] | None = None) -> go.Figure:
    """Planned bars (critical path in red), actual bars, start deadlines and dependency arrows, over
    the inception and closure phases and the contracting, operational-end and ``today`` lines."""
    frame = gantt_frame(lf, planned, actuals, today, lang, results)
    traces = [_bars(frame[frame["kind"] == t(key, lang)], t(key, lang), colour, width, lang)
              for key, colour, width in (("gantt.planned", style.PLANNED_COLOUR, 0.7),
                                         ("gantt.planned_critical", style.CRITICAL_COLOUR, 0.7),
                                         ("gantt.actual", style.ACTUAL_COLOUR, 0.3))
              if (frame["kind"] == t(key, lang)).any()]
    shapes, dates = [], [*frame["start"], *frame["finish"], today]
    for phase in planned.phases:
        if phase.key in PHASE_COLOURS:
            x0, x1 = planned.date(phase.start_month), planned.date(phase.end_month)
            shapes.append({"type": "rect", "x0": x0, "x1": x1, "y0": 0, "y1": 1, "yref": "paper", "line": {"width": 0},
                           "fillcolor": PHASE_COLOURS[phase.key], "layer": "below", "showlegend": True,
                           "name": t(f"gantt.phase.{phase.key}", lang)})
            dates += [x0, x1]
    impl = lf.programme.implementation
    lines = [(impl.contracting_deadline_months, "gantt.contracting_deadline", style.TARGET_COLOUR)] \
        if lf.programme.is_eu else []
    for month, key, colour in lines + [(impl.operational_months, "gantt.operational_end", style.MUTED_COLOUR)]:
        shapes.append(_line(planned.date(month), t(key, lang), colour))
        dates.append(planned.date(month))
    shapes.append(_line(today, f"{t('gantt.today', lang)} {today:%Y-%m-%d}", style.AS_OF_COLOUR, dash="solid"))
    labels = dict(zip(frame["activity"], frame["label"]))
    deadlines = [(labels[code], planned.date(p.start_deadline_month)) for code, p in planned.activities.items()
                 if p.start_deadline_month and code in labels]
    if deadlines:
        name = t("gantt.deadline", lang)
        traces.append({"type": "scatter", "mode": "markers", "name": name, "x": [d for _, d in deadlines],
                       "y": [label for label, _ in deadlines],
                       "marker": {"symbol": "line-ns-open", "size": 18, "color": style.TARGET_COLOUR,
                                  "line": {"width": 3}},
                       "hovertemplate": f"%{{y}}<br>{name}: %{{x|{style.HOVER_DATE}}}<extra></extra>"})
        dates += [d for _, d in deadlines]
    arrows = [{"x": planned.date(p.start_month), "y": labels[code], "ay": labels[pred],
               "ax": planned.date(planned.activities[pred].end_month), "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "showarrow": True,
               "arrowhead": 2, "arrowsize": 1, "arrowwidth": 1, "arrowcolor": "#7f8c8d", "opacity": 0.7, "text": ""}
              for code, p in planned.activities.items() for pred in p.predecessors if code in labels and pred in labels]
    fig = go.Figure(data=traces, layout={
        "template": "none", "barmode": "overlay", "shapes": shapes, "annotations": arrows,
        "xaxis": style.date_axis(dates),
        "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": list(dict.fromkeys(frame["label"])),
                  "autorange": "reversed", "title": {"text": None}, "showgrid": False}})
    return style.apply_layout(fig, f"{lf.programme.code.upper()}: {t('page.sequencing', lang)}", lang=lang,
                              height=max(320, ROW_HEIGHT * frame["label"].nunique() + 120),
                              y_labels=list(labels.values()))
