"""Data entry (issue 16, item 4): a grid per programme, period and disaggregation cell, opened on the
current values, saved through the upload's checks as one batch (every changed value or none), with
history and rollback like any batch; the page through AppTest."""

import datetime as dt

import pytest

from kzlogframe.data_entry import Cell, cell_indicators, entry_grid, save_entry
from kzlogframe.ingest import import_csv, list_batches, rollback_batch
from kzlogframe.measurements import current_measurements
from kzlogframe.store import connect
from tests.conftest import ADMIN, FIXTURES, load_logframe, open_page

NOW = dt.datetime(2026, 11, 26, 9, 30)


@pytest.fixture(scope="module")
def lf():
    return load_logframe(FIXTURES / "minimal.yaml")


@pytest.fixture
def db(tmp_path, lf):
    path = tmp_path / "store.duckdb"
    csv = tmp_path / "history.csv"
    csv.write_text("programme,indicator,period,value,sex,oblast,comment\n"
                   "demo,DEMO.R1.I1,2013-H1,\"12,5\",female,Mangystau,first\n"
                   "demo,DEMO.R1.I1,2013-H2,14,female,Mangystau,\n"
                   "demo,DEMO.G.I1,2013-H1,done,,,\n", encoding="utf-8")
    import_csv(csv, {"demo": lf}, ADMIN, db=path)
    return path


def period(lf, label):
    return next(p for p in lf.reporting_periods() if p.label == label)


def test_a_cell_offers_the_indicators_broken_down_by_it(lf):
    assert [i.code for i in cell_indicators(lf, Cell())] == ["DEMO.G.I1", "DEMO.R1.I1"]
    assert [i.code for i in cell_indicators(lf, Cell(sex="female", oblast="Mangystau"))] == ["DEMO.R1.I1"]


def test_the_grid_opens_on_the_current_values_of_the_period_and_cell(lf, db):
    women = entry_grid(lf, period(lf, "2013-H1"), Cell(sex="female", oblast="Mangystau"), "ru", db)
    assert women.values.tolist() == [["DEMO.R1.I1", "Обученные служащие", "", "12,5", "12,5", "first"]]
    totals = entry_grid(lf, period(lf, "2013-H1"), Cell(), "kk", db)
    assert totals[["indicator", "current", "value"]].values.tolist() == [["DEMO.G.I1", "иә", "иә"],
                                                                        ["DEMO.R1.I1", "", ""]]


def test_changed_values_are_saved_as_one_batch_with_history_and_rollback(lf, db):
    cell = Cell(sex="female", oblast="Mangystau")
    before = entry_grid(lf, period(lf, "2013-H2"), cell, "en", db)
    after = before.assign(value=["15,5"], comment=["corrected"])
    result = save_entry(lf, period(lf, "2013-H2"), cell, before, after, {"demo": lf}, ADMIN, "en", db, now=NOW)
    assert (result.status, result.batch_id, result.changed) == ("committed", 2, 1)
    batch = list_batches(db).iloc[0]
    assert (batch.file_name, batch.user_name, batch.rows_accepted) == ("data entry 2026-11-26 09:30", "test-admin", 1)
    assert entry_grid(lf, period(lf, "2013-H2"), cell, "en", db)[["current", "comment"]].values.tolist() == [
        ["15,5", "corrected"]]
    rollback_batch(2, ADMIN, db=db)
    assert entry_grid(lf, period(lf, "2013-H2"), cell, "en", db)["current"].tolist() == ["14"]
    with connect(db, write=False) as con:
        assert con.execute("SELECT count(*) FROM measurement WHERE indicator = 'DEMO.R1.I1'").fetchone()[0] == 3


def test_one_refused_value_saves_nothing_and_says_why_in_the_readers_language(lf, db):
    before = entry_grid(lf, period(lf, "2014-H1"), Cell(), "ru", db)
    after = before.assign(value=["может быть", "7"])
    result = save_entry(lf, period(lf, "2014-H1"), Cell(), before, after, {"demo": lf}, ADMIN, "ru", db, now=NOW)
    assert result.status == "refused"
    assert result.errors == {"DEMO.G.I1": "значение 'может быть' не является статусом вехи (да/1/иә/done или 0/нет)"}
    assert len(list_batches(db)) == 1 and len(current_measurements("demo", db)) == 3


def test_nothing_changed_writes_nothing_and_the_same_values_again_after_a_change_are_saved(lf, db):
    cell, h2 = Cell(sex="female", oblast="Mangystau"), period(lf, "2013-H2")
    before = entry_grid(lf, h2, cell, "en", db)
    assert save_entry(lf, h2, cell, before, before.copy(), {"demo": lf}, ADMIN, "en", db).status == "nothing_changed"
    for value, minute in (("20", 1), ("14", 2), ("20", 3)):
        grid = entry_grid(lf, h2, cell, "en", db)
        result = save_entry(lf, h2, cell, grid, grid.assign(value=[value]), {"demo": lf}, ADMIN, "en", db,
                            now=NOW + dt.timedelta(minutes=minute))
        assert result.status == "committed"
    assert entry_grid(lf, h2, cell, "en", db)["current"].tolist() == ["20"]


# ---------------------------------------------------------------- the page


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    path = tmp_path / "page.duckdb"
    monkeypatch.setenv("KZLOGFRAME_DB", str(path))
    return path


def test_the_page_saves_an_edit_and_shows_a_refusal_per_row(page_db):
    at = open_page("views/data_entry.py")
    assert at.title[0].value == "Data entry"
    grid = at.data_editor[0]
    assert list(grid.value.columns) == ["Indicator", "Name", "Unit", "Current value", "Value", "Comment"]
    assert grid.value["Current value"].eq("").all()
    at.session_state[grid.key] = {"edited_rows": {0: {"Value": "7"}, 1: {"Value": "много"}},
                                  "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="entry_save").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Nothing was saved: 1 value has a problem")
    problems = at.dataframe[-1].value
    assert problems["Problem"].str.contains("'много'").tolist() == [True]
    assert list_batches(page_db).empty
    at.session_state[grid.key] = {"edited_rows": {0: {"Value": "7"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="entry_save").click().run()
    assert [s.value for s in at.success] == ["Batch 1 saved: 1 value."]
    assert at.data_editor[0].value["Current value"].iloc[0] == "7"
    assert list_batches(page_db)["file_name"].str.startswith("data entry ").all()


def test_the_page_in_kazakh(page_db):
    at = open_page("views/data_entry.py")
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert not at.exception
    assert at.title[0].value == "Деректерді енгізу"
    assert list(at.data_editor[0].value.columns) == ["Көрсеткіш", "Атауы", "Өлшем бірлігі", "Ағымдағы мән", "Мән",
                                                     "Түсініктеме"]


def test_where_values_wait_for_review_the_page_says_so_and_keeps_the_approved_value(page_db, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_REVIEW", "on")
    at = open_page("views/data_entry.py")
    grid = at.data_editor[0]
    at.session_state[grid.key] = {"edited_rows": {0: {"Value": "7"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="entry_save").click().run()
    assert [s.value for s in at.success] == [
        "Batch 1 saved: 1 value. Batch 1 is waiting for review: its values count once a reviewer approves it."]
    assert at.data_editor[0].value["Current value"].iloc[0] == ""  # not counted before it is approved
