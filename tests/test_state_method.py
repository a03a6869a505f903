"""Seed 003's state methodology (kzlogframe.state_method) on hand-computed vectors.

The seed has no worked examples; every expected number below is computed by hand in the comments,
with the verbatim rules (clamp to [0, 1], exclusion, X = K × Y) and the reconstructed ones
(distance formula, means) as the module labels them.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from kzlogframe import state_method as S
from tests.test_progress import catalog, ind, measurements

YEAR = (dt.date(2013, 1, 1), dt.date(2013, 12, 31))
PLAN_DATE = dt.date(2013, 12, 31)


def scores_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["programme", "goal", "role", "task", "score"])


def test_aggregate_note_vectors() -> None:
    """Goal G1 — target indicators h: T1 0.75, T2 1 (1.5 clamped), T3 0 (−0.5 clamped), T4 excluded.
         K1 = (0.75 + 1 + 0) / 3 = 0.583333 (m = 3, T4 not counted as zero)
       tasks: task 1 p = 0.9 and 1 (1.2 clamped) → y = 0.95; task 2 p = 0.5 → y = 0.5
         Y1 = (0.95 + 0.5) / 2 = 0.725;  X1 = K1 × Y1 = 0.583333 × 0.725 = 0.422917
     Goal G2 — one target h = 1 → K2 = 1; one task p = 0.8 → Y2 = 0.8; X2 = 0.8
     D = (0.422917 + 0.8) / 2 = 0.611458"""
    nan = np.nan
    result = S.aggregate(scores_frame([
        ("x", "G1", "target", None, 0.75), ("x", "G1", "target", None, 1.0), ("x", "G1", "target", None, 0.0),
        ("x", "G1", "target", None, nan),
        ("x", "G1", "direct", "t1", 0.9), ("x", "G1", "direct", "t1", 1.0), ("x", "G1", "direct", "t2", 0.5),
        ("x", "G2", "target", None, 1.0), ("x", "G2", "direct", "t3", 0.8)]))
    goals = result.goals.set_index("goal")
    assert goals.loc["G1", "K"] == pytest.approx(0.583333, abs=1e-6) and goals.loc["G1", "m"] == 3
    assert goals.loc["G1", "Y"] == pytest.approx(0.725) and goals.loc["G1", "t"] == 2
    assert goals.loc["G1", "X"] == pytest.approx(0.422917, abs=1e-6)
    assert goals.loc["G2", "X"] == pytest.approx(0.8)
    assert result.programmes.set_index("programme").loc["x", "D"] == pytest.approx(0.611458, abs=1e-6)
    assert result.tasks.set_index("task")["y"].to_dict() == pytest.approx({"t1": 0.95, "t2": 0.5, "t3": 0.8})


def test_everything_excluded_is_not_assessable_never_zero() -> None:
    """G1: all targets excluded → K undefined → X undefined; G2: K = 0.5, Y = 1 → X = 0.5.
    D = 0.5 over the one assessable goal (not (0 + 0.5) / 2 = 0.25)."""
    result = S.aggregate(scores_frame([
        ("x", "G1", "target", None, np.nan), ("x", "G1", "direct", "t1", 1.0),
        ("x", "G2", "target", None, 0.5), ("x", "G2", "direct", "t2", 1.0)]))
    goals = result.goals.set_index("goal")
    assert math.isnan(goals.loc["G1", "K"]) and math.isnan(goals.loc["G1", "X"]) and goals.loc["G1", "Y"] == 1
    assert result.programmes.loc[0, "D"] == 0.5 and result.programmes.loc[0, "n"] == 1


def test_state_scores_from_a_logframe_and_measurements() -> None:
    """Purpose P1 = goal; results R1 (with sub-result R1.1) and R2 = tasks. Year 2013, plans dated 31.12.2013.
    Target indicators (B0, plan, fact):
      P1.I1 100 → 120, fact 115: (115 − 100)/(120 − 100) = 15/20 = 0.75
      P1.I2 decrease 10 → 8, fact 7: (7 − 10)/(8 − 10) = −3/−2 = 1.5 → clamped 1
      P1.I3 50 → 60, fact 45: (45 − 50)/(60 − 50) = −0.5 → clamped 0
      P1.I4 plan dated 2014 only: no plan for 2013 → excluded
      P1.I5 plan = baseline (5 → 5): no planned improvement → excluded
      P1.I6 plan but no fact at all → excluded
      K = (0.75 + 1 + 0) / 3 = 0.583333
    Direct-result indicators (no baseline: fact / plan):
      task R1: R1.I1 9/10 = 0.9; sub-result R1.S1 12/10 = 1.2 → 1;  y1 = (0.9 + 1)/2 = 0.95
      task R2: R2.I1 summing, halves 2 + 3 → running sum 5: 5/10 = 0.5; milestone R2.I2 due 30.6.2013,
               done in 2013-H1 (the later 0 does not undo it): 1/1 = 1;  y2 = (0.5 + 1)/2 = 0.75
      Y = (0.95 + 0.75)/2 = 0.85;  X = K × Y = 0.583333 × 0.85 = 0.495833;  D = X (one goal).
    Overall-objective indicator G.I1 → excluded ('overall_objective')."""
    plan = lambda v, d=PLAN_DATE: [{"date": d, "value": v}]  # noqa: E731
    base = lambda v: {"value": v, "date": dt.date(2012, 1, 1)}  # noqa: E731
    cat = catalog(
        goal=[ind("DEMO.G.I1", baseline=base(0), targets=plan(10))],
        purpose=[ind("DEMO.P1.I1", baseline=base(100), targets=plan(120)),
                 ind("DEMO.P1.I2", direction="decrease", baseline=base(10), targets=plan(8)),
                 ind("DEMO.P1.I3", baseline=base(50), targets=plan(60)),
                 ind("DEMO.P1.I4", baseline=base(1), targets=plan(9, dt.date(2014, 12, 31))),
                 ind("DEMO.P1.I5", baseline=base(5), targets=plan(5)),
                 ind("DEMO.P1.I6", baseline=base(0), targets=plan(3))],
        result=[ind("DEMO.R1.I1", targets=plan(10))],
        sub=[ind("DEMO.R1.S1", targets=plan(10))],
        more=[[ind("DEMO.R2.I1", cumulative="summing", targets=plan(10)),
               ind("DEMO.R2.I2", type="milestone", targets=plan(1, dt.date(2013, 6, 30)))]])
    data = measurements(
        ("DEMO.G.I1", "2013-H2", 10), ("DEMO.P1.I1", "2013-H2", 115), ("DEMO.P1.I2", "2013-H2", 7),
        ("DEMO.P1.I3", "2012-H2", 70), ("DEMO.P1.I3", "2013-H2", 45), ("DEMO.P1.I4", "2013-H2", 9),
        ("DEMO.P1.I5", "2013-H2", 6), ("DEMO.R1.I1", "2013-H2", 9), ("DEMO.R1.S1", "2013-H2", 12),
        ("DEMO.R2.I1", "2013-H1", 2), ("DEMO.R2.I1", "2013-H2", 3), ("DEMO.R2.I2", "2013-H1", 1),
        ("DEMO.R2.I2", "2013-H2", 0))
    result = S.state_scores(data, cat, *YEAR)

    ind_rows = result.indicators.set_index("indicator")
    assert ind_rows["excluded"].to_dict() == {
        "DEMO.G.I1": "overall_objective", "DEMO.P1.I1": "", "DEMO.P1.I2": "", "DEMO.P1.I3": "",
        "DEMO.P1.I4": "no_plan", "DEMO.P1.I5": "target_equals_baseline", "DEMO.P1.I6": "no_data",
        "DEMO.R1.I1": "", "DEMO.R1.S1": "", "DEMO.R2.I1": "", "DEMO.R2.I2": ""}
    assert ind_rows["raw"].dropna().to_dict() == pytest.approx(
        {"DEMO.P1.I1": 0.75, "DEMO.P1.I2": 1.5, "DEMO.P1.I3": -0.5, "DEMO.R1.I1": 0.9, "DEMO.R1.S1": 1.2,
         "DEMO.R2.I1": 0.5, "DEMO.R2.I2": 1.0})
    assert ind_rows["score"].dropna().to_dict() == pytest.approx(
        {"DEMO.P1.I1": 0.75, "DEMO.P1.I2": 1.0, "DEMO.P1.I3": 0.0, "DEMO.R1.I1": 0.9, "DEMO.R1.S1": 1.0,
         "DEMO.R2.I1": 0.5, "DEMO.R2.I2": 1.0})
    assert ind_rows.loc["DEMO.R1.S1", "task"] == "R1" and ind_rows.loc["DEMO.P1.I1", "role"] == "target"

    goal = result.goals.iloc[0]
    assert goal["goal"] == "P1" and goal["m"] == 3 and goal["t"] == 2
    assert goal["K"] == pytest.approx(0.583333, abs=1e-6)
    assert goal["Y"] == pytest.approx(0.85)
    assert goal["X"] == pytest.approx(0.495833, abs=1e-6)
    assert result.programmes.loc[0, "D"] == pytest.approx(goal["X"])


def test_provenance_labels_verbatim_and_reconstructed_rules() -> None:
    verbatim = {r.key for r in S.RULES if r.verbatim}
    assert {"clamp", "improvement", "exclude_no_plan", "operational_data", "goal_product"} == verbatim
    assert {"distance_formula", "mean_k", "mean_y", "mean_d", "not_assessable"} == {r.key for r in S.RULES} - verbatim
    assert all(r.seed_lines and r.statement for r in S.RULES)


def test_the_page_opens_on_a_year_with_plan_values() -> None:
    """Targets dated 2013 and 2016: at the end of 2014 the latest year with a plan is 2013; before any
    target year the first one (the method scores nothing in a year without plan values)."""
    from kzlogframe.state_method import default_year

    lf = catalog(result=[ind("DEMO.R1.I1", targets=[{"date": dt.date(2013, 6, 30), "value": 5},
                                                    {"date": dt.date(2016, 6, 23), "value": 9}])])["demo"]
    assert default_year(lf, dt.date(2014, 12, 31)) == 2013
    assert default_year(lf, dt.date(2017, 1, 1)) == 2016
    assert default_year(lf, dt.date(2012, 1, 1)) == 2013


def test_minimums_ranges_and_unit_costs_score_against_their_plan() -> None:
    """The passports' targets (seed 004): a range's plan is its lower bound, a minimum's the minimum.
    No baselines, so fact / plan, or plan / fact for a unit cost (lower is better):
      P1.I1 range 50-70 %, fact 45: 45 / 50 = 0.9;  P1.I2 range 65-75 %, fact 72 (inside): 72 / 65 → 1
      R1.I1 at least 42 people, halves 20 + 24 = 44: 44 / 42 = 1.047619 → 1
      R1.I2 unit cost 19.5, fact 26: 19.5 / 26 = 0.75;  R1.I3 unit cost 19.5, fact 13: 1.5 → 1
      K = (0.9 + 1) / 2 = 0.95;  y = Y = (1 + 0.75 + 1) / 3 = 0.916667;  X = D = 0.870833"""
    plan = lambda v, **kw: [{"date": PLAN_DATE, "value": v, **kw}]  # noqa: E731
    cost = {"direction": "decrease", "cumulative": "non_summing", "targets": plan(19.5)}
    cat = catalog(purpose=[ind("DEMO.P1.I1", unit={"kk": "%", "en": "%"}, targets=plan(50, up_to=70)),
                           ind("DEMO.P1.I2", unit={"kk": "%", "en": "%"}, targets=plan(65, up_to=75))],
                  result=[ind("DEMO.R1.I1", cumulative="summing", targets=plan(42, at_least=True)),
                          ind("DEMO.R1.I2", **cost), ind("DEMO.R1.I3", **cost)])
    data = measurements(("DEMO.P1.I1", "2013-H2", 45), ("DEMO.P1.I2", "2013-H2", 72), ("DEMO.R1.I1", "2013-H1", 20),
                        ("DEMO.R1.I1", "2013-H2", 24), ("DEMO.R1.I2", "2013-H2", 26), ("DEMO.R1.I3", "2013-H2", 13))
    result = S.state_scores(data, cat, *YEAR)
    rows = result.indicators.set_index("indicator")
    assert rows["plan"].dropna().to_dict() == {"DEMO.P1.I1": 50, "DEMO.P1.I2": 65, "DEMO.R1.I1": 42,
                                               "DEMO.R1.I2": 19.5, "DEMO.R1.I3": 19.5}
    assert rows["raw"].dropna().to_dict() == pytest.approx(
        {"DEMO.P1.I1": 0.9, "DEMO.P1.I2": 72 / 65, "DEMO.R1.I1": 44 / 42, "DEMO.R1.I2": 0.75, "DEMO.R1.I3": 1.5})
    goal = result.goals.iloc[0]
    assert (goal["K"], goal["Y"]) == pytest.approx((0.95, 0.916667), abs=1e-6)
    assert result.programmes.loc[0, "D"] == pytest.approx(0.870833, abs=1e-6)


def test_the_budget_passports_are_scored_per_passport(demo_store) -> None:
    """rbp2007 on the demo data: each passport's purpose is a goal scored by its final results (K) and
    its programme's other results (Y); D is the mean of the goals that could be scored."""
    from kzlogframe.catalog import load_catalog
    from kzlogframe.measurements import current_measurements

    lf = load_catalog()["rbp2007"]
    result = S.state_scores(current_measurements("rbp2007", demo_store), {"rbp2007": lf},
                            dt.date(2007, 1, 1), dt.date(2007, 12, 31))
    rows = result.indicators.set_index("indicator")
    finals = {i.code for p in lf.purposes for i in p.indicators}
    assert set(rows.index[rows["role"] == "target"]) == finals
    assert set(rows.loc[rows["role"] == "direct", "task"]) == {r.code for r in lf.results}
    assert (rows["goal"] == "P" + rows.index.str.split(".").str[1]).all()
    assert list(result.goals["goal"]) == [p.code for p in lf.purposes]
    assert result.programmes.loc[0, "D"] == pytest.approx(result.goals["X"].mean())  # NaN goals left out
    assert 0 < result.programmes.loc[0, "D"] < 1
