"""Synthetic, clearly labelled demo measurements, so the app shows something on first start.

Deterministic: the same logframes always give the same CSV bytes, so running the demo twice is a
no-op (the importer recognises the file). Every row says it is synthetic in ``source``.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator

from .models import Cumulative, Indicator, IndicatorType, Logframe, add_months
from .periods import calendar_halves

DEMO_SOURCE = "SYNTHETIC DEMO DATA — not real measurements"
DEMO_YEARS_OF_DATA = 3.5  # the demo "today": mid-way through the operational phase


def _halves(lf: Logframe) -> list[tuple[str, int]]:
    """Calendar halves from FA signature to the demo's last period, with their index from 1: the
    periods a TA team measures in, whatever the programme's reporting calendar."""
    start = lf.programme.implementation.fa_signature
    halves = calendar_halves(start, add_months(start, int(DEMO_YEARS_OF_DATA * 12)))
    return [(p.label, p.index) for p in halves]


def _cells(lf: Logframe, ind: Indicator) -> list[dict[str, str]]:
    cells: list[dict[str, str]] = [{}]
    for dim in ind.disaggregation:
        values = getattr(lf.programme.disaggregation_values, dim.value)
        cells = [{**cell, dim.value: v} for cell in cells for v in values]
    return cells


def _series(ind: Indicator, periods: int, rng: random.Random, share: float) -> Iterator[float]:
    """Values per period: a noisy path towards the target, at a pace that differs per indicator."""
    pace = rng.choice([0.4, 0.55, 0.7, 0.9, 1.0, 1.2])
    if ind.type is IndicatorType.rating:
        top = len(ind.scale)
        for k in range(1, periods + 1):
            yield float(min(top, 1 + int(pace * k * top / 10)))
        return
    baseline = ind.baseline.value if ind.baseline else 0.0
    target = ind.targets[-1].value if ind.targets else rng.choice([40.0, 60.0, 120.0])
    total_periods = 10  # 60 operational months in halves
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
    halves = _halves(lf)
    rows: list[dict[str, str]] = []
    for _, ind in lf.indicators():
        if rng.random() < 0.15:
            continue  # some indicators have no data yet: the app must say so, not hide it
        cells = _cells(lf, ind)
        if ind.type is IndicatorType.milestone:
            done_at = rng.choice([3, 5, 6, 8, 99])
            for label, k in halves:
                rows.append({"programme": lf.programme.code, "indicator": ind.code, "period": label,
                             "value": "done" if k >= done_at else "0", **cells[0], "source": DEMO_SOURCE})
            continue
        for cell in cells:
            share = 1.0 / len(cells) if ind.cumulative is Cumulative.summing else 1.0
            for (label, _), value in zip(halves, _series(ind, len(halves), rng, share)):
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
    today_month = int(DEMO_YEARS_OF_DATA * 12)
    rows = []
    for code, p in planned.activities.items():
        if p.start_month > today_month or p.as_needed:
            continue
        start = p.start_month + rng.choice([0, 0, 1, 2, 4])
        if start > today_month:
            continue
        finish = None if p.throughout else p.end_month + rng.choice([0, 1, 3, 8])
        done = finish is not None and finish <= today_month
        rows.append({"activity": code, "actual_start": planned.date(start),
                     "actual_end": planned.date(finish) if done else None,
                     "status": "completed" if done else "ongoing",
                     "comment": "SYNTHETIC DEMO DATA"})
    return rows
