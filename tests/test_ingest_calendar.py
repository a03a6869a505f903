"""The reporting calendar at import: a measurement period belongs to the reporting period holding its
last day, and one that starts in an earlier reporting period straddles two and is refused, with both
reporting periods and their dates, at its line, whatever the header language, encoding or mode."""

import datetime as dt

import pytest

from kzlogframe.cli import main
from kzlogframe.ingest import import_csv, list_batches
from kzlogframe.periods import reporting_period_of
from kzlogframe.store import connect
from tests.conftest import ADMIN, FIXTURES, load_logframe

HEADER = "programme,indicator,period,value,sex,oblast\n"
GOOD = "demo,DEMO.R1.I1,2012-H1,5,female,Mangystau\n"
TAIL = ": give one value per reporting period"
HALVES_2012 = "2012-H1 (2012-01-01 – 2012-06-30) … 2012-H2 (2012-07-01 – 2012-12-31)"
S1_S2 = "S1 (2011-06-23 – 2011-12-22) … S2 (2011-12-23 – 2012-06-22)"


def spans(label, periods):
    return f"period {label} spans the reporting periods {periods}{TAIL}"


def variant(tmp_path, code, implementation_lines):
    """tests/fixtures/minimal.yaml under another programme code, with lines added under ``implementation:``."""
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    signed = "    fa_signature_assumed: true\n"
    assert text.count(signed) == 1
    text = (text.replace("code: demo", f"code: {code}").replace("DEMO.", f"{code.upper()}.")
            .replace(signed, signed + "".join(f"    {line}\n" for line in implementation_lines)))
    path = tmp_path / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_logframe(path)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """``demo`` (calendar halves, the default), ``sem`` (semesters from FA signature 2011-06-23) and
    ``anc`` (semesters from the anchor 2011-04-01): the same logframe under three calendars."""
    folder = tmp_path_factory.mktemp("logframes")
    return {"demo": load_logframe(FIXTURES / "minimal.yaml"),
            "sem": variant(folder, "sem", ["reporting: semester"]),
            "anc": variant(folder, "anc", ["reporting: semester", "reporting_anchor: 2011-04-01"])}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store.duckdb"


