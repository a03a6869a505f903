"""Nobody locked out, nothing guessed fast: per-(name, client) backoff checked atomically, a global
ceiling that slows everyone but lets clean clients in, unknown names as costly as known ones, capped
names in the audit log, OWASP scrypt parameters with old hashes upgraded at login."""

import base64
import hashlib
import statistics
import threading
import time

import pytest
import yaml

from kzlogframe import access
from kzlogframe.access import (
    BACKOFF_MAX, FREE_FAILURES, LoginRefused, User, add_user, hash_password, load_users, login, verify_password)
from kzlogframe.i18n import t
from kzlogframe.store import audit, audit_entries, writing
from tests.conftest import ADMIN

PASSWORD = "boss-password-123"


@pytest.fixture
def env(own_store_and_users):
    return own_store_and_users


@pytest.fixture
def fast(env, monkeypatch):
    """Cheap hashes for the tests that are about counting, not hashing; one user, boss."""
    monkeypatch.setitem(access._SCRYPT, "n", 2**10)
    db, _ = env
    add_user("boss", "admin", PASSWORD, actor=ADMIN, db=db)
    return db, load_users()


def attempt(users, db, password, client, name="boss"):
    """'ok', 'failed', 'wait' or 'busy': what the person at ``client`` is told."""
    try:
        login(name, password, users, client=client, db=db)
        return "ok"
    except LoginRefused as exc:
        return exc.key.removeprefix("login.")


def failures_logged(db):
    return list(audit_entries(db)["action"]).count("login_failed")


