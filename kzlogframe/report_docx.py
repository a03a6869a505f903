"""The report as a Word document the secretariat can edit: real headings (navigation pane, table
of contents), real tables with header rows that repeat, the narrative as paragraphs and the
charts as pictures, in the section order and words of the HTML (``report_text``)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from . import annex_text as A
from . import committee_text as C
from . import report_text as T
from .formatting import date, level_label, percent
from .report import ActivityRow, IndicatorRow, LevelSection, Report
from .style import FONT, STATUS_TINTS

FONT_NAME = FONT.split(",")[0].strip()  # Noto Sans: every Kazakh letter (ә ғ қ ң ө ұ ү һ і)
DOCX_LANG = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}
PICTURE_WIDTH = Cm(16)
HEADER_FILL = "EEF3F9"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml refuses these characters
INDICATOR_WIDTHS = (2.6, 5.0, 1.9, 2.1, 1.7, 1.2, 1.8, 0.8)  # cm, portrait A4 less 2 × 16 mm
ANNEX_WIDTHS = (2.8, 8.4, 2.1, 2.6, 1.9, 1.7, 1.4, 2.5, 0.9)  # cm, landscape


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
    _use_font(defaults.find(qn("w:rFonts")), FONT_NAME)
    defaults.find(qn("w:lang")).set(qn("w:val"), DOCX_LANG[lang])
    for style in doc.styles:
        r_pr = style.element.rPr
        if r_pr is not None and r_pr.rFonts is not None:
            _use_font(r_pr.rFonts, FONT_NAME)
    doc.styles["Normal"].font.size = Pt(10)
    cell = doc.styles.add_style("Table text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = doc.styles["Normal"]
    cell.font.size = Pt(8)
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
    shading.set(qn("w:fill"), fill.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def _no_wrap(cell) -> None:
    """Codes, numbers and dates stay on one line (Word's "no wrap" cell option)."""
    cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))


def _table(doc: DocxDocument, header: Sequence[str], rows: Sequence[Sequence[str]], *,
           statuses: Sequence[str] | None = None, status_column: int | None = None,
           widths: Sequence[float] | None = None, nowrap: Sequence[int] = (), bold_last: bool = False) -> None:
    """A Word table whose header row repeats on every page; ``statuses`` tint the status cell
    (the word in it carries the meaning, the colour only helps)."""
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
            paragraph.add_run(_clean(str(text))).bold = bold or (statuses is not None and c == status_column)
            if widths:
                cell.width = Cm(widths[c])
            if r and c in nowrap:
                _no_wrap(cell)
            if r == 0:
                _shade(cell, HEADER_FILL)
            elif statuses is not None and c == status_column:
                _shade(cell, STATUS_TINTS[statuses[r - 1]])
    doc.add_paragraph()


def _note(doc: DocxDocument, text: str) -> None:
    run = doc.add_paragraph().add_run(_clean(text))
    run.italic, run.font.color.rgb = True, RGBColor(0x5A, 0x6A, 0x7A)


def _indicator_table(doc: DocxDocument, rows: Sequence[IndicatorRow], lang: str, annex: bool = False) -> None:
    cells = [T.indicator_cells(i, lang, annex) for i in rows]
    status_column = len(cells[0]) - 2
    _table(doc, T.indicator_header(lang, annex), cells, statuses=[i.status for i in rows], status_column=status_column,
           widths=ANNEX_WIDTHS if annex else INDICATOR_WIDTHS,
           nowrap=[0, status_column, status_column - 1] + ([5] if annex else []))


def _level(doc: DocxDocument, s: LevelSection, lang: str, charts_png: Mapping[str, bytes]) -> None:
    doc.add_heading(_clean(T.level_heading(s, lang)), 3)
    _note(doc, T.level_facts(s, lang))
    doc.add_paragraph(_clean(s.text))
    if s.indicators:
        _indicator_table(doc, s.indicators, lang)
    if s.chart_indicator and charts_png.get(s.chart_indicator):
        doc.add_picture(io.BytesIO(charts_png[s.chart_indicator]), width=PICTURE_WIDTH)
    doc.add_paragraph().add_run(T.label("report.narrative", lang)).bold = True
    if s.narrative:
        for line in s.narrative.splitlines():
            doc.add_paragraph(_clean(line)).paragraph_format.left_indent = Cm(0.5)
    else:
        _note(doc, T.label("report.no_narrative", lang))


