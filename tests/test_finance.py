"""Financial entries (issue 17): every refusal and warning of finance.check_rows with its line, the
import's reading conventions (encodings, separators, decimal comma, kk/ru headers), one batch,
duplicates, rollback, quarantine, and the figures the Budget page, report and IATI share."""

import codecs
import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from kzlogframe.access import PermissionDenied, User
from kzlogframe.catalog import load_catalog
from kzlogframe.finance import (
    RawRow, against_results, burn, check_rows, execution, parse_amount, parse_date, parse_kind, yearly_budget)
from kzlogframe.finance_ingest import (
    FinanceUploadError, current_entries, finance_batches, import_finance, import_finance_bytes, template_csv)
from kzlogframe.ingest import import_bytes, list_batches, rollback_batch
from kzlogframe.store import connect

from tests.conftest import ADMIN

CATALOG = load_catalog()
KAZLOD = CATALOG["kazlod"]  # EUR thousand; FA signature 2011-06-23; contract oecd at most EUR 4 m on line 4
TODAY = dt.date(2020, 1, 1)
EMPTY = pd.DataFrame()


def row(line: int, **cells: str) -> RawRow:
    base = {"programme": "kazlod", "budget_line": "1", "date": "2012-03-01", "kind": "disbursement", "amount": "100"}
    return RawRow(line, {**base, **cells})


def reasons(rows, current=EMPTY, lang="en"):
    checked = check_rows(rows, CATALOG, current, TODAY, lang)
    return dict(zip(checked.rejected["line"], checked.rejected["reason"])), checked


@pytest.mark.parametrize("cells, words", [
    ({"programme": ""}, "programme is empty"),
    ({"programme": "nope"}, "unknown programme 'nope'"),
    ({"budget_line": ""}, "budget line is empty"),
    ({"budget_line": "99"}, "unknown budget line '99' in programme kazlod"),
    ({"kind": "gift"}, "'gift' is not a kind of entry"),
    ({"date": "2012-13-01"}, "is not a date"),
    ({"date": "2010-01-01"}, "date 2010-01-01 is outside the programme (2011-06-23 to 2018-06-22)"),
    ({"date": "2018-06-23"}, "is outside the programme"),
    ({"amount": "abc"}, "amount 'abc' is not a number"),
    ({"amount": "0"}, "is not above zero"),
    ({"amount": "-5"}, "is not above zero"),
    ({"currency": "KZT"}, "currency KZT: programme kazlod counts in EUR"),
    ({"kind": "commitment"}, "a commitment needs its contract id"),
    ({"contract_type": "loan"}, "unknown contract type 'loan'"),
])
def test_each_refusal_names_the_line(cells, words):
    found, checked = reasons([row(2), row(3, **{"date": "2012-03-02", **cells})])
    assert list(found) == [3] and words in found[3]
    assert list(checked.accepted["line"]) == [2]


def test_a_date_in_the_future_is_refused():
    found, _ = reasons([row(2, date="2015-06-01")], lang="en")
    assert not found
    checked = check_rows([row(2, date="2015-06-01")], CATALOG, EMPTY, dt.date(2015, 5, 31))
    assert "is in the future" in checked.rejected.iloc[0]["reason"]


def test_a_repeated_entry_is_refused_and_names_the_first():
    found, _ = reasons([row(2), row(3, amount="200")])
    assert found == {3: "repeats the entry of line 2 (same budget line, kind, contract and date)"}


def test_commitment_above_the_contract_ceiling_is_refused_counting_what_is_stored():
    stored = pd.DataFrame([{"line": 2, "programme": "kazlod", "budget_line": "4", "entry_date": dt.date(2012, 1, 5),
                            "kind": "commitment", "contract_id": "OECD-1", "contract_type": "", "contractor": "OECD",
                            "amount": 3_000_000.0, "currency": "EUR", "comment": None}])
    rows = [row(2, budget_line="4", kind="commitment", contract_id="OECD-2", amount="900 000"),
            row(3, budget_line="4", kind="commitment", contract_id="OECD-3", amount="200 000")]
    found, checked = reasons(rows, stored)
    assert list(found) == [3]
    assert "ceiling 4 000 000" in found[3] and "3 900 000 committed already" in found[3]
    # A newer value of the stored contract replaces it instead of adding to it.
    found, _ = reasons([row(2, budget_line="4", kind="commitment", contract_id="OECD-1", amount="3 950 000")], stored)
    assert not found


