"""Sequencing: the Gantt of planned vs actual activities, what is late and coming up, what departs
from the plan, and the form where the TA team records actual dates.

A phone cannot show the Gantt readably and the server cannot know the screen's width: the list of
late and upcoming activities is always shown, and the chart's container is hidden by CSS on a
screen narrower than 500 px."""

import streamlit as st

from kzlogframe.calendar_text import event_name, timing, violation_detail
from kzlogframe.gantt import gantt_figure
from kzlogframe.i18n import t
from kzlogframe.schedule import ACTIVITY_STATUSES, plan, violations, watch_list
from kzlogframe.tables import readable
from kzlogframe.tracking import RecordRefused, activity_history, activity_state, current_actuals, update_activity
from kzlogframe.provenance import describe, document_label, source_path, statement_key, statement_sources
from kzlogframe.ui import as_text, chart, data_table, latest_data_day, require

context = require("view")
logframe, lang, user = context.logframe, context.lang, context.user
code = logframe.programme.code

st.title(t("page.sequencing", lang))
programme_plan = plan(logframe)
if not programme_plan.activities:
    st.info(t("seq.no_schedule", lang))
    st.stop()
st.caption(t("seq.intro", lang))

left, right = st.columns([3, 1])
results = left.multiselect(t("seq.results", lang), [r.code for r in logframe.results if r.activities],
                           placeholder=t("filter.all", lang), key="seq_results")
today = right.date_input(t("seq.today", lang), value=latest_data_day(logframe),
                         min_value=logframe.programme.implementation.fa_signature, max_value=logframe.end_date,
                         key=f"seq_today_{code}")
actuals = current_actuals(code)
st.html("<style>@media (max-width: 500px) { .st-key-gantt_chart { display: none; } }</style>")
with st.container(key="gantt_chart"):
    chart(gantt_figure(logframe, programme_plan, actuals, today, lang, results or None), f"{code}-gantt-{today}",
          key="gantt", lang=lang)

WATCH_MONTHS = 6
st.subheader(t("seq.watch", lang))
st.caption(t("seq.watch_intro", lang, date=today.isoformat(), months=WATCH_MONTHS))
names = {a.code: a.text.get(lang) for r in logframe.results for a in r.activities}
watched = [w for w in watch_list(programme_plan, actuals, today, WATCH_MONTHS) if not results or
           programme_plan.activities[w.activity].result in results]
if not watched:
    st.success(t("seq.watch.none", lang, months=WATCH_MONTHS))
for heading, kinds in (("seq.watch.late", ("late_start", "late_finish")), ("seq.watch.upcoming", ("starts", "ends"))):
    items = [w for w in watched if w.kind in kinds]
    if items:
        with st.container(key=f"watch_{kinds[0]}"):
            st.markdown(f"**{t(heading, lang)}**")
            st.markdown("\n".join(f"- **{w.activity}** {as_text(names[w.activity])} — "
                                   f"*{t(f'seq.watch.{w.kind}', lang, date=w.date.isoformat())}*" for w in items))

st.subheader(t("seq.violations", lang))
found = [v for v in violations(logframe, programme_plan, actuals, today)
         if not results or v.activity.split(".")[0] in results]
if found:
    data_table([{t("seq.col.kind", lang): t(f"violation.{v.kind}", lang), t("seq.col.activity", lang): v.activity,
                 t("seq.col.detail", lang): violation_detail(v, lang)} for v in found])
else:
    st.success(t("seq.no_violations", lang))

st.subheader(t("seq.calendar", lang))
st.caption(t("calendar.intro", lang))
contracts = {c.id: c.title.get(lang) for c in logframe.contracts}
source = source_path(logframe)
places = statement_sources(logframe, source) if source and source.is_file() else {}
document = document_label(logframe, lang)


def where(provision) -> str:
    """The provision's lines in the source document, when the document is in the project."""
    key = statement_key("monitoring", provision.kind.value)
    return describe(places[key], document, lang) if key in places else ""


columns = {k: t(f"calendar.col.{k}", lang) for k in ("date", "until", "what", "timing", "source")}
data_table([{columns["date"]: programme_plan.date(e.month).isoformat(),
             columns["until"]: programme_plan.date(e.end_month).isoformat() if e.end_month else "",
             columns["what"]: event_name(e.key, lang, contract=contracts.get(e.label), mission=e.label),
             columns["timing"]: timing(e.assumed, e.possible, lang),
             columns["source"]: where(e.provision) if e.provision else ""}
            for e in programme_plan.events],
           column_config={columns["date"]: st.column_config.TextColumn(width="small"),
                          columns["until"]: st.column_config.TextColumn(width="small"),
                          columns["what"]: st.column_config.TextColumn(width="large"),
                          columns["timing"]: st.column_config.TextColumn(width="medium"),
                          columns["source"]: st.column_config.TextColumn(width="medium")})
if not logframe.monitoring:
    st.info(t("calendar.none", lang))
with st.expander(t("calendar.provisions", lang)):
    for provision in logframe.monitoring:
        lines = [f"**{event_name(provision.kind.value, lang)}**", provision.text.get(lang)]
        lines += [f"*{provision.note.get(lang)}*"] if provision.note else []
        lines += [f"`{where(provision)}`"] if places else []
        st.markdown("  \n".join(lines))

st.subheader(t("seq.record", lang))
if not context.may("record"):
    st.caption(t("seq.uploader_only", lang))
else:
    texts = {a.code: a.text.get(lang) for r in logframe.results for a in r.activities}
    activity = st.selectbox(t("seq.activity", lang), list(programme_plan.activities),
                            format_func=lambda c: f"{c} — {texts[c][:80]}", key="record_activity_code")
    loaded = activity_state(code, activity)
    st.caption(t("activity.loaded", lang, activity=activity))
    # Keyed by the recorded state: another activity, or a newer record, starts the form afresh from it.
    form_key = f"record_{activity}_{loaded.recorded_at}"
    with st.form(form_key, clear_on_submit=False):
        status = st.selectbox(t("seq.status", lang), ACTIVITY_STATUSES, index=ACTIVITY_STATUSES.index(loaded.status),
                              format_func=lambda s: t(f"status.{s}", lang))
        start_col, end_col = st.columns(2)
        actual_start = start_col.date_input(t("seq.actual_start", lang), value=loaded.actual_start,
                                            min_value=logframe.programme.implementation.fa_signature)
        actual_end = end_col.date_input(t("seq.actual_end", lang), value=loaded.actual_end,
                                        min_value=logframe.programme.implementation.fa_signature)
        comment = st.text_input(t("seq.comment", lang), value=loaded.comment or "", max_chars=500)
        if st.form_submit_button(t("seq.save", lang), type="primary"):
            entered = {"status": status, "actual_start": actual_start, "actual_end": actual_end,
                       "comment": comment or None}
            changes = {k: v for k, v in entered.items() if v != getattr(loaded, k)}
            if not changes:
                st.info(t("activity.unchanged", lang, activity=activity))
            else:
                try:
                    saved = update_activity(code, activity, changes, actor=user)
                except RecordRefused as exc:
                    st.error(t(exc.key, lang, **exc.values))
                else:  # again from the top, so the form shows the new record
                    st.session_state["_activity_flash"] = t("seq.saved", lang, activity=activity,
                                                            status=t(f"status.{saved.status}", lang))
                    st.rerun()
    if flash := st.session_state.pop("_activity_flash", None):
        st.success(flash)

with st.expander(t("seq.history", lang)):
    data_table(readable(activity_history(code), lang, codes={"status": "status"}))
