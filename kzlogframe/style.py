"""One look for every chart and status colour: fonts, palette, tints, layout and date axis.

Charts leave the app as PNG, SVG, HTML and inside the report, where nothing may be cut and no
word may be English in a Kazakh or Russian chart. So margins come from the content (estimated
here, with plotly's automargin as the safety net), the title and legend have their own room, long
titles are wrapped here, and date axes get our own language-neutral tick labels instead of d3's
English month names.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

# Noto Sans first: it has every Kazakh letter (ә ғ қ ң ө ұ ү һ і); the rest are fallbacks.
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
FONT_SIZE = 13
TITLE_SIZE = 17
SUBTITLE_SIZE = 13
TEXT_COLOUR = "#1f2933"
GRID_COLOUR = "#e4e7eb"
AXIS_COLOUR = "#9aa5b1"

STATUS_COLOURS = {"above_plan": "#2471a3", "on_track": "#1e8449", "at_risk": "#d68910", "off_track": "#c0392b",
                  "no_data": "#7f8c8d", "not_due": "#95a5a6", "not_reporting": "#bdc3c7",
                  "insufficient_data": "#8e7cab"}
# Light backgrounds for table cells (report PDF/DOCX/XLSX, pages), one per status.
NEUTRAL_TINT = "#F1F3F5"  # also for a cell without a status
STATUS_TINTS = {"above_plan": "#E2EEF8", "on_track": "#E3F4E8", "at_risk": "#FDF1DC", "off_track": "#FBE3E0",
                "no_data": NEUTRAL_TINT, "not_due": NEUTRAL_TINT, "not_reporting": NEUTRAL_TINT,
                "insufficient_data": "#EEEAF4"}

ACTUAL_COLOUR = "#1f3b5a"
PLANNED_COLOUR = "#7f9cc0"
CRITICAL_COLOUR = "#c0392b"
TARGET_COLOUR = "#8a5a00"
EXPECTED_COLOUR = "#c0392b"
AS_OF_COLOUR = "#c0392b"
BASELINE_COLOUR = "#5d6d7e"
MUTED_COLOUR = "#555555"

WIDTH = 1000  # exported width in CSS pixels (PNG is rendered at twice this)
DEFAULT_HEIGHT = 420  # for a figure that does not say its height
WRAP_WIDTH = 720  # wrap titles for the narrowest place a chart is shown (a page column), not just the file
_CHAR_EM = 0.6  # a generous average glyph width of Noto Sans, Cyrillic included, in em
_LINE_SPACING = 1.3  # plotly's line height, in em of a text's font size
_CAP_SHIFT = 0.7  # em: how far plotly moves a one-line top-anchored title down
_TITLE_TOP = 12  # px from the top of the image to the title
_STANDOFF = 12  # px between an axis title and its tick labels
_TICK_ROOM = 12  # px of tick mark and padding beside tick labels
_LEGEND_SYMBOL, _LEGEND_ROW = 46, 20  # px of a legend entry besides its text; of a legend row
_RIGHT = 28  # px right of the plot, for the last date label

# Decimal and thousands separators: 1,250,000.5 in English, 1 250 000,5 in Kazakh and Russian.
SEPARATORS = {"en": ".,", "kk": ",\u00a0", "ru": ",\u00a0"}
NUMBER = ",~f"  # d3 format: grouped thousands, no trailing zeros (12, 0.8, 1 250 000, -3.5)
HOVER_NUMBER = ",.2~f"
HOVER_DATE = "%Y-%m-%d"


def wrap(text: str, size: int, width: int = WRAP_WIDTH, max_lines: int | None = None) -> list[str]:
    """``text`` in lines that fit ``width`` px at font ``size``, the last one ending in … if cut."""
    chars = max(12, int(width / (size * _CHAR_EM)))
    lines = textwrap.wrap(text, chars, break_on_hyphens=False) or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = textwrap.shorten(lines[-1] + " …", chars, placeholder=" …")
    return lines


def _width(label: str, size: float) -> float:
    """A generous width of a label in px (its longest line, markup left out)."""
    return max(len(re.sub(r"<[^>]+>", "", line)) for line in label.split("<br>")) * size * _CHAR_EM


def _lines(label: str | None) -> int:
    return label.count("<br>") + 1 if label else 0


def _legend_height(fig: go.Figure, room: float) -> float:
    """The height of plotly's horizontal legend over a plot ``room`` px wide: one row if every
    entry fits, else a grid of equal columns as wide as the widest entry."""
    names = [trace.name or "" for trace in fig.data if trace.showlegend is not False]
    names += [shape.name or "" for shape in fig.layout.shapes if shape.showlegend]
    explicit = any(item.showlegend for item in (*fig.data, *fig.layout.shapes))
    if len(names) < 2 and not explicit:
        return 0
    items = [_LEGEND_SYMBOL + _width(name, FONT_SIZE - 1) for name in names]
    rows = 1 if sum(items) <= room else math.ceil(len(items) / max(1, int(room // max(items))))
    return rows * _LEGEND_ROW + 12


def _margins(fig: go.Figure, layout: dict, y_labels: list[str]) -> dict[str, float]:
    """Left and bottom margins that already hold the tick labels, axis titles and legend.

    Plotly's automargin would find them too, but by drawing the whole chart a second time; a
    margin that is large enough from the start is kept, which halves the cost of an SVG. Short
    estimates only cost that second drawing: automargin stays on, so nothing is ever cut."""
    line = _LINE_SPACING * FONT_SIZE
    x, y = layout.get("xaxis", {}), layout.get("yaxis", {})
    x_title, y_title = x.get("title", {}).get("text"), y.get("title", {}).get("text")
    left = 16 + max([_width(label, FONT_SIZE) for label in y_labels] or [0]) + _TICK_ROOM
    left += _lines(y_title) * line + _STANDOFF if y_title else 0
    bottom = 12 + line * max([_lines(label) for label in x.get("ticktext", [])] or [1]) + _TICK_ROOM
    bottom += _lines(x_title) * line + _STANDOFF if x_title else 0
    return {"l": round(left), "b": round(bottom + _legend_height(fig, WIDTH - left - _RIGHT))}


def _merge(base: dict, over: dict) -> dict:
    """``base`` with ``over`` written on top of it, nested dictionaries merged key by key."""
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


def apply_layout(fig: go.Figure, title: str, *, subtitle: str | None = None, lang: str = "en",
                 height: int = 420, y_labels: list[str] | None = None) -> go.Figure:
    """Fonts, colours, a wrapped title, the legend under the plot and margins from the content,
    under the settings the chart already has (its axes, shapes, hover).

    The title (with the subtitle in smaller grey lines) is one text block whose room at the top is
    computed here from its lines; the legend sits at the bottom in container coordinates; left and
    bottom margins are estimated from the axes (``y_labels``: the longest tick labels expected on
    the y axis) and the legend, and the axes' automargin grows them when that is not enough.
    ``height`` is for a one-line title; the figure grows by every extra line. No plotly template:
    every setting is here, and plotly.js would apply the default template's ten kilobytes on
    every render. The layout is set in one assignment: each plotly ``update_*`` call costs
    milliseconds, and the Export page builds every chart of a programme at once."""
    chart = fig.layout.to_plotly_json()
    chart.pop("template", None)
    lines = [html.escape(line, quote=False) for line in wrap(title, TITLE_SIZE)]
    lines += [f"<span style='font-size:{SUBTITLE_SIZE}px;color:{MUTED_COLOUR}'>{html.escape(line, quote=False)}</span>"
              for line in (wrap(subtitle, SUBTITLE_SIZE, max_lines=3) if subtitle else [])]
    line = _LINE_SPACING * TITLE_SIZE  # plotly spaces every line of a text by its own font size
    # Plotly moves a one-line top-anchored title down by its cap height, a multi-line one not.
    top = _TITLE_TOP + (_CAP_SHIFT * TITLE_SIZE if len(lines) > 1 else 0)
    axis = {"automargin": True, "gridcolor": GRID_COLOUR, "linecolor": AXIS_COLOUR, "zerolinecolor": AXIS_COLOUR,
            "ticks": "outside", "tickcolor": AXIS_COLOUR, "showline": True,
            "title": {"standoff": _STANDOFF, "font": {"size": FONT_SIZE}}}
    fig.layout = _merge({
        "title": {"text": "<br>".join(lines), "font": {"size": TITLE_SIZE}, "x": 0, "xref": "container",
                  "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top", "automargin": False,
                  "pad": {"t": top, "l": 16}},
        "font": {"family": FONT, "size": FONT_SIZE, "color": TEXT_COLOUR}, "separators": SEPARATORS.get(lang, ".,"),
        "template": "none", "paper_bgcolor": "white", "plot_bgcolor": "white",
        "height": round(height + (len(lines) - 1) * line),
        "margin": {"r": _RIGHT, "t": round(_TITLE_TOP + len(lines) * line + 24), "autoexpand": True,
                   **_margins(fig, chart, y_labels or [])},
        "legend": {"orientation": "h", "xref": "container", "x": 0.01, "xanchor": "left", "yref": "container",
                   "y": 0.01, "yanchor": "bottom", "font": {"size": FONT_SIZE - 1}, "title": {"text": ""},
                   "traceorder": "normal"},
        "hoverlabel": {"font": {"family": FONT}}, "xaxis": axis, "yaxis": axis}, chart)
    return fig


def image_size(fig: go.Figure) -> tuple[int, int]:
    """A chart's image size in CSS pixels, as the figure says or ``WIDTH`` × ``DEFAULT_HEIGHT``: one
    rule for kaleido's files and the charts drawn in the PDF's own page."""
    return fig.layout.width or WIDTH, fig.layout.height or DEFAULT_HEIGHT


def date_ticks(first: dt.date, last: dt.date) -> tuple[list[dt.date], list[str]]:
    """Tick dates and their labels between two dates: years (``2014``) over longer spans, months as
    ``2014-07`` over short ones. Digits only, so no language ever reads English month names."""
    first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    years = (last - first).days / 365.25
    if years >= 2.5:
        step = next(step for step in (1, 2, 5, 10, 20, 50, 100) if years / step <= 10)
        ticks = [dt.date(y, 1, 1) for y in range(first.year, last.year + 1) if y % step == 0]
        return [d for d in ticks if first <= d <= last], [f"{d.year}" for d in ticks if first <= d <= last]
    months = 3 if years >= 1 else 1
    ticks, day = [], dt.date(first.year, 1, 1)
    while day <= last:
        if day >= first:
            ticks.append(day)
        month = day.month - 1 + months
        day = dt.date(day.year + month // 12, month % 12 + 1, 1)
    return ticks, [d.strftime("%Y-%m") for d in ticks]


def date_axis(dates: list) -> dict:
    """Settings of a date x axis over ``dates`` (padded so edge markers stay whole) with
    :func:`date_ticks` and ISO dates in hovers."""
    stamps = pd.to_datetime(pd.Series(list(dates)).dropna())
    first, last = stamps.min(), stamps.max()
    pad = max(pd.Timedelta(days=20), (last - first) * 0.04)
    start, end = (first - pad).date(), (last + pad).date()
    values, labels = date_ticks(start, end)
    return {"type": "date", "range": [start, end], "tickmode": "array", "tickvals": values, "ticktext": labels,
            "hoverformat": HOVER_DATE}
