"""Synthetic, clearly labelled demo measurements, so the app shows something on first start.

Deterministic: the same logframes always give the same CSV bytes, so running the demo twice is a
no-op (the importer recognises the file). Every row says it is synthetic in ``source``.

A programme is measured in calendar halves up to the demo's "today", three and a half years after
its start, or up to its end when it is shorter (the 18-month OECD review, a budget year): its paths
and milestones are paced on its own operational phase, so a short programme ends with its plan
mostly met, as the long ones are half-way through theirs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections.abc import Iterator

from .models import Cumulative, Indicator, IndicatorType, Logframe, add_months
from .periods import calendar_halves

DEMO_SOURCE = "SYNTHETIC DEMO DATA — not real measurements"
DEMO_YEARS_OF_DATA = 3.5  # the demo "today": mid-way through an EU programme's operational phase
PLAN_HALVES = 10  # the halves of the EU programmes' 60 operational months, on which the demo's pace was set


def _today_month(lf: Logframe) -> int:
    """The demo's "today" in months after the start: 42, or the programme's end when it is sooner."""
    impl = lf.programme.implementation
    return min(int(DEMO_YEARS_OF_DATA * 12), impl.operational_months + impl.closure_months)


def _plan_halves(lf: Logframe) -> int:
    """The halves of the operational phase: the paths reach their targets over these."""
    return max(1, round(lf.programme.implementation.operational_months / 6))


def _halves(lf: Logframe) -> list[tuple[str, int]]:
    """Calendar halves from FA signature to the demo's last period, with their index from 1: the
    periods a TA team measures in, whatever the programme's reporting calendar."""
    start = lf.programme.implementation.fa_signature
    last = add_months(start, _today_month(lf)) - dt.timedelta(days=1)
    return [(p.label, p.index) for p in calendar_halves(start, last)]


def _cells(lf: Logframe, ind: Indicator) -> list[dict[str, str]]:
    cells: list[dict[str, str]] = [{}]
    for dim in ind.disaggregation:
        values = lf.programme.disaggregation_values.codes(dim.value)
        cells = [{**cell, dim.value: v} for cell in cells for v in values]
    return cells


def _series(ind: Indicator, periods: int, rng: random.Random, share: float, total_periods: int) -> Iterator[float]:
    """Values per period: a noisy path towards the target, reached after ``total_periods`` at the
    usual pace, which differs per indicator."""
    pace = rng.choice([0.4, 0.55, 0.7, 0.9, 1.0, 1.2])
    if ind.type is IndicatorType.rating:
        top = len(ind.scale)
        for k in range(1, periods + 1):
            yield float(min(top, 1 + int(pace * k * top / 10)))
        return
    baseline = ind.baseline.value if ind.baseline else 0.0
    target = ind.targets[-1].value if ind.targets else rng.choice([40.0, 60.0, 120.0])
    previous = baseline * share
    for k in range(1, periods + 1):
        level = (baseline + (target - baseline) * min(1.0, pace * k / total_periods)) * share
        level *= rng.uniform(0.93, 1.07)
        if ind.cumulative is Cumulative.summing:  # counts of things done: whole increments
            level = float(round(level))
            yield max(0.0, level - previous)
            previous = max(previous, level)
        else:
            yield round(level, 2)


def demo_rows(lf: Logframe, seed: int = 2011) -> list[dict[str, str]]:
    rng = random.Random(f"{seed}-{lf.programme.code}")
    halves, plan_halves = _halves(lf), _plan_halves(lf)
    rows: list[dict[str, str]] = []
    for _, ind in lf.indicators():
        if rng.random() < 0.15:
            continue  # some indicators have no data yet: the app must say so, not hide it
        cells = _cells(lf, ind)
        if ind.type is IndicatorType.milestone:
            done_at = math.ceil(rng.choice([3, 5, 6, 8, 99]) * plan_halves / PLAN_HALVES)
            for label, k in halves:
                rows.append({"programme": lf.programme.code, "indicator": ind.code, "period": label,
                             "value": "done" if k >= done_at else "0", **cells[0], "source": DEMO_SOURCE})
            continue
        for cell in cells:
            share = 1.0 / len(cells) if ind.cumulative is Cumulative.summing else 1.0
            for (label, _), value in zip(halves, _series(ind, len(halves), rng, share, plan_halves)):
                rows.append({"programme": lf.programme.code, "indicator": ind.code, "period": label,
                             "value": f"{value:g}", **cell, "source": DEMO_SOURCE})
    return rows