def test_contract_type_column_puts_a_commitment_under_another_ceiling():
    rows = [row(2, budget_line="1", kind="commitment", contract_id="G-1", contract_type="grants", amount="3000001")]
    found, _ = reasons(rows)
    assert "'grants'" in found[2] and "3 000 000" in found[2]
    found, _ = reasons([row(2, budget_line="1", kind="commitment", contract_id="G-1", contract_type="Grant contracts",
                            amount="2 999 999")])
    assert not found


def test_warnings_are_kept_with_their_line():
    rows = [row(2, kind="commitment", contract_id="S-1", amount="3 500 000", date="2014-07-01"),
            row(3, kind="disbursement", contract_id="S-1", amount="3 600 000", date="2014-08-01")]
    found, checked = reasons(rows)
    assert not found and len(checked.accepted) == 2
    warned = checked.warnings.groupby("line")["warning"].apply(list).to_dict()
    assert "above its indicative amount 3 450 000" in warned[2][0]
    assert "after the contracting deadline 2014-06-22" in warned[2][1]
    assert warned[3] == ["disbursements on budget line 1 reach 3 600 000, more than its commitments 3 500 000"]


def test_messages_in_the_readers_language():
    found, _ = reasons([row(2, budget_line="99")], lang="kk")
    assert "бюджет жолы жоқ" in found[2]
    found, _ = reasons([row(2, budget_line="99")], lang="ru")
    assert "нет строки бюджета" in found[2]


def test_cells_as_people_write_them():
    assert parse_amount("1 234 567,89") == 1234567.89
    assert parse_amount("1.234.567,89") == parse_amount("1,234,567.89") == 1234567.89
    assert parse_amount("2,5") == 2.5
    assert parse_amount("1,2,3") is None and parse_amount("12e3") is None and parse_amount("") is None
    assert parse_date("31.05.2013") == parse_date("2013-05-31") == parse_date("31/05/2013") == dt.date(2013, 5, 31)
    assert parse_kind("Төлем") == "disbursement" and parse_kind("Обязательство") == "commitment"
    assert parse_kind("расходы") == "expenditure" and parse_kind("gift") is None


# ---------------------------------------------------------------- the import


CSV_KK = ("бағдарлама;бюджет жолы;күні;түрі;сома;келісімшарт №;мердігер\n"
          "kazlod;4;15.06.2012;міндеттеме;3 900 000,00;C-1;ЭЫДҰ\n"
          "kazlod;4;15.08.2012;төлем;1 000 000,50;C-1;ЭЫДҰ\n"
          "kazlod;x;15.08.2012;төлем;1 000;C-1;ЭЫДҰ\n")


def test_import_in_cp1251_with_kazakh_headers_commits_one_batch(tmp_path):
    db = tmp_path / "s.duckdb"
    path = tmp_path / "finance.csv"
    path.write_bytes(CSV_KK.replace("ЭЫДҰ", "ОЭСР").replace("Ұ", "У").replace("ә", "а").replace("і", "и")
                     .replace("ң", "н").replace("ғ", "г").replace("ө", "о").replace("ү", "у").replace("қ", "к")
                     .encode("cp1251"))
    with pytest.raises(FinanceUploadError, match="finance.csv:1:"):  # the headers lost their Kazakh letters
        import_finance(path, CATALOG, ADMIN, db=db)
    path.write_bytes(CSV_KK.replace("ЭЫДҰ", "ОЭСР").replace("бағдарлама", "программа").replace("бюджет жолы", "статья")
                     .replace("күні", "дата").replace("түрі", "вид").replace("сома", "сумма")
                     .replace("келісімшарт №", "контракт").replace("мердігер", "подрядчик")
                     .replace("міндеттеме", "обязательство").replace("төлем", "выплата").encode("cp1251"))
    report = import_finance(path, CATALOG, ADMIN, db=db, today=TODAY)
    assert (report.status, report.encoding, report.delimiter) == ("committed", "cp1251", ";")
    assert list(report.rejected["line"]) == [4]
    entries = current_entries("kazlod", db)
    assert list(entries["amount"]) == [3_900_000.0, 1_000_000.5]
    assert set(entries["contractor"]) == {"ОЭСР"} and set(entries["batch_id"]) == {report.batch_id}


