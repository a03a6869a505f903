"""Indicator progress: every progress rule in one module, each in one place.

Public API (``logframes`` is a catalog ``{code: Logframe}`` as returned by ``load_catalog``;
``measurements`` is a DataFrame shaped like the store's ``measurement_current`` view, of which
``programme, indicator, period_start, period_end, value`` are required and ``numerator,
denominator, sex, oblast, ministry`` optional, or a :class:`measurements.StoreSource`, which
runs the same SQL inside a read connection to the store, so no frame of the store is built)::

    Thresholds(on_track=.85, at_risk=.60, above_plan=1.15, cap=1.5, min_coverage=.5)  the configuration
    legend(thresholds) -> list[LegendRow]                  status, label key, icon, band (UI legend)
    round_ratio(x) / classify(ratio, thresholds)           rounding and banding, rounding first
    capped(x, thresholds)                                  an indicator's share of a mean: [0, cap]
    achievement(actual, baseline, target, decrease)        the progress formula
    indicator_table(logframes) -> DataFrame                one row per indicator: level chain, definition
    reporting_values(measurements, logframes, cells=, as_of=)  one value per reporting period
    target_table(logframes) -> DataFrame                   every dated target
    baselines(measurements, logframes) -> DataFrame        declared, first-measurement or zero-start baselines
    planned_path(logframes, baselines) -> DataFrame        dated points of each planned path
    indicator_progress(measurements, logframes, as_of, thresholds) -> DataFrame   one row per indicator
    disaggregated_progress(measurements, logframes, as_of, thresholds) -> DataFrame  one row per cell
    level_progress(progress, logframes, thresholds) -> DataFrame   score, coverage and counts per level
    series(measurements, indicator, logframe) / series_many(…, indicators, …)   chart points

The rules, and why:

* Every value is counted in the programme's reporting calendar (``Logframe.reporting_periods``):
  a measurement belongs to the reporting period holding its last day (:func:`periods.reporting_period_of`).
  Within a reporting period, ``none`` and ``summing`` indicators add their measurements up, every
  other kind takes the latest; across periods ``summing`` keeps a running total (``none`` does not,
  ``non_summing`` values are already cumulative). Percentages and ratings are never summed. So the
  pages, the report, the exports and IATI all show the same number for an indicator and period.
* Disaggregated cells make the total by the indicator's cell rule (``Indicator.combine_cells``):
  counts are added, percentages pooled as Σ numerator / Σ denominator when the data carry them (a
  mean otherwise), ratings take the median position, milestones are done when any cell is; with
  ``none`` cells are never combined. A reported total (a row with no disaggregation) always wins.
* Achievement is "distance travelled", ``(actual − baseline) / (target − baseline)``: the sign of the
  denominator carries the direction, so one formula serves increase and decrease. Without a baseline
  it is ``actual / target`` (increase) or ``target / actual`` (decrease). A target equal to the
  baseline, a zero target without baseline, or no target at all cannot be travelled towards: the
  indicator is *not reporting*, never red.
* The baseline is the declared one; otherwise a running total (``summing``) starts from 0 at FA
  signature, and any other quantity or rating takes its first measured reporting period as
  baseline (the seeds benchmark indicators in the inception phase), labelled ``first_measurement``
  wherever it is shown. An indicator measured only at that baseline has *no data* since; one never
  measured has *no data* once the inception phase is over (its baseline is missing), *not due* before.
* Against time: the planned path runs linearly from the baseline (at its date) through the dated
  targets and stays at the last one. ``vs_expected`` is achievement(actual) / achievement(expected at
  ``as_of``): the share of the distance expected by now that was travelled. While nothing is
  expected yet the indicator is *not due*; with no measurement up to ``as_of`` it has *no data*.
* Milestones (value 1 = done) are done once any period ending by ``as_of`` says so; done is on
  track, due and not done is off track, not yet due is not due.
* ``vs_expected`` is rounded to whole percent *before* it is classified, so the shown 85 % is
  never amber; the bands are continuous on that grid. Aggregation up the tree is a weighted mean of
  ``vs_expected`` clipped to [0, cap], led by how many indicators were assessed: ``coverage`` is the
  weighted share of the indicators due by ``as_of`` (all but *not due*) that could be assessed, and
  below ``min_coverage`` a level's status is *insufficient data*, never a colour of progress.

All work on measurement rows runs in DuckDB; Python loops only over indicator definitions.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .measurements import StoreSource
from .models import CellRule, Cumulative, Indicator, IndicatorType, Level, Logframe, add_months
from .periods import REPORTING_COLUMNS, reporting_join_sql, reporting_rows

Catalog = Mapping[str, Logframe]
Measurements = pd.DataFrame | StoreSource

SCORED = ("above_plan", "on_track", "at_risk", "off_track")
STATUSES = SCORED + ("no_data", "not_due", "not_reporting")
LEVEL_STATUSES = STATUSES + ("insufficient_data",)  # a level scored on too few of its indicators
ICONS = {"above_plan": "⬆️", "on_track": "✅", "at_risk": "⚠️", "off_track": "⛔",
         "no_data": "∅", "not_due": "⏳", "not_reporting": "—", "insufficient_data": "❔"}
CELL_DIMS = ("sex", "oblast", "ministry")


# ---------------------------------------------------------------- thresholds and legend


@dataclass(frozen=True)
class Thresholds:
    """The status bands, as shares of the expected progress, the aggregation cap and the coverage
    a level needs before it is given a status of progress.

    on track ≥ ``on_track``; at risk from ``at_risk`` up to ``on_track``; off track below
    ``at_risk``; above plan beyond ``above_plan`` (a target to revisit). Compared on values rounded
    to whole percent. ``cap`` bounds one indicator's weight in a mean (1.5). A level whose
    coverage is below ``min_coverage`` reads *insufficient data*: half of what is due must be
    assessed before a score speaks for the level (our product decision, shown in the legend).
    """

    on_track: float = 0.85
    at_risk: float = 0.60
    above_plan: float = 1.15
    cap: float = 1.5
    min_coverage: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.at_risk < self.on_track <= 1 <= self.above_plan <= self.cap:
            raise ValueError("thresholds must satisfy 0 ≤ at_risk < on_track ≤ 1 ≤ above_plan ≤ cap")
        if not 0 <= self.min_coverage <= 1:
            raise ValueError("min_coverage is a share between 0 and 1")


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
    return [LegendRow(s, f"status.{s}", ICONS[s], *bands.get(s, (None, None))) for s in LEVEL_STATUSES]


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


def cell_rule(ind: Indicator) -> str:
    """How cells make a total: the declared rule, else ``max`` for milestones (done when any cell
    is), ``median`` for ratings, ``pooled`` for percentages and ``sum`` for other quantities."""
    if ind.combine_cells is not None:
        return ind.combine_cells.value
    if ind.type is IndicatorType.milestone:
        return "max"
    if ind.type is IndicatorType.rating:
        return "median"
    return CellRule.pooled.value if is_percentage(ind) else CellRule.sum.value


TABLE_COLUMNS = ["programme", "indicator", "level_kind", "level_code", "purpose", "result", "order", "type",
                 "direction", "cumulative", "cells", "percentage", "weight", "declared_baseline",
                 "declared_baseline_date", "target", "target_date", "first_target_date", "n_targets", "dims", "n_sex",
                 "n_oblast", "n_ministry", "fa_signature", "inception_end"]


def indicator_table(logframes: Catalog) -> pd.DataFrame:
    """One row per indicator: where it sits in the tree and everything progress needs from it.

    ``target`` is the last dated target (the end of the path); ``dims`` the declared
    disaggregation, comma-separated; ``n_<dim>`` the number of declared values of each dimension it
    uses (1 otherwise), which sizes a cell's share of an additive target."""
    rows = []
    for code, lf in logframes.items():
        declared = lf.programme.disaggregation_values
        impl = lf.programme.implementation
        for order, (kind, level, purpose, result) in enumerate(_chain(lf)):
            for ind in level.indicators:
                targets = sorted(ind.targets, key=lambda t: t.date)
                dims = [d.value for d in ind.disaggregation]
                rows.append({
                    "programme": code, "indicator": ind.code, "level_kind": kind, "level_code": level.code,
                    "purpose": purpose, "result": result, "order": order, "type": ind.type.value,
                    "direction": ind.direction.value, "cumulative": cumulative_mode(ind), "cells": cell_rule(ind),
                    "percentage": is_percentage(ind), "weight": ind.weight,
                    "declared_baseline": ind.baseline.value if ind.baseline else np.nan,
                    "declared_baseline_date": ind.baseline.date if ind.baseline else None,
                    "target": targets[-1].value if targets else np.nan,
                    "target_date": targets[-1].date if targets else None,
                    "first_target_date": targets[0].date if targets else None,
                    "n_targets": len(targets), "dims": ",".join(dims),
                    **{f"n_{d}": max(1, len(getattr(declared, d))) if d in dims else 1 for d in CELL_DIMS},
                    "fa_signature": impl.fa_signature,
                    "inception_end": add_months(impl.fa_signature, impl.inception_months),
                })
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    for col in ("declared_baseline_date", "target_date", "first_target_date", "fa_signature", "inception_end"):
        table[col] = pd.to_datetime(table[col])
    return table.astype({"declared_baseline": float, "target": float, "weight": float})


