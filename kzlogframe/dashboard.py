"""Progress frames shaped for the pages: labelled, translated, formatted. Pure functions; the pages
only lay them out."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pandas.io.formats.style import Styler

from .formatting import assessed_summary, level_label, measured_value, number, percent, status_label
from .i18n import t
from .models import Logframe
from .progress import LEVEL_STATUSES, Thresholds, legend
from .state_method import StateScores
from .style import STATUS_TINTS
from .trend import MARKS, TrendBands


def legend_lines(lang: str, thresholds: Thresholds = Thresholds()) -> list[str]:
    lines = [t("progress.legend_text", lang)]
    for row in legend(thresholds):
        if row.lower is None and row.upper is None:
            continue
        if row.upper is None:
            band = t("progress.band_from", lang, lower=f"{row.lower * 100:.0f}")
        elif row.lower is None:
            band = t("progress.band_below", lang, upper=f"{row.upper * 100:.0f}")
        else:
            band = t("progress.band_between", lang, lower=f"{row.lower * 100:.0f}", upper=f"{row.upper * 100:.0f}")
        lines.append(t("progress.legend_band", lang, icon=row.icon, label=t(row.label_key, lang), band=band))
    lines.append(t("progress.legend_rule_no_data", lang))
    lines.append(t("progress.legend_aggregation", lang, cap=f"{thresholds.cap * 100:.0f} %"))
    lines.append(coverage_text(lang, thresholds))
    lines.append(trend_text(lang))
    return lines


def trend_text(lang: str, bands: TrendBands = TrendBands()) -> str:
    """The trend rule (:mod:`trend`) in words, with its marks."""
    return t("trend.legend", lang, up=MARKS["up"], rising=MARKS["rising"], flat=MARKS["flat"],
             falling=MARKS["falling"], down=MARKS["down"], step=f"{bands.step * 100:.0f}",
             jump=f"{bands.jump * 100:.0f}", periods=bands.periods)


def trend_columns(codes: list[str], trends: pd.DataFrame | None, key: str, lang: str) -> dict[str, list]:
    """The trend mark (– without one) and the progress-vs-plan values behind it, in percent, of
    each code, from :func:`trend.history` keyed by ``key``; nothing when ``trends`` is None."""
    if trends is None:
        return {}
    by = dict(zip(trends[key], zip(trends["trend"], trends["values"])))
    marks = [MARKS[by[c][0]] if c in by and by[c][0] else "–" for c in codes]
    lines = [[round(v * 100) for v in by[c][1] if v == v] if c in by else [] for c in codes]
    return {t("col.trend", lang): marks, t("col.trend_line", lang): lines}


def coverage_text(lang: str, thresholds: Thresholds = Thresholds(), coverage: float | None = None) -> str:
    """What coverage means, in words, beside its number: "Coverage 42 %: the share of …"."""
    shown = f" {percent(coverage, lang)}" if coverage is not None else ""
    return f"{t('progress.coverage', lang)}{shown}: " + t("headline.coverage", lang,
                                                          minimum=percent(thresholds.min_coverage, lang))


def programme_row(levels: pd.DataFrame, programme: str) -> pd.Series:
    return levels[(levels["programme"] == programme) & (levels["level_kind"] == "programme")].iloc[0]


def headline(row: pd.Series, lang: str) -> str:
    """"18 of 50 indicators assessed; of the others: …" for one row of ``level_progress``."""
    return assessed_summary({k: int(v) for k, v in row.items() if str(k).startswith("n_")}, lang)


def portfolio_table(labels: Mapping[str, str], levels: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The Overview's one table across the portfolio: a row per programme of ``labels`` (code →
    name, in that order) leading with "n of m indicators assessed", then status, coverage, progress
    vs plan and its results counted by status. One widget, so fifty programmes stay light."""
    overall = levels[levels["level_kind"] == "programme"].set_index("programme").loc[list(labels)]
    results = levels[levels["level_kind"] == "result"].groupby("programme")["status"].value_counts()

    def by_status(code: str) -> str:
        counts = results.get(code, pd.Series(dtype=int))
        return " · ".join(f"{status_label(s, lang)}: {counts[s]}" for s in LEVEL_STATUSES if s in counts)

    return pd.DataFrame({
        "code": list(labels),
        t("col.programme", lang): list(labels.values()),
        t("col.assessed", lang): [t("headline.assessed", lang, n=int(a), m=int(n))
                                  for a, n in zip(overall["n_assessed"], overall["n_indicators"])],
        t("col.status", lang): [status_label(s, lang) for s in overall["status"]],
        t("col.coverage", lang): [percent(v, lang) for v in overall["coverage"]],
        t("col.score", lang): [percent(v, lang) for v in overall["score"]],
        t("col.results_by_status", lang): [by_status(c) for c in labels],
    })


def tinted(table: pd.DataFrame, lang: str) -> Styler:
    """``table`` without its code column, the status column tinted by status (beside its icon and words)."""
    tints = {status_label(s, lang): STATUS_TINTS[s] for s in LEVEL_STATUSES}
    return table.drop(columns=["code"]).style.map(lambda label: f"background-color: {tints[label]}" if label in tints
                                                  else "", subset=[t("col.status", lang)])


