"""The Upload page through AppTest: a TA officer's journey (a file with errors, why rows were
rejected, the fixed file, commit), history, empty state and rollback."""

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


BROKEN = ("programme;indicator;period;value;comment\n"
          "psr;PSR.R1.I6;2013-H1;7;бірінші өлшем\n"
          "psr;PSR.R1.I6;2013-H7;8;\n"
          "psr;PSR.NOPE;2013-H1;1;\n")
FIXED = ("programme;indicator;period;value;comment\n"
         "psr;PSR.R1.I6;2013-H1;7;бірінші өлшем\n"
         "psr;PSR.R1.I6;2013-H2;8;\n")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_an_upload_with_errors_is_explained_row_by_row_then_the_fixed_file_is_committed(db):
    at = upload_page()
    at.file_uploader[0].set_value(("measurements.csv", BROKEN.encode("utf-8"), "text/csv")).run()
    assert not at.exception
    assert metrics(at)["Rejected"] == "2" and metrics(at)["Accepted"] == "1"
    rejected = at.dataframe[0].value
    assert rejected["Line"].tolist() == [3, 4]
    assert "period '2013-H7' is not one of" in rejected["Reason"].iloc[0]
    assert rejected["Reason"].iloc[1] == "unknown indicator 'PSR.NOPE' in programme psr"
    assert list_batches(db).empty  # nothing is written before the commit

    at.file_uploader[0].set_value(("measurements-fixed.csv", FIXED.encode("utf-8"), "text/csv")).run()
    assert metrics(at)["Rejected"] == "0"
    next(b for b in at.button if b.label == "Commit 2 accepted rows").click().run()
    assert any(s.value == "Batch 1 committed: 2 rows." for s in at.success)
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT period_label, value, comment, uploaded_by FROM measurement_current
                              ORDER BY period_label""").fetchall()
    assert rows == [("2013-H1", 7.0, "бірінші өлшем", "local"), ("2013-H2", 8.0, None, "local")]


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
    options = at.selectbox(key="rollback_batch").options  # each batch named: file, who, when, rows
    assert [o[:o.index(", 20")] for o in options] == ["Batch 2: b.csv — test-admin", "Batch 1: a.csv — test-admin"]
    assert all(o.endswith(", 1 row") for o in options)
    button = next(b for b in at.button if b.label == "Roll back batch 2")
    assert button.disabled  # not before the confirmation that names the batch
    confirm = at.checkbox(key="rollback_sure_2")
    assert confirm.label == f"Yes, roll back {options[0]}"
    at.checkbox(key="rollback_sure_2").check().run()
    next(b for b in at.button if b.label == "Roll back batch 2").click().run()
    assert not at.exception
    assert any("Batch 2 rolled back" in s.value for s in at.success)
    assert [o[:o.index(":")] for o in at.selectbox(key="rollback_batch").options] == ["Batch 1"]
    with connect(db, write=False) as con:
        assert con.execute("SELECT value FROM measurement_current").fetchall() == [(10.0,)]
        assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 2
    assert list(list_batches(db)["status"]) == ["rolled_back", "committed"]
    assert at.dataframe[0].value["Status"].tolist() == ["rolled back", "committed"]


def test_upload_page_in_kazakh(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    at.switch_page("views/upload.py").run()
    assert at.title[0].value == "Өлшемдерді жүктеу"
    assert at.sidebar.selectbox(key="lang").value == "kk"
    at.file_uploader[0].set_value(("measurements.csv", BROKEN.encode("utf-8"), "text/csv")).run()
    rejected = at.dataframe[0].value
    assert list(rejected.columns) == ["Жол", "Себебі", "Бағдарлама", "Көрсеткіш", "Кезең", "Мән"]
    assert rejected["Себебі"].iloc[1] == "psr бағдарламасында 'PSR.NOPE' көрсеткіші жоқ"
    assert at.dataframe[1].value.columns[:3].tolist() == ["Жол", "Бағдарлама", "Көрсеткіш"]  # what would be stored
