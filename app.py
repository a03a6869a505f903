"""Entry point: ``streamlit run app.py``. Signs the user in, then offers the pages their role allows;
each page draws the shared pickers via ``ui.page_context``."""

import streamlit as st

from kzlogframe.access import allowed
from kzlogframe.i18n import t
from kzlogframe.ui import current_user, lang

st.set_page_config(page_title="kzlogframe", page_icon="📊", layout="wide")
user = current_user()
language = lang()

PAGES = [  # (script, title key, icon, url path, permission)
    ("views/overview.py", "page.overview", ":material/dashboard:", "overview", "view"),
    ("views/status.py", "page.status", ":material/fact_check:", "status", "view"),
    ("views/indicators.py", "page.indicators", ":material/monitoring:", "indicators", "view"),
    ("views/logframe.py", "page.logframe", ":material/account_tree:", "logframe", "view"),
    ("views/sequencing.py", "page.sequencing", ":material/event:", "sequencing", "view"),
    ("views/report.py", "page.report", ":material/description:", "report", "download_report"),
    ("views/export.py", "page.export", ":material/download:", "export", "export"),
    ("views/upload.py", "page.upload", ":material/upload:", "upload", "upload"),
    ("views/audit.py", "page.audit", ":material/policy:", "audit", "audit"),
]
navigation = st.navigation([
    st.Page(script, title=t(title, language), icon=icon, url_path=path, default=(path == "overview"))
    for script, title, icon, path, permission in PAGES if allowed(user.role, permission)
])
navigation.run()
