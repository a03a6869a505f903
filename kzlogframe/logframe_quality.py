"""Weaknesses of a logframe itself (checks no open M&E system enforces), shown as warnings on
the Logframe status page: they say why an indicator cannot be judged, before any data arrive."""

from __future__ import annotations

from dataclasses import dataclass

from .models import IndicatorType, Logframe
from .progress import cumulative_mode


@dataclass(frozen=True)
class QualityWarning:
    """A weakness of the logframe; ``rule`` is stable (a translation key suffix)."""

    rule: str
    programme: str
    level_code: str
    indicator: str | None
    message: str


def quality_warnings(logframe: Logframe) -> list[QualityWarning]:
    """* ``result_without_indicator``: a result (with its sub-results) has no OVI at all;
    * ``target_to_be_set``: an OVI has no target yet (the source document set none), so it is never scored;
    * ``no_baseline``: a quantity or rating that is not a running total declares no baseline, so its
      first measurement will serve as one (and until then it cannot be judged);
    * ``no_unit``: a quantitative OVI states no unit, so its quantity is unclear;
    * ``direction_mismatch``: the last target lies on the wrong side of the baseline for the
      declared direction (distance travelled would reward moving the wrong way).
    """
    code = logframe.programme.code
    warnings = [QualityWarning("result_without_indicator", code, r.code, None, f"result {r.code} has no indicator")
                for r in logframe.results if not r.indicators and not any(s.indicators for s in r.sub_results)]
    for level, ind in logframe.indicators():
        def warn(rule: str, message: str) -> None:
            warnings.append(QualityWarning(rule, code, level.code, ind.code, f"{ind.code}: {message}"))

        if not ind.targets:
            warn("target_to_be_set", "target to be set")
        if (ind.type is not IndicatorType.milestone and ind.baseline is None
                and cumulative_mode(ind) != "summing"):
            warn("no_baseline", "no baseline declared: the first measurement serves as baseline")
        if ind.type is IndicatorType.quantitative and ind.unit is None:
            warn("no_unit", "no unit stated")
        if ind.baseline and ind.targets:
            last = max(ind.targets, key=lambda t: t.date).value
            if last < ind.baseline.value if ind.direction.value == "increase" else last > ind.baseline.value:
                warn("direction_mismatch", f"target {last:g} is on the wrong side of baseline "
                                           f"{ind.baseline.value:g} for direction {ind.direction.value}")
    return warnings
