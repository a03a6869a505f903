"""Seed 003's state methodology (order No 14 of 19.01.2012, repealed 2014) as a second scoring rule.

The source document's formula images were lost in its text (line numbers below refer to it), so each rule
here is either VERBATIM (stated in the surviving text; followed exactly) or RECONSTRUCTED (inferred
from the variable lists; labelled in :data:`RULES` so the UI can say so). The status bands of
:mod:`kzlogframe.progress` are our own product decision: the seed has none, and no rounding.

Public API::

    RULES                                                   provenance for the UI
    indicator_scores(measurements, logframes, period_start, period_end) -> DataFrame   h / p per indicator
    aggregate(scores) -> StateScores                        tasks (y), goals (K, Y, X), programmes (D)
    default_year(logframe, as_of) -> int                    the year a page opens on
    state_scores(measurements, logframes, period_start, period_end) -> StateScores

Mapping of our logframe onto the seed (a product decision, documented here once):

* goal (мақсат) ↔ **purpose** (specific objective). The seed scores goals the evaluated body is
  accountable for achieving, through tasks it carries out; in an EU logframe that is the purpose,
  which the results serve (``Result.purpose``). The overall objective is a national aim the
  programme only contributes to and has no tasks of its own, so it is not scored (excluded with
  reason ``overall_objective``) rather than being forced into X = K × Y.
* target indicators (нысаналы индикатор) ↔ the purpose's indicators; tasks (міндет) ↔ the results
  serving that purpose; direct-result indicators (тікелей нәтиже көрсеткіші) ↔ each result's
  indicators, including its sub-results'.
* the plan value for the period ↔ a target dated inside the evaluated period (the latest if
  several). Interpolated path values are *not* plan values, so an indicator without a target in the
  period is excluded, exactly as the seed says.
* the fact ↔ the indicator's total in the last reporting period ending inside the evaluated period,
  after the cumulative rule of :mod:`progress`. The store does not tag values as official statistics or
  operational data: the value recorded is the best available one (a later upload supersedes an
  earlier one, history kept), which is the seed's "operational data stand in for missing official
  statistics"; an indicator with neither is excluded, as the seed says.
* the starting value B0 ↔ the logframe baseline; without one, the plain ratio (fact/plan, or
  plan/fact when lower is better), which is what distance travelled from 0 gives for a count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .i18n import t
from .models import Logframe
from .progress import Catalog, achievement, indicator_table, reporting_values, target_problem, target_table


@dataclass(frozen=True)
class MethodRule:
    """A rule of the methodology: ``key`` names its statement in the catalog (``state.rule.<key>``),
    ``verbatim`` whether the seed states it in words (else it is reconstructed: the formula images are
    lost), ``seed_lines`` where."""

    key: str
    verbatim: bool
    seed_lines: str

    @property
    def statement(self) -> str:
        return t(f"state.rule.{self.key}", "en")


RULES: tuple[MethodRule, ...] = (
    MethodRule("clamp", True, "365, 412"),
    MethodRule("improvement", True, "360–364, 404–411"),
    MethodRule("exclude_no_plan", True, "366–377, 414–421"),
    MethodRule("operational_data", True, "366–377, 414–421"),
    MethodRule("goal_product", True, "339–349"),
    MethodRule("distance_formula", False, "360–365"),
    MethodRule("mean_k", False, "350–359"),
    MethodRule("mean_y", False, "378–403"),
    MethodRule("mean_d", False, "328–338"),
    MethodRule("not_assessable", False, "—"),
)

ROLES = {"purpose": "target", "result": "direct", "sub_result": "direct"}


@dataclass(frozen=True)
class StateScores:
    """``indicators``: h/p per indicator with ``excluded`` reason; ``tasks``: y per result;
    ``goals``: K, Y, X per purpose; ``programmes``: D. NaN = not assessable."""

    indicators: pd.DataFrame
    tasks: pd.DataFrame
    goals: pd.DataFrame
    programmes: pd.DataFrame


def indicator_scores(measurements: pd.DataFrame, logframes: Catalog, period_start: dt.date,
                     period_end: dt.date) -> pd.DataFrame:
    """One row per indicator: role (target / direct), goal (purpose), task (result), B0, plan,
    fact, ``raw`` (RECONSTRUCTED distance formula, shared with :func:`progress.achievement`) and
    ``score`` = raw clamped to [0, 1] (VERBATIM); or ``excluded`` with the reason: no plan or no
    data (VERBATIM), plan = baseline or zero plan (RECONSTRUCTED guard), overall objective (mapping)."""
    table = indicator_table(logframes).rename(columns={"declared_baseline": "baseline"})
    start, end = pd.Timestamp(period_start), pd.Timestamp(period_end)
    targets = target_table(logframes)
    plans = targets[targets["date"].between(start, end)] \
        .sort_values("date").groupby(["programme", "indicator"], as_index=False).last()[["programme", "indicator", "value"]]
    values = reporting_values(measurements, logframes, as_of=period_end)
    facts = values[values["rp_end"] >= start].groupby(["programme", "indicator"], as_index=False).last()
    df = table.merge(plans.rename(columns={"value": "plan"}), how="left", on=["programme", "indicator"]) \
              .merge(facts[["programme", "indicator", "value"]].rename(columns={"value": "fact"}),
                     how="left", on=["programme", "indicator"])
    role = df["level_kind"].map(ROLES)
    plan_problem = target_problem(df["baseline"], df["plan"])
    excluded = np.select(
        [role.isna(), np.isnan(df["plan"]), plan_problem != "", df["fact"].isna()],
        ["overall_objective", "no_plan", plan_problem, "no_data"],
        default="")
    raw = achievement(df["fact"], df["baseline"], df["plan"], df["direction"].eq("decrease"))
    included = excluded == ""
    return pd.DataFrame({
        "programme": df["programme"], "indicator": df["indicator"], "role": role, "goal": df["purpose"],
        "task": df["result"], "baseline": df["baseline"], "plan": df["plan"], "fact": df["fact"],
        "raw": np.where(included, raw, np.nan), "score": np.where(included, np.clip(raw, 0, 1), np.nan),
        "excluded": excluded})


def aggregate(scores: pd.DataFrame) -> StateScores:
    """Up the seed's tree from ``scores`` (columns programme, goal, task, role, score; NaN =
    excluded): y per task, K and Y per goal, D per programme are RECONSTRUCTED plain means of the
    included values (a level with none is NaN, not 0); X = K × Y is VERBATIM."""
    direct = scores[scores["role"] == "direct"]
    tasks = direct.groupby(["programme", "goal", "task"], as_index=False).agg(
        y=("score", "mean"), r=("score", "count"))
    k = scores[scores["role"] == "target"].groupby(["programme", "goal"]).agg(
        K=("score", "mean"), m=("score", "count"))
    y = tasks.groupby(["programme", "goal"]).agg(Y=("y", "mean"), t=("y", "count"))
    goals = k.join(y, how="outer").reset_index()
    goals[["m", "t"]] = goals[["m", "t"]].fillna(0).astype(int)
    goals["X"] = goals["K"] * goals["Y"]
    programmes = goals.groupby("programme", as_index=False).agg(D=("X", "mean"), n=("X", "count"))
    return StateScores(scores, tasks, goals[["programme", "goal", "K", "m", "Y", "t", "X"]], programmes)


def default_year(logframe: Logframe, as_of: dt.date) -> int:
    """The evaluation year to open on: the latest year up to ``as_of`` in which the logframe dates a
    target (the method scores nothing in a year without plan values), else the first such year."""
    years = sorted({t.date.year for _, ind in logframe.indicators() for t in ind.targets})
    if not years:
        return as_of.year
    return max((y for y in years if y <= as_of.year), default=years[0])


def state_scores(measurements: pd.DataFrame, logframes: Catalog, period_start: dt.date,
                 period_end: dt.date) -> StateScores:
    """The whole method for the evaluated period (the seed's evaluation is annual)."""
    return aggregate(indicator_scores(measurements, logframes, period_start, period_end))

