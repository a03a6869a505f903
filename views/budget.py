"""Budget: money against results. Per budget line the indicative amount, contracted and disbursed
against the time gone by; contracting against the deadline; the burn chart; each result's disbursed
share beside its achievement; and the financial upload (template, check, commit, rollback)."""

import datetime as dt

import pandas as pd
import streamlit as st

from kzlogframe.finance import against_results, burn, execution, line_number, money_without_progress
from kzlogframe.finance_charts import burn_chart, shares_chart
from kzlogframe.finance_ingest import (
    FinanceUploadError, current_entries, finance_batches, import_finance_bytes, template_csv)
from kzlogframe.formatting import number, percent, programme_notice, status_label
from kzlogframe.i18n import t
from kzlogframe.ingest import rollback_batch
from kzlogframe.tables import readable
from kzlogframe.ui import as_text, catalog, chart, data_table, progress_frames, require

context = require("view")
logframe, lang, user = context.logframe, context.lang, context.user
code, as_of = logframe.programme.code, context.as_of

st.title(t("page.budget", lang))
programme = logframe.programme
notice = programme_notice(programme.kind.value, programme.financing.get(lang) if programme.financing else None,
                          programme.related_to, lang)
if notice:
    st.info(notice)
if flash := st.session_state.pop("_budget_flash", None):
    st.success(flash)

entries = current_entries(code)
figures = execution(logframe, entries, as_of)
total = figures.total
st.caption(t("budget.intro", lang, currency=figures.currency, date=as_of.isoformat()))


def money(value: float) -> str:
    return number(value, lang, digits=0)


cols = st.columns(4)
cols[0].metric(t("budget.indicative", lang), money(total.indicative))
cols[1].metric(t("budget.contracted", lang), money(total.contracted), percent(total.share_contracted, lang),
               delta_color="off", delta_arrow="off")
cols[2].metric(t("budget.disbursed", lang), money(total.disbursed), percent(total.share_disbursed, lang),
               delta_color="off", delta_arrow="off")
cols[3].metric(t("budget.time_elapsed", lang), percent(figures.time_elapsed, lang))
if not figures.recorded:
    st.info(t("budget.no_entries", lang))

st.subheader(t("budget.contracting", lang))
if figures.deadline is None:
    st.caption(t("budget.no_deadline", lang))
else:
    last = (figures.deadline - dt.timedelta(days=1)).isoformat()
    status = (t("budget.days_left", lang, date=last, days=figures.days_left) if figures.days_left >= 0
              else t("budget.deadline_passed", lang, date=last, days=-figures.days_left))
    if figures.not_contracted:
        numbers = ", ".join(str(line_number(logframe, line)) for line in figures.not_contracted)
        st.warning(status + " " + t("budget.not_contracted", lang, lines=numbers))
    else:
        st.success(status + " " + t("budget.all_contracted", lang))

st.subheader(t("budget.lines", lang))
labels = {line.code: line.label.get(lang) for line in logframe.budget.lines}
rows = pd.DataFrame([{"budget_line": str(line_number(logframe, x.code)) if x.code else "",
                      "label": labels.get(x.code, t("budget.total", lang)),
                      "indicative": money(x.indicative), "contracted": money(x.contracted),
                      "share_contracted": percent(x.share_contracted, lang), "disbursed": money(x.disbursed),
                      "share_disbursed": percent(x.share_disbursed, lang), "spent": money(x.spent),
                      "results": ", ".join(x.results)} for x in [*figures.lines, total]])
names = {column: f"finance_{column}" for column in rows.columns}
data_table(readable(rows, lang, names=names))
st.caption(t("budget.lines_note", lang, currency=figures.currency, share=percent(figures.time_elapsed, lang)))

chart(burn_chart(burn(logframe, entries, as_of), figures, lang), f"{code}-burn-{as_of}", key="burn", lang=lang)
chart(shares_chart(figures, lang), f"{code}-budget-shares-{as_of}", key="budget_shares", lang=lang)

