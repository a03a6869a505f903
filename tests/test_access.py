"""Roles, passwords, login and the role boundaries — in the library and through the pages."""

import ast
import re
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe import access
from kzlogframe.access import (
    FREE_FAILURES, PermissionDenied, User, add_user, authorize, hash_password, load_users, login, verify_password)
from kzlogframe.catalog import load_catalog
from kzlogframe.commentary import save_assumption_status, save_narrative
from kzlogframe.ingest import import_csv, list_batches, rollback_batch
from kzlogframe.store import audit_entries, connect
from kzlogframe.tracking import record_activity
from tests.conftest import ADMIN, ROOT

CSV = "programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,10\n"


@pytest.fixture
def env(own_store_and_users, monkeypatch):
    db, users = own_store_and_users
    monkeypatch.setitem(access._SCRYPT, "n", 2**14)  # the real N=2**17 costs 0.3 s a hash: see test_login_limits
    for name, role in (("viewer1", "viewer"), ("ta-team", "uploader"), ("mande", "exporter"), ("boss", "admin")):
        add_user(name, role, f"{name}-password-123", db=db, actor=ADMIN)
    return db, users


def test_hashes_never_store_the_password(env):
    _, users = env
    text = users.read_text()
    assert "password-123" not in text
    assert text.count("scrypt$16384$8$1$") == 4
    stored = hash_password("correct horse battery")
    assert stored != hash_password("correct horse battery")  # salted
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("x", "not-a-hash")


def test_login_backs_off_the_failing_client_and_logs(env, monkeypatch):
    db, _ = env
    monkeypatch.setattr(access, "BACKOFF_BASE", 60.0)
    users = load_users()
    assert login("boss", "boss-password-123", users, client="10.0.0.1", db=db) == User("boss", "admin")
    for _ in range(FREE_FAILURES):
        with pytest.raises(ValueError, match="unknown user name or wrong password"):
            login("boss", "guess", users, client="10.0.0.66", db=db)
    with pytest.raises(ValueError, match=r"too many failed sign-ins with this name from here: try again in \d+ s"):
        login("boss", "boss-password-123", users, client="10.0.0.66", db=db)  # the failing client waits, even when right
    assert login("boss", "boss-password-123", users, client="10.0.0.1", db=db) == User("boss", "admin")  # nobody else
    actions = list(audit_entries(db)["action"])
    assert actions.count("login_failed") == FREE_FAILURES and actions.count("login") == 2


def test_weak_or_malformed_users_are_refused(env, tmp_path):
    db, users = env
    with pytest.raises(ValueError, match="at least 10 characters"):
        add_user("eve", "viewer", "short", db=db, actor=ADMIN)
    with pytest.raises(ValueError, match="role must be one of"):
        add_user("eve", "root", "long-enough-password", db=db, actor=ADMIN)
    users.write_text("users:\n- {name: mallory, role: admin, password_hash: plain-text}\n")
    with pytest.raises(ValueError, match=r"users.yaml:2: users\[0\].password_hash: needs a password_hash made by"):
        load_users()


@pytest.mark.parametrize("role, permission, ok", [
    ("viewer", "view", True), ("viewer", "upload", False), ("viewer", "record", False),
    ("viewer", "export", False), ("viewer", "download_report", True), ("uploader", "upload", True),
    ("uploader", "rollback", False), ("uploader", "export", False), ("exporter", "export", True),
    ("exporter", "upload", False), ("admin", "rollback", True), ("admin", "audit", True), ("uploader", "audit", False),
    ("reviewer", "approve", True), ("admin", "approve", True), ("viewer", "approve", False),
    ("uploader", "approve", False), ("exporter", "approve", False), ("reviewer", "upload", False),
    ("reviewer", "rollback", False), ("uploader", "review", True), ("viewer", "review", False),
])
def test_permission_table(role, permission, ok):
    if ok:
        authorize(User("someone", role), permission)
    else:
        with pytest.raises(PermissionDenied):
            authorize(User("someone", role), permission)


def test_every_write_checks_the_role_in_the_library(env, tmp_path):
    db, _ = env
    csv = tmp_path / "m.csv"
    csv.write_text(CSV)
    catalog = load_catalog()
    with pytest.raises(PermissionDenied):
        import_csv(csv, catalog, User("viewer1", "viewer"), db=db)
    assert import_csv(csv, catalog, User("viewer1", "viewer"), db=db, dry_run=True).status == "dry_run"
    report = import_csv(csv, catalog, User("ta-team", "uploader"), db=db)
    with pytest.raises(PermissionDenied):
        rollback_batch(report.batch_id, User("ta-team", "uploader"), db=db)
    with pytest.raises(PermissionDenied):
        record_activity("psr", "R1.A1", status="ongoing", actual_start=None, actual_end=None, comment=None, db=db, actor=User("mande", "exporter"))
    with pytest.raises(PermissionDenied):
        save_narrative("psr", "R1", "S3", "en", "text", db=db, actor=User("viewer1", "viewer"))
    with pytest.raises(PermissionDenied):
        save_assumption_status("psr", "PSR.R1.AS1", "S3", "holds", None, db=db, actor=User("viewer1", "viewer"))
    assert list(list_batches(db)["status"]) == ["committed"]
    with connect(db, write=False) as con:
        assert con.execute("SELECT count(*) FROM narrative").fetchone()[0] == 0


