"""A programme's results as an IATI activity file (standard version 2.03), so the monitoring data
can be published in the format the EU and the IATI registry read.

How the logframe maps onto the standard:

* one ``iati-activity`` per programme, identified as ``XI-IATI-EC_DEVCO-<decision>`` (the EU's
  IATI organisation identifier and the financing decision, ``/`` written ``-``, because the IATI
  ruleset forbids ``/ & | ?`` in identifiers); the decision as written stays in
  ``other-identifier`` (type A1, the reporting organisation's own reference);
* the European Commission (DG DEVCO/EuropeAid) reports, funds and extends; the beneficiary
  (the Government) is accountable; the recipient country is Kazakhstan;
* ``activity-date``: planned and actual start at the financing-agreement signature (with a note
  when that date is assumed), planned end at the end of the closure phase; ``activity-status``
  follows the programme's phases at ``as_of``;
* the indicative budget in periods of at most twelve months (``budget``), and one ``transaction``
  per financial entry: commitments type 2, disbursements type 3, expenditure type 4;
* each level with indicators becomes a ``result``: goal → impact (3), purposes → outcome (2),
  results and sub-results → output (1); each indicator keeps its code (vocabulary 99, the
  reporting organisation's own), its measure (unit 1, percentage 2, rating ordinal 4,
  milestone qualitative 5, which carries "done"/"not done" as a comment instead of a value) and
  its direction (``ascending``); its baseline as the progress engine takes it (declared, zero for a
  running total, or the first measurement, said so in a comment);
* one ``period`` per reporting period of the programme's calendar (``Logframe.reporting_periods``)
  with a logframe target dated in it or a value measured in it. ``actual`` is the progress
  engine's reporting value (:func:`progress.reporting_values`: the same number the pages, the
  report and the exports show), followed by one ``actual`` per disaggregation cell with its
  ``dimension``\\s. Targets are only those the logframe states, never interpolated.

A programme outside the EU budget (a project the Government finances, a state budget programme) is
not an EU activity, so it is never written as one: the activity is the Government's (the Government
funds it, the beneficiary is accountable, amounts are in the programme's currency, no EU money), and
the file's reporting organisation is flagged ``secondary-reporter="true"``, IATI's mark for a publisher
that reproduces data on an activity it is not responsible for. The Government is not made the
reporting organisation because it has no IATI organisation identifier to put in ``@ref`` (an invented
one would make the file unpublishable); the identifier is ``XI-IATI-EC_DEVCO-KZ-GOV-<resolution No>``.

Every child element is written in the order of the schema's ``xsd:sequence``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import pandas as pd
from lxml import etree

from .finance import line_number, yearly_budget
from .formatting import programme_notice
from .i18n import t
from .models import Goal, Indicator, IndicatorType, Level, Logframe, Purpose, Target, Text
from .periods import ReportingPeriod, add_months, period_containing
from .progress import CELL_DIMS, baselines, cumulative_mode, is_percentage, reporting_values

IATI_VERSION = "2.03"
EC_ORG_REF = "XI-IATI-EC_DEVCO"
ORG_TYPE_PUBLIC_SECTOR, ORG_TYPE_GOVERNMENT = "15", "10"
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_EXTENDING = "1", "2", "3"
RECIPIENT_COUNTRY = "KZ"
VOCABULARY_OWN = "99"  # codes defined by the reporting organisation
MEASURE_UNIT, MEASURE_PERCENTAGE, MEASURE_ORDINAL, MEASURE_QUALITATIVE = "1", "2", "4", "5"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BUDGET_ORIGINAL, BUDGET_INDICATIVE = "1", "1"  # BudgetType original; BudgetStatus indicative
TRANSACTION_TYPES = {"commitment": "2", "disbursement": "3", "expenditure": "4"}  # TransactionType codes

_NOT_IN_IDENTIFIER = re.compile(r"[/&|?\s]+")


def activity_identifier(logframe: Logframe) -> str:
    """``XI-IATI-EC_DEVCO-DCI-ASIE-2010-022-081``: stable, readable, and free of ``/ & | ?``; for a
    programme outside the EU budget ``XI-IATI-EC_DEVCO-KZ-GOV-1371``, after the resolution carrying it."""
    programme = logframe.programme
    if not programme.is_eu:
        own = programme.resolution.number if programme.resolution else programme.code.upper()
        return f"{EC_ORG_REF}-KZ-GOV-{_NOT_IN_IDENTIFIER.sub('-', own.strip())}"
    return f"{EC_ORG_REF}-{_NOT_IN_IDENTIFIER.sub('-', programme.decision.strip())}"


def _period_actuals(logframe: Logframe, measurements: pd.DataFrame, cells: bool) -> pd.DataFrame:
    """One row per indicator (× cell) × reporting period: the reporting value, ``slot`` its
    position in the calendar (0-based)."""
    values = reporting_values(measurements, {logframe.programme.code: logframe}, cells=cells)
    return values.assign(slot=values["rp_index"] - 1)


def _number(value: float) -> str:
    return f"{value:.15g}"


def _narratives(parent: etree._Element, texts: Iterable[tuple[str, str]]) -> None:
    for lang, text in texts:
        etree.SubElement(parent, "narrative", {XML_LANG: lang}).text = text


def _texts(text: Text, langs: Sequence[str]) -> list[tuple[str, str]]:
    """The languages of ``langs`` the logframe text really has (no fallback under a wrong tag)."""
    return [(lang, getattr(text, lang)) for lang in langs if getattr(text, lang, None)]


def _messages(key: str, langs: Sequence[str], **values: object) -> list[tuple[str, str]]:
    return [(lang, t(key, lang, **values)) for lang in langs]


def _element(parent: etree._Element, tag: str, texts: list[tuple[str, str]], **attrib: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    _narratives(element, texts)
    return element


def _org(parent: etree._Element, tag: str, ref: str | None, org_type: str, texts: list[tuple[str, str]],
         **attrib: str) -> None:
    _element(parent, tag, texts, **({"ref": ref} if ref else {}), type=org_type, **attrib)


def _status(logframe: Logframe, as_of: dt.date) -> str:
    """ActivityStatus: pipeline before signature, implementation during the operational phase,
    finalisation during closure, closed once the financing agreement's period has ended."""
    impl = logframe.programme.implementation
    if as_of < impl.fa_signature:
        return "1"
    if as_of < add_months(impl.fa_signature, impl.operational_months):
        return "2"
    return "3" if as_of < logframe.end_date else "4"


