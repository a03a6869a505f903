"""The Upload page through AppTest: history, empty state and rollback (file upload itself is
exercised in the browser test, because AppTest cannot attach a file)."""

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv, list_batches
from kzlogframe.store import connect
from tests.conftest import ADMIN, ROOT, open_page


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("KZLOGFRAME_DB", str(path))
    return path


def upload_page() -> AppTest:
    return open_page("views/upload.py")


def test_empty_history_is_explained(db):
    at = upload_page()
    assert at.title[0].value == "Upload measurements"
    assert any("No upload yet" in i.value for i in at.info)


def test_rollback_from_the_page_restores_previous_values(db, tmp_path):
    catalog = load_catalog()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,10\n", encoding="utf-8")
    second.write_text("programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,12\n", encoding="utf-8")
    import_csv(first, catalog, ADMIN, db=db)
    import_csv(second, catalog, ADMIN, db=db)

    at = upload_page()
    assert at.selectbox(key="rollback_batch").options == ["2", "1"]
    at.button[0].click().run()
    assert not at.exception
    assert any("Batch 2 rolled back" in s.value for s in at.success)
    assert at.selectbox(key="rollback_batch").options == ["1"]
    with connect(db, write=False) as con:
        assert con.execute("SELECT value FROM measurement_current").fetchall() == [(10.0,)]
        assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 2
    assert list(list_batches(db)["status"]) == ["rolled_back", "committed"]


def test_upload_page_in_kazakh(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    at.switch_page("views/upload.py").run()
    assert at.title[0].value == "Өлшемдерді жүктеу"
    assert at.sidebar.selectbox(key="lang").value == "kk"
