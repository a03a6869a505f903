"""The logframe as the four-column matrix people know from the EU's PCM guidelines.

Builds plain rows for one language (testable without Streamlit), and renders them to escaped HTML.
On request every statement carries a note saying where its Kazakh text stands in the source document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .formatting import level_label, money_unit, number, programme_notice
from .i18n import t
from .models import Cumulative, Indicator, IndicatorType, Level, Logframe, ProgrammeKind, Target, add_months
from .provenance import describe, document_label, statement_key, statement_sources
from .templating import environment


@dataclass(frozen=True)
class Origin:
    """Where a statement comes from, in words; ``verbatim`` is False when only its opening words, or
    nothing, were found in the source document (shown so)."""

    text: str
    verbatim: bool


@dataclass(frozen=True)
class MatrixIndicator:
    code: str
    text: str
    tags: list[str]
    baseline: str | None
    targets: list[str]
    to_be_set: bool
    note: str | None = None
    origin: Origin | None = None


@dataclass(frozen=True)
class Statement:
    """A source of verification or an assumption; ``origin`` says where it comes from, when asked."""

    text: str
    origin: Origin | None = None


@dataclass(frozen=True)
class MatrixRow:
    kind: str
    code: str
    label: str
    text: str
    indicators: list[MatrixIndicator] = field(default_factory=list)
    sources: list[Statement] = field(default_factory=list)
    assumptions: list[Statement] = field(default_factory=list)
    means: str | None = None
    origin: Origin | None = None


def planned_value(target: Target, lang: str) -> str:
    """A quantity's planned value as the source states it: ``42``, a minimum ``≥ 42``, a range ``50–70``."""
    if target.up_to is not None:
        return f"{number(target.value, lang)}–{number(target.up_to, lang)}"
    return ("≥ " if target.at_least else "") + number(target.value, lang)


def indicator_line(ind: Indicator, lang: str) -> MatrixIndicator:
    unit = f" {ind.unit.get(lang)}" if ind.unit else ""
    tags = [t(f"result_kind.{ind.result_kind.value}", lang)] if ind.result_kind else []
    tags.append(t(f"type.{ind.type.value}", lang))
    if ind.cumulative is not Cumulative.none:
        tags.append(t(f"cumulative.{ind.cumulative.value}", lang))
    if ind.disaggregation:
        dims = ", ".join(t(f"dimension.{d.value}", lang) for d in ind.disaggregation)
        tags.append(t("indicator.by", lang, dims=dims))
    baseline = None
    if ind.baseline:
        baseline = t("indicator.baseline", lang, value=number(ind.baseline.value, lang) + unit,
                     date=ind.baseline.date.isoformat())
    targets = []
    for target in ind.targets:
        if ind.type is IndicatorType.milestone:
            line = t("indicator.target_done", lang, date=target.date.isoformat())
        elif ind.type is IndicatorType.rating:
            position = int(target.value)
            line = t("indicator.target", lang, value=ind.scale[position - 1].get(lang), date=target.date.isoformat())
        else:
            line = t("indicator.target", lang, value=planned_value(target, lang) + unit, date=target.date.isoformat())
        if target.note:
            line += f" ({target.note.get(lang)})"
        targets.append(line)
    note = ind.note.get(lang) if ind.note else None
    return MatrixIndicator(ind.code, ind.text.get(lang), tags, baseline, targets, not ind.targets, note)


def _row(kind: str, level: Level, lang: str, origins: Mapping[str, Origin]) -> MatrixRow:
    return MatrixRow(
        kind=kind,
        code=level.code,
        label=level_label(kind, level.code, lang),
        text=level.text.get(lang),
        indicators=[replace(indicator_line(i, lang), origin=origins.get(statement_key("indicator", i.code)))
                    for i in level.indicators],
        sources=[Statement(s.get(lang), origins.get(statement_key("source", f"{level.code}.{n}")))
                 for n, s in enumerate(level.sources, start=1)],
        assumptions=[Statement(a.text.get(lang), origins.get(statement_key("assumption", a.id)))
                     for a in level.assumptions],
        origin=origins.get(statement_key("level", level.code)),
    )


