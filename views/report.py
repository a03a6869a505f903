"""The semi-annual Steering Committee report: choose period and language, preview, enter the
narrative and assumption statuses (TA team), download HTML, PDF, DOCX or XLSX."""

import streamlit as st

from kzlogframe.chart_export import browser_available
from kzlogframe.commentary import (
    ASSUMPTION_STATUSES, assumption_statuses, commentary_history, narratives, save_assumption_status, save_narrative)
from kzlogframe.i18n import LANGUAGES, t
from kzlogframe.formatting import level_label
from kzlogframe.report_files import RENDERERS, export_report
from kzlogframe.report_html import render_html
from kzlogframe.tables import readable
from kzlogframe.tracking import current_actuals
from kzlogframe.access import allowed
from kzlogframe.ui import data_table, report_model, require

context = require("download_report")
logframe, lang, user, period = context.logframe, context.lang, context.user, context.period
code = logframe.programme.code

st.title(t("page.report", lang))
st.caption(t("report.for_period", lang, period=str(period)))
report_lang = st.selectbox(t("report.choose_lang", lang), list(LANGUAGES), index=list(LANGUAGES).index(lang),
                           format_func=LANGUAGES.__getitem__, key="report_lang")

report = report_model(code, period, report_lang, actuals=current_actuals(code),
                      narratives=narratives(code, period.label, report_lang),
                      statuses=assumption_statuses(code, period.label))

# Files are generated when a button is clicked (deferred), so the page itself stays fast.
formats = {f: r for f, r in RENDERERS.items() if not r.needs_browser or browser_available()}
if len(formats) < len(RENDERERS) or not browser_available():
    st.warning(t("report.no_browser", lang))
for column, (fmt, renderer) in zip(st.columns(len(RENDERERS)), formats.items()):
    column.download_button(t("report.download", lang, format=fmt.upper()),
                           data=lambda fmt=fmt: export_report(report, fmt),
                           file_name=f"{code}-{period.label}-{report_lang}.{renderer.extension}", mime=renderer.mime,
                           key=f"download_{fmt}")

with st.expander(t("report.preview", lang), expanded=True):
    # Our own template: every stored or uploaded text in it is escaped by Jinja2.
    st.iframe(render_html(report), height=900)

if allowed(user.role, "record"):
    st.subheader(t("report.narratives_title", lang))
    for section in report.levels:
        name = level_label(section.kind, section.code, lang)
        with st.form(f"narrative_{section.code}"):
            body = st.text_area(name, value=section.narrative or "", height=120,
                                key=f"narrative_text_{code}_{period.label}_{report_lang}_{section.code}")
            if st.form_submit_button(t("report.save_narrative", lang, level=name)):
                try:
                    save_narrative(code, section.code, period.label, report_lang, body, actor=user)
                    st.success(t("report.narrative_saved", lang, level=name))
                except ValueError as exc:
                    st.error(str(exc))

    st.subheader(t("report.assumptions_title", lang))
    stored = assumption_statuses(code, period.label)
    for level in logframe.levels():
        for assumption in level.assumptions:
            status, comment = stored.get(assumption.id, ("not_assessed", None))
            with st.form(f"assumption_{assumption.id}"):
                st.markdown(f"**{assumption.id}** — {assumption.text.get(lang)}")
                a, b = st.columns([1, 2])
                new_status = a.selectbox(t("col.status", lang), ASSUMPTION_STATUSES,
                                         index=ASSUMPTION_STATUSES.index(status),
                                         format_func=lambda s: t(f"assumption.{s}", lang),
                                         key=f"assumption_status_{period.label}_{assumption.id}")
                new_comment = b.text_input(t("report.comment", lang), value=comment or "", max_chars=1000,
                                           key=f"assumption_comment_{period.label}_{assumption.id}")
                if st.form_submit_button(t("report.save_assumption", lang, id=assumption.id)):
                    save_assumption_status(code, assumption.id, period.label, new_status, new_comment or None,
                                           actor=user)
                    st.success(t("report.assumption_saved", lang, id=assumption.id))
else:
    st.caption(t("report.uploader_only", lang))

with st.expander(t("report.history", lang)):
    data_table(readable(commentary_history(code), lang, codes={"kind": "report", "lang": "language",
                                                         "status": "assumption"}))
