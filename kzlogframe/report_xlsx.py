"""The report's annex as a workbook for the M&E team: numbers as numbers (taken from the model, never
parsed back from text), dates as dates, one filterable table per sheet with a frozen header."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

import xlsxwriter

from . import annex_text as A
from . import committee_text as C
from . import report_text as T
from .exports import neutralise, sheet_names
from .formatting import level_label
from .report import Report
from .style import STATUS_TINTS

Cell = str | float | int | dt.date | None
SHEETS = ("report.summary", "report.annex", "report.activities", "report.workplan.sheet", "report.assumptions",
          "report.budget")
COMMITTEE_SHEETS = ("committee.control", "committee.deviations", "committee.risks", "committee.decisions",
                    "committee.criteria")
ANNEX_SHEETS = ("report18.annex.logframe.sheet", "report18.annex.contracts.sheet")


class _Sheet:
    """One worksheet: a typed ``write`` and tables with a frozen header row and an autofilter."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, widths: Sequence[float]):
        self.book, self.ws, self.row = book, book.add_worksheet(name), 0
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
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = "0%" if percent else "#,##0" if float(value).is_integer() else "#,##0.00"
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
                props = {"bg_color": STATUS_TINTS[fill]} if fill else {}
                self.write(col, value, percent=col in percent, **props)
            self.row += 1
        self.ws.autofilter(first, 0, max(first, self.row - 1), len(header) - 1)


