"""Entry point: ``streamlit run app.py``. Each page draws the shared pickers via ``ui.page_context``."""

import streamlit as st

from kzlogframe.i18n import t
from kzlogframe.ui import lang

st.set_page_config(page_title="kzlogframe", page_icon="📊", layout="wide")

navigation = st.navigation([
    st.Page("views/overview.py", title=t("page.overview", lang()), icon=":material/dashboard:", url_path="overview",
            default=True),
    st.Page("views/status.py", title=t("page.status", lang()), icon=":material/fact_check:", url_path="status"),
    st.Page("views/indicators.py", title=t("page.indicators", lang()), icon=":material/monitoring:",
            url_path="indicators"),
    st.Page("views/logframe.py", title=t("page.logframe", lang()), icon=":material/account_tree:", url_path="logframe"),
    st.Page("views/sequencing.py", title=t("page.sequencing", lang()), icon=":material/event:", url_path="sequencing"),
    st.Page("views/upload.py", title=t("page.upload", lang()), icon=":material/upload:", url_path="upload"),
])
navigation.run()
