"""The process killed in the middle of an import leaves the database consistent and usable."""

import signal
import subprocess
import sys
import time

import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv
from kzlogframe.models import IndicatorType
from kzlogframe.store import connect
from tests.conftest import ADMIN, ROOT

ROWS = 300_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """Many distinct daily periods for the plain quantitative indicators: a slow enough import."""
    catalog = load_catalog()
    plain = [(code, ind.code) for code, lf in catalog.items() for _, ind in lf.indicators()
             if ind.type is IndicatorType.quantitative and not ind.disaggregation]
    path = tmp_path_factory.mktemp("faults") / "big.csv"
    with connect(tmp_path_factory.mktemp("gen") / "gen.duckdb") as con:
        con.execute("CREATE TABLE spec (programme VARCHAR, indicator VARCHAR)")
        con.executemany("INSERT INTO spec VALUES (?, ?)", plain)
        con.execute("""
            COPY (SELECT s.programme, s.indicator, strftime(DATE '2011-07-01' + CAST(g.i // n AS INTEGER), '%Y-%m-%d')
                         AS period, g.i % 97 AS value
                  FROM range(?) g(i), (SELECT count(*) AS n FROM spec) c(n)
                  JOIN (SELECT *, row_number() OVER () - 1 AS k FROM spec) s ON s.k = g.i % c.n)
            TO '""" + str(path) + "' (HEADER)", [ROWS])
    return path


@pytest.fixture(scope="module")
def undisturbed(big_csv, tmp_path_factory) -> tuple[int, float]:
    """Rows an undisturbed CLI import accepts (the rest fall outside the window), and how long it takes."""
    db = tmp_path_factory.mktemp("undisturbed") / "x.duckdb"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(big_csv)], cwd=ROOT,
                   check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    return state(db)[1], elapsed


def state(db) -> tuple[list, int]:
    with connect(db, write=False) as con:
        batches = con.execute("SELECT id, rows_accepted, status FROM upload_batch ORDER BY id").fetchall()
        rows = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
    return batches, rows


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_killed_import_is_all_or_nothing_and_restartable(big_csv, undisturbed, tmp_path, fraction):
    """Killed at a fraction of the time an undisturbed import takes, so inside the import."""
    accepted, duration = undisturbed
    delay = fraction * duration
    db = tmp_path / "store.duckdb"
    process = subprocess.Popen([sys.executable, "-m", "kzlogframe", "--db", str(db), "import", str(big_csv)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()

    batches, rows = state(db) if db.exists() else ([], 0)
    if batches:  # the commit made it: the whole batch, nothing else
        assert batches == [(1, accepted, "committed")] and rows == accepted
    else:  # it did not: not a single row
        assert rows == 0

    report = import_csv(big_csv, load_catalog(), ADMIN, db=db)
    assert report.status in ("committed", "duplicate")
    batches, rows = state(db)
    assert [b[1:] for b in batches] == [(accepted, "committed")]
    assert rows == accepted > 50_000
