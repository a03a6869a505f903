"""Logframe status: the levels of the chosen programme coloured by status; select a level to see
its indicators, select an indicator to open it. Or, as the second scoring rule, seed 003's state
methodology for a calendar year. Each programme opens on its own rule (``Programme.scoring``): a state
budget programme, whose plans and facts are annual, on the state methodology."""

import datetime as dt

import streamlit as st

from kzlogframe.dashboard import headline, indicator_rows, legend_lines, level_table, programme_row, state_tables
from kzlogframe.demo import DEMO_SOURCE
from kzlogframe.formatting import number
from kzlogframe.i18n import t
from kzlogframe.logframe_quality import detail, quality_warnings
from kzlogframe.matrix import notice
from kzlogframe.models import ProgrammeKind, Scoring
from kzlogframe.state_method import RULES, default_year, state_scores
from kzlogframe.style import STATUS_COLOURS
from kzlogframe.ui import data_table, measurements, progress_frames, require

context = require("view")
logframe, lang, as_of = context.logframe, context.lang, context.as_of
indicators, levels = progress_frames(as_of, logframe.programme.code)
status_column = t("col.status", lang)
labels = {t(f"status.{s}", lang): s for s in STATUS_COLOURS}


def tint(label: str) -> str:
    status = labels.get(label.split(" ", 1)[-1], "")
    return f"background-color: {STATUS_COLOURS[status]}33" if status else ""


st.title(t("page.status", lang))
if notice(logframe, lang):
    st.info(notice(logframe, lang), icon=":material/account_balance:")
code = logframe.programme.code
if st.session_state.get("scoring_rule_programme") != code:  # a programme opens on its own rule
    st.session_state["scoring_rule"] = logframe.programme.scoring.value
    st.session_state["scoring_rule_programme"] = code
rule = st.radio(t("scoring.rule", lang), ["design", "state"], horizontal=True, key="scoring_rule",
                format_func=lambda r: t(f"scoring.{r}", lang))
if rule == "state":
    if logframe.programme.scoring is Scoring.state:
        st.caption(t("state.default", lang))
    year = st.number_input(t("state.year", lang), min_value=logframe.programme.implementation.fa_signature.year,
                           max_value=logframe.reporting_periods()[-1].end.year, value=default_year(logframe, as_of),
                           step=1, key=f"state_year_{code}", help=t("state.year_help", lang))
    st.caption(t("state.intro", lang, year=year))
    if logframe.programme.kind is ProgrammeKind.state_budget_programme:
        st.caption(t("state.mapping_budget", lang))
    measured = measurements(code)
    if (measured["source"] == DEMO_SOURCE).any():
        st.caption(t("state.demo_data", lang, source=DEMO_SOURCE))
    scores = state_scores(measured, {code: logframe}, dt.date(year, 1, 1), dt.date(year, 12, 31))
    tables = state_tables(logframe, scores, lang)
    d = scores.programmes["D"]
    if d.notna().any():
        st.subheader(t("state.d", lang, value=number(d.iloc[0], lang)))
    else:
        st.info(t("state.none", lang, year=year))
    for name in ("goals", "tasks", "indicators"):
        st.markdown(f"**{t(f'state.{name}', lang)}**")
        data_table(tables[name])
    with st.expander(t("state.rules", lang)):
        data_table([{t("col.rule", lang): t(f"state.rule.{r.key}", lang), t("col.source", lang): r.seed_lines,
                "": t("state.verbatim" if r.verbatim else "state.reconstructed", lang)} for r in RULES])
    st.stop()
st.caption(t("status_page.intro", lang))
st.markdown(f"**{headline(programme_row(levels, logframe.programme.code), lang)}**")
with st.expander(t("progress.legend", lang)):
    st.markdown("\n\n".join(legend_lines(lang)))

grid = level_table(logframe, levels, lang)
picked = data_table(grid.drop(columns=["code"]).style.map(tint, subset=[status_column]), on_select="rerun",
               selection_mode="single-row", key="status_levels")
rows = picked.selection.rows if picked else []
if rows:
    level_code = grid.iloc[rows[0]]["code"]
    st.subheader(t("status_page.drill", lang, level=grid.iloc[rows[0]][t("col.level", lang)]))
    drill = indicator_rows(logframe, indicators, lang, level_code=level_code)
    chosen = data_table(drill.drop(columns=["code"]).style.map(tint, subset=[status_column]), on_select="rerun",
                   selection_mode="single-row", key="status_indicators")
    if chosen and chosen.selection.rows:
        code = drill.iloc[chosen.selection.rows[0]]["code"]
        if st.button(t("status_page.open_indicator", lang, code=code), type="primary"):
            st.session_state["indicator_code"] = code
            st.switch_page("views/indicators.py")

warnings = quality_warnings(logframe)
with st.expander(f"{t('status_page.quality', lang)} ({len(warnings)})"):
    data_table([{t("col.code", lang): w.indicator or w.level_code, "": t(f"quality.{w.rule}", lang),
            " ": detail(w, lang)} for w in warnings])
