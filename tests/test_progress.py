"""Progress rules (kzlogframe.progress): formula properties, statuses, cumulative modes, aggregation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kzlogframe import progress as P
from kzlogframe.logframe_quality import quality_warnings
from kzlogframe.models import Logframe

from tests.conftest import ADMIN, FIXTURES

AS_OF = dt.date(2013, 12, 31)


# ---------------------------------------------------------------- builders


def ind(code: str, **kw: object) -> dict:
    return {"code": code, "text": {"kk": code, "en": code}, "type": "quantitative", **kw}


def catalog(result: list[dict] = (), purpose: list[dict] = (), goal: list[dict] = (), sub: list[dict] = (),
            more: list[list[dict]] = ()) -> dict[str, Logframe]:
    """The minimal fixture logframe with the given indicators per level; ``more`` adds results
    R2, R3 … (serving P1) with the given indicators."""
    data = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
    data["programme"]["disaggregation_values"]["ministry"] = ["education", "health"]
    data["goal"]["indicators"] = list(goal)
    data["purposes"][0]["indicators"] = list(purpose)
    data["results"][0]["indicators"] = list(result)
    data["results"][0]["sub_results"][0]["indicators"] = list(sub)
    data["results"] += [{"code": f"R{2 + i}", "purpose": "P1", "text": {"kk": "н", "en": "r"}, "indicators": inds}
                        for i, inds in enumerate(more)]
    return {"demo": Logframe.model_validate(data)}


def half(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    year, h = int(label[:4]), int(label[-1])
    start = pd.Timestamp(year, 6 * h - 5, 1)
    return start, start + pd.DateOffset(months=6) - pd.Timedelta(days=1)


def measurements(*rows: tuple) -> pd.DataFrame:
    """Rows (indicator, period label, value, {extra columns}) shaped like measurement_current."""
    out = []
    for indicator, label, value, *extra in rows:
        start, end = half(label)
        out.append({"programme": "demo", "indicator": indicator, "period_label": label, "period_start": start,
                    "period_end": end, "value": float(value), "numerator": np.nan, "denominator": np.nan,
                    "sex": "", "oblast": "", "ministry": "", **(extra[0] if extra else {})})
    columns = ["programme", "indicator", "period_label", "period_start", "period_end", "value", "numerator",
               "denominator", "sex", "oblast", "ministry"]
    return pd.DataFrame(out, columns=columns).astype({"value": float, "numerator": float, "denominator": float})


def progress_of(code: str, data: pd.DataFrame, cat: dict, as_of: dt.date = AS_OF) -> pd.Series:
    table = P.indicator_progress(data, cat, as_of)
    return table.set_index("indicator").loc[code]


BASE = {"value": 0, "date": dt.date(2012, 1, 1)}


# ---------------------------------------------------------------- formula properties

finite = st.floats(-1000, 1000, allow_nan=False)
delta = finite.filter(lambda d: abs(d) >= 0.01)


@given(finite, finite, delta)
def test_direction_symmetry_mirroring_around_the_baseline(b: float, dx: float, dt_: float) -> None:
    up = P.achievement(b + dx, b, b + dt_, False)
    down = P.achievement(b - dx, b, b - dt_, True)
    assert math.isclose(float(up), float(down), rel_tol=1e-6, abs_tol=1e-9)


@given(st.floats(0.01, 1000), st.floats(0.01, 1000))
def test_without_baseline_the_ratio_flips_with_direction(actual: float, target: float) -> None:
    up = float(P.achievement(actual, np.nan, target, False))
    down = float(P.achievement(actual, np.nan, target, True))
    assert up == pytest.approx(actual / target) and down == pytest.approx(target / actual)


@given(finite, finite, finite, delta)
def test_achievement_is_monotone_in_actual(b: float, x1: float, x2: float, d: float) -> None:
    lo, hi = sorted((x1, x2))
    a_lo, a_hi = (float(P.achievement(x, b, b + d, False)) for x in (lo, hi))
    assert (a_lo <= a_hi + 1e-9) if d > 0 else (a_lo >= a_hi - 1e-9)


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_cap_bounds_the_contribution(x: float) -> None:
    c = float(P.capped(x))
    assert 0 <= c <= 1.5
    assert c == x or (x < 0 and c == 0) or (x > 1.5 and c == 1.5)


ORDER = ["off_track", "at_risk", "on_track", "above_plan"]


@given(st.floats(-2, 3), st.floats(-2, 3))
def test_status_is_monotone_in_the_ratio(r1: float, r2: float) -> None:
    lo, hi = sorted((r1, r2))
    assert ORDER.index(str(P.classify(lo))) <= ORDER.index(str(P.classify(hi)))


@pytest.mark.parametrize("ratio, status", [
    (0.845, "on_track"), (0.85, "on_track"), (0.8449, "at_risk"), (0.84, "at_risk"),
    (0.5999, "at_risk"), (0.595, "at_risk"), (0.5949, "off_track"), (0.59, "off_track"),
    (1.15, "on_track"), (1.1549, "on_track"), (1.155, "above_plan"), (-3.0, "off_track"), (math.inf, "above_plan"),
])
def test_rounding_happens_before_classification(ratio: float, status: str) -> None:
    assert P.classify(ratio) == status


@given(st.floats(-1, 3))
def test_shown_percent_and_legend_agree_with_the_status(x: float) -> None:
    """What the UI shows (rounded whole percent) falls in exactly one legend band: the status."""
    status = str(P.classify(x))
    shown = float(P.round_ratio(x))
    bands = [row for row in P.legend() if row.lower is not None or row.upper is not None]
    hits = [row.status for row in bands
            if (row.lower is None or shown >= row.lower) and (row.upper is None or shown <= row.upper)]
    assert hits == [status]
    assert (round(shown * 100) >= 85) == (status in ("on_track", "above_plan"))


def test_legend_has_every_status_with_label_and_icon_and_continuous_bands() -> None:
    rows = P.legend()
    assert [r.status for r in rows] == list(P.LEVEL_STATUSES)
    assert all(r.icon and r.label_key == f"status.{r.status}" for r in rows)
    bands = {r.status: r for r in rows}
    assert bands["off_track"].upper + 0.01 == pytest.approx(bands["at_risk"].lower)
    assert bands["at_risk"].upper + 0.01 == pytest.approx(bands["on_track"].lower)
    assert bands["on_track"].upper + 0.01 == pytest.approx(bands["above_plan"].lower)


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError):
        P.Thresholds(on_track=0.5, at_risk=0.6)
    assert str(P.classify(0.7, P.Thresholds(on_track=0.7, at_risk=0.5))) == "on_track"


# ---------------------------------------------------------------- edge cases through the pipeline


def test_target_equal_to_baseline_or_zero_or_missing_is_not_reporting() -> None:
    cat = catalog(result=[
        ind("DEMO.R1.I1", baseline={"value": 5, "date": dt.date(2012, 1, 1)},
            targets=[{"date": dt.date(2013, 6, 30), "value": 5}]),
        ind("DEMO.R1.I2", targets=[{"date": dt.date(2013, 6, 30), "value": 0}]),
        ind("DEMO.R1.I3")])
    # DEMO.R1.I2 is never measured, so it has no baseline at all: a zero target cannot be travelled to
    data = measurements(("DEMO.R1.I1", "2013-H1", 1), ("DEMO.R1.I3", "2013-H1", 3))
    table = P.indicator_progress(data, cat, AS_OF).set_index("indicator")
    assert set(table["status"]) == {"not_reporting"}
    assert list(table["reason"]) == ["target_equals_baseline", "zero_target", "target_to_be_set"]
    assert table["vs_expected"].isna().all()


def test_negative_values_travel_the_distance() -> None:
    # baseline −10, target −2 (a deficit to close), actual −6: (−6 − −10) / (−2 − −10) = 4/8 = 0.5
    cat = catalog(result=[ind("DEMO.R1.I1", baseline={"value": -10, "date": dt.date(2012, 1, 1)},
                              targets=[{"date": dt.date(2013, 12, 31), "value": -2}])])
    row = progress_of("DEMO.R1.I1", measurements(("DEMO.R1.I1", "2013-H2", -6)), cat)
    assert row["achievement_raw"] == pytest.approx(0.5)
    assert row["vs_expected"] == 0.5 and row["status"] == "off_track"


def test_decrease_mirrors_increase_through_the_pipeline() -> None:
    # increase 100 → 120, actual 115: 0.75; mirrored around 100: decrease 100 → 80, actual 85: 0.75
    up = ind("DEMO.R1.I1", baseline={"value": 100, "date": dt.date(2012, 1, 1)},
             targets=[{"date": dt.date(2013, 12, 31), "value": 120}])
    down = ind("DEMO.R1.I2", direction="decrease", baseline={"value": 100, "date": dt.date(2012, 1, 1)},
               targets=[{"date": dt.date(2013, 12, 31), "value": 80}])
    table = P.indicator_progress(measurements(("DEMO.R1.I1", "2013-H2", 115), ("DEMO.R1.I2", "2013-H2", 85)),
                                 catalog(result=[up, down]), AS_OF).set_index("indicator")
    assert table.loc["DEMO.R1.I1", "achievement_raw"] == pytest.approx(0.75)
    assert table.loc["DEMO.R1.I2", "achievement_raw"] == pytest.approx(0.75)
    assert table.loc["DEMO.R1.I1", "status"] == table.loc["DEMO.R1.I2", "status"] == "at_risk"


def test_without_a_declared_baseline_the_first_measurement_is_the_baseline() -> None:
    """Decrease, no baseline declared, target 8 on 30.6.2014. First measured 20 in 2012-H1: the
    baseline, dated 30.6.2012. Actual 14 in 2013-H2: (14 − 20) / (8 − 20) = 0.5. At 31.12.2013
    the path is 549 of 730 days along, so 0.75205 of the distance is expected: 0.5 / 0.75205 =
    0.6649 → 66 % → at risk."""
    cat = catalog(result=[ind("DEMO.R1.I1", direction="decrease", targets=[{"date": dt.date(2014, 6, 30), "value": 8}])])
    row = progress_of("DEMO.R1.I1", measurements(("DEMO.R1.I1", "2012-H1", 20), ("DEMO.R1.I1", "2013-H2", 14)), cat)
    assert (row["baseline"], row["baseline_source"], row["baseline_period"]) == (20, "first_measurement", "2012-H1")
    assert row["baseline_date"] == pd.Timestamp(2012, 6, 30)
    assert row["achievement_raw"] == pytest.approx(0.5)
    assert row["expected"] == pytest.approx(20 - 12 * 549 / 730)
    assert row["vs_expected"] == 0.66 and row["status"] == "at_risk"


def test_a_declared_baseline_is_kept_and_a_running_total_starts_at_zero() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1", baseline={"value": 5, "date": dt.date(2011, 7, 1)},
                              targets=[{"date": dt.date(2014, 6, 30), "value": 50}]),
                          ind("DEMO.R1.I2", cumulative="summing", targets=[{"date": dt.date(2014, 6, 30), "value": 50}])])
    data = measurements(("DEMO.R1.I1", "2012-H1", 20), ("DEMO.R1.I2", "2012-H1", 20))
    base = P.baselines(data, cat).set_index("indicator")
    assert base.loc["DEMO.R1.I1", ["baseline", "baseline_source"]].tolist() == [5, "declared"]
    assert base.loc["DEMO.R1.I2", ["baseline", "baseline_source"]].tolist() == [0, "zero_start"]
    assert base.loc["DEMO.R1.I2", "baseline_date"] == pd.Timestamp(2011, 6, 23)


def test_measured_only_at_its_baseline_or_never_measured_is_no_data_once_due() -> None:
    """A first measurement with nothing after it shows no progress, not zero progress; an
    indicator never measured has no baseline and so no data once the inception phase (to
    23.12.2011) is over — not due before."""
    target = [{"date": dt.date(2016, 6, 23), "value": 100}]
    cat = catalog(result=[ind("DEMO.R1.I1", targets=target), ind("DEMO.R1.I2", targets=target)])
    data = measurements(("DEMO.R1.I1", "2012-H1", 10))
    table = P.indicator_progress(data, cat, AS_OF).set_index("indicator")
    assert table.loc["DEMO.R1.I1", ["status", "reason"]].tolist() == ["no_data", "only_baseline"]
    assert table.loc["DEMO.R1.I2", ["status", "reason"]].tolist() == ["no_data", "no_baseline"]
    early = P.indicator_progress(data, cat, dt.date(2011, 9, 30)).set_index("indicator")
    assert early.loc["DEMO.R1.I2", "status"] == "not_due"
    at_baseline = P.indicator_progress(data, cat, dt.date(2012, 6, 30)).set_index("indicator")
    assert at_baseline.loc["DEMO.R1.I1", ["status", "reason"]].tolist() == ["not_due", "path_not_started"]


def test_no_data_and_one_period() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1", baseline=BASE, targets=[{"date": dt.date(2013, 12, 31), "value": 10}]),
                          ind("DEMO.R1.I2", baseline=BASE, targets=[{"date": dt.date(2013, 12, 31), "value": 10}])])
    table = P.indicator_progress(measurements(("DEMO.R1.I1", "2013-H2", 9)), cat, AS_OF).set_index("indicator")
    assert table.loc["DEMO.R1.I1", "n_points"] == 1 and table.loc["DEMO.R1.I1", "last_period"] == "2013-H2"
    assert table.loc["DEMO.R1.I1", "status"] == "on_track"  # 9/10 = 0.9
    assert table.loc["DEMO.R1.I2", "status"] == "no_data" and pd.isna(table.loc["DEMO.R1.I2", "actual"])


def test_measurements_after_as_of_are_ignored() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1", baseline=BASE, targets=[{"date": dt.date(2013, 12, 31), "value": 10}])])
    row = progress_of("DEMO.R1.I1", measurements(("DEMO.R1.I1", "2014-H1", 10)), cat)
    assert row["status"] == "no_data"


# ---------------------------------------------------------------- cumulative modes and cells


def test_three_cumulative_modes_hand_checked() -> None:
    """Cells Mangystau + Kyzylorda per half-year:
         period   M   K   none (sum in period)  summing (running)  non_summing (latest)
         2012-H1  4   6   10                    10                 10
         2012-H2  8  12   20                    30                 20
         2013-H1 12  18   30                    60                 30
    """
    dims = {"disaggregation": ["oblast"]}
    cat = catalog(result=[ind("DEMO.R1.I1", cumulative="none", **dims),
                          ind("DEMO.R1.I2", cumulative="summing", **dims),
                          ind("DEMO.R1.I3", cumulative="non_summing", **dims)])
    rows = [(code, label, v, {"oblast": oblast})
            for code in ("DEMO.R1.I1", "DEMO.R1.I2", "DEMO.R1.I3")
            for label, m, k in [("2012-H1", 4, 6), ("2012-H2", 8, 12), ("2013-H1", 12, 18)]
            for oblast, v in (("Mangystau", m), ("Kyzylorda", k))]
    values = P.reporting_values(measurements(*rows), cat)
    got = values.pivot(index="rp_end", columns="indicator", values="value")
    assert got["DEMO.R1.I1"].tolist() == [10, 20, 30]
    assert got["DEMO.R1.I2"].tolist() == [10, 30, 60]
    assert got["DEMO.R1.I3"].tolist() == [10, 20, 30]
    assert set(values["cumulative"]) == {"none", "summing", "non_summing"}


def test_percentages_are_never_summed_and_pool_numerator_and_denominator() -> None:
    """Declared summing, but a percentage: non-summing. Two oblasts in 2013-H1:
    30/100 = 30 % and 10/300 = 3.33 %; pooled 40/400 = 10 % (the mean would be 16.67 %)."""
    pct = {"unit": {"kk": "%", "en": "% trained"}, "disaggregation": ["oblast"]}
    cat = catalog(result=[ind("DEMO.R1.I1", cumulative="summing", **pct), ind("DEMO.R1.I2", **pct)])
    rows = [("DEMO.R1.I1", "2012-H2", 50, {"oblast": "Mangystau", "numerator": 50, "denominator": 100}),
            ("DEMO.R1.I1", "2013-H1", 30, {"oblast": "Mangystau", "numerator": 30, "denominator": 100}),
            ("DEMO.R1.I1", "2013-H1", 10 / 3, {"oblast": "Kyzylorda", "numerator": 10, "denominator": 300}),
            ("DEMO.R1.I2", "2013-H1", 30, {"oblast": "Mangystau"}),
            ("DEMO.R1.I2", "2013-H1", 10 / 3, {"oblast": "Kyzylorda"})]
    values = P.reporting_values(measurements(*rows), cat).set_index(["indicator", "reporting_period"])["value"]
    assert values["DEMO.R1.I1", "2012-H2"] == pytest.approx(50)
    assert values["DEMO.R1.I1", "2013-H1"] == pytest.approx(10)  # not 50 + 10, not 16.67
    assert values["DEMO.R1.I2", "2013-H1"] == pytest.approx((30 + 10 / 3) / 2)  # no num/den: mean of cells
    assert P.indicator_table(cat).set_index("indicator").loc["DEMO.R1.I1", "cumulative"] == "non_summing"


def test_a_reported_total_wins_over_its_cells() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1", disaggregation=["sex"])])
    rows = [("DEMO.R1.I1", "2013-H1", 100), ("DEMO.R1.I1", "2013-H1", 30, {"sex": "female"}),
            ("DEMO.R1.I1", "2013-H1", 60, {"sex": "male"}), ("DEMO.R1.I1", "2013-H2", 40, {"sex": "female"})]
    values = P.reporting_values(measurements(*rows), cat)
    assert values["value"].tolist() == [100, 40]


def test_cells_declared_not_to_combine_never_make_a_total() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1", disaggregation=["oblast"], combine_cells="none"),
                          ind("DEMO.R1.I2", disaggregation=["oblast"], combine_cells="mean")])
    rows = [(code, "2013-H1", v, {"oblast": o}) for code in ("DEMO.R1.I1", "DEMO.R1.I2")
            for o, v in (("Mangystau", 110.5), ("Kyzylorda", 104.0))]
    rows += [("DEMO.R1.I1", "2013-H2", 107.0)]  # a reported total
    values = P.reporting_values(measurements(*rows), cat).set_index(["indicator", "reporting_period"])["value"]
    assert ("DEMO.R1.I1", "2013-H1") not in values.index  # growth rates per oblast are not added up
    assert values["DEMO.R1.I1", "2013-H2"] == 107.0
    assert values["DEMO.R1.I2", "2013-H1"] == pytest.approx((110.5 + 104.0) / 2)
    cells = P.reporting_values(measurements(*rows), cat, cells=True)
    assert len(cells[cells["indicator"] == "DEMO.R1.I1"]) == 2


def quarter(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    year, q = int(label[:4]), int(label[-1])
    start = pd.Timestamp(year, 3 * q - 2, 1)
    return start, start + pd.DateOffset(months=3) - pd.Timedelta(days=1)


def test_quarters_fall_into_their_reporting_half() -> None:
    """Two quarters of 2013-H1 (4 and 6) and one of 2013-H2 (5): a period-sum indicator reports
    10 for the half, a level reports its latest quarter (6), a running total 10 then 15."""
    cat = catalog(result=[ind("DEMO.R1.I1", cumulative="none"), ind("DEMO.R1.I2", cumulative="non_summing"),
                          ind("DEMO.R1.I3", cumulative="summing")])
    rows = []
    for code in ("DEMO.R1.I1", "DEMO.R1.I2", "DEMO.R1.I3"):
        for label, value in (("2013-Q1", 4), ("2013-Q2", 6), ("2013-Q3", 5)):
            start, end = quarter(label)
            rows.append({"programme": "demo", "indicator": code, "period_start": start, "period_end": end,
                         "value": float(value)})
    values = P.reporting_values(pd.DataFrame(rows), cat)
    got = values.pivot(index="reporting_period", columns="indicator", values="value")
    assert got.loc["2013-H1"].tolist() == [10, 6, 10] and got.loc["2013-H2"].tolist() == [5, 5, 15]
    assert values["measurements"].tolist()[:2] == [2, 1]


# ---------------------------------------------------------------- milestones and ratings


def test_milestones_done_due_not_done_not_due() -> None:
    due = [{"date": dt.date(2013, 6, 30), "value": 1}]
    later = [{"date": dt.date(2015, 6, 30), "value": 1}]
    cat = catalog(result=[ind(f"DEMO.R1.I{i}", type="milestone", targets=t)
                          for i, t in enumerate([due, due, later, later, due, due], start=1)])
    data = measurements(("DEMO.R1.I1", "2012-H2", 0), ("DEMO.R1.I1", "2013-H1", 1), ("DEMO.R1.I1", "2013-H2", 0),
                        ("DEMO.R1.I2", "2013-H2", 0),        # due, reported not done
                        ("DEMO.R1.I3", "2013-H1", 0),        # not yet due
                        ("DEMO.R1.I4", "2013-H1", 1),        # done early
                        ("DEMO.R1.I6", "2013-H2", 0), ("DEMO.R1.I6", "2014-H1", 1))  # done after the report date
    table = P.indicator_progress(data, cat, AS_OF).set_index("indicator")
    assert table["status"].tolist() == ["on_track", "off_track", "not_due", "on_track", "no_data", "off_track"]
    assert table["reason"].tolist() == ["done", "due_not_done", "not_yet_due", "done", "", "due_not_done"]
    assert table["achievement_raw"].tolist()[:2] == [1, 0]


def test_ratings_are_positions_on_the_scale() -> None:
    scale = [{"kk": s, "en": s} for s in ("weak", "fair", "good", "strong")]
    cat = catalog(result=[
        ind("DEMO.R1.I1", type="rating", scale=scale, baseline={"value": 1, "date": dt.date(2012, 1, 1)},
            targets=[{"date": dt.date(2013, 12, 31), "value": 4}]),
        ind("DEMO.R1.I2", type="rating", scale=scale, targets=[{"date": dt.date(2013, 6, 30), "value": 4}])])
    data = measurements(("DEMO.R1.I1", "2013-H2", 3), ("DEMO.R1.I2", "2012-H1", 2), ("DEMO.R1.I2", "2013-H2", 3))
    table = P.indicator_progress(data, cat, AS_OF).set_index("indicator")
    assert table.loc["DEMO.R1.I1", "achievement_raw"] == pytest.approx(2 / 3)  # (3 − 1) / (4 − 1)
    assert table.loc["DEMO.R1.I2", "achievement_raw"] == pytest.approx(0.5)    # (3 − 2) / (4 − 2), first rating 2
    assert table.loc["DEMO.R1.I2", "status"] == "off_track"


# ---------------------------------------------------------------- against time


def test_expected_value_interpolates_between_two_dated_targets() -> None:
    """Baseline 0 on 1.1.2012, targets 100 on 1.1.2013 and 300 on 1.1.2014. On 2.7.2013 (182 days
    into the 365-day segment) expected = 100 + 200 × 182/365 = 199.726; actual 180 (summing,
    running sum of 80 + 100) → vs expected 180/199.726 = 0.901 → on track."""
    cat = catalog(result=[ind("DEMO.R1.I1", cumulative="summing", baseline=BASE,
                              targets=[{"date": dt.date(2013, 1, 1), "value": 100},
                                       {"date": dt.date(2014, 1, 1), "value": 300}])])
    data = measurements(("DEMO.R1.I1", "2012-H2", 80), ("DEMO.R1.I1", "2013-H1", 100))
    row = progress_of("DEMO.R1.I1", data, cat, dt.date(2013, 7, 2))
    assert row["expected"] == pytest.approx(100 + 200 * 182 / 365)
    assert row["actual"] == 180 and row["achievement_raw"] == pytest.approx(0.6)  # 180/300
    assert row["vs_expected"] == 0.90 and row["status"] == "on_track"
    assert progress_of("DEMO.R1.I1", data, cat, dt.date(2011, 12, 31))["status"] == "not_due"
    assert progress_of("DEMO.R1.I1", data, cat, dt.date(2015, 1, 1))["expected"] == 300


def test_without_baseline_a_summing_path_starts_at_zero_at_fa_signature_others_at_the_first_measurement() -> None:
    target = [{"date": dt.date(2016, 6, 23), "value": 100}]
    cat = catalog(result=[ind("DEMO.R1.I1", cumulative="summing", targets=target),
                          ind("DEMO.R1.I2", cumulative="non_summing", targets=target)])
    data = measurements(("DEMO.R1.I1", "2013-H2", 40), ("DEMO.R1.I2", "2012-H1", 10), ("DEMO.R1.I2", "2013-H2", 40))
    table = P.indicator_progress(data, cat, AS_OF).set_index("indicator")
    # FA 23.6.2011 → 23.6.2016 is 1827 days; 31.12.2013 is 922 days in: expected 100 × 922/1827
    assert table.loc["DEMO.R1.I1", "expected"] == pytest.approx(100 * 922 / 1827)
    assert table.loc["DEMO.R1.I1", "vs_expected"] == pytest.approx(round(40 / (100 * 922 / 1827), 2))
    # first measurement 10 on 30.6.2012 → 100 on 23.6.2016 (1454 days); 31.12.2013 is 549 days in
    assert table.loc["DEMO.R1.I2", "expected"] == pytest.approx(10 + 90 * 549 / 1454)
    assert table.loc["DEMO.R1.I2", "achievement_raw"] == pytest.approx(30 / 90)


# ---------------------------------------------------------------- aggregation


def test_aggregation_reports_coverage_and_scores_only_indicators_with_data() -> None:
    """Result R1 (own + sub-result): I1 w2 vs 1.0, I2 w1 vs 0.5, I3 w1 no data, I4 w1 not due,
    sub-result S1 w1 vs 3.0 (capped 1.5).
    R1 score = (2·1 + 1·0.5 + 1·1.5) / 4 = 1.0; coverage = scored 4 / due (4 + 1 no data) = 0.8.
    Sub-result R1.1 alone: 1.5 → above plan, coverage 1. Purpose P1 has no indicator."""
    path = {"baseline": BASE, "targets": [{"date": dt.date(2013, 12, 31), "value": 10}]}
    cat = catalog(result=[ind("DEMO.R1.I1", weight=2, **path), ind("DEMO.R1.I2", **path), ind("DEMO.R1.I3", **path),
                          ind("DEMO.R1.I4", baseline={"value": 0, "date": dt.date(2014, 6, 1)},
                              targets=[{"date": dt.date(2020, 1, 1), "value": 9}])],
                  sub=[ind("DEMO.R1.S1", **path)])
    data = measurements(("DEMO.R1.I1", "2013-H2", 10), ("DEMO.R1.I2", "2013-H2", 5), ("DEMO.R1.S1", "2013-H2", 30))
    assert set(P.indicator_progress(data, cat, dt.date(2011, 6, 1))["status"]) == {"not_due"}
    progress = P.indicator_progress(data, cat, AS_OF)
    levels = P.level_progress(progress, cat).set_index("level_code")
    r1 = levels.loc["R1"]
    assert r1["n_indicators"] == 5 and r1["score"] == 1.0 and r1["coverage"] == pytest.approx(0.8)
    assert (r1["n_on_track"], r1["n_off_track"], r1["n_above_plan"], r1["n_no_data"], r1["n_not_due"]) == (1, 1, 1, 1, 1)
    assert levels.loc["R1.1", "status"] == "above_plan" and levels.loc["R1.1", "coverage"] == 1
    assert levels.loc["P1", "n_indicators"] == 0 and levels.loc["P1", "status"] == "not_reporting"
    assert levels.loc["demo", "level_kind"] == "programme" and levels.loc["demo", "n_indicators"] == 5


def test_coverage_counts_missing_targets_and_below_half_the_level_has_insufficient_data() -> None:
    """R1: I1 on track, I2 and I3 without a target (not reporting), I4 not yet due. Coverage =
    1 scored / 3 due = 33 % < 50 %: insufficient data, however good I1 is; R2 (I5 alone) on track."""
    path = {"baseline": BASE, "targets": [{"date": dt.date(2013, 12, 31), "value": 10}]}
    cat = catalog(result=[ind("DEMO.R1.I1", **path), ind("DEMO.R1.I2", baseline=BASE), ind("DEMO.R1.I3", baseline=BASE),
                          ind("DEMO.R1.I4", baseline={"value": 0, "date": dt.date(2014, 6, 1)},
                              targets=[{"date": dt.date(2016, 1, 1), "value": 9}])],
                  more=[[ind("DEMO.R2.I5", **path)]])
    data = measurements(("DEMO.R1.I1", "2013-H2", 10), ("DEMO.R1.I2", "2013-H2", 5), ("DEMO.R2.I5", "2013-H2", 10))
    levels = P.level_progress(P.indicator_progress(data, cat, AS_OF), cat).set_index("level_code")
    r1 = levels.loc["R1"]
    assert (r1["n_indicators"], r1["n_assessed"], r1["n_not_reporting"], r1["n_not_due"]) == (4, 1, 2, 1)
    assert r1["coverage"] == pytest.approx(1 / 3) and r1["score"] == 1.0 and r1["status"] == "insufficient_data"
    assert levels.loc["R2", "status"] == "on_track"
    assert levels.loc["demo", "coverage"] == pytest.approx(2 / 4) and levels.loc["demo", "status"] == "on_track"
    stricter = P.level_progress(P.indicator_progress(data, cat, AS_OF), cat, P.Thresholds(min_coverage=0.6))
    assert stricter.set_index("level_code").loc["demo", "status"] == "insufficient_data"


def test_a_level_with_only_missing_data_has_no_score_and_zero_coverage() -> None:
    path = {"baseline": BASE, "targets": [{"date": dt.date(2013, 12, 31), "value": 10}]}
    cat = catalog(result=[ind("DEMO.R1.I1", **path)])
    levels = P.level_progress(P.indicator_progress(measurements(), cat, AS_OF), cat).set_index("level_code")
    assert pd.isna(levels.loc["R1", "score"]) and levels.loc["R1", "coverage"] == 0
    assert levels.loc["R1", "status"] == "no_data"


# ---------------------------------------------------------------- disaggregation


def test_disaggregated_cells_get_their_share_of_an_additive_target() -> None:
    """Summing, by oblast (2 declared): total target 100 → 50 per oblast; Mangystau 45 → 0.9 on
    track, Kyzylorda silent → no data. A percentage by sex keeps the total's target per cell."""
    cat = catalog(result=[
        ind("DEMO.R1.I1", cumulative="summing", disaggregation=["oblast"], baseline=BASE,
            targets=[{"date": dt.date(2013, 12, 31), "value": 100}]),
        ind("DEMO.R1.I2", unit={"kk": "%", "en": "%"}, disaggregation=["sex"], baseline=BASE,
            targets=[{"date": dt.date(2013, 12, 31), "value": 80}])])
    data = measurements(("DEMO.R1.I1", "2013-H1", 20, {"oblast": "Mangystau"}),
                        ("DEMO.R1.I1", "2013-H2", 25, {"oblast": "Mangystau"}),
                        ("DEMO.R1.I2", "2013-H2", 40, {"sex": "female"}),
                        ("DEMO.R1.I2", "2013-H2", 80, {"sex": "male"}))
    cells = P.disaggregated_progress(data, cat, AS_OF)
    counts = cells.set_index(["indicator", "oblast", "sex"])
    assert counts.loc[("DEMO.R1.I1", "Mangystau", ""), "target"] == 50
    assert counts.loc[("DEMO.R1.I1", "Mangystau", ""), "actual"] == 45
    assert counts.loc[("DEMO.R1.I1", "Mangystau", ""), "status"] == "on_track"
    assert counts.loc[("DEMO.R1.I1", "Kyzylorda", ""), "status"] == "no_data"
    assert counts.loc[("DEMO.R1.I2", "", "female"), "status"] == "off_track"  # 40/80
    assert counts.loc[("DEMO.R1.I2", "", "male"), "status"] == "on_track"
    total = progress_of("DEMO.R1.I2", data, cat)
    assert total["actual"] == 60  # no numerator/denominator: mean of the two cells


