"""The semi-annual Steering Committee report: choose period and language, preview, enter the
narrative and assumption statuses and the committee's records (``views/committee_forms``), submit and
approve it, download HTML, PDF, DOCX or XLSX."""

import datetime as dt

import pandas as pd
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
from kzlogframe import committee
from kzlogframe.report_committee import with_committee
from kzlogframe.report_state import as_submitted, changed_since, submit
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
control = committee.control(code, period.label)
report = with_committee(logframe, report, committee.records(logframe, period), control)

st.markdown(f"**{t('committee.page.state', lang, version=control.version, status=t(f'committee.status.{control.status}', lang))}**")
moves = [("submitted", "committee.page.submit", "record", "draft"), ("approved", "committee.page.approve", "decide",
         "submitted"), ("draft", "committee.page.return", "decide", "submitted")]
for column, (target, label, permission, source) in zip(st.columns(3), moves):
    if control.status == source and context.may(permission):
        if column.button(t(label, lang), key=f"report_{target}"):
            if target == "submitted":
                control = submit(logframe, period, actor=user)
            else:
                control = committee.change_status(code, period.label, target, actor=user)
            st.success(t("committee.page.status_changed", lang, version=control.version,
                         status=t(f"committee.status.{control.status}", lang)))
            report = with_committee(logframe, report, committee.records(logframe, period), control)
if control.status != "draft" and st.toggle(t("committee.page.as_submitted", lang), key="report_as_submitted"):
    current = report
    try:
        report = as_submitted(logframe, period, report_lang)
    except ValueError:  # the logframe has changed since: the numbers as submitted cannot be rebuilt
        st.warning(t("committee.page.logframe_changed", lang))
    changes = changed_since(report, current)
    with st.expander(t("committee.page.changed_since", lang), expanded=bool(changes)):
        if changes:
            data_table(readable(pd.DataFrame([vars(c) for c in changes]).rename(columns={"code": "indicator"}), lang,
                                codes={"status_then": "status", "status_now": "status"}))
        else:
            st.caption(t("committee.page.unchanged", lang))

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

def saved(write) -> None:
    """Run a library write; say it is saved, or in the reader's language why not."""
    try:
        write()
        st.success(t("committee.page.saved", lang))
    except ValueError:
        st.error(t("committee.page.refused", lang))


def record_committee_parts() -> None:
    """Document control, the executive summary, deviations, risks and the criteria (TA team)."""
    key = f"{code}_{period.label}"
    st.subheader(t("committee.page.title", lang))
    with st.form(f"control_{key}"):
        st.markdown(f"**{t('committee.page.control_title', lang)}**")
        author = st.text_input(t("committee.author", lang), value=control.author or "", max_chars=1000,
                               key=f"control_author_{key}")
        distribution = st.text_area(t("committee.distribution", lang), value="\n".join(control.distribution),
                                    help=t("committee.page.distribution_help", lang), key=f"control_list_{key}")
        if control.status != "draft":
            st.caption(t("committee.page.locked", lang))
        if st.form_submit_button(t("committee.page.save_control", lang), disabled=control.status != "draft"):
            saved(lambda: committee.save_control(code, period.label, author, distribution.splitlines(), actor=user))

    with st.form(f"summary_{key}_{report_lang}"):
        st.markdown(f"**{t('committee.page.summary_title', lang)}** ({LANGUAGES[report_lang]})")
        body = st.text_area(t("committee.written_summary", lang), height=200,
                            value=report.committee.summary if not report.committee.summary_from else "",
                            help=t("committee.page.summary_help", lang), key=f"summary_text_{key}_{report_lang}")
        if st.form_submit_button(t("committee.page.save_summary", lang)):
            saved(lambda: committee.save_summary(code, period.label, report_lang, body, actor=user))

    items = [("indicator", i.code, i.text.get(lang)) for _, i in logframe.indicators()] + \
        [("activity", a.code, a.text.get(lang)) for r in logframe.results for a in r.activities]
    with st.form(f"deviation_{key}"):
        st.markdown(f"**{t('committee.page.deviation_title', lang)}**")
        item = st.selectbox(t("committee.page.item", lang), items, key=f"deviation_item_{key}",
                            format_func=lambda i: f"{t(f'committee.item.{i[0]}', lang)} {i[1]} — {i[2]}")
        cause = st.text_input(t("committee.col.cause", lang), max_chars=1000, key=f"deviation_cause_{key}")
        measure = st.text_input(t("committee.col.measure", lang), max_chars=1000, key=f"deviation_measure_{key}")
        a, b = st.columns(2)
        owner = a.text_input(t("committee.col.owner", lang), max_chars=1000, key=f"deviation_owner_{key}")
        due = b.date_input(t("committee.col.due", lang), value=None, key=f"deviation_due_{key}")
        if st.form_submit_button(t("committee.page.save_deviation", lang)):
            saved(lambda: committee.save_deviation(logframe, period, item[0], item[1], cause, measure, owner, due,
                                                   actor=user))
    still_open = report.committee.deviations_open
    if still_open:
        with st.form(f"close_deviation_{key}"):
            st.markdown(f"**{t('committee.page.close_title', lang)}**")
            chosen = st.selectbox(t("committee.deviations.open", lang), still_open, key=f"close_which_{key}",
                                  format_func=lambda d: f"#{d.id} {d.item} — {d.cause}")
            if st.form_submit_button(t("committee.page.close_deviation", lang)):
                saved(lambda: committee.save_deviation(
                    logframe, period, chosen.item_kind, chosen.item, chosen.cause, chosen.measure, chosen.owner,
                    chosen.due, "closed", deviation_id=chosen.id, actor=user))

    st.markdown(f"**{t('committee.page.risk_title', lang)}**")
    known = {r.id: r for r in committee.risks(code, period.end)}
    which = st.selectbox(t("committee.page.risk_which", lang), [None, *known], key=f"risk_which_{key}",
                         format_func=lambda i: t("committee.page.risk_new", lang) if i is None
                         else f"#{i} {known[i].description}")
    risk = known.get(which)
    assumptions = [a for level in logframe.levels() for a in level.assumptions]
    ids = [a.id for a in assumptions]
    with st.form(f"risk_{key}_{which}"):
        assumption = st.selectbox(t("committee.col.assumption", lang), ids, key=f"risk_assumption_{key}_{which}",
                                  index=ids.index(risk.assumption) if risk else 0,
                                  format_func=lambda i: f"{i} — {next(a.text.get(lang) for a in assumptions if a.id == i)}")
        description = st.text_input(t("committee.col.risk", lang), value=risk.description if risk else "",
                                    max_chars=1000, key=f"risk_text_{key}_{which}")
        a, b, c = st.columns(3)
        likelihood = a.selectbox(t("committee.likelihood", lang), list(committee.SCALE),
                                 index=risk.likelihood - 1 if risk else 2, key=f"risk_likelihood_{key}_{which}")
        impact = b.selectbox(t("committee.impact", lang), list(committee.SCALE), index=risk.impact - 1 if risk else 2,
                             key=f"risk_impact_{key}_{which}")
        status = c.selectbox(t("col.status", lang), committee.RISK_STATUSES, key=f"risk_status_{key}_{which}",
                             index=committee.RISK_STATUSES.index(risk.status) if risk else 0,
                             format_func=lambda s: t(f"committee.risk_status.{s}", lang))
        mitigation = st.text_input(t("committee.col.mitigation", lang), value=risk.mitigation if risk else "",
                                   max_chars=1000, key=f"risk_mitigation_{key}_{which}")
        owner = st.text_input(t("committee.col.owner", lang), value=risk.owner if risk else "", max_chars=1000,
                              key=f"risk_owner_{key}_{which}")
        if st.form_submit_button(t("committee.page.save_risk", lang)):
            saved(lambda: committee.save_risk(logframe, period, assumption, description, likelihood, impact,
                                              mitigation, owner, status, risk_id=which, actor=user))

    with st.form(f"criteria_{key}"):
        st.markdown(f"**{t('committee.page.criteria_title', lang)}**")
        stored = {c.criterion: c for c in report.committee.criteria}
        entered = {}
        for criterion in committee.CRITERIA:
            a, b = st.columns([1, 3])
            rating = a.selectbox(t(f"committee.criterion.{criterion}", lang), committee.RATINGS,
                                 index=committee.RATINGS.index(stored[criterion].rating) if criterion in stored else 1,
                                 format_func=lambda r: t(f"committee.rating.{r}", lang),
                                 key=f"criterion_rating_{key}_{criterion}")
            text = b.text_input(t("committee.col.justification", lang), max_chars=20_000,
                                value=stored[criterion].justification if criterion in stored else "",
                                key=f"criterion_text_{key}_{criterion}")
            entered[criterion] = (rating, text)
        if st.form_submit_button(t("committee.page.save_criteria", lang)):
            saved(lambda: [committee.save_criterion(code, period.label, c, r, j, actor=user)
                           for c, (r, j) in entered.items() if j.strip()
                           and (c not in stored or (r, j) != (stored[c].rating, stored[c].justification))])