def _activities(doc: DocxDocument, key: str, rows: Sequence[ActivityRow], lang: str) -> None:
    doc.add_heading(T.label(key, lang), 3)
    if not rows:
        _note(doc, T.label("report.none", lang))
        return
    _table(doc, T.activity_header(lang), [T.activity_cells(a, lang) for a in rows], widths=(1.6, 7.0, 3.4, 3.4, 2.4),
           nowrap=[0])


def to_docx(report: Report, charts_png: Mapping[str, bytes] | None = None) -> bytes:
    r, lang, charts_png = report, report.lang, charts_png or {}
    doc = _new_document(lang)
    doc.core_properties.title = f"{r.programme.upper()} — {r.period.label} — {T.label('report.cover', lang)}"
    doc.core_properties.language = DOCX_LANG[lang]

    doc.add_heading(_clean(r.title), 1)
    _note(doc, f"{r.decision} · {T.label('report.cover', lang)}")
    for key, value in [("report.period", str(r.period)), ("report.previous", str(r.previous) if r.previous else None),
                       ("report.generated", date(r.generated))]:
        if value:
            meta = doc.add_paragraph()
            meta.paragraph_format.space_after = Pt(2)
            meta.add_run(f"{T.label(key, lang)}: ").bold = True
            meta.add_run(value)
    _front(doc, r, lang)

    doc.add_heading(T.label("report.summary", lang), 2)
    _written_summary(doc, r, lang)
    overall = doc.add_paragraph()
    overall.add_run(T.status(r.overall.status, lang)).bold = True
    overall.add_run(f" — {T.summary(r, lang)}")
    _table(doc, [T.label(k, lang) for k in ("col.level", "col.status", "progress.score", "col.assessed",
                                            "progress.coverage")],
           [[level_label(s.kind, s.code, lang), T.status(s.status, lang), percent(s.score, lang),
             f"{s.counts.n_assessed} / {s.counts.n_indicators}", percent(s.coverage, lang)] for s in r.levels],
           statuses=[s.status for s in r.levels], status_column=1, nowrap=[0, 1, 2, 3, 4])

    doc.add_heading(T.label("report.progress", lang), 2)
    for section in r.levels:
        _level(doc, section, lang, charts_png)

    doc.add_heading(T.label("report.changes", lang), 2)
    if not r.previous:
        _note(doc, T.label("report.first_report", lang))
    elif r.changes:
        _table(doc, [T.label(k, lang) for k in ("col.level", "col.from", "col.to")],
               [T.change_cells(c, lang) for c in r.changes], nowrap=[0, 1, 2])
    else:
        _note(doc, T.label("report.no_changes", lang))

    _deviations(doc, r, lang)

    doc.add_heading(T.label("report.activities", lang), 2)
    _activities(doc, "report.new_slippage", r.activities.new_slippage, lang)
    if T.backlog(r, lang):
        _note(doc, T.backlog(r, lang))
    for key, rows in [("report.started", r.activities.started), ("report.finished", r.activities.finished)]:
        _activities(doc, key, rows, lang)

    doc.add_heading(T.label("report18.workplan", lang), 2)
    _note(doc, T.calendar_window(r, lang))
    doc.add_heading(T.label("report.workplan", lang), 3)
    if r.calendar:
        _table(doc, T.calendar_header(lang), [T.calendar_cells(e, lang) for e in r.calendar], widths=(4.2, 9.0, 4.6),
               nowrap=[0])
    else:
        _note(doc, T.label("report.workplan.none", lang))
    if r.activities.workplan:
        _activities(doc, "report18.workplan.activities", r.activities.workplan, lang)
    else:
        doc.add_heading(T.label("report18.workplan.activities", lang), 3)
        _note(doc, T.label("report18.workplan.no_activities", lang))

    _criteria(doc, r, lang)

    doc.add_heading(T.label("report.assumptions", lang), 2)
    _table(doc, [T.label(k, lang) for k in ("col.code", "report.assumption", "col.status", "report.comment")],
           [[a.id, a.text, T.label(f"assumption.{a.status}", lang), a.comment or ""] for a in r.assumptions],
           widths=(2.6, 7.0, 2.4, 5.8), nowrap=[0])

    _risks(doc, r, lang)
    _decisions(doc, r, lang)

    doc.add_heading(T.label("report.budget", lang), 2)
    _table(doc, T.budget_header(r, lang), T.budget_cells(r, lang), widths=(0.9, 9.9, 2.2, 2.6, 2.2),
           nowrap=[0, 2, 3, 4], bold_last=True)
    _note(doc, T.budget_note(r, lang))
    if finance := T.finance_cells(r, lang):
        doc.add_heading(T.label("finance.report.title", lang), 3)
        _table(doc, T.finance_header(r, lang), finance, widths=(0.9, 6.1, 2.4, 2.4, 1.6, 2.4, 1.6),
               nowrap=[0, 2, 3, 4, 5, 6], bold_last=True)

    doc.add_heading(T.label("report.data_quality", lang), 2)
    for note in r.data_quality:
        doc.add_paragraph(_clean(T.data_quality(note, lang)), style="List Bullet")
    if not r.data_quality:
        _note(doc, T.label("report.dq_none", lang))

    annex = doc.add_section(WD_SECTION.NEW_PAGE)  # the wide annex table reads better across the page
    annex.orientation, annex.page_width, annex.page_height = WD_ORIENT.LANDSCAPE, Cm(29.7), Cm(21)
    doc.add_heading(T.label("report.annex", lang), 2)
    _indicator_table(doc, r.annex, lang, annex=True)
    _annexes(doc, r, lang)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the committee's sections (report_committee)


