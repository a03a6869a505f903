"""Two annexes of the report in words, shared by the HTML (and PDF), DOCX and XLSX: the logframe as
it stands (``matrix``'s rows, the Logframe page's, with the baseline the report measured where the
logframe declares none) and the list of contracts (the logframe's contracts and the financial
entries' register, ``finance.contract_register``, whose totals are the budget section's)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from . import report_text as T
from .finance import ContractFigures, contract_ceiling, line_number
from .formatting import DASH, date, number
from .i18n import t
from .matrix import MatrixIndicator, MatrixRow, matrix_rows
from .models import add_months
from .report import Report

Value = str | float | dt.date | None


def logframe_rows(report: Report, lang: str) -> list[MatrixRow]:
    """Goal, purposes, results, sub-results and activities with their indicators, sources and
    assumptions; an indicator without a declared baseline shows the one the report measured."""
    measured = {row.code: row for row in report.annex}

    def with_baseline(ind: MatrixIndicator) -> MatrixIndicator:
        row = measured.get(ind.code)
        if ind.baseline or row is None or row.baseline is None:
            return ind
        return dataclasses.replace(ind, baseline=t("report18.baseline_measured", lang, value=T.baseline(row, lang)))

    return [dataclasses.replace(r, indicators=[with_baseline(i) for i in r.indicators])
            for r in matrix_rows(report.logframe, lang)]


def logframe_header(lang: str) -> list[str]:
    return [t(f"logframe.col.{k}", lang) for k in ("logic", "indicators", "sources", "assumptions")]


def indicator_lines(ind: MatrixIndicator, lang: str) -> list[str]:
    lines = [f"{ind.code} {ind.text}", " · ".join(ind.tags)]
    lines += [ind.baseline] if ind.baseline else []
    lines += ind.targets + ([ind.note] if ind.note else [])
    return lines + ([t("indicator.target_to_be_set", lang)] if ind.to_be_set else [])


def logframe_cells(row: MatrixRow, lang: str) -> list[str]:
    """The row's four cells as plain text, lines apart (DOCX, XLSX); an activity's second cell is its
    means (the contract), as in the matrix."""
    logic = f"{row.label}\n{row.text}"
    if row.kind == "activity":
        return [logic, f"{t('logframe.col.means', lang)}: {row.means}" if row.means else "", "", ""]
    return [logic, "\n\n".join("\n".join(indicator_lines(i, lang)) for i in row.indicators),
            "\n".join(f"• {s.text}" for s in row.sources), "\n".join(f"• {a.text}" for a in row.assumptions)]


def logframe_note(report: Report, lang: str) -> str:
    return t("report18.logframe.note", lang, date=date(report.generated))


# ---------------------------------------------------------------- the list of contracts


def _currency(report: Report) -> str:
    return report.finance.currency if report.finance else report.logframe.programme.currency.value


def foreseen_header(report: Report, lang: str) -> list[str]:
    currency = _currency(report)
    return [t("report18.col.contract", lang), f"{t('report18.col.ceiling', lang)} ({currency})",
            t("report18.col.planned_signature", lang), f"{t('field.finance_contracted', lang)} ({currency})",
            f"{t('report18.col.paid', lang)} ({currency})"]


def foreseen_values(report: Report, lang: str) -> list[list[Value]]:
    """Each contract of the logframe: its title, the ceiling the financing decision sets, the planned
    signature ("assumed" where the decision gives none), and what the register has committed and
    paid under it (None without financial entries)."""
    lf = report.logframe
    under: dict[str, list[ContractFigures]] = {}
    for c in report.contracts or []:
        under.setdefault(c.foreseen, []).append(c)
    rows = []
    for c in lf.contracts:
        planned = None if c.signature_months is None else \
            add_months(lf.programme.implementation.fa_signature, c.signature_months)
        signed = date(planned) + (f" ({t('calendar.assumed', lang)})" if c.signature_assumed else "") \
            if planned else None
        mine = under.get(c.id, [])
        known = report.contracts is not None
        rows.append([c.title.get(lang), contract_ceiling(lf, c.id), signed,
                     sum(x.committed for x in mine) if known else None,
                     sum(x.disbursed for x in mine) if known else None])
    other = under.get("", [])
    if other:  # money on lines the decision ties to no contract of its own (contingencies, audit)
        rows.append([t("report18.contracts.other", lang), None, None, sum(x.committed for x in other),
                     sum(x.disbursed for x in other)])
    return rows


def contract_header(report: Report, lang: str) -> list[str]:
    currency = _currency(report)
    return [t("field.finance_contract_id", lang), t("field.finance_contractor", lang),
            t("report18.col.foreseen", lang), t("field.finance_budget_lines", lang), t("report18.col.signed", lang),
            f"{t('field.finance_contracted', lang)} ({currency})", f"{t('report18.col.paid', lang)} ({currency})"]


def contract_values(report: Report, lang: str) -> list[list[Value]]:
    """The register at the period's end, one row a contract, then the total: the same entries the
    budget section adds up, so its total is the contracted and disbursed total there."""
    lf = report.logframe
    titles = {c.id: c.title.get(lang) for c in lf.contracts}
    rows: list[list[Value]] = [
        [c.contract_id or t("report18.contracts.unattributed", lang), c.contractor, titles.get(c.foreseen),
         ", ".join(str(line_number(lf, code)) for code in c.budget_lines), c.signed, c.committed, c.disbursed]
        for c in report.contracts or []]
    total = report.finance.total if report.finance else None
    if rows and total is not None:
        rows.append([t("logframe.budget.grand_total", lang), "", "", "", "", total.contracted, total.disbursed])
    return rows


def cells(values: list[list[Value]], lang: str) -> list[list[str]]:
    """Values as the reader's language writes them: amounts in whole units, ISO dates, a dash for none."""
    def text(v: Value) -> str:
        if v is None:
            return DASH
        if isinstance(v, dt.date):
            return date(v)
        return number(v, lang, 0) if isinstance(v, float | int) else str(v)

    return [[text(v) for v in row] for row in values]


def contracts_note(report: Report, lang: str) -> str:
    if report.contracts is None or not report.contracts:
        return t("report18.contracts.none", lang)
    return t("report18.contracts.note", lang, date=date(report.period.end))
