"""The trend mark beside a status: is progress against the plan getting better or worse?

One rule, for indicators and levels alike. Its input is what the pages already show at each
reporting period — an indicator's ``vs_expected`` or a level's ``score`` from
:mod:`progress` (actual against the value the plan expects by that period's end) — for the last
few reporting periods, oldest first. A value counts only where the status was scored (a colour
of progress): *no data*, *not due*, *insufficient data* and the like carry no progress. Values
are clipped to [0, cap] as in aggregation, so a target overshot further is no improvement.

The trend compares the latest counted value with the one counted before it, in points of
progress vs plan: a change of ``jump`` or more is ↑ / ↓, of ``step`` or more ↗ / ↘, anything
smaller →. With fewer than two counted values there is no trend (shown as a dash).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .progress import SCORED, Thresholds

MARKS = {"up": "↑", "rising": "↗", "flat": "→", "falling": "↘", "down": "↓"}


@dataclass(frozen=True)
class TrendBands:
    """The configuration of the rule: points of progress vs plan (0.05 = 5 points)."""

    step: float = 0.05
    jump: float = 0.15
    periods: int = 4  # how many reporting periods a trend and its sparkline look back over
    cap: float = Thresholds().cap


def trend(values: Sequence[float], bands: TrendBands = TrendBands()) -> str | None:
    """``up``, ``rising``, ``flat``, ``falling`` or ``down`` from progress-vs-plan values, oldest
    first (NaN where not scored); None with fewer than two values."""
    counted = [min(max(float(v), 0.0), bands.cap) for v in values if v is not None and not np.isnan(v)]
    if len(counted) < 2:
        return None
    change = round(counted[-1] - counted[-2], 6)  # 0.85 - 0.80 is 0.05, not 0.04999…
    if change >= bands.jump:
        return "up"
    if change >= bands.step:
        return "rising"
    if change <= -bands.jump:
        return "down"
    if change <= -bands.step:
        return "falling"
    return "flat"


def history(frames: Sequence[pd.DataFrame], keys: list[str], column: str,
            bands: TrendBands = TrendBands()) -> pd.DataFrame:
    """One row per ``keys`` of the last frame: ``values`` (``column`` in each frame, oldest first,
    NaN where the status was not scored) and its ``trend``. ``frames`` are progress frames
    (indicator or level progress) at consecutive reporting periods, oldest first."""
    recent = frames[-bands.periods:]
    last = recent[-1][keys].reset_index(drop=True)
    columns = []
    for frame in recent:
        counted = frame.assign(_v=np.where(frame["status"].isin(SCORED), frame[column], np.nan))
        columns.append(last.merge(counted[keys + ["_v"]], how="left", on=keys)["_v"].to_numpy(dtype=float))
    values = [list(row) for row in np.column_stack(columns)] if len(last) else []
    return last.assign(values=values, trend=[trend(v, bands) for v in values])
