"""The report's file formats in one table, as datasette registers its renderers: each renderer
takes the numeric :class:`~kzlogframe.report.Report` and returns bytes. Charts are drawn here, in
the report's language, and rendered in one batch (one browser session) for the whole report: by
kaleido for HTML and DOCX, by the printing browser itself for the PDF."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import plotly.graph_objects as go

from . import chart_export
from .charts import indicator_chart
from .report import Report
from .report_html import render_html
from .report_pdf import printer_ahead, to_pdf


def report_figures(report: Report) -> dict[str, go.Figure]:
    """The report's charts, drawn in its language and judged at the end of its period."""
    return {code: indicator_chart(c.points, c.indicator, report.lang, report.period.end, c.expected)
            for code, c in report.charts.items()}


def _svgs(report: Report) -> dict[str, str]:
    """Charts as inline SVG; none without a browser (the HTML says nothing is missing, it just has no charts)."""
    if not chart_export.browser_available() or not report.charts:
        return {}
    return {code: svg.decode("utf-8") for code, svg in chart_export.render_many(report_figures(report), "svg").items()}


def _html(report: Report) -> bytes:
    return render_html(report, _svgs(report)).encode("utf-8")


def _pdf(report: Report) -> bytes:
    """Charts drawn by the browser that prints the PDF, in slots the HTML leaves for them."""
    figures = report_figures(report)
    return to_pdf(render_html(report, dict.fromkeys(figures, "")), figures)


def _docx(report: Report) -> bytes:
    from .report_docx import to_docx  # python-docx and lxml are imported for this format only

    browser = chart_export.browser_available() and report.charts
    return to_docx(report, chart_export.render_many(report_figures(report), "png") if browser else {})


def _xlsx(report: Report) -> bytes:
    from .report_xlsx import to_xlsx

    return to_xlsx(report)


@dataclass(frozen=True)
class Renderer:
    mime: str
    extension: str
    render: Callable[[Report], bytes]
    needs_browser: bool = False
    # Starts the browser this format's charts need, in a thread, while the caller builds the report.
    ahead: Callable[[], AbstractContextManager] = nullcontext


RENDERERS: dict[str, Renderer] = {
    "html": Renderer("text/html", "html", _html, ahead=chart_export.started_ahead),
    "pdf": Renderer("application/pdf", "pdf", _pdf, needs_browser=True, ahead=printer_ahead),
    "docx": Renderer("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", _docx,
                     ahead=chart_export.started_ahead),
    "xlsx": Renderer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", _xlsx),
}


def export_report(report: Report, fmt: str) -> bytes:
    """The report as a file. Charts need Chromium (through kaleido); without it they are left out,
    and the PDF, which Chromium prints, raises a RuntimeError saying so."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format '{fmt}' (use {', '.join(RENDERERS)})")
    return RENDERERS[fmt].render(report)
