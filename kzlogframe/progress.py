"""Indicator progress: every rule of DESIGN §4 in one module, each in one place.

Public API (``logframes`` is a catalog ``{code: Logframe}`` as returned by ``load_catalog``;
``measurements`` is a DataFrame shaped like the store's ``measurement_current`` view, of which
``programme, indicator, period_start, period_end, value`` are required and ``period_label,
numerator, denominator, sex, oblast, ministry`` optional)::

    Thresholds(on_track=.85, at_risk=.60, above_plan=1.15, cap=1.5)   the single configuration
    legend(thresholds) -> list[LegendRow]                  status, label key, icon, band (UI legend)
    round_ratio(x) / classify(ratio, thresholds)           rounding and banding, rounding first
    capped(x, thresholds)                                  an indicator's share of a mean: [0, cap]
    achievement(actual, baseline, target, decrease)        the progress formula
    indicator_table(logframes) -> DataFrame                one row per indicator: level chain, definition
    planned_path(logframes) -> DataFrame                   dated points of each planned path
    period_values(measurements, logframes, cells=, as_of=) period values with the cumulative rule applied
    indicator_progress(measurements, logframes, as_of, thresholds) -> DataFrame   one row per indicator
    disaggregated_progress(measurements, logframes, as_of, thresholds) -> DataFrame  one row per cell
    level_progress(progress, logframes, thresholds) -> DataFrame   score + coverage per level
    series(measurements, indicator, logframe) -> DataFrame  actual and planned points for a chart
    quality_warnings(logframe, as_of) -> list[QualityWarning]

The rules, and why:

* Achievement is "distance travelled", ``(actual − baseline) / (target − baseline)``: the sign of the
  denominator carries the direction, so one formula serves increase and decrease. Without a baseline
  there is no distance, so it is ``actual / target`` (increase) or ``target / actual`` (decrease).
  A target equal to the baseline, a zero target without baseline, or no target at all cannot be
  travelled towards: the indicator is *not reporting*, never red.
* Against time: the planned path starts at the baseline (at its date); without a baseline a summing
  indicator starts from 0 at FA signature, and any other indicator has no known start, so its path
  starts at its first target. The path runs linearly through the dated targets and stays at the last
  one. ``vs_expected`` is achievement(actual) / achievement(expected at ``as_of``), i.e. the share of
  the distance expected by now that was travelled. Before the path starts, or while nothing is
  expected yet, the indicator is *not due*; with no measurement up to ``as_of`` it has *no data*.
* Cumulative modes turn measurements into a period value: ``none`` sums within the period,
  ``summing`` is the running sum to the period end, ``non_summing`` is the period's (latest) value.
  Percentages and ratings are always non-summing. Disaggregated cells are added up, except
  percentages, which are pooled as Σ numerator / Σ denominator when the data carry them (never an
  average of percentages) and averaged only when they do not, and ratings (median position).
  A reported total (a row with no disaggregation) wins over the sum of its cells.
* Milestones (value 1 = done) are done once any period ending by ``as_of`` says so; done is on
  track, due and not done is off track, not yet due is not due. Ratings are positions on the scale,
  scored with the same formula as quantities.
* ``vs_expected`` is rounded to whole percent *before* it is classified, so the shown 85 % is
  never amber; the bands are continuous on that grid. Aggregation up the tree is a weighted mean of
  ``vs_expected`` clipped to [0, cap], always next to its coverage.

All work on measurement rows runs in DuckDB; Python loops only over indicator definitions.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .models import Cumulative, Indicator, IndicatorType, Level, Logframe, add_months

Catalog = Mapping[str, Logframe]

SCORED = ("above_plan", "on_track", "at_risk", "off_track")
STATUSES = SCORED + ("no_data", "not_due", "not_reporting")
ICONS = {"above_plan": "⬆️", "on_track": "✅", "at_risk": "⚠️", "off_track": "⛔",
         "no_data": "∅", "not_due": "⏳", "not_reporting": "—"}
CELL_DIMS = ("sex", "oblast", "ministry")


# ---------------------------------------------------------------- thresholds and legend


@dataclass(frozen=True)
class Thresholds:
    """The status bands, as shares of the expected progress, and the aggregation cap.

    on track ≥ ``on_track``; at risk from ``at_risk`` up to ``on_track``; off track below
    ``at_risk``; above plan beyond ``above_plan`` (a target to revisit). Compared on values rounded
    to whole percent. ``cap`` bounds one indicator's weight in a mean (DESIGN §4: 1.5).
    """

    on_track: float = 0.85
    at_risk: float = 0.60
    above_plan: float = 1.15
    cap: float = 1.5

    def __post_init__(self) -> None:
        if not 0 <= self.at_risk < self.on_track <= 1 <= self.above_plan <= self.cap:
            raise ValueError("thresholds must satisfy 0 ≤ at_risk < on_track ≤ 1 ≤ above_plan ≤ cap")


@dataclass(frozen=True)
class LegendRow:
    """One legend entry. ``lower``/``upper`` bound the band on the rounded ratio, both inclusive
    (None = open); consecutive bands meet one percent apart, so there is no gap on the shown grid."""

    status: str
    label_key: str
    icon: str
    lower: float | None
    upper: float | None


def legend(thresholds: Thresholds = Thresholds()) -> list[LegendRow]:
    step = 0.01
    bands = {"above_plan": (round(thresholds.above_plan + step, 2), None),
             "on_track": (thresholds.on_track, thresholds.above_plan),
             "at_risk": (thresholds.at_risk, round(thresholds.on_track - step, 2)),
             "off_track": (None, round(thresholds.at_risk - step, 2))}
    return [LegendRow(s, f"status.{s}", ICONS[s], *bands.get(s, (None, None))) for s in STATUSES]


def round_ratio(x: np.ndarray | pd.Series | float) -> np.ndarray:
    """Round half up to 2 decimals (whole percent). The inner round removes binary noise, so 0.845
    (stored as 0.84499…) becomes 0.85 as a reader expects; this is the value shown and classified."""
    values = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.floor(np.round(values * 100, 6) + 0.5) / 100


def classify(ratio: np.ndarray | pd.Series | float, thresholds: Thresholds = Thresholds()) -> np.ndarray:
    """Status of each ratio to the expected progress, after rounding; NaN has no data."""
    r = round_ratio(ratio)
    return np.select(
        [np.isnan(r), r > thresholds.above_plan, r >= thresholds.on_track, r >= thresholds.at_risk],
        ["no_data", "above_plan", "on_track", "at_risk"], default="off_track")


def capped(x: np.ndarray | pd.Series | float, thresholds: Thresholds = Thresholds()) -> np.ndarray:
    """What one indicator contributes to a mean: clipped to [0, cap], so neither a runaway
    over-achiever nor a collapse can dominate its level; the raw value stays on display."""
    return np.clip(np.asarray(x, dtype=float), 0, thresholds.cap)


# ---------------------------------------------------------------- the formula


def achievement(actual: np.ndarray, baseline: np.ndarray, target: np.ndarray,
                decrease: np.ndarray) -> np.ndarray:
    """Raw achievement: distance travelled from the baseline, or the plain ratio where the
    baseline is NaN (``target/actual`` when lower is better). Degenerate targets give inf/NaN;
    :func:`target_problem` names them."""
    actual, baseline, target = (np.asarray(a, dtype=float) for a in (actual, baseline, target))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        distance = (actual - baseline) / (target - baseline)
        ratio = np.where(np.asarray(decrease, dtype=bool), target / actual, actual / target)
    return np.where(np.isnan(baseline), ratio, distance)


def target_problem(baseline: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Why achievement cannot be computed, or '' : no target, target = baseline, zero target."""
    baseline, target = np.asarray(baseline, dtype=float), np.asarray(target, dtype=float)
    return np.select([np.isnan(target), target == baseline, np.isnan(baseline) & (target == 0)],
                     ["target_to_be_set", "target_equals_baseline", "zero_target"], default="")


