"""CSV import: every encoding, delimiter, number, period and header form people really write, every
reason a row is refused (with its line), every reason a file is refused, and a fuzz of the parser."""

import itertools
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzlogframe.ingest import COLUMNS, HEADER_ALIASES, IGNORED_COLUMNS, UploadError, import_csv, list_batches
from kzlogframe.periods import PERIOD_FORMS
from kzlogframe.store import connect
from tests.conftest import ADMIN, FIXTURES, ROOT, load_logframe

WINDOW = "2011-06-23..2018-06-23"
EXPECTED_COLUMNS = ("Expected columns: programme, indicator, period, value, sex, oblast, ministry, source, "
                    "comment, numerator, denominator, evidence_url (first four required)")
RATING = """    indicators:
      - code: RATED.P1.I1
        text: {kk: Бағалау, en: Assessment}
        type: rating
        disaggregation: [ministry]
        scale: [{kk: Төмен, en: Low}, {kk: Орташа, en: Medium}, {kk: Жоғары, en: High}]
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """``demo`` (tests/fixtures/minimal.yaml) plus ``rated``: the same logframe under another code, with a
    three-level rating indicator disaggregated by ministry."""
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    purpose = "    text: {kk: Нақты мақсат, en: Specific objective, ru: Конкретная цель}\n"
    rated = (text.replace("code: demo", "code: rated").replace("DEMO.", "RATED.")
             .replace("  disaggregation_values:\n", "  disaggregation_values:\n    ministry: [Ministry of Finance]\n")
             .replace(purpose, purpose + RATING))
    path = tmp_path_factory.mktemp("logframes") / "rated.yaml"
    path.write_text(rated, encoding="utf-8")
    return {"demo": load_logframe(FIXTURES / "minimal.yaml"), "rated": load_logframe(path)}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store.duckdb"


def csv_file(tmp_path, content, name="upload.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def stored(db, sql="SELECT * FROM measurement ORDER BY line"):
    with connect(db, write=False) as con:
        return con.execute(sql).df()


def rejected(report):
    return list(report.rejected[["line", "reason"]].itertuples(index=False, name=None))


# ---------------------------------------------------------------- encodings


KAZAKH = "Қазақша түсініктеме: ә ғ қ ң ө ұ ү һ і — Әкімдік, «Ұлттық» №5"


def test_utf8_kazakh_text_survives_into_duckdb_exactly(tmp_path, catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    path = csv_file(tmp_path, "programme,indicator,period,value,oblast,sex,source,comment\n"
                              f'demo,DEMO.R1.I1,2012-H1,5,Mangystau,female,Облыс әкімдігі,"{KAZAKH}"\n')
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.status, report.encoding) == ("committed", "utf-8")
    row = stored(db).iloc[0]
    assert (row.comment, row.source, row.oblast, row.sex) == (KAZAKH, "Облыс әкімдігі", "Mangystau", "female")


def test_utf8_with_bom_reads_the_first_header_name(tmp_path, catalog, db):
    path = csv_file(tmp_path, "\ufeffбағдарлама;көрсеткіш;кезең;мән;түсініктеме\n"
                              f"demo;DEMO.G.I1;2012-H1;иә;{KAZAKH}\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.status, report.encoding, report.delimiter) == ("committed", "utf-8", ";")
    row = stored(db).iloc[0]
    assert (row.programme, row.indicator, row.value, row.comment) == ("demo", "DEMO.G.I1", 1.0, KAZAKH)


def test_cp1251_russian_headers_and_comment_survive_into_duckdb_exactly(tmp_path, catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    comment = "Обучено сотрудников акимата; данные «предварительные» №3"
    text = ("программа;показатель;период;значение;область;пол;источник;комментарий\n"
            f'demo;DEMO.R1.I1;2012-H1;12;Атырау;жен;Отчёт акимата;"{comment}"\n'
            "demo;DEMO.R1.I1;2012-H1;7;Kyzylorda;муж;Отчёт акимата;Ещё строка\n")
    path = csv_file(tmp_path, text, encoding="cp1251")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.encoding, report.delimiter) == ("cp1251", ";")
    assert rejected(report) == [(2, "oblast 'Атырау' is not declared for demo "
                                    "(accepted: Mangystau Region, Kyzylorda Region)")]
    assert report.status == "committed"
    row = stored(db).iloc[0]
    assert (row.line, row.value, row.sex, row.oblast, row.source, row.comment) == (
        3, 7.0, "male", "Kyzylorda", "Отчёт акимата", "Ещё строка")
    path.write_bytes(text.replace("Атырау", "Кызылординская обл.").encode("cp1251"))  # Russian for a declared oblast
    assert import_csv(path, catalog, ADMIN, db=db).status == "committed"
    female = stored(db, "SELECT oblast, comment FROM measurement_current WHERE sex = 'female'")
    assert (female.oblast[0], female.comment[0]) == ("Kyzylorda", comment)


def test_a_file_that_is_neither_utf8_nor_cp1251_is_refused_at_its_line(tmp_path, catalog, db):
    path = csv_file(tmp_path, b"programme,indicator,period,value\ndemo,DEMO.G.I1,2012-H1,1\n"
                              b"demo,DEMO.G.I1,2013-H1,\x98\n")
    with pytest.raises(UploadError, match=r"^upload\.csv:3: the file is neither UTF-8 nor cp1251 text"):
        import_csv(path, catalog, ADMIN, db=db, dry_run=True)


# ---------------------------------------------------------------- delimiters and numbers


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter(tmp_path, catalog, db, delimiter):
    rows = [["programme", "indicator", "period", "value", "sex", "oblast", "comment"],
            ["demo", "DEMO.R1.I1", "2012-H1", "5", "female", "Mangystau", "бір"],
            ["demo", "DEMO.R1.I1", "2012-H1", "6", "male", "Kyzylorda", "екі"]]
    path = csv_file(tmp_path, "".join(delimiter.join(r) + "\r\n" for r in rows))
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert (report.delimiter, report.rejected.empty) == (delimiter, True)
    got = report.accepted[["line", "value", "sex", "oblast", "comment"]].values.tolist()
    assert got == [[2, 5.0, "female", "Mangystau", "бір"], [3, 6.0, "male", "Kyzylorda", "екі"]]


@pytest.mark.parametrize("delimiter, cell, value", [
    (";", "2,5", 2.5),
    (",", '"2,5"', 2.5),
    ("\t", "2,5", 2.5),
    (";", "1 234,5", 1234.5),
    (";", "1\u00a0234,5", 1234.5),
    (";", "1\u202f234", 1234.0),
    (",", '"1 000 000"', 1_000_000.0),
    (",", "1\u00a0000", 1000.0),
    (",", " 42 ", 42.0),
    (",", "-3.75", -3.75),
    (",", "45%", 45.0),
])
def test_decimal_comma_and_thousands_separators(tmp_path, catalog, db, delimiter, cell, value):
    header = delimiter.join(["programme", "indicator", "period", "value"])
    path = csv_file(tmp_path, f"{header}\n" + delimiter.join(["demo", "DEMO.R1.I1", "2012-H1", cell]) + "\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert report.status == "committed", rejected(report)
    row = stored(db).iloc[0]
    assert (row.value, row.value_text) == (value, cell.strip('"').strip())


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize("period, label, start, end", [
    ("2012-H1", "2012-H1", "2012-01-01", "2012-06-30"),
    ("2012-h2", "2012-H2", "2012-07-01", "2012-12-31"),
    ("2012-Q3", "2012-Q3", "2012-07-01", "2012-09-30"),
    ("2012-06", "2012-06", "2012-06-01", "2012-06-30"),
    ("2012-02", "2012-02", "2012-02-01", "2012-02-29"),
    ("2012-06-30", "2012-06-30", "2012-06-30", "2012-06-30"),
    ("30.06.2012", "2012-06-30", "2012-06-30", "2012-06-30"),
    ("5.3.2013", "2013-03-05", "2013-03-05", "2013-03-05"),
    ("2011-H1", "2011-H1", "2011-01-01", "2011-06-30"),  # overlaps the window's first week
    ("2018-06-23", "2018-06-23", "2018-06-23", "2018-06-23"),  # the window's last day
    ("2018-H1", "2018-H1", "2018-01-01", "2018-06-30"),  # overlaps the window's last week
])
def test_each_period_form_is_stored_with_its_dates(tmp_path, catalog, db, period, label, start, end):
    path = csv_file(tmp_path, f"programme,indicator,period,value\ndemo,DEMO.G.I1,{period},done\n")
    assert import_csv(path, catalog, ADMIN, db=db).status == "committed"
    row = stored(db).iloc[0]
    assert (row.period_label, str(row.period_start.date()), str(row.period_end.date())) == (label, start, end)


def test_the_year_form_is_read_as_a_year_and_refused_for_spanning_two_halves(tmp_path, catalog, db):
    """``2012`` is one of the period forms, but no programme reports yearly: under calendar halves a
    year runs over two reporting periods, so the row is refused with both halves and their dates."""
    path = csv_file(tmp_path, "programme,indicator,period,value\ndemo,DEMO.G.I1,2012-06-30,done\n"
                              "demo,DEMO.G.I1,2012,done\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert rejected(report) == [(3, "period 2012 spans the reporting periods 2012-H1 (2012-01-01 – 2012-06-30) … "
                                    "2012-H2 (2012-07-01 – 2012-12-31): give one value per reporting period")]
    assert stored(db)[["line", "period_label"]].values.tolist() == [[2, "2012-06-30"]]


@pytest.mark.parametrize("period, reason", [
    ("2012-H3", f"period '2012-H3' is not one of {PERIOD_FORMS}"),
    ("2012-13", f"period '2012-13' is not one of {PERIOD_FORMS}"),
    ("31.02.2012", f"period '31.02.2012' is not one of {PERIOD_FORMS}"),
    ("2012-02-30", f"period '2012-02-30' is not one of {PERIOD_FORMS}"),
    ("H1 2012", f"period 'H1 2012' is not one of {PERIOD_FORMS}"),
    ("0000", f"period '0000' is not one of {PERIOD_FORMS}"),
    ("", "period is empty"),
    ("2011-Q1", f"period 2011-Q1 is outside the programme window {WINDOW}"),
    ("22.06.2011", f"period 2011-06-22 is outside the programme window {WINDOW}"),
    ("2018-06-24", f"period 2018-06-24 is outside the programme window {WINDOW}"),
    ("2018-H2", f"period 2018-H2 is outside the programme window {WINDOW}"),
    ("2019", f"period 2019 is outside the programme window {WINDOW}"),
])
def test_bad_periods_are_rejected_with_the_reason(tmp_path, catalog, db, period, reason):
    path = csv_file(tmp_path, "programme,indicator,period,value\ndemo,DEMO.G.I1,2012-H1,1\n"
                              f"demo,DEMO.G.I1,{period},1\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(3, reason)]
    assert report.accepted.line.tolist() == [2]


# ---------------------------------------------------------------- headers and milestone values


@pytest.mark.parametrize("header", [
    "бағдарлама;көрсеткіш;кезең;мән;жынысы;облыс;дереккөз;түсініктеме",
    "Бағдарлама;Көрсеткіш;Кезең;Мәні;Жыныс;Өңір;Көзі;Ескерту",
    "программа;показатель;период;значение;пол;область;источник;комментарий",
    "Программа;Индикатор;Дата;Факт;Пол;Регион;Источник;Примечание",
    " Program ; INDICATOR ;\"Period\"; Value ;gender;region;source;comment",
])
def test_kazakh_russian_and_english_header_aliases(tmp_path, catalog, db, header):
    path = csv_file(tmp_path, f"{header}\ndemo;DEMO.R1.I1;2012-Q3;9;әйел;Kyzylorda;Есеп;жақсы\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert report.rejected.empty
    row = report.accepted.iloc[0]
    assert (row.programme, row.indicator, row.period_label, row.value, row.sex, row.oblast, row.source,
            row.comment) == ("demo", "DEMO.R1.I1", "2012-Q3", 9.0, "female", "Kyzylorda", "Есеп", "жақсы")


def test_every_alias_maps_to_a_known_column():
    assert set(HEADER_ALIASES.values()) == {*COLUMNS, *IGNORED_COLUMNS}
    assert all(HEADER_ALIASES[c] == c for c in COLUMNS)


@pytest.mark.parametrize("cell, value", [
    ("done", 1.0), ("DONE", 1.0), ("иә", 1.0), ("Иә", 1.0), ("да", 1.0), ("ДА", 1.0), ("yes", 1.0), ("1", 1.0),
    (" 1 ", 1.0), ("0", 0.0), ("no", 0.0), ("жоқ", 0.0), ("нет", 0.0), ("Нет", 0.0),
])
def test_milestone_values(tmp_path, catalog, db, cell, value):
    path = csv_file(tmp_path, f"programme,indicator,period,value\ndemo,DEMO.G.I1,30.06.2014,{cell}\n")
    assert import_csv(path, catalog, ADMIN, db=db).status == "committed"
    row = stored(db).iloc[0]
    assert (row.value, row.value_text, row.period_label) == (value, cell.strip(), "2014-06-30")


def test_rating_values_inside_the_scale_are_stored(tmp_path, catalog, db):
    path = csv_file(tmp_path, "programme,indicator,period,value,ministry\n"
                              "rated,RATED.P1.I1,2012-H1,1,Ministry of Finance\nRATED,rated.p1.i1,2013-H1,3,\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert report.status == "committed" and report.rejected.empty
    got = stored(db)[["programme", "indicator", "value", "ministry"]].values.tolist()
    assert got == [["rated", "RATED.P1.I1", 1.0, "Ministry of Finance"], ["rated", "RATED.P1.I1", 3.0, ""]]


# ---------------------------------------------------------------- row rejections


HEADER = "programme,indicator,period,value,sex,oblast,ministry,comment"
GOOD = "demo,DEMO.R1.I1,2012-H1,5,female,Mangystau,,ok"
MILESTONE = "value '{}' is not a milestone status (done/1/иә/да/yes or 0/no)"


@pytest.mark.parametrize("row, reason", [
    ("nope,DEMO.G.I1,2013-H1,done,,,,", "unknown programme 'nope'"),
    (",DEMO.G.I1,2013-H1,done,,,,", "programme is empty"),
    ("demo,DEMO.X.I9,2013-H1,1,,,,", "unknown indicator 'DEMO.X.I9' in programme demo"),
    ("demo,RATED.P1.I1,2013-H1,1,,,,", "unknown indicator 'RATED.P1.I1' in programme demo"),
    ("demo,,2013-H1,1,,,,", "indicator is empty"),
    ("demo,DEMO.R1.I1,2013-H1,,female,Mangystau,,", "value is empty"),
    ("demo,DEMO.R1.I1,2013-H1,   ,female,Mangystau,,", "value is empty"),
    ("demo,DEMO.R1.I1,2013-H1,abc,female,Mangystau,,", "value 'abc' is not a number"),
    ("demo,DEMO.R1.I1,2013-H1,1.2.3,female,Mangystau,,", "value '1.2.3' is not a number"),
    ("demo,DEMO.R1.I1,2013-H1,inf,female,Mangystau,,", "value 'inf' is not a number"),
    ("demo,DEMO.R1.I1,2013-H1,nan,female,Mangystau,,", "value 'nan' is not a number"),
    ("demo,DEMO.G.I1,2013-H1,maybe,,,,", MILESTONE.format("maybe")),
    ("demo,DEMO.G.I1,2013-H1,2,,,,", MILESTONE.format("2")),
    ("rated,RATED.P1.I1,2013-H1,4,,,,", "value '4' is not a rating 1..3"),
    ("rated,RATED.P1.I1,2013-H1,0,,,,", "value '0' is not a rating 1..3"),
    ("rated,RATED.P1.I1,2013-H1,\"1,5\",,,,", "value '1,5' is not a rating 1..3"),
    ("rated,RATED.P1.I1,2013-H1,high,,,,", "value 'high' is not a rating 1..3"),
    ("demo,DEMO.G.I1,2012-H3,done,,,,", f"period '2012-H3' is not one of {PERIOD_FORMS}"),
    ("demo,DEMO.G.I1,2011-Q1,done,,,,", f"period 2011-Q1 is outside the programme window {WINDOW}"),
    ("demo,DEMO.G.I1,2013-H1,done,,Mangystau,,", "indicator is not disaggregated by oblast"),
    ("demo,DEMO.G.I1,2013-H1,done,female,,,", "indicator is not disaggregated by sex"),
    ("demo,DEMO.R1.I1,2013-H1,5,,,Ministry of Finance,", "indicator is not disaggregated by ministry"),
    ("demo,DEMO.R1.I1,2013-H1,5,female,Atyrau,,",
     "oblast 'Atyrau' is not declared for demo (accepted: Mangystau Region, Kyzylorda Region)"),
    ("demo,DEMO.R1.I1,2013-H1,5,x,Mangystau,,", "sex 'x' is not declared for demo (accepted: female, male)"),
    ("rated,RATED.P1.I1,2013-H1,2,,,Ministry of Magic,",
     "ministry 'Ministry of Magic' is not declared for rated (accepted: Ministry of Finance)"),
    ("demo,DEMO.R1.I1,2013-H1,5,female,Mangystau", "malformed CSV row: expected 8 fields separated by ',' "
                                                 "(check the delimiter and quotes)"),
    ("demo,DEMO.R1.I1,2013-H1,5,female,Mangystau,,x,y", "malformed CSV row: expected 8 fields separated by ',' "
                                                     "(check the delimiter and quotes)"),
    ("nope,X,2012-H3,,,,,", f"unknown programme 'nope'; period '2012-H3' is not one of {PERIOD_FORMS}"),
    ("demo,DEMO.R1.I1,2019,abc,female,Atyrau,,",
     f"period 2019 is outside the programme window {WINDOW}; value 'abc' is not a number; "
     "oblast 'Atyrau' is not declared for demo (accepted: Mangystau Region, Kyzylorda Region)"),
])
def test_each_rejection_reason_with_its_line(tmp_path, catalog, db, row, reason):
    path = csv_file(tmp_path, f"{HEADER}\n{GOOD}\n{row}\n{GOOD.replace('2012-H1', '2012-H2')}\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert rejected(report) == [(3, reason)]
    assert report.status == "committed"
    assert stored(db).line.tolist() == [2, 4]


def test_numerator_and_denominator_must_be_numbers(tmp_path, catalog, db):
    path = csv_file(tmp_path, "programme,indicator,period,value,numerator,denominator\n"
                              "demo,DEMO.G.I1,2012-H1,done,3,4\n"
                              "demo,DEMO.G.I1,2012-H2,done,three,4\n"
                              "demo,DEMO.G.I1,2013-H1,done,3,0\n"
                              "demo,DEMO.G.I1,2013-H2,done,3,x\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(3, "numerator is not a number"), (4, "denominator is not a non-zero number"),
                                (5, "denominator is not a non-zero number")]
    assert report.accepted[["numerator", "denominator"]].values.tolist() == [[3.0, 4.0]]


def test_duplicates_inside_the_file_point_at_the_first_line(tmp_path, catalog, db):
    path = csv_file(tmp_path, f"""{HEADER}
