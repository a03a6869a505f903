"""Overview for the Steering Committee: every programme side by side at the chosen reporting period —
how many indicators could be assessed, where each result stands, what changed since the previous
period, and which indicators need attention."""

import streamlit as st

from kzlogframe.dashboard import (
    changes, coverage_text, headline, indicator_rows, legend_lines, level_table, programme_row)
from kzlogframe.formatting import percent, status_label
from kzlogframe.i18n import t
from kzlogframe.ui import catalog, programme_label, progress_frames, require

context = require("view")
lang, period, previous = context.lang, context.period, context.previous

st.title(t("page.overview", lang))
st.caption(t("overview.period", lang, period=str(period)))
indicators, levels = progress_frames(context.as_of)
levels_before = progress_frames(previous.end)[1] if previous else None

with st.expander(t("progress.legend", lang)):
    st.markdown("\n\n".join(legend_lines(lang)))

items = list(catalog().items())
pairs = [items[i:i + 2] for i in range(0, len(items), 2)]  # two programmes side by side per row
for code, lf, column in ((c, lf, col) for pair in pairs for (c, lf), col in zip(pair, st.columns(2))):
    with column:
        st.subheader(programme_label(lf, lang))
        overall = programme_row(levels, code)
        if indicators[indicators["programme"] == code]["n_points"].sum() == 0:
            st.info(t("overview.empty", lang))
            continue
        st.markdown(f"#### {t('overview.programme_status', lang)}: {status_label(overall['status'], lang)}")
        st.markdown(f"**{headline(overall, lang)}**")
        a, b = st.columns(2)
        a.metric(t("progress.score", lang), percent(overall["score"], lang))
        b.metric(t("progress.coverage", lang), percent(overall["coverage"], lang), help=t("progress.coverage_help", lang))
        st.caption(coverage_text(lang, coverage=overall["coverage"]))

        st.markdown(f"**{t('overview.results', lang)}**")
        grid = level_table(lf, levels, lang, kinds=("goal", "purpose", "result"))
        st.dataframe(grid.drop(columns=["code"]), hide_index=True, width="stretch", key=f"grid_{code}")

        if previous is not None:
            st.markdown(f"**{t('overview.changed', lang, period=str(previous))}**")
            changed = changes(lf, levels, levels_before, lang)
            if changed.empty:
                st.caption(t("overview.no_change", lang, period=previous.label))
            else:
                st.dataframe(changed, hide_index=True, width="stretch", key=f"changed_{code}")

        st.markdown(f"**{t('overview.attention', lang)}**")
        attention = indicator_rows(lf, indicators, lang, statuses=("off_track", "at_risk", "no_data"))
        if attention.empty:
            st.caption(t("overview.nothing_attention", lang))
        else:
            st.dataframe(attention.drop(columns=["code"]), hide_index=True, width="stretch", key=f"attention_{code}")