# ---------------------------------------------------------------- charts and logframe quality


def test_series_applies_the_cumulative_rule_and_lists_the_planned_path() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1", cumulative="summing",
                              targets=[{"date": dt.date(2016, 6, 23), "value": 100}])])
    data = measurements(("DEMO.R1.I1", "2012-H1", 10), ("DEMO.R1.I1", "2012-H2", 15))
    points = P.series(data, "DEMO.R1.I1", cat["demo"])
    assert points.loc[points["kind"] == "actual", "value"].tolist() == [10, 25]
    planned = points[points["kind"] == "planned"]
    assert planned["point"].tolist() == ["start", "target"] and planned["value"].tolist() == [0, 100]


def test_quality_warnings() -> None:
    cat = catalog(result=[ind("DEMO.R1.I1"),  # quantitative without target or unit
                          ind("DEMO.R1.I2", unit={"kk": "%", "en": "%"},
                              targets=[{"date": dt.date(2016, 6, 23), "value": 20}]),
                          ind("DEMO.R1.I3", unit={"kk": "x", "en": "x"}, baseline={"value": 10, "date": dt.date(2011, 7, 1)},
                              direction="decrease", targets=[{"date": dt.date(2016, 6, 23), "value": 12}])],
                  more=[[]])
    found = {(w.rule, w.indicator or w.level_code) for w in quality_warnings(cat["demo"])}
    assert found == {("result_without_indicator", "R2"), ("target_to_be_set", "DEMO.R1.I1"),
                     ("no_unit", "DEMO.R1.I1"), ("no_baseline", "DEMO.R1.I1"), ("no_baseline", "DEMO.R1.I2"),
                     ("direction_mismatch", "DEMO.R1.I3")}