demo,DEMO.R1.I1,2012-H1,5,female,Mangystau,,first
demo,DEMO.R1.I1,2012-H1,6,male,Mangystau,,other sex
demo,demo.r1.i1,2012-h1,7,F,mangystau,,same key written differently
demo,DEMO.G.I1,30.06.2012,done,,,,
demo,DEMO.G.I1,2012-06-30,done,,,,same day in ISO
DEMO,DEMO.R1.I1,2012-H1,5,әйел,MANGYSTAU,,
""")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(4, "duplicate of line 2"), (6, "duplicate of line 5"), (7, "duplicate of line 2")]
    assert report.accepted.line.tolist() == [2, 3, 5]


def test_line_numbers_stay_right_after_malformed_rows(tmp_path, catalog, db):
    path = csv_file(tmp_path, f"""{HEADER}
bad
{GOOD}
too,many,fields,in,this,row,for,the,header
demo,DEMO.G.I1,2013-H1,maybe,,,,
"unterminated,DEMO.G.I1,2013-H1,done,,,,
""")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    malformed = "malformed CSV row: expected 8 fields separated by ',' (check the delimiter and quotes)"
    assert rejected(report) == [(2, malformed), (4, malformed), (5, MILESTONE.format("maybe")), (6, malformed)]
    assert report.accepted.line.tolist() == [3]
    assert report.rows_total == 5


def test_a_file_larger_than_the_reader_buffers_keeps_every_line_number(tmp_path, catalog, db):
    """Files over 32 MB are read in large buffers: records split across them keep their order and line."""
    from datetime import date, timedelta

    from kzlogframe.ingest import _LARGE_FILE_BYTES

    filler = (KAZAKH + " ") * 45
    lines = ["programme;indicator;period;value;sex;oblast;comment"]
    for i in range(10_000):
        day = date(2011, 7, 1) + timedelta(days=i // 4)
        sex, oblast = ("female", "male")[i % 2], ("Mangystau", "Kyzylorda")[i // 2 % 2]
        lines.append(f"demo;DEMO.R1.I1;{day:%d.%m.%Y};{i},5;{sex};{oblast};{filler}№{i}")
    lines[6000] = 'demo;DEMO.R1.I1;2013-H1;1;female;Mangystau;"quoted; with ""quotes"" and ; inside"'
    lines[7000] = "demo;DEMO.R1.I1;2013-H2;1;female;Mangystau;comment;one field too many"
    lines[9000] = "demo;NOPE;2013-H1;1;;;"
    path = csv_file(tmp_path, "\n".join(lines) + "\n")
    assert path.stat().st_size > _LARGE_FILE_BYTES

    report = import_csv(path, catalog, ADMIN, db=db)

    malformed = "malformed CSV row: expected 7 fields separated by ';' (check the delimiter and quotes)"
    assert rejected(report) == [(7001, malformed), (9001, "unknown indicator 'NOPE' in programme demo")]
    assert report.accepted_total == 9_998
    rows = stored(db, "SELECT line, value, comment FROM measurement WHERE line IN (6001, 9500, 10001) ORDER BY line")
    assert rows.values.tolist() == [[6001, 1.0, 'quoted; with "quotes" and ; inside'],
                                    [9500, 9498.5, f"{filler}№9498"], [10001, 9999.5, f"{filler}№9999"]]


def test_tab_delimiter_is_named_in_the_malformed_message(tmp_path, catalog, db):
    path = csv_file(tmp_path, "programme\tindicator\tperiod\tvalue\ndemo\tDEMO.G.I1\t2012-H1\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(2, "malformed CSV row: expected 4 fields separated by 'TAB' "
                                    "(check the delimiter and quotes)")]


def test_only_rejected_rows_means_nothing_to_commit(tmp_path, catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    path = csv_file(tmp_path, "programme,indicator,period,value\nnope,X,2012-H1,1\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert report.status == "nothing_to_commit"
    assert report.message == "upload.csv: no acceptable row, nothing changed (1 rejected)"
    assert list_batches(db).empty


# ---------------------------------------------------------------- file-level errors


@pytest.mark.parametrize("content, message", [
    (b"", "upload.csv:1: the file is empty"),
    (b"\xef\xbb\xbf", "upload.csv:1: the file is empty: no header line"),
    (b"\n\n", "upload.csv:1: the file is empty: no header line"),
    (b"programme,indicator,period,value", "upload.csv:2: the file has a header but no data rows"),
    (b"programme,indicator,period,value\r\n", "upload.csv:2: the file has a header but no data rows"),
    (b"programme,indicator,period,value\n\n\n", "upload.csv:2: the file has a header but no data rows"),
    (b"programme,indicator,period,value,colour\ndemo,DEMO.G.I1,2012-H1,1,red\n",
     f"upload.csv:1: header: unknown column 'colour' (column 5). {EXPECTED_COLUMNS}"),
    (b"programme,indicator,value\ndemo,DEMO.G.I1,1\n",
     f"upload.csv:1: header: missing required column(s): period. {EXPECTED_COLUMNS}"),
    ("programme,indicator,period,value,мән\ndemo,DEMO.G.I1,2012-H1,1,1\n".encode(),
     f"upload.csv:1: header: column 'мән' repeats 'value' (column 5). {EXPECTED_COLUMNS}"),
    (b"programme,indicator,period,value,\ndemo,DEMO.G.I1,2012-H1,1,\n",
     f"upload.csv:1: header: unknown column '' (column 5). {EXPECTED_COLUMNS}"),
    (b"a,b\n1,2\n", "upload.csv:1: header: unknown column 'a' (column 1); unknown column 'b' (column 2); "
                    f"missing required column(s): programme, indicator, period, value. {EXPECTED_COLUMNS}"),
    (b"programme,indicator,period,value\ndemo,DEMO.G.I1,2012-H1,1\r\ndemo,DEMO.G.I1,2013-H1,1\n",
     "upload.csv:1: the file cannot be read as CSV (are its line endings mixed, some CRLF and some LF?); "
     "save it again as CSV and re-upload"),
])
def test_file_level_errors_name_the_file_and_line(tmp_path, catalog, db, content, message):
    path = csv_file(tmp_path, content)
    with pytest.raises(UploadError) as raised:
        import_csv(path, catalog, ADMIN, db=db)
    assert str(raised.value) == message
    assert not db.exists() or list_batches(db).empty


def test_file_level_errors_use_the_name_the_user_uploaded(tmp_path, catalog, db):
    path = csv_file(tmp_path, b"programme,indicator,period,value\n", name="tmp123.csv")
    with pytest.raises(UploadError, match=r"^Есеп 2012\.csv:2: the file has a header but no data rows$"):
        import_csv(path, catalog, ADMIN, db=db, file_name="Есеп 2012.csv")


# ---------------------------------------------------------------- CLI


def test_cli_dry_run_prints_rejected_rows_and_writes_nothing(tmp_path, db):
    logframes = tmp_path / "logframes"
    logframes.mkdir()
    (logframes / "minimal.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "KZLOGFRAME_DB"}
    path = csv_file(tmp_path, f"{HEADER}\n{GOOD}\ndemo,DEMO.R1.I1,2012-H2,abc,female,Mangystau,,\nnope,X,2012-H1,1,,,,\n")
    done = subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(path), "--dry-run"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**env, "KZLOGFRAME_LOGFRAMES": str(logframes)})
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"{path}:3: rejected: value 'abc' is not a number",
                                        f"{path}:4: rejected: unknown programme 'nope'"]
    assert done.stdout.splitlines() == [
        "upload.csv: 1 rows would be committed, 2 rejected, 0 warnings (dry run, nothing changed)"]
    assert list_batches(db).empty
    assert stored(db, "SELECT count(*) AS n FROM measurement").n[0] == 0


# ---------------------------------------------------------------- fuzz


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


_counter = itertools.count()


def fuzz_import(directory, catalog, data):
    """A fresh file per example; the only exception the importer may raise is UploadError."""
    path = directory / f"example-{next(_counter)}.csv"
    path.write_bytes(data)
    try:
        report = import_csv(path, catalog, ADMIN, db=directory / "fuzz.duckdb", dry_run=True)
    except UploadError as exc:
        assert str(exc).startswith(f"{path.name}:")
        return
    assert report.status in ("dry_run", "duplicate")
    assert len(report.accepted) + len(report.rejected) == report.rows_total
    assert (report.rejected.reason != "").all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400) | st.binary(max_size=400).map(lambda b: b"programme;indicator;period;value\n" + b))
def test_fuzz_arbitrary_bytes(fuzz_dir, catalog, data):
    fuzz_import(fuzz_dir, catalog, data)


CELLS = st.text(max_size=10) | st.sampled_from([
    "demo", "rated", "DEMO.G.I1", "DEMO.R1.I1", "RATED.P1.I1", "2012-H1", "2012-Q3", "2012", "2011-Q4", "31.02.2012", "0000",
    "done", "иә", "2,5", "1e308", "inf", "Mangystau", "f", "", '"', '""', ",", ";", "\t", "\n", "\r", "\u00a0"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(delimiter=st.sampled_from([",", ";", "\t"]),
       header=st.permutations(["programme", "indicator", "period", "value", "sex", "oblast", "comment"]),
       rows=st.lists(st.lists(CELLS, max_size=9), max_size=8),
       newline=st.sampled_from(["\n", "\r\n"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
       quoted=st.booleans())
def test_fuzz_csv_text_with_a_valid_header(fuzz_dir, catalog, delimiter, header, rows, newline, encoding, quoted):
    def cell(text):
        return '"' + text.replace('"', '""') + '"' if quoted else text

    text = newline.join(delimiter.join(map(cell, r)) for r in [header, *rows]) + newline
    fuzz_import(fuzz_dir, catalog, text.encode(encoding, errors="replace"))
