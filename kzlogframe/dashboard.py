"""Progress frames shaped for reading: labelled, translated, rounded. Pure functions; the pages
only lay them out."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .i18n import t
from .matrix import format_number
from .models import Logframe, add_months
from .progress import ICONS, Thresholds, legend, round_ratio
from .state_method import StateScores

def status_label(status: str, lang: str) -> str:
    """Icon and words: colour is never the only signal."""
    return f"{ICONS.get(status, '')} {t(f'status.{status}', lang)}".strip()


def percent(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{round_ratio(value) * 100:.0f} %"


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
    return lines


def _level_texts(lf: Logframe, lang: str) -> dict[str, str]:
    return {level.code: level.text.get(lang) for level in lf.levels()}


def _level_name(kind: str, code: str, lang: str) -> str:
    return t("level.goal", lang) if kind == "goal" else f"{t(f'level.{kind}', lang)} {code}"


def programme_row(levels: pd.DataFrame, programme: str) -> pd.Series:
    return levels[(levels["programme"] == programme) & (levels["level_kind"] == "programme")].iloc[0]


def level_table(lf: Logframe, levels: pd.DataFrame, lang: str, kinds: tuple[str, ...] = (
        "goal", "purpose", "result", "sub_result")) -> pd.DataFrame:
    """One row per level of the programme, top-down, with status, progress and coverage."""
    rows = levels[(levels["programme"] == lf.programme.code) & levels["level_kind"].isin(kinds)]
    texts = _level_texts(lf, lang)
    return pd.DataFrame({
        "code": rows["level_code"].to_numpy(),
        t("col.level", lang): [_level_name(k, c, lang) for k, c in zip(rows["level_kind"], rows["level_code"])],
        t("col.status", lang): [status_label(s, lang) for s in rows["status"]],
        t("col.score", lang): [percent(v) for v in rows["score"]],
        t("col.coverage", lang): [percent(v) for v in rows["coverage"]],
        t("col.text", lang): [texts.get(c, "") for c in rows["level_code"]],
    })


def number(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    return format_number(value)


def indicator_rows(lf: Logframe, progress: pd.DataFrame, lang: str, level_code: str | None = None,
                   statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Indicators of one level (a result includes its sub-results), or filtered by status."""
    rows = progress[progress["programme"] == lf.programme.code]
    if level_code is not None:
        rows = rows[(rows["level_code"] == level_code) | (rows["result"] == level_code)]
    if statuses is not None:
        rows = rows[rows["status"].isin(statuses)]
    texts = {ind.code: ind.text.get(lang) for _, ind in lf.indicators()}
    return pd.DataFrame({
        "code": rows["indicator"].to_numpy(),
        t("col.status", lang): [status_label(s, lang) for s in rows["status"]],
        t("col.score", lang): [percent(v) for v in rows["vs_expected"]],
        t("col.indicator", lang): [f"{c} {texts.get(c, '')}" for c in rows["indicator"]],
        t("col.actual", lang): [number(v) for v in rows["actual"]],
        t("col.expected", lang): [number(v) for v in rows["expected"]],
        t("col.target", lang): [number(v) for v in rows["target"]],
        t("col.period", lang): rows["last_period"].fillna("–").to_numpy(),
        t("col.reason", lang): [t(f"reason.{r}", lang) if r else "" for r in rows["reason"]],
    })


def changes(lf: Logframe, now: pd.DataFrame, before: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Results, purposes and goal whose status differs from the previous semester's."""
    kinds = ("goal", "purpose", "result")
    key = ["level_kind", "level_code"]
    a = now[(now["programme"] == lf.programme.code) & now["level_kind"].isin(kinds)].set_index(key)
    b = before[(before["programme"] == lf.programme.code) & before["level_kind"].isin(kinds)].set_index(key)
    joined = a[["status", "score"]].join(b[["status", "score"]], rsuffix="_before", how="left")
    changed = joined[joined["status"] != joined["status_before"]]
    return pd.DataFrame({
        t("col.level", lang): [_level_name(k, c, lang) for k, c in changed.index],
        t("col.from", lang): [f"{status_label(s, lang)} ({percent(v)})"
                              for s, v in zip(changed["status_before"].fillna("no_data"), changed["score_before"])],
        t("col.to", lang): [f"{status_label(s, lang)} ({percent(v)})" for s, v in zip(changed["status"],
                                                                                     changed["score"])],
    })


def previous_semester(as_of: dt.date) -> dt.date:
    return add_months(as_of, -6)


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
            "K": [number(v) for v in goals["K"]], "Y": [number(v) for v in goals["Y"]],
            "X = K × Y": [number(v) for v in goals["X"]]}),
        "tasks": pd.DataFrame({
            t("col.level", lang): [f"{r} {texts.get(r, '')}" for r in tasks["task"]],
            "y": [number(v) for v in tasks["y"]]}),
        "indicators": pd.DataFrame({
            t("col.indicator", lang): indicators["indicator"].to_numpy(),
            t("col.target", lang): [number(v) for v in indicators["plan"]],
            t("col.actual", lang): [number(v) for v in indicators["fact"]],
            t("col.score_state", lang): [number(v) for v in indicators["score"]],
            t("col.excluded", lang): [t(f"state.excluded.{r}", lang) if r else "" for r in indicators["excluded"]]}),
    }
