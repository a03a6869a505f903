"""One indicator: definition, status, actuals against the planned path, disaggregation, and the
measurement history with who uploaded what."""

import streamlit as st

from kzlogframe.charts import breakdown_chart, indicator_chart
from kzlogframe.dashboard import number, percent, status_label
from kzlogframe.i18n import t
from kzlogframe.matrix import indicator_line
from kzlogframe.measurements import measurement_history
from kzlogframe.progress import disaggregated_progress, series
from kzlogframe.ui import as_of_picker, chart, measurements, page_context, progress_frames

logframe, lang = page_context()
as_of = as_of_picker(logframe)
code = logframe.programme.code
texts = {ind.code: ind.text.get(lang) for _, ind in logframe.indicators()}

measured = measurements(code)
st.title(t("page.indicators", lang))
if st.session_state.get("indicator_code") not in texts:
    with_data = [c for c in texts if c in set(measured["indicator"])]
    st.session_state["indicator_code"] = (with_data or list(texts))[0]
indicator_code = st.selectbox(t("ind.select", lang), list(texts), key="indicator_code",
                              format_func=lambda c: f"{c} — {texts[c][:110]}")
indicator = logframe.indicator(indicator_code)
indicators, _ = progress_frames(as_of, code)
row = indicators[(indicators["programme"] == code) & (indicators["indicator"] == indicator_code)].iloc[0]

line = indicator_line(indicator, lang)
st.markdown(f"**{line.text}**")
st.caption(" · ".join(line.tags + ([line.baseline] if line.baseline else []) + line.targets
                      + ([t("indicator.target_to_be_set", lang)] if line.to_be_set else [])))
if line.note:
    st.caption(line.note)

note = t("reason." + row["reason"], lang) if row["reason"] else ""
st.markdown(f"#### {t('col.status', lang)}: {status_label(row['status'], lang)}"
            + (f" ({note})" if note else ""))
b, c, d = st.columns(3)
b.metric(t("col.score", lang), percent(row["vs_expected"]))
c.metric(t("col.actual", lang), number(row["actual"]),
         help=row["last_period"] if isinstance(row["last_period"], str) else None)
d.metric(t("col.expected", lang), number(row["expected"]))

points = series(measured, indicator_code, logframe)
if points[points["kind"] == "actual"].empty:
    st.info(t("ind.no_data", lang))
if not points.empty:
    chart(indicator_chart(points, indicator, lang, as_of, row["expected"]), f"{indicator_code}-{as_of}",
          key="indicator_chart")

if indicator.disaggregation:
    cells = disaggregated_progress(measured[measured["indicator"] == indicator_code], {code: logframe}, as_of)
    cells = cells[cells["indicator"] == indicator_code]
    for dimension in (d.value for d in indicator.disaggregation):
        by = cells[cells[dimension] != ""].groupby(dimension, as_index=False).first()
        if not by.empty:
            chart(breakdown_chart(by, dimension, lang, str(row["last_period"])),
                  f"{indicator_code}-{dimension}-{as_of}", key=f"breakdown_{dimension}")
else:
    st.caption(t("ind.no_breakdown", lang))

st.subheader(t("ind.history", lang))
history = measurement_history(code, indicator_code)
if history.empty:
    st.caption(t("ind.no_data", lang))
else:
    st.dataframe(history, hide_index=True, width="stretch")
