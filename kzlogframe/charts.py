"""Plotly figures for indicators. One font stack with Kazakh glyphs for every chart."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from .i18n import t
from .models import Indicator

FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
STATUS_COLOURS = {"above_plan": "#2471a3", "on_track": "#1e8449", "at_risk": "#d68910", "off_track": "#c0392b",
                  "no_data": "#7f8c8d", "not_due": "#95a5a6", "not_reporting": "#bdc3c7"}
ACTUAL_COLOUR = "#1f3b5a"
PLANNED_COLOUR = "#9db4cf"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, font={"family": FONT}, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.15}, hovermode="x unified", height=420)
    return fig


def indicator_chart(series: pd.DataFrame, indicator: Indicator, lang: str, as_of: dt.date,
                    expected: float | None) -> go.Figure:
    """Actuals over time against the planned path from the baseline through the dated targets."""
    fig = go.Figure()
    planned = series[series["kind"] == "planned"]
    actual = series[series["kind"] == "actual"]
    if not planned.empty:
        fig.add_trace(go.Scatter(x=planned["date"], y=planned["value"], name=t("ind.planned", lang),
                                 mode="lines+markers", line={"color": PLANNED_COLOUR, "dash": "dash", "width": 2}))
    if not actual.empty:
        fig.add_trace(go.Scatter(x=actual["date"], y=actual["value"], name=t("ind.actual", lang),
                                 mode="lines+markers", line={"color": ACTUAL_COLOUR, "width": 3},
                                 text=actual["period_label"], hovertemplate="%{text}: %{y}<extra></extra>"))
    for target in indicator.targets:
        fig.add_trace(go.Scatter(x=[target.date], y=[target.value], name=t("ind.target", lang), mode="markers",
                                 marker={"symbol": "star", "size": 14, "color": "#8a5a00"}, showlegend=False))
    if expected is not None and not pd.isna(expected):
        fig.add_trace(go.Scatter(x=[as_of], y=[expected], name=t("ind.expected_now", lang), mode="markers",
                                 marker={"symbol": "diamond-open", "size": 14, "color": "#c0392b",
                                         "line": {"width": 2}}))
    fig.add_shape(type="line", x0=as_of, x1=as_of, y0=0, y1=1, yref="paper",
                  line={"color": "#c0392b", "dash": "dot", "width": 1})
    unit = f" ({indicator.unit.get(lang)})" if indicator.unit else ""
    fig.update_yaxes(title=unit.strip(" ()") or None, rangemode="tozero")
    return _layout(fig, t("ind.chart_title", lang, code=indicator.code))


def breakdown_chart(cells: pd.DataFrame, dimension: str, lang: str, period: str) -> go.Figure:
    """Latest value per disaggregation cell, coloured by its own status."""
    fig = go.Figure(go.Bar(
        x=cells[dimension], y=cells["actual"],
        marker_color=[STATUS_COLOURS.get(s, "#7f8c8d") for s in cells["status"]],
        text=[t(f"status.{s}", lang) for s in cells["status"]], textposition="auto"))
    return _layout(fig, t("ind.breakdown", lang, dimension=t(f"dimension.{dimension}", lang), period=period))
