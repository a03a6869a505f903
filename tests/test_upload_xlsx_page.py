"""The Upload page with Excel (issue 16, items 1-3, AppTest): both templates offered, a workbook of
several sheets read from the chosen one, rejected rows offered as a workbook, outliers warned of
before the commit, which they do not block."""

import datetime as dt

import pytest

from kzlogframe.ingest import list_batches
from kzlogframe.store import connect
from tests.conftest import open_page
from tests.test_ingest_xlsx import workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("KZLOGFRAME_DB", str(path))
    return path


HEADER = ["бағдарлама", "көрсеткіш", "кезең", "мән", "түсініктеме"]
GOOD = [HEADER, ["psr", "PSR.R1.I6", dt.datetime(2013, 6, 30), 175.77, "бірінші өлшем"]]
BAD = [HEADER, ["psr", "PSR.R1.I6", dt.datetime(2013, 12, 31), 1250.5, "секіріс"], ["psr", "PSR.NOPE", "2013-H2", 1, ""]]


def metrics(at):
    return {m.label: m.value for m in at.metric}


def downloads(at):
    return {b.proto.label: b.proto.url for b in at.get("download_button")}


def test_both_templates_are_offered(db):
    at = open_page("views/upload.py")
    offered = downloads(at)
    assert offered["Download the Excel template for KAZLOD"].endswith(".xlsx")
    assert offered["Download the CSV template for Excel (;) for KAZLOD"].endswith(".csv")


def test_a_workbook_of_several_sheets_is_read_from_the_chosen_sheet_and_committed(db):
    at = open_page("views/upload.py")
    at.file_uploader[0].set_value(("book.xlsx", workbook({"Ескертпе": [["мәтін"]], "Деректер": GOOD}), XLSX)).run()
    assert not at.exception
    assert at.selectbox(key="upload_sheet").options == ["Ескертпе", "Деректер"]
    assert "unknown column 'мәтін'" in at.error[0].value  # the first sheet, until another is chosen
    at.selectbox(key="upload_sheet").set_value("Деректер").run()
    assert not at.error and metrics(at)["Accepted"] == "1"
    assert any(c.value == "Read from sheet 'Деректер' of the Excel workbook" for c in at.caption)
    next(b for b in at.button if b.label == "Commit 1 accepted row").click().run()
    with connect(db, write=False) as con:
        assert con.execute("SELECT value, comment FROM measurement_current").fetchall() == [(175.77, "бірінші өлшем")]


def test_rejected_rows_are_offered_as_a_workbook_and_an_outlier_is_warned_of_before_the_commit(db):
    at = open_page("views/upload.py")
    at.file_uploader[0].set_value(("first.xlsx", workbook({"Деректер": GOOD}), XLSX)).run()
    next(b for b in at.button if b.label == "Commit 1 accepted row").click().run()
    at.file_uploader[0].set_value(("second.xlsx", workbook({"Деректер": BAD}), XLSX)).run()
    assert not at.exception
    assert (metrics(at)["Rejected"], metrics(at)["Warnings"]) == ("1", "1")
    assert downloads(at)["Download the rejected rows with their reasons, to fix and upload again"].endswith(".xlsx")
    warnings = at.dataframe[1].value
    assert warnings.iloc[0].tolist()[:2] == [2, "value 1250.5 is an outlier against the indicator's history "
                                                "(median 175.77, modified z-score 24.5)"]
    next(b for b in at.button if b.label == "Commit 1 accepted row").click().run()
    assert list_batches(db)["rows_accepted"].tolist() == [1, 1]
