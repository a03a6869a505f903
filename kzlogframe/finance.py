"""Money against results: the rules for financial entries (commitments, disbursements, expenditure)
and the figures every output shows of them. Pure functions on plain data; reading files and the
store is :mod:`kzlogframe.finance_ingest`.

An entry is a contract signed (``commitment``: contract id, contractor, amount), money paid out
(``disbursement``) or costs incurred (``expenditure``) on one budget line of one programme, in the
programme's currency, in whole units (EUR, tenge), whatever unit the logframe's budget is stated in.

What the import refuses and what it only warns of follows DESIGN.md §3 (see :func:`check_rows`):
a row that cannot be a true entry is refused with its line; a row that is possible but worth a
second look (above an indicative amount, money before contracts) is kept and warned of.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .i18n import t
from .models import BudgetLine, Logframe, MoneyUnit
from .periods import add_months

KINDS = ("commitment", "disbursement", "expenditure")
KIND_WORDS: dict[str, str] = {
    word: kind
    for kind, words in {
        "commitment": ["commitment", "contract", "committed", "міндеттеме", "келісімшарт", "обязательство",
                       "контракт", "договор"],
        "disbursement": ["disbursement", "payment", "paid", "төлем", "төленді", "выплата", "платёж", "платеж"],
        "expenditure": ["expenditure", "expense", "spent", "шығыс", "шығын", "расход", "расходы"],
    }.items()
    for word in words
}
SCALE = {MoneyUnit.eur_thousand: 1000.0, MoneyUnit.eur: 1.0, MoneyUnit.kzt_thousand: 1000.0}
ENTRY_COLUMNS = ["line", "programme", "budget_line", "entry_date", "kind", "contract_id", "contract_type",
                 "contractor", "amount", "currency", "comment"]
MAX_AMOUNT = 1e13  # more than any programme here will ever see: a larger number is a typing slip
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


# ---------------------------------------------------------------- what the logframe says


def scale(lf: Logframe) -> float:
    """Currency units per unit of the logframe's budget (1000 for "EUR thousand")."""
    return SCALE[lf.budget.unit]


def indicative(lf: Logframe, line: BudgetLine) -> float:
    """A line's indicative amount in currency units: its EU column for an EU programme (contracts
    there commit EU money), its total for a programme outside the EU budget."""
    return (line.eu if lf.programme.is_eu else line.total) * scale(lf)


def contract_ceiling(lf: Logframe, contract: str) -> float | None:
    """The most the financing decision allows a logframe contract (EUR), for a programme counted in EUR."""
    if lf.programme.currency.value != "EUR":
        return None
    found = next((c for c in lf.contracts if c.id == contract), None)
    return found.max_eur if found else None


def contracting_deadline(lf: Logframe) -> dt.date | None:
    """The last day contracts may be signed: only an EU financing agreement sets one."""
    impl = lf.programme.implementation
    return add_months(impl.fa_signature, impl.contracting_deadline_months) if lf.programme.is_eu else None


def operational_end(lf: Logframe) -> dt.date:
    """The first day after the operational phase: the planned disbursement path ends here."""
    impl = lf.programme.implementation
    return add_months(impl.fa_signature, impl.operational_months)


def time_elapsed(lf: Logframe, as_of: dt.date) -> float:
    """Share of the operational phase gone by at ``as_of`` (0 before it starts, 1 after it ends)."""
    start, end = lf.programme.implementation.fa_signature, operational_end(lf)
    return min(max((as_of - start).days / (end - start).days, 0.0), 1.0)


def line_number(lf: Logframe, code: str) -> int:
    """A budget line's number in the budget table (1-based), as the pages and the report show it: the
    YAML's codes (``visibility``, ``me_audit``) are identifiers, not words for a reader."""
    return next(n for n, line in enumerate(lf.budget.lines, start=1) if line.code == code)


def _line_contract(lf: Logframe, budget_line: str, contract_type: str) -> str:
    if contract_type:
        return contract_type
    line = next((b for b in lf.budget.lines if b.code == budget_line), None)
    return (line.contract or "") if line else ""


# ---------------------------------------------------------------- reading cells