# ---------------------------------------------------------------- logframe tables


def _chain(lf: Logframe) -> list[tuple[str, Level, str | None, str | None]]:
    """Every level with its kind, the purpose it serves and the result it belongs to.

    A result without ``purpose`` serves the only purpose when there is just one."""
    only = lf.purposes[0].code if len(lf.purposes) == 1 else None
    rows: list[tuple[str, Level, str | None, str | None]] = [("goal", lf.goal, None, None)]
    rows += [("purpose", p, p.code, None) for p in lf.purposes]
    for r in lf.results:
        rows.append(("result", r, r.purpose or only, r.code))
        rows += [("sub_result", s, r.purpose or only, r.code) for s in r.sub_results]
    return rows


def is_percentage(ind: Indicator) -> bool:
    return ind.unit is not None and any("%" in (t or "") for t in (ind.unit.kk, ind.unit.en, ind.unit.ru))


def cumulative_mode(ind: Indicator) -> str:
    """The mode actually applied: percentages and ratings are levels, so never summed over time."""
    if ind.type is IndicatorType.rating or is_percentage(ind):
        return Cumulative.non_summing.value
    return ind.cumulative.value


TABLE_COLUMNS = ["programme", "indicator", "level_kind", "level_code", "purpose", "result", "order", "type",
                 "direction", "cumulative", "percentage", "weight", "baseline", "baseline_date", "target",
                 "target_date", "first_target_date", "n_targets", "scale_size", "dims", "n_sex", "n_oblast",
                 "n_ministry", "fa_signature"]


