"""Audit log for administrators: every write, with who and when."""

import streamlit as st

from kzlogframe.i18n import t
from kzlogframe.store import audit_entries
from kzlogframe.tables import audit_rows, words
from kzlogframe.ui import data_table, require

lang = require("audit").lang

st.title(t("page.audit", lang))
st.caption(t("audit.intro", lang))
entries = audit_entries()
if entries.empty:
    st.info(t("audit.empty", lang))
else:
    actions = sorted(entries["action"].unique())
    chosen = st.multiselect(t("audit.filter_action", lang), actions, key="audit_actions",
                            placeholder=t("filter.all", lang),
                            format_func=lambda action: words(action, "audit.action", lang))
    shown = entries[entries["action"].isin(chosen)] if chosen else entries
    data_table(audit_rows(shown, lang))
