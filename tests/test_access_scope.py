"""Programme-scoped roles: a user may be an uploader for PSR and a viewer elsewhere (or see only
some programmes). The users file, the one permission rule, and every boundary — library writes,
exports, pages, the programme picker and the command line."""

import os
import subprocess
import sys

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from kzlogframe import access
from kzlogframe.access import (
    PermissionDenied, User, UsersFileError, add_user, allowed, authorize, hash_password, load_users, login)
from kzlogframe.catalog import load_catalog
from kzlogframe.commentary import save_narrative
from kzlogframe.committee import save_summary
from kzlogframe.demo import demo_finance_csv
from kzlogframe.finance_ingest import import_finance_bytes
from kzlogframe.ingest import import_bytes, list_batches, rollback_batch
from kzlogframe.review import approve, batches, review_history
from kzlogframe.store import audit_entries, connect
from kzlogframe.tracking import record_activity
from kzlogframe.ui import PageContext
from tests.conftest import ADMIN, ROOT

CODES = set(load_catalog())
PSR_UPLOADER = User("sam", "viewer", roles=(("psr", "uploader"),))
PSR_ONLY = User("olga", "none", roles=(("psr", "viewer"),))  # sees PSR and nothing else
PSR_ADMIN = User("pat", "viewer", roles=(("psr", "admin"),))
KAZLOD_EXPORTER = User("kim", "viewer", roles=(("kazlod", "exporter"),))
PSR_REVIEWER = User("rita", "viewer", roles=(("psr", "reviewer"),))
BOTH = "programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,10\nkazlod,KAZLOD.R5.I5,2012-H2,4\n"
PSR_ROWS = "programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,10\n"
KAZLOD_ROWS = "programme,indicator,period,value\nkazlod,KAZLOD.R5.I5,2012-H2,4\n"


@pytest.fixture
def env(own_store_and_users, monkeypatch):
    db, users = own_store_and_users
    monkeypatch.setitem(access._SCRYPT, "n", 2**14)  # the real N=2**17 costs 0.3 s a hash: see test_login_limits
    for user in (PSR_UPLOADER, PSR_ONLY, PSR_ADMIN, KAZLOD_EXPORTER, PSR_REVIEWER):
        for code, role in user.roles:
            add_user(user.name, role, f"{user.name}-password-123", programmes=[code], default_role=user.role,
                     db=db, actor=ADMIN, known=CODES)
    add_user("boss", "admin", "boss-password-123", db=db, actor=ADMIN)
    return db, users


def test_the_users_file_keeps_each_users_roles_and_login_returns_them(env):
    db, users_file = env
    entry = next(e for e in yaml.safe_load(users_file.read_text())["users"] if e["name"] == "sam")
    assert entry["role"] == "viewer" and entry["roles"] == {"psr": "uploader"}
    users = load_users(programmes=CODES)
    assert users["sam"].roles == (("psr", "uploader"),) and users["boss"].roles == ()
    assert login("sam", "sam-password-123", users, client="c", db=db) == PSR_UPLOADER
    assert login("olga", "olga-password-123", users, client="c", db=db) == PSR_ONLY


def test_an_old_users_file_with_one_role_each_still_works(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump({"users": [{"name": "alice", "role": "uploader",
                                               "password_hash": hash_password("x" * 12)}]}))
    assert load_users(path, programmes=CODES)["alice"][:1] == ("uploader",)
    assert allowed(User("alice", "uploader"), "upload", "psr") and allowed(User("alice", "uploader"), "upload", "kazlod")