def reporting_table(logframes: Catalog) -> pd.DataFrame:
    """Every programme's reporting calendar as rows (:data:`periods.REPORTING_COLUMNS`)."""
    rows = [row for code, lf in logframes.items() for row in reporting_rows(code, lf.reporting_periods())]
    table = pd.DataFrame(rows, columns=REPORTING_COLUMNS)
    return table.astype({"rp_start": "datetime64[ns]", "rp_end": "datetime64[ns]", "rp_from": "datetime64[ns]"})


def target_table(logframes: Catalog) -> pd.DataFrame:
    """Every dated target: programme, indicator, date, value."""
    rows = [(code, ind.code, t.date, t.value) for code, lf in logframes.items() for _, ind in lf.indicators()
            for t in ind.targets]
    targets = pd.DataFrame(rows, columns=["programme", "indicator", "date", "value"])
    return targets.astype({"date": "datetime64[ns]", "value": float})


# ---------------------------------------------------------------- measurements → reporting values


def _measurement_frame(measurements: pd.DataFrame) -> pd.DataFrame:
    """Add the optional columns a hand-made frame may lack (the store always has them)."""
    missing = {c: "" for c in CELL_DIMS if c not in measurements}
    missing |= {c: np.nan for c in ("numerator", "denominator") if c not in measurements}
    return measurements.assign(**missing) if missing else measurements


