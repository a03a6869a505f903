"""What users see when something goes wrong: text from a file is shown as text, never rendered as
Markdown; a busy or full store gives a message in the user's language and what to do, never a
traceback; while another process writes, pages keep showing the data they had."""

import errno

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe import measurements, store
from kzlogframe.store import StoreLocked
from tests.conftest import ROOT, open_page

EVIL = "![x](http://evil.example/pixel.png)"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("KZLOGFRAME_DB", str(path))
    return path


def test_an_upload_error_quoting_the_file_is_shown_as_text(db):
    at = open_page("views/upload.py")
    header = f"programme,indicator,period,value,{EVIL},[Session expired – sign in](http://evil.example)\n"
    at.file_uploader[0].set_value(("evil.csv", (header + "psr,PSR.R1.I6,2013-H1,1,,\n").encode(), "text/csv")).run()
    assert not at.exception
    shown = at.error[0].value
    assert "unknown column" in shown
    assert "](" not in shown and "![" not in shown and "http://" not in shown  # no image, link or autolink
    assert r"\!\[x\]\(http\:" in shown  # the characters are all there, escaped


def test_a_busy_store_is_a_message_not_a_traceback(db, monkeypatch):
    at = open_page("views/upload.py")

    def busy(*args, **kwargs):
        raise StoreLocked(f"the database {db} is busy: process 4242 holds it")
    monkeypatch.setattr(store, "_open_with_retry", busy)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("The database is busy with another write")
    assert str(db) not in at.error[0].value and "4242" not in at.error[0].value


def test_a_full_disk_says_so(db, monkeypatch):
    at = open_page("views/upload.py")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(store, "_open_with_retry", full)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("The server's disk is full")


def test_pages_keep_the_data_they_had_while_another_process_writes(demo_store, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    before = [m.value for m in at.markdown if m.value.startswith("#### Overall: ")]

    def writing(*args, **kwargs):
        raise StoreLocked("busy")
    monkeypatch.setattr(measurements, "connect", lambda *a, **k: writing())
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown if m.value.startswith("#### Overall: ")] == before
    assert any(c.value.startswith("Another process is writing") for c in at.caption)