def to_xlsx(report: Report) -> bytes:
    r, lang = report, report.lang
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    book.set_properties({"title": f"{r.programme.upper()} — {r.period.label} — {T.label('report.annex', lang)}"})
    sheets = SHEETS + (COMMITTEE_SHEETS if r.committee else ()) + (ANNEX_SHEETS if r.logframe else ())
    names = dict(zip(sheets, sheet_names(T.label(k, lang) for k in sheets)))

    summary = _Sheet(book, names["report.summary"], (34, 40, 14, 14, 14, 60))
    summary.line([T.label("report.cover", lang), f"{r.title} ({r.decision})"], bold=True)
    facts: list[tuple[str, Cell, bool]] = [
        (T.label("report.period", lang), str(r.period), False),
        (T.label("report.previous", lang), str(r.previous) if r.previous else None, False),
        (T.label("report.generated", lang), r.generated, False),
        (T.label("col.status", lang), T.status(r.overall.status, lang), False),
        (T.label("progress.score", lang), r.overall.score, True),
        (T.label("progress.coverage", lang), r.overall.coverage, True),
        (T.label("report.summary", lang), T.summary(r, lang), False)]
    for label, value, is_share in facts:
        summary.write(0, label, bold=True)
        summary.write(1, value, percent=is_share)
        summary.row += 1
    summary.row += 1
    levels = r.levels
    summary.table([T.label(k, lang) for k in ("col.level", "col.status", "progress.score", "col.assessed",
                                              "progress.coverage", "report.narrative")],
                  [[level_label(s.kind, s.code, lang), T.status(s.status, lang), s.score,
                    f"{s.counts.n_assessed} / {s.counts.n_indicators}", s.coverage, s.narrative] for s in levels],
                  percent=(2, 4), status=lambda i: levels[i].status)
    summary.row += 1
    summary.line([T.label("report.data_quality", lang)], bold=True)
    for note in [T.data_quality(n, lang) for n in r.data_quality] or [T.label("report.dq_none", lang)]:
        summary.line([note])

    annex = _Sheet(book, names["report.annex"], (16, 60, 14, 12, 16, 12, 12, 12, 12, 20, 8))
    annex.table([T.label(k, lang) for k in ("col.code", "col.indicator", "col.unit", "col.baseline",
                                            "report.baseline_source", "col.target", "report.target_date",
                                            "col.actual", "col.period", "col.score", "col.status")]
                + [T.label("report.trend", lang)],
                [[i.code, i.text, i.unit, i.baseline, T.label(f"baseline.{i.baseline_source}", lang)
                  if i.baseline_source else None, i.target, i.target_date, i.actual, i.period, i.vs_expected,
                  T.status(i.status, lang), T.TREND[i.trend]] for i in r.annex],
                percent=(9,), status=lambda i: r.annex[i].status)

    activities = _Sheet(book, names["report.activities"], (30, 10, 60, 14, 14, 14, 14, 36))
    groups = [("report.new_slippage", r.activities.new_slippage), ("report.started", r.activities.started),
              ("report.finished", r.activities.finished), ("report18.workplan.activities", r.activities.workplan)]
    activities.table([T.label(k, lang) for k in ("report.activity_group", "col.code", "level.activity",
                                                 "report.planned_start", "report.planned_end",
                                                 "report.actual_start", "report.actual_end", "report.note")],
                     [[T.label(key, lang), a.code, a.text, a.planned_start, a.planned_end, a.actual_start, a.actual_end,
                       T.activity_cells(a, lang)[4] or None] for key, group in groups for a in group])
    if T.backlog(r, lang):
        activities.row += 1
        activities.line([T.backlog(r, lang)])

    calendar = _Sheet(book, names["report.workplan.sheet"], (14, 14, 60, 40))
    calendar.table([T.label(k, lang) for k in ("calendar.col.date", "calendar.col.until", "calendar.col.what",
                                               "calendar.col.timing")],
                   [[e.date, e.end_date, *T.calendar_cells(e, lang)[1:]] for e in r.calendar])
    calendar.row += 1
    calendar.line([f"{T.label('report.workplan', lang)}. {T.calendar_window(r, lang)}"])

    assumptions = _Sheet(book, names["report.assumptions"], (16, 8, 60, 18, 60))
    assumptions.table([T.label(k, lang) for k in ("col.code", "col.level", "report.assumption", "col.status",
                                                  "report.comment")],
                      [[a.id, a.level, a.text, T.label(f"assumption.{a.status}", lang), a.comment]
                       for a in r.assumptions])

    budget = _Sheet(book, names["report.budget"], (6, 70, 18, 20, 18))
    budget.table(T.budget_header(r, lang), [[b.number, b.label, b.eu, b.cofinancing, b.total] for b in r.budget])
    total = r.budget_total
    budget.line([None, T.label("logframe.budget.grand_total", lang), total.eu, total.cofinancing, total.total],
                bold=True)
    if r.finance is not None and r.finance.recorded:  # numbers as numbers, shares as shares
        budget.row += 1
        budget.line([None, T.label("finance.report.title", lang)], bold=True)
        budget.line([None, T.budget_note(r, lang)])
        f = r.finance
        rows = [[b.number, b.label, x.indicative, x.contracted, x.share_contracted, x.disbursed, x.share_disbursed]
                for b, x in zip(r.budget, f.lines)]  # both in the logframe's order
        rows.append([None, T.label("logframe.budget.grand_total", lang), f.total.indicative, f.total.contracted,
                     f.total.share_contracted, f.total.disbursed, f.total.share_disbursed])
        budget.line(T.finance_header(r, lang), bold=True, bg_color="#EEF3F9", border=1)
        for values in rows:  # no second autofilter: a sheet has one, the indicative budget's
            for col, value in enumerate(values):
                budget.write(col, value, percent=col in (4, 6))
            budget.row += 1

    if r.committee:
        _committee(book, r, names)
    if r.logframe:
        _annexes(book, r, names)
    book.close()
    return out.getvalue()