def _keys(cells: bool) -> str:
    return "programme, indicator" + (", sex, oblast, ministry" if cells else "")


def _grouped_table_sql(cells: bool) -> str:
    """The name of the temp table that keeps :func:`_grouped_sql`'s rows."""
    return "g_cells" if cells else "g_total"


def _sum_sql(x: str) -> str:
    """SQL: the sum of ``x`` whatever the order its rows come in (threads, or a report rebuilt from
    its rows' ids), so the same rows always give the same number: added exactly as decimals (to 10
    places) when below 1e17, compensated (``fsum``) beyond; one value is itself."""
    return (f"CASE WHEN count({x}) = 1 THEN any_value({x}) WHEN max(abs({x})) < 1e17 "
            f"THEN CAST(sum(TRY_CAST({x} AS DECIMAL(38, 10))) AS DOUBLE) ELSE fsum({x}) END")


def _grouped_sql(cells: bool) -> str:
    """SQL: each measured period's candidate values (sum, mean, max, median, pooled) per indicator,
    with its rules, and per cell when ``cells``; :func:`_duck` keeps it as ``g_total`` / ``g_cells``,
    read once from ``m`` whatever the functions ask next. A period's rows share its last day, so
    keeping the periods ending by a date afterwards is the same as keeping their rows before."""
    cell_cols = "coalesce(sex, '') AS sex, coalesce(oblast, '') AS oblast, coalesce(ministry, '') AS ministry, " \
        if cells else ""
    total = "(coalesce(sex, '') = '' AND coalesce(oblast, '') = '' AND coalesce(ministry, '') = '')"
    where = ["value IS NOT NULL"] + ([f"NOT {total}"] if cells else [])
    return f"""
        SELECT programme, indicator, {cell_cols}CAST(period_start AS DATE) AS period_start,
               CAST(period_end AS DATE) AS period_end, {total} AS is_total, i.type, i.cumulative, i.cells,
               {_sum_sql('value')} AS v_sum, {_sum_sql('value')} / count(value) AS v_mean, max(value) AS v_max,
               quantile_disc(value, 0.5) FILTER (WHERE i.cells = 'median') AS v_median,
               {_sum_sql('value * denominator')} / {_sum_sql('denominator')} AS v_pooled,
               count(denominator) = count(*) AS pooled
        FROM m JOIN ind i USING (programme, indicator)
        WHERE {' AND '.join(where)}
        GROUP BY ALL"""