def record_decisions() -> None:
    """The committee's decisions of this meeting, and the follow-up of any earlier one (administrator)."""
    key = f"{code}_{period.label}"
    st.markdown(f"**{t('committee.page.decision_title', lang)}**")
    known = {d.id: d for d in committee.decisions(code)}
    which = st.selectbox(t("committee.page.decision_which", lang), [None, *known], key=f"decision_which_{key}",
                         format_func=lambda i: t("committee.page.decision_new", lang) if i is None
                         else f"#{i} {known[i].body[:80]}")
    decision = known.get(which)
    with st.form(f"decision_{key}_{which}"):
        body = st.text_area(t("committee.col.decision", lang), value=decision.body if decision else "",
                            key=f"decision_text_{key}_{which}")
        a, b, c, d = st.columns(4)
        meeting = a.date_input(t("committee.col.meeting", lang), key=f"decision_meeting_{key}_{which}",
                               value=decision.meeting if decision else period.end + dt.timedelta(days=60))
        owner = b.text_input(t("committee.col.owner", lang), value=decision.owner if decision else "",
                             max_chars=1000, key=f"decision_owner_{key}_{which}")
        due = c.date_input(t("committee.col.due", lang), value=decision.due if decision else None,
                           key=f"decision_due_{key}_{which}")
        status = d.selectbox(t("col.status", lang), committee.DECISION_STATUSES, key=f"decision_status_{key}_{which}",
                             index=committee.DECISION_STATUSES.index(decision.status) if decision else 0,
                             format_func=lambda s: t(f"committee.decision_status.{s}", lang))
        if st.form_submit_button(t("committee.page.save_decision", lang)):
            saved(lambda: committee.save_decision(code, period, meeting, body, owner, due, status,
                                                  decision_id=which, actor=user))


if context.may("record"):
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
    record_committee_parts()
else:
    st.caption(t("report.uploader_only", lang))
if context.may("decide"):
    record_decisions()
else:
    st.caption(t("committee.page.decide_only", lang))

with st.expander(t("committee.page.history", lang)):
    data_table(readable(committee.history(code), lang, codes={
        "kind": "committee.kind", "lang": "language", "criterion": "committee.criterion",
        "status": "committee.status"}))

with st.expander(t("report.history", lang)):
    data_table(readable(commentary_history(code), lang, codes={"kind": "report", "lang": "language",
                                                         "status": "assumption"}))
