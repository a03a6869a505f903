"""Issue 21 at import: mixed encodings refused naming lines in each, values that must not pass
(non-finite, out of range, periods not yet started), the ambiguous 1,234, strict all-or-nothing,
physical line numbers after multi-line cells and at unclosed quotes, and costly input (a huge
header, long cells) answered with small messages. The attack inputs are the fixtures below."""

import datetime as dt
import os
import subprocess
import sys

import pytest

from kzlogframe.cli import main
from kzlogframe.file_encoding import prepare
from kzlogframe.ingest import (
    MAX_CELL_CHARS, MAX_HEADER_BYTES, SHOWN_PROBLEMS, UploadError, import_bytes, import_csv, list_batches)
from kzlogframe.store import connect
from tests.conftest import ADMIN, FIXTURES, ROOT, load_logframe

HEADER = "programme,indicator,period,value,sex,oblast,comment\n"
MALFORMED = "malformed CSV row: expected 7 fields separated by ',' (check the delimiter and quotes)"


def good(period, comment="ok"):
    return f"demo,DEMO.R1.I1,{period},5,female,Mangystau,{comment}\n"


RANGES = """      - code: {code}.R1.I{n}
        text: {{kk: Көрсеткіш {n}, en: Indicator {n}}}
        type: quantitative
{extra}"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """``demo`` (tests/fixtures/minimal.yaml) with four more result indicators: I2 a percentage,
    I3 a count, I4 a growth rate in % declared -100..1000 (valid_range), I5 a count at most 40."""
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    extra = [("        unit: {kk: '%', en: '% of staff'}\n"), ("        unit: {kk: адам, en: persons}\n"),
             ("        unit: {kk: '%', en: '% annual growth'}\n        valid_range: {min: -100, max: 1000}\n"),
             ("        unit: {kk: адам, en: persons}\n        valid_range: {max: 40}\n")]
    added = "".join(RANGES.format(code="DEMO", n=n, extra=e) for n, e in zip(range(2, 6), extra))
    anchor = "    sub_results:\n"
    assert text.count(anchor) == 1
    path = tmp_path_factory.mktemp("logframes") / "ranges.yaml"
    path.write_text(text.replace(anchor, added + anchor), encoding="utf-8")
    return {"demo": load_logframe(path)}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store.duckdb"


def write(tmp_path, content, name="upload.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def rejected(report):
    return list(report.rejected[["line", "reason"]].itertuples(index=False, name=None))


# ---------------------------------------------------------------- 21.2 encodings


CP_HEADER = "programme;indicator;period;value;sex;oblast;comment\n"
CP_ROW = "demo;DEMO.R1.I1;{};5;жен;Mangystau;Отчёт акимата №3 «ТОО «Альянс»»\n"


def test_utf8_rows_then_cp1251_rows_are_refused_naming_lines_in_each(tmp_path, catalog, db):
    data = (CP_HEADER + CP_ROW.format("2012-H1") + CP_ROW.format("2012-H2")).encode() + \
        (CP_ROW.format("2013-H1") + CP_ROW.format("2013-H2")).encode("cp1251")
    with pytest.raises(UploadError) as raised:
        import_csv(write(tmp_path, data), catalog, ADMIN, db=db)
    assert str(raised.value) == (
        "upload.csv:4: the file mixes two encodings: lines 2, 3 are UTF-8, lines 4, 5 are Windows-1251 (cp1251); "
        "save the whole file again as CSV UTF-8 and re-upload")
    assert list_batches(db).empty


def test_cp1251_rows_then_a_utf8_row_are_refused_too(tmp_path, catalog, db):
    rows = [CP_ROW.format(f"{y}-H{h}").encode("cp1251") for y in (2012, 2013, 2014, 2015) for h in (1, 2)]
    data = CP_HEADER.encode() + b"".join(rows) + CP_ROW.format("2016-H1").encode()
    with pytest.raises(UploadError) as raised:
        import_csv(write(tmp_path, data), catalog, ADMIN, db=db, dry_run=True)
    assert str(raised.value).startswith(
        "upload.csv:10: the file mixes two encodings: lines 10 are UTF-8, lines 2, 3, 4, 5, 6 … are Windows-1251")


def test_cp1251_with_an_ascii_header_is_detected_before_duckdb_reads_it(tmp_path, catalog, db):
    """Excel's save of the English template: the encoding comes from the bytes, DuckDB reads a UTF-8
    copy once (no first UTF-8 read storing every row as rejected), and the text survives exactly."""
    path = write(tmp_path, (CP_HEADER + CP_ROW.format("2012-H1") + CP_ROW.format("2012-H2")).encode("cp1251"))
    facts = prepare(path, "upload.csv")
    try:
        assert facts.encoding == "cp1251" and facts.readable != path
        assert facts.readable.read_bytes().decode("utf-8") == path.read_bytes().decode("cp1251")
    finally:
        facts.readable.unlink()
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.status, report.encoding, rejected(report)) == ("committed", "cp1251", [])
    with connect(db, write=False) as con:
        assert con.execute("SELECT DISTINCT comment FROM measurement").fetchall() == [
            ("Отчёт акимата №3 «ТОО «Альянс»»",)]


# ---------------------------------------------------------------- 21.3 values that must not pass


def test_non_finite_numerators_and_denominators_are_refused_with_their_lines(tmp_path, catalog, db):
    rows = [("2012-H1", "inf", "4"), ("2012-H2", "3", "nan"), ("2013-H1", "1e309", "4"), ("2013-H2", "3", "-inf"),
            ("2014-H1", "2", "4")]
    path = write(tmp_path, "programme,indicator,period,value,numerator,denominator\n"
                 + "".join(f"demo,DEMO.G.I1,{p},done,{n},{d}\n" for p, n, d in rows))
    report = import_csv(path, catalog, ADMIN, db=db)
    assert rejected(report) == [(2, "numerator 'inf' is not a finite number"),
                                (3, "denominator 'nan' is not a finite number"),
                                (4, "numerator '1e309' is not a finite number"),
                                (5, "denominator '-inf' is not a finite number")]
    with connect(db, write=False) as con:
        assert con.execute("SELECT line, numerator, denominator FROM measurement").fetchall() == [(6, 2.0, 4.0)]


@pytest.mark.parametrize("indicator, value, reason", [
    ("DEMO.R1.I2", "250", "value 250 is above 100: a percentage is at most 100"),
    ("DEMO.R1.I2", "-40", "value -40 is below 0: a percentage is at least 0"),
    ("DEMO.R1.I2", "100,5", "value 100,5 is above 100: a percentage is at most 100"),
    ("DEMO.R1.I3", "-1", "value -1 is below 0: a count is at least 0"),
    ("DEMO.R1.I4", "-150", "value -150 is below -100.0, the least the logframe allows for DEMO.R1.I4 (valid_range)"),
    ("DEMO.R1.I4", "1500", "value 1500 is above 1000.0, the most the logframe allows for DEMO.R1.I4 (valid_range)"),
    ("DEMO.R1.I5", "41", "value 41 is above 40.0, the most the logframe allows for DEMO.R1.I5 (valid_range)"),
])
def test_values_outside_their_kinds_range_are_refused(tmp_path, catalog, db, indicator, value, reason):
    path = write(tmp_path, f"programme,indicator,period,value\n{'demo'},{indicator},2012-H1,\"{value}\"\n"
                           f"demo,{indicator},2012-H2,0\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(2, reason)]
    assert report.accepted.line.tolist() == [3]


@pytest.mark.parametrize("indicator, value", [
    ("DEMO.R1.I2", "100"), ("DEMO.R1.I2", "0"), ("DEMO.R1.I2", "45%"), ("DEMO.R1.I3", "1 000 000"),
    ("DEMO.R1.I4", "-35,5"), ("DEMO.R1.I4", "250"), ("DEMO.R1.I5", "40"), ("DEMO.R1.I5", "-3"),
    ("DEMO.R1.I1", "-7"),  # no unit: a quantity the logframe gives no range for
])
def test_values_inside_their_range_pass(tmp_path, catalog, db, indicator, value):
    sex = ",female,Mangystau" if indicator == "DEMO.R1.I1" else ",,"
    path = write(tmp_path, f"programme,indicator,period,value,sex,oblast\ndemo,{indicator},2012-H1,\"{value}\"{sex}\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [] and report.accepted_total == 1


def test_a_period_that_has_not_started_is_refused(tmp_path, catalog, db):
    path = write(tmp_path, HEADER + good("2013-H2") + good("2013-H1") + good("2013-03") + good("01.03.2013"))
    report = import_csv(path, catalog, ADMIN, db=db, today=dt.date(2013, 3, 1))
    assert rejected(report) == [(2, "period 2013-H2 has not started yet: it starts on 2013-07-01")]
    assert report.accepted_total == 3  # the current half, month and today itself have started


def test_a_period_in_2090_is_refused_against_the_real_clock(tmp_path, catalog, db):
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8").replace("2011-06-23", "2089-06-23").replace(
        "2013-06-30", "2091-06-30").replace("2016-06-23", "2094-06-23")
    (tmp_path / "late.yaml").write_text(text, encoding="utf-8")
    path = write(tmp_path, "programme,indicator,period,value\ndemo,DEMO.G.I1,2090-H1,done\n")
    report = import_csv(path, {"demo": load_logframe(tmp_path / "late.yaml")}, ADMIN, db=db)
    assert rejected(report) == [(2, "period 2090-H1 has not started yet: it starts on 2090-01-01")]
    assert report.status == "nothing_to_commit"


def test_an_ambiguous_thousands_comma_is_warned_naming_the_reading(tmp_path, catalog, db):
    path = write(tmp_path, "programme,indicator,period,value\ndemo,DEMO.R1.I3,2012-H1,\"1,234\"\n"
                           "demo,DEMO.R1.I3,2012-H2,7\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert report.status == "committed" and rejected(report) == []
    assert report.warnings[["line", "warning"]].values.tolist() == [
        [2, "value '1,234' is read as 1.234 (decimal comma); if it means 1234, write it without the comma"]]
    assert report.message == "batch 1: 2 rows committed, 0 rejected, 1 warnings"


def test_a_file_that_shows_its_decimal_comma_gets_no_warning(tmp_path, catalog, db):
    path = write(tmp_path, "programme,indicator,period,value\ndemo,DEMO.R1.I3,2012-H1,\"1,234\"\n"
                           "demo,DEMO.R1.I3,2012-H2,\"2,5\"\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert report.warnings.empty and report.accepted.value.tolist() == [1.234, 2.5]


def test_new_reasons_come_in_the_readers_language(tmp_path, catalog, db):
    path = write(tmp_path, "programme,indicator,period,value\ndemo,DEMO.R1.I2,2012-H1,250\n")
    assert rejected(import_csv(path, catalog, ADMIN, db=db, dry_run=True, lang="ru")) == [
        (2, "значение 250 больше 100: процент не может быть больше 100")]
    assert rejected(import_csv(path, catalog, ADMIN, db=db, dry_run=True, lang="kk")) == [
        (2, "250 мәні 100-ден асады: пайыз 100-ден аспайды")]


# ---------------------------------------------------------------- 21.4 strict


def test_strict_commits_nothing_when_a_row_is_rejected(tmp_path, catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    path = write(tmp_path, HEADER + good("2012-H1") + "nope,X,2012-H1,1,,,\n")
    report = import_csv(path, catalog, ADMIN, db=db, strict=True)
    assert (report.status, report.batch_id) == ("refused_strict", None)
    assert report.message == ("upload.csv: 1 rows rejected, so nothing was committed (strict: all rows or none); "
                              "1 rows would have been committed")
    assert list_batches(db).empty
    with connect(db, write=False) as con:
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)
    assert import_csv(write(tmp_path, HEADER + good("2012-H1"), "clean.csv"), catalog, ADMIN, db=db,
                      strict=True).status == "committed"


def test_cli_strict_is_all_or_nothing(tmp_path, db, monkeypatch, capsys):
    folder = tmp_path / "logframes"
    folder.mkdir()
    (folder / "minimal.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(folder))
    path = write(tmp_path, HEADER + good("2012-H1") + "nope,X,2012-H1,1,,,\n")
    assert main(["--db", str(db), "import", str(path), "--strict"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{path}:3: rejected: unknown programme 'nope'"]
    assert out.splitlines()[-1].startswith("upload.csv: 1 rows rejected, so nothing was committed")
    assert list_batches(db).empty


# ---------------------------------------------------------------- 21.5 physical line numbers


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_lines_after_multi_line_cells_are_physical_lines(tmp_path, catalog, db, newline):
    text = (HEADER + good("2012-H1", '"two\nlines"') + "demo,X,2012-H1,1,,,\n" + good("2012-H2", '"three\n\nlines"')
            + "bad\n" + good("2013-H1"))
    report = import_csv(write(tmp_path, text.replace("\n", newline)), catalog, ADMIN, db=db)
    assert rejected(report) == [(4, "unknown indicator 'X' in programme demo"), (8, MALFORMED)]
    with connect(db, write=False) as con:
        assert con.execute("SELECT line, comment FROM measurement ORDER BY line").fetchall() == [
            (2, f"two{newline}lines"), (5, f"three{newline}{newline}lines"), (9, "ok")]


def test_blank_lines_between_rows_keep_the_numbering_physical(tmp_path, catalog, db):
    text = HEADER + good("2012-H1") + "\n\n" + "demo,X,2012-H1,1,,,\n" + good("2012-H2") + "\n\n"
    report = import_csv(write(tmp_path, text), catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(5, "unknown indicator 'X' in programme demo")]
    assert report.accepted.line.tolist() == [2, 6]


def test_an_unclosed_quote_is_reported_where_it_opened(tmp_path, catalog, db):
    text = (HEADER + good("2012-H1") + good("2012-H2", '"a cell\nover lines"') +
            'demo,DEMO.R1.I1,2013-H1,5,female,Mangystau,"never closed\n' + good("2013-H2") + good("2014-H1"))
    report = import_csv(write(tmp_path, text), catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(5, "malformed CSV row: the quote opened on this line is never closed, so lines "
                                    "5–7 were read as one cell (check the quotes)")]
    assert report.accepted.line.tolist() == [2, 3]


def test_a_closed_quote_followed_by_text_is_an_ordinary_malformed_row(tmp_path, catalog, db):
    text = HEADER + good("2012-H1", 'a"b') + good("2012-H2", '"x"y') + good("2013-H1")
    report = import_csv(write(tmp_path, text), catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(3, MALFORMED)]
    assert report.accepted[["line", "comment"]].values.tolist() == [[2, 'a"b'], [4, "ok"]]


# ---------------------------------------------------------------- 21.6 costly bad input


def test_a_header_of_a_million_columns_is_refused_with_a_short_message(tmp_path, catalog, db):
    path = write(tmp_path, ("programme,indicator,period,value," + ",".join(f"c{i}" for i in range(10 ** 6))
                            + "\ndemo,DEMO.G.I1,2012-H1,done\n").encode())
    assert path.stat().st_size > 6_000_000
    with pytest.raises(UploadError) as raised:
        import_csv(path, catalog, ADMIN, db=db)
    assert str(raised.value).startswith(f"upload.csv:1: the first line is longer than {MAX_HEADER_BYTES:,} bytes")
    assert len(str(raised.value)) < 300


def test_header_problems_are_listed_up_to_a_limit(tmp_path, catalog, db):
    names = ",".join(f"c{i}" for i in range(500))
    with pytest.raises(UploadError) as raised:
        import_csv(write(tmp_path, f"programme,indicator,period,value,{names}\n"), catalog, ADMIN, db=db)
    message = str(raised.value)
    assert message.count("unknown column") == SHOWN_PROBLEMS and f"and {500 - SHOWN_PROBLEMS} more problems" in message
    assert len(message) < 1000


def test_a_long_cell_is_refused_and_messages_repeat_at_most_60_characters(tmp_path, catalog, db):
    text = HEADER + good("2012-H1", "x" * 20_000) + ("П" * 5000) + ",X,2012-H1," + "9" * 3000 + ",,,\n" + good("2012-H2")
    report = import_csv(write(tmp_path, text), catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [
        (2, f"cell comment has 20,000 characters; at most {MAX_CELL_CHARS:,} are accepted"),
        (3, f"unknown programme '{'П' * 60}…[+4940 chars]'")]
    assert report.rejected.programme.str.len().max() < 100
    assert report.accepted.line.tolist() == [4]


def test_cli_prints_who_holds_the_store_while_it_waits(tmp_path, db):
    folder = tmp_path / "logframes"
    folder.mkdir()
    (folder / "minimal.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    env = {**{k: v for k, v in os.environ.items() if k != "KZLOGFRAME_DB"}, "KZLOGFRAME_LOGFRAMES": str(folder)}
    path = write(tmp_path, HEADER + good("2012-H1"))
    with connect(db):
        pass
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\n"
                               "print('holding', flush=True)\ntime.sleep(120)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        importing = subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(path)],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = importing.stderr.readline()  # the import waits for as long as the holder holds the store
        holder.kill()
        out, rest = importing.communicate(timeout=120)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert importing.returncode == 0, rest
    assert first == f"waiting for the store: process {holder.pid} holds it…\n"
    assert out.splitlines()[-1] == "batch 1: 1 rows committed, 0 rejected, 0 warnings"


def test_import_bytes_takes_the_new_options(tmp_path, catalog, db):
    report = import_bytes((HEADER + good("2012-H1") + "nope,X,2012-H1,1,,,\n").encode(), "web.csv", catalog, ADMIN,
                          db=db, strict=True)
    assert report.status == "refused_strict" and list_batches(db).empty
