"""The trend beside a status (kzlogframe.trend): one rule on hand-made progress-vs-plan values."""

import math

import pandas as pd
import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.dashboard import indicator_rows, level_table
from kzlogframe.i18n import t
from kzlogframe.trend import MARKS, TrendBands, history, trend

NAN = math.nan


@pytest.mark.parametrize("values, expected", [
    ([0.80, 0.85], "rising"),              # 5 points exactly: 0.85 - 0.80 is not 0.0499…
    ([0.80, 0.84], "flat"),
    ([0.50, 0.65], "up"),
    ([0.65, 0.50], "down"),
    ([0.90, 0.80], "falling"),
    ([0.90, 0.86], "flat"),
    ([NAN, 0.80, NAN, 0.95], "up"),        # the two latest scored periods, a gap between them
    ([0.2, 0.9, 0.5, 0.45], "falling"),    # only the last step counts
    ([1.50, 2.00], "flat"),                # beyond the cap is no better, as in aggregation
    ([-0.20, 0.00], "flat"),               # below zero is no worse
    ([0.95], None), ([], None), ([NAN, NAN, 0.7], None),
])
def test_trend_compares_the_latest_scored_period_with_the_one_before(values, expected):
    assert trend(values) == expected


def test_the_bands_are_configuration():
    assert trend([0.80, 0.83], TrendBands(step=0.02, jump=0.10)) == "rising"
    assert trend([0.80, 0.90], TrendBands(step=0.02, jump=0.10)) == "up"


def frame(rows):
    return pd.DataFrame(rows, columns=["programme", "indicator", "status", "vs_expected"])


def test_history_counts_only_scored_statuses_over_the_last_periods():
    periods = [
        frame([("p", "A", "on_track", 0.10), ("p", "B", "on_track", 0.9)]),  # beyond the four periods looked at
        frame([("p", "A", "at_risk", 0.70), ("p", "B", "on_track", 0.9)]),
        frame([("p", "A", "no_data", NAN), ("p", "B", "off_track", 0.5)]),
        frame([("p", "A", "on_track", 0.90)]),                                # B was not yet in the logframe
        frame([("p", "A", "above_plan", 1.30), ("p", "B", "on_track", 0.95), ("p", "C", "not_due", NAN)]),
    ]
    out = history(periods, ["programme", "indicator"], "vs_expected").set_index("indicator")
    assert list(out.index) == ["A", "B", "C"]  # the rows of the latest period
    assert out.loc["A", "values"] == pytest.approx([0.70, NAN, 0.90, 1.30], nan_ok=True)
    assert out.loc["A", "trend"] == "up"
    assert out.loc["B", "values"] == pytest.approx([0.9, 0.5, NAN, 0.95], nan_ok=True)
    assert out.loc["B", "trend"] == "up"
    assert out.loc["C", "trend"] is None


def test_a_level_with_too_little_data_has_no_trend_even_with_a_score():
    levels = [pd.DataFrame({"programme": ["p"], "level_code": ["R1"], "status": [s], "score": [v]})
              for s, v in (("on_track", 0.9), ("insufficient_data", 0.4))]
    assert history(levels, ["programme", "level_code"], "score")["values"][0] == pytest.approx([0.9, NAN],
                                                                                               nan_ok=True)


def test_pages_show_the_mark_beside_the_status_and_a_dash_without_one():
    lf = load_catalog()["kazlod"]
    result = lf.results[0]
    levels = pd.DataFrame({"programme": "kazlod", "level_kind": "result", "level_code": [result.code],
                           "order": 0, "status": "on_track", "score": 0.9, "n_assessed": 1, "n_indicators": 1,
                           "coverage": 1.0})
    trends = pd.DataFrame({"level_code": [result.code], "trend": ["falling"], "values": [[1.0, NAN, 0.9]]})
    grid = level_table(lf, levels, "kk", kinds=("result",), trends=trends)
    columns = list(grid.columns)
    assert columns.index(t("col.trend", "kk")) == columns.index(t("col.status", "kk")) + 1
    assert grid[t("col.trend", "kk")].tolist() == [MARKS["falling"]]
    assert grid[t("col.trend_line", "kk")].tolist() == [[100, 90]]
    code = result.indicators[0].code
    progress = pd.DataFrame({"programme": "kazlod", "indicator": [code], "level_code": result.code,
                             "result": result.code, "status": "no_data", "vs_expected": NAN, "actual": NAN,
                             "expected": NAN, "target": NAN, "last_period": None, "reason": ""})
    rows = indicator_rows(lf, progress, "ru", trends=pd.DataFrame({"indicator": [code], "trend": [None],
                                                                    "values": [[NAN]]}))
    assert rows[t("col.trend", "ru")].tolist() == ["–"]
