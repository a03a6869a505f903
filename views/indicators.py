"""One indicator: definition, status at the chosen reporting period, actuals against the planned
path, disaggregation, and the measurement history with who uploaded what."""

import streamlit as st

from kzlogframe.charts import breakdown_chart, indicator_chart
from kzlogframe.formatting import measured_value, percent, status_label
from kzlogframe.i18n import t
from kzlogframe.matrix import indicator_line
from kzlogframe.tables import readable
from kzlogframe.ui import chart, data_table, indicator_frames, progress_frames, require

context = require("view")
logframe, lang, as_of = context.logframe, context.lang, context.as_of
code = logframe.programme.code
indicators = {ind.code: ind for _, ind in logframe.indicators()}
declared = logframe.programme.disaggregation_values

progress, _ = progress_frames(as_of, code)
st.title(t("page.indicators", lang))
if st.session_state.get("indicator_code") not in indicators:
    # Open on something worth reading: an indicator with data and a unit, else with data, else the first.
    with_data = set(progress.loc[progress["n_points"] > 0, "indicator"])
    ranked = sorted(indicators, key=lambda c: (c not in with_data, indicators[c].unit is None))
    st.session_state["indicator_code"] = ranked[0]
indicator_code = st.selectbox(t("ind.select", lang), list(indicators), key="indicator_code",
                              format_func=lambda c: f"{c} — {indicators[c].text.get(lang)[:110]}")
indicator = indicators[indicator_code]
unit = indicator.unit.get(lang) if indicator.unit else None
row = progress[progress["indicator"] == indicator_code].iloc[0]
frames = indicator_frames(code, indicator_code, as_of)  # this indicator's rows only


def shown(value: float) -> str:
    return measured_value(value, indicator.type.value, lang, unit)


line = indicator_line(indicator, lang)
st.markdown(f"**{line.text}**")
facts = ([t("ind.unit", lang, unit=unit)] if unit else []) + line.tags + ([line.baseline] if line.baseline else [])
st.caption(" · ".join(facts + line.targets + ([t("indicator.target_to_be_set", lang)] if line.to_be_set else [])))
if line.note:
    st.caption(line.note)
if row["baseline_source"] == "first_measurement":
    st.caption(t("ind.baseline_first", lang, value=shown(row["baseline"]), period=row["baseline_period"]))

note = t("reason." + row["reason"], lang) if row["reason"] else ""
st.markdown(f"#### {t('col.status', lang)}: {status_label(row['status'], lang)}" + (f" ({note})" if note else ""))
st.caption(t("ind.assessed_at", lang, period=str(context.period)))
b, c, d = st.columns(3)
b.metric(t("col.score", lang), percent(row["vs_expected"], lang))
c.metric(t("col.actual", lang), shown(row["actual"]),
         help=row["last_period"] if isinstance(row["last_period"], str) else None)
d.metric(t("col.expected", lang), shown(row["expected"]))
cells_only = indicator.combine_cells is not None and indicator.combine_cells.value == "none"
points = frames.points
if cells_only and row["n_points"] == 0:
    st.info(t("ind.cells_not_combined", lang))
elif points[points["kind"] == "actual"].empty:
    st.info(t("ind.no_data", lang))
if not points.empty:
    chart(indicator_chart(points, indicator, lang, as_of, row["expected"]), f"{indicator_code}-{as_of}",
          key="indicator_chart", lang=lang)

if indicator.disaggregation:
    cells = frames.cells
    for dimension in (d.value for d in indicator.disaggregation):
        by = cells[cells[dimension] != ""].groupby(dimension, as_index=False).first()
        by[dimension] = by[dimension].map(lambda value: declared.label(dimension, value, lang))
        if not by.empty and by["n_points"].sum():
            chart(breakdown_chart(by, dimension, lang, str(by["last_period"].dropna().max()), indicator),
                  f"{indicator_code}-{dimension}-{as_of}", key=f"breakdown_{dimension}", lang=lang)
else:
    st.caption(t("ind.no_breakdown", lang))

st.subheader(t("ind.history", lang))
history = frames.history
if history.empty:
    st.caption(t("ind.no_data", lang))
else:
    data_table(readable(history, lang, declared=declared))
