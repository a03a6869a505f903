"""Who may do what. Roles, password hashes, login with rate limiting, and the one permission table.

Without a users file the app runs in local single-user mode (bound to localhost): the one user
administers. With ``data/users.yaml`` every page asks for a login and every write checks the role,
in the page and again in the library function that writes. A user has a default role and may have
another role in some programmes (``roles: {psr: uploader}``, or ``none`` to keep a programme hidden):
:func:`allowed` is the one place that reads the scope.

Failed logins slow down the (name, client) pair that fails, exponentially, never the right password
from a client that has not failed; past a global ceiling of failures per minute every check waits and
clients that have just failed are turned away. The audit log is the limiter's memory across processes.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import math
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml

from . import sessions
from .i18n import t
from .store import audit, connect, writing
from .yaml_source import Problem, SourceMap, parse_yaml

ROLES = ("viewer", "uploader", "reviewer", "exporter", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "download_report": frozenset(ROLES),
    "upload": frozenset({"uploader", "admin"}),
    "record": frozenset({"uploader", "admin"}),  # activity dates, narratives, assumption statuses, the
    # report's summary, deviations, risks and criteria, and submitting it to the committee
    "review": frozenset({"uploader", "reviewer", "admin"}),  # the Review page: the queue, one's own batches
    "approve": frozenset({"reviewer", "admin"}),  # approve or return a batch (never one's own: kzlogframe.review)
    "decide": frozenset({"admin"}),  # the committee's decisions; approving a report or returning it to draft
    "export": frozenset({"exporter", "admin"}),
    "rollback": frozenset({"admin"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
    "store": frozenset({"admin"}),  # back up the whole store, or replace it by a restore
}
GLOBAL_PERMISSIONS = frozenset({"users", "audit", "store"})  # not about one programme: the default role decides
NO_ACCESS = "none"  # a programme's role that hides it (a role in no permission's set)
SCOPE_ROLES = (*ROLES, NO_ACCESS)
LOCAL_USER = "local"
FREE_FAILURES = 5  # failures of one (name, client) pair before it has to wait
BACKOFF_BASE = 1.0  # seconds after the first failure past the free ones, doubling with each further one
BACKOFF_MAX = 15 * 60.0
PAIR_MEMORY = dt.timedelta(hours=1)  # failures older than this no longer count for the pair
GLOBAL_WINDOW = dt.timedelta(minutes=1)
GLOBAL_CEILING = 30  # failed logins per GLOBAL_WINDOW across all names: beyond it, everyone slows down
GLOBAL_DELAY = 1.0  # seconds every check waits while over the ceiling
UNKNOWN_CLIENT = "unknown"
MAX_LOGGED = 64  # characters of a name or client written to the audit log
_SCRYPT = {"n": 2**17, "r": 8, "p": 1}  # OWASP: 128 MiB and 0.3–0.4 s per hash
_scrypt_slots = threading.BoundedSemaphore(2)  # hashes computed at once: memory stays at 256 MiB
_pair_locks = [threading.Lock() for _ in range(64)]  # one per (name, client) pair, striped
_users_file_lock = threading.Lock()
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
DEFAULT_USERS = Path(__file__).resolve().parent.parent / "data" / "users.yaml"


class PermissionDenied(PermissionError):
    pass


class LoginRefused(ValueError):
    """A refused login; the message is safe to show and never tells an unknown name from a wrong
    password. ``key`` and ``values`` give it in the reader's language: ``t(exc.key, lang, **exc.values)``."""

    def __init__(self, key: str, **values: object):
        self.key, self.values = key, values
        super().__init__(t(key, "en", **values))