def _measure(ind: Indicator) -> str:
    if ind.type is IndicatorType.milestone:
        return MEASURE_QUALITATIVE
    if ind.type is IndicatorType.rating:
        return MEASURE_ORDINAL
    return MEASURE_PERCENTAGE if is_percentage(ind) else MEASURE_UNIT


def _indicator_note(ind: Indicator, lang: str) -> str:
    """What a reader needs to read the numbers: unit, how actuals add up, source, missing target."""
    if ind.type is IndicatorType.milestone:
        rule = t("iati.rule.milestone", lang)
    elif ind.type is IndicatorType.rating:
        rule = t("iati.rule.rating", lang, scale=" / ".join(level.get(lang) for level in ind.scale))
    else:
        rule = t(f"iati.rule.{cumulative_mode(ind)}", lang)
    parts = ([t("iati.unit", lang, unit=ind.unit.get(lang))] if ind.unit else []) + [rule]
    parts += [t("iati.source", lang, source=ind.source.get(lang))] if ind.source else []
    parts += [] if ind.targets else [t("iati.no_target", lang)]
    return " ".join(parts)


def _value(parent: etree._Element, tag: str, ind: Indicator, value: float, comment: list[tuple[str, str]],
           dims: dict[str, str] | None = None) -> None:
    """A target or actual: ``@value``, except for milestones, whose comment says it instead (the
    schema: no value for qualitative measures). Children in schema order: dimension, comment."""
    qualitative = ind.type is IndicatorType.milestone
    element = etree.SubElement(parent, tag, {} if qualitative else {"value": _number(value)})
    for name, cell in (dims or {}).items():
        etree.SubElement(element, "dimension", {"name": name, "value": cell})
    if comment:
        _element(element, "comment", comment)