def matrix_rows(lf: Logframe, lang: str, origins: Mapping[str, Origin] | None = None) -> list[MatrixRow]:
    """Goal, purposes, then per result: the result, its sub-results, its activities. ``origins``
    (:func:`origin_notes`) puts a note on each statement saying where it comes from."""
    origins = origins or {}
    contracts = {c.id: c.title.get(lang) for c in lf.contracts}
    rows = [_row("goal", lf.goal, lang, origins)]
    for purpose in lf.purposes:
        rows.append(_row("purpose", purpose, lang, origins))
    for result in lf.results:
        rows.append(_row("result", result, lang, origins))
        for sub in result.sub_results:
            rows.append(_row("sub_result", sub, lang, origins))
        for activity in result.activities:
            means = [contracts[activity.contract]] if activity.contract else []
            means += [t("matrix.financing", lang, who=activity.financing.get(lang))] if activity.financing else []
            rows.append(MatrixRow(
                kind="activity",
                code=activity.code,
                label=level_label("activity", activity.code, lang),
                text=activity.text.get(lang),
                means="; ".join(means) or None,
                origin=origins.get(statement_key("activity", activity.code)),
            ))
    return rows


def origin_notes(lf: Logframe, lang: str, path: Path) -> dict[str, Origin]:
    """Each statement's note, by :func:`provenance.statement_key`: "source: resolution No 688, line
    1093", or plainly that its text is not in the source document verbatim."""
    document = document_label(lf, lang)
    return {key: Origin(t("source.prefix", lang, where=describe(place, document, lang)), place.verbatim) if place
            else Origin(describe(place, document, lang), False) for key, place in statement_sources(lf, path).items()}


def render_matrix_html(lf: Logframe, lang: str, origins: Mapping[str, Origin] | None = None) -> str:
    return rows_html(matrix_rows(lf, lang, origins), lang)


def rows_html(rows: list[MatrixRow], lang: str) -> str:
    """The matrix's rows as the Logframe page shows them (the report's annex shows them alike)."""
    columns = {k: t(f"logframe.col.{k}", lang) for k in ("logic", "indicators", "sources", "assumptions", "means")}
    html = environment().get_template("matrix.html.j2").render(
        rows=rows, columns=columns, to_be_set=t("indicator.target_to_be_set", lang))
    # One line: Markdown passes an HTML block through untouched only up to the first blank line.
    return re.sub(r">\s+<", "><", html).replace("\n", " ")


def notice(lf: Logframe, lang: str) -> str | None:
    """Who finances a programme that is not an EU programme, and what it is linked to (None for an EU one)."""
    p = lf.programme
    return programme_notice(p.kind.value, p.financing.get(lang) if p.financing else None, p.related_to, lang)


def financier(lf: Logframe, lang: str) -> str:
    """Who finances a programme outside the EU budget, as a heading ("Government of …", "Republican budget funds")."""
    text = lf.programme.financing.get(lang)
    return text[:1].upper() + text[1:]


def money(lf: Logframe, amount: float, lang: str) -> str:
    """An amount of the programme's budget with its unit and currency: "376,726 EUR", "4 353 886 мың теңге"."""
    return f"{number(amount, lang)} {money_unit(lf.budget.unit, lang)}"


def programme_facts(lf: Logframe, lang: str) -> dict[str, str]:
    """Identity and key dates; the EU budget line and management mode where the decision states them.
    A programme of another kind shows what applies to it: who finances it, its resolution, its start
    and end, its preparatory period and report deadline, or its budget year."""
    if not lf.programme.is_eu:
        return _other_facts(lf, lang)
    p, impl = lf.programme, lf.programme.implementation
    signed = impl.fa_signature.isoformat()
    if impl.fa_signature_assumed:
        signed += f" ({t('logframe.fa_assumed', lang)})"
    inception = add_months(impl.fa_signature, impl.inception_months).isoformat()
    if impl.inception_assumed:
        inception += f" ({t('logframe.inception_assumed', lang)})"
    stated = {t("logframe.eu_budget_line", lang): p.eu_budget_line,
              t("logframe.management", lang): "; ".join(m.get(lang) for m in p.management)}
    return {
        t("logframe.decision", lang): p.decision,
        t("logframe.eu_contribution", lang): f"EUR {number(p.eu_contribution_eur, lang)}",
        **{label: value for label, value in stated.items() if value},
        t("logframe.fa_signature", lang): signed,
        t("logframe.inception_end", lang): inception,
        t("logframe.contracting_deadline", lang):
            add_months(impl.fa_signature, impl.contracting_deadline_months).isoformat(),
        t("logframe.operational_end", lang): add_months(impl.fa_signature, impl.operational_months).isoformat(),
        t("logframe.closure_end", lang): lf.end_date.isoformat(),
    }