@pytest.mark.parametrize("entry, expected", [
    ("  role: viewer\n  roles: {psx: uploader}\n", "users.yaml:5: users[0].roles.psx: unknown programme 'psx'"),
    ("  role: viewer\n  roles: {psr: boss}\n", "users.yaml:5: users[0].roles.psr: unknown role 'boss'"),
    ("  role: owner\n", "users.yaml:4: users[0].role: needs a role: one of viewer, uploader"),
    ("  role: none\n", "users.yaml:4: users[0].role: the role 'none' needs roles in some programmes"),
    ("  role: viewer\n  programme: psr\n", "users.yaml:5: users[0].programme: unknown key 'programme'"),
    ("  role: viewer\n  roles: [psr, uploader]\n", "users.yaml:5: users[0].roles: expected a mapping"),
])
def test_a_bad_users_file_is_refused_naming_file_line_and_field(tmp_path, entry, expected):
    path = tmp_path / "users.yaml"
    path.write_text(f"users:\n- name: alice\n  password_hash: {hash_password('x' * 12)}\n{entry}")
    with pytest.raises(UsersFileError) as refused:
        load_users(path, programmes=CODES)
    assert str(refused.value).startswith(f"{path.parent}/{expected}")


def test_a_name_listed_twice_is_refused(tmp_path):
    path = tmp_path / "users.yaml"
    stored = hash_password("x" * 12)
    path.write_text(f"users:\n- {{name: a1, role: viewer, password_hash: '{stored}'}}\n"
                    f"- {{name: a1, role: admin, password_hash: '{stored}'}}\n")
    with pytest.raises(UsersFileError, match=r"users.yaml:3: users\[1\].name: user 'a1' is listed twice"):
        load_users(path)


@pytest.mark.parametrize("user, permission, programme, ok", [
    (PSR_UPLOADER, "upload", "psr", True), (PSR_UPLOADER, "upload", "kazlod", False),
    (PSR_UPLOADER, "view", "kazlod", True), (PSR_UPLOADER, "upload", None, False),
    (PSR_ONLY, "view", "psr", True), (PSR_ONLY, "view", "kazlod", False), (PSR_ONLY, "download_report", "kazlod", False),
    (PSR_ADMIN, "rollback", "psr", True), (PSR_ADMIN, "rollback", "kazlod", False),
    (PSR_ADMIN, "audit", "psr", False), (PSR_ADMIN, "users", "psr", False),  # not about one programme: the default role
    (KAZLOD_EXPORTER, "export", "kazlod", True), (KAZLOD_EXPORTER, "export", "psr", False),
    (User("boss", "admin"), "audit", None, True), (User("boss", "admin"), "export", "psr", True),
])
def test_one_rule_decides_in_each_programme(user, permission, programme, ok):
    assert allowed(user, permission, programme) is ok
    if not ok:
        with pytest.raises(PermissionDenied):
            authorize(user, permission, programme)


def test_a_file_touching_a_programme_out_of_scope_is_refused_whole_row_by_row(env):
    db, _ = env
    catalog = load_catalog()
    for dry_run in (True, False):
        report = import_bytes(BOTH.encode(), "both.csv", catalog, PSR_UPLOADER, db=db, dry_run=dry_run)
        assert report.status == "refused_scope"
        assert report.message == ("both.csv: nothing imported: it has rows for KAZLOD, where you may not upload "
                                  "data (the rejected rows name each one).")
        assert list(report.rejected["line"]) == [3]
        assert report.rejected["reason"][0] == ("programme KAZLOD: sam may not upload data to it (role there: "
                                                "viewer); the whole file is refused")
    assert list_batches(db).empty
    assert import_bytes(PSR_ROWS.encode(), "psr.csv", catalog, PSR_UPLOADER, db=db).status == "committed"
    with pytest.raises(PermissionDenied):
        import_bytes(PSR_ROWS.encode(), "psr.csv", catalog, PSR_ONLY, db=db)  # may upload nowhere
    # a viewer's dry run checks the file as before (it would commit nothing anyway)
    assert import_bytes(BOTH.encode(), "both.csv", catalog, PSR_ONLY, db=db, dry_run=True).status == "dry_run"


def test_a_financial_file_out_of_scope_is_refused_whole(env):
    db, _ = env
    catalog = load_catalog()
    report = import_finance_bytes(demo_finance_csv(catalog["kazlod"]), "kazlod.csv", catalog, PSR_UPLOADER, db=db)
    assert report.status == "refused_scope"
    assert len(report.rejected) == len(report.accepted) > 0
    assert report.rejected["reason"].str.startswith("programme KAZLOD: sam may not upload").all()
    assert list_batches(db).empty
    assert import_finance_bytes(demo_finance_csv(catalog["psr"]), "psr.csv", catalog, PSR_UPLOADER,
                                db=db).status == "committed"


