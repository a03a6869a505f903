"""The report as one self-contained HTML page (styles inline, charts as inline SVG): the preview on
the Report page, the HTML download, and what Chromium prints as the PDF."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from . import annex_text, committee_text, report_text
from .dashboard import coverage_text
from .formatting import level_label
from .matrix import rows_html
from .report import IndicatorRow, Report
from .style import STATUS_TINTS
from .templating import environment


def render_html(report: Report, charts_svg: Mapping[str, str] | None = None) -> str:
    """Every stored or uploaded text is escaped by Jinja; only our own chart SVG is inserted as is.
    A chart's element names it (``data-chart``): an empty SVG leaves a slot the PDF's page fills."""
    env = environment()
    lang = report.lang

    def indicator_table(rows: list[IndicatorRow], annex: bool) -> Markup:
        return Markup(env.get_template("indicators.html.j2").render(rows=rows, annex=annex, lang=lang, T=report_text))

    return env.get_template("report.html.j2").render(
        r=report, lang=lang, T=report_text, C=committee_text, A=annex_text, charts=charts_svg or {}, tints=STATUS_TINTS,
        level_label=level_label, indicator_table=indicator_table,
        coverage_note=coverage_text(lang, coverage=report.overall.coverage),
        logframe_matrix=Markup(rows_html(annex_text.logframe_rows(report, lang), lang)) if report.logframe else "")
