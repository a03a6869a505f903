"""Plotly figures for indicators, in the one style of ``style.py``.

Every mark has a legend entry, the value axis says its unit (milestones read done / not done,
ratings their scale words), and dates are labelled by us, never by d3's English month names.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from . import style
from .i18n import t
from .models import Indicator, IndicatorType

STATUS_COLOURS = style.STATUS_COLOURS  # for views that still import it from here

UNIT_WIDTH = 240  # px: a long unit is wrapped to fit along a vertical value axis of the lowest plot
ROW_LINE, ROW_GAP = 18, 14  # px per line of a bar's label, and between bars
_LEGEND_ORDER = ("planned", "baseline", "first_measurement", "actual", "target", "expected", "as_of")
_RANK = {name: 100 + 10 * i for i, name in enumerate(_LEGEND_ORDER)}


def value_axis(indicator: Indicator | None, lang: str, unit_width: int = UNIT_WIDTH) -> dict:
    """Axis settings for an indicator's values: done / not done for milestones, the scale words for
    ratings, otherwise the unit as title, grouped numbers and a % suffix for percentages."""
    if indicator is not None and indicator.type is IndicatorType.milestone:
        return {"tickmode": "array", "tickvals": [0, 1], "range": [-0.2, 1.2], "zeroline": False,
                "ticktext": [t("chart.not_done", lang), t("chart.done", lang)]}
    if indicator is not None and indicator.type is IndicatorType.rating:
        return {"tickmode": "array", "tickvals": list(range(1, len(indicator.scale) + 1)),
                "ticktext": [level.get(lang) for level in indicator.scale],
                "range": [0.6, len(indicator.scale) + 0.4]}
    unit = indicator.unit.get(lang) if indicator is not None and indicator.unit else None
    suffix = ("%" if lang == "en" else "\u00a0%") if unit and "%" in unit else ""
    title = "<br>".join(style.wrap(unit, style.FONT_SIZE, width=unit_width)) if unit else None
    return {"title": {"text": title}, "tickformat": style.NUMBER, "ticksuffix": suffix, "rangemode": "tozero"}


def tick_sample(values: list[float | None], suffix: str = "") -> str:
    """About the longest tick label plotly will write on an axis over ``values`` (for margins)."""
    finite = [float(v) for v in values if v is not None and pd.notna(v)]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    biggest = max(-low, high) * 1.2  # the axis ends on a round tick above the data
    return ("-" if low < 0 else "") + (f"{biggest:,.0f}" if biggest >= 10 else "0.25") + suffix


def value_words(values: pd.Series, indicator: Indicator | None, lang: str) -> list[str]:
    """Values as a reader says them: done / not done, a rating's word, or a grouped number (by plotly)."""
    if indicator is not None and indicator.type is IndicatorType.milestone:
        return [t("chart.done" if v >= 1 else "chart.not_done", lang) if pd.notna(v) else "–" for v in values]
    if indicator is not None and indicator.type is IndicatorType.rating:
        scale = [level.get(lang) for level in indicator.scale]
        return [scale[int(round(v)) - 1] if pd.notna(v) and 1 <= round(v) <= len(scale) else "–" for v in values]
    return []


def _hover(words: list[str], label: str) -> dict:
    """A hover text with the reader's word for the value, or the grouped number."""
    if words:
        return {"customdata": words, "hovertemplate": f"{label}: %{{customdata}}<extra></extra>"}
    return {"hovertemplate": f"{label}: %{{y:{style.HOVER_NUMBER}}}<extra></extra>"}


def _points(name: str, key: str, x: list, y: list, indicator: Indicator, lang: str, **trace: object) -> dict:
    """A scatter trace in legend position ``key`` with hover texts in the reader's words."""
    return {"type": "scatter", "x": x, "y": y, "name": name, "legendrank": _RANK[key],
            **_hover(value_words(pd.Series(y, dtype=float), indicator, lang), name), **trace}