def test_parallel_attempts_cannot_all_pass_the_check(fast, monkeypatch):
    """40 threads at once from one client: only the free failures are checked, the rest wait."""
    db, users = fast
    monkeypatch.setattr(access, "BACKOFF_BASE", 60.0)
    start, answers = threading.Barrier(40), []

    def guess(n):
        start.wait()
        answers.append(attempt(users, db, f"guess-{n}", "10.0.0.66"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["failed"] * FREE_FAILURES + ["wait"] * (40 - FREE_FAILURES)
    assert failures_logged(db) == FREE_FAILURES


def test_a_clean_client_logs_in_while_another_hammers_the_same_name(fast, monkeypatch):
    db, users = fast
    monkeypatch.setattr(access, "BACKOFF_BASE", 60.0)
    stop, hammered = threading.Event(), []

    def hammer():
        while not stop.is_set():
            hammered.append(attempt(users, db, "guess", "10.0.0.66"))

    attacker = threading.Thread(target=hammer)
    attacker.start()
    try:
        while hammered.count("wait") < 3:  # the attacker is past its free failures
            time.sleep(0.01)
        assert attempt(users, db, PASSWORD, "10.0.0.7") == "ok"
        assert attempt(users, db, PASSWORD, "10.0.0.66") == "wait"  # the failing client waits, even when right
    finally:
        stop.set()
        attacker.join()
    assert hammered.count("failed") == FREE_FAILURES


def time_passes(db, seconds):
    """Move every recorded attempt ``seconds`` into the past, as if the person had waited."""
    with writing(db) as con:
        con.execute("UPDATE audit_log SET logged_at = logged_at - to_microseconds(?)", [int(seconds * 1e6)])


def test_backoff_doubles_and_a_success_forgets_the_failures(fast):
    db, users = fast
    for _ in range(FREE_FAILURES):
        assert attempt(users, db, "guess", "laptop") == "failed"
    for seconds in (1, 2, 4):
        with pytest.raises(LoginRefused, match=rf"try again in {seconds} s$"):
            login("boss", "guess", users, client="laptop", db=db)
        time_passes(db, seconds)
        assert attempt(users, db, "guess", "laptop") == "failed"
    time_passes(db, 8)
    assert attempt(users, db, PASSWORD, "laptop") == "ok"
    for _ in range(FREE_FAILURES):  # counting starts again after a success
        assert attempt(users, db, "guess", "laptop") == "failed"
    assert [access._backoff(n) for n in range(FREE_FAILURES + 3)] == [0] * FREE_FAILURES + [1, 2, 4]
    assert access._backoff(100) == BACKOFF_MAX


def test_unknown_names_are_counted_and_answered_like_known_ones(fast, monkeypatch):
    db, users = fast
    monkeypatch.setattr(access, "BACKOFF_BASE", 60.0)
    answers = [attempt(users, db, "guess", "10.0.0.66", name="nobody") for _ in range(FREE_FAILURES + 1)]
    assert answers == ["failed"] * FREE_FAILURES + ["wait"]
    with pytest.raises(LoginRefused) as unknown:
        login("nobody-else", "guess", users, client="10.0.0.67", db=db)
    with pytest.raises(LoginRefused) as wrong:
        login("boss", "guess", users, client="10.0.0.67", db=db)
    assert str(unknown.value) == str(wrong.value) == "unknown user name or wrong password"


def test_failures_logged_by_another_process_count(fast, monkeypatch):
    """The audit log is the limiter's memory: failures another process recorded slow this one down."""
    db, users = fast
    monkeypatch.setattr(access, "BACKOFF_BASE", 60.0)
    with writing(db) as con:
        for _ in range(FREE_FAILURES):
            audit(con, "boss", "login_failed", "boss", {"client": "10.0.0.66"})
    assert attempt(users, db, PASSWORD, "10.0.0.66") == "wait"
    assert attempt(users, db, PASSWORD, None) == "ok"  # no client given: the shared unknown client


def test_global_ceiling_slows_everyone_but_lets_clean_clients_in(fast, monkeypatch):
    db, users = fast
    monkeypatch.setattr(access, "GLOBAL_CEILING", 6)
    monkeypatch.setattr(access, "GLOBAL_DELAY", 0.4)
    for n in range(6):  # a spread-out attack: six clients, six names, one failure each
        assert attempt(users, db, "guess", f"10.0.1.{n}", name=f"name{n}") == "failed"
    assert attempt(users, db, PASSWORD, "10.0.1.0") == "busy"  # a client that has just failed
    started = time.perf_counter()
    assert attempt(users, db, PASSWORD, "10.0.0.7") == "ok"  # a clean client gets in…
    assert time.perf_counter() - started >= 0.4  # …after the global delay
    with pytest.raises(LoginRefused, match=r"many failed sign-ins at the moment, some from here: try again in \d+ s"):
        login("boss", PASSWORD, users, client="10.0.1.1", db=db)


def test_names_and_clients_written_to_the_audit_log_are_capped(fast):
    db, users = fast
    assert attempt(users, db, "guess", "c" * 10_000, name="x" * 1_000_000) == "failed"
    row = audit_entries(db).iloc[0]
    assert row.user_name == row.target == "x" * 64 + "…[+999936 chars]"
    assert yaml.safe_load(row.detail) == {"client": "c" * 64 + "…[+9936 chars]"}


def test_messages_come_in_every_language(fast):
    db, users = fast
    with pytest.raises(LoginRefused) as info:
        login("boss", "guess", users, db=db)
    assert info.value.key == "login.failed"
    assert t(info.value.key, "kk") == "пайдаланушы аты белгісіз немесе құпиясөз қате"
    assert t(info.value.key, "ru") == "неизвестное имя пользователя или неверный пароль"
    assert "30 с" in t("login.wait", "ru", seconds=30)


def old_hash(password: str) -> str:
    """A hash as add_user wrote it before: scrypt with N=2**14."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$16384$8$1$" + "$".join(base64.b64encode(x).decode() for x in (salt, digest))


def test_new_hashes_use_owasp_parameters_and_old_ones_are_upgraded_at_login(env):
    db, users_file = env
    users_file.write_text(yaml.safe_dump({"users": [
        {"name": "boss", "role": "admin", "password_hash": old_hash(PASSWORD)},
        {"name": "ta-team", "role": "uploader", "password_hash": old_hash("ta-team-password")}]}))
    users_file.chmod(0o644)
    assert login("boss", PASSWORD, load_users(), client="laptop", db=db) == User("boss", "admin")
    stored = load_users()
    assert stored["boss"][1].startswith("scrypt$131072$8$1$")
    assert stored["ta-team"][1] == old_hash("ta-team-password")  # upgraded when ta-team logs in
    assert users_file.stat().st_mode & 0o777 == 0o600
    assert verify_password(PASSWORD, stored["boss"][1])
    assert login("boss", PASSWORD, stored, client="laptop", db=db) == User("boss", "admin")
    details = [yaml.safe_load(d) for d in audit_entries(db)["detail"]]
    assert details == [{"client": "laptop"}, {"client": "laptop", "rehashed": True}]
    assert hash_password("x" * 12).startswith("scrypt$131072$8$1$")


def test_an_unknown_name_costs_what_a_known_one_does(env):
    """Real parameters: the known name's cost is an N=2**17 scrypt, so must be the unknown name's.
    (Without the dummy hash the unknown name answered in a tenth of the time.)"""
    db, _ = env
    add_user("boss", "admin", PASSWORD, actor=ADMIN, db=db)
    users = load_users()
    costs = {"known": [], "unknown": []}
    for n in range(3):
        for kind, name in (("known", "boss"), ("unknown", "nobody")):
            started = time.perf_counter()
            with pytest.raises(LoginRefused):
                login(name, "guess", users, client=f"{kind}-{n}", db=db)
            costs[kind].append(time.perf_counter() - started)
    ratio = statistics.median(costs["unknown"]) / statistics.median(costs["known"])
    assert 0.5 < ratio < 2, costs