def indicator_table(logframes: Catalog) -> pd.DataFrame:
    """One row per indicator: where it sits in the tree and everything progress needs from it.

    ``target`` is the last dated target (the end of the path); ``dims`` the declared
    disaggregation, comma-separated; ``n_<dim>`` the number of declared values of each dimension it
    uses (1 otherwise), which sizes a cell's share of an additive target."""
    rows = []
    for code, lf in logframes.items():
        declared = lf.programme.disaggregation_values
        for order, (kind, level, purpose, result) in enumerate(_chain(lf)):
            for ind in level.indicators:
                targets = sorted(ind.targets, key=lambda t: t.date)
                dims = [d.value for d in ind.disaggregation]
                rows.append({
                    "programme": code, "indicator": ind.code, "level_kind": kind, "level_code": level.code,
                    "purpose": purpose, "result": result, "order": order, "type": ind.type.value,
                    "direction": ind.direction.value, "cumulative": cumulative_mode(ind),
                    "percentage": is_percentage(ind), "weight": ind.weight,
                    "baseline": ind.baseline.value if ind.baseline else np.nan,
                    "baseline_date": ind.baseline.date if ind.baseline else None,
                    "target": targets[-1].value if targets else np.nan,
                    "target_date": targets[-1].date if targets else None,
                    "first_target_date": targets[0].date if targets else None,
                    "n_targets": len(targets), "scale_size": len(ind.scale), "dims": ",".join(dims),
                    **{f"n_{d}": max(1, len(getattr(declared, d))) if d in dims else 1 for d in CELL_DIMS},
                    "fa_signature": lf.programme.implementation.fa_signature,
                })
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    for col in ("baseline_date", "target_date", "first_target_date", "fa_signature"):
        table[col] = pd.to_datetime(table[col])
    return table.astype({"baseline": float, "target": float, "weight": float})


def planned_path(logframes: Catalog) -> pd.DataFrame:
    """Dated points of every planned path: its start (``baseline``, or ``start`` = 0 at FA
    signature for a summing indicator without baseline), then each ``target``. Milestones have
    only their targets (the due date)."""
    rows = []
    for code, lf in logframes.items():
        fa = lf.programme.implementation.fa_signature
        for _, ind in lf.indicators():
            if not ind.targets:
                continue
            if ind.type is not IndicatorType.milestone and ind.baseline:
                rows.append((code, ind.code, ind.baseline.date, ind.baseline.value, "baseline"))
            elif ind.type is not IndicatorType.milestone and cumulative_mode(ind) == "summing":
                rows.append((code, ind.code, fa, 0.0, "start"))
            rows += [(code, ind.code, t.date, t.value, "target") for t in sorted(ind.targets, key=lambda t: t.date)]
    path = pd.DataFrame(rows, columns=["programme", "indicator", "date", "value", "point"])
    path["date"] = pd.to_datetime(path["date"])
    return path.astype({"value": float})


# ---------------------------------------------------------------- measurements → period values


def _measurement_frame(measurements: pd.DataFrame) -> pd.DataFrame:
    """Add the optional columns a hand-made frame may lack (the store always has them)."""
    missing = {c: "" for c in CELL_DIMS if c not in measurements}
    missing |= {c: np.nan for c in ("numerator", "denominator") if c not in measurements}
    if "period_label" not in measurements:
        missing["period_label"] = pd.to_datetime(measurements["period_end"]).dt.strftime("%Y-%m-%d")
    return measurements.assign(**missing) if missing else measurements


