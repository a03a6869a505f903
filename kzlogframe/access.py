"""Who may do what. Roles, password hashes, login with rate limiting, and the one permission table.

Without a users file the app runs in local single-user mode (bound to localhost): the one user
administers. With ``data/users.yaml`` every page asks for a login and every write checks the role,
in the page and again in the library function that writes.

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
from dataclasses import dataclass
from pathlib import Path

import yaml

from .i18n import t
from .store import audit, connect, writing

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
}
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


@dataclass(frozen=True)
class User:
    name: str
    role: str
    os_user: str | None = None  # the operating-system account behind a command-line user


def users_path(path: Path | str | None = None) -> Path:
    return Path(path or os.environ.get("KZLOGFRAME_USERS") or DEFAULT_USERS)


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def authorize(role: str, permission: str) -> None:
    """Raise unless ``role`` may ``permission``: the check every write makes before it writes."""
    if not allowed(role, permission):
        raise PermissionDenied(f"the role '{role}' may not {permission.replace('_', ' ')}")


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


def load_users(path: Path | str | None = None) -> dict[str, tuple[str, str]] | None:
    """``{name: (role, hash)}``, or None when there is no users file (local single-user mode)."""
    target = users_path(path)
    if not target.exists():
        return None
    data = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    users = {}
    for entry in data.get("users", []):
        if entry.get("role") not in ROLES or not str(entry.get("password_hash", "")).startswith("scrypt$"):
            raise ValueError(f"{target}: user '{entry.get('name')}' needs a role ({', '.join(ROLES)}) "
                             "and a password_hash made by `python -m kzlogframe users add`")
        users[entry["name"]] = (entry["role"], entry["password_hash"])
    return users


def add_user(name: str, role: str, password: str, *, actor: User, path: Path | str | None = None,
             db: Path | str | None = None) -> None:
    """Create or update a user; the file keeps only the hash."""
    authorize(actor.role, "users")
    if not _NAME.match(name):
        raise ValueError("a user name is 2–64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")
    target = users_path(path)
    stored = hash_password(password)
    with _users_file_lock:
        existing = yaml.safe_load(target.read_text(encoding="utf-8")) if target.exists() else None
        entries = [e for e in (existing or {}).get("users", []) if e.get("name") != name]
        entries.append({"name": name, "role": role, "password_hash": stored})
        _write_users(target, entries)
    with writing(db) as con:
        audit(con, actor.name, "user_change", name, {"role": role}, os_user=actor.os_user)


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


def login(name: str, password: str, users: dict[str, tuple[str, str]], *, client: str | None = None,
          db: Path | str | None = None) -> User:
    """The user, or LoginRefused (a ValueError) with a message safe to show.

    ``client`` identifies the browser (its address); None is one shared unknown client. The check of
    a (name, client) pair and the record of its failure happen under one lock, so parallel attempts
    cannot all pass the check before the first failure is counted."""
    who, where = _logged(name), _logged(client or UNKNOWN_CLIENT)
    with _pair_lock(who, where):
        failures = _failures(who, where, db)
        wait = _backoff(failures.pair)
        if wait and failures.pair_last + dt.timedelta(seconds=wait) > dt.datetime.now():
            raise LoginRefused("login.wait", seconds=_seconds(failures.pair_last + dt.timedelta(seconds=wait)))
        if failures.everyone >= GLOBAL_CEILING:
            if failures.client_last is not None:
                raise LoginRefused("login.busy", seconds=_seconds(failures.client_last + GLOBAL_WINDOW))
            time.sleep(GLOBAL_DELAY)
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
    return User(name, entry[0])
