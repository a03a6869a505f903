"""The sequencing Gantt chart: planned and actual bars, phases, deadlines, today, dependencies."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from .i18n import t
from .models import Logframe
from .schedule import Actual, Plan

PLANNED_COLOUR = "#9db4cf"
ACTUAL_COLOUR = "#1f3b5a"
CRITICAL_COLOUR = "#c0392b"
PHASE_COLOURS = {"inception": "rgba(255, 200, 0, 0.10)", "closure": "rgba(120, 120, 120, 0.12)"}


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


def gantt_figure(lf: Logframe, planned: Plan, actuals: dict[str, Actual], today: dt.date, lang: str,
                 results: list[str] | None = None) -> go.Figure:
    frame = gantt_frame(lf, planned, actuals, today, lang, results)
    colours = {t("gantt.planned", lang): PLANNED_COLOUR, t("gantt.planned_critical", lang): CRITICAL_COLOUR,
               t("gantt.actual", lang): ACTUAL_COLOUR}
    fig = px.timeline(frame, x_start="start", x_end="finish", y="label", color="kind", color_discrete_map=colours,
                      hover_data={"assumed": True, "label": False}, category_orders={"label": list(
                          dict.fromkeys(frame["label"]))})
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_layout(barmode="overlay", height=max(320, 28 * frame["label"].nunique() + 160),
                      legend_title_text="", margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      font={"family": "Noto Sans, DejaVu Sans, sans-serif"})
    for trace in fig.data:
        if trace.name == t("gantt.actual", lang):
            trace.width = 0.35
    for phase in planned.phases:
        if phase.key in PHASE_COLOURS:
            fig.add_vrect(x0=planned.date(phase.start_month), x1=planned.date(phase.end_month),
                          fillcolor=PHASE_COLOURS[phase.key], line_width=0, layer="below",
                          annotation_text=t(f"gantt.phase.{phase.key}", lang), annotation_position="top left")
    impl = lf.programme.implementation
    _vline(fig, planned.date(impl.contracting_deadline_months), t("gantt.contracting_deadline", lang), "#8a5a00")
    _vline(fig, planned.date(impl.operational_months), t("gantt.operational_end", lang), "#555")
    _vline(fig, today, t("gantt.today", lang), "#c0392b", top=False)
    for code, p in planned.activities.items():
        if p.start_deadline_month and (not results or p.result in results):
            label = frame.loc[frame["activity"] == code, "label"].iloc[0]
            fig.add_trace(go.Scatter(x=[planned.date(p.start_deadline_month)], y=[label], mode="markers",
                                     marker={"symbol": "line-ns-open", "size": 18, "color": "#8a5a00",
                                             "line": {"width": 3}},
                                     name=t("gantt.deadline", lang), showlegend=False,
                                     hovertext=t("gantt.deadline", lang)))
    labels = dict(zip(frame["activity"], frame["label"]))
    for code, p in planned.activities.items():
        for pred in p.predecessors:
            if code in labels and pred in labels:
                fig.add_annotation(x=planned.date(p.start_month), y=labels[code],
                                   ax=planned.date(planned.activities[pred].end_month), ay=labels[pred],
                                   xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2,
                                   arrowsize=1, arrowwidth=1, arrowcolor="#7f8c8d", opacity=0.7, text="")
    return fig


def _vline(fig: go.Figure, when: dt.date, label: str, colour: str, top: bool = True) -> None:
    # Plotly cannot place an annotation on a date vline by itself: draw the line, then the label.
    fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="paper", line={"color": colour, "dash": "dot"})
    fig.add_annotation(x=when, y=1.0 if top else 0.0, yref="paper", text=label, showarrow=False,
                       yanchor="bottom" if top else "top", font={"color": colour, "size": 11})
