"""Streamlit glue shared by the pages: the chosen programme and language, and cached loading.

The only module besides the pages that imports streamlit; everything it returns is plain data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .access import LOCAL_USER, User, allowed, load_users, login
from .catalog import load_catalog, logframes_dir
from .chart_export import export_formats
from .store import db_path
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from .measurements import current_measurements, data_as_of, store_version
from .models import Logframe
from .progress import indicator_progress, level_progress
from .validation import LogframeError


@st.cache_resource(show_spinner=False)
def _catalog(directory: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, Logframe]:
    return load_catalog(Path(directory))


def catalog() -> dict[str, Logframe]:
    """The bundled logframes, re-read whenever a YAML file changes on disk."""
    directory = logframes_dir()
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(directory.glob("*.yaml")))
    return _catalog(str(directory), stamp)


def lang() -> str:
    return st.session_state.get("_lang", DEFAULT_LANGUAGE)


def _remembered(widget_key: str, store_key: str, default: str, allowed: list[str]) -> None:
    """Re-seed a widget from a plain session key, because Streamlit drops widget state on page change."""
    value = st.session_state.get(widget_key, st.session_state.get(store_key, default))
    st.session_state[widget_key] = value if value in allowed else default


def page_context() -> tuple[Logframe, str]:
    """Log in, draw the language and programme pickers, and return what the page should show.

    Every page calls this first, so the choice follows the user from page to page.
    """
    _remembered("lang", "_lang", DEFAULT_LANGUAGE, list(LANGUAGES))
    st.sidebar.selectbox(t("sidebar.language", st.session_state["lang"]), list(LANGUAGES), key="lang",
                         format_func=LANGUAGES.__getitem__)
    current = st.session_state["_lang"] = st.session_state["lang"]
    user = current_user()
    if user.name == LOCAL_USER:
        st.sidebar.caption(t("access.local_mode", current))
    else:
        st.sidebar.caption(t("access.signed_in", current, name=user.name, role=user.role))
        if st.sidebar.button(t("access.logout", current), key="logout"):
            st.session_state.pop("_user", None)
            st.rerun()
    try:
        programmes = catalog()
    except LogframeError as exc:
        st.error(t("error.logframes", current))
        st.code("\n".join(str(p) for p in exc.problems), language=None)
        st.stop()
    codes = list(programmes)
    _remembered("programme", "_programme", codes[0], codes)
    st.sidebar.selectbox(t("sidebar.programme", current), codes, key="programme",
                         format_func=lambda c: programme_label(programmes[c], current))
    st.session_state["_programme"] = st.session_state["programme"]
    return programmes[st.session_state["programme"]], current


def programme_label(lf: Logframe, lang_code: str) -> str:
    short = lf.programme.short_title
    title = (short if short and short.en.upper() != lf.programme.code.upper() else lf.programme.title).get(lang_code)
    return f"{lf.programme.code.upper()} — {title}"


def current_user() -> User:
    """The logged-in user; draws the login form and stops the page until there is one.

    Without a users file: local single-user mode, the one user administers (with a banner)."""
    users = load_users()
    if _oidc_configured():
        return _oidc_user(users or {})
    if users is None:
        return User(LOCAL_USER, "admin")
    user = st.session_state.get("_user")
    if user is not None and user.name in users and users[user.name][0] == user.role:
        return user
    st.session_state.pop("_user", None)
    language = lang()
    st.title(t("login.title", language))
    with st.form("login"):
        name = st.text_input(t("login.name", language), key="login_name")
        password = st.text_input(t("login.password", language), type="password", key="login_password")
        if st.form_submit_button(t("login.submit", language), type="primary"):
            try:
                st.session_state["_user"] = login(name.strip(), password, users)
                st.rerun()
            except ValueError as exc:
                st.error(str(exc))
    st.stop()


def _oidc_configured() -> bool:
    """Single sign-on through Streamlit's ``st.login`` when ``[auth]`` is in ``.streamlit/secrets.toml``."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _oidc_user(users: dict[str, tuple[str, str]]) -> User:
    """The identity provider says who; the users file (by e-mail) says which role, else viewer."""
    if not st.user.get("is_logged_in", False):
        st.title(t("login.title", lang()))
        st.button(t("login.sso", lang()), on_click=st.login, type="primary")
        st.stop()
    name = str(st.user.get("email") or st.user.get("name"))
    return User(name, users[name][0] if name in users else "viewer")


def require(permission: str) -> User:
    """The current user if allowed; otherwise say so and stop the page."""
    user = current_user()
    if not allowed(user.role, permission):
        st.error(t("access.denied", lang(), role=user.role))
        st.stop()
    return user


def default_as_of(lf: Logframe) -> dt.date:
    """Assess at the end of the latest data, or today, never after the programme's end."""
    return min(data_as_of(lf.programme.code) or dt.date.today(), dt.date.today(), lf.end_date)


def _stamp() -> tuple:
    directory = logframes_dir()
    return (str(db_path()), store_version(),
            tuple((p.name, p.stat().st_mtime) for p in sorted(directory.glob("*.yaml"))))


@st.cache_resource(show_spinner=False, max_entries=4)
def _measurements(programme: str | None, stamp: tuple) -> pd.DataFrame:
    return current_measurements(programme)


def measurements(programme: str | None = None) -> pd.DataFrame:
    """Current measurements, re-read only when an upload or rollback changed the store.

    Shared between sessions without copying: callers must not modify the frame."""
    return _measurements(programme, _stamp())


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(codes: tuple[str, ...], as_of: dt.date, stamp: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    programmes = {c: lf for c, lf in catalog().items() if c in codes}
    measured = measurements(codes[0] if len(codes) == 1 else None)
    indicators = indicator_progress(measured, programmes, as_of)
    return indicators, level_progress(indicators, programmes)


def progress_frames(as_of: dt.date, programme: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator progress, level progress) at ``as_of`` for one programme or all; cached per store state."""
    codes = (programme,) if programme else tuple(catalog())
    return _progress(codes, as_of, _stamp())


def as_of_picker(lf: Logframe, key: str = "as_of") -> dt.date:
    """The assessment date, shared by the progress pages. Its default follows the data: when new
    data arrive, the picker starts again from their end (a date the user chose stays until then)."""
    lang_code = lang()
    default = default_as_of(lf)
    return st.sidebar.date_input(t("progress.as_of", lang_code), value=default,
                                 min_value=lf.programme.implementation.fa_signature, max_value=lf.end_date,
                                 help=t("progress.as_of_help", lang_code),
                                 key=f"{key}_{lf.programme.code}_{default.isoformat()}")


def chart(fig: go.Figure, name: str, key: str) -> None:
    """A plotly chart with its export buttons: PNG and SVG (through Chromium) and standalone HTML."""
    st.plotly_chart(fig, width="stretch", key=key)
    formats = export_formats(fig)
    columns = st.columns([1, 1, 1, 5])
    for column, (extension, (data, mime, _)) in zip(columns, formats.items()):
        column.download_button(extension.upper(), data=data, file_name=f"{name}.{extension}", mime=mime,
                               key=f"{key}_{extension}", icon=":material/download:")
    if "png" not in formats:
        columns[-1].caption(t("chart.no_browser", lang()))
