"""Progress computed inside the store (measurements.StoreSource) is the progress computed over a
frame of the same measurements: the same SQL serves both, so every rule holds in both places."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kzlogframe import progress as P
from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv, rollback_batch
from kzlogframe.measurements import StoreSource, current_measurements
from tests.conftest import ADMIN, FIXTURES

AS_OF = dt.date(2014, 12, 31)


@pytest.fixture(scope="module", params=["duckdb", "ducklake"])
def demo(request, demo_store):
    """The demo data on each backend (the same rows, restored from a backup on DuckLake)."""
    catalog = load_catalog()
    db = demo_store if request.param == "duckdb" else request.getfixturevalue("demo_lake_store")
    return catalog, db, current_measurements(db=demo_store)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("as_of", [dt.date(2012, 12, 31), dt.date(2013, 9, 30), AS_OF])
def test_indicator_and_cell_progress_in_the_store_equal_progress_over_a_frame(demo, as_of):
    catalog, db, frame = demo
    store = StoreSource(tuple(catalog), db=str(db))
    same(P.indicator_progress(store, catalog, as_of), P.indicator_progress(frame, catalog, as_of))
    same(P.disaggregated_progress(store, catalog, as_of), P.disaggregated_progress(frame, catalog, as_of))
    assert (P.indicator_progress(store, catalog, as_of)["n_points"] > 0).any()


def test_reporting_values_baselines_and_series_in_the_store_equal_those_over_a_frame(demo):
    catalog, db, frame = demo
    store = StoreSource(tuple(catalog), db=str(db))
    same(P.reporting_values(store, catalog, cells=True), P.reporting_values(frame, catalog, cells=True))
    same(P.reporting_values(store, catalog, as_of=AS_OF), P.reporting_values(frame, catalog, as_of=AS_OF))
    same(P.baselines(store, catalog), P.baselines(frame, catalog))
    psr = catalog["psr"]
    codes = [indicator.code for _, indicator in psr.indicators()]
    together = P.series_many(store, codes, psr)
    assert list(together) == codes
    for code in codes:
        same(P.series(store, code, psr), P.series(frame, code, psr))
        same(together[code], P.series(frame, code, psr))  # read together or one by one, the same points


def test_a_source_reads_only_the_programmes_and_indicators_it_names(demo):
    catalog, db, frame = demo
    only_psr = P.indicator_progress(StoreSource(("psr",), db=str(db)), catalog, AS_OF)
    assert only_psr.loc[only_psr["programme"] == "kazlod", "n_points"].sum() == 0
    same(only_psr[only_psr["programme"] == "psr"], P.indicator_progress(frame, {"psr": catalog["psr"]}, AS_OF))
    one = StoreSource(("psr",), ("PSR.R2.I2",), db=str(db))
    values = P.reporting_values(one, catalog)
    assert set(values["indicator"]) == {"PSR.R2.I2"}
    assert P.series(one, "PSR.R2.I3", catalog["psr"]).query("kind == 'actual'").empty  # narrowed to nothing
    assert P.series(one, "PSR.R2.I2", catalog["psr"]).query("kind == 'actual'").shape[0] > 0
    with pytest.raises(ValueError, match="not a programme or indicator code"):  # no data ever becomes SQL
        P.reporting_values(StoreSource(("psr' OR true --",), db=str(db)), catalog)


def test_the_store_source_reads_current_values_after_a_correction_and_a_rollback(tmp_path, store_db):
    (tmp_path / "demo.yaml").write_bytes((FIXTURES / "minimal.yaml").read_bytes())
    catalog, db = load_catalog(tmp_path), store_db
    source = StoreSource(("demo",), db=str(db))

    def actual() -> float:
        return P.indicator_progress(source, catalog, dt.date(2013, 6, 30)).set_index("indicator").loc["DEMO.R1.I1",
                                                                                                         "actual"]
    for value in (60, 75):
        csv = tmp_path / f"m{value}.csv"
        csv.write_text(f"programme,indicator,period,value\ndemo,DEMO.R1.I1,2013-H1,{value}\n", encoding="utf-8")
        batch = import_csv(csv, catalog, ADMIN, db=db).batch_id
    assert actual() == 75  # the correction supersedes the first upload
    rollback_batch(batch, ADMIN, db=db)
    assert actual() == 60  # and the rollback brings it back


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_rows_in_another_order_give_exactly_the_same_numbers(demo_store, seed):
    """A report rebuilt from its rows' ids reads them in another order than the store's view: sums
    and means of cells must not move in the last digit (a committee would see a change that is none)."""
    catalog, frame = load_catalog(), current_measurements(db=demo_store)
    shuffled = frame.sample(frac=1, random_state=seed)
    for cells in (False, True):
        pd.testing.assert_frame_equal(P.reporting_values(shuffled, catalog, cells=cells),
                                      P.reporting_values(frame, catalog, cells=cells), check_exact=True)
    pd.testing.assert_frame_equal(P.indicator_progress(shuffled, catalog, AS_OF),
                                  P.indicator_progress(frame, catalog, AS_OF), check_exact=True)


def test_sums_beyond_the_exact_range_still_add_up(demo_store):
    """Values too large to add as decimals (a typing slip of a count) are added in floating point."""
    catalog, frame = load_catalog(), current_measurements(db=demo_store)
    scaled = frame.assign(value=frame["value"] * 1e18)
    small = P.reporting_values(frame, catalog, cells=True)
    large = P.reporting_values(scaled, catalog, cells=True)
    ratio = (large["reported"] / small["reported"]).dropna()
    assert len(ratio) > 100 and ((ratio - 1e18).abs() < 1e18 * 1e-9).all()
