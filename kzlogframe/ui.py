"""Streamlit glue: the shell's widgets (language, login, programme, reporting period) that ``app.py``
draws before any page runs, the one call every page starts with, and cached loading.

The only module besides the pages that imports streamlit; everything it returns is plain data.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .access import (
    LOCAL_USER, Account, LoginRefused, User, UsersFileError, allowed, load_users, login, logout, programmes_allowed,
    resume, session_token, token_id, user_of)
from .catalog import load_catalog, logframes_dir
from .chart_export import export_formats
from .exports import export_table
from .finance_ingest import current_entries
from .formatting import programme_notice
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from .measurements import (
    StoreSource, current_measurements, data_as_of, measured_period_ends, measurement_history, store_version)
from .models import Logframe
from .periods import ReportingPeriod, latest_finished_with_data
from .progress import disaggregated_progress, indicator_progress, level_progress, series
from .report import Report, build_report
from .review import Waiting, waiting
from .schedule import Actual
from .sessions import COOKIE, LIFETIME
from .store import StoreLocked, db_path
from .trend import TrendBands, history
from .validation import LogframeError

_CONTEXT = "_page_context"
STAMP_WAIT_SECONDS = 1.0  # how long a page waits for a writing process before showing the last data it had
_log = logging.getLogger("kzlogframe")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


@dataclass(frozen=True)
class PageContext:
    """What the shell settled before the page runs: who, in which language, which programme and,
    on pages that assess progress, which reporting period (``as_of`` its last day, or today);
    ``programmes``: the codes the user may view (pages about every programme show these only)."""

    user: User
    lang: str
    logframe: Logframe
    period: ReportingPeriod | None = None
    previous: ReportingPeriod | None = None
    programmes: tuple[str, ...] = ()

    def may(self, permission: str) -> bool:
        """Whether the user may ``permission`` in the chosen programme."""
        return allowed(self.user, permission, self.logframe.programme.code)

    @property
    def as_of(self) -> dt.date:
        if self.period is None:
            return latest_data_day(self.logframe)
        return min(self.period.end, dt.date.today())


# ---------------------------------------------------------------- the shell (called by app.py)


def as_text(text: str) -> str:
    """Text from a file or a user, escaped for Streamlit's Markdown: shown as written, never as a
    link, an image or formatting (a column named ``![x](http://…)`` must not fetch anything)."""
    return _MARKDOWN.sub(r"\\\1", text)


@contextmanager
def friendly_errors(lang: str) -> Iterator[None]:
    """When the store cannot be used, say so in the user's language and what to do; the details go to
    the server's log (``client.showErrorDetails`` keeps tracebacks out of the browser)."""
    try:
        yield
    except StoreLocked as exc:
        _log.warning("store busy: %s", exc)
        st.error(t("error.store_busy", lang))
    except (duckdb.IOException, OSError) as exc:
        _log.exception("store unavailable")
        full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left on device" in str(exc)
        st.error(t("error.disk_full" if full else "error.store_unavailable", lang))


def language_picker() -> str:
    """The language selectbox; drawn before anything else, so every label of this run uses it. Its
    value, like the programme's and the period's, persists for the session: a page opened with
    ``st.switch_page`` (the Logframe status page's "open indicator") reruns without the browser's
    widget states, and Streamlit would otherwise drop the choice and fall back to English."""
    current = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return st.sidebar.selectbox(t("sidebar.language", current), list(LANGUAGES), key="lang",
                                format_func=LANGUAGES.__getitem__, persist_state="session")


def current_user(lang: str) -> User:
    """The signed-in user; otherwise draws the login form and stops the run.

    Without a users file: local single-user mode, the one user administers (with a banner). A user
    whose entry in the users file changed (role, scope, password) signs in again. With a users file,
    a new browser session (a reload) signs in with the session cookie set at the last sign-in, if
    :func:`access.resume` accepts it."""
    if (cookie := st.session_state.pop("_cookie", None)) is not None:
        _write_cookie(cookie)
    users = _users(lang)
    if _oidc_configured():
        user = _oidc_user(users or {}, lang)
    elif users is None:
        user = User(LOCAL_USER, "admin")
    else:
        user = st.session_state.get("_user")
        if user is None or user.name not in users or user_of(user.name, users[user.name]) != user:
            st.session_state.pop("_user", None)
            user = _resumed(users)
            if user is None:
                _login_form(users, lang)
    if user.name == LOCAL_USER:
        st.sidebar.caption(t("access.local_mode", lang))
    else:
        st.sidebar.caption(t("access.signed_in", lang, name=user.name, role=role_text(user, lang)))
        if st.sidebar.button(t("access.logout", lang), key="logout"):
            if users is not None:
                logout(user, st.session_state.pop("_session", None), client=_client_address())
                st.session_state["_cookie"] = ""  # cleared in the browser on the next run
            st.session_state.pop("_user", None)
            st.rerun()
    return user


def _resumed(users: dict[str, Account]) -> User | None:
    """The user the browser's session cookie signs in, tried once per browser session (the cookies
    Streamlit reads are those sent when the session opened: after a sign-out they are stale)."""
    token = st.context.cookies.get(COOKIE)
    if not token or st.session_state.get("_cookie_tried"):
        return None
    st.session_state["_cookie_tried"] = True
    try:
        user, session = resume(token, users, client=_client_address())
    except LoginRefused as exc:
        st.session_state["_login_notice"] = (exc.key, exc.values)
        _write_cookie("")  # a refused cookie is removed from the browser
        return None
    st.session_state["_user"], st.session_state["_session"] = user, session
    return user


def _write_cookie(token: str) -> None:
    """Set the session cookie in the browser (an empty token removes it). Streamlit reads cookies
    but cannot set them, so a script does; it cannot be HttpOnly (see docs/security.md)."""
    age = int(LIFETIME.total_seconds()) if token else 0
    st.sidebar.html(f"<script>document.cookie = '{COOKIE}={token}; Path=/; Max-Age={age}; SameSite=Strict'"
                    " + (location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)


def _users(lang: str) -> dict[str, Account] | None:
    """The users file, its programme codes checked against the catalog; a file that cannot be used
    stops the app with its problems (file:line: field: message)."""
    try:
        codes = set(catalog())
    except LogframeError:
        codes = None  # the programme picker says what is wrong with the logframes
    try:
        return load_users(programmes=codes)
    except UsersFileError as exc:
        st.error(t("access20.users_file", lang))
        st.code(str(exc), language=None)
        st.stop()


def role_text(user: User, lang: str) -> str:
    """The user's default role and, after it, the programmes where the role differs."""
    scoped = "; ".join(f"{code.upper()}: {t(f'role.{role}', lang)}" for code, role in user.roles)
    return t(f"role.{user.role}", lang) + (f"; {scoped}" if scoped else "")


def _login_form(users: dict[str, Account], lang: str) -> None:
    st.title(t("login.title", lang))
    if notice := st.session_state.pop("_login_notice", None):
        st.warning(t(notice[0], lang, **notice[1]))
    with st.form("login"):
        name = st.text_input(t("login.name", lang), key="login_name")
        password = st.text_input(t("login.password", lang), type="password", key="login_password")
        if st.form_submit_button(t("login.submit", lang), type="primary"):
            try:
                user = login(name.strip(), password, users, client=_client_address())
                stored = load_users() or users  # again: a login may have upgraded the password's hash
                token = session_token(user.name, stored[user.name])
                st.session_state.update(_user=user, _cookie=token, _session=token_id(token))
                st.rerun()
            except LoginRefused as exc:
                st.error(t(exc.key, lang, **exc.values))
    st.stop()


def _client_address() -> str | None:
    """The browser's address, which the login limits count failures by (None when unknown)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def _oidc_configured() -> bool:
    """Single sign-on through Streamlit's ``st.login`` when ``[auth]`` is in ``.streamlit/secrets.toml``."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _oidc_user(users: dict[str, Account], lang: str) -> User:
    """The identity provider says who; the users file (by e-mail) says which roles, else viewer."""
    if not st.user.get("is_logged_in", False):
        st.title(t("login.title", lang))
        st.button(t("login.sso", lang), on_click=st.login, type="primary")
        st.stop()
    name = str(st.user.get("email") or st.user.get("name"))
    return user_of(name, users[name]) if name in users else User(name, "viewer")


def programme_picker(lang: str, user: User) -> Logframe:
    """The programme selectbox over the bundled logframes ``user`` may view; stops with the problems
    when a file is broken, or with a word when the user may view none."""
    try:
        everything = catalog()
    except LogframeError as exc:
        st.error(t("error.logframes", lang))
        st.code("\n".join(str(p) for p in exc.problems), language=None)
        st.stop()
    programmes = {code: everything[code] for code in programmes_allowed(user, "view", everything)}
    if not programmes:
        st.error(t("access20.no_programme", lang))
        st.stop()
    if st.session_state.get("_programme_lang") != lang and st.session_state.get("programme") in programmes:
        # The browser keeps the chosen option as it was worded; set it again so it is worded in the new
        # language at once (otherwise it matches no option on the next run and falls back to the first).
        st.session_state["programme"] = st.session_state["programme"]
    st.session_state["_programme_lang"] = lang
    code = st.sidebar.selectbox(t("sidebar.programme", lang), list(programmes), key="programme",
                                format_func=lambda c: programme_label(programmes[c], lang), persist_state="session")
    chosen = programmes[code].programme
    notice = programme_notice(chosen.kind.value, chosen.financing.get(lang) if chosen.financing else None,
                              chosen.related_to, lang)
    if notice:  # a programme outside the EU budget says so on every page
        st.sidebar.caption(notice)
    return programmes[code]


def period_picker(lf: Logframe, lang: str) -> tuple[ReportingPeriod, ReportingPeriod | None]:
    """The reporting period the progress pages assess (and the one before it, to compare with).

    It opens on the last finished period that has data; when new data arrive, it opens on theirs
    again (a period the user chose stays until then)."""
    periods = [p for p in lf.reporting_periods() if p.start <= dt.date.today()]
    default = _default_period(lf.programme.code, _stamp())
    chosen = st.sidebar.selectbox(t("sidebar.period", lang), periods, index=periods.index(default),
                                  format_func=str, help=t("sidebar.period_help", lang),
                                  key=f"period_{lf.programme.code}_{default.label}", persist_state="session")
    return chosen, periods[chosen.index - 2] if chosen.index > 1 else None


def enter(context: PageContext) -> None:
    """Hand the shell's choices to the page that runs next."""
    st.session_state[_CONTEXT] = context


def require(permission: str) -> PageContext:
    """Every page's first call: the shell's choices, if the user's role in the chosen programme
    allows ``permission``; otherwise say so and stop the page."""
    context = st.session_state.get(_CONTEXT)
    if context is None:  # a page script run on its own: nobody signed in, nothing chosen
        st.error(t("access.no_shell", st.session_state.get("lang", DEFAULT_LANGUAGE)))
        st.stop()
    if not context.may(permission):
        role = context.user.role_in(context.logframe.programme.code)
        st.error(t("access.denied", context.lang, role=t(f"role.{role}", context.lang)))
        st.stop()
    return context


def programme_label(lf: Logframe, lang_code: str) -> str:
    short = lf.programme.short_title
    names = {(v or "").upper() for v in (short.kk, short.en, short.ru)} if short else set()
    title = (short if short and lf.programme.code.upper() not in names else lf.programme.title).get(lang_code)
    return f"{lf.programme.code.upper()} — {title}"


# ---------------------------------------------------------------- cached loading


@st.cache_resource(show_spinner=False)
def _catalog(directory: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, Logframe]:
    return load_catalog(Path(directory))


def catalog() -> dict[str, Logframe]:
    """The bundled logframes, re-read whenever a YAML file changes on disk."""
    directory = logframes_dir()
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(directory.glob("*.yaml")))
    return _catalog(str(directory), stamp)


_last_version: dict[str, tuple] = {}


def _stamp() -> tuple:
    """What the cached frames depend on. While another process writes the store, the last version
    seen stands in, so pages keep showing the data they had instead of waiting for the write."""
    directory = logframes_dir()
    path = str(db_path())
    try:
        version = _last_version[path] = store_version(wait=STAMP_WAIT_SECONDS)
    except StoreLocked:
        if path not in _last_version:
            raise
        version = _last_version[path]
        st.caption(t("error.showing_last_data", st.session_state.get("lang", DEFAULT_LANGUAGE)))
    return (path, version, tuple((p.name, p.stat().st_mtime) for p in sorted(directory.glob("*.yaml"))))


@st.cache_data(show_spinner=False, max_entries=32)
def _default_period(programme: str, stamp: tuple) -> ReportingPeriod:
    lf = catalog()[programme]
    return latest_finished_with_data(lf.reporting_periods(), measured_period_ends(programme), dt.date.today())


def latest_data_day(lf: Logframe) -> dt.date:
    """The end of the latest data, or today, never after the programme's end: a natural "today"
    for pages that do not assess a reporting period (the Sequencing page)."""
    return min(data_as_of(lf.programme.code) or dt.date.today(), dt.date.today(), lf.end_date)


@st.cache_resource(show_spinner=False, max_entries=4)
def _measurements(programme: str, stamp: tuple) -> pd.DataFrame:
    return current_measurements(programme, stamp[0])


def measurements(programme: str) -> pd.DataFrame:
    """One programme's current measurements (for its report, export and state scores), re-read only
    when an upload or rollback changed the store. Never the whole store: progress across
    programmes is computed in the store (:func:`progress_frames`).

    Shared between sessions without copying: callers must not modify the frame."""
    return _measurements(programme, _stamp())


@st.cache_data(show_spinner=False, max_entries=16)
def _report(programme: str, period: str, lang: str, actuals: Mapping[str, Actual], narratives: Mapping[str, str],
            statuses: Mapping[str, tuple[str, str | None]], today: dt.date, stamp: tuple) -> Report:
    lf = catalog()[programme]
    chosen = lf.reporting_period(period)
    return build_report(lf, _measurements(programme, stamp), chosen, lang, actuals=actuals,
                        narratives=narratives, assumption_status=statuses, generated=today,
                        waiting=waiting(programme, chosen.end, stamp[0]), finance=current_entries(programme, stamp[0]))


def report_model(programme: str, period: ReportingPeriod, lang: str, *, actuals: Mapping[str, Actual],
                 narratives: Mapping[str, str], statuses: Mapping[str, tuple[str, str | None]]) -> Report:
    """:func:`report.build_report` of one programme, built again only when its inputs change: the
    store's measurements, the activity dates, narratives and assumption statuses passed in (read
    on every run, so a saved narrative shows at once) or the day."""
    return _report(programme, period.label, lang, actuals, narratives, statuses, dt.date.today(), _stamp())


@st.cache_data(show_spinner=False, max_entries=16)
def _waiting(programme: str | None, until: dt.date | None, within: tuple[str, ...] | None, stamp: tuple) -> Waiting:
    return waiting(programme, until, stamp[0], within=within)


def waiting_for_review(programme: str | None = None, until: dt.date | None = None, *,
                       within: tuple[str, ...] | None = None) -> Waiting:
    """Batches and values waiting for review (:func:`review.waiting`) of one programme, of the
    programmes ``within`` or of all, read again only when the store changes."""
    return _waiting(programme, until, within, _stamp())


@st.cache_data(show_spinner=False, max_entries=8)
def _export_table(programme: str, lang: str, stamp: tuple) -> pd.DataFrame:
    return export_table(catalog()[programme], _measurements(programme, stamp), lang)


def export_frame(programme: str, lang: str) -> pd.DataFrame:
    """The Export page's rows of one programme in ``lang`` (every stored value with its reporting
    value and status), computed once per store state instead of on every rerun of the page."""
    return _export_table(programme, lang, _stamp())


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(codes: tuple[str, ...], as_of: dt.date, stamp: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    everything = catalog()
    programmes = {c: everything[c] for c in codes}
    indicators = indicator_progress(StoreSource(codes, db=stamp[0]), programmes, as_of)
    return indicators, level_progress(indicators, programmes)


def progress_frames(as_of: dt.date, programme: str | None = None, *,
                    programmes: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicator progress, level progress) at ``as_of`` for one programme, or for ``programmes``
    (default: all), computed inside the store (only the per-indicator result reaches the app);
    cached per store state."""
    codes = (programme,) if programme else programmes or tuple(catalog())
    return _progress(codes, as_of, _stamp())


@dataclass(frozen=True)
class IndicatorFrames:
    """What the Indicators page shows of one indicator, read from its rows only."""

    points: pd.DataFrame  # progress.series: actual and planned chart points
    cells: pd.DataFrame  # progress.disaggregated_progress of this indicator
    history: pd.DataFrame  # measurements.measurement_history


@st.cache_data(show_spinner=False, max_entries=64)
def _indicator(programme: str, indicator: str, as_of: dt.date, stamp: tuple) -> IndicatorFrames:
    lf = catalog()[programme]
    source = StoreSource((programme,), (indicator,), db=stamp[0])
    cells = disaggregated_progress(source, {programme: lf}, as_of)
    return IndicatorFrames(series(source, indicator, lf), cells[cells["indicator"] == indicator].reset_index(drop=True),
                           measurement_history(programme, indicator, stamp[0]))


def indicator_frames(programme: str, indicator: str, as_of: dt.date) -> IndicatorFrames:
    """One indicator's chart points, cells and history at ``as_of``; cached per store state."""
    return _indicator(programme, indicator, as_of, _stamp())


def progress_history(lf: Logframe, period: ReportingPeriod,
                     periods: int = TrendBands().periods) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`trend.history` of one programme's indicators and levels over the last ``periods``
    reporting periods up to ``period``, each assessed at its end as the pages assess it."""
    recent = [p for p in lf.reporting_periods() if p.index <= period.index][-periods:]
    frames = [progress_frames(min(p.end, dt.date.today()), lf.programme.code) for p in recent]
    return (history([f[0] for f in frames], ["programme", "indicator"], "vs_expected"),
            history([f[1] for f in frames], ["programme", "level_kind", "level_code"], "score"))


EMPTY_CELL = "–"  # what a table shows for a missing value, instead of a grey "None"


def data_table(data: object, **options: object) -> object:
    """``st.dataframe`` as every page shows a table: the page's width, no index, a dash in empty
    cells. ``options`` go to ``st.dataframe`` (a key, column settings, a selection)."""
    return st.dataframe(data, **{"hide_index": True, "width": "stretch", "placeholder": EMPTY_CELL, **options})


ONE_CLICK = ("single-row", "single-cell")  # a table's selection_mode where one click on any cell picks its row


def picked_row(event: object) -> int | None:
    """The row a reader picked in a table drawn with ``selection_mode=ONE_CLICK``: by its row marker
    or by any of its cells (one click on a status picks its row)."""
    selection = getattr(event, "selection", None)
    if selection is None:
        return None
    if selection.rows:
        return selection.rows[0]
    return selection.cells[0][0] if selection.cells else None


def chart(fig: go.Figure, name: str, key: str, lang: str) -> None:
    """A plotly chart with its export buttons: PNG and SVG (through Chromium) and standalone HTML."""
    st.plotly_chart(fig, width="stretch", key=key)
    formats = export_formats(fig)
    columns = st.columns([1, 1, 1, 5])
    for column, (extension, (data, mime, _)) in zip(columns, formats.items()):
        column.download_button(extension.upper(), data=data, file_name=f"{name}.{extension}", mime=mime,
                               key=f"{key}_{extension}", icon=":material/download:")
    if "png" not in formats:
        columns[-1].caption(t("chart.no_browser", lang))