def level_table(lf: Logframe, levels: pd.DataFrame, lang: str, kinds: tuple[str, ...] = (
        "goal", "purpose", "result", "sub_result"), trends: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per level of the programme, top-down, with status (and its trend, given
    :func:`trend.history` of the levels), progress, how many of its indicators were assessed and
    coverage."""
    rows = levels[(levels["programme"] == lf.programme.code) & levels["level_kind"].isin(kinds)]
    texts = {level.code: level.text.get(lang) for level in lf.levels()}
    codes = list(rows["level_code"])
    return pd.DataFrame({
        "code": codes,
        t("col.level", lang): [level_label(k, c, lang) for k, c in zip(rows["level_kind"], rows["level_code"])],
        t("col.status", lang): [status_label(s, lang) for s in rows["status"]],
        **trend_columns(codes, trends, "level_code", lang),
        t("col.score", lang): [percent(v, lang) for v in rows["score"]],
        t("col.assessed", lang): [f"{a} / {n}" for a, n in zip(rows["n_assessed"], rows["n_indicators"])],
        t("col.coverage", lang): [percent(v, lang) for v in rows["coverage"]],
        t("col.text", lang): [texts.get(c, "") for c in rows["level_code"]],
    })


def indicator_rows(lf: Logframe, progress: pd.DataFrame, lang: str, level_code: str | None = None,
                   statuses: tuple[str, ...] | None = None, trends: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicators of one level (a result includes its sub-results), or filtered by status; with
    their trend given :func:`trend.history` of the indicators."""
    rows = progress[progress["programme"] == lf.programme.code]
    if level_code is not None:
        rows = rows[(rows["level_code"] == level_code) | (rows["result"] == level_code)]
    if statuses is not None:
        rows = rows[rows["status"].isin(statuses)]
    indicators = {ind.code: ind for _, ind in lf.indicators()}

    def value(code: str, v: float) -> str:
        ind = indicators[code]
        return measured_value(v, ind.type.value, lang, ind.unit.get(lang) if ind.unit else None)

    codes = list(rows["indicator"])
    return pd.DataFrame({
        "code": codes,
        t("col.status", lang): [status_label(s, lang) for s in rows["status"]],
        **trend_columns(codes, trends, "indicator", lang),
        t("col.score", lang): [percent(v, lang) for v in rows["vs_expected"]],
        t("col.indicator", lang): [f"{c} {indicators[c].text.get(lang)}" for c in rows["indicator"]],
        t("col.actual", lang): [value(c, v) for c, v in zip(rows["indicator"], rows["actual"])],
        t("col.expected", lang): [value(c, v) for c, v in zip(rows["indicator"], rows["expected"])],
        t("col.target", lang): [value(c, v) for c, v in zip(rows["indicator"], rows["target"])],
        t("col.period", lang): rows["last_period"].fillna("–").to_numpy(),
        t("col.reason", lang): [t(f"reason.{r}", lang) if r else "" for r in rows["reason"]],
    })


def changes(lf: Logframe, now: pd.DataFrame, before: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Results, purposes and goal whose status differs from the previous reporting period's."""
    kinds = ("goal", "purpose", "result")
    key = ["level_kind", "level_code"]
    a = now[(now["programme"] == lf.programme.code) & now["level_kind"].isin(kinds)].set_index(key)
    b = before[(before["programme"] == lf.programme.code) & before["level_kind"].isin(kinds)].set_index(key)
    joined = a[["status", "score"]].join(b[["status", "score"]], rsuffix="_before", how="left")
    changed = joined[joined["status"] != joined["status_before"]]
    return pd.DataFrame({
        t("col.level", lang): [level_label(k, c, lang) for k, c in changed.index],
        t("col.from", lang): [f"{status_label(s, lang)} ({percent(v, lang)})"
                              for s, v in zip(changed["status_before"].fillna("no_data"), changed["score_before"])],
        t("col.to", lang): [f"{status_label(s, lang)} ({percent(v, lang)})" for s, v in zip(changed["status"],
                                                                                           changed["score"])],
    })


def state_tables(lf: Logframe, scores: StateScores, lang: str) -> dict[str, pd.DataFrame]:
    """Seed 003's scores for one programme, labelled: goals (K, Y, X), tasks (y), indicators (h/p)."""
    code = lf.programme.code
    texts = {level.code: level.text.get(lang) for level in lf.levels()}
    goals = scores.goals[scores.goals["programme"] == code]
    tasks = scores.tasks[scores.tasks["programme"] == code]
    indicators = scores.indicators[scores.indicators["programme"] == code]
    return {
        "goals": pd.DataFrame({
            t("col.level", lang): [f"{g} {texts.get(g, '')}" for g in goals["goal"]],
            "K": [number(v, lang) for v in goals["K"]], "Y": [number(v, lang) for v in goals["Y"]],
            "X = K × Y": [number(v, lang) for v in goals["X"]]}),
        "tasks": pd.DataFrame({
            t("col.level", lang): [f"{r} {texts.get(r, '')}" for r in tasks["task"]],
            "y": [number(v, lang) for v in tasks["y"]]}),
        "indicators": pd.DataFrame({
            t("col.indicator", lang): indicators["indicator"].to_numpy(),
            t("col.target", lang): [number(v, lang) for v in indicators["plan"]],
            t("col.actual", lang): [number(v, lang) for v in indicators["fact"]],
            t("col.score_state", lang): [number(v, lang) for v in indicators["score"]],
            t("col.excluded", lang): [t(f"state.excluded.{r}", lang) if r else "" for r in indicators["excluded"]]}),
    }
