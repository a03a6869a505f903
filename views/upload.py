"""Upload measurements: template, check every row, preview, explicit commit, history and rollback."""

import streamlit as st

from kzlogframe.i18n import t
from kzlogframe.ingest import UploadError, import_bytes, list_batches, rollback_batch
from kzlogframe.rejects import rejected_file
from kzlogframe.upload_templates import template_csv, template_xlsx
from kzlogframe.xlsx_input import WorkbookError, kind_of, sheet_names
from kzlogframe.access import programmes_allowed
from kzlogframe.formatting import batch_label
from kzlogframe.review import batches as batches_for_review
from kzlogframe.tables import readable
from kzlogframe.ui import as_text, catalog, data_table, require

context = require("upload")
logframe, lang, user = context.logframe, context.lang, context.user
code = logframe.programme.code

st.title(t("page.upload", lang))
st.write(t("entry.upload.intro", lang))
left, right = st.columns(2)
left.download_button(t("entry.upload.template_xlsx", lang, programme=code.upper()), template_xlsx(logframe, lang),
                     file_name=f"{code}-template.xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(t("entry.upload.template_csv", lang, programme=code.upper()), template_csv(logframe, lang),
                      file_name=f"{code}-template.csv", mime="text/csv")

uploaded = st.file_uploader(t("entry.upload.file", lang), type=["xlsx", "csv", "txt", "tsv"])
if uploaded is not None:
    data = uploaded.getvalue()
    sheet = None
    try:
        if kind_of(data[:4]) == "xlsx" and len(sheets := sheet_names(data, uploaded.name, lang)) > 1:
            sheet = st.selectbox(t("entry.upload.sheet", lang), sheets, key="upload_sheet")
        with st.spinner(t("upload.checking", lang)):
            report = import_bytes(data, uploaded.name, catalog(), user, dry_run=True, lang=lang, sheet=sheet)
    except (UploadError, WorkbookError) as exc:
        st.error(as_text(str(exc)))  # it quotes the file: shown as text, never as Markdown
        st.stop()

    if report.sheet is not None:
        st.caption(t("entry.upload.detected_sheet", lang, sheet=report.sheet))
    else:
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
    if report.status == "refused_scope":
        st.error(as_text(report.message))  # it quotes the file name
    if len(report.rejected):
        st.subheader(t("upload.rejected_title", lang))
        data_table(readable(report.rejected, lang))
        rejects, rejects_name, rejects_mime = rejected_file(data, report, lang)
        st.download_button(t("entry.upload.download_rejected", lang), rejects, file_name=rejects_name,
                           mime=rejects_mime, key="download_rejected")
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
            with st.spinner(t("upload.committing", lang)):
                result = import_bytes(data, uploaded.name, catalog(), user, lang=lang, sheet=sheet)
            if result.status == "committed":
                st.success(t("upload.committed", lang, batch=result.batch_id, count=accepted))
                if result.review == "submitted":
                    st.info(t("review.submitted_note", lang, batch=result.batch_id))
            else:
                st.info(as_text(result.message))

st.subheader(t("upload.history", lang))
if flash := st.session_state.pop("_upload_flash", None):
    st.success(flash)
if returned := len(batches_for_review(states=("returned",), uploaded_by=user.name)):
    st.warning(t("review.returned_note", lang, count=returned))
    st.page_link("views/review.py", label=t("page.review", lang), icon=":material/rule:")
batches = list_batches(within=programmes_allowed(user, "view", context.programmes) if user.roles else None)
if batches.empty:
    st.info(t("upload.history_empty", lang))
else:
    data_table(readable(batches, lang, codes={"kind": "batch_kind", "status": "batch", "review": "review.state"}))
    committed = batches[batches["status"] == "committed"]
    labels = {row.id: batch_label(row.id, row.file_name, row.user_name, row.uploaded_at, row.rows_accepted, lang)
              for row in committed.itertuples()}
    if not context.may("rollback"):
        st.caption(t("upload.admin_only", lang))
    elif labels:
        with st.expander(t("upload.rollback", lang)):
            batch = st.selectbox(t("upload.rollback", lang), list(labels), format_func=labels.get,
                                 key="rollback_batch")
            st.caption(t("upload.rollback_help", lang))
            sure = st.checkbox(t("review.rollback_confirm", lang, batch=labels[batch]), key=f"rollback_sure_{batch}")
            if st.button(t("upload.rollback_button", lang, batch=batch), disabled=not sure):
                rollback_batch(int(batch), user)
                st.session_state["_upload_flash"] = t("upload.rolled_back", lang, batch=batch)
                st.rerun()
