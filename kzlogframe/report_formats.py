"""The Steering Committee report as PDF, DOCX and XLSX.

Each lays out a :class:`~kzlogframe.report.Report` (or, for the PDF, its HTML) in the section order of
``report.html.j2``; none computes anything, so every format shows the same figures in the same words.
User text (narratives, assumption comments) is only ever written as text: escaped by Jinja for
HTML/PDF, as XML text runs in DOCX, and as neutralised strings in XLSX.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import xlsxwriter
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from playwright.sync_api import sync_playwright

from .exports import neutralise
from .i18n import t
from .report import ActivityLine, IndicatorLine, LevelSection, Report

FONT = "Noto Sans"  # has every Kazakh letter (ә ғ қ ң ө ұ ү һ і)
STATUS_FILL = {"on_track": "E3F4E8", "above_plan": "E2EEF8", "at_risk": "FDF1DC", "off_track": "FBE3E0"}
NEUTRAL_FILL = "F1F3F5"  # no data, not due, not reporting: as in report.html.j2

# ---------------------------------------------------------------- PDF

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
PDF_MARGIN = {"top": "15mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}
PDF_FOOTER = ('<div style="width:100%;text-align:center;font-family:\'Noto Sans\',sans-serif;font-size:8pt;'
              'color:#5a6a7a"><span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def to_pdf(html: str) -> bytes:
    """A4 print of the self-contained report HTML by headless Chromium, which embeds the Noto Sans
    subsets it used, so Kazakh reads the same on any machine; "n / N" page numbers in the footer."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium is not installed ({CHROMIUM} is missing), so the PDF cannot be printed; "
                           "HTML, DOCX and XLSX still work. Install it with scripts/setup.sh.")
    # Playwright's sync API refuses a thread that already runs an asyncio loop (a caller driving its
    # own browser, a notebook), so the printing gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, html).result()


def _print(html: str) -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, margin=PDF_MARGIN, display_header_footer=True,
                            header_template="<div></div>", footer_template=PDF_FOOTER)
        finally:
            browser.close()


# ---------------------------------------------------------------- DOCX

DOCX_LANG = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}
PICTURE_WIDTH = Cm(16)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses these characters
INDICATOR_WIDTHS = (2.4, 5.4, 1.6, 1.7, 2.2, 1.6, 2.2, 0.9)  # cm, portrait A4 less 2 × 16 mm
ANNEX_WIDTHS = (2.8, 9.6, 1.8, 2.0, 2.0, 2.2, 1.8, 3.0, 1.0)  # cm, landscape


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _use_font(r_fonts, name: str) -> None:
    """Name the font for every script and drop the theme fonts, which would otherwise win."""
    for script in ("ascii", "hAnsi", "cs", "eastAsia"):
        r_fonts.set(qn(f"w:{script}"), name)
    for theme in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        r_fonts.attrib.pop(qn(f"w:{theme}"), None)


def _new_document(lang: str) -> DocxDocument:
    """A4, 16 mm margins, Noto Sans in the document defaults and in every style that names a font."""
    doc = Document()
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _use_font(defaults.find(qn("w:rFonts")), FONT)
    defaults.find(qn("w:lang")).set(qn("w:val"), DOCX_LANG[lang])
    for style in doc.styles:
        r_pr = style.element.rPr
        if r_pr is not None and r_pr.rFonts is not None:
            _use_font(r_pr.rFonts, FONT)
    doc.styles["Normal"].font.size = Pt(10)
    cell = doc.styles.add_style("Table text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = doc.styles["Normal"]
    cell.font.size = Pt(8.5)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.6))
    _page_numbers(section.footer.paragraphs[0])
    return doc


