"""Backup and restore (python -m kzlogframe backup/restore) on both backends: a round trip gives back
every table row for row, Kazakh text included, and the restored audit chain verifies; a store with
data is replaced only with --force; a backup restores into the other backend too."""

import datetime as dt
import json

import pytest

from kzlogframe.access import PermissionDenied, User
from kzlogframe.audit import verify_audit_chain
from kzlogframe.backup import backup, restore, tables
from kzlogframe.catalog import load_catalog
from kzlogframe.cli import main
from kzlogframe.commentary import save_assumption_status, save_narrative
from kzlogframe.committee import save_control
from kzlogframe.finance_ingest import import_finance
from kzlogframe.ingest import import_csv, rollback_batch
from kzlogframe.store import connect
from kzlogframe.tracking import record_activity
from tests.conftest import ADMIN, FIXTURES, load_logframe

AIGERIM = User("Әйгерім", "admin")
FINANCE = ("бағдарлама;бюджет жолы;күні;түрі;сома;келісімшарт №;мердігер\n"
           "kazlod;4;15.06.2012;міндеттеме;3 900 000,00;C-1;ЭЫДҰ\n"
           "kazlod;4;15.08.2012;төлем;1 000 000,50;C-1;ЭЫДҰ\n")


def fill(db, tmp_path):
    """A little of everything the store keeps, much of it in Kazakh."""
    catalog = {"demo": load_logframe(FIXTURES / "minimal.yaml")}
    header = "programme,indicator,period,value,sex,oblast,comment\n"
    for name, value, comment in (("бірінші.csv", 10, "бірінші өлшем"), ("екінші.csv", 12, "түзетілді")):
        path = tmp_path / name
        path.write_text(header + f"demo,DEMO.R1.I1,2012-H2,{value},female,Mangystau,{comment}\n", encoding="utf-8")
        import_csv(path, catalog, AIGERIM, db=db)
    rollback_batch(2, ADMIN, db=db)
    finance = tmp_path / "қаржы.csv"
    finance.write_text(FINANCE, encoding="utf-8")
    assert import_finance(finance, load_catalog(), AIGERIM, db=db, today=dt.date(2020, 1, 1)).status == "committed"
    record_activity("demo", "R1.A1", status="ongoing", actual_start=dt.date(2012, 3, 1), actual_end=None,
                    comment="Оқыту басталды", actor=AIGERIM, db=db)
    save_narrative("demo", "R1", "2012-H2", "kk", "Жоспар бойынша жүріп жатыр — «жақсы»", actor=AIGERIM, db=db)
    save_assumption_status("demo", "A1", "2012-H2", "holds", "Министрлік қолдайды", actor=AIGERIM, db=db)
    save_control("demo", "2012-H2", "Данияр Сейітқали", ["Министрлік", "ЕО өкілдігі"], actor=AIGERIM, db=db)


def contents(db):
    """Every table's rows in a stable order."""
    with connect(db, write=False) as con:
        return {name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr) for name in tables(con)}


def assert_same_but_the_restore_entry(tables_before, tables_after):
    assert set(tables_after) == set(tables_before)
    for name, rows in tables_before.items():
        if name not in ("audit_log", "audit_head"):
            assert tables_after[name] == rows, name
    log_before = sorted(tables_before["audit_log"])
    log_after = sorted(tables_after["audit_log"])
    assert log_after[:-1] == log_before  # and the restore's own entry after them
    assert log_after[-1][2:4] == ("test-admin", "restore")
    assert log_after[-1][0] > log_before[-1][0]  # the restored audit sequence goes on after the restored entries


def test_a_round_trip_gives_back_every_table_on_both_backends(tmp_path, new_store, capsys):
    source, target = new_store(migrated=True), new_store()
    fill(source, tmp_path)
    folder = tmp_path / "backup"
    assert main(["--db", str(source), "--user", "test-admin", "backup", str(folder)]) == 0
    assert capsys.readouterr().out.startswith(f"backup written: {folder}: ")
    before = contents(source)
    assert before["narrative"][0][4] == "Жоспар бойынша жүріп жатыр — «жақсы»"
    assert {name for name, rows in before.items() if not rows} <= {
        "measurement_quarantine", "finance_quarantine", "executive_summary", "deviation", "risk",
        "committee_decision", "criterion_assessment"}  # everything else has rows to compare
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}

    assert main(["--db", str(target), "--user", "test-admin", "restore", str(folder)]) == 0
    assert capsys.readouterr().out.startswith(f"restored from {folder}: ")
    after = contents(target)
    assert_same_but_the_restore_entry(before, after)
    assert verify_audit_chain(target).ok
    # the restored store carries on: the next batch gets the next id
    path = tmp_path / "үшінші.csv"
    path.write_text("programme,indicator,period,value\ndemo,DEMO.R1.I1,2013-H1,14\n", encoding="utf-8")
    report = import_csv(path, {"demo": load_logframe(FIXTURES / "minimal.yaml")}, AIGERIM, db=target)
    assert report.batch_id > max(row[0] for row in before["upload_batch"])
    assert verify_audit_chain(target).ok