st.subheader(t("budget.results", lang))
_, levels = progress_frames(as_of, code)
by_result = against_results(logframe, figures, levels)
if by_result.empty:
    overall = levels[(levels["programme"] == code) & (levels["level_kind"] == "programme")]
    achieved = overall["achievement"].iloc[0] if len(overall) else None
    st.info(t("budget.results_unmapped", lang, disbursed=percent(total.share_disbursed, lang),
              achievement=percent(achieved, lang)))
else:
    flagged = [row["result"] for row in by_result.to_dict("records") if money_without_progress(row)]
    shown = pd.DataFrame({
        "result": by_result["result"], "budget_lines": by_result["budget_lines"],
        "indicative": by_result["indicative"].map(money), "disbursed": by_result["disbursed"].map(money),
        "share_disbursed": by_result["share_disbursed"].map(lambda s: percent(s, lang)),
        "achievement": by_result["achievement"].map(lambda s: percent(s, lang)),
        "status": by_result["status"].map(lambda s: status_label(s, lang)),
        "flag": [t("budget.flag", lang) if r in flagged else "" for r in by_result["result"]]})
    data_table(readable(shown, lang, names={c: f"finance_{c}" for c in shown.columns}))
    if flagged:
        st.warning(t("budget.money_without_progress", lang, results=", ".join(flagged)))
    st.caption(t("budget.results_note", lang))

with st.expander(t("budget.entries", lang)):
    if entries.empty:
        st.caption(t("budget.no_entries", lang))
    else:
        listed = entries[["entry_date", "budget_line", "kind", "contract_id", "contractor", "amount", "comment",
                          "file_name", "uploaded_by"]].assign(amount=entries["amount"].map(money),
                                                             entry_date=entries["entry_date"].dt.date,
                                                             budget_line=entries["budget_line"].map(
                                                                 lambda c: line_number(logframe, c)))
        data_table(readable(listed, lang, codes={"kind": "finance.kind"},
                            names={c: f"finance_{c}" for c in ("entry_date", "budget_line", "contract_id",
                                                               "contractor", "amount")}))

st.subheader(t("budget.upload", lang))
if not context.may("upload"):
    st.caption(t("budget.uploader_only", lang))
    st.stop()
st.download_button(t("budget.template", lang, programme=code.upper()), template_csv(logframe, lang),
                   file_name=f"{code}-finance-template.csv", mime="text/csv")
uploads = st.session_state.setdefault("_finance_uploads", 0)  # a new key empties the uploader after a commit
uploaded = st.file_uploader(t("budget.file", lang), type=["csv", "txt", "tsv"], key=f"finance_file_{uploads}")
if uploaded is not None:
    data = uploaded.getvalue()
    try:
        report = import_finance_bytes(data, uploaded.name, catalog(), user, dry_run=True, lang=lang)
    except FinanceUploadError as exc:
        st.error(as_text(str(exc)))  # it quotes the file: shown as text, never as Markdown
        report = None
    if report is not None:
        st.write(as_text(report.message))
        if len(report.rejected):
            data_table(readable(report.rejected, lang))
        if len(report.warnings):
            data_table(readable(report.warnings, lang))
        if report.status == "dry_run" and len(report.accepted) and st.button(
                t("budget.commit", lang, count=len(report.accepted)), type="primary", key="finance_commit"):
            result = import_finance_bytes(data, uploaded.name, catalog(), user, lang=lang)
            st.session_state["_budget_flash"] = as_text(result.message)  # it quotes the file name
            st.session_state["_finance_uploads"] = uploads + 1
            st.rerun()

batches = finance_batches(code)
if len(batches):
    with st.expander(t("budget.history", lang)):
        data_table(readable(batches, lang, codes={"status": "batch"}))
        committed = batches.loc[batches["status"] == "committed", "id"].tolist()
        if context.may("rollback") and committed:
            batch = st.selectbox(t("budget.rollback", lang), committed, key="finance_rollback_batch")
            if st.button(t("budget.rollback_button", lang, batch=batch), key="finance_rollback"):
                rollback_batch(int(batch), user)
                st.session_state["_budget_flash"] = t("budget.rolled_back", lang, batch=batch)
                st.rerun()
