"""The full logframe matrix of the chosen programme, with its key facts, budget and committee; on
request, where each statement comes from in the source document. A programme outside the EU budget
says so first; every money column says its currency."""

import streamlit as st

from kzlogframe.formatting import money_unit
from kzlogframe.i18n import t
from kzlogframe.matrix import (
    amendment_lines, budget_table, notice, origin_notes, programme_facts, render_matrix_html, structure_counts)
from kzlogframe.provenance import document_label, source_path, statement_key
from kzlogframe.ui import data_table, require

context = require("view")
logframe, lang = context.logframe, context.lang
programme = logframe.programme

st.title(programme.title.get(lang))
if notice(logframe, lang):
    st.info(notice(logframe, lang), icon=":material/account_balance:")
st.caption(t("logframe.counts", lang, **structure_counts(logframe)))

with st.expander(t("logframe.facts", lang)):
    st.table({k: [v] for k, v in programme_facts(logframe, lang).items()})
if programme.amendments:
    with st.expander(t("logframe.amendments", lang)):
        st.caption(t("logframe.amendment.unknown", lang))
        for line, amendment in zip(amendment_lines(logframe, lang), programme.amendments):
            st.markdown(f"- {line}  \n  *{amendment.text.get(lang)}*")

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

if any(result.sequencing for result in logframe.results):
    st.subheader(t("logframe.sequencing", lang))
for result in logframe.results:
    if result.sequencing:
        st.markdown(f"**{t('level.result', lang)} {result.code}**")
        st.text(result.sequencing.get(lang))
        if origins:
            st.caption(origins[statement_key("sequencing", result.code)].text)

st.subheader(t("logframe.budget", lang))
st.caption(t("logframe.budget_unit", lang, unit=money_unit(logframe.budget.unit, lang)))
budget = budget_table(logframe, lang)
data_table(budget, column_config={budget.columns[1]: st.column_config.TextColumn(width="large"),
                             **{c: st.column_config.NumberColumn(format="localized") for c in budget.columns[2:]}})
for number, line in enumerate(logframe.budget.lines, start=1):
    if line.discrepancy:
        st.warning(f"{number}. {line.label.get(lang)}: {t('logframe.budget.discrepancy', lang)}. "
                   f"{line.discrepancy.get(lang)}")
if logframe.budget.discrepancy:
    st.warning(f"{t('logframe.budget.grand_total', lang)}: {t('logframe.budget.discrepancy', lang)}. "
               f"{logframe.budget.discrepancy.get(lang)}")
if logframe.budget.note:
    st.caption(f"{t('logframe.budget.note', lang)}: {logframe.budget.note.get(lang)}")

committee = logframe.steering_committee
named = committee.name.get(lang)[:1].upper() + committee.name.get(lang)[1:] if committee.name else None
st.subheader(t("logframe.steering.named", lang, name=named) if named else t("logframe.steering", lang))
rhythm = "logframe.steering.assumed" if committee.assumed else "logframe.steering.rhythm"
st.write(t(rhythm, lang, meetings=committee.meetings_per_year, months=committee.report_every_months))
if committee.note:
    st.caption(committee.note.get(lang))
st.markdown(f"**{t('logframe.steering.members', lang)}**")
st.markdown("\n".join(f"- {m.get(lang)}" for m in committee.members))
if committee.invited:
    st.markdown(f"**{t('logframe.steering.invited', lang)}**")
    st.markdown("\n".join(f"- {m.get(lang)}" for m in committee.invited))
if committee.support:
    st.markdown(f"**{t('logframe.steering.support', lang)}**  \n{committee.support.get(lang)}")
if committee.tasks:
    st.markdown(f"**{t('logframe.steering.tasks', lang)}**")
    st.markdown("\n".join(f"- {task.get(lang)}" for task in committee.tasks))
if committee.conflicting_composition:
    st.warning(f"**{t('logframe.steering.conflict', lang)}**  \n{committee.conflicting_composition.text.get(lang)}  \n"
               f"*{committee.conflicting_composition.note.get(lang)}*")