def app_as(user: User | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if user:
        at.session_state["_user"] = user
    return at.run()


def test_login_is_required_when_a_users_file_exists(env):
    at = app_as(None)
    assert at.title[0].value == "Sign in to kzlogframe"
    at.text_input(key="login_name").set_value("ta-team")
    at.text_input(key="login_password").set_value("wrong")
    at.button[0].click().run()
    assert at.error[0].value == "unknown user name or wrong password"
    at.text_input(key="login_password").set_value("ta-team-password-123")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert any("Signed in as ta-team (uploader)" in c.value for c in at.sidebar.caption)


def page_as(script: str, user: User) -> AppTest:
    """Run one page script on its own, bypassing the app's navigation (as a crafted request would)."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.session_state["_user"] = user
    return at.run()


def test_viewer_cannot_reach_the_upload_page_even_directly(env):
    at = app_as(User("viewer1", "viewer"))
    assert at.title[0].value == "Overview"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/upload.py")  # not offered to a viewer at all
    direct = page_as("views/upload.py", User("viewer1", "viewer"))
    assert not direct.exception
    assert direct.error[0].value.startswith("This page opens only inside the app")
    assert not direct.get("file_uploader")


def test_viewer_sees_no_recording_forms(env):
    at = app_as(User("viewer1", "viewer"))
    at.switch_page("views/sequencing.py").run()
    assert not [b for b in at.button if b.label == "Save"]
    assert any("Only the TA team" in c.value for c in at.caption)


def test_uploader_cannot_roll_back_and_cannot_read_the_audit_log(env, tmp_path):
    db, _ = env
    csv = tmp_path / "m.csv"
    csv.write_text(CSV)
    import_csv(csv, load_catalog(), User("ta-team", "uploader"), db=db)
    at = app_as(User("ta-team", "uploader"))
    at.switch_page("views/upload.py").run()
    assert any("Only administrators can roll back" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label.startswith("Roll back batch")]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/audit.py")
    direct = page_as("views/audit.py", User("ta-team", "uploader"))
    assert direct.error[0].value.startswith("This page opens only inside the app")
    assert not direct.dataframe


def test_admin_reads_the_audit_log(env):
    at = app_as(User("boss", "admin"))
    at.switch_page("views/audit.py").run()
    assert not at.exception
    log = at.dataframe[0].value
    assert set(log["Action"]) >= {"user change"}
    assert any(detail.startswith("role: ") for detail in log["Detail"])  # the stored JSON, worded


def test_a_role_changed_in_the_file_takes_effect_at_once(env):
    db, _ = env
    at = app_as(User("ta-team", "uploader"))
    add_user("ta-team", "viewer", "ta-team-password-123", db=db, actor=ADMIN)
    at.run()
    assert at.title[0].value == "Sign in to kzlogframe"


def test_local_mode_without_users_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(tmp_path / "absent.yaml"))
    at = app_as(None)
    assert at.title[0].value == "Overview"
    assert any(c.value.startswith("Local single-user mode") for c in at.sidebar.caption)


def test_users_cli_hashes_the_password(tmp_path):
    users = tmp_path / "users.yaml"
    run = subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(tmp_path / "x.duckdb"), "users", "add",
                          "alice", "--role", "uploader", "--password-stdin"], input="long-password-42\n",
                         capture_output=True, text=True, cwd=ROOT, env={**__import__("os").environ,
                                                                         "KZLOGFRAME_USERS": str(users)})
    assert run.returncode == 0, run.stderr
    assert "long-password-42" not in users.read_text()
    assert verify_password("long-password-42", load_users(users)["alice"][1])


# Interpolations allowed inside SQL text: builders of SQL fragments from our own column names
# (named *_sql), module constants (UPPER_CASE) and the reviewed local name below. Never values.
SAFE_FRAGMENT = re.compile(r"^(_?[a-z_]+_sql(\(.*\))?|_?[A-Z][A-Z_]*|keys)$")


def test_no_sql_is_built_from_values():
    """Values reach SQL only as parameters: every execute()/sql() gets a literal, a name, or an
    f-string whose pieces are SQL fragments of our own (reviewed), never data."""
    offenders = []
    for path in sorted((ROOT / "kzlogframe").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "sql") and node.args):
                continue
            sql = node.args[0]
            if isinstance(sql, (ast.Constant, ast.Name)) or (
                    isinstance(sql, ast.IfExp) and all(isinstance(b, ast.Constant) for b in (sql.body, sql.orelse))):
                continue
            if isinstance(sql, ast.JoinedStr) and all(
                    SAFE_FRAGMENT.match(ast.unparse(part.value)) for part in sql.values
                    if isinstance(part, ast.FormattedValue)):
                continue
            offenders.append(f"{path.name}:{node.lineno}: {ast.unparse(sql)[:80]}")
    assert offenders == []


def test_single_sign_on_when_configured_in_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("KZLOGFRAME_USERS", str(tmp_path / "absent.yaml"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "kzlogframe", "client_secret": "s",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in to kzlogframe"
    assert [b.label for b in at.button] == ["Sign in with your organisation account"]
    assert not at.get("text_input")  # no password form: the identity provider signs people in