def test_utf8_bom_kazakh_import_duplicate_and_rollback(tmp_path):
    db = tmp_path / "s.duckdb"
    data = codecs.BOM_UTF8 + CSV_KK.encode()
    first = import_finance_bytes(data, "f.csv", CATALOG, ADMIN, db=db, today=TODAY, lang="kk")
    assert first.status == "committed" and "сақталды" in first.message
    again = import_finance_bytes(data, "f.csv", CATALOG, ADMIN, db=db, today=TODAY)
    assert again.status == "duplicate" and again.duplicate_of == first.batch_id
    newer = import_finance_bytes(CSV_KK.replace("1 000 000,50", "1 200 000").encode(), "g.csv", CATALOG, ADMIN,
                                 db=db, today=TODAY)
    assert current_entries("kazlod", db)["amount"].tolist() == [3_900_000.0, 1_200_000.0]
    assert list(finance_batches("kazlod", db)["id"]) == [newer.batch_id, first.batch_id]
    values = import_bytes(b"programme,indicator,period,value\npsr,PSR.R1.I6,2012-H2,10\n", "v.csv", CATALOG, ADMIN,
                          db=db)
    assert list_batches(db)[["id", "kind"]].values.tolist() == [  # the upload history tells them apart
        [values.batch_id, "measurements"], [newer.batch_id, "finance"], [first.batch_id, "finance"]]
    rollback_batch(newer.batch_id, ADMIN, db=db)
    assert current_entries("kazlod", db)["amount"].tolist() == [3_900_000.0, 1_000_000.5]
    with connect(db, write=False) as con:
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
        history = con.execute("SELECT count(*) FROM finance_entry").fetchone()[0]
    assert actions == ["finance_upload", "finance_upload", "upload", "rollback"] and history == 4


def test_nothing_is_written_when_no_row_passes_or_the_header_is_wrong_or_the_user_may_not(tmp_path):
    db = tmp_path / "s.duckdb"
    report = import_finance_bytes(b"programme,budget_line,date,kind,amount\nkazlod,99,2012-01-01,payment,5\n",
                                  "bad.csv", CATALOG, ADMIN, db=db, today=TODAY)
    assert report.status == "nothing_to_commit" and "unknown budget line" in report.rejected.iloc[0]["reason"]
    with pytest.raises(FinanceUploadError, match=r"bad.csv:1: .*missing columns: amount"):
        import_finance_bytes(b"programme,budget_line,date,kind\nkazlod,1,2012-01-01,payment\n", "bad.csv",
                             CATALOG, ADMIN, db=db)
    with pytest.raises(PermissionDenied):
        import_finance_bytes(CSV_KK.encode(), "f.csv", CATALOG, User("v", "viewer"), db=db)
    assert current_entries(db=db).empty and finance_batches(db=db).empty


def test_a_failing_write_leaves_no_batch_and_no_rows(tmp_path, monkeypatch):
    from kzlogframe import finance_ingest

    db = tmp_path / "s.duckdb"

    def broken(*args, **kwargs):
        raise duckdb.IOException("disk gone")

    monkeypatch.setattr(finance_ingest, "audit", broken)
    with pytest.raises(duckdb.IOException):
        import_finance_bytes(CSV_KK.encode(), "f.csv", CATALOG, ADMIN, db=db, today=TODAY)
    with connect(db, write=False) as con:
        assert con.execute("SELECT count(*) FROM upload_batch").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM finance_entry").fetchone()[0] == 0