def _keys(cells: bool) -> str:
    return "programme, indicator" + (", sex, oblast, ministry" if cells else "")


def _period_sql(cells: bool, until: bool) -> str:
    """SQL: one row per period (and cell) with ``value`` after the cumulative rule.

    Reads relations ``m`` (measurements) and ``ind`` (indicator_table); ``$as_of`` when ``until``."""
    keys = _keys(cells)
    cell_cols = "coalesce(sex, '') AS sex, coalesce(oblast, '') AS oblast, coalesce(ministry, '') AS ministry, " \
        if cells else ""
    total = "(coalesce(sex, '') = '' AND coalesce(oblast, '') = '' AND coalesce(ministry, '') = '')"
    where = ["value IS NOT NULL"] + (["period_end <= $as_of"] if until else []) + ([f"NOT {total}"] if cells else [])
    pick_total = "" if cells else \
        "QUALIFY is_total = max(is_total) OVER (PARTITION BY programme, indicator, period_start, period_end)"
    return f"""
    WITH g AS (
        SELECT programme, indicator, {cell_cols}period_start, period_end, {total} AS is_total,
               min(period_label) AS period_label, sum(value) AS v_sum, avg(value) AS v_mean,
               max(value) AS v_max, quantile_disc(value, 0.5) AS v_median,
               sum(value * denominator) / sum(denominator) AS v_pooled,
               count(denominator) = count(*) AS pooled
        FROM m WHERE {' AND '.join(where)}
        GROUP BY ALL
    ), t AS (
        SELECT g.*, i.type, i.cumulative, i.percentage FROM g JOIN ind i USING (programme, indicator)
        {pick_total}
    ), v AS (
        SELECT t.*, CASE WHEN type = 'milestone' THEN v_max
                         WHEN type = 'rating' THEN v_median
                         WHEN percentage AND pooled THEN v_pooled
                         WHEN percentage THEN v_mean
                         ELSE v_sum END AS period_value
        FROM t
    )
    SELECT {keys}, period_label, period_start, period_end, period_value,
           CASE WHEN type = 'milestone' THEN max(period_value) OVER run
                WHEN cumulative = 'summing' THEN sum(period_value) OVER run
                ELSE period_value END AS value,
           cumulative
    FROM v
    WINDOW run AS (PARTITION BY {keys} ORDER BY period_end, period_start ROWS UNBOUNDED PRECEDING)
    """


def _duck(measurements: pd.DataFrame, table: pd.DataFrame, path: pd.DataFrame | None = None,
          ) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("m", _measurement_frame(measurements))
    con.register("ind", table)
    if path is not None:
        con.register("path", path)
    return con


def period_values(measurements: pd.DataFrame, logframes: Catalog, *, cells: bool = False,
                  as_of: dt.date | None = None) -> pd.DataFrame:
    """Per programme×indicator (×cell when ``cells``) and period: ``period_value`` (the period's
    own value after combining cells) and ``value`` (after the cumulative rule), oldest first."""
    with _duck(measurements, indicator_table(logframes)) as con:
        sql = _period_sql(cells, as_of is not None) + f" ORDER BY {_keys(cells)}, period_end, period_start"
        return con.execute(sql, {"as_of": as_of} if as_of is not None else {}).df()


# ---------------------------------------------------------------- progress


_EXPECTED_SQL = """
    SELECT programme, indicator, CASE
        WHEN d0 IS NULL THEN NULL
        WHEN d1 IS NULL THEN v0
        ELSE v0 + (v1 - v0) * date_diff('day', d0, $as_of) / date_diff('day', d0, d1) END AS expected
    FROM (SELECT programme, indicator,
                 max(date) FILTER (WHERE date <= $as_of) AS d0, arg_max(value, date) FILTER (WHERE date <= $as_of) AS v0,
                 min(date) FILTER (WHERE date > $as_of) AS d1, arg_min(value, date) FILTER (WHERE date > $as_of) AS v1
          FROM path GROUP BY programme, indicator)
"""


