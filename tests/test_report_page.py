"""The Report page keeps its report model between reruns, yet shows a saved narrative and a new
upload at once: what the model is built from is part of what it is kept by."""

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe.ingest import import_csv
from kzlogframe.catalog import load_catalog
from tests.conftest import ADMIN, ROOT


@pytest.fixture
def report_page(demo_store, tmp_path, monkeypatch):
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_store, db)
    monkeypatch.setenv("KZLOGFRAME_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("views/report.py").run()
    assert not at.exception
    return at, db


def preview(at: AppTest) -> str:
    return at.get("iframe")[0].proto.srcdoc


def test_a_saved_narrative_shows_in_the_preview_at_once(report_page):
    at, _ = report_page
    before = preview(at)
    text = "Grants to 12 pilot akimats were signed in November."
    assert text not in before
    at.text_area(key="narrative_text_kazlod_2014-H2_en_G").set_value(text)
    next(b for b in at.button if b.label.startswith("Save narrative for ")).click().run()
    assert not at.exception
    at.run()
    assert text in preview(at)


def test_a_new_upload_shows_in_the_preview_at_once(report_page, tmp_path):
    at, db = report_page
    csv = tmp_path / "new.csv"
    csv.write_text("programme,indicator,period,value\nkazlod,KAZLOD.R1.I7,2014-H2,987654\n", encoding="utf-8")
    assert "987" not in preview(at)
    import_csv(csv, load_catalog(), ADMIN, db=db)
    at.run()
    assert "987" in preview(at)
