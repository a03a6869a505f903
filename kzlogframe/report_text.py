"""The report's words in one language: section titles, column headers and the text of every cell,
so that the HTML (and the PDF printed from it) and the DOCX say exactly the same thing. Built from
the numeric model at render time with ``formatting``."""

from __future__ import annotations

import datetime as dt

from .formatting import (
    DASH, assessed_summary, date, level_label, measured_value, money_unit, number, percent, programme_notice,
    status_label, waiting_text)
from .calendar_text import event_name, timing
from .i18n import t
from .report import ActivityRow, CalendarEntry, DataQualityNote, IndicatorRow, LevelSection, Report, StatusChange

TREND = {"up": "↑", "down": "↓", "flat": "→", "": DASH}


def label(key: str, lang: str, **values: object) -> str:
    return t(key, lang, **values)


def status(code: str, lang: str) -> str:
    """A status in a printed document: the word, coloured by the renderer; no icon on its own."""
    return status_label(code, lang, icon=False)


def level_heading(section: LevelSection, lang: str) -> str:
    return f"{level_label(section.kind, section.code, lang)}: {status(section.status, lang)}"


def level_facts(section: LevelSection, lang: str) -> str:
    """"Progress vs plan 87 % · coverage 75 % · 3 of 4 indicators assessed; of the others: …"."""
    return " · ".join([f"{t('progress.score', lang)} {percent(section.score, lang)}",
                       f"{t('progress.coverage', lang)} {percent(section.coverage, lang)}",
                       assessed_summary(section.counts.as_dict(), lang)])


def baseline(row: IndicatorRow, lang: str) -> str:
    text = measured_value(row.baseline, row.kind, lang)
    if row.baseline_source == "first_measurement":
        return f"{text} ({t('report.baseline_first', lang, period=row.baseline_period)})"
    return text


def target(row: IndicatorRow, lang: str) -> str:
    if row.target is None:
        return t("indicator.target_to_be_set", lang)
    return f"{measured_value(row.target, row.kind, lang)} ({date(row.target_date)})"


def actual(row: IndicatorRow, lang: str) -> str:
    return measured_value(row.actual, row.kind, lang)


def indicator_text(row: IndicatorRow) -> str:
    return f"{row.text} ({row.unit})" if row.unit else row.text


def indicator_cells(row: IndicatorRow, lang: str, annex: bool = False) -> list[str]:
    """Code, indicator, baseline, target, latest actual, [its period,] progress vs plan, status, trend."""
    cells = [row.code, indicator_text(row), baseline(row, lang), target(row, lang), actual(row, lang)]
    cells += [row.period or DASH] if annex else []
    return cells + [percent(row.vs_expected, lang), status(row.status, lang), TREND[row.trend]]


def indicator_header(lang: str, annex: bool = False) -> list[str]:
    keys = ["col.code", "col.indicator", "col.baseline", "col.target", "col.actual"] + (["col.period"] if annex else [])
    return [t(k, lang) for k in keys + ["col.score", "col.status", "report.trend"]]


def activity_cells(row: ActivityRow, lang: str) -> list[str]:
    planned = f"{date(row.planned_start)} – {date(row.planned_end) if row.planned_end else ''}".rstrip()
    done = f"{date(row.actual_start)} – {date(row.actual_end) if row.actual_end else '…'}" if row.actual_start else DASH
    note = ", ".join(t(f"violation.{kind}", lang) for kind in row.problems)
    return [row.code, row.text, planned, done, note]


def activity_header(lang: str) -> list[str]:
    return [t("col.code", lang), t("level.activity", lang), t("report.planned", lang), t("report.actual_dates", lang),
            t("report.note", lang)]


def backlog(report: Report, lang: str) -> str | None:
    codes = report.activities.backlog
    return t("report.backlog", lang, n=len(codes), codes=", ".join(codes)) if codes else None


def calendar_header(lang: str) -> list[str]:
    return [t("calendar.col.date", lang), t("calendar.col.what", lang), t("calendar.col.timing", lang)]


def calendar_cells(entry: CalendarEntry, lang: str) -> list[str]:
    """Date (or span), what is due (or, for a deadline, that it has passed), and whether the financing
    decision gives that timing."""
    when = f"{date(entry.date)} – {date(entry.end_date)}" if entry.end_date else date(entry.date)
    what = t("report18.deadline_passed", lang) if entry.passed else \
        event_name(entry.key, lang, contract=entry.contract, mission=entry.mission)
    return [when, what, timing(entry.assumed, entry.possible, lang)]


def calendar_window(report: Report, lang: str) -> str:
    return t("report.workplan.window", lang, start=date(report.period.end + dt.timedelta(days=1)),
             end=date(report.calendar_until))


