"""Entry point: ``streamlit run app.py``. Each page draws the shared pickers via ``ui.page_context``."""

import streamlit as st

from kzlogframe.i18n import t
from kzlogframe.ui import lang

st.set_page_config(page_title="kzlogframe", page_icon="📊", layout="wide")

navigation = st.navigation([
    st.Page("views/logframe.py", title=t("page.logframe", lang()), icon="🗂️", url_path="logframe", default=True),
    st.Page("views/upload.py", title=t("page.upload", lang()), icon="⬆️", url_path="upload"),
])
navigation.run()