def _field(paragraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_numbers(paragraph) -> None:
    """Page numbers "n / N" like the PDF footer, as fields that Word keeps up to date."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE")
    paragraph.add_run(" / ")
    _field(paragraph, "NUMPAGES")


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(doc: DocxDocument, header: Sequence[str], rows: Sequence[Sequence[str]], *,
           statuses: Sequence[str] | None = None, status_column: int | None = None,
           widths: Sequence[float] | None = None, bold_last: bool = False) -> None:
    """A Word table with a header row that repeats on every page; ``statuses`` shade the status
    cell (the label and icon in it carry the meaning, the colour only helps)."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for r, values in enumerate([header, *rows]):
        bold = r == 0 or (bold_last and r == len(rows))
        for c, (cell, text) in enumerate(zip(table.rows[r].cells, values)):
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["Table text"]
            paragraph.add_run(_clean(str(text))).bold = bold
            if widths:
                cell.width = Cm(widths[c])
            if r == 0:
                _shade(cell, "EEF3F9")
            elif statuses is not None and c == status_column:
                _shade(cell, STATUS_FILL.get(statuses[r - 1], NEUTRAL_FILL))
    doc.add_paragraph()


def _note(doc: DocxDocument, text: str) -> None:
    run = doc.add_paragraph().add_run(_clean(text))
    run.italic, run.font.color.rgb = True, RGBColor(0x5A, 0x6A, 0x7A)


def _indicator_table(doc: DocxDocument, L: Mapping[str, str], lines: Sequence[IndicatorLine]) -> None:
    header = [L["col_code"], L["col_indicator"], L["col_baseline"], L["col_target"], L["col_actual"],
              L["col_achievement"], L["col_status"], L["report_trend"]]
    rows = [[i.code, f"{i.text} ({i.unit})" if i.unit else i.text, i.baseline, i.target,
             i.actual if i.period == "–" else f"{i.actual} ({i.period})", i.achievement, i.status_label, i.trend]
            for i in lines]
    _table(doc, header, rows, statuses=[i.status for i in lines], status_column=6, widths=INDICATOR_WIDTHS)


def _level(doc: DocxDocument, L: Mapping[str, str], s: LevelSection, charts_png: Mapping[str, bytes]) -> None:
    doc.add_heading(_clean(f"{s.label}: {s.status_label} ({s.score}; {L['progress_coverage']} {s.coverage})"), 3)
    doc.add_paragraph(_clean(s.text))
    if s.indicators:
        _indicator_table(doc, L, s.indicators)
    if s.chart_indicator and charts_png.get(s.chart_indicator):
        doc.add_picture(io.BytesIO(charts_png[s.chart_indicator]), width=PICTURE_WIDTH)
    doc.add_paragraph().add_run(L["report_narrative"]).bold = True
    if s.narrative:
        for line in s.narrative.splitlines():
            doc.add_paragraph(_clean(line)).paragraph_format.left_indent = Cm(0.5)
    else:
        _note(doc, L["report_no_narrative"])


def _activities(doc: DocxDocument, L: Mapping[str, str], title: str, rows: Sequence[ActivityLine], lang: str) -> None:
    doc.add_heading(title, 3)
    if not rows:
        _note(doc, L["report_none"])
        return
    header = [L["col_code"], t("level.activity", lang), L["report_planned"], L["report_actual_dates"], L["report_note"]]
    _table(doc, header, [[a.code, a.text, a.planned, a.actual, a.note] for a in rows],
           widths=(1.6, 7.2, 3.2, 3.2, 2.6))


def _period_text(report: Report) -> tuple[str, str | None]:
    p, q = report.period, report.previous
    return f"{p.label} ({p.start} – {p.end})", f"{q.label} ({q.start} – {q.end})" if q else None


def to_docx(report: Report, charts_png: Mapping[str, bytes] | None = None) -> bytes:
    """The report as a Word document the secretariat can edit: real headings (navigation pane,
    table of contents), real tables, the narrative as paragraphs and the charts as pictures."""
    r, L, charts_png = report, report.labels, charts_png or {}
    doc = _new_document(r.lang)
    doc.core_properties.title = f"{r.programme.upper()} — {r.period.label} — {L['report_cover']}"
    doc.core_properties.language = DOCX_LANG[r.lang]

    doc.add_heading(_clean(r.title), 1)
    _note(doc, f"{r.decision} · {L['report_cover']}")
    period, previous = _period_text(r)
    for label, value in [(L["report_period"], period), (L["report_previous"], previous),
                         (L["report_generated"], str(r.generated))]:
        if value:
            meta = doc.add_paragraph()
            meta.paragraph_format.space_after = Pt(2)
            meta.add_run(f"{label}: ").bold = True
            meta.add_run(value)

    doc.add_heading(L["report_summary"], 2)
    overall = doc.add_paragraph()
    overall.add_run(r.overall_label).bold = True
    overall.add_run(f" — {r.assessment}")
    _table(doc, [L["progress_score"], L["progress_coverage"]], [[r.score, r.coverage]])
    doc.add_heading(L["report_status_counts"], 3)
    _table(doc, [label for label, _ in r.counts], [[str(n) for _, n in r.counts]])
    levels = r.top_levels + r.results
    _table(doc, [L["col_level"], L["col_status"], L["progress_score"], L["progress_coverage"]],
           [[s.label, s.status_label, s.score, s.coverage] for s in levels],
           statuses=[s.status for s in levels], status_column=1)

    doc.add_heading(L["report_progress"], 2)
    for section in levels:
        _level(doc, L, section, charts_png)

    doc.add_heading(L["report_changes"], 2)
    if r.changes:
        _table(doc, [L["col_level"], L["col_from"], L["col_to"]], r.changes)
    else:
        _note(doc, L["report_no_changes"])

    doc.add_heading(L["report_activities"], 2)
    for title, rows in [(L["report_done"], r.activities_done), (L["report_delayed"], r.activities_delayed),
                        (L["report_next"], r.activities_next)]:
        _activities(doc, L, title, rows, r.lang)

    doc.add_heading(L["report_assumptions"], 2)
    _table(doc, [L["col_code"], L["report_assumption"], L["col_status"], L["report_comment"]],
           [[a.id, a.text, a.status, a.comment] for a in r.assumptions], widths=(2.4, 7.0, 2.6, 5.8))

    doc.add_heading(L["report_budget"], 2)
    _note(doc, f"{L['report_unit']}: {r.budget_unit}")
    _table(doc, [L["logframe_budget_code"], L["logframe_budget_line"], L["logframe_budget_eu"],
                 L["logframe_budget_cofinancing"], L["logframe_budget_total"]],
           [[b.code, b.label, b.eu, b.cofinancing, b.total] for b in r.budget + [r.budget_total]],
           widths=(1.2, 9.6, 2.2, 2.6, 2.2), bold_last=True)
    _note(doc, L["report_budget_recorded"])

    doc.add_heading(L["report_data_quality"], 2)
    for note in r.data_quality:
        doc.add_paragraph(_clean(note), style="List Bullet")
    if not r.data_quality:
        _note(doc, L["report_dq_none"])

    annex = doc.add_section(WD_SECTION.NEW_PAGE)  # the wide annex table reads better across the page
    annex.orientation, annex.page_width, annex.page_height = WD_ORIENT.LANDSCAPE, Cm(29.7), Cm(21)
    doc.add_heading(L["report_annex"], 2)
    _table(doc, [L["col_code"], L["col_indicator"], L["col_baseline"], L["col_target"], L["col_actual"],
                 L["col_period"], L["col_achievement"], L["col_status"], L["report_trend"]],
           [[i.code, i.text, i.baseline, i.target, i.actual, i.period, i.achievement, i.status_label, i.trend]
            for i in r.annex], statuses=[i.status for i in r.annex], status_column=7, widths=ANNEX_WIDTHS)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- XLSX

# The catalogs have no column label for an indicator's unit yet; until they do, it lives here.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

Cell = str | float | dt.date | None


def sheet_name(label: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    return _SHEET_FORBIDDEN.sub("", label).strip().strip("'")[:31].strip()


def figure(text: str) -> Cell:
    """A value the report shows as text ("1 250.5", "87 %", "–") back as a number (a share for
    percentages, nothing for "–"); anything else, such as "target to be set", stays text."""
    if text == "–":
        return None
    plain = text.replace("\u202f", "")
    try:
        value = float(plain[:-2]) / 100 if plain.endswith(" %") else float(plain)
    except ValueError:
        return text
    return value if math.isfinite(value) else text  # Excel has no NaN or infinity


class _Sheet:
    """One worksheet: a typed ``write`` and tables with a frozen header row and an autofilter."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, widths: Sequence[float]):
        self.book, self.ws, self.row = book, book.add_worksheet(sheet_name(name)), 0
        self.fmt: dict[tuple, object] = {}
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)
        self.ws.freeze_panes(1, 0)

    def format(self, **props: object) -> object:
        key = tuple(sorted(props.items()))
        if key not in self.fmt:
            self.fmt[key] = self.book.add_format({"valign": "top", **props})
        return self.fmt[key]

    def write(self, col: int, value: Cell, *, percent: bool = False, **props: object) -> None:
        if value is None:
            self.ws.write_blank(self.row, col, None, self.format(**props))
        elif isinstance(value, float):
            number = "0 %" if percent else "#,##0" if value.is_integer() else "#,##0.00"
            self.ws.write_number(self.row, col, value, self.format(num_format=number, **props))
        elif isinstance(value, dt.date):
            self.ws.write_datetime(self.row, col, dt.datetime.combine(value, dt.time()),
                                   self.format(num_format="yyyy-mm-dd", **props))
        else:
            self.ws.write_string(self.row, col, neutralise(value), self.format(text_wrap=True, **props))

    def line(self, values: Sequence[Cell], **props: object) -> None:
        for col, value in enumerate(values):
            self.write(col, value, **props)
        self.row += 1

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, percent: Sequence[int] = (),
              status: Callable[[int], str | None] = lambda _: None) -> None:
        """Header and rows from the current row, filterable; ``percent`` columns hold shares,
        ``status(i)`` names the status of row i for its fill colour."""
        first = self.row
        self.line(header, bold=True, bg_color="#EEF3F9", border=1)
        for i, values in enumerate(rows):
            fill = status(i)
            for col, value in enumerate(values):
                props = {"bg_color": "#" + STATUS_FILL.get(fill, NEUTRAL_FILL)} if fill else {}
                self.write(col, value, percent=col in percent, **props)
            self.row += 1
        self.ws.autofilter(first, 0, max(first, self.row - 1), len(header) - 1)


def to_xlsx(report: Report) -> bytes:
    """The annex as a workbook: summary, every indicator with numbers as numbers, activities,
    assumptions and budget, one filterable table per sheet for the M&E team to work on."""
    r, L = report, report.labels
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    book.set_properties({"title": f"{r.programme.upper()} — {r.period.label} — {L['report_annex']}"})

    summary = _Sheet(book, L["report_summary"], (34, 40, 14, 14, 60))
    period, previous = _period_text(r)
    summary.line([L["report_cover"], f"{r.title} ({r.decision})"], bold=True)
    facts = [(L["report_period"], period), (L["report_previous"], previous or "–"),
             (L["report_generated"], r.generated), (L["col_status"], r.overall_label),
             (L["progress_score"], figure(r.score)), (L["progress_coverage"], figure(r.coverage)),
             (L["report_summary"], r.assessment)]
    for label, value in facts:
        summary.write(0, label, bold=True)
        summary.write(1, value, percent=label in (L["progress_score"], L["progress_coverage"]))
        summary.row += 1
    summary.row += 1
    summary.line([L["report_status_counts"]], bold=True)
    for label, n in r.counts:
        summary.line([label, float(n)])
    summary.row += 1
    levels = r.top_levels + r.results
    summary.table([L["col_level"], L["col_status"], L["progress_score"], L["progress_coverage"], L["report_narrative"]],
                  [[s.label, s.status_label, figure(s.score), figure(s.coverage), s.narrative] for s in levels],
                  percent=(2, 3), status=lambda i: levels[i].status)
    summary.row += 1
    summary.line([L["report_data_quality"]], bold=True)
    for note in r.data_quality or [L["report_dq_none"]]:
        summary.line([note])

    indicators = _Sheet(book, L["report_annex"], (16, 60, 14, 12, 12, 12, 12, 12, 20, 8))
    indicators.table([L["col_code"], L["col_indicator"], t("col.unit", r.lang), L["col_baseline"], L["col_target"],
                      L["col_actual"], L["col_period"], L["col_achievement"], L["col_status"], L["report_trend"]],
                     [[i.code, i.text, i.unit or None, figure(i.baseline), figure(i.target), figure(i.actual),
                       None if i.period == "–" else i.period, figure(i.achievement), i.status_label,
                       i.trend] for i in r.annex],
                     percent=(7,), status=lambda i: r.annex[i].status)

    activities = _Sheet(book, L["report_activities"], (30, 10, 60, 24, 24, 36))
    rows = [(title, a) for title, group in [(L["report_done"], r.activities_done),
                                            (L["report_delayed"], r.activities_delayed),
                                            (L["report_next"], r.activities_next)] for a in group]
    activities.table([L["col_status"], L["col_code"], t("level.activity", r.lang), L["report_planned"],
                      L["report_actual_dates"], L["report_note"]],
                     [[title, a.code, a.text, a.planned, a.actual, a.note or None] for title, a in rows])

    assumptions = _Sheet(book, L["report_assumptions"], (16, 8, 60, 18, 60))
    assumptions.table([L["col_code"], L["col_level"], L["report_assumption"], L["col_status"], L["report_comment"]],
                      [[a.id, a.level, a.text, a.status, a.comment or None] for a in r.assumptions])

    budget = _Sheet(book, L["report_budget"], (8, 70, 16, 18, 16))
    unit = f" ({r.budget_unit})"
    budget.table([L["logframe_budget_code"], L["logframe_budget_line"], L["logframe_budget_eu"] + unit,
                  L["logframe_budget_cofinancing"] + unit, L["logframe_budget_total"] + unit],
                 [[b.code or None, b.label, figure(b.eu), figure(b.cofinancing), figure(b.total)] for b in r.budget])
    budget.line([None, r.budget_total.label, figure(r.budget_total.eu), figure(r.budget_total.cofinancing),
                 figure(r.budget_total.total)], bold=True)

    book.close()
    return out.getvalue()