def _toc_field(doc: DocxDocument, lang: str) -> None:
    """A real Word table of contents (a TOC field over the section headings) that Word fills in when
    the document opens (``updateFields``); until then it shows the section titles."""
    paragraph = doc.add_paragraph()

    def run(child) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)

    def char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            element.set(qn("w:dirty"), "true")
        return element

    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = ' TOC \\o "2-2" \\h \\z \\u '
    run(char("begin"))
    run(instruction)
    run(char("separate"))
    for n, (_, title) in enumerate(C.toc(lang)):
        if n:
            run(OxmlElement("w:br"))
        text = OxmlElement("w:t")
        text.text = _clean(title)
        run(text)
    run(char("end"))
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)


def _front(doc: DocxDocument, r: Report, lang: str) -> None:
    """Document control on the title page; then the contents and the acronyms on a page of their own."""
    if r.committee is None:
        return
    part = r.committee
    _table(doc, [T.label("committee.control", lang), ""],
           C.control_lines(part.control, lang, part.as_submitted, part.store_snapshot), widths=(4.5, 13.3))
    doc.add_page_break()
    contents = doc.add_paragraph()
    contents.add_run(T.label("committee.toc", lang)).bold = True
    _toc_field(doc, lang)
    doc.add_heading(T.label("committee.acronyms", lang), 2)
    _table(doc, [T.label("committee.acronyms", lang), ""], C.acronyms(r, lang), widths=(3.0, 14.8), nowrap=[0])
    doc.add_page_break()


def _markdown(doc: DocxDocument, markdown: str) -> None:
    for block in C.blocks(markdown):
        paragraph = doc.add_paragraph(style="List Bullet" if block.kind == "li" else None)
        for text, bold, italic in block.runs:
            run = paragraph.add_run(_clean(text))
            run.bold, run.italic = bold or block.kind == "h", italic


def _written_summary(doc: DocxDocument, r: Report, lang: str) -> None:
    if r.committee is None:
        return
    doc.add_heading(T.label("committee.written_summary", lang), 3)
    text = C.summary_text(r.committee)
    if text:
        _markdown(doc, text)
    else:
        _note(doc, T.label("committee.no_summary", lang))
    doc.add_heading(T.label("committee.headline", lang), 3)


def _listing(doc: DocxDocument, key: str, header: list[str], rows: list[list[str]], lang: str,
             widths: Sequence[float] | None = None) -> None:
    doc.add_heading(T.label(key, lang), 3)
    if rows:
        _table(doc, header, rows, widths=widths)
    else:
        _note(doc, T.label("committee.none", lang))


def _deviations(doc: DocxDocument, r: Report, lang: str) -> None:
    if r.committee is None:
        return
    p = r.committee
    doc.add_heading(T.label("committee.deviations", lang), 2)
    for key, items in (("committee.deviations.open", p.deviations_open),
                       ("committee.deviations.closed", p.deviations_closed),
                       ("committee.deviations.unexplained", p.unexplained)):
        _listing(doc, key, C.deviation_header(lang), C.rows(C.deviation_cells, items, lang), lang,
                 widths=(4.6, 2.2, 3.0, 3.0, 2.0, 1.8, 1.4))