def _actual_comment(ind: Indicator, value: float, langs: Sequence[str]) -> list[tuple[str, str]]:
    """Done or not done for a milestone; the scale level's name for a rating."""
    if ind.type is IndicatorType.milestone:
        return _messages("iati.done" if value >= 1 else "iati.not_done", langs)
    if ind.type is IndicatorType.rating and float(value).is_integer() and 1 <= value <= len(ind.scale):
        return _texts(ind.scale[int(value) - 1], langs)
    return []


def _target_comment(ind: Indicator, target: Target, langs: Sequence[str]) -> list[tuple[str, str]]:
    """A milestone's due date, and the logframe's note on the target, in one comment per language."""
    comment = []
    for lang in langs:
        parts = [t("iati.target_done", lang, date=target.date.isoformat())] \
            if ind.type is IndicatorType.milestone else []
        parts += [getattr(target.note, lang)] if target.note and getattr(target.note, lang, None) else []
        if parts:
            comment.append((lang, " ".join(parts)))
    return comment


def _indicator(result: etree._Element, ind: Indicator, base: tuple | None, periods: Sequence[ReportingPeriod],
               totals: pd.DataFrame, cells: pd.DataFrame, langs: Sequence[str], eu: bool) -> None:
    attrib = {"measure": _measure(ind)}
    if ind.type is not IndicatorType.milestone:
        attrib["ascending"] = "true" if ind.direction.value == "increase" else "false"
    element = _element(result, "indicator", [], **attrib)
    _element(element, "title", _texts(ind.text, langs))
    _element(element, "description", [(lang, _indicator_note(ind, lang)) for lang in langs])
    etree.SubElement(element, "reference", {"vocabulary": VOCABULARY_OWN, "code": ind.code})
    if base is not None:
        day = pd.Timestamp(base.baseline_date).date()
        baseline = etree.SubElement(element, "baseline", {"year": str(day.year), "iso-date": day.isoformat(),
                                                          "value": _number(base.baseline)})
        if base.baseline_source == "declared" and ind.baseline.note:
            _element(baseline, "comment", _texts(ind.baseline.note, langs))
        elif base.baseline_source in ("first_measurement", "zero_start"):
            key = f"iati.baseline.{base.baseline_source}" + ("_other" if base.baseline_source == "zero_start" and not eu
                                                            else "")
            _element(baseline, "comment", _messages(key, langs, period=base.baseline_period))

    dated = sorted(ind.targets, key=lambda target: target.date)
    targets = {period_containing(periods, target.date).index - 1: target for target in dated}  # latest per period
    actual = totals[totals["indicator"] == ind.code].set_index("slot")["value"]
    by_cell = cells[cells["indicator"] == ind.code]
    for slot in sorted(set(targets) | set(actual.index) | set(by_cell["slot"])):
        period = etree.SubElement(element, "period")
        etree.SubElement(period, "period-start", {"iso-date": periods[slot].start.isoformat()})
        etree.SubElement(period, "period-end", {"iso-date": periods[slot].end.isoformat()})
        if slot in targets:
            _value(period, "target", ind, targets[slot].value, _target_comment(ind, targets[slot], langs))
        if slot in actual.index:  # none when the cells are not combined and no total was reported
            _value(period, "actual", ind, actual[slot], _actual_comment(ind, actual[slot], langs))
        for row in by_cell[by_cell["slot"] == slot].itertuples():
            dims = {dim: getattr(row, dim) for dim in CELL_DIMS if getattr(row, dim)}
            _value(period, "actual", ind, row.value, _actual_comment(ind, row.value, langs), dims)


def _result_type(level: Level) -> str:
    """ResultType: 3 impact (goal), 2 outcome (purposes), 1 output (results, sub-results)."""
    return "3" if isinstance(level, Goal) else "2" if isinstance(level, Purpose) else "1"


