"""The Budget page's charts: cumulative disbursement against the planned straight line (the burn
chart), and each budget line's shares contracted and disbursed against the time gone by. Styled by
:mod:`kzlogframe.style`, so they export like every other chart."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from . import style
from .finance import Execution
from .i18n import t


def burn_chart(points: pd.DataFrame, figures: Execution, lang: str) -> go.Figure:
    """``points`` from :func:`finance.burn`: the planned line dashed, the actual running total as
    steps (money stays paid until the next payment), the day assessed and the contracting deadline."""
    planned = points[points["kind"] == "planned"]
    actual = points[points["kind"] == "actual"]
    currency = figures.currency
    traces = [{"type": "scatter", "x": list(planned["date"]), "y": list(planned["amount"]), "mode": "lines",
               "name": t("budget.chart.planned", lang),
               "line": {"color": style.PLANNED_COLOUR, "dash": "dash", "width": 2},
               "hovertemplate": f"%{{x}}: %{{y:{style.HOVER_NUMBER}}}<extra></extra>"}]
    if len(actual):
        dates, amounts = list(actual["date"]) + [figures.as_of], list(actual["amount"]) + [actual["amount"].iloc[-1]]
        traces.append({"type": "scatter", "x": dates, "y": amounts, "mode": "lines+markers",
                       "name": t("budget.chart.actual", lang), "marker": {"size": 6},
                       "line": {"color": style.ACTUAL_COLOUR, "width": 3, "shape": "hv"},
                       "hovertemplate": f"%{{x}}: %{{y:{style.HOVER_NUMBER}}}<extra></extra>"})
    shapes = [_day_line(figures.as_of, t("chart.as_of_line", lang, date=f"{figures.as_of:%Y-%m-%d}"),
                        style.AS_OF_COLOUR)]
    if figures.deadline:
        last = figures.deadline - dt.timedelta(days=1)
        shapes.append(_day_line(last, t("budget.chart.deadline", lang, date=f"{last:%Y-%m-%d}"), style.TARGET_COLOUR))
    fig = go.Figure(data=traces, layout={
        "template": "none", "hovermode": "x unified", "shapes": shapes,
        "xaxis": style.date_axis([*points["date"], figures.as_of]),
        "yaxis": {"title": {"text": currency}, "tickformat": style.NUMBER, "rangemode": "tozero"}})
    top = max([*points["amount"], 0.0])
    return style.apply_layout(fig, t("budget.chart.burn_title", lang), lang=lang,
                              subtitle=t("budget.chart.burn_subtitle", lang, currency=currency),
                              y_labels=[f"{top:,.0f}"])


def _day_line(day: dt.date, name: str, colour: str) -> dict:
    return {"type": "line", "x0": day, "x1": day, "y0": 0, "y1": 1, "yref": "paper", "showlegend": True,
            "name": name, "line": {"color": colour, "dash": "dot", "width": 1.5}}


def shares_chart(figures: Execution, lang: str) -> go.Figure:
    """Per budget line with an indicative amount (by its number in the budget table, as the report
    numbers them), the share contracted and the share disbursed, with
    the share of the operational phase gone by as a vertical line: bars short of it are behind."""
    numbered = [(n, x) for n, x in enumerate(figures.lines, start=1) if x.indicative > 0]
    lines = [x for _, x in numbered]
    labels = [t("budget.line_code", lang, code=n) for n, _ in numbered]
    traces = [{"type": "bar", "orientation": "h", "y": labels, "x": [100 * (getattr(x, share) or 0) for x in lines],
               "name": t(f"budget.chart.{share}", lang), "marker": {"color": colour},
               "hovertemplate": "%{y}: %{x:.0f}%<extra></extra>"}
              for share, colour in (("share_contracted", style.PLANNED_COLOUR),
                                    ("share_disbursed", style.ACTUAL_COLOUR))]
    elapsed = 100 * figures.time_elapsed
    fig = go.Figure(data=traces, layout={
        "template": "none", "barmode": "group",
        "yaxis": {"autorange": "reversed", "type": "category"},
        "xaxis": {"ticksuffix": "%", "rangemode": "tozero"},
        "shapes": [{"type": "line", "x0": elapsed, "x1": elapsed, "y0": 0, "y1": 1, "yref": "paper",
                    "showlegend": True, "name": t("budget.chart.elapsed", lang, share=f"{elapsed:.0f}"),
                    "line": {"color": style.AS_OF_COLOUR, "dash": "dot", "width": 1.5}}]})
    return style.apply_layout(fig, t("budget.chart.shares_title", lang), lang=lang,
                              height=160 + 46 * len(lines), y_labels=labels)