def parse_amount(text: str) -> float | None:
    """An amount as people type it: ``1234.5``, ``1 234,50`` (decimal comma, spaces between
    thousands), ``1.234.567,89`` or ``1,234,567.89`` (the last sign is the decimal one when both
    occur). None when it is not a finite number."""
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if not re.fullmatch(r"[+-]?[0-9.,]+", cleaned):
        return None
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif cleaned.count(",") > 1 or cleaned.count(".") > 1:
        separator = "," if cleaned.count(",") > 1 else "."
        if not re.fullmatch(rf"[+-]?[0-9]{{1,3}}(\{separator}[0-9]{{3}})+", cleaned):
            return None
        cleaned = cleaned.replace(separator, "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_date(text: str) -> dt.date | None:
    """A day written ISO (2013-05-31) or as Kazakhstan writes it (31.05.2013, 31/05/2013)."""
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime((text or "").strip(), form).date()
        except ValueError:
            continue
    return None


def parse_kind(text: str) -> str | None:
    return KIND_WORDS.get((text or "").strip().lower().replace("ё", "е"))


# ---------------------------------------------------------------- checking rows


@dataclass(frozen=True)
class RawRow:
    """One record of a financial CSV: its physical line and its cells by canonical column name."""

    line: int
    cells: Mapping[str, str]


@dataclass
class Checked:
    """``accepted``: rows of :data:`ENTRY_COLUMNS`; ``rejected``: line, reason; ``warnings``: line, warning."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["line", "reason"]))
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["line", "warning"]))


def _cell(row: RawRow, column: str) -> str:
    return (row.cells.get(column) or "").strip()


def _entry(row: RawRow, catalog: Mapping[str, Logframe], today: dt.date, lang: str) -> tuple[dict | None, str | None]:
    """The entry a row states, or why it cannot be one."""
    code = _cell(row, "programme").lower()
    if not code:
        return None, t("finance.reason.programme_empty", lang)
    lf = catalog.get(code)
    if lf is None:
        return None, t("finance.reason.unknown_programme", lang, programme=code[:60])
    lines = [b.code for b in lf.budget.lines]
    budget_line = _cell(row, "budget_line")
    if not budget_line:
        return None, t("finance.reason.line_empty", lang)
    if budget_line not in lines and budget_line.isdigit() and 1 <= int(budget_line) <= len(lines):
        budget_line = lines[int(budget_line) - 1]  # the line's number in the budget table, as pages show it
    if budget_line not in lines:
        return None, t("finance.reason.unknown_line", lang, line=budget_line[:60], programme=code,
                       lines=", ".join(lines))
    kind = parse_kind(_cell(row, "kind"))
    if kind is None:
        return None, t("finance.reason.unknown_kind", lang, text=_cell(row, "kind")[:60],
                       kinds=", ".join(t(f"finance.kind.{k}", lang) for k in KINDS))
    day = parse_date(_cell(row, "date"))
    if day is None:
        return None, t("finance.reason.bad_date", lang, text=_cell(row, "date")[:60])
    start, end = lf.programme.implementation.fa_signature, lf.end_date - dt.timedelta(days=1)
    if not start <= day <= end:
        return None, t("finance.reason.date_outside", lang, date=day.isoformat(), start=start.isoformat(),
                       end=end.isoformat())
    if day > today:
        return None, t("finance.reason.date_future", lang, date=day.isoformat())
    amount = parse_amount(_cell(row, "amount"))
    if amount is None or abs(amount) > MAX_AMOUNT:
        return None, t("finance.reason.bad_amount", lang, text=_cell(row, "amount")[:60])
    if amount <= 0:
        return None, t("finance.reason.not_positive", lang, text=_cell(row, "amount")[:60])
    currency = _cell(row, "currency").upper() or lf.programme.currency.value
    if currency != lf.programme.currency.value:
        return None, t("finance.reason.currency", lang, currency=currency[:10], programme=code,
                       expected=lf.programme.currency.value)
    contract_id = _cell(row, "contract_id")
    if kind == "commitment" and not contract_id:
        return None, t("finance.reason.no_contract", lang)
    contract_type = _cell(row, "contract_type").lower()
    known = {c.id.lower(): c.id for c in lf.contracts}
    known |= {title.lower(): c.id for c in lf.contracts for title in (c.title.kk, c.title.en, c.title.ru) if title}
    if contract_type and contract_type not in known:
        return None, t("finance.reason.unknown_contract_type", lang, text=contract_type[:60],
                       known=", ".join(c.id for c in lf.contracts))
    return {"line": row.line, "programme": code, "budget_line": budget_line, "entry_date": day, "kind": kind,
            "contract_id": contract_id, "contract_type": known.get(contract_type, ""),
            "contractor": _cell(row, "contractor") or None, "amount": amount, "currency": currency,
            "comment": _cell(row, "comment") or None}, None


def entry_key(entry: Mapping) -> tuple:
    """What makes two entries the same (the later supersedes): a commitment is its contract, a
    disbursement or expenditure its contract and day (the store's ``finance_history`` view partitions alike)."""
    day = None if entry["kind"] == "commitment" else pd.Timestamp(entry["entry_date"]).date()
    return entry["programme"], entry["budget_line"], entry["kind"], entry["contract_id"] or "", day


def check_rows(rows: Sequence[RawRow], catalog: Mapping[str, Logframe], current: pd.DataFrame,
               today: dt.date, lang: str = "en") -> Checked:
    """Every row checked against the logframe and against the entries already stored (``current``:
    the store's current entries of the programmes concerned, columns as :data:`ENTRY_COLUMNS`).

    Refused, with the row's line: an unknown programme, budget line, kind or contract type; a date
    that is not one, outside the programme (FA signature to the end of closure) or in the future; an
    amount that is not a number above zero; another currency than the programme's; a commitment
    without its contract id; a row repeating an earlier row's entry; a commitment that takes its
    contract's commitments above the ceiling the financing decision sets ("at most"). Warned, and
    kept: commitments of a line above its indicative amount (the indicative budget may be
    reallocated), a commitment signed after the contracting deadline, disbursements of a line above
    its commitments (the contracts may be uploaded later)."""
    entries, rejected, warnings = [], [], []
    seen: dict[tuple, int] = {}
    for row in sorted(rows, key=lambda r: r.line):
        entry, reason = _entry(row, catalog, today, lang)
        if entry is not None and entry_key(entry) in seen:
            entry, reason = None, t("finance.reason.repeated", lang, first=seen[entry_key(entry)])
        if entry is None:
            rejected.append((row.line, reason))
            continue
        seen[entry_key(entry)] = row.line
        entries.append(entry)
    stored = [e for e in current.to_dict("records") if entry_key(e) not in seen] if len(current) else []

    def total(kind: str, where) -> float:
        return sum(e["amount"] for e in stored if e["kind"] == kind and where(e))

    kept = []
    ceilings_used: dict[tuple[str, str], float] = {}
    for entry in (e for e in entries if e["kind"] == "commitment"):
        lf = catalog[entry["programme"]]
        contract = _line_contract(lf, entry["budget_line"], entry["contract_type"])
        ceiling = contract_ceiling(lf, contract) if contract else None
        if ceiling is not None:
            key = (entry["programme"], contract)
            if key not in ceilings_used:  # what is stored under this contract already
                ceilings_used[key] = sum(
                    e["amount"] for e in stored if e["kind"] == "commitment" and e["programme"] == key[0]
                    and _line_contract(lf, e["budget_line"], e.get("contract_type") or "") == contract)
            used = ceilings_used[key]
            if used + entry["amount"] > ceiling:
                rejected.append((entry["line"], t("finance.reason.above_ceiling", lang, contract=contract,
                                                  amount=_money(entry["amount"]), used=_money(used),
                                                  ceiling=_money(ceiling))))
                continue
            ceilings_used[key] = used + entry["amount"]
        kept.append(entry)
    kept += [e for e in entries if e["kind"] != "commitment"]
    kept.sort(key=lambda e: e["line"])

    for (code, budget_line), group in _by_line(kept).items():
        lf = catalog[code]
        line = next(b for b in lf.budget.lines if b.code == budget_line)
        limit = indicative(lf, line)
        committed = total("commitment", lambda e: (e["programme"], e["budget_line"]) == (code, budget_line))
        deadline = contracting_deadline(lf)
        for entry in (e for e in group if e["kind"] == "commitment"):
            committed += entry["amount"]
            if committed > limit:
                warnings.append((entry["line"], t("finance.warning.above_indicative", lang, line=budget_line,
                                                  committed=_money(committed), indicative=_money(limit))))
            if deadline is not None and entry["entry_date"] >= deadline:
                warnings.append((entry["line"], t("finance.warning.after_deadline", lang,
                                                  date=entry["entry_date"].isoformat(),
                                                  deadline=(deadline - dt.timedelta(days=1)).isoformat())))
        disbursed = total("disbursement", lambda e: (e["programme"], e["budget_line"]) == (code, budget_line))
        payments = sorted((e for e in group if e["kind"] == "disbursement"), key=lambda e: (e["entry_date"], e["line"]))
        for entry in payments:
            disbursed += entry["amount"]
            if disbursed > committed:
                warnings.append((entry["line"], t("finance.warning.above_commitments", lang, line=budget_line,
                                                  disbursed=_money(disbursed), committed=_money(committed))))
    return Checked(pd.DataFrame(kept, columns=ENTRY_COLUMNS),
                   pd.DataFrame(sorted(rejected), columns=["line", "reason"]),
                   pd.DataFrame(sorted(warnings), columns=["line", "warning"]))


def _by_line(entries: list[dict]) -> dict[tuple[str, str], list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for entry in entries:
        grouped.setdefault((entry["programme"], entry["budget_line"]), []).append(entry)
    return grouped


def _money(value: float) -> str:
    """An amount inside a message: whole units, digits grouped by a space (readable in every language)."""
    return f"{value:,.0f}".replace(",", " ")


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class LineFigures:
    """One budget line (or, ``code`` None, the programme) at a day: amounts in currency units."""

    code: str | None
    indicative: float
    contracted: float
    disbursed: float
    spent: float
    results: tuple[str, ...] = ()

    @property
    def share_contracted(self) -> float | None:
        return self.contracted / self.indicative if self.indicative else None

    @property
    def share_disbursed(self) -> float | None:
        return self.disbursed / self.indicative if self.indicative else None


@dataclass(frozen=True)
class Execution:
    """What a programme's money has done by ``as_of``: per line and in total, the share of the
    operational phase gone by, and the contracting status (EU programmes: the deadline, days left,
    the lines with an indicative amount and no contract yet)."""

    programme: str
    currency: str
    as_of: dt.date
    lines: list[LineFigures]
    total: LineFigures
    time_elapsed: float
    deadline: dt.date | None
    not_contracted: tuple[str, ...]

    @property
    def days_left(self) -> int | None:
        """Days from ``as_of`` to the last day contracts may be signed (negative once it has passed)."""
        return (self.deadline - dt.timedelta(days=1) - self.as_of).days if self.deadline else None

    @property
    def recorded(self) -> bool:
        return bool(self.total.contracted or self.total.disbursed or self.total.spent)


def _until(entries: pd.DataFrame, code: str, as_of: dt.date) -> pd.DataFrame:
    if entries.empty:
        return entries
    mine = entries[entries["programme"] == code]
    return mine[pd.to_datetime(mine["entry_date"]) <= pd.Timestamp(as_of)]


def execution(lf: Logframe, entries: pd.DataFrame, as_of: dt.date) -> Execution:
    """The figures of :class:`Execution` from the store's current entries (any programmes; those of
    ``lf`` dated up to ``as_of`` count)."""
    mine = _until(entries, lf.programme.code, as_of)
    sums = (mine.groupby(["budget_line", "kind"])["amount"].sum().to_dict() if len(mine) else {})
    lines = [LineFigures(b.code, indicative(lf, b), sums.get((b.code, "commitment"), 0.0),
                         sums.get((b.code, "disbursement"), 0.0), sums.get((b.code, "expenditure"), 0.0),
                         tuple(b.results)) for b in lf.budget.lines]
    total = LineFigures(None, *(sum(getattr(x, name) for x in lines)
                                for name in ("indicative", "contracted", "disbursed", "spent")))
    deadline = contracting_deadline(lf)
    return Execution(lf.programme.code, lf.programme.currency.value, as_of, lines, total, time_elapsed(lf, as_of),
                     deadline, tuple(x.code for x in lines if x.indicative > 0 and x.contracted == 0)
                     if deadline else ())


@dataclass(frozen=True)
class ContractFigures:
    """One contract of the financial entries at a day: ``contract_id`` as the entries give it (None
    gathers money recorded without a contract), ``foreseen`` the logframe contract it falls under
    (its type: ``contract_type``, else its budget line's contract; "" when neither says), the
    contractor, the budget lines (codes), the first commitment's date and the amounts."""

    contract_id: str | None
    foreseen: str
    contractor: str | None
    budget_lines: tuple[str, ...]
    signed: dt.date | None
    committed: float
    disbursed: float
    spent: float


def contract_register(lf: Logframe, entries: pd.DataFrame, as_of: dt.date) -> list[ContractFigures]:
    """Every contract with money recorded by ``as_of``, in the order of signature; the amounts are the
    same entries :func:`execution` adds up per line, so the register's totals are its totals."""
    mine = _until(entries, lf.programme.code, as_of)
    if not len(mine):
        return []
    mine = mine.assign(contract_key=mine["contract_id"].where(mine["contract_id"].fillna("") != "", None))
    rows = []
    for key, group in mine.groupby("contract_key", dropna=False, sort=False):
        contract_id = None if pd.isna(key) else str(key)
        sums = group.groupby("kind")["amount"].sum()
        commitments = group[group["kind"] == "commitment"]
        kinds = [str(t) for t in group["contract_type"].fillna("") if t]
        lines = tuple(dict.fromkeys(group["budget_line"]))
        named = [str(c) for c in group["contractor"].dropna() if c]
        rows.append(ContractFigures(
            contract_id, kinds[0] if kinds else _line_contract(lf, lines[0], "") if contract_id else "",
            named[0] if named else None, lines,
            pd.Timestamp(commitments["entry_date"].min()).date() if len(commitments) else None,
            float(sums.get("commitment", 0.0)), float(sums.get("disbursement", 0.0)),
            float(sums.get("expenditure", 0.0))))
    return sorted(rows, key=lambda c: (c.contract_id is None, c.signed or dt.date.max, c.contract_id or ""))


def burn(lf: Logframe, entries: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Cumulative disbursement, planned and actual: ``kind`` planned (a straight line from nothing at
    FA signature to the indicative total at the end of the operational phase) or actual (the running
    total of disbursements, by day, up to ``as_of``), with ``date`` and ``amount``."""
    start, end = lf.programme.implementation.fa_signature, operational_end(lf)
    full = sum(indicative(lf, b) for b in lf.budget.lines)
    rows = [("planned", start, 0.0), ("planned", end, full)]
    mine = _until(entries, lf.programme.code, as_of)
    paid = mine[mine["kind"] == "disbursement"] if len(mine) else mine
    if len(paid):
        daily = paid.groupby(pd.to_datetime(paid["entry_date"]).dt.date)["amount"].sum().sort_index().cumsum()
        rows += [("actual", start, 0.0)] + [("actual", day, float(value)) for day, value in daily.items()]
    return pd.DataFrame(rows, columns=["kind", "date", "amount"])


def against_results(lf: Logframe, figures: Execution, levels: pd.DataFrame) -> pd.DataFrame:
    """Per result the lines mapped to it (``BudgetLine.results``; by their numbers), their indicative amount and the
    share of it disbursed, beside the result's achievement and status (``progress.level_progress``).
    A line mapped to several results counts for each. Empty when no line is mapped (then only the
    programme-level comparison holds)."""
    mine = levels[(levels["programme"] == lf.programme.code) & (levels["level_kind"] == "result")] \
        if len(levels) else levels
    progress = {row["level_code"]: row for row in mine.to_dict("records")} if len(mine) else {}
    rows = []
    for result in lf.results:
        mapped = [x for x in figures.lines if result.code in x.results]
        if not mapped:
            continue
        amount = sum(x.indicative for x in mapped)
        paid = sum(x.disbursed for x in mapped)
        found = progress.get(result.code, {})
        rows.append({"result": result.code, "budget_lines": ", ".join(str(line_number(lf, x.code)) for x in mapped),
                     "indicative": amount, "disbursed": paid, "share_disbursed": paid / amount if amount else None,
                     "achievement": found.get("achievement"), "status": found.get("status", "no_data")})
    return pd.DataFrame(rows, columns=["result", "budget_lines", "indicative", "disbursed", "share_disbursed",
                                       "achievement", "status"])


def money_without_progress(row: Mapping, margin: float = 0.25) -> bool:
    """A result whose money runs ahead of what it achieved: disbursed share above achievement by more
    than ``margin`` (a quarter), or money paid and nothing achieved measured."""
    share, done = row.get("share_disbursed"), row.get("achievement")
    if share is None or (isinstance(share, float) and math.isnan(share)) or share == 0:
        return False
    if done is None or (isinstance(done, float) and math.isnan(done)):
        return True
    return share - done > margin


def yearly_budget(lf: Logframe) -> list[tuple[dt.date, dt.date, float]]:
    """The indicative total spread evenly by day over the operational phase, in periods of at most
    twelve months from FA signature (IATI's ``budget`` elements): (first day, last day, amount); the
    amounts add up to the total exactly."""
    start, end = lf.programme.implementation.fa_signature, operational_end(lf)
    full = sum(indicative(lf, b) for b in lf.budget.lines)
    days = (end - start).days
    periods, first, given = [], start, 0.0
    while first < end:
        after = min(add_months(first, 12), end)
        amount = round(full * (after - start).days / days, 2) - given
        periods.append((first, after - dt.timedelta(days=1), round(amount, 2)))
        given += round(amount, 2)
        first = after
    return periods