def _criteria(doc: DocxDocument, r: Report, lang: str) -> None:
    if r.committee is None:
        return
    doc.add_heading(T.label("committee.criteria", lang), 2)
    if r.committee.criteria:
        _table(doc, C.criteria_header(lang), C.rows(C.criterion_cells, r.committee.criteria, lang),
               widths=(3.2, 3.4, 11.2))
    else:
        _note(doc, T.label("committee.criteria.none", lang))


def _matrix(doc: DocxDocument, r: Report, lang: str) -> None:
    header, rows = C.matrix_rows(r.committee, lang)
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    for i, values in enumerate([header, *rows]):
        for j, (cell, text) in enumerate(zip(table.rows[i].cells, values)):
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["Table text"]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(_clean(text)).bold = i == 0 or j == 0
            cell.width = Cm(5.0 if j == 0 else 2.0)
            if i and j:
                _shade(cell, C.matrix_tint(6 - i, j))
            elif i == 0 or j == 0:
                _shade(cell, HEADER_FILL)
    doc.add_paragraph()


def _risks(doc: DocxDocument, r: Report, lang: str) -> None:
    if r.committee is None:
        return
    p = r.committee
    doc.add_heading(T.label("committee.risks", lang), 2)
    if not p.risks:
        _note(doc, T.label("committee.risks.none", lang))
        return
    _table(doc, C.risk_header(lang), C.rows(C.risk_cells, p.risks, lang),
           widths=(0.8, 3.4, 3.0, 1.3, 1.1, 0.9, 3.0, 1.9, 1.2, 1.6), nowrap=[0, 3, 4, 5])
    doc.add_heading(T.label("committee.matrix", lang), 3)
    _matrix(doc, r, lang)
    doc.add_heading(T.label("committee.risk_changes", lang), 3)
    if not r.previous:
        _note(doc, T.label("report.first_report", lang))
    for change in p.risk_changes if r.previous else []:
        doc.add_paragraph(_clean(f"#{change.id} {change.description}: {C.trend(change, lang)}"), style="List Bullet")
    if r.previous and not p.risk_changes:
        _note(doc, T.label("committee.none", lang))


def _decisions(doc: DocxDocument, r: Report, lang: str) -> None:
    if r.committee is None:
        return
    doc.add_heading(T.label("committee.decisions", lang), 2)
    for key, items in (("committee.decisions.now", r.committee.decisions_now),
                       ("committee.decisions.earlier", r.committee.decisions_earlier)):
        _listing(doc, key, C.decision_header(lang), C.rows(C.decision_cells, items, lang), lang,
                 widths=(0.8, 2.2, 8.0, 3.0, 2.2, 1.6))


# ---------------------------------------------------------------- the logframe and the contracts (annex_text)


def _annexes(doc: DocxDocument, r: Report, lang: str) -> None:
    """The logframe as it stands and the list of contracts, in the landscape section of the annex."""
    if r.logframe is None:
        return
    doc.add_heading(T.label("report18.annex.logframe", lang), 2)
    _note(doc, A.logframe_note(r, lang))
    _table(doc, A.logframe_header(lang), [A.logframe_cells(row, lang) for row in A.logframe_rows(r, lang)],
           widths=(6.2, 10.3, 4.8, 5.2))
    doc.add_heading(T.label("report18.annex.contracts", lang), 2)
    doc.add_heading(T.label("report18.contracts.foreseen", lang), 3)
    if r.logframe.contracts:
        _table(doc, A.foreseen_header(r, lang), A.cells(A.foreseen_values(r, lang), lang),
               widths=(10.5, 3.5, 4.5, 4.0, 4.0), nowrap=[1, 2, 3, 4])
    else:
        _note(doc, T.label("committee.none", lang))
    doc.add_heading(T.label("report18.contracts.signed", lang), 3)
    if signed := A.cells(A.contract_values(r, lang), lang):
        _table(doc, A.contract_header(r, lang), signed, widths=(3.6, 4.4, 6.0, 2.4, 2.6, 3.8, 3.7),
               nowrap=[0, 4, 5, 6], bold_last=True)
    _note(doc, A.contracts_note(r, lang))
