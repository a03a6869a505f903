"""The semi-annual Steering Committee report: choose period and language, preview, enter the
narrative and assumption statuses (TA team), download HTML, PDF, DOCX or XLSX."""

import streamlit as st

from kzlogframe.chart_export import browser_available
from kzlogframe.commentary import (
    ASSUMPTION_STATUSES, assumption_statuses, commentary_history, narratives, save_assumption_status, save_narrative)
from kzlogframe.i18n import LANGUAGES, t
from kzlogframe.report import REPORT_FORMATS, build_report, export_report, render_html
from kzlogframe.tracking import current_actuals
from kzlogframe.access import allowed
from kzlogframe.ui import current_user, default_as_of, measurements, page_context

logframe, lang = page_context()
user = current_user()
code = logframe.programme.code
periods = logframe.reporting_periods()

st.title(t("page.report", lang))
left, right = st.columns(2)
as_of = default_as_of(logframe)
default = next((i for i, p in enumerate(periods) if p.start <= as_of <= p.end), 0)
period = left.selectbox(t("report.choose_period", lang), periods, index=default, key=f"report_period_{code}",
                        format_func=lambda p: f"{p.label} ({p.start} – {p.end})")
report_lang = right.selectbox(t("report.choose_lang", lang), list(LANGUAGES), index=list(LANGUAGES).index(lang),
                              format_func=LANGUAGES.__getitem__, key="report_lang")

report = build_report(logframe, measurements(code), period, report_lang, actuals=current_actuals(code),
                      narratives=narratives(code, period.label, report_lang),
                      assumption_status=assumption_statuses(code, period.label))

# Files are generated when a button is clicked (deferred), so the page itself stays fast.
formats = {f: v for f, v in REPORT_FORMATS.items() if f != "pdf" or browser_available()}
if len(formats) < len(REPORT_FORMATS):
    st.warning(t("report.no_browser", lang))
for column, (fmt, (mime, extension)) in zip(st.columns(len(REPORT_FORMATS)), formats.items()):
    column.download_button(t("report.download", lang, format=fmt.upper()),
                           data=lambda fmt=fmt: export_report(report, fmt),
                           file_name=f"{code}-{period.label}-{report_lang}.{extension}", mime=mime,
                           key=f"download_{fmt}")

with st.expander(t("report.preview", lang), expanded=True):
    # Our own template: every stored or uploaded text in it is escaped by Jinja2.
    st.iframe(render_html(report), height=900)

if allowed(user.role, "record"):
    st.subheader(t("report.narratives_title", lang))
    for section in report.top_levels + report.results:
        with st.form(f"narrative_{section.code}"):
            body = st.text_area(section.label, value=section.narrative or "", height=120,
                                key=f"narrative_text_{code}_{period.label}_{report_lang}_{section.code}")
            if st.form_submit_button(t("report.save_narrative", lang, level=section.label)):
                try:
                    save_narrative(code, section.code, period.label, report_lang, body, actor=user)
                    st.success(t("report.narrative_saved", lang, level=section.label))
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
    st.dataframe(commentary_history(code), hide_index=True, width="stretch")