def change_cells(change: StatusChange, lang: str) -> list[str]:
    return [level_label(change.kind, change.code, lang), status(change.before, lang), status(change.after, lang)]


def data_quality(note: DataQualityNote, lang: str) -> str:
    return t(f"report.dq.{note.kind}", lang, codes=", ".join(note.codes), days=note.days)


def budget_cells(report: Report, lang: str) -> list[list[str]]:
    rows = [[str(b.number), b.label, number(b.eu, lang), number(b.cofinancing, lang), number(b.total, lang)]
            for b in report.budget]
    total = report.budget_total
    return rows + [["", t("logframe.budget.grand_total", lang), number(total.eu, lang),
                    number(total.cofinancing, lang), number(total.total, lang)]]


def budget_header(report: Report, lang: str) -> list[str]:
    """Every money column with its unit and currency; outside the EU budget the second column is the
    financier's (its EU column reads 0)."""
    unit = money_unit(report.budget_unit, lang)
    second = t("logframe.budget.cofinancing", lang) if report.financing is None else \
        report.financing[:1].upper() + report.financing[1:]
    names = [t("logframe.budget.eu", lang), second, t("logframe.budget.total", lang)]
    return [t("report.row_number", lang), t("logframe.budget.line", lang)] + [f"{name} ({unit})" for name in names]


def budget_note(report: Report, lang: str) -> str:
    """Under the indicative budget: what the money has done by the period's end (contracted, disbursed,
    against the time gone by, and the contracting deadline), or that nothing is recorded."""
    f = report.finance
    if f is None or not f.recorded:
        return t("report.budget_recorded", lang)
    text = t("finance.report.summary", lang, date=date(f.as_of), currency=f.currency,
             indicative=number(f.total.indicative, lang, 0), contracted=number(f.total.contracted, lang, 0),
             share_contracted=percent(f.total.share_contracted, lang), disbursed=number(f.total.disbursed, lang, 0),
             share_disbursed=percent(f.total.share_disbursed, lang), elapsed=percent(f.time_elapsed, lang))
    if f.deadline is not None:
        last = date(f.deadline - dt.timedelta(days=1))
        key = "budget.days_left" if f.days_left >= 0 else "budget.deadline_passed"
        text += " " + t(key, lang, date=last, days=abs(f.days_left))
        if f.not_contracted:
            numbers = [str(n) for n, line in enumerate(report.finance.lines, start=1) if line.code in f.not_contracted]
            text += " " + t("budget.not_contracted", lang, lines=", ".join(numbers))
    return text


def finance_header(report: Report, lang: str) -> list[str]:
    currency = report.finance.currency if report.finance else ""
    money = [f"{t(f'field.finance_{k}', lang)} ({currency})" for k in ("indicative", "contracted")]
    return [t("report.row_number", lang), t("logframe.budget.line", lang), *money,
            t("field.finance_share_contracted", lang), f"{t('field.finance_disbursed', lang)} ({currency})",
            t("field.finance_share_disbursed", lang)]


def finance_cells(report: Report, lang: str) -> list[list[str]]:
    """The financial execution table (one row per budget line, then the total), or none when no
    financial entry is recorded."""
    f = report.finance
    if f is None or not f.recorded:
        return []
    rows = [(str(b.number), b.label, x) for b, x in zip(report.budget, f.lines)]  # both in the logframe's order
    rows.append(("", t("logframe.budget.grand_total", lang), f.total))
    return [[n, name, number(x.indicative, lang, 0), number(x.contracted, lang, 0), percent(x.share_contracted, lang),
             number(x.disbursed, lang, 0), percent(x.share_disbursed, lang)] for n, name, x in rows]


def period_line(report: Report) -> str:
    return str(report.period)


def notice(report: Report, lang: str) -> str | None:
    """Who finances a programme outside the EU budget and that it is not part of it (None for an EU one)."""
    return programme_notice(report.kind, report.financing, report.related_to, lang)


def summary(report: Report, lang: str) -> str:
    """The headline sentence: status, then how much of the programme could be assessed; a programme
    outside the EU budget then says so, and values still waiting for review are counted, so every
    format of the report carries both."""
    o = report.overall
    text = t("report.assessment", lang, status=status(o.status, lang), score=percent(o.score, lang),
             coverage=percent(o.coverage, lang), assessed=assessed_summary(o.counts.as_dict(), lang))
    waiting = report.waiting
    tail = [notice(report, lang)] + ([waiting_text(waiting.batches, waiting.values, lang)]
                                     if waiting and waiting.batches else [])
    return " ".join([text, *filter(None, tail)])