def test_rollback_and_review_respect_the_scope(env, monkeypatch):
    db, _ = env
    monkeypatch.setenv("KZLOGFRAME_REVIEW", "on")
    catalog = load_catalog()
    psr = import_bytes(PSR_ROWS.encode(), "psr.csv", catalog, PSR_UPLOADER, db=db).batch_id
    kazlod = import_bytes(KAZLOD_ROWS.encode(), "kazlod.csv", catalog, ADMIN, db=db).batch_id
    assert list(batches(db, states=("submitted",), within=["psr"])["id"]) == [psr]  # the PSR reviewer's queue
    with pytest.raises(PermissionDenied, match="the role 'viewer' may not approve in kazlod"):
        approve(kazlod, PSR_REVIEWER, db=db)
    approve(psr, PSR_REVIEWER, db=db)
    assert set(review_history(db=db, within=["psr"])["batch_id"]) == {psr}
    with pytest.raises(PermissionDenied, match="may not rollback in kazlod"):
        rollback_batch(kazlod, PSR_ADMIN, db=db)
    assert rollback_batch(psr, PSR_ADMIN, db=db) == f"batch {psr} rolled back"
    assert list(list_batches(db, within=["psr"])["id"]) == [psr]


def test_recording_respects_the_scope(env):
    db, _ = env
    save_narrative("psr", "R1", "2012-H2", "en", "on track", db=db, actor=PSR_UPLOADER)
    save_summary("psr", "2012-H2", "en", "summary", db=db, actor=PSR_UPLOADER)
    with pytest.raises(PermissionDenied):
        save_narrative("kazlod", "R1", "2012-H2", "en", "on track", db=db, actor=PSR_UPLOADER)
    with pytest.raises(PermissionDenied):
        save_summary("kazlod", "2012-H2", "en", "summary", db=db, actor=PSR_UPLOADER)
    with pytest.raises(PermissionDenied):
        record_activity("kazlod", "R1.A1", status="ongoing", actual_start=None, actual_end=None, comment=None,
                        db=db, actor=PSR_UPLOADER)
    with connect(db, write=False) as con:
        assert con.execute("SELECT list(programme) FROM narrative").fetchone()[0] == ["psr"]


