"""Entry point: ``streamlit run app.py``. The shell: language, sign-in, programme and (on pages that
assess progress) reporting period are chosen here, in the sidebar, before the page runs; each
page then starts with ``ui.require(permission)``."""

import streamlit as st

from kzlogframe import ui
from kzlogframe.access import allowed, programmes_allowed
from kzlogframe.i18n import t

PAGES = [  # (script, title key, icon, url path, permission, assesses a reporting period)
    ("views/overview.py", "page.overview", ":material/dashboard:", "overview", "view", True),
    ("views/status.py", "page.status", ":material/fact_check:", "status", "view", True),
    ("views/indicators.py", "page.indicators", ":material/monitoring:", "indicators", "view", True),
    ("views/logframe.py", "page.logframe", ":material/account_tree:", "logframe", "view", False),
    ("views/sequencing.py", "page.sequencing", ":material/event:", "sequencing", "view", False),
    ("views/budget.py", "page.budget", ":material/account_balance:", "budget", "view", True),
    ("views/report.py", "page.report", ":material/description:", "report", "download_report", True),
    ("views/export.py", "page.export", ":material/download:", "export", "export", True),
    ("views/upload.py", "page.upload", ":material/upload:", "upload", "upload", False),
    ("views/data_entry.py", "entry.page", ":material/edit_note:", "data-entry", "upload", False),
    ("views/review.py", "page.review", ":material/rule:", "review", "review", False),
    ("views/audit.py", "page.audit", ":material/policy:", "audit", "audit", False),
]

st.set_page_config(page_title="kzlogframe", page_icon="📊", layout="wide")
lang = ui.language_picker()
with ui.friendly_errors(lang):
    user = ui.current_user(lang)
    logframe = ui.programme_picker(lang, user)
    code = logframe.programme.code
    pages = {st.Page(script, title=t(title, lang), icon=icon, url_path=path, default=path == "overview"): assesses
             for script, title, icon, path, permission, assesses in PAGES if allowed(user, permission, code)}
    navigation = st.navigation(list(pages))
    assesses = next(flag for page, flag in pages.items() if page.title == navigation.title)
    period, previous = ui.period_picker(logframe, lang) if assesses else (None, None)
    viewable = tuple(programmes_allowed(user, "view", ui.catalog()))
    ui.enter(ui.PageContext(user, lang, logframe, period, previous, viewable))
    navigation.run()
