"""Overview for the Steering Committee at the chosen reporting period: every programme in one table —
how many indicators could be assessed, status, coverage, results by status — then, for the programme
chosen in the sidebar, where each result stands, what changed since the previous period and which
indicators need attention. One table for the portfolio keeps the page light at fifty programmes."""

import streamlit as st

from kzlogframe.dashboard import (
    changes, coverage_text, headline, indicator_rows, legend_lines, level_table, portfolio_table, programme_row,
    tinted)
from kzlogframe.finance import execution
from kzlogframe.finance_ingest import current_entries
from kzlogframe.formatting import percent, status_label
from kzlogframe.i18n import t
from kzlogframe.ui import catalog, programme_label, progress_frames, require

context = require("view")
lang, period, previous, lf = context.lang, context.period, context.previous, context.logframe
code = lf.programme.code

st.title(t("page.overview", lang))
st.caption(t("overview.period", lang, period=str(period)))
indicators, levels = progress_frames(context.as_of)  # every programme, computed in the store

with st.expander(t("progress.legend", lang)):
    st.markdown("\n\n".join(legend_lines(lang)))

st.subheader(t("overview.portfolio", lang))
st.caption(t("overview.portfolio_intro", lang))
labels = {c: programme_label(programme, lang) for c, programme in catalog().items()}
st.dataframe(tinted(portfolio_table(labels, levels, lang), lang), hide_index=True, width="stretch", key="portfolio")
st.caption(coverage_text(lang))

st.subheader(labels[code])
if indicators.loc[indicators["programme"] == code, "n_points"].sum() == 0:
    st.info(t("overview.empty", lang))
    st.stop()
overall = programme_row(levels, code)
st.markdown(f"#### {t('overview.programme_status', lang)}: {status_label(overall['status'], lang)}")
st.markdown(f"**{headline(overall, lang)}**")
a, b = st.columns(2)
a.metric(t("progress.score", lang), percent(overall["score"], lang))
b.metric(t("progress.coverage", lang), percent(overall["coverage"], lang), help=t("progress.coverage_help", lang))
st.caption(coverage_text(lang, coverage=overall["coverage"]))
money = execution(lf, current_entries(code), context.as_of)
if money.recorded:
    st.markdown(t("finance.overview", lang, contracted=percent(money.total.share_contracted, lang),
                  disbursed=percent(money.total.share_disbursed, lang), elapsed=percent(money.time_elapsed, lang)))

st.markdown(f"**{t('overview.results', lang)}**")
grid = level_table(lf, levels, lang, kinds=("goal", "purpose", "result"))
st.dataframe(tinted(grid, lang), hide_index=True, width="stretch", key="results")

if previous is not None:
    st.markdown(f"**{t('overview.changed', lang, period=str(previous))}**")
    changed = changes(lf, levels, progress_frames(previous.end, code)[1], lang)
    if changed.empty:
        st.caption(t("overview.no_change", lang, period=previous.label))
    else:
        st.dataframe(changed, hide_index=True, width="stretch", key="changed")

st.markdown(f"**{t('overview.attention', lang)}**")
attention = indicator_rows(lf, indicators, lang, statuses=("off_track", "at_risk", "no_data"))
if attention.empty:
    st.caption(t("overview.nothing_attention", lang))
else:
    st.dataframe(tinted(attention, lang), hide_index=True, width="stretch", key="attention")
