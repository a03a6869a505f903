"""The full logframe matrix of the chosen programme, with its key facts, budget and committee; on
request, where each statement comes from in the source document."""

import streamlit as st

from kzlogframe.formatting import money_unit
from kzlogframe.i18n import t
from kzlogframe.matrix import budget_table, origin_notes, programme_facts, render_matrix_html, structure_counts
from kzlogframe.provenance import document_label, source_path, statement_key
from kzlogframe.ui import require

context = require("view")
logframe, lang = context.logframe, context.lang
programme = logframe.programme

st.title(programme.title.get(lang))
st.caption(t("logframe.counts", lang, **structure_counts(logframe)))

with st.expander(t("logframe.facts", lang)):
    st.table({k: [v] for k, v in programme_facts(logframe, lang).items()})

st.subheader(t("logframe.header", lang))
source = source_path(logframe)
origins = None
if source and source.is_file():
    if st.toggle(t("logframe.show_sources", lang), key="lf_sources"):
        st.caption(t("logframe.sources_help", lang, document=document_label(logframe, lang), file=source.name))
        origins = origin_notes(logframe, lang, source)
elif source:
    st.caption(t("source.missing", lang, file=source.name))
st.markdown(render_matrix_html(logframe, lang, origins), unsafe_allow_html=True)

st.subheader(t("logframe.sequencing", lang))
for result in logframe.results:
    if result.sequencing:
        st.markdown(f"**{t('level.result', lang)} {result.code}**")
        st.text(result.sequencing.get(lang))
        if origins:
            st.caption(origins[statement_key("sequencing", result.code)].text)

st.subheader(t("logframe.budget", lang))
st.caption(t("logframe.budget_unit", lang, unit=money_unit(logframe.budget.unit, lang)))
st.dataframe(budget_table(logframe, lang), hide_index=True, width="stretch")
for number, line in enumerate(logframe.budget.lines, start=1):
    if line.discrepancy:
        st.warning(f"{number}. {line.label.get(lang)}: {t('logframe.budget.discrepancy', lang)}. "
                   f"{line.discrepancy.get(lang)}")

committee = logframe.steering_committee
st.subheader(t("logframe.steering", lang))
st.write(t("logframe.steering.rhythm", lang, meetings=committee.meetings_per_year,
           months=committee.report_every_months))
st.markdown(f"**{t('logframe.steering.members', lang)}**")
st.markdown("\n".join(f"- {m.get(lang)}" for m in committee.members))
if committee.invited:
    st.markdown(f"**{t('logframe.steering.invited', lang)}**")
    st.markdown("\n".join(f"- {m.get(lang)}" for m in committee.invited))
if committee.tasks:
    st.markdown(f"**{t('logframe.steering.tasks', lang)}**")
    st.markdown("\n".join(f"- {task.get(lang)}" for task in committee.tasks))
if committee.conflicting_composition:
    st.warning(f"**{t('logframe.steering.conflict', lang)}**  \n{committee.conflicting_composition.text.get(lang)}  \n"
               f"*{committee.conflicting_composition.note.get(lang)}*")