def test_finance_rows_without_their_batch_are_quarantined(tmp_path):
    db = tmp_path / "s.duckdb"
    import_finance_bytes(CSV_KK.encode(), "f.csv", CATALOG, ADMIN, db=db, today=TODAY)
    with connect(db) as con:
        con.execute("INSERT INTO finance_entry SELECT * REPLACE (batch_id + 50 AS batch_id, id + 10 AS id) "
                    "FROM finance_entry")
    with connect(db) as con:
        quarantined = con.execute("SELECT batch_id, rows FROM finance_quarantine").fetchall()
        negative = con.execute("SELECT count(*) FROM finance_entry WHERE batch_id < 0").fetchone()[0]
    assert quarantined == [(51, 2)] and negative == 2
    assert len(current_entries(db=db)) == 2


def test_the_template_opens_in_excel_and_reads_back_in_every_language(tmp_path):
    for lang in ("kk", "ru", "en"):
        data = template_csv(KAZLOD, lang)
        assert data.startswith(codecs.BOM_UTF8) and b";" in data.splitlines()[0]
        filled = re.sub(rb";;;(\w*);;EUR;", rb";5000;C-1;\1;X;EUR;", data)
        report = import_finance_bytes(filled, f"t-{lang}.csv", CATALOG, ADMIN, db=tmp_path / f"{lang}.duckdb",
                                      dry_run=True, today=TODAY, lang=lang)
        lines = [b.code for b in KAZLOD.budget.lines if b.eu > 0]
        assert report.rejected.empty and len(report.accepted) == 2 * len(lines)


# ---------------------------------------------------------------- the figures


def entries(*rows):
    return pd.DataFrame([{"programme": "kazlod", "budget_line": b, "entry_date": pd.Timestamp(d), "kind": k,
                          "amount": a} for b, d, k, a in rows])


def test_execution_per_line_and_in_total():
    stored = entries(("1", "2012-01-10", "commitment", 3_000_000), ("1", "2013-01-10", "disbursement", 1_000_000),
                     ("1", "2016-01-10", "disbursement", 500_000), ("4", "2012-02-01", "expenditure", 10_000))
    figures = execution(KAZLOD, stored, dt.date(2014, 6, 30))
    line = figures.lines[0]
    assert (line.indicative, line.contracted, line.disbursed) == (3_450_000, 3_000_000, 1_000_000)
    assert round(line.share_contracted, 4) == round(3 / 3.45, 4) and figures.lines[3].spent == 10_000
    assert figures.total.indicative == 1000 * sum(b.eu for b in KAZLOD.budget.lines)
    assert figures.deadline == dt.date(2014, 6, 23) and figures.days_left == -8
    assert figures.not_contracted == ("2", "3", "4", "visibility", "framework", "monitoring")
    assert round(figures.time_elapsed, 2) == round((dt.date(2014, 6, 30) - dt.date(2011, 6, 23)).days / 1827, 2)


def test_burn_planned_and_actual():
    stored = entries(("1", "2013-01-10", "disbursement", 1_000_000), ("2", "2013-01-10", "disbursement", 250_000),
                     ("1", "2014-01-10", "disbursement", 500_000))
    points = burn(KAZLOD, stored, dt.date(2013, 12, 31))
    actual = points[points["kind"] == "actual"]
    assert actual["amount"].tolist() == [0.0, 1_250_000.0]
    planned = points[points["kind"] == "planned"]
    assert planned["amount"].tolist() == [0.0, 15_000_000.0] and planned["date"].iloc[1] == dt.date(2016, 6, 23)


