"""The sequencing Gantt chart: planned and actual bars, phases, deadlines, the assessment date,
dependencies.

Phases, deadlines, the date lines and the dependency arrows are legend entries rather than labels on
the chart, so no label can run off the image or over another, in any language. Activities run from
R1 at the top down to the last result, in the logframe's order. A planned bar on the critical path
keeps the planned colour and gets a red outline, so the actual bar drawn over it stays visible.
Activity names are wrapped on two short lines (the plot keeps most of the width); the hover gives
the full name."""

from __future__ import annotations

import datetime as dt
import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import style
from .i18n import t
from .models import Logframe
from .schedule import Actual, Plan

PHASE_COLOURS = {"inception": "rgba(255, 200, 0, 0.16)", "closure": "rgba(120, 120, 120, 0.16)"}
ROW_HEIGHT = 36  # two lines of an activity's name
LABEL_WIDTH = 30  # characters of a name line beside the plot
HOVER_WIDTH = 70  # characters of a line of the full name in the hover
DEPENDENCY_COLOUR = "#7f8c8d"


def _label(code: str, text: str) -> str:
    """The y-axis label: the code and the name's start, on at most two short lines."""
    lines = textwrap.wrap(f"{code} {text}", LABEL_WIDTH, break_on_hyphens=False)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_WIDTH, placeholder=" …")]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def gantt_frame(lf: Logframe, planned: Plan, actuals: dict[str, Actual], today: dt.date, lang: str,
                results: list[str] | None = None) -> pd.DataFrame:
    """One row per bar (planned, and actual when recorded), activities in the logframe's order;
    actual bars still open end at ``today``."""
    texts = {a.code: a.text.get(lang) for r in lf.results for a in r.activities}
    rows = []
    for code in (c for c in texts if c in planned.activities):
        p = planned.activities[code]
        if results and p.result not in results:
            continue
        label, name = _label(code, texts[code]), "<br>".join(
            html.escape(line, quote=False) for line in textwrap.wrap(f"{code} {texts[code]}", HOVER_WIDTH))
        kind = t("gantt.planned_critical", lang) if p.critical else t("gantt.planned", lang)
        rows.append({"activity": code, "label": label, "name": name, "kind": kind,
                     "start": planned.date(p.start_month), "finish": planned.date(p.end_month),
                     "assumed": ", ".join(p.assumed)})
        actual = actuals.get(code)
        if actual and actual.start:
            rows.append({"activity": code, "label": label, "name": name, "kind": t("gantt.actual", lang),
                         "start": actual.start, "finish": actual.end or max(today, actual.start), "assumed": ""})
    return pd.DataFrame(rows, columns=["activity", "label", "name", "kind", "start", "finish", "assumed"])


def _bars(rows: pd.DataFrame, name: str, marker: dict, width: float, lang: str) -> dict:
    """Horizontal bars from start to finish, with the activity's full name and the dates in the
    hover as ISO dates (no month names)."""
    start, finish = pd.to_datetime(rows["start"]), pd.to_datetime(rows["finish"])
    notes = [t("chart.assumed", lang, fields=a) if a else "" for a in rows["assumed"]]
    return {"type": "bar", "orientation": "h", "name": name, "y": list(rows["label"]),
            "base": list(start.dt.strftime("%Y-%m-%d")), "x": list((finish - start).dt.total_seconds() * 1000),
            "marker": marker, "width": width,
            "customdata": list(zip(start.dt.strftime("%Y-%m-%d"), finish.dt.strftime("%Y-%m-%d"), notes,
                                   rows["name"])),
            "hovertemplate": "%{customdata[3]}<br>%{customdata[0]} – %{customdata[1]}<br>%{customdata[2]}<extra>"
                             + name + "</extra>"}


def _line(when: dt.date, name: str, colour: str, dash: str = "dot") -> dict:
    return {"type": "line", "x0": when, "x1": when, "y0": 0, "y1": 1, "yref": "paper", "showlegend": True,
            "name": name, "line": {"color": colour, "dash": dash, "width": 1.5}}


def gantt_figure(lf: Logframe, planned: Plan, actuals: dict[str, Actual], today: dt.date, lang: str,
                 results: list[str] | None = None) -> go.Figure:
    """Planned bars (those on the critical path outlined in red), actual bars, start deadlines and
    dependency arrows, over the inception and closure phases and the contracting, operational-end
    and assessment-date (``today``) lines."""
    frame = gantt_frame(lf, planned, actuals, today, lang, results)
    outline = {"color": style.PLANNED_COLOUR, "line": {"color": style.CRITICAL_COLOUR, "width": 2.5}}
    traces = [_bars(frame[frame["kind"] == t(key, lang)], t(key, lang), marker, width, lang)
              for key, marker, width in (("gantt.planned", {"color": style.PLANNED_COLOUR}, 0.7),
                                         ("gantt.planned_critical", outline, 0.7),
                                         ("gantt.actual", {"color": style.ACTUAL_COLOUR}, 0.3))
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
    shapes.append(_line(today, t("gantt.assessment_date", lang, date=f"{today:%Y-%m-%d}"), style.AS_OF_COLOUR,
                        dash="solid"))
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
               "arrowhead": 2, "arrowsize": 1, "arrowwidth": 1, "arrowcolor": DEPENDENCY_COLOUR, "opacity": 0.7,
               "text": ""}
              for code, p in planned.activities.items() for pred in p.predecessors if code in labels and pred in labels]
    if arrows:  # annotations have no legend entry of their own: a grey line stands for them
        traces.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None], "hoverinfo": "skip",
                       "name": t("gantt.dependency", lang), "line": {"color": DEPENDENCY_COLOUR, "width": 1.5}})
    fig = go.Figure(data=traces, layout={
        "template": "none", "barmode": "overlay", "shapes": shapes, "annotations": arrows,
        "xaxis": style.date_axis(dates),
        "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": list(dict.fromkeys(frame["label"])),
                  "autorange": "reversed", "title": {"text": None}, "showgrid": False}})
    fig = style.apply_layout(fig, f"{lf.programme.code.upper()}: {t('page.sequencing', lang)}", lang=lang,
                             y_labels=list(labels.values()))
    rows = ROW_HEIGHT * max(frame["label"].nunique(), 6)
    fig.layout.height = rows + fig.layout.margin.t + fig.layout.margin.b  # every row its height, the legend its own
    return fig