def _values_sql(cells: bool, until: bool) -> str:
    """SQL: one row per reporting period (and cell when ``cells``) with ``reported`` (the period's
    own value) and ``value`` (after the cumulative rule). Reads the grouped periods
    (:func:`_grouped_sql`) and ``rp`` (:func:`reporting_table`); ``$as_of`` when ``until``."""
    keys = _keys(cells)
    # A total of the whole indicator: a reported total wins; cells of a 'none' indicator never add up.
    where = (["period_end <= $as_of"] if until else []) + ([] if cells else ["(is_total OR cells <> 'none')"])
    pick_total = "" if cells else \
        "QUALIFY is_total = max(is_total) OVER (PARTITION BY programme, indicator, period_start, period_end)"
    return f"""
    WITH t AS (
        SELECT * FROM {_grouped_table_sql(cells)} {'WHERE ' + ' AND '.join(where) if where else ''}
        {pick_total}
    ), v AS (
        SELECT t.*, CASE cells WHEN 'max' THEN v_max WHEN 'median' THEN v_median WHEN 'mean' THEN v_mean
                               WHEN 'pooled' THEN CASE WHEN pooled THEN v_pooled ELSE v_mean END
                               ELSE v_sum END AS period_value
        FROM t
    ), r AS (
        SELECT v.*, rp.reporting_period, rp.rp_index, rp.rp_start, rp.rp_end
        FROM {reporting_join_sql('v', 'rp')}
    ), w AS (
        SELECT {keys}, reporting_period, rp_index, rp_start, rp_end, any_value(type) AS type,
               any_value(cumulative) AS cumulative, count(*) AS measurements,
               CASE WHEN any_value(type) = 'milestone' THEN max(period_value)
                    WHEN any_value(cumulative) IN ('none', 'summing') THEN {_sum_sql('period_value')}
                    ELSE arg_max(period_value, epoch(period_end) * 1e6 + epoch(period_start)) END AS reported
        FROM r GROUP BY {keys}, reporting_period, rp_index, rp_start, rp_end
    )
    SELECT {keys}, reporting_period, rp_index, rp_start, rp_end, measurements, reported,
           CASE WHEN type = 'milestone' THEN max(reported) OVER run
                WHEN cumulative = 'summing' THEN sum(reported) OVER run
                ELSE reported END AS value,
           cumulative
    FROM w
    WINDOW run AS (PARTITION BY {keys} ORDER BY rp_index ROWS UNBOUNDED PRECEDING)
    """


