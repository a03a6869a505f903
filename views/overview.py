"""Overview for the Steering Committee: every programme side by side — where each result stands,
what changed since the previous semester, and which indicators need attention."""

import streamlit as st

from kzlogframe.dashboard import (
    changes, indicator_rows, legend_lines, level_table, percent, previous_semester, programme_row, status_label)
from kzlogframe.i18n import t
from kzlogframe.ui import as_of_picker, catalog, page_context, programme_label, progress_frames

logframe, lang = page_context()
as_of = as_of_picker(logframe)
programmes = catalog()

st.title(t("page.overview", lang))
indicators, levels = progress_frames(as_of)
before_date = previous_semester(as_of)
_, levels_before = progress_frames(before_date)

with st.expander(t("progress.legend", lang)):
    st.markdown("\n\n".join(legend_lines(lang)))

items = list(programmes.items())
pairs = [items[i:i + 2] for i in range(0, len(items), 2)]  # two programmes side by side per row
for code, lf, column in ((c, lf, col) for pair in pairs for (c, lf), col in zip(pair, st.columns(2))):
    with column:
        st.subheader(programme_label(lf, lang))
        overall = programme_row(levels, code)
        if overall["coverage"] == 0 and indicators[(indicators["programme"] == code)]["n_points"].fillna(0).sum() == 0:
            st.info(t("overview.empty", lang))
            continue
        st.markdown(f"#### {t('overview.programme_status', lang)}: {status_label(overall['status'], lang)}")
        a, b = st.columns(2)
        a.metric(t("progress.score", lang), percent(overall["score"]))
        b.metric(t("progress.coverage", lang), percent(overall["coverage"]), help=t("progress.coverage_help", lang))

        st.markdown(f"**{t('overview.results', lang)}**")
        grid = level_table(lf, levels, lang, kinds=("goal", "purpose", "result"))
        st.dataframe(grid.drop(columns=["code"]), hide_index=True, width="stretch", key=f"grid_{code}")

        st.markdown(f"**{t('overview.changed', lang, date=before_date.isoformat())}**")
        changed = changes(lf, levels, levels_before, lang)
        if changed.empty:
            st.caption(t("overview.no_change", lang, date=before_date.isoformat()))
        else:
            st.dataframe(changed, hide_index=True, width="stretch", key=f"changed_{code}")

        st.markdown(f"**{t('overview.attention', lang)}**")
        attention = indicator_rows(lf, indicators, lang, statuses=("off_track", "at_risk", "no_data"))
        if attention.empty:
            st.caption(t("overview.nothing_attention", lang))
        else:
            st.dataframe(attention.drop(columns=["code"]), hide_index=True, width="stretch", key=f"attention_{code}")
