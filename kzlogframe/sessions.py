"""Signed sign-in tokens: what the browser keeps in a cookie so that a reload does not ask for the
password again while a users file is in force.

A token is ``name.issued.fingerprint.id.mac``: the user name (base64url), when it was issued (Unix
seconds), a fingerprint of the user's entry in the users file, a random id (so one browser's sign-out
ends that token only) and an HMAC-SHA256 of the rest under a secret kept beside the users file
(created owner-only on first use). It is refused when the MAC does not match (tampered), when it is
older than :data:`LIFETIME` (expired) or when the entry changed since (revoked: a new password, role or
programme role changes the fingerprint). Pure functions but :func:`secret`; the login limits and the
audit log apply in :func:`kzlogframe.access.resume`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

COOKIE = "kzlogframe_session"
LIFETIME = dt.timedelta(hours=8)
MAX_TOKEN = 512  # characters: a longer cookie is refused unread


class TokenRefused(ValueError):
    """A token that does not sign anyone in; ``reason`` is malformed, tampered, expired or revoked,
    ``name`` the user it claims (None when it could not be read)."""

    def __init__(self, reason: str, name: str | None = None):
        self.reason, self.name = reason, name
        super().__init__(f"session token {reason}")


@dataclass(frozen=True)
class Token:
    name: str
    issued: dt.datetime
    fingerprint: str
    id: str


def secret_path(users_file: Path) -> Path:
    return users_file.with_name(f"{users_file.stem}.session-key")


def secret(users_file: Path) -> bytes:
    """The signing key beside ``users_file``, created on first use: 32 random bytes, owner-only (0600)
    from its first byte, published whole (linked into place) so a second process never reads half."""
    target = secret_path(users_file)
    if not target.exists():
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32))
            os.link(temporary, target)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    return bytes.fromhex(target.read_text().strip())


def fingerprint(name: str, role: str, roles: tuple[tuple[str, str], ...], password_hash: str) -> str:
    """What a token is bound to: any change of the user's entry (password, role, programme roles) revokes it."""
    entry = "\n".join([name, role, *(f"{code}={scoped}" for code, scoped in roles), password_hash])
    return hashlib.sha256(entry.encode()).hexdigest()[:32]


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def issue(name: str, user_fingerprint: str, key: bytes, now: dt.datetime) -> str:
    encoded = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
    body = f"{encoded}.{int(now.timestamp())}.{user_fingerprint}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(key, body)}"


def read(token: str, key: bytes, now: dt.datetime) -> Token:
    """The token's content if its MAC matches and it has not expired; else :class:`TokenRefused`.
    Whether it still matches the user's entry is for the caller (:func:`kzlogframe.access.resume`)."""
    parts = token.split(".") if len(token) <= MAX_TOKEN else []
    if len(parts) != 5:
        raise TokenRefused("malformed")
    encoded, issued, user_fingerprint, token_id, mac = parts
    try:
        name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        when = dt.datetime.fromtimestamp(int(issued))
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError):
        raise TokenRefused("malformed") from None
    if not hmac.compare_digest(mac, _mac(key, ".".join(parts[:4]))):
        raise TokenRefused("tampered", name)
    if now - when > LIFETIME:
        raise TokenRefused("expired", name)
    return Token(name, when, user_fingerprint, token_id)
