"""Overview for the Steering Committee at the chosen reporting period: every programme in one table —
how many indicators could be assessed, status, coverage, results by status — then, for the programme
chosen in the sidebar, where each result stands and where it is heading, what changed since the
previous period and which indicators need attention. One click on a result shows its indicators, one
click on an indicator opens its page. One table for the portfolio keeps the page light at fifty
programmes."""

import streamlit as st

from kzlogframe.dashboard import (
    changes, coverage_text, headline, indicator_rows, legend_lines, level_table, portfolio_table, programme_row,
    tinted)
from kzlogframe.finance import execution
from kzlogframe.finance_ingest import current_entries
from kzlogframe.formatting import percent, status_label, waiting_text
from kzlogframe.i18n import t
from kzlogframe.style import ACTUAL_COLOUR
from kzlogframe.ui import (
    ONE_CLICK, catalog, data_table, picked_row, programme_label, progress_frames, progress_history, require,
    waiting_for_review)

context = require("view")
lang, period, previous, lf = context.lang, context.period, context.previous, context.logframe
code = lf.programme.code

st.title(t("page.overview", lang))
st.caption(t("overview.period", lang, period=str(period)))
# approved values only count: say how much is not in yet (of the programmes the reader may view)
if (waiting := waiting_for_review(within=context.programmes or None)).batches:
    st.info(waiting_text(waiting.batches, waiting.values, lang))
indicators, levels = progress_frames(context.as_of, programmes=context.programmes)  # every programme the reader
# may view, computed in the store

with st.expander(t("progress.legend", lang)):
    st.markdown("\n\n".join(legend_lines(lang)))

st.subheader(t("overview.portfolio", lang))
st.caption(t("overview.portfolio_intro", lang))
labels = {c: programme_label(programme, lang) for c, programme in catalog().items() if c in context.programmes}
# Narrow number columns (their full header in the tooltip) leave the statements room to wrap on screen.
columns = {t("col.level", lang): st.column_config.TextColumn(width=130),
           t("col.trend", lang): st.column_config.TextColumn(width=55, help=t("trend.help", lang)),
           t("col.trend_line", lang): st.column_config.LineChartColumn(width=90, y_min=0, y_max=150,
                                                                       color=ACTUAL_COLOUR),
           t("col.status", lang): st.column_config.TextColumn(width=150),
           **{t(key, lang): st.column_config.TextColumn(width=width, help=t(key, lang))
              for key, width in (("col.score", 95), ("col.coverage", 75), ("col.assessed", 70))},
           t("col.text", lang): st.column_config.TextColumn(width=265),
           t("col.indicator", lang): st.column_config.TextColumn(width=360),
           t("col.programme", lang): st.column_config.TextColumn(width=230),
           t("col.results_by_status", lang): st.column_config.TextColumn(width=300)}
data_table(tinted(portfolio_table(labels, levels, lang), lang), key="portfolio", row_height=80,
           column_config={**columns, t("col.assessed", lang): st.column_config.TextColumn(width=115)})
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

indicator_trends, level_trends = progress_history(lf, period)


def clickable(rows, key: str) -> int | None:
    """``rows`` as a table in which one click on a row, or on any of its cells, picks it."""
    return picked_row(data_table(tinted(rows, lang), key=key, on_select="rerun", selection_mode=ONE_CLICK,
                                 row_height=88, height="content", column_config=columns))


def open_indicator(rows, row: int | None) -> None:
    """One click on an indicator opens its page."""
    if row is not None:
        st.session_state["indicator_code"] = rows.iloc[row]["code"]
        st.switch_page("views/indicators.py")


st.markdown(f"**{t('overview.results', lang)}**")
st.caption(t("overview.pick_result", lang))
grid = level_table(lf, levels, lang, kinds=("goal", "purpose", "result"), trends=level_trends)
row = clickable(grid, f"results_{code}")
if row is not None:
    level = grid.iloc[row]
    st.markdown(f"**{t('status_page.drill', lang, level=level[t('col.level', lang)])}**")
    st.caption(t("overview.pick_indicator", lang))
    drill = indicator_rows(lf, indicators, lang, level_code=level["code"], trends=indicator_trends)
    open_indicator(drill, clickable(drill, f"result_indicators_{code}_{level['code']}"))

if previous is not None:
    st.markdown(f"**{t('overview.changed', lang, period=str(previous))}**")
    changed = changes(lf, levels, progress_frames(previous.end, code)[1], lang)
    if changed.empty:
        st.caption(t("overview.no_change", lang, period=previous.label))
    else:
        data_table(changed, key="changed")

st.markdown(f"**{t('overview.attention', lang)}**")
attention = indicator_rows(lf, indicators, lang, statuses=("off_track", "at_risk", "no_data"), trends=indicator_trends)
if attention.empty:
    st.caption(t("overview.nothing_attention", lang))
else:
    st.caption(t("overview.pick_indicator", lang))
    open_indicator(attention, clickable(attention, f"attention_{code}"))
