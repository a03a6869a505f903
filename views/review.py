"""Review before data count: the reviewer's queue (each waiting batch's values beside the approved
values they would replace, and the warnings found at upload; approve, or return with a comment), the
batches returned and why, and each uploader's own batches with what the review said."""

import streamlit as st

from kzlogframe.access import programmes_allowed
from kzlogframe.formatting import batch_label, waiting_text
from kzlogframe.i18n import t
from kzlogframe.review import (
    ReviewRefused, approve, batch_rows, batch_warnings, batches, required, return_batch, review_history)
from kzlogframe.tables import readable
from kzlogframe.ui import as_text, catalog, data_table, require, waiting_for_review

context = require("review")
lang, user = context.lang, context.user
# the batches a reviewer with roles in some programmes may decide on (None: every batch)
scope = programmes_allowed(user, "approve", context.programmes) if user.roles else None
STATES = {"state": "review.state"}
declared = {code: lf.programme.disaggregation_values for code, lf in catalog().items()}

st.title(t("page.review", lang))
st.caption(t("review.intro_on" if required() else "review.intro_off", lang))
if flash := st.session_state.pop("_review_flash", None):
    st.success(flash)


def table(frame, **options) -> None:
    data_table(readable(frame, lang, **options))


def decide(step, batch: int, done_key: str, **options) -> None:
    """Take a review step; on success say so after a rerun (the queue has changed), else say why not."""
    try:
        uploader = step(batch, user, **options)
    except ReviewRefused as exc:
        st.error(t(exc.key, lang, **exc.values))
        return
    st.session_state["_review_flash"] = t(done_key, lang, batch=batch, user=uploader)
    st.rerun()


if context.may("approve"):
    st.subheader(t("review.queue", lang))
    queue = batches(states=("submitted",), within=scope)
    if queue.empty:
        st.info(t("review.queue_empty", lang))
    else:
        waiting = waiting_for_review(within=None if scope is None else tuple(scope))
        st.caption(waiting_text(waiting.batches, waiting.values, lang))
        labels = {row.id: batch_label(row.id, row.file_name, row.user_name, row.uploaded_at, row.rows_accepted, lang)
                  for row in queue.itertuples()}
        batch = st.selectbox(t("review.choose", lang), list(labels), format_func=labels.get, key="review_batch")
        rows = batch_rows(batch)
        st.markdown(f"**{t('review.rows_title', lang)}**")
        if rows.attrs["total"] > len(rows):
            st.caption(t("review.rows_more", lang, shown=len(rows), total=rows.attrs["total"]))
        table(rows.drop(columns=["value_text", "approved_text"]), declared=declared)
        st.markdown(f"**{t('review.warnings_title', lang)}**")
        warnings = batch_warnings(batch)
        if warnings.empty:
            st.caption(t("review.no_warnings", lang))
        else:
            table(warnings)
        chosen = queue.set_index("id").loc[batch]
        own = chosen["user_name"] == user.name and any(
            user.role_in(code) != "admin" for code in (chosen["programmes"] or "").split(", "))
        if own:
            st.caption(t("review.own_batch", lang))
        comment = st.text_area(t("review.comment", lang), key=f"review_comment_{batch}", max_chars=2000)
        left, right = st.columns(2)
        if left.button(t("review.approve", lang, batch=batch), type="primary", disabled=own, key="review_approve"):
            decide(approve, batch, "review.approved", comment=comment)
        if right.button(t("review.return", lang, batch=batch), key="review_return"):
            decide(return_batch, batch, "review.returned", comment=comment)

st.subheader(t("review.returned_title", lang))
st.caption(t("review.returned_help", lang))
returned = batches(states=("returned",), uploaded_by=None if context.may("approve") else user.name,
                   within=scope if context.may("approve") else None)
if returned.empty:
    st.info(t("review.returned_empty", lang))
else:
    for row in returned.itertuples():
        label = batch_label(row.id, row.file_name, row.user_name, row.uploaded_at, row.rows_accepted, lang)
        st.markdown(f"**{as_text(label)}**  \n{as_text(row.reviewed_by)}: {as_text(row.review_comment or '')}")

if context.may("upload"):
    st.subheader(t("review.mine", lang))
    mine = batches(uploaded_by=user.name)
    if mine.empty:
        st.info(t("review.mine_empty", lang))
    else:
        table(mine.drop(columns=["user_name"]), codes=STATES)

if context.may("approve"):
    with st.expander(t("review.history", lang)):
        table(review_history(within=scope), codes=STATES)