class UsersFileError(ValueError):
    """A users file that cannot be used; ``problems`` say file, line, field and what is wrong."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class User:
    name: str
    role: str  # the default role: in every programme without one of its own, and for GLOBAL_PERMISSIONS
    os_user: str | None = None  # the operating-system account behind a command-line user
    roles: tuple[tuple[str, str], ...] = ()  # (programme, role) where the user's role differs from the default

    def role_in(self, programme: str | None) -> str:
        """The role the user has in ``programme`` (None: the default role)."""
        return dict(self.roles).get(programme, self.role) if programme else self.role


class Account(NamedTuple):
    """A user as stored in the users file (only the password's hash)."""

    role: str
    password_hash: str
    roles: tuple[tuple[str, str], ...] = ()


def user_of(name: str, account: Account) -> User:
    return User(name, account.role, roles=account.roles)


def users_path(path: Path | str | None = None) -> Path:
    return Path(path or os.environ.get("KZLOGFRAME_USERS") or DEFAULT_USERS)


def allowed(user: User, permission: str, programme: str | None = None) -> bool:
    """May ``user`` do ``permission`` in ``programme``? The user's role there decides (the default
    role for None and for permissions that are not about one programme: users, audit)."""
    role = user.role if permission in GLOBAL_PERMISSIONS else user.role_in(programme)
    return role in PERMISSIONS[permission]


def allowed_somewhere(user: User, permission: str) -> bool:
    """May ``user`` do ``permission`` in some programme (or by default)? What a menu or a file's
    check needs before it knows the programme."""
    return any(role in PERMISSIONS[permission] for role in (user.role, *dict(user.roles).values()))


def programmes_allowed(user: User, permission: str, programmes: Iterable[str]) -> list[str]:
    """Those of ``programmes`` in which ``user`` may do ``permission``, in their order."""
    return [code for code in programmes if allowed(user, permission, code)]


def authorize(user: User, permission: str, programme: str | None = None) -> None:
    """Raise unless ``user`` may ``permission`` (in ``programme``): the check every write makes before it writes."""
    if not allowed(user, permission, programme):
        where = f" in {programme}" if programme and permission not in GLOBAL_PERMISSIONS else ""
        raise PermissionDenied(f"the role '{user.role_in(programme)}' may not "
                               f"{permission.replace('_', ' ')}{where}")


def authorize_somewhere(user: User, permission: str) -> None:
    """Raise unless ``user`` may ``permission`` in some programme: the first check of a write whose
    programmes are known only later (each is then checked with :func:`authorize`)."""
    if not allowed_somewhere(user, permission):
        authorize(user, permission)


def authorize_all(user: User, permission: str, programmes: Iterable[str]) -> None:
    """:func:`authorize` in each of ``programmes`` (what one batch touches)."""
    for code in sorted(set(programmes)):
        authorize(user, permission, code)


def hash_password(password: str) -> str:
    """scrypt with a random salt, stored as ``scrypt$n$r$p$salt$hash`` (never the password)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, **_SCRYPT, dklen=32)
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + "$".join(
        base64.b64encode(x).decode() for x in (salt, digest))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, *, n: int, r: int, p: int, dklen: int) -> bytes:
    """OpenSSL refuses scrypt above 32 MiB unless told how much memory it may use: exactly what n, r, p need."""
    with _scrypt_slots:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen,
                              maxmem=128 * r * (n + p + 2))


def _current(stored: str) -> bool:
    return stored.startswith("scrypt${n}${r}${p}$".format(**_SCRYPT))


@functools.cache
def _dummy_hash(n: int, r: int, p: int) -> str:
    """A hash no password matches, with the current parameters: an unknown name costs what a known one does."""
    return f"scrypt${n}${r}${p}$" + "$".join(
        base64.b64encode(secrets.token_bytes(size)).decode() for size in (16, 32))


_ENTRY_KEYS = ("name", "role", "roles", "password_hash")


def load_users(path: Path | str | None = None, *,
               programmes: Collection[str] | None = None) -> dict[str, Account] | None:
    """``{name: Account}``, or None when there is no users file (local single-user mode). Raises
    :class:`UsersFileError` naming file, line and field for anything it cannot use: a missing or
    unknown role, an unknown key, a programme not in ``programmes`` (unchecked when None), a
    password that is not a hash."""
    target = users_path(path)
    if not target.exists():
        return None
    parsed = parse_yaml(target.read_text(encoding="utf-8"), str(target))
    if parsed.problems:
        raise UsersFileError(parsed.problems)
    users, problems = _accounts(parsed.data, parsed.source, programmes)
    if problems:
        raise UsersFileError(problems)
    return users


def _accounts(data: object, source: SourceMap, programmes: Collection[str] | None
              ) -> tuple[dict[str, Account], list[Problem]]:
    users: dict[str, Account] = {}
    problems: list[Problem] = []
    entries = (data or {}).get("users", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return users, [source.problem(("users",), "expected `users:` followed by a list of users")]
    for index, entry in enumerate(entries):
        at = ("users", index)
        if not isinstance(entry, dict):
            problems.append(source.problem(at, "a user is a mapping with name, role, password_hash (and roles)"))
            continue
        problems += [source.problem((*at, key), f"unknown key '{key}' (known: {', '.join(_ENTRY_KEYS)})")
                     for key in entry if key not in _ENTRY_KEYS]
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(source.problem((*at, "name"), "a user name is 2–64 letters, digits or . _ @ -"))
        elif name in users:
            problems.append(source.problem((*at, "name"), f"user '{name}' is listed twice"))
        roles = entry.get("roles") or {}
        if not isinstance(roles, dict):
            problems.append(source.problem((*at, "roles"), "expected a mapping of programme code to role"))
            roles = {}
        for code, role in roles.items():
            if programmes is not None and code not in programmes:
                problems.append(source.problem((*at, "roles", code), f"unknown programme '{code}' "
                                               f"(known: {', '.join(sorted(programmes))})"))
            if role not in SCOPE_ROLES:
                problems.append(source.problem((*at, "roles", code), f"unknown role '{role}' "
                                               f"(one of {', '.join(SCOPE_ROLES)})"))
        role = entry.get("role")
        if role not in SCOPE_ROLES:
            problems.append(source.problem((*at, "role"), f"needs a role: one of {', '.join(SCOPE_ROLES)}"))
        elif role == NO_ACCESS and not roles:
            problems.append(source.problem((*at, "role"), "the role 'none' needs roles in some programmes"))
        stored = entry.get("password_hash")
        if not isinstance(stored, str) or not stored.startswith("scrypt$"):
            problems.append(source.problem((*at, "password_hash"),
                                           "needs a password_hash made by `python -m kzlogframe users add`"))
        if isinstance(name, str) and name not in users:
            users[name] = Account(str(role), str(stored), tuple(sorted((str(c), str(r)) for c, r in roles.items())))
    return users, problems


def add_user(name: str, role: str | None, password: str | None, *, actor: User, path: Path | str | None = None,
             db: Path | str | None = None, programmes: Collection[str] = (), default_role: str | None = None,
             known: Collection[str] | None = None) -> None:
    """Create or update a user; the file keeps only the hash.

    Without ``programmes``, ``role`` is the user's default role; with them, the user's role in each of
    those programmes (``none`` hides one) and ``default_role`` the role everywhere else (kept as it
    was when None; viewer for a new user). ``role`` None keeps the roles (to change a password);
    ``password`` None keeps the password (an existing user only). ``known`` lists the programme
    codes a role may name."""
    authorize(actor, "users")
    if not _NAME.match(name):
        raise ValueError("a user name is 2–64 letters, digits or . _ @ -")
    if role is not None and role not in (SCOPE_ROLES if programmes else ROLES):
        raise ValueError(f"role must be one of {', '.join(SCOPE_ROLES if programmes else ROLES)}")
    if default_role is not None and default_role not in SCOPE_ROLES:
        raise ValueError(f"the default role must be one of {', '.join(SCOPE_ROLES)}")
    unknown = sorted(set(programmes) - set(known)) if known is not None else []
    if unknown:
        raise ValueError(f"unknown programme {', '.join(unknown)} (known: {', '.join(sorted(known or ()))})")
    if password is not None and len(password) < 10:
        raise ValueError("a password needs at least 10 characters")
    target = users_path(path)
    stored = hash_password(password) if password is not None else None
    with _users_file_lock:
        existing = yaml.safe_load(target.read_text(encoding="utf-8")) if target.exists() else None
        entries = (existing or {}).get("users", [])
        entry = dict(next((e for e in entries if e.get("name") == name), None) or {"name": name, "role": "viewer"})
        if stored is not None:
            entry["password_hash"] = stored
        elif "password_hash" not in entry:
            raise ValueError(f"no user '{name}': a new user needs a password")
        if role is not None and programmes:
            entry["roles"] = {**(entry.get("roles") or {}), **{code: role for code in programmes}}
        elif role is not None:
            entry["role"] = role
        if default_role is not None:
            entry["role"] = default_role
        if entry["role"] == NO_ACCESS and not entry.get("roles"):
            raise ValueError("the default role 'none' needs a role in some programme (--programme)")
        entry = {key: entry[key] for key in _ENTRY_KEYS if key in entry}  # the file's order
        _write_users(target, [e for e in entries if e.get("name") != name] + [entry])
    change = {"role": entry["role"], **({"roles": entry["roles"]} if entry.get("roles") else {}),
              **({"password": "changed"} if stored is not None else {})}
    with writing(db) as con:
        audit(con, actor.name, "user_change", name, change, os_user=actor.os_user)


def _write_users(target: Path, entries: list[dict]) -> None:
    """Replace the users file in one step, owner-only (0600) from its first byte."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yaml.safe_dump({"users": entries}, out, allow_unicode=True, sort_keys=False)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _upgrade_hash(name: str, old: str, password: str) -> bool:
    """Re-hash a password stored with older parameters; only if the file still holds that old hash."""
    target = users_path()
    with _users_file_lock:
        entries = (yaml.safe_load(target.read_text(encoding="utf-8")) or {}).get("users", []) \
            if target.exists() else []
        entry = next((e for e in entries if e.get("name") == name and e.get("password_hash") == old), None)
        if entry is None:
            return False
        entry["password_hash"] = hash_password(password)
        _write_users(target, entries)
    return True


def _logged(text: str) -> str:
    """A name or client as written to the audit log: capped, so nobody writes megabytes into it."""
    return text if len(text) <= MAX_LOGGED else f"{text[:MAX_LOGGED]}…[+{len(text) - MAX_LOGGED} chars]"


def _backoff(failures: int) -> float:
    """Seconds a pair waits after its last failure: none for the free ones, then doubling, capped."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(BACKOFF_BASE * 2 ** (failures - FREE_FAILURES), BACKOFF_MAX)


@dataclass(frozen=True)
class _Failures:
    pair: int  # of this (name, client) since its last successful login, within PAIR_MEMORY
    pair_last: dt.datetime | None
    everyone: int  # within GLOBAL_WINDOW, all names and clients
    client_last: dt.datetime | None  # this client's latest failure within GLOBAL_WINDOW, any name


def _failures(name: str, client: str, db: Path | str | None) -> _Failures:
    now = dt.datetime.now()
    with connect(db, write=False) as con:
        row = con.execute("""
            WITH failed AS (
                SELECT target, logged_at, json_extract_string(detail, '$.client') AS client FROM audit_log
                WHERE action = 'login_failed' AND logged_at > least($since_pair, $since_global)),
            pair AS (
                SELECT logged_at FROM failed
                WHERE target = $name AND client = $client AND logged_at > coalesce(
                    (SELECT max(logged_at) FROM audit_log WHERE action = 'login' AND target = $name
                       AND json_extract_string(detail, '$.client') = $client AND logged_at > $since_pair), $since_pair))
            SELECT (SELECT count(*) FROM pair), (SELECT max(logged_at) FROM pair),
                   (SELECT count(*) FROM failed WHERE logged_at > $since_global),
                   (SELECT max(logged_at) FROM failed WHERE logged_at > $since_global AND client = $client)""",
                          {"name": name, "client": client, "since_pair": now - PAIR_MEMORY,
                           "since_global": now - GLOBAL_WINDOW}).fetchone()
    return _Failures(*row)


def _pair_lock(name: str, client: str) -> threading.Lock:
    return _pair_locks[hash((name, client)) % len(_pair_locks)]


def _seconds(until: dt.datetime) -> int:
    return max(1, math.ceil((until - dt.datetime.now()).total_seconds()))


def _wait_if_limited(who: str, where: str, db: Path | str | None) -> None:
    """Refuse (LoginRefused) while the (name, client) pair must wait after its failures, and while
    failures everywhere are over the ceiling, the clients that have just failed; slow down the rest."""
    failures = _failures(who, where, db)
    wait = _backoff(failures.pair)
    if wait and failures.pair_last + dt.timedelta(seconds=wait) > dt.datetime.now():
        raise LoginRefused("login.wait", seconds=_seconds(failures.pair_last + dt.timedelta(seconds=wait)))
    if failures.everyone >= GLOBAL_CEILING:
        if failures.client_last is not None:
            raise LoginRefused("login.busy", seconds=_seconds(failures.client_last + GLOBAL_WINDOW))
        time.sleep(GLOBAL_DELAY)


def login(name: str, password: str, users: dict[str, Account], *, client: str | None = None,
          db: Path | str | None = None) -> User:
    """The user, or LoginRefused (a ValueError) with a message safe to show.

    ``client`` identifies the browser (its address); None is one shared unknown client. The check of
    a (name, client) pair and the record of its failure happen under one lock, so parallel attempts
    cannot all pass the check before the first failure is counted."""
    who, where = _logged(name), _logged(client or UNKNOWN_CLIENT)
    with _pair_lock(who, where):
        _wait_if_limited(who, where, db)
        entry = users.get(name)
        stored = entry[1] if entry else _dummy_hash(**_SCRYPT)
        ok = verify_password(password, stored) and entry is not None
        detail: dict[str, object] = {"client": where}
        if ok and not _current(stored) and _upgrade_hash(name, stored, password):
            detail["rehashed"] = True
        with writing(db) as con:
            audit(con, who, "login" if ok else "login_failed", who, detail)
    if not ok:
        raise LoginRefused("login.failed")
    return user_of(name, entry)


def _fingerprint(name: str, account: Account) -> str:
    return sessions.fingerprint(name, account.role, account.roles, account.password_hash)


def session_token(name: str, account: Account, *, now: dt.datetime | None = None) -> str:
    """A signed token that signs ``name`` in again after a reload, until it expires, the user's
    entry changes or the user signs out of it (:mod:`kzlogframe.sessions`)."""
    key = sessions.secret(users_path())
    return sessions.issue(name, _fingerprint(name, account), key, now or dt.datetime.now())


def resume(token: str, users: dict[str, Account], *, client: str | None = None, db: Path | str | None = None,
           now: dt.datetime | None = None) -> tuple[User, str]:
    """The user a session cookie signs in, and the token's id; or LoginRefused.

    The login limits apply as to a password: a pair that must wait is refused before the token is
    read, and a refused token (malformed, tampered, expired, revoked, signed out) is a failed
    login of the name it claims from this client, audited with the reason. A token that signs
    someone in is audited too (``session_resumed``), and does not reset the pair's failures."""
    now = now or dt.datetime.now()
    key = sessions.secret(users_path())
    try:
        claimed: str | None = sessions.read(token, key, now).name
    except sessions.TokenRefused as exc:
        claimed = exc.name
    who, where = _logged(claimed or "?"), _logged(client or UNKNOWN_CLIENT)
    with _pair_lock(who, where):
        _wait_if_limited(who, where, db)
        try:
            read = sessions.read(token, key, now)
            account = users.get(read.name)
            if account is None or not hmac.compare_digest(read.fingerprint, _fingerprint(read.name, account)):
                raise sessions.TokenRefused("revoked", read.name)
            if _signed_out(read.name, read.id, db):
                raise sessions.TokenRefused("signed_out", read.name)
        except sessions.TokenRefused as exc:
            with writing(db) as con:
                audit(con, who, "login_failed", who, {"client": where, "session": exc.reason})
            raise LoginRefused("access20.session_refused") from None
        with writing(db) as con:
            audit(con, who, "session_resumed", who, {"client": where, "session": read.id})
    return user_of(read.name, account), read.id


def _signed_out(name: str, token_id: str, db: Path | str | None) -> bool:
    with connect(db, write=False) as con:
        return con.execute("""SELECT count(*) FROM audit_log WHERE action = 'logout' AND target = ?
                              AND json_extract_string(detail, '$.session') = ?""", [name, token_id]).fetchone()[0] > 0


def token_id(token: str) -> str | None:
    """The id of a token this app issued (its fourth part), to sign out of it."""
    parts = token.split(".")
    return parts[3] if len(parts) == 5 else None


def logout(user: User, session: str | None, *, client: str | None = None, db: Path | str | None = None) -> None:
    """Sign out: audited, and the session's token (its id) no longer signs anyone in, even if a copy was kept."""
    with writing(db) as con:
        audit(con, user.name, "logout", user.name, {"client": _logged(client or UNKNOWN_CLIENT), "session": session})