def _other_facts(lf: Logframe, lang: str) -> dict[str, str]:
    p, impl = lf.programme, lf.programme.implementation
    facts = {t("logframe.kind", lang): t(f"programme.kind.{p.kind.value}", lang),
             t("logframe.resolution", lang): p.decision,
             t("logframe.financing", lang): financier(lf, lang)}
    if p.related_to:
        facts[t("logframe.related_to", lang)] = p.related_to.upper()
    facts[t("logframe.total_cost", lang)] = money(lf, lf.budget.total.total, lang)
    if p.kind is ProgrammeKind.state_budget_programme:
        facts[t("logframe.administrator", lang)] = p.beneficiary.get(lang)
        years = sorted({period.label for period in lf.reporting_periods()})
        facts[t("logframe.budget_year", lang)] = ", ".join(years)
        return facts
    assumed = f" ({t('logframe.start_assumed', lang)})" if impl.fa_signature_assumed else ""
    facts[t("logframe.start", lang)] = impl.fa_signature.isoformat() + assumed
    if impl.inception_months:
        end = add_months(impl.fa_signature, impl.inception_months).isoformat()
        facts[t("logframe.preparation_end", lang)] = end + (
            f" ({t('logframe.preparation_assumed', lang)})" if impl.inception_assumed else "")
    facts[t("logframe.project_end", lang)] = add_months(impl.fa_signature, impl.operational_months).isoformat()
    if impl.closure_months:
        facts[t("logframe.final_report_due", lang)] = lf.end_date.isoformat()
    return facts


def amendment_lines(lf: Logframe, lang: str) -> list[str]:
    """Each amending resolution, what it amended, in words (its note stays in the source's words)."""
    lines = []
    for a in lf.programme.amendments:
        values = {"number": a.number, "date": a.date.isoformat(), "result": a.result}
        key = "logframe.amendment.items" if a.items else "logframe.amendment.whole"
        lines.append(t(key, lang, items=", ".join(map(str, a.items)), **values))
    return lines


def structure_counts(lf: Logframe) -> dict[str, int]:
    return {
        "results": len(lf.results),
        "sub_results": sum(len(r.sub_results) for r in lf.results),
        "activities": sum(len(r.activities) for r in lf.results),
        "indicators": sum(1 for _ in lf.indicators()),
    }


def budget_columns(lf: Logframe, lang: str) -> list[str]:
    """The money columns' headers with the budget's unit: "EU contribution (EUR thousand)", co-financing,
    total; outside the EU budget the financier's ("Government of … (EUR)") and the total."""
    unit = money_unit(lf.budget.unit, lang)
    names = [t("logframe.budget.eu", lang), t("logframe.budget.cofinancing", lang)] if lf.programme.is_eu \
        else [financier(lf, lang)]
    return [f"{name} ({unit})" for name in names + [t("logframe.budget.total", lang)]]


def budget_table(lf: Logframe, lang: str) -> pd.DataFrame:
    """The indicative budget as stated, numbered, with its total row; discrepancies of the source
    document are flagged (⚠), not fixed. Every money column says its currency; a budget outside the
    EU's has no EU column (its notice says so) and its financier's money is the co-financing column."""
    cols = [t("report.row_number", lang), t("logframe.budget.line", lang)] + budget_columns(lf, lang)
    money = ("eu", "cofinancing", "total") if lf.programme.is_eu else ("cofinancing", "total")
    rows = [[str(n), line.label.get(lang) + (" ⚠" if line.discrepancy else "")] + [getattr(line, k) for k in money]
            for n, line in enumerate(lf.budget.lines, start=1)]
    grand = t("logframe.budget.grand_total", lang) + (" ⚠" if lf.budget.discrepancy else "")
    rows.append(["", grand] + [getattr(lf.budget.total, k) for k in money])
    return pd.DataFrame(rows, columns=cols)