def _committee(book: xlsxwriter.Workbook, r: Report, names: dict[str, str]) -> None:
    """The committee's sections, one table a sheet; the summary as written (Markdown)."""
    p, lang = r.committee, r.lang
    control = _Sheet(book, names["committee.control"], (30, 90))
    for label, value in C.control_lines(p.control, lang, p.as_submitted, p.store_snapshot):
        control.line([label, value])
    control.row += 1
    control.line([T.label("committee.written_summary", lang), C.summary_text(p) or T.label("committee.no_summary", lang)])
    control.row += 1
    control.line([T.label("committee.acronyms", lang)], bold=True)
    for short, meaning in C.acronyms(r, lang):
        control.line([short, meaning])

    deviations = _Sheet(book, names["committee.deviations"], (30, 50, 24, 40, 40, 20, 12, 14))
    groups = [("committee.deviations.open", p.deviations_open), ("committee.deviations.closed", p.deviations_closed),
              ("committee.deviations.unexplained", p.unexplained)]
    deviations.table([T.label("report.activity_group", lang), *C.deviation_header(lang)],
                     [[T.label(key, lang), *C.deviation_cells(d, lang)[:5], d.due, C.deviation_cells(d, lang)[6]]
                      for key, group in groups for d in group])

    risks = _Sheet(book, names["committee.risks"], (6, 50, 40, 12, 12, 10, 40, 20, 12, 20))
    risks.table(C.risk_header(lang), [[k.id, f"{k.assumption}: {k.assumption_text}", k.description, k.likelihood,
                                       k.impact, k.score, k.mitigation, k.owner,
                                       T.label(f"committee.risk_status.{k.status}", lang), C.trend(k, lang)]
                                      for k in p.risks])

    decisions = _Sheet(book, names["committee.decisions"], (30, 6, 14, 60, 24, 14, 14))
    groups = [("committee.decisions.now", p.decisions_now), ("committee.decisions.earlier", p.decisions_earlier)]
    decisions.table([T.label("report.activity_group", lang), *C.decision_header(lang)],
                    [[T.label(key, lang), d.id, d.meeting, d.body, d.owner, d.due,
                      T.label(f"committee.decision_status.{d.status}", lang)] for key, group in groups for d in group])

    criteria = _Sheet(book, names["committee.criteria"], (24, 24, 90))
    criteria.table(C.criteria_header(lang), C.rows(C.criterion_cells, p.criteria, lang))


def _annexes(book: xlsxwriter.Workbook, r: Report, names: dict[str, str]) -> None:
    """The logframe one indicator a row (a level without any, one row), so it filters by level or
    code; the contracts with amounts as numbers, the register's total last."""
    lang = r.lang
    logframe = _Sheet(book, names["report18.annex.logframe.sheet"], (22, 12, 60, 14, 60, 40, 50, 50))
    rows: list[list[Cell]] = []
    for row in A.logframe_rows(r, lang):
        first = [row.label, row.code, row.text]
        cells = A.logframe_cells(row, lang)
        if row.kind == "activity" or not row.indicators:
            rows.append(first + [None, cells[1] or None, None, cells[2] or None, cells[3] or None])
        for ind in row.indicators:
            lines = A.indicator_lines(ind, lang)
            rows.append(first + [ind.code, lines[0].removeprefix(f"{ind.code} "), "\n".join(lines[1:]),
                                 cells[2] or None, cells[3] or None])
    logframe.table([T.label("col.level", lang), T.label("col.code", lang), T.label("logframe.col.logic", lang),
                    T.label("col.code", lang), T.label("logframe.col.indicators", lang), T.label("col.baseline", lang)
                    + " / " + T.label("col.target", lang), T.label("logframe.col.sources", lang),
                    T.label("logframe.col.assumptions", lang)], rows)
    logframe.row += 1
    logframe.line([A.logframe_note(r, lang)])

    contracts = _Sheet(book, names["report18.annex.contracts.sheet"], (40, 24, 30, 14, 14, 18, 18))
    contracts.line([T.label("report18.contracts.foreseen", lang)], bold=True)
    contracts.table(A.foreseen_header(r, lang), A.foreseen_values(r, lang))
    contracts.row += 1
    contracts.line([T.label("report18.contracts.signed", lang)], bold=True)
    signed = A.contract_values(r, lang)
    contracts.line(A.contract_header(r, lang), bold=True, bg_color="#EEF3F9", border=1)
    for i, values in enumerate(signed):  # one autofilter a sheet: the foreseen contracts'
        contracts.line([None if v == "" else v for v in values], bold=i == len(signed) - 1)
    contracts.row += 1
    contracts.line([A.contracts_note(r, lang)])
