"""Sign-in that survives a reload: signed, expiring session tokens, refused when tampered with,
expired, revoked by a change of the user's entry or signed out of — each refusal audited and
counted by the login limits. (The browser journey: tests/browser/test_journeys.py.)"""

import datetime as dt

import pytest
import yaml

from kzlogframe import access, sessions
from kzlogframe.access import FREE_FAILURES, LoginRefused, User, add_user, load_users, login, logout, resume, session_token
from kzlogframe.store import audit_entries
from tests.conftest import ADMIN

NOW = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def env(tmp_path, monkeypatch):
    db, users = tmp_path / "store.duckdb", tmp_path / "users.yaml"
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(users))
    monkeypatch.setitem(access._SCRYPT, "n", 2**14)
    monkeypatch.setattr(access, "BACKOFF_BASE", 60.0)
    add_user("ta-team", "uploader", "ta-team-password", db=db, actor=ADMIN)
    add_user("boss", "admin", "boss-password-1", db=db, actor=ADMIN)
    return db, users


def refusals(db) -> list[str]:
    entries = audit_entries(db)
    return [yaml.safe_load(d)["session"] for d in entries[entries["action"] == "login_failed"]["detail"]]


def test_a_token_signs_the_user_in_again_until_it_expires(env):
    db, users_file = env
    token = session_token("ta-team", load_users()["ta-team"], now=NOW)
    key_file = sessions.secret_path(users_file)
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_text()) == 64
    assert "ta-team-password" not in token and sessions.secret(users_file) == bytes.fromhex(key_file.read_text())
    user, session = resume(token, load_users(), client="10.0.0.5", db=db, now=NOW + dt.timedelta(hours=7, minutes=59))
    assert user == User("ta-team", "uploader") and session == access.token_id(token)
    with pytest.raises(LoginRefused, match="Your saved sign-in is no longer valid: sign in again."):
        resume(token, load_users(), client="10.0.0.5", db=db, now=NOW + sessions.LIFETIME + dt.timedelta(seconds=1))
    entries = audit_entries(db)
    assert list(entries["action"][:2]) == ["login_failed", "session_resumed"]  # newest first
    assert refusals(db) == ["expired"]


def test_a_tampered_token_is_refused_and_audited(env):
    db, _ = env
    token = session_token("ta-team", load_users()["ta-team"], now=NOW)
    name, issued, fingerprint, token_id, mac = token.split(".")
    forged = [
        ".".join([sessions.issue("boss", fingerprint, b"k" * 32, NOW).split(".")[0], issued, fingerprint, token_id, mac]),
        ".".join([name, str(int(issued) + 86_400), fingerprint, token_id, mac]),  # issued later, to live longer
        token[:-1] + ("0" if token[-1] != "0" else "1"),
        "not-a-token", "a.b.c.d.e", "x" * 10_000]
    for bad in forged:
        with pytest.raises(LoginRefused):
            resume(bad, load_users(), client=f"client-{forged.index(bad)}", db=db, now=NOW)
    assert refusals(db) == ["malformed", "malformed", "malformed", "tampered", "tampered", "tampered"]
    with pytest.raises(LoginRefused):  # signed with another key (another server's users file)
        resume(sessions.issue("ta-team", fingerprint, b"k" * 32, NOW), load_users(), client="c", db=db, now=NOW)


def test_a_change_of_password_or_role_revokes_the_token(env):
    db, _ = env
    token = session_token("ta-team", load_users()["ta-team"], now=NOW)
    add_user("ta-team", "uploader", "a-new-password", db=db, actor=ADMIN)
    with pytest.raises(LoginRefused):
        resume(token, load_users(), client="c", db=db, now=NOW)
    token = session_token("ta-team", load_users()["ta-team"], now=NOW)
    add_user("ta-team", "viewer", None, programmes=["psr"], db=db, actor=ADMIN)  # a programme's role changed
    with pytest.raises(LoginRefused):
        resume(token, load_users(), client="c", db=db, now=NOW)
    assert refusals(db) == ["revoked", "revoked"]


def test_signing_out_ends_that_token_only(env):
    db, _ = env
    laptop = session_token("ta-team", load_users()["ta-team"], now=NOW)
    phone = session_token("ta-team", load_users()["ta-team"], now=NOW)
    logout(User("ta-team", "uploader"), access.token_id(laptop), client="laptop", db=db)
    with pytest.raises(LoginRefused):
        resume(laptop, load_users(), client="laptop", db=db, now=NOW)
    assert resume(phone, load_users(), client="phone", db=db, now=NOW)[0].name == "ta-team"
    assert refusals(db) == ["signed_out"]


def test_the_token_path_obeys_the_login_limits(env):
    """Refused tokens count as failed logins of the name they claim, a pair that must wait cannot use
    a valid token either, and a token's success does not reset the count a password's would."""
    db, _ = env
    users = load_users()
    valid = session_token("boss", users["boss"], now=dt.datetime.now())
    forged = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    for _ in range(FREE_FAILURES - 1):
        with pytest.raises(LoginRefused, match="no longer valid"):
            resume(forged, users, client="10.0.0.9", db=db)
    assert resume(valid, users, client="10.0.0.9", db=db)[0].name == "boss"  # does not wipe the failures
    with pytest.raises(LoginRefused, match="no longer valid"):
        resume(forged, users, client="10.0.0.9", db=db)
    with pytest.raises(LoginRefused, match=r"too many failed sign-ins with this name from here"):
        resume(valid, users, client="10.0.0.9", db=db)  # the pair waits, token or not
    with pytest.raises(LoginRefused, match=r"too many failed sign-ins with this name from here"):
        login("boss", "boss-password-1", users, client="10.0.0.9", db=db)  # and so does the password
    assert resume(valid, users, client="10.0.0.10", db=db)[0].name == "boss"  # nobody else waits