def _latest(con: duckdb.DuckDBPyConnection, cells: bool, as_of: dt.date) -> pd.DataFrame:
    keys = _keys(cells)
    return con.execute(f"""
        WITH s AS ({_period_sql(cells, True)})
        SELECT {keys}, value AS actual, period_label AS last_period, period_end AS last_period_end, n_points
        FROM (SELECT s.*, count(*) OVER (PARTITION BY {keys}) AS n_points,
                     row_number() OVER (PARTITION BY {keys} ORDER BY period_end DESC, period_start DESC) AS rn
              FROM s)
        WHERE rn = 1""", {"as_of": as_of}).df()


def _assess(df: pd.DataFrame, as_of: dt.date, thresholds: Thresholds) -> pd.DataFrame:
    """Achievement, ratio to expected, status and reason for each row (vectorised)."""
    milestone = df["type"].eq("milestone").to_numpy()
    decrease = df["direction"].eq("decrease").to_numpy()
    actual, baseline, target, expected = (df[c].to_numpy(dtype=float) for c in ("actual", "baseline", "target", "expected"))
    has_data = df["n_points"].fillna(0).to_numpy() > 0
    done = milestone & (actual >= 1)
    due = milestone & (df["first_target_date"] <= pd.Timestamp(as_of)).to_numpy()
    raw = achievement(actual, baseline, target, decrease)
    expected_achievement = achievement(expected, baseline, target, decrease)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = raw / expected_achievement
    raw = np.where(milestone, np.where(done, 1.0, np.where(has_data, 0.0, np.nan)), raw)
    ratio = np.where(milestone, np.where(done, 1.0, np.where(due & has_data, 0.0, np.nan)), ratio)
    problem = np.where(milestone, np.where(np.isnan(target), "target_to_be_set", ""), target_problem(baseline, target))
    path_not_started = ~milestone & (np.isnan(expected) | (expected_achievement == 0))
    special = [done, problem != "", milestone & ~due, path_not_started, ~has_data]
    status = np.select(special, [classify(1.0, thresholds), "not_reporting", "not_due", "not_due", "no_data"],
                       default=classify(ratio, thresholds))
    reason = np.select(special + [milestone], ["done", problem, "not_yet_due", "path_not_started", "", "due_not_done"],
                       default="")
    scored = np.isin(status, SCORED)
    return df.assign(
        n_points=df["n_points"].fillna(0).astype(int), achievement_raw=raw, achievement_capped=capped(raw, thresholds),
        expected_achievement=np.where(milestone, np.nan, expected_achievement),
        vs_expected=np.where(scored, round_ratio(ratio), np.nan),
        status=status, reason=reason, icon=pd.Series(status, index=df.index).map(ICONS))


PROGRESS_COLUMNS = ["programme", "indicator", "level_kind", "level_code", "purpose", "result", "order", "type",
                    "direction", "cumulative", "percentage", "weight", "baseline", "baseline_date", "target",
                    "target_date", "expected", "actual", "last_period", "last_period_end", "n_points",
                    "achievement_raw", "achievement_capped", "expected_achievement", "vs_expected", "status",
                    "reason", "icon"]