def demo_csv(lf: Logframe) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["programme", "indicator", "period", "value", "sex", "oblast",
                                             "ministry", "source"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(demo_rows(lf))
    return out.getvalue().encode("utf-8")


def demo_activity_progress(lf: Logframe, seed: int = 2011) -> list[dict]:
    """Plausible recorded actuals up to the demo's "today": most activities a little late, a few very late."""
    from .schedule import plan  # local: keeps the measurement demo free of the scheduling graph

    rng = random.Random(f"{seed}-{lf.programme.code}-activities")
    planned = plan(lf)
    today_month = _today_month(lf)
    rows = []
    for code, p in planned.activities.items():
        if p.start_month > today_month or p.as_needed:
            continue
        start = p.start_month + rng.choice([0, 0, 1, 2, 4])
        if start > today_month:
            continue
        if p.throughout:  # runs to the operational end: finished only when the programme's "today" is past it
            finish = p.end_month if p.end_month <= today_month else None
        else:
            finish = max(start + 1, p.end_month + rng.choice([0, 1, 3, 8]))  # a late start delays the finish
        done = finish is not None and finish <= today_month
        rows.append({"activity": code, "actual_start": planned.date(start),
                     "actual_end": planned.date(finish) if done else None,
                     "status": "completed" if done else "ongoing",
                     "comment": "SYNTHETIC DEMO DATA"})
    return rows


DEMO_FINANCE = "SYNTHETIC DEMO DATA — not real financial figures"


def demo_finance_rows(lf: Logframe, seed: int = 2011) -> list[dict[str, str]]:
    """Synthetic contracts and payments up to the demo's "today", paced like the measurements: each
    budget line with an indicative amount is contracted once (80–98 % of it, so within every
    ceiling) at its contract's planned signature (else within the first year), before the
    contracting deadline; then paid in calendar halves, a 30 % pre-financing first and instalments
    at the line's own pace, never beyond its commitment; expenditure follows the payments a half
    later. Every row says it is synthetic."""
    from .finance import indicative  # local: the measurement demo needs none of the finance rules

    rng = random.Random(f"{seed}-{lf.programme.code}-finance")
    impl = lf.programme.implementation
    start = impl.fa_signature
    today = add_months(start, _today_month(lf)) - dt.timedelta(days=1)
    deadline_month = impl.contracting_deadline_months if lf.programme.is_eu else impl.operational_months
    signatures = {c.id: c.signature_months for c in lf.contracts if c.signature_months is not None}
    halves = [p for p in calendar_halves(start, today) if p.end <= today]
    rows: list[dict[str, str]] = []
    for number, line in enumerate(lf.budget.lines, start=1):
        amount = indicative(lf, line)
        if amount <= 0:
            continue
        month = signatures.get(line.contract or "", rng.choice([2, 4, 6, 9, 12]))
        month = min(month + rng.choice([0, 1, 2]), max(deadline_month - 1, 0))
        signed = min(add_months(start, month) + dt.timedelta(days=rng.randint(0, 20)), today)
        committed = round(amount * rng.uniform(0.80, 0.98), -2)
        contract = f"DEMO_{lf.programme.code.upper()}_{number:02d}"
        base = {"programme": lf.programme.code, "budget_line": line.code, "contract_id": contract,
                "contract_type": line.contract or "", "contractor": f"DEMO_CONTRACTOR_{number:02d}",
                "currency": lf.programme.currency.value, "comment": DEMO_FINANCE}
        rows.append({**base, "date": signed.isoformat(), "kind": "commitment", "amount": f"{committed:.2f}"})
        pace = rng.choice([0.08, 0.1, 0.12, 0.15, 0.2])
        paid, previous = 0.0, 0.0
        for period in (p for p in halves if p.end > signed):
            instalment = committed * (0.3 if paid == 0 else pace)
            instalment = round(min(instalment, committed * 0.9 - paid), 2)
            if previous > 0:
                rows.append({**base, "date": period.end.isoformat(), "kind": "expenditure",
                             "amount": f"{previous:.2f}"})
            if instalment <= 0:
                break
            rows.append({**base, "date": period.end.isoformat(), "kind": "disbursement", "amount": f"{instalment:.2f}"})
            paid += instalment
            previous = instalment
    return rows


def demo_finance_csv(lf: Logframe) -> bytes:
    """The demo's financial entries as the Budget page's template lays them out (``;``, UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["programme", "budget_line", "date", "kind", "amount", "contract_id",
                                             "contract_type", "contractor", "currency", "comment"],
                            delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(demo_finance_rows(lf))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