def app_as(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["_user"] = user
    return at.run()


def pages_offered(at: AppTest) -> list[str]:
    """The menu's pages, by URL path."""
    offered = []
    for script in ("views/upload.py", "views/export.py", "views/report.py", "views/overview.py"):
        try:
            at.switch_page(script)
            offered.append(script)
        except ValueError:
            pass
    return offered


def choose(at: AppTest, programme: str) -> AppTest:
    at.sidebar.selectbox(key="programme").set_value(programme).run()
    assert not at.exception
    return at


def test_the_programme_picker_offers_only_what_the_user_may_view(env):
    at = app_as(PSR_ONLY)
    assert not at.exception
    assert at.sidebar.selectbox(key="programme").options == ["PSR — Public sector reform and modernisation"]
    assert any("Signed in as olga (no access; PSR: viewer)" in c.value for c in at.sidebar.caption)
    assert pages_offered(at) == ["views/report.py", "views/overview.py"]
    overview = at.switch_page("views/overview.py").run()
    assert set(overview.dataframe[0].value.iloc[:, 0].str[:6]) <= {"PSR — "}  # the portfolio: PSR only
    assert len(app_as(User("boss", "admin")).sidebar.selectbox(key="programme").options) == len(CODES)


def test_pages_follow_the_role_in_the_chosen_programme(env):
    at = choose(app_as(PSR_UPLOADER), "psr")
    assert "views/upload.py" in pages_offered(at)
    at.switch_page("views/upload.py").run()
    assert not at.exception and at.title[0].value == "Upload measurements"
    choose(at, "kazlod")  # a viewer in KAZLOD: no upload page, and the page refuses if reached
    assert "views/upload.py" not in pages_offered(at)
    at = choose(app_as(KAZLOD_EXPORTER), "kazlod")
    assert "views/export.py" in pages_offered(at)
    choose(at, "psr")
    assert "views/export.py" not in pages_offered(at)


def test_a_page_reached_in_a_programme_out_of_scope_refuses(env):
    """The menu follows the chosen programme; a page run with a programme out of scope in hand (a
    crafted request) still refuses, through ui.require."""
    at = choose(app_as(PSR_UPLOADER), "psr")
    at.switch_page("views/upload.py").run()
    assert at.title[0].value == "Upload measurements"
    choose(at, "kazlod")
    assert at.title[0].value == "Overview"  # the Upload page is not in KAZLOD's menu: the default page opens
    catalog = load_catalog()
    for script, user, code in (("views/upload.py", PSR_UPLOADER, "kazlod"), ("views/export.py", KAZLOD_EXPORTER, "psr"),
                               ("views/data_entry.py", PSR_UPLOADER, "kazlod"), ("views/report.py", PSR_ONLY, "kazlod")):
        page = AppTest.from_file(str(ROOT / script), default_timeout=60)
        page.session_state["_page_context"] = PageContext(user, "en", catalog[code], programmes=("psr",))
        page.run()
        assert not page.exception
        role = {"viewer": "viewer", "none": "no access"}[user.role_in(code)]
        assert page.error[0].value.startswith(f"Your role ({role}) does not allow"), script
        assert not page.get("file_uploader") and not page.get("download_button")


def test_a_broken_users_file_stops_the_app_with_its_line(env):
    _, users_file = env
    users_file.write_text(users_file.read_text().replace("psr: uploader", "psx: uploader"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert at.error[0].value.startswith("The users file cannot be used")
    assert "roles.psx: unknown programme 'psx'" in at.code[0].value


def test_users_cli_gives_a_role_in_one_programme(tmp_path):
    users = tmp_path / "users.yaml"
    env = {**os.environ, "KZLOGFRAME_USERS": str(users)}

    def cli(*args: str, password: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(tmp_path / "x.duckdb"), "users",
                               *args], input=password, capture_output=True, text=True, cwd=ROOT, env=env)

    run = cli("add", "sam", "--role", "uploader", "--programme", "psr", "--password-stdin", password="long-password-42\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("sam: viewer, uploader in psr (stored in")
    run = cli("add", "sam", "--role", "none", "--programme", "kazlod")  # an existing user: the password stays
    assert run.returncode == 0, run.stderr
    assert "password kept" in run.stdout
    assert cli("list").stdout == "sam\tviewer\tkazlod: none, psr: uploader\n"
    refused = cli("add", "sam", "--role", "uploader", "--programme", "psx")
    assert refused.returncode == 1 and "unknown programme psx" in refused.stderr
    details = audit_entries(tmp_path / "x.duckdb")["detail"].map(yaml.safe_load).tolist()
    assert [{k: d.get(k) for k in ("role", "roles", "password")} for d in details] == [  # newest first
        {"role": "viewer", "roles": {"psr": "uploader", "kazlod": "none"}, "password": None},
        {"role": "viewer", "roles": {"psr": "uploader"}, "password": "changed"}]


def test_the_review_page_queues_the_reviewers_programmes_only(env, monkeypatch):
    db, _ = env
    monkeypatch.setenv("KZLOGFRAME_REVIEW", "on")
    catalog = load_catalog()
    psr = import_bytes(PSR_ROWS.encode(), "psr.csv", catalog, PSR_UPLOADER, db=db).batch_id
    import_bytes(KAZLOD_ROWS.encode(), "kazlod.csv", catalog, ADMIN, db=db)
    at = choose(app_as(PSR_REVIEWER), "psr")
    at.switch_page("views/review.py").run()
    assert not at.exception
    assert at.selectbox(key="review_batch").options[0].startswith(f"Batch {psr}: psr.csv")
    assert len(at.selectbox(key="review_batch").options) == 1
    assert "1 batch, 1 value waiting for review" in " ".join(c.value for c in at.caption)  # KAZLOD's not counted
    choose(at, "kazlod")  # a viewer there: no Review page
    assert at.title[0].value == "Overview"