# ---------------------------------------------------------------- the bundled logframes with demo data


def test_bundled_logframes_with_demo_data(tmp_path) -> None:
    from kzlogframe.catalog import load_catalog
    from kzlogframe.demo import demo_csv
    from kzlogframe.ingest import import_csv
    from kzlogframe.store import connect

    cat = load_catalog()
    db = tmp_path / "x.duckdb"
    for code, lf in cat.items():
        (tmp_path / f"{code}.csv").write_bytes(demo_csv(lf))
        assert import_csv(tmp_path / f"{code}.csv", cat, ADMIN, db=db).status == "committed"
    with connect(db, write=False) as con:
        data = con.execute("SELECT * FROM measurement_current").df()

    as_of = dt.date(2014, 12, 31)
    progress = P.indicator_progress(data, cat, as_of)
    expected = {(code, i.code) for code, lf in cat.items() for _, i in lf.indicators()}
    assert set(zip(progress["programme"], progress["indicator"])) == expected and len(progress) == len(expected)
    assert progress["status"].isin(P.STATUSES).all() and progress["icon"].notna().all()
    scored = progress["status"].isin(P.SCORED)
    assert progress.loc[scored, "vs_expected"].notna().all() and progress.loc[~scored, "vs_expected"].isna().all()

    levels = P.level_progress(progress, cat)
    status_counts = levels[[f"n_{s}" for s in P.STATUSES]].sum(axis=1)
    assert (status_counts == levels["n_indicators"]).all()
    assert levels["coverage"].dropna().between(0, 1).all()
    for code in cat:
        mine = progress[progress["programme"] == code]
        row = levels[(levels["programme"] == code) & (levels["level_kind"] == "programme")].iloc[0]
        has_score, due = mine["status"].isin(P.SCORED), mine["status"].ne("not_due")
        assert row["n_indicators"] == len(mine)
        assert row["coverage"] == pytest.approx(mine.loc[has_score, "weight"].sum() / mine.loc[due, "weight"].sum())
        assert row["n_no_data"] == (mine["status"] == "no_data").sum()

    cells = P.disaggregated_progress(data, cat, as_of)
    assert cells["status"].isin(P.STATUSES).all()
    assert set(cells["indicator"]) <= {i for _, i in expected}