def _money(activity: etree._Element, logframe: Logframe, finance: pd.DataFrame | None, as_of: dt.date,
           langs: Sequence[str]) -> None:
    """The indicative budget spread over periods of at most twelve months (``budget``, original and
    indicative: :func:`finance.yearly_budget`), then one ``transaction`` per financial entry up to
    ``as_of``: a commitment (a contract signed) type 2, a disbursement type 3, an expenditure type 4,
    with the contract as description and the contractor as receiver. The sums are the Budget page's."""
    for start, end, amount in yearly_budget(logframe):
        budget = etree.SubElement(activity, "budget", type=BUDGET_ORIGINAL, status=BUDGET_INDICATIVE)
        etree.SubElement(budget, "period-start", {"iso-date": start.isoformat()})
        etree.SubElement(budget, "period-end", {"iso-date": end.isoformat()})
        etree.SubElement(budget, "value", {"value-date": start.isoformat()}).text = f"{amount:.2f}"
    if finance is None or finance.empty:
        return
    mine = finance[(finance["programme"] == logframe.programme.code)
                   & (pd.to_datetime(finance["entry_date"]) <= pd.Timestamp(as_of))]
    for entry in mine.sort_values(["entry_date", "kind", "budget_line"], kind="stable").itertuples():
        day = pd.Timestamp(entry.entry_date).date().isoformat()
        transaction = etree.SubElement(activity, "transaction")
        etree.SubElement(transaction, "transaction-type", code=TRANSACTION_TYPES[entry.kind])
        etree.SubElement(transaction, "transaction-date", {"iso-date": day})
        etree.SubElement(transaction, "value", {"value-date": day}).text = f"{entry.amount:.2f}"
        _element(transaction, "description", _messages(
            "finance.iati.transaction", langs, contract=entry.contract_id or "–",
            line=line_number(logframe, entry.budget_line)))
        if entry.contractor:
            _element(transaction, "receiver-org", [(langs[0], entry.contractor)])


