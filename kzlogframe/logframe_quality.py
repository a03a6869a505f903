"""Weaknesses of a logframe itself (checks no open M&E system enforces), shown as warnings on
the Logframe status page: they say why an indicator cannot be judged, before any data arrive."""

from __future__ import annotations

from dataclasses import dataclass

from .formatting import number
from .i18n import messages, t
from .models import IndicatorType, Logframe
from .progress import cumulative_mode


@dataclass(frozen=True)
class QualityWarning:
    """A weakness of the logframe; ``rule`` is stable (a translation key suffix, ``quality.<rule>``);
    ``values`` what :func:`detail` words, for a rule that needs more than its name."""

    rule: str
    programme: str
    level_code: str
    indicator: str | None
    values: tuple[tuple[str, object], ...] = ()


def detail(warning: QualityWarning, lang: str) -> str:
    """What the rule's name does not say (``quality.detail.<rule>``), in ``lang``; empty when nothing."""
    key = f"quality.detail.{warning.rule}"
    if key not in messages("en"):
        return ""
    values = dict(warning.values)
    return t(key, lang, target=number(values["target"], lang), baseline=number(values["baseline"], lang),
             direction=t(f"direction.{values['direction']}", lang))


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
    warnings = [QualityWarning("result_without_indicator", code, r.code, None)
                for r in logframe.results if not r.indicators and not any(s.indicators for s in r.sub_results)]
    for level, ind in logframe.indicators():
        def warn(rule: str, **values: object) -> None:
            warnings.append(QualityWarning(rule, code, level.code, ind.code, tuple(values.items())))

        if not ind.targets:
            warn("target_to_be_set")
        if (ind.type is not IndicatorType.milestone and ind.baseline is None
                and cumulative_mode(ind) != "summing"):
            warn("no_baseline")
        if ind.type is IndicatorType.quantitative and ind.unit is None:
            warn("no_unit")
        if ind.baseline and ind.targets:
            last = max(ind.targets, key=lambda target: target.date).value
            if last < ind.baseline.value if ind.direction.value == "increase" else last > ind.baseline.value:
                warn("direction_mismatch", target=last, baseline=ind.baseline.value, direction=ind.direction.value)
    return warnings