def indicator_progress(measurements: pd.DataFrame, logframes: Catalog, as_of: dt.date,
                       thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per programme×indicator of ``logframes``, with or without data (see module doc).

    ``vs_expected`` is the rounded ratio to the expected progress (NaN unless scored);
    ``achievement_raw`` is against the last target, uncapped; ``achievement_capped`` is clipped to
    [0, cap] for aggregation; ``reason`` explains a status that is not a band."""
    table, path = indicator_table(logframes), planned_path(logframes)
    with _duck(measurements, table, path) as con:
        latest = _latest(con, False, as_of)
        expected = con.execute(_EXPECTED_SQL, {"as_of": as_of}).df()
    df = table.merge(latest, how="left", on=["programme", "indicator"]) \
              .merge(expected, how="left", on=["programme", "indicator"])
    return _assess(df, as_of, thresholds)[PROGRESS_COLUMNS]


def _declared_cells(logframes: Catalog) -> pd.DataFrame:
    """Every declared cell of every disaggregated indicator, so a silent cell shows as no data."""
    rows = []
    for code, lf in logframes.items():
        declared = lf.programme.disaggregation_values
        for _, ind in lf.indicators():
            dims = {d.value for d in ind.disaggregation}
            if not dims:
                continue
            choices = [getattr(declared, d) if d in dims else [""] for d in CELL_DIMS]
            rows += [(code, ind.code, *cell) for cell in itertools.product(*choices)]
    return pd.DataFrame(rows, columns=["programme", "indicator", *CELL_DIMS])


def disaggregated_progress(measurements: pd.DataFrame, logframes: Catalog, as_of: dt.date,
                           thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """:func:`indicator_progress` per disaggregation cell (declared cells and any observed ones).

    The logframe sets targets for totals only, so a cell's baseline, target and expected value
    are the total's share: divided by the number of cells of the dimensions it names for additive
    indicators (counts), unchanged for levels (percentages, ratings, milestones)."""
    table, path = indicator_table(logframes), planned_path(logframes)
    with _duck(measurements, table, path) as con:
        latest = _latest(con, True, as_of)
        expected = con.execute(_EXPECTED_SQL, {"as_of": as_of}).df()
    keys = ["programme", "indicator", *CELL_DIMS]
    cells = pd.concat([_declared_cells(logframes), latest[keys]]).drop_duplicates()
    df = cells.merge(table, on=["programme", "indicator"]).merge(latest, how="left", on=keys) \
              .merge(expected, how="left", on=["programme", "indicator"])
    additive = df["type"].eq("quantitative") & ~df["percentage"]
    n = np.prod([np.where(df[d].ne(""), df[f"n_{d}"], 1) for d in CELL_DIMS], axis=0)
    share = np.where(additive, 1.0 / n, 1.0)
    df = df.assign(baseline=df["baseline"] * share, target=df["target"] * share, expected=df["expected"] * share)
    out = _assess(df, as_of, thresholds)
    cols = PROGRESS_COLUMNS[:2] + list(CELL_DIMS) + PROGRESS_COLUMNS[2:]
    return out[cols].sort_values(["programme", "order", "indicator", *CELL_DIMS], ignore_index=True)


# ---------------------------------------------------------------- aggregation


def _members(logframes: Catalog) -> pd.DataFrame:
    """Level → indicators it is scored on: its own; a result also its sub-results'; the programme
    row all of them. A level without indicators keeps one row with no indicator."""
    rows = []
    for code, lf in logframes.items():
        rows += [(code, "programme", code, -1, ind.code) for _, ind in lf.indicators()] or [(code, "programme", code, -1, None)]
        subs = {r.code: [i.code for s in r.sub_results for i in s.indicators] for r in lf.results}
        for order, (kind, level, _, _) in enumerate(_chain(lf)):
            codes = [i.code for i in level.indicators] + (subs[level.code] if kind == "result" else [])
            rows += [(code, kind, level.code, order, c) for c in codes] or [(code, kind, level.code, order, None)]
    return pd.DataFrame(rows, columns=["programme", "level_kind", "level_code", "order", "indicator"])


def level_progress(progress: pd.DataFrame, logframes: Catalog,
                   thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Per programme×level (goal, purposes, results, sub-results, and the whole programme):

    ``score`` = weighted mean of ``vs_expected`` clipped to [0, cap] over the scored indicators;
    ``achievement`` the same over ``achievement_capped`` (progress to the final targets);
    ``coverage`` = weight of scored indicators / weight of indicators due for assessment (scored
    or no data), so not-due and not-reporting indicators neither hide nor fake missing data;
    ``n_<status>`` counts; ``status`` from the rounded score, else what keeps it from a score."""
    cols = ["programme", "indicator", "weight", "status", "vs_expected", "achievement_capped"]
    df = _members(logframes).merge(progress[cols], how="left", on=["programme", "indicator"])
    scored = df["status"].isin(SCORED)
    w = df["weight"].fillna(0.0)
    df = df.assign(
        w_scored=np.where(scored, w, 0.0), w_due=np.where(scored | df["status"].eq("no_data"), w, 0.0),
        w_score=np.where(scored, w * capped(df["vs_expected"], thresholds), 0.0),
        w_achievement=np.where(scored, w * df["achievement_capped"].fillna(0.0), 0.0),
        n_indicators=df["indicator"].notna(), **{f"n_{s}": df["status"].eq(s) for s in STATUSES})
    keys = ["programme", "level_kind", "level_code", "order"]
    sums = ["w_scored", "w_due", "w_score", "w_achievement", "n_indicators"] + [f"n_{s}" for s in STATUSES]
    out = df.groupby(keys, sort=False)[sums].sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["score"] = np.where(out["w_scored"] > 0, out["w_score"] / out["w_scored"], np.nan)
        out["achievement"] = np.where(out["w_scored"] > 0, out["w_achievement"] / out["w_scored"], np.nan)
        out["coverage"] = np.where(out["w_due"] > 0, out["w_scored"] / out["w_due"], np.nan)
    out["status"] = np.select([out["w_scored"] > 0, out["n_no_data"] > 0, out["n_not_due"] > 0],
                              [classify(out["score"], thresholds), "no_data", "not_due"], default="not_reporting")
    out["score"] = round_ratio(out["score"])
    out["icon"] = out["status"].map(ICONS)
    return out[keys + ["n_indicators", "score", "achievement", "coverage", "status", "icon"]
               + [f"n_{s}" for s in STATUSES]].sort_values(["programme", "order"], ignore_index=True)


# ---------------------------------------------------------------- charts


def series(measurements: pd.DataFrame, indicator: str, logframe: Logframe) -> pd.DataFrame:
    """Chart points for one indicator's total: ``kind`` = 'actual' (x = period end, value after
    the cumulative rule) and 'planned' (the path points: baseline/start/target)."""
    catalog = {logframe.programme.code: logframe}
    mine = measurements[(measurements["programme"] == logframe.programme.code) & (measurements["indicator"] == indicator)]
    actual = period_values(mine, catalog)
    path = planned_path(catalog)
    path = path[path["indicator"] == indicator]
    parts = [
        pd.DataFrame({"kind": "actual", "date": actual["period_end"], "value": actual["value"],
                      "period_label": actual["period_label"], "point": "measurement"}),
        pd.DataFrame({"kind": "planned", "date": path["date"], "value": path["value"],
                      "period_label": None, "point": path["point"]}),
    ]
    columns = list(parts[0].columns)
    return pd.concat([p for p in parts if not p.empty] or [pd.DataFrame(columns=columns)], ignore_index=True)


# ---------------------------------------------------------------- logframe quality


@dataclass(frozen=True)
class QualityWarning:
    """A weakness of the logframe itself; ``rule`` is stable (a translation key suffix)."""

    rule: str
    programme: str
    level_code: str
    indicator: str | None
    message: str


def quality_warnings(logframe: Logframe, as_of: dt.date) -> list[QualityWarning]:
    """DESIGN §4 checks no open system enforces, as warnings for the Logframe page:

    * ``result_without_indicator``: a result (with its sub-results) has no OVI at all;
    * ``target_to_be_set``: an OVI has no target yet (the seed set none), so it is never scored;
    * ``no_target_by_report``: reporting has started by ``as_of`` (FA signature + the Steering
      Committee's reporting interval) but no baseline, start or target dates the path by then, so
      the indicator stays "not due" in this report: it needs a baseline or an interim target;
    * ``no_unit``: a quantitative OVI states no unit, so its quantity is unclear;
    * ``direction_mismatch``: the last target lies on the wrong side of the baseline for the
      declared direction (distance travelled would reward moving the wrong way).
    """
    code = logframe.programme.code
    reporting = add_months(logframe.programme.implementation.fa_signature,
                           logframe.steering_committee.report_every_months)
    path = planned_path({code: logframe})
    path_start = path.groupby("indicator")["date"].min()
    warnings = [QualityWarning("result_without_indicator", code, r.code, None, f"result {r.code} has no indicator")
                for r in logframe.results if not r.indicators and not any(s.indicators for s in r.sub_results)]
    for level, ind in logframe.indicators():
        def warn(rule: str, message: str) -> None:
            warnings.append(QualityWarning(rule, code, level.code, ind.code, f"{ind.code}: {message}"))

        if not ind.targets:
            warn("target_to_be_set", "target to be set")
        elif (ind.type is not IndicatorType.milestone and as_of >= reporting
              and path_start[ind.code] > pd.Timestamp(as_of)):
            warn("no_target_by_report", f"no baseline or target dated by {as_of}; progress cannot be judged yet")
        if ind.type is IndicatorType.quantitative and ind.unit is None:
            warn("no_unit", "no unit stated")
        if ind.baseline and ind.targets:
            last = max(ind.targets, key=lambda t: t.date).value
            if last < ind.baseline.value if ind.direction.value == "increase" else last > ind.baseline.value:
                warn("direction_mismatch", f"target {last:g} is on the wrong side of baseline "
                                           f"{ind.baseline.value:g} for direction {ind.direction.value}")
    return warnings
