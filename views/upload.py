"""Upload measurements: template, check every row, preview, explicit commit, history and rollback."""

import streamlit as st

from kzlogframe.i18n import t
from kzlogframe.ingest import UploadError, import_bytes, list_batches, rollback_batch, template_csv
from kzlogframe.access import allowed
from kzlogframe.tables import readable
from kzlogframe.ui import as_text, catalog, data_table, require

context = require("upload")
logframe, lang, user = context.logframe, context.lang, context.user
code = logframe.programme.code

st.title(t("page.upload", lang))
st.write(t("upload.intro", lang))
st.download_button(t("upload.template", lang, programme=code.upper()), template_csv(logframe),
                   file_name=f"{code}-template.csv", mime="text/csv")

uploaded = st.file_uploader(t("upload.file", lang), type=["csv", "txt", "tsv"])
if uploaded is not None:
    data = uploaded.getvalue()
    try:
        with st.spinner(t("upload.checking", lang)):
            report = import_bytes(data, uploaded.name, catalog(), user, dry_run=True, lang=lang)
    except UploadError as exc:
        st.error(as_text(str(exc)))  # it quotes the file: shown as text, never as Markdown
        st.stop()

    delimiter = {"\t": "TAB"}.get(report.delimiter, report.delimiter)
    st.caption(t("upload.detected", lang, encoding=report.encoding, delimiter=f"'{delimiter}'"))
    accepted = report.accepted_total
    cols = st.columns(4)
    cols[0].metric(t("upload.rows_total", lang), report.rows_total)
    cols[1].metric(t("upload.rows_accepted", lang), accepted)
    cols[2].metric(t("upload.rows_rejected", lang), len(report.rejected))
    cols[3].metric(t("upload.rows_warnings", lang), len(report.warnings))

    if report.status == "duplicate":
        st.info(t("upload.duplicate", lang, batch=report.duplicate_of))
    if len(report.rejected):
        st.subheader(t("upload.rejected_title", lang))
        data_table(readable(report.rejected, lang))
    if len(report.warnings):
        st.subheader(t("upload.warnings_title", lang))
        data_table(readable(report.warnings, lang))
    if accepted:
        st.subheader(t("upload.accepted_preview", lang))
        dates = {t(f"field.{column}", lang): st.column_config.DateColumn(format="YYYY-MM-DD")
                 for column in ("period_start", "period_end")}
        declared = {code: lf.programme.disaggregation_values for code, lf in catalog().items()}
        data_table(readable(report.accepted, lang, declared=declared), column_config=dates)
    if report.status == "dry_run":
        if not accepted:
            st.warning(t("upload.nothing_accepted", lang))
        elif st.button(t("upload.commit", lang, count=accepted), type="primary"):
            result = import_bytes(data, uploaded.name, catalog(), user, lang=lang)
            if result.status == "committed":
                st.success(t("upload.committed", lang, batch=result.batch_id, count=accepted))
            else:
                st.info(as_text(result.message))

st.subheader(t("upload.history", lang))
if flash := st.session_state.pop("_upload_flash", None):
    st.success(flash)
batches = list_batches()
if batches.empty:
    st.info(t("upload.history_empty", lang))
else:
    data_table(readable(batches, lang, codes={"status": "batch"}))
    committed = batches.loc[batches["status"] == "committed", "id"].tolist()
    if not allowed(user.role, "rollback"):
        st.caption(t("upload.admin_only", lang))
    elif committed:
        with st.expander(t("upload.rollback", lang)):
            batch = st.selectbox(t("upload.rollback", lang), committed, key="rollback_batch")
            st.caption(t("upload.rollback_help", lang))
            if st.button(t("upload.rollback_button", lang, batch=batch)):
                rollback_batch(int(batch), user)
                st.session_state["_upload_flash"] = t("upload.rolled_back", lang, batch=batch)
                st.rerun()
