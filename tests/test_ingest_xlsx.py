"""Excel in and out of the importer (issue 16): an .xlsx sheet goes through the CSV importer's checks,
rejections and batch; blank and comment lines are skipped in CSV and XLSX; cp1251 files that lost
Kazakh letters are warned of; rejected rows come back as a file in the upload's own format; the
robust outlier rule warns of a jump and never blocks."""

import datetime as dt
import io
import re

import openpyxl
import pytest
import xlsxwriter

from kzlogframe.cli import main
from kzlogframe.ingest import UploadError, import_bytes, import_csv, list_batches
from kzlogframe.rejects import rejected_file
from kzlogframe.store import connect
from tests.conftest import ADMIN, FIXTURES, load_logframe

HEADER = ["programme", "indicator", "period", "value", "sex", "oblast", "comment"]


@pytest.fixture(scope="module")
def catalog():
    return {"demo": load_logframe(FIXTURES / "minimal.yaml")}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store.duckdb"


def workbook(sheets: dict[str, list[list[object]]], merge: str | None = None) -> bytes:
    """An .xlsx with these sheets (rows from row 1; a datetime written as a date cell)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, dates)
                elif value is not None:
                    sheet.write(r, c, value)
        if merge and name == next(iter(sheets)):
            sheet.merge_range(merge, rows[0][0])
    book.close()
    return out.getvalue()


ROWS = [HEADER,
        ["demo", "DEMO.R1.I1", dt.datetime(2013, 6, 30), 175.77, "әйел", "Маңғыстау", "Қазақ тілі: әғқңөұүһі"],
        ["demo", "DEMO.R1.I1", "2013-H7", 8, "female", "Mangystau", None],
        [None] * 7,
        ["demo", "DEMO.NOPE", "2013-H2", 1, None, None, "жоқ"],
        ["# period: 2012-H1, 2012-Q3 …"],
        ["demo", "DEMO.G.I1", "2013-H1", "иә", None, None, None]]


def rejected(report):
    return [(int(line), reason) for line, reason in zip(report.rejected["line"], report.rejected["reason"])]


def test_an_xlsx_sheet_goes_through_the_same_checks_as_csv_naming_its_rows(catalog, db):
    report = import_bytes(workbook({"Data": ROWS}), "measurements.xlsx", catalog, ADMIN, db=db)
    assert (report.sheet, report.status, report.rows_total, report.accepted_total) == ("Data", "committed", 4, 2)
    assert [line for line, _ in rejected(report)] == [3, 5]  # the sheet's rows; rows 4 and 6 skipped
    assert "period '2013-H7' is not one of" in rejected(report)[0][1]
    assert rejected(report)[1][1] == "unknown indicator 'DEMO.NOPE' in programme demo"
    with connect(db, write=False) as con:
        rows = con.execute("""SELECT line, indicator, period_label, period_start, value, value_text, sex, oblast, comment
                              FROM measurement_current ORDER BY line""").fetchall()
    # a date cell is a date, a number stays the number Excel holds, Kazakh text survives
    assert rows == [(2, "DEMO.R1.I1", "2013-06-30", dt.date(2013, 6, 30), 175.77, "175.77", "female", "Mangystau",
                     "Қазақ тілі: әғқңөұүһі"),
                    (7, "DEMO.G.I1", "2013-H1", dt.date(2013, 1, 1), 1.0, "иә", "", "", None)]
    assert list_batches(db)["file_name"].tolist() == ["measurements.xlsx"]


def test_a_named_sheet_is_read_and_an_unknown_one_is_refused_with_the_sheets(catalog, db):
    data = workbook({"Notes": [["anything"]], "Values": ROWS[:2]})
    report = import_bytes(data, "book.xlsx", catalog, ADMIN, db=db, dry_run=True, sheet="Values")
    assert (report.sheet, report.accepted_total) == ("Values", 1)
    with pytest.raises(UploadError, match=r"book.xlsx: the workbook has no sheet 'Data' \(its sheets: Notes, Values\)"):
        import_bytes(data, "book.xlsx", catalog, ADMIN, db=db, dry_run=True, sheet="Data")
    with pytest.raises(UploadError, match="book.xlsx:1: header: unknown column 'anything'"):
        import_bytes(data, "book.xlsx", catalog, ADMIN, db=db, dry_run=True)  # the first sheet by default


def test_merged_header_cells_are_refused_clearly(catalog, db):
    with pytest.raises(UploadError) as caught:
        import_bytes(workbook({"Data": ROWS[:2]}, merge="A1:B1"), "merged.xlsx", catalog, ADMIN, db=db, dry_run=True)
    assert str(caught.value).startswith("merged.xlsx:1: sheet 'Data': header cells A1:B1 are merged")
    assert list_batches(db).empty


@pytest.mark.parametrize("data, words", [(b"\xd0\xcf\x11\xe0" + bytes(60), "Excel 97–2003 workbook (.xls)"),
                                         (b"PK\x03\x04 not really a zip", "cannot be read as an Excel workbook")])
def test_an_old_or_broken_workbook_is_refused_with_a_way_out(catalog, db, data, words):
    with pytest.raises(UploadError, match=re.escape(words)):
        import_bytes(data, "old.xls", catalog, ADMIN, db=db, dry_run=True)


def test_the_same_rows_again_are_a_duplicate_but_another_sheet_is_not(catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    data = workbook({"H1": ROWS[:2], "H2": [HEADER, ["demo", "DEMO.R1.I1", "2013-H2", 9, "male", "Kyzylorda", None]]})
    first = import_bytes(data, "a.xlsx", catalog, ADMIN, db=db)
    resaved = workbook({"H1": ROWS[:2]})  # the same rows in other bytes: as Excel saves it again
    assert import_bytes(resaved, "a-again.xlsx", catalog, ADMIN, db=db).duplicate_of == first.batch_id
    assert import_bytes(data, "a.xlsx", catalog, ADMIN, db=db, sheet="H2").status == "committed"


def test_blank_and_comment_lines_of_a_csv_are_skipped_not_rejected(tmp_path, catalog, db):
    path = tmp_path / "excel.csv"
    path.write_bytes("programme;indicator;period;value\r\ndemo;DEMO.G.I1;2013-H1;да\r\n;;;\r\n"
                     "# period: 2012-H1, 2012-Q3, 2012-06 or 30.06.2012; programme window 2011..2018\r\n"
                     "demo;DEMO.G.I1;2013-H9;да\r\n;;\r\ndemo;DEMO.G.I1;;\r\n;;;\r\n;;;\r\n".encode("cp1251"))
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert (report.rows_total, report.accepted_total) == (2, 1)
    assert [line for line, _ in rejected(report)] == [5]


def test_a_cp1251_file_that_lost_kazakh_letters_is_warned_of(tmp_path, catalog, db):
    path = tmp_path / "cp1251.csv"
    lines = ["programme;indicator;period;value;comment", "demo;DEMO.G.I1;2012-H1;да;бірінші өлшем",
             "demo;DEMO.G.I1;2012-H2;да;обычный текст?", "demo;DEMO.G.I1;2013-H1;да;м?ні ?азақ"]
    # Excel's cp1251 keeps і and turns ө, ә, қ into '?'
    path.write_bytes("\r\n".join(lines).encode("cp1251", errors="replace"))
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert report.encoding == "cp1251" and report.accepted_total == 3
    assert report.warnings[["line", "warning"]].values.tolist() == [
        [2, "lines 2, 4: a '?' stands where a letter should be (as in 'м?ні'): the file was saved in Windows-1251, "
            "which cannot hold the Kazakh letters ә ғ қ ң ө ұ ү һ; save it as CSV UTF-8 (or upload the .xlsx) and "
            "upload again"],
        [2, "lines 2, 4: Kazakh text saved in Windows-1251, which cannot hold ә ғ қ ң ө ұ ү һ: they were replaced "
            "(by '?' or by similar Russian letters) when the file was saved; save it as CSV UTF-8 (or upload the "
            ".xlsx) to keep them"]]
    plain = tmp_path / "russian.csv"  # Russian text in cp1251, a question at the end of a word: no warning
    plain.write_bytes("\r\n".join(lines[:1] + [lines[2]]).encode("cp1251"))
    assert import_csv(plain, catalog, ADMIN, db=db, dry_run=True).warnings.empty


def test_a_utf8_file_with_kazakh_letters_is_not_warned_of(tmp_path, catalog, db):
    path = tmp_path / "utf8.csv"
    path.write_text("programme;indicator;period;value;comment\ndemo;DEMO.G.I1;2012-H1;иә;м?ні бірінші\n",
                    encoding="utf-8")
    assert import_csv(path, catalog, ADMIN, db=db, dry_run=True).warnings.empty


def test_rejected_rows_of_a_cp1251_csv_come_back_in_its_encoding_and_separator_and_go_back_in(tmp_path, catalog, db):
    text = ("программа;индикатор;период;значение;комментарий\r\n"
            "demo;DEMO.R1.I1;2013-H1;12,5;первая строка\r\n"
            "demo;DEMO.R1.I1;2013-H7;8;\"строка; с точкой с запятой\"\r\n"
            "demo;DEMO.NOPE;2013-H2;1;\r\n")
    data = text.encode("cp1251")
    report = import_bytes(data, "отчёт.csv", catalog, ADMIN, db=db, dry_run=True, lang="ru")
    content, name, mime = rejected_file(data, report, "ru")
    assert (name, mime) == ("отчёт-rejected.csv", "text/csv")
    lines = content.decode("cp1251").splitlines()
    assert lines[0] == "программа;индикатор;период;значение;комментарий;ошибка"
    assert lines[1].startswith("demo;DEMO.R1.I1;2013-H7;8;\"строка; с точкой с запятой\";период '2013-H7' ")
    assert lines[2] == "demo;DEMO.NOPE;2013-H2;1;;в программе demo нет индикатора 'DEMO.NOPE'"
    fixed = content.decode("cp1251").replace("2013-H7", "2013-H2").replace("DEMO.NOPE;2013-H2", "DEMO.R1.I1;2014-H1")
    again = import_bytes(fixed.encode("cp1251"), "fixed.csv", catalog, ADMIN, db=db, dry_run=True)
    assert (again.rows_total, again.accepted_total, len(again.rejected)) == (2, 2, 0)  # the error column is ignored


def test_rejected_kazakh_reasons_of_a_cp1251_file_come_back_in_utf8_rather_than_garbled(catalog, db):
    data = "programme;indicator;period;value\r\ndemo;DEMO.NOPE;2013-H2;1\r\n".encode("cp1251")
    report = import_bytes(data, "a.csv", catalog, ADMIN, db=db, dry_run=True, lang="kk")
    content, _, _ = rejected_file(data, report, "kk")
    assert content.decode("utf-8-sig").splitlines() == [
        "programme;indicator;period;value;қате", "demo;DEMO.NOPE;2013-H2;1;demo бағдарламасында 'DEMO.NOPE' көрсеткіші жоқ"]


def test_rejected_rows_of_an_xlsx_come_back_as_xlsx_with_cells_as_they_were(catalog, db):
    data = workbook({"Деректер": [HEADER, ["demo", "DEMO.R1.I1", dt.datetime(2030, 6, 30), 12.5, "әйел", "Маңғыстау",
                                           "Қазақ мәтіні"], ROWS[1]]})
    report = import_bytes(data, "book.xlsx", catalog, ADMIN, db=db, dry_run=True, lang="kk")
    content, name, _ = rejected_file(data, report, "kk")
    assert name == "book-rejected.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "Деректер" and rows[0] == (*HEADER, "қате")
    assert rows[1][:7] == ("demo", "DEMO.R1.I1", dt.datetime(2030, 6, 30), 12.5, "әйел", "Маңғыстау", "Қазақ мәтіні")
    assert "2030-06-30" in rows[1][7] and len(rows) == 2
    fixed = io.BytesIO(content)
    book = openpyxl.load_workbook(fixed)
    book.worksheets[0]["C2"] = dt.datetime(2013, 12, 31)
    fixed = io.BytesIO()
    book.save(fixed)
    again = import_bytes(fixed.getvalue(), "fixed.xlsx", catalog, ADMIN, db=db)
    assert (again.status, again.accepted_total) == ("committed", 1)


def history(db, catalog, values):
    rows = [HEADER] + [["demo", "DEMO.R1.I1", f"{2012 + i // 2}-H{i % 2 + 1}", v, "female", "Mangystau", None]
                       for i, v in enumerate(values)]
    assert import_bytes(workbook({"Data": rows}), "history.xlsx", catalog, ADMIN, db=db).status == "committed"


def test_a_jump_from_175_77_to_1250_5_warns_before_commit_and_does_not_block(catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    history(db, catalog, [175.77])
    data = ("programme,indicator,period,value,sex,oblast\n"
            "demo,DEMO.R1.I1,2013-H1,1250.5,female,Mangystau\n"
            "demo,DEMO.R1.I1,2013-H2,250,female,Mangystau\n"
            "demo,DEMO.R1.I1,2013-H2,5000,male,Mangystau\n").encode()  # no history for men: nothing to compare
    dry = import_bytes(data, "new.csv", catalog, ADMIN, db=db, dry_run=True)
    assert dry.warnings[["line", "warning"]].values.tolist() == [
        [2, "value 1250.5 is an outlier against the indicator's history (median 175.77, modified z-score 24.5)"]]
    assert import_bytes(data, "new.csv", catalog, ADMIN, db=db).accepted_total == 3


def test_a_steady_history_tolerates_growth_and_warns_of_a_collapse(catalog, db):
    history(db, catalog, [100, 110, 120, 130])
    data = ("programme,indicator,period,value,sex,oblast\n"
            "demo,DEMO.R1.I1,2014-H1,180,female,Mangystau\n"
            "demo,DEMO.R1.I1,2014-H2,12,female,Mangystau\n").encode()
    report = import_bytes(data, "next.csv", catalog, ADMIN, db=db, dry_run=True)
    assert report.warnings["line"].tolist() == [3]


def test_a_milestone_is_never_an_outlier(catalog, db):
    rows = [HEADER] + [["demo", "DEMO.G.I1", f"{year}-H1", "да", None, None, None] for year in (2012, 2013, 2014)]
    import_bytes(workbook({"Data": rows}), "m.xlsx", catalog, ADMIN, db=db)
    data = "programme,indicator,period,value\ndemo,DEMO.G.I1,2015-H1,нет\n".encode()
    assert import_bytes(data, "m.csv", catalog, ADMIN, db=db, dry_run=True).warnings.empty


def test_the_cli_reads_a_named_sheet_and_writes_the_rejected_rows_as_xlsx(tmp_path, db, capsys, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(FIXTURES))
    path, rejects = tmp_path / "book.xlsx", tmp_path / "rejects.xlsx"
    path.write_bytes(workbook({"Notes": [["x"]], "Data": ROWS}))
    assert main(["--db", str(db), "import", str(path), "--sheet", "Data", "--rejects", str(rejects)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:3: rejected: period '2013-H7'" in err and f"{path}:5: rejected: unknown indicator" in err
    rows = list(openpyxl.load_workbook(rejects).worksheets[0].iter_rows(values_only=True))
    assert [row[1] for row in rows] == ["indicator", "DEMO.R1.I1", "DEMO.NOPE"]