def test_a_backup_restores_into_the_other_backend(tmp_path, backend, new_store, postgres):
    source = new_store(migrated=True)
    fill(source, tmp_path)
    main(["--db", str(source), "--user", "test-admin", "backup", str(tmp_path / "backup")])
    other = postgres.new_database() if backend == "duckdb" else tmp_path / "laptop.duckdb"
    restore(tmp_path / "backup", User("test-admin", "admin"), other)
    assert_same_but_the_restore_entry(contents(source), contents(other))
    assert verify_audit_chain(other).ok


def test_a_store_with_data_is_replaced_only_with_force(tmp_path, new_store, capsys):
    source, target = new_store(migrated=True), new_store(migrated=True)
    fill(source, tmp_path)
    main(["--db", str(source), "--user", "test-admin", "backup", str(tmp_path / "backup")])
    path = tmp_path / "other.csv"
    path.write_text("programme,indicator,period,value\ndemo,DEMO.R1.I1,2015-H1,99\n", encoding="utf-8")
    import_csv(path, {"demo": load_logframe(FIXTURES / "minimal.yaml")}, ADMIN, db=target)
    kept = contents(target)
    capsys.readouterr()
    assert main(["--db", str(target), "--user", "test-admin", "restore", str(tmp_path / "backup")]) == 1
    assert capsys.readouterr().err == (
        "error: the store is not empty (rows in audit_log, batch_review, measurement, upload_batch): "
        "restore into a new store, or replace its contents with --force\n")
    assert contents(target) == kept
    assert main(["--db", str(target), "--user", "test-admin", "restore", str(tmp_path / "backup"), "--force"]) == 0
    assert_same_but_the_restore_entry(contents(source), contents(target))
    with connect(target, write=False) as con:
        detail = json.loads(con.execute("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0])
    assert detail["replaced"] == ["audit_log", "batch_review", "measurement", "upload_batch"]


def test_a_broken_backup_is_refused_naming_the_file_and_changes_nothing(tmp_path, capsys):
    db, folder = tmp_path / "s.duckdb", tmp_path / "backup"
    assert main(["--db", str(db), "backup", str(folder)]) == 0
    assert main(["--db", str(db), "backup", str(folder)]) == 1
    assert capsys.readouterr().err == f"error: {folder} is not empty: a backup goes into a new folder\n"
    (folder / "narrative.parquet").unlink()
    target = tmp_path / "t.duckdb"
    assert main(["--db", str(target), "restore", str(folder)]) == 1
    assert capsys.readouterr().err == (f"error: {folder / 'narrative.parquet'}: missing "
                                       "(the manifest lists table narrative)\n")
    (folder / "manifest.json").write_text("{\n  nope", encoding="utf-8")
    assert main(["--db", str(target), "restore", str(folder)]) == 1
    assert capsys.readouterr().err.startswith(f"error: {folder / 'manifest.json'}: line 2: not valid JSON")
    assert not target.exists()


def test_only_an_administrator_of_the_whole_store_backs_it_up_or_restores_it(tmp_path):
    """A programme's administrator is not the store's: a backup holds, and a restore replaces, every
    programme's data, so the default role decides."""
    db = tmp_path / "store.duckdb"
    fill(db, tmp_path)
    psr_admin = User("psr-admin", "viewer", roles=(("psr", "admin"),))
    with pytest.raises(PermissionDenied):
        backup(tmp_path / "copy", psr_admin, db)
    assert not (tmp_path / "copy").exists()
    backup(tmp_path / "copy", ADMIN, db)
    with pytest.raises(PermissionDenied):
        restore(tmp_path / "copy", psr_admin, db, force=True)