def iati_xml(logframe: Logframe, measurements: pd.DataFrame, lang_order: Sequence[str] = ("en", "kk"),
             as_of: dt.date | None = None, finance: pd.DataFrame | None = None) -> bytes:
    """The IATI 2.03 activity file of one programme, UTF-8, valid against the official schema.

    ``measurements`` is shaped like ``current_measurements()`` (other programmes' rows are
    ignored); narratives come in the languages of ``lang_order``, the first being the activity's
    default; ``as_of`` (default today) sets the activity status; ``finance`` (shaped like
    ``finance_ingest.current_entries()``) gives the transactions."""
    as_of = as_of or dt.date.today()
    programme = logframe.programme
    langs = list(lang_order)
    mine = measurements[measurements["programme"] == programme.code]
    periods = logframe.reporting_periods()
    totals = _period_actuals(logframe, mine, cells=False)
    cells = _period_actuals(logframe, mine, cells=True)
    base = {row.indicator: row for row in baselines(mine, {programme.code: logframe}).itertuples()
            if not pd.isna(row.baseline)}

    root = etree.Element("iati-activities", version=IATI_VERSION)
    activity = etree.SubElement(root, "iati-activity", {XML_LANG: langs[0],
                                                        "default-currency": programme.currency.value})
    if "recorded_at" in mine and mine["recorded_at"].notna().any():
        activity.set("last-updated-datetime", pd.Timestamp(mine["recorded_at"].max()).isoformat(timespec="seconds"))
    etree.SubElement(activity, "iati-identifier").text = activity_identifier(logframe)
    if programme.is_eu:
        _eu_header(activity, logframe, langs)
    else:
        _government_header(activity, logframe, langs)
    etree.SubElement(activity, "activity-status", code=_status(logframe, as_of))
    fa = programme.implementation.fa_signature
    assumed_key = "iati.fa_assumed" if programme.is_eu else "iati.start_assumed"
    assumed = _messages(assumed_key, langs) if programme.implementation.fa_signature_assumed else []
    _element(activity, "activity-date", assumed, type="1", **{"iso-date": fa.isoformat()})
    if fa <= as_of:
        _element(activity, "activity-date", assumed, type="2", **{"iso-date": fa.isoformat()})
    etree.SubElement(activity, "activity-date", type="3", **{"iso-date": logframe.end_date.isoformat()})
    etree.SubElement(activity, "recipient-country", code=RECIPIENT_COUNTRY)
    if logframe.programme.dac_sector:  # OECD DAC 5-digit purpose code (vocabulary 1)
        etree.SubElement(activity, "sector", vocabulary="1", code=logframe.programme.dac_sector)
    _money(activity, logframe, finance, as_of, langs)

    for level in logframe.levels():
        if not level.indicators:
            continue  # the schema requires at least one indicator per result
        result = etree.SubElement(activity, "result", type=_result_type(level))
        _element(result, "title", _texts(level.text, langs))
        for ind in level.indicators:
            _indicator(result, ind, base.get(ind.code), periods, totals, cells, langs, programme.is_eu)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _eu_header(activity: etree._Element, logframe: Logframe, langs: Sequence[str]) -> None:
    """Reporting organisation to other-identifier of an EU programme: the Commission's own activity."""
    programme = logframe.programme
    _org(activity, "reporting-org", EC_ORG_REF, ORG_TYPE_PUBLIC_SECTOR, _messages("iati.org.ec", langs))
    _element(activity, "title", _texts(programme.title, langs))
    money = {"eu": f"{programme.eu_contribution_eur:,.0f}".replace(",", " "),
             "total": f"{programme.total_cost_eur:,.0f}".replace(",", " ")}
    _element(activity, "description", [(lang, t("iati.description", lang, title=programme.title.get(lang),
                                                 decision=programme.decision, **money)) for lang in langs], type="1")
    _element(activity, "description", _texts(logframe.goal.text, langs), type="2")
    for role in (ROLE_FUNDING, ROLE_EXTENDING):
        _org(activity, "participating-org", EC_ORG_REF, ORG_TYPE_PUBLIC_SECTOR, _messages("iati.org.ec", langs),
             role=role)
    _org(activity, "participating-org", None, ORG_TYPE_GOVERNMENT, _texts(programme.beneficiary, langs),
         role=ROLE_ACCOUNTABLE)
    other = etree.SubElement(activity, "other-identifier", ref=programme.decision, type="A1")
    _element(other, "owner-org", _messages("iati.org.ec", langs), ref=EC_ORG_REF)


def _government_header(activity: etree._Element, logframe: Logframe, langs: Sequence[str]) -> None:
    """The same elements for the Government's activity, reproduced by the Commission as secondary
    reporter: the Government funds and extends it, the beneficiary is accountable, no EU money."""
    programme = logframe.programme
    _org(activity, "reporting-org", EC_ORG_REF, ORG_TYPE_PUBLIC_SECTOR, _messages("iati.org.ec", langs),
         **{"secondary-reporter": "true"})
    _element(activity, "title", _texts(programme.title, langs))
    total = logframe.budget.total.total * (1000 if logframe.budget.unit.value.endswith("thousand") else 1)
    _element(activity, "description", [(lang, t(
        "iati.description.other", lang, title=programme.title.get(lang), currency=programme.currency.value,
        notice=programme_notice(programme.kind.value, programme.financing.get(lang), programme.related_to, lang),
        total=f"{total:,.0f}".replace(",", " "))) for lang in langs], type="1")
    _element(activity, "description", _texts(logframe.goal.text, langs), type="2")
    for role in (ROLE_FUNDING, ROLE_EXTENDING):
        _org(activity, "participating-org", None, ORG_TYPE_GOVERNMENT, _messages("iati.org.government", langs),
             role=role)
    _org(activity, "participating-org", None, ORG_TYPE_GOVERNMENT, _texts(programme.beneficiary, langs),
         role=ROLE_ACCOUNTABLE)
    other = etree.SubElement(activity, "other-identifier", ref=programme.decision, type="A9")
    _element(other, "owner-org", _messages("iati.org.government", langs))
