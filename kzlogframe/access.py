"""Who may do what. Roles, password hashes, login with rate limiting, and the one permission table.

Without a users file the app runs in local single-user mode (bound to localhost): the one user
administers. With ``data/users.yaml`` every page asks for a login and every write checks the role,
in the page and again in the library function that writes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from .store import audit, connect, writing

ROLES = ("viewer", "uploader", "exporter", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "download_report": frozenset(ROLES),
    "upload": frozenset({"uploader", "admin"}),
    "record": frozenset({"uploader", "admin"}),  # activity dates, narratives, assumption statuses
    "export": frozenset({"exporter", "admin"}),
    "rollback": frozenset({"admin"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}
LOCAL_USER = "local"
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_NAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
DEFAULT_USERS = Path(__file__).resolve().parent.parent / "data" / "users.yaml"


class PermissionDenied(PermissionError):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str


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
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT, dklen=32)
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + "$".join(
        base64.b64encode(x).decode() for x in (salt, digest))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


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
    existing = yaml.safe_load(target.read_text(encoding="utf-8")) if target.exists() else None
    entries = [e for e in (existing or {}).get("users", []) if e.get("name") != name]
    entries.append({"name": name, "role": role, "password_hash": hash_password(password)})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({"users": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    target.chmod(0o600)
    with writing(db) as con:
        audit(con, actor.name, "user_change", name, {"role": role})


def _recent_failures(name: str, db: Path | str | None) -> tuple[int, dt.datetime | None]:
    since = dt.datetime.now() - LOCKOUT
    with connect(db) as con:
        count, last = con.execute("""SELECT count(*), max(logged_at) FROM audit_log
                                     WHERE action = 'login_failed' AND target = ? AND logged_at > ?""",
                                  [name, since]).fetchone()
    return count, last


def login(name: str, password: str, users: dict[str, tuple[str, str]], *, db: Path | str | None = None) -> User:
    """The user, or ValueError with a message safe to show; every failure is logged and counted."""
    failures, last = _recent_failures(name, db)
    if failures >= MAX_FAILURES:
        wait = int(((last + LOCKOUT) - dt.datetime.now()).total_seconds() // 60) + 1
        raise ValueError(f"too many failed logins for '{name}': try again in {wait} minutes")
    entry = users.get(name)
    ok = entry is not None and verify_password(password, entry[1])
    with writing(db) as con:
        audit(con, name, "login" if ok else "login_failed", name)
    if not ok:
        raise ValueError("unknown user name or wrong password")
    return User(name, entry[0])