def csv_file(tmp_path, text, name="upload.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rejected(report):
    return list(report.rejected[["line", "reason"]].itertuples(index=False, name=None))


def stored(db, sql="SELECT line, period_label, period_start, period_end FROM measurement ORDER BY line"):
    with connect(db, write=False) as con:
        return [tuple(str(c) if isinstance(c, dt.date) else c for c in row) for row in con.execute(sql).fetchall()]


def test_the_calendars_are_the_ones_the_tests_assume(catalog):
    def ends(code):
        periods = catalog[code].reporting_periods()
        return [str(p) for p in (periods[0], periods[1], periods[-1])]

    assert ends("demo") == ["2011-H1 (2011-01-01 – 2011-06-30)", "2011-H2 (2011-07-01 – 2011-12-31)",
                            "2018-H1 (2018-01-01 – 2018-06-30)"]
    assert ends("sem") == ["S1 (2011-06-23 – 2011-12-22)", "S2 (2011-12-23 – 2012-06-22)",
                           "S14 (2017-12-23 – 2018-06-22)"]
    assert ends("anc") == ["S1 (2011-04-01 – 2011-09-30)", "S2 (2011-10-01 – 2012-03-31)",
                           "S15 (2018-04-01 – 2018-09-30)"]


# ---------------------------------------------------------------- calendar halves (the default)


@pytest.mark.parametrize("year", [2011, 2012, 2015, 2017])
def test_a_year_is_refused_naming_both_halves_and_its_line(tmp_path, catalog, db, year):
    path = csv_file(tmp_path, f"{HEADER}{GOOD}demo,DEMO.R1.I1,{year},5,female,Mangystau\n"
                              f"demo,DEMO.R1.I1,{year}-H2,6,female,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    halves = f"{year}-H1 ({year}-01-01 – {year}-06-30) … {year}-H2 ({year}-07-01 – {year}-12-31)"
    assert rejected(report) == [(3, spans(year, halves))]
    assert report.status == "committed"
    assert stored(db) == [(2, "2012-H1", "2012-01-01", "2012-06-30"),
                          (4, f"{year}-H2", f"{year}-07-01", f"{year}-12-31")]


def test_the_cli_prints_the_straddle_at_its_file_and_line(tmp_path, db, monkeypatch, capsys):
    logframes = tmp_path / "logframes"
    logframes.mkdir()
    (logframes / "minimal.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(logframes))
    path = csv_file(tmp_path, f"{HEADER}{GOOD}demo,DEMO.R1.I1,2012,5,male,Mangystau\n")
    assert main(["--db", str(db), "--user", "aigerim", "import", str(path), "--dry-run", "--strict"]) == 1
    assert main(["--db", str(db), "--user", "aigerim", "import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{path}:3: rejected: {spans(2012, HALVES_2012)}"] * 2
    assert out.splitlines() == [
        "upload.csv: 1 rows would be committed, 1 rejected, 0 warnings (dry run, nothing changed)",
        "batch 1: 1 rows committed, 1 rejected, 0 warnings"]


def test_a_quarter_a_month_a_day_and_a_half_inside_one_half_are_stored_with_their_own_dates(tmp_path, catalog, db):
    periods = ["2013-Q1", "2013-Q2", "2013-02", "2013-06", "15.05.2013", "2013-01-01", "2013-06-30", "2013-H1"]
    path = csv_file(tmp_path, HEADER + "".join(f"demo,DEMO.R1.I1,{p},{n},female,Mangystau\n"
                                                for n, p in enumerate(periods)))
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.status, rejected(report)) == ("committed", [])
    rows = stored(db)
    assert rows == [(2, "2013-Q1", "2013-01-01", "2013-03-31"), (3, "2013-Q2", "2013-04-01", "2013-06-30"),
                    (4, "2013-02", "2013-02-01", "2013-02-28"), (5, "2013-06", "2013-06-01", "2013-06-30"),
                    (6, "2013-05-15", "2013-05-15", "2013-05-15"), (7, "2013-01-01", "2013-01-01", "2013-01-01"),
                    (8, "2013-06-30", "2013-06-30", "2013-06-30"), (9, "2013-H1", "2013-01-01", "2013-06-30")]
    calendar = catalog["demo"].reporting_periods()
    held = {reporting_period_of(calendar, dt.date.fromisoformat(start), dt.date.fromisoformat(end)).label
            for _, _, start, end in rows}
    assert held == {"2013-H1"}


def test_the_same_half_at_two_granularities_is_two_measurements(tmp_path, catalog, store_db):
    db = store_db  # on both backends (tests/conftest.py: store_db)
    path = csv_file(tmp_path, f"{HEADER}demo,DEMO.R1.I1,2013-H1,40,female,Mangystau\n"
                              "demo,DEMO.R1.I1,30.06.2013,7,female,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.status, rejected(report), report.accepted_total) == ("committed", [], 2)
    assert stored(db, "SELECT period_label, period_start, period_end, value FROM measurement_current "
                      "ORDER BY period_start") == [("2013-H1", "2013-01-01", "2013-06-30", 40.0),
                                                   ("2013-06-30", "2013-06-30", "2013-06-30", 7.0)]


# ---------------------------------------------------------------- semesters


def test_semesters_refuse_a_quarter_across_their_boundary_and_accept_a_month_inside(tmp_path, catalog, db):
    path = csv_file(tmp_path, HEADER + "sem,SEM.R1.I1,2011-Q4,5,female,Mangystau\n"
                                       "sem,SEM.R1.I1,2012-03,6,female,Mangystau\n"
                                       "sem,SEM.R1.I1,2012-H1,7,female,Mangystau\n"
                                       "sem,SEM.R1.I1,17.12.2011,8,female,Mangystau\n"
                                       "demo,DEMO.R1.I1,2011-Q4,9,female,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert rejected(report) == [
        (2, spans("2011-Q4", S1_S2)),
        (4, spans("2012-H1", "S2 (2011-12-23 – 2012-06-22) … S3 (2012-06-23 – 2012-12-22)"))]
    rows = "SELECT line, programme, period_label, period_start, period_end FROM measurement ORDER BY line"
    assert stored(db, rows) == [
        (3, "sem", "2012-03", "2012-03-01", "2012-03-31"), (5, "sem", "2011-12-17", "2011-12-17", "2011-12-17"),
        (6, "demo", "2011-Q4", "2011-10-01", "2011-12-31")]  # the same quarter fits demo's 2011-H2


def test_a_year_across_three_semesters_names_the_first_and_the_last(tmp_path, catalog, db):
    path = csv_file(tmp_path, f"{HEADER}sem,SEM.R1.I1,2013,5,female,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [
        (2, spans(2013, "S4 (2012-12-23 – 2013-06-22) … S6 (2013-12-23 – 2014-06-22)"))]


def test_a_reporting_anchor_moves_the_semester_boundaries(tmp_path, catalog, db):
    path = csv_file(tmp_path, HEADER + "anc,ANC.R1.I1,2011-Q4,5,female,Mangystau\n"
                                       "anc,ANC.R1.I1,2012-H1,6,female,Mangystau\n"
                                       "anc,ANC.R1.I1,2012-Q2,7,female,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [
        (3, spans("2012-H1", "S2 (2011-10-01 – 2012-03-31) … S3 (2012-04-01 – 2012-09-30)"))]
    assert report.accepted.line.tolist() == [2, 4]


@pytest.mark.parametrize("code, periods", [
    ("sem", S1_S2),
    ("anc", "S1 (2011-04-01 – 2011-09-30) … S2 (2011-10-01 – 2012-03-31)"),
])
def test_a_year_starting_before_the_first_semester_is_refused_too(tmp_path, catalog, db, code, periods):
    """2011 runs 2011-01-01 – 2011-12-31: its last day is in S2 and it began before it, in (and before) S1,
    so it straddles S1 and S2 just as 2011-Q4 or 2013 do (periods.reporting_period_of refuses it)."""
    calendar = catalog[code].reporting_periods()
    with pytest.raises(ValueError) as raised:
        reporting_period_of(calendar, dt.date(2011, 1, 1), dt.date(2011, 12, 31))
    assert str(raised.value) == f"spans the reporting periods {periods}{TAIL}"
    path = csv_file(tmp_path, f"{HEADER}{code},{code.upper()}.R1.I1,2011,5,female,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert rejected(report) == [(2, spans(2011, periods))]


# ---------------------------------------------------------------- header languages, encodings, dry run


@pytest.mark.parametrize("header, encoding, sex", [
    ("бағдарлама;көрсеткіш;кезең;мән;жынысы;облыс", "utf-8", "әйел"),
    ("Бағдарлама;Көрсеткіш;Кезең;Мәні;Жыныс;Өңір", "utf-8-sig", "әйел"),
    ("программа;показатель;период;значение;пол;область", "utf-8", "жен"),
    ("программа;показатель;период;значение;пол;область", "cp1251", "жен"),
    ("Программа;Индикатор;Дата;Факт;Пол;Регион", "cp1251", "Ж"),
])
def test_kazakh_and_russian_headers_and_cp1251_report_the_straddle_the_same_way(tmp_path, catalog, db, header,
                                                                                 encoding, sex):
    path = csv_file(tmp_path, f"{header}\ndemo;DEMO.R1.I1;2012-Q3;9;{sex};Kyzylorda\n"
                              f"demo;DEMO.R1.I1;2012;10;{sex};Kyzylorda\n", encoding=encoding)
    report = import_csv(path, catalog, ADMIN, db=db)
    assert (report.encoding, report.delimiter) == ("cp1251" if encoding == "cp1251" else "utf-8", ";")
    assert rejected(report) == [(3, spans(2012, HALVES_2012))]
    assert stored(db, "SELECT line, period_label, sex FROM measurement") == [(2, "2012-Q3", "female")]


def test_a_dry_run_reports_the_straddle_and_writes_nothing(tmp_path, catalog, db):
    path = csv_file(tmp_path, f"{HEADER}{GOOD}demo,DEMO.R1.I1,2012,5,male,Mangystau\n"
                              "sem,SEM.R1.I1,2011-Q4,5,male,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db, dry_run=True)
    assert (report.status, report.batch_id) == ("dry_run", None)
    assert rejected(report) == [(3, spans(2012, HALVES_2012)), (4, spans("2011-Q4", S1_S2))]
    assert report.accepted.line.tolist() == [2]
    assert report.message == "upload.csv: 1 rows would be committed, 2 rejected, 0 warnings (dry run, nothing changed)"
    assert list_batches(db).empty
    assert stored(db, "SELECT count(*) FROM measurement") == [(0,)]


def test_a_file_of_straddling_rows_only_commits_nothing(tmp_path, catalog, db):
    path = csv_file(tmp_path, f"{HEADER}demo,DEMO.R1.I1,2012,5,male,Mangystau\n"
                              "sem,SEM.R1.I1,2011-Q4,5,male,Mangystau\n")
    report = import_csv(path, catalog, ADMIN, db=db)
    assert report.status == "nothing_to_commit"
    assert report.message == "upload.csv: no acceptable row, nothing changed (2 rejected)"
    assert list_batches(db).empty