@contextmanager
def _duck(measurements: Measurements, logframes: Catalog, table: pd.DataFrame,
          cells: tuple[bool, ...] = (False,)) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection in which the SQL above finds ``m`` (the measurements), ``ind`` (``table``) and
    ``rp`` (the calendars): in memory over a frame, or a read connection to the store
    (:meth:`StoreSource.relation`), so the rows never leave DuckDB. One implementation of every
    rule serves both."""
    if isinstance(measurements, pd.DataFrame):
        opened: AbstractContextManager[duckdb.DuckDBPyConnection] = duckdb.connect()
        opened.register("m", _measurement_frame(measurements))
    else:
        opened = measurements.relation()
    with opened as con:
        con.register("ind", table)
        con.register("rp", reporting_table(logframes))
        for by_cell in cells:
            con.execute(f"CREATE TEMP TABLE {_grouped_table_sql(by_cell)} AS {_grouped_sql(by_cell)}")
        yield con


def reporting_values(measurements: Measurements, logframes: Catalog, *, cells: bool = False,
                     as_of: dt.date | None = None) -> pd.DataFrame:
    """Per programme×indicator (×cell when ``cells``) and reporting period, oldest first:
    ``reported`` (the period's own value) and ``value`` (after the cumulative rule: what every
    output shows as the indicator's value for that period), from measurements ending by ``as_of``."""
    keys = _keys(cells)
    with _duck(measurements, logframes, indicator_table(logframes), cells=(cells,)) as con:
        return con.execute(f"{_values_sql(cells, as_of is not None)} ORDER BY {keys}, rp_index",
                           {"as_of": as_of} if as_of is not None else {}).df()


# ---------------------------------------------------------------- baselines and the planned path

BASELINE_COLUMNS = ["programme", "indicator", "baseline", "baseline_date", "baseline_source", "baseline_period"]

_BASELINES_SQL = f"""
    WITH first AS (
        SELECT programme, indicator, arg_min(value, rp_index) AS value, min(rp_end) AS day,
               arg_min(reporting_period, rp_index) AS period
        FROM ({_values_sql(False, False)}) GROUP BY programme, indicator
    ), i AS (
        SELECT *, coalesce(NOT isnan(declared_baseline), false) AS declared FROM ind
    )
    SELECT i.programme, i.indicator,
           CASE WHEN i.type = 'milestone' THEN NULL WHEN declared THEN declared_baseline
                WHEN cumulative = 'summing' THEN 0.0 ELSE f.value END AS baseline,
           CASE WHEN i.type = 'milestone' THEN NULL WHEN declared THEN declared_baseline_date
                WHEN cumulative = 'summing' THEN fa_signature ELSE f.day END AS baseline_date,
           CASE WHEN i.type = 'milestone' THEN NULL WHEN declared THEN 'declared'
                WHEN cumulative = 'summing' THEN 'zero_start'
                WHEN f.value IS NOT NULL THEN 'first_measurement' END AS baseline_source,
           CASE WHEN i.type <> 'milestone' AND NOT declared AND cumulative <> 'summing' THEN f.period END
               AS baseline_period
    FROM i LEFT JOIN first f USING (programme, indicator)
    ORDER BY i.programme, i.indicator
"""


def _baselines(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(_BASELINES_SQL).df().reindex(columns=BASELINE_COLUMNS)
    return frame.astype({"baseline": float, "baseline_date": "datetime64[ns]"})


def baselines(measurements: Measurements, logframes: Catalog) -> pd.DataFrame:
    """Each indicator's baseline (columns :data:`BASELINE_COLUMNS`): ``declared`` in the logframe;
    ``zero_start`` for a running total without one (0 at FA signature); ``first_measurement`` (the
    value of the first reporting period measured, dated at its end) for any other quantity or
    rating; none for milestones and for what has never been measured."""
    with _duck(measurements, logframes, indicator_table(logframes)) as con:
        return _baselines(con)


def planned_path(logframes: Catalog, baseline: pd.DataFrame) -> pd.DataFrame:
    """Dated points of every planned path: its baseline (``point`` = the baseline's source), then
    each target after it (``target``). Milestones have only their targets (the due dates)."""
    targets = target_table(logframes).assign(point="target")
    start = baseline.dropna(subset=["baseline"]).rename(columns={"baseline_date": "date", "baseline": "value",
                                                                  "baseline_source": "point"})
    start = start[start["indicator"].isin(targets["indicator"])][["programme", "indicator", "date", "value", "point"]]
    targets = targets.merge(start[["programme", "indicator", "date"]].rename(columns={"date": "from"}), how="left",
                            on=["programme", "indicator"])
    targets = targets[targets["from"].isna() | (targets["date"] > targets["from"])].drop(columns="from")
    path = pd.concat([start, targets], ignore_index=True) if len(start) else targets
    return path.sort_values(["programme", "indicator", "date"], ignore_index=True).astype({"value": float})


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
    """The latest reporting value by ``as_of`` per indicator (×cell), with the number of reporting
    periods measured (``n_points``)."""
    keys = _keys(cells)
    return con.execute(f"""
        WITH s AS ({_values_sql(cells, True)})
        SELECT {keys}, value AS actual, reporting_period AS last_period, rp_end AS last_period_end, n_points
        FROM (SELECT s.*, count(*) OVER (PARTITION BY {keys}) AS n_points,
                     row_number() OVER (PARTITION BY {keys} ORDER BY rp_index DESC) AS rn
              FROM s)
        WHERE rn = 1""", {"as_of": as_of}).df()


def _assess(df: pd.DataFrame, as_of: dt.date, thresholds: Thresholds) -> pd.DataFrame:
    """Achievement, ratio to expected, status and reason for each row (vectorised)."""
    milestone = df["type"].eq("milestone").to_numpy()
    decrease = df["direction"].eq("decrease").to_numpy()
    actual, baseline, target, expected = (df[c].to_numpy(dtype=float) for c in ("actual", "baseline", "target", "expected"))
    has_data = df["n_points"].fillna(0).to_numpy() > 0
    derived = df["baseline_source"].eq("first_measurement").to_numpy()
    only_baseline = derived & (pd.to_datetime(df["last_period_end"]) <= df["baseline_date"]).to_numpy()
    no_baseline = ~milestone & np.isnan(baseline)
    inception_over = (df["inception_end"] < pd.Timestamp(as_of)).to_numpy()
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
    special = [done, problem != "", milestone & ~due, no_baseline & inception_over, path_not_started, ~has_data,
               only_baseline]
    status = np.select(special, [classify(1.0, thresholds), "not_reporting", "not_due", "no_data", "not_due",
                                 "no_data", "no_data"], default=classify(ratio, thresholds))
    reason = np.select(special + [milestone], ["done", problem, "not_yet_due", "no_baseline", "path_not_started",
                                               "", "only_baseline", "due_not_done"], default="")
    scored = np.isin(status, SCORED)
    return df.assign(
        n_points=df["n_points"].fillna(0).astype(int), achievement_raw=raw, achievement_capped=capped(raw, thresholds),
        expected_achievement=np.where(milestone, np.nan, expected_achievement),
        vs_expected=np.where(scored, round_ratio(ratio), np.nan),
        status=status, reason=reason, icon=pd.Series(status, index=df.index).map(ICONS))


PROGRESS_COLUMNS = ["programme", "indicator", "level_kind", "level_code", "purpose", "result", "order", "type",
                    "direction", "cumulative", "cells", "percentage", "weight", "baseline", "baseline_date",
                    "baseline_source", "baseline_period", "target", "target_date", "expected", "actual",
                    "last_period", "last_period_end", "n_points", "achievement_raw", "achievement_capped",
                    "expected_achievement", "vs_expected", "status", "reason", "icon"]


def _frames(con: duckdb.DuckDBPyConnection, logframes: Catalog, table: pd.DataFrame,
            as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator table with baselines, expected value at ``as_of``) inside an open connection."""
    base = _baselines(con)
    con.register("path", planned_path(logframes, base))
    expected = con.execute(_EXPECTED_SQL, {"as_of": as_of}).df()
    return table.merge(base, how="left", on=["programme", "indicator"]), expected


def indicator_progress(measurements: Measurements, logframes: Catalog, as_of: dt.date,
                       thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per programme×indicator of ``logframes``, with or without data (see module doc).

    ``actual`` is the reporting value of ``last_period`` (the latest reporting period measured by
    ``as_of``); ``vs_expected`` the rounded ratio to the expected progress (NaN unless scored);
    ``achievement_raw`` is against the last target, uncapped; ``achievement_capped`` is clipped to
    [0, cap] for aggregation; ``reason`` explains a status that is not a band."""
    table = indicator_table(logframes)
    with _duck(measurements, logframes, table) as con:
        table, expected = _frames(con, logframes, table, as_of)
        latest = _latest(con, False, as_of)
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
            choices = [declared.codes(d) if d in dims else [""] for d in CELL_DIMS]
            rows += [(code, ind.code, *cell) for cell in itertools.product(*choices)]
    return pd.DataFrame(rows, columns=["programme", "indicator", *CELL_DIMS])


def disaggregated_progress(measurements: Measurements, logframes: Catalog, as_of: dt.date,
                           thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """:func:`indicator_progress` per disaggregation cell (declared cells and any observed ones).

    The logframe sets targets for totals only, so a cell's baseline, target and expected value
    are the total's share: divided by the number of cells of the dimensions it names for additive
    indicators (counts), unchanged for levels (percentages, ratings, milestones)."""
    table = indicator_table(logframes)
    with _duck(measurements, logframes, table, cells=(False, True)) as con:
        table, expected = _frames(con, logframes, table, as_of)
        latest = _latest(con, True, as_of)
    keys = ["programme", "indicator", *CELL_DIMS]
    cells = pd.concat([_declared_cells(logframes), latest[keys]]).drop_duplicates()
    df = cells.merge(table, on=["programme", "indicator"]).merge(latest, how="left", on=keys) \
              .merge(expected, how="left", on=["programme", "indicator"])
    additive = df["type"].eq("quantitative") & df["cells"].eq("sum")
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

    ``n_assessed`` of ``n_indicators`` were scored, ``n_<status>`` say what the others are;
    ``score`` = weighted mean of ``vs_expected`` clipped to [0, cap] over the scored indicators;
    ``achievement`` the same over ``achievement_capped`` (progress to the final targets);
    ``coverage`` = weight scored / weight due (every indicator but the not yet due ones), so missing
    data and missing targets count against it; ``status`` from the rounded score when coverage
    reaches ``min_coverage``, *insufficient data* below it, else what keeps the level from a score."""
    cols = ["programme", "indicator", "weight", "status", "vs_expected", "achievement_capped"]
    df = _members(logframes).merge(progress[cols], how="left", on=["programme", "indicator"])
    scored = df["status"].isin(SCORED)
    w = df["weight"].fillna(0.0)
    df = df.assign(
        w_scored=np.where(scored, w, 0.0), w_due=np.where(df["status"].notna() & df["status"].ne("not_due"), w, 0.0),
        w_score=np.where(scored, w * capped(df["vs_expected"], thresholds), 0.0),
        w_achievement=np.where(scored, w * df["achievement_capped"].fillna(0.0), 0.0),
        n_indicators=df["indicator"].notna(), n_assessed=scored, **{f"n_{s}": df["status"].eq(s) for s in STATUSES})
    keys = ["programme", "level_kind", "level_code", "order"]
    sums = ["w_scored", "w_due", "w_score", "w_achievement", "n_indicators", "n_assessed"] + [f"n_{s}" for s in STATUSES]
    out = df.groupby(keys, sort=False)[sums].sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["score"] = np.where(out["w_scored"] > 0, out["w_score"] / out["w_scored"], np.nan)
        out["achievement"] = np.where(out["w_scored"] > 0, out["w_achievement"] / out["w_scored"], np.nan)
        out["coverage"] = np.where(out["w_due"] > 0, out["w_scored"] / out["w_due"], np.nan)
    enough = np.round(out["coverage"].to_numpy(dtype=float), 6) >= thresholds.min_coverage
    out["status"] = np.select(
        [(out["w_scored"] > 0) & enough, out["w_scored"] > 0, out["n_no_data"] > 0, out["n_not_due"] > 0],
        [classify(out["score"], thresholds), "insufficient_data", "no_data", "not_due"], default="not_reporting")
    out["score"] = round_ratio(out["score"])
    out["icon"] = out["status"].map(ICONS)
    return out[keys + ["n_indicators", "n_assessed", "score", "achievement", "coverage", "status", "icon"]
               + [f"n_{s}" for s in STATUSES]].sort_values(["programme", "order"], ignore_index=True)


# ---------------------------------------------------------------- charts


def _only(measurements: Measurements, programme: str, indicators: tuple[str, ...]) -> Measurements:
    if isinstance(measurements, pd.DataFrame):
        return measurements[(measurements["programme"] == programme) & measurements["indicator"].isin(indicators)]
    return measurements.narrowed(programme, indicators)


def series_many(measurements: Measurements, indicators: Sequence[str], logframe: Logframe) -> dict[str, pd.DataFrame]:
    """:func:`series` of several indicators of one programme, read together (a report's or a zip's
    charts in one pass instead of one per chart)."""
    code = logframe.programme.code
    catalog = {code: logframe}
    with _duck(_only(measurements, code, tuple(indicators)), catalog, indicator_table(catalog)) as con:
        actual = con.execute(f"{_values_sql(False, False)} ORDER BY indicator, rp_index").df()
        path = planned_path(catalog, _baselines(con))
    return {c: _points(actual[actual["indicator"] == c], path[path["indicator"] == c]) for c in indicators}


def series(measurements: Measurements, indicator: str, logframe: Logframe) -> pd.DataFrame:
    """Chart points for one indicator's total: ``kind`` = 'actual' (x = end of the reporting
    period, the reporting value) and 'planned' (the path points: baseline, zero start, first
    measurement used as baseline, targets)."""
    return series_many(measurements, [indicator], logframe)[indicator]


def _points(actual: pd.DataFrame, path: pd.DataFrame) -> pd.DataFrame:
    parts = [
        pd.DataFrame({"kind": "actual", "date": actual["rp_end"], "value": actual["value"],
                      "period_label": actual["reporting_period"], "point": "measurement"}),
        pd.DataFrame({"kind": "planned", "date": path["date"], "value": path["value"],
                      "period_label": None, "point": path["point"].replace({"declared": "baseline",
                                                                            "zero_start": "start"})}),
    ]
    columns = list(parts[0].columns)
    return pd.concat([p for p in parts if not p.empty] or [pd.DataFrame(columns=columns)], ignore_index=True)