def indicator_chart(series: pd.DataFrame, indicator: Indicator, lang: str, as_of: dt.date,
                    expected: float | None) -> go.Figure:
    """Actuals over time against the planned path from the baseline through the dated targets,
    with the targets, what is expected at ``as_of`` and the ``as_of`` date itself. Values of periods
    ending after ``as_of`` are left out: a chart judged at a date shows what the report of that date
    counts, whichever page, zip or file draws it."""
    shape = "hv" if indicator.type is IndicatorType.milestone else "linear"  # not done until the day it is done
    series = series[(series["kind"] != "actual") | (pd.to_datetime(series["date"]) <= pd.Timestamp(as_of))]
    planned = series[series["kind"] == "planned"].sort_values("date")
    actual = series[series["kind"] == "actual"].sort_values("date")
    traces = []
    if len(planned) >= 2:
        traces.append(_points(t("ind.planned", lang), "planned", list(planned["date"]), list(planned["value"]),
                              indicator, lang, mode="lines",
                              line={"color": style.PLANNED_COLOUR, "dash": "dash", "width": 2, "shape": shape}))
    for point, key, symbol in (("baseline", "chart.baseline", "square"),
                               ("first_measurement", "chart.baseline_first", "square-open")):
        rows = planned[planned["point"] == point]
        if not rows.empty:
            traces.append(_points(t(key, lang), point, list(rows["date"]), list(rows["value"]), indicator, lang,
                                  mode="markers", marker={"symbol": symbol, "size": 11, "color": style.BASELINE_COLOUR,
                                                          "line": {"width": 2, "color": style.BASELINE_COLOUR}}))
    if not actual.empty:
        name = t("ind.actual", lang)
        words = value_words(actual["value"], indicator, lang)
        value = "%{customdata}" if words else f"%{{y:{style.HOVER_NUMBER}}}"
        traces.append({"type": "scatter", "x": list(actual["date"]), "y": list(actual["value"]), "name": name,
                       "mode": "lines+markers", "legendrank": _RANK["actual"], "marker": {"size": 7},
                       "line": {"color": style.ACTUAL_COLOUR, "width": 3, "shape": shape},
                       "customdata": words or None, "text": list(actual["period_label"]),
                       "hovertemplate": f"%{{text}}: {value}<extra>{name}</extra>"})
    for i, target in enumerate(indicator.targets):
        traces.append(_points(t("ind.target", lang), "target", [target.date], [target.value], indicator, lang,
                              mode="markers", legendgroup="target", showlegend=i == 0,
                              marker={"symbol": "star", "size": 15, "color": style.TARGET_COLOUR}))
    if expected is not None and not pd.isna(expected):
        traces.append(_points(t("ind.expected_now", lang), "expected", [as_of], [expected], indicator, lang,
                              mode="markers", marker={"symbol": "diamond-open", "size": 14,
                                                      "color": style.EXPECTED_COLOUR, "line": {"width": 2}}))
    axis = value_axis(indicator, lang)
    fig = go.Figure(data=traces, layout={
        "template": "none", "hovermode": "x unified", "yaxis": axis,
        "xaxis": style.date_axis([*series["date"], *(target.date for target in indicator.targets), as_of]),
        "shapes": [{"type": "line", "x0": as_of, "x1": as_of, "y0": 0, "y1": 1, "yref": "paper",
                    "showlegend": True, "name": t("chart.as_of_line", lang, date=f"{as_of:%Y-%m-%d}"),
                    "legendrank": _RANK["as_of"], "line": {"color": style.AS_OF_COLOUR, "dash": "dot", "width": 1.5}}]})
    values = [*series["value"], *(target.value for target in indicator.targets), expected]
    return style.apply_layout(fig, t("ind.chart_title", lang, code=indicator.code), subtitle=indicator.text.get(lang),
                              lang=lang, y_labels=axis.get("ticktext") or [tick_sample(values, axis["ticksuffix"])])


def breakdown_chart(cells: pd.DataFrame, dimension: str, lang: str, period: str,
                    indicator: Indicator | None = None) -> go.Figure:
    """Latest value per disaggregation cell as horizontal bars coloured by the cell's own status.

    Horizontal, so long oblast and ministry names read as written (wrapped, never cropped); the
    status words are in the legend and each bar carries its value. With ``indicator`` the value
    axis shows its unit (or done / not done)."""
    labels = ["<br>".join(style.wrap(str(name), style.FONT_SIZE, width=260)) for name in cells[dimension]]
    values = cells["actual"].astype(float).reset_index(drop=True)
    words = value_words(values, indicator, lang)
    axis = value_axis(indicator, lang, unit_width=3 * UNIT_WIDTH)  # along the horizontal axis
    number = f"%{{x:{style.NUMBER}}}{axis.get('ticksuffix', '')}"  # plotly formats it in the chart's language
    shown = words or [number if pd.notna(v) else "–" for v in values]
    traces = []
    for status in dict.fromkeys([*style.STATUS_COLOURS, *cells["status"]]):
        mine = [i for i, s in enumerate(cells["status"]) if s == status]
        if mine:
            traces.append({
                "type": "bar", "orientation": "h", "name": t(f"status.{status}", lang),
                "y": [labels[i] for i in mine], "x": [values[i] if pd.notna(values[i]) else 0 for i in mine],
                "marker": {"color": style.STATUS_COLOURS.get(status, style.STATUS_COLOURS["no_data"])},
                "textposition": "outside", "cliponaxis": False, "texttemplate": [shown[i] for i in mine],
                "hovertemplate": [f"%{{y}}: {shown[i]}<extra></extra>" for i in mine]})
    axis.pop("rangemode", None)
    if words:  # bars from 0 to the level reached, with room for the word after each bar
        axis["range"] = [0, 1.45 * (axis["tickvals"][-1])]
    else:
        low, high = min(0.0, values.min()), max(0.0, values.max())
        room = 0.22 * ((high - low) or 1.0)  # for the value written after each bar's end
        axis["range"] = [low - (room if low < 0 else 0), high + room]
    band = ROW_LINE * max(label.count("<br>") + 1 for label in labels) + ROW_GAP  # rows share one height
    fig = go.Figure(data=traces, layout={
        "template": "none", "barmode": "overlay", "bargap": 0.3, "xaxis": axis,
        "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": labels, "autorange": "reversed",
                  "showgrid": False}})
    return style.apply_layout(
        fig, t("ind.breakdown", lang, dimension=t(f"dimension.{dimension}", lang), period=period),
        subtitle=indicator.text.get(lang) if indicator is not None else None, lang=lang,
        height=max(300, 190 + band * len(labels)), y_labels=labels)