def test_budget_against_results_marks_money_without_progress():
    from kzlogframe.finance import money_without_progress

    stored = entries(("1", "2013-01-10", "disbursement", 2_070_000), ("2", "2013-01-10", "disbursement", 310_000))
    levels = pd.DataFrame([{"programme": "kazlod", "level_kind": "result", "level_code": "R1", "achievement": 0.1,
                            "status": "off_track"},
                           {"programme": "kazlod", "level_kind": "result", "level_code": "R2", "achievement": 0.2,
                            "status": "on_track"}])
    table = against_results(KAZLOD, execution(KAZLOD, stored, dt.date(2014, 1, 1)), levels)
    assert table["result"].tolist() == ["R1", "R2", "R3", "R5"]
    first = table.iloc[0].to_dict()
    assert first["share_disbursed"] == pytest.approx(0.6) and money_without_progress(first)
    assert not money_without_progress(table.iloc[1].to_dict())  # 10 % paid, 20 % achieved
    assert not money_without_progress(table.iloc[2].to_dict())  # nothing paid


def test_yearly_budget_periods_are_at_most_twelve_months_and_add_up():
    periods = yearly_budget(KAZLOD)
    assert len(periods) == 5 and periods[0][:2] == (dt.date(2011, 6, 23), dt.date(2012, 6, 22))
    assert round(sum(p[2] for p in periods), 2) == 15_000_000
    assert all((end - start).days < 366 for start, end, _ in periods)


def test_a_budget_line_names_only_results_the_logframe_has(minimal_text):
    from kzlogframe.validation import check_text

    text = minimal_text.replace("contract: service, eu: 800", "contract: service, results: [R1, R9], eu: 800")
    checked = check_text(text, "demo.yaml")
    assert [str(p) for p in checked.errors] == ["demo.yaml:62: budget.lines[0].results[1]: unknown result 'R9'"]
    assert checked.logframe is None or checked.logframe.budget.lines[0].results == ["R1", "R9"]
    assert not check_text(text.replace("R9", "R1"), "demo.yaml").errors


def test_the_command_line_writes_a_template_and_imports_a_file(tmp_path, capsys):
    from kzlogframe.cli import main

    db = str(tmp_path / "s.duckdb")
    template = tmp_path / "t.csv"
    assert main(["--db", db, "finance", "template", "psr", "--lang", "kk", "-o", str(template)]) == 0
    assert template.read_bytes().startswith(codecs.BOM_UTF8 + "бағдарлама;бюджет жолы".encode())
    data = tmp_path / "f.csv"
    data.write_text("programme,budget_line,date,kind,amount,contract_id\n"
                    "psr,3,2012-05-02,commitment,\"2 000 000,00\",SC-1\npsr,nope,2012-05-02,payment,5,\n"
                    "psr,3,2012-06-30,payment,2100000,SC-1\n", encoding="utf-8")
    assert main(["--db", db, "finance", "import", str(data), "--dry-run"]) == 0
    assert current_entries(db=db).empty
    capsys.readouterr()
    assert main(["--db", db, "finance", "import", str(data)]) == 0
    out, err = capsys.readouterr()
    assert f"{data}:3: rejected: unknown budget line 'nope' in programme psr" in err
    assert (f"{data}:4: warning: disbursements on budget line 3 reach 2 100 000, more than its commitments "
            "2 000 000") in out
    assert "committed as batch 1 (entries: 2; rejected: 1; warnings: 1)" in out
    assert main(["--db", db, "finance", "import", str(tmp_path / "missing.csv")]) == 1


def test_a_financial_batch_counts_at_once_even_where_values_wait_for_review(tmp_path, monkeypatch):
    from kzlogframe.review import batches, waiting

    monkeypatch.setenv("KZLOGFRAME_REVIEW", "on")
    db = tmp_path / "s.duckdb"
    report = import_finance_bytes(CSV_KK.encode(), "f.csv", CATALOG, ADMIN, db=db, today=TODAY)
    assert list(current_entries("kazlod", db)["amount"]) == [3_900_000.0, 1_000_000.5]
    assert report.batch_id not in set(batches(db, states=("submitted",))["id"])  # not in the reviewer's queue
    assert waiting("kazlod", db=db).batches == 0
