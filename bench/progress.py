"""Benchmark: progress of a synthetic portfolio, computed over a pandas frame (the old way, and the
report's) and inside the store (what the pages do now), with a bare DuckDB aggregate as the floor.

    python bench/progress.py [--programmes 52] [--values 1000000] [--runs 3]

The portfolio is synthetic: logframes built as pydantic models (2 goal, 6 purpose, 24 result and 8
sub-result indicators each, of every type and cumulative mode), and measurements generated inside
DuckDB for every declared cell (20 regions x sex, 16 ministries x sex) of every half-year (of every
quarter or month when more values are asked for than halves give), thinned deterministically to the
number of values asked for. 52 programmes by halves give about a million values. bench/pages.py
builds its stores with :func:`build_store`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kzlogframe import progress as P  # noqa: E402
from kzlogframe.measurements import StoreSource, current_measurements  # noqa: E402
from kzlogframe.models import Logframe  # noqa: E402
from kzlogframe.store import connect  # noqa: E402

FA = dt.date(2011, 1, 1)
SEMESTERS = 14
REGIONS = [f"region_{i:02d}" for i in range(1, 21)]   # 17 oblasts + 3 cities of republican significance
MINISTRIES = [f"ministry_{i:02d}" for i in range(1, 17)]
# indicator k of a programme takes kind k % 10: (type, cumulative, percentage, direction, disaggregation)
KINDS = {
    0: ("milestone", "none", False, "increase", []),
    1: ("rating", "non_summing", False, "increase", ["oblast", "sex"]),
    2: ("quantitative", "non_summing", True, "increase", ["oblast", "sex"]),   # with numerator/denominator
    3: ("quantitative", "non_summing", True, "increase", ["oblast", "sex"]),
    4: ("quantitative", "summing", False, "increase", ["oblast", "sex"]),
    5: ("quantitative", "summing", False, "increase", ["oblast", "sex"]),
    6: ("quantitative", "summing", False, "increase", ["oblast", "sex"]),
    7: ("quantitative", "none", False, "increase", ["ministry", "sex"]),
    8: ("quantitative", "none", False, "increase", ["ministry", "sex"]),
    9: ("quantitative", "non_summing", True, "decrease", ["oblast", "sex"]),
}


def text(s: str) -> dict:
    return {"kk": s, "en": s}


def indicator(code: str, k: int) -> dict:
    kind, cumulative, pct, direction, dims = KINDS[k % 10]
    mid, end = dt.date(2013, 6, 30), dt.date(2015, 12, 31)
    spec: dict = {"code": code, "text": text(code), "type": kind, "direction": direction, "disaggregation": dims,
                  "weight": 1 + k % 3}
    if kind == "milestone":
        return spec | {"targets": [{"date": mid if k % 20 == 0 else end, "value": 1}]}
    if kind == "rating":
        return spec | {"scale": [text(s) for s in ("weak", "fair", "good", "strong")],
                       "baseline": {"value": 1, "date": FA}, "targets": [{"date": end, "value": 4}]}
    spec |= {"cumulative": cumulative, "unit": text("%" if pct else "count")}
    if direction == "decrease":
        return spec | {"baseline": {"value": 40, "date": FA}, "targets": [{"date": mid, "value": 30}, {"date": end, "value": 20}]}
    if pct:
        return spec | {"baseline": {"value": 10, "date": FA}, "targets": [{"date": end, "value": 60}]}
    return spec | {"targets": [{"date": mid, "value": 400}, {"date": end, "value": 1000}]}


def logframe(n: int) -> Logframe:
    code = f"p{n:02d}"
    counter = iter(range(40))

    def inds(level: str, count: int) -> list[dict]:
        return [indicator(f"{code.upper()}.{level}.I{i}", next(counter)) for i in range(1, count + 1)]

    results = [{"code": f"R{r}", "purpose": f"P{1 + r % 2}", "text": text(f"result {r}"), "indicators": inds(f"R{r}", 6),
                "sub_results": [{"code": f"R{r}.1", "text": text("sub"), "indicators": inds(f"R{r}.1", 2)}]}
               for r in range(1, 5)]
    return Logframe.model_validate({
        "schema_version": 1,
        "programme": {"code": code, "decision": "DCI-ASIE/0000/000-000", "title": text(code),
                      "beneficiary": text("government"), "eu_contribution_eur": 1e7, "total_cost_eur": 1e7,
                      "implementation": {"fa_signature": FA},
                      "disaggregation_values": {"oblast": REGIONS, "ministry": MINISTRIES}},
        "goal": {"code": "G", "text": text("goal"), "indicators": inds("G", 2)},
        "purposes": [{"code": f"P{p}", "text": text(f"purpose {p}"), "indicators": inds(f"P{p}", 3)} for p in (1, 2)],
        "results": results,
        "budget": {"lines": [{"code": "1", "label": text("all"), "eu": 1e4, "total": 1e4}],
                   "total": {"eu": 1e4, "total": 1e4}},
        "steering_committee": {"members": [text("ministry")]},
    })


def portfolio(programmes: int = 52) -> dict[str, Logframe]:
    return {lf.programme.code: lf for lf in (logframe(n) for n in range(1, programmes + 1))}


VALUES_PER_HALF = 1_380  # values one programme has per half-year with every declared cell measured

_GENERATE = """
    WITH g AS (
        SELECT i.programme, i.indicator, i.type, i.percentage, i.direction, i.cumulative, i.k, c.sex, c.oblast,
               c.ministry, p.s, q.q, 0.6 + (i.k % 7) / 10 AS pace, 50 + floor(random() * 100) AS den,
               CAST(make_date(2011 + (p.s - 1) // 2, 1 + 6 * ((p.s - 1) % 2), 1)
                    + to_months(CAST(q.q * 6 // $per_half AS INTEGER)) AS DATE) AS period_start
        FROM spec i JOIN cells c USING (dims) CROSS JOIN periods p CROSS JOIN range(0, $per_half) q(q)
        WHERE hash(i.indicator, c.sex, c.oblast, c.ministry, p.s, q.q) % 1000000 < $keep * 1000000
    )
    SELECT programme, indicator,
           CASE WHEN $per_half = 1 THEN strftime(period_start, '%Y') || '-H' || (1 + (s - 1) % 2)
                ELSE strftime(period_start, '%Y-%m') END AS period_label,
           period_start,
           CAST(period_start + to_months(CAST(6 // $per_half AS INTEGER)) - INTERVAL 1 DAY AS DATE) AS period_end,
           CASE WHEN type = 'milestone' THEN CAST(s >= 3 + k % 9 AS DOUBLE)
                WHEN type = 'rating' THEN least(4, 1 + floor(pace * s / 3))
                WHEN percentage AND k % 10 = 2 THEN round(100 * least(den, floor(den * pace * s / 14)) / den, 2)
                WHEN direction = 'decrease' THEN round(40 - 20 * least(1, pace * s / 10) * (0.8 + 0.4 * random()), 2)
                WHEN percentage THEN round(10 + 50 * least(1, pace * s / 10) * (0.8 + 0.4 * random()), 2)
                WHEN cumulative = 'summing' THEN round(1000 / 40 / 10 * pace * (0.5 + random()) / $per_half, 2)
                ELSE round(40 * pace * (0.5 + random()) / $per_half, 2) END AS value,
           CAST(NULL AS VARCHAR) AS value_text,
           CASE WHEN k % 10 = 2 THEN least(den, floor(den * pace * s / 14)) END AS numerator,
           CASE WHEN k % 10 = 2 THEN den END AS denominator,
           sex, oblast, ministry, 'SYNTHETIC BENCHMARK' AS source
    FROM g
"""


def _generator(con: duckdb.DuckDBPyConnection, catalog: dict[str, Logframe], values: int) -> dict:
    """Register the generator's small tables in ``con``; the parameters of :data:`_GENERATE` for
    about ``values`` values: halves, else quarters or months, thinned to the number asked for."""
    spec = P.indicator_table(catalog)
    spec["k"] = spec.groupby("programme").cumcount()
    cells = pd.DataFrame(
        [("oblast,sex", s, o, "") for o in REGIONS for s in ("female", "male")]
        + [("ministry,sex", s, "", m) for m in MINISTRIES for s in ("female", "male")] + [("", "", "", "")],
        columns=["dims", "sex", "oblast", "ministry"])
    for name, frame in (("spec", spec), ("cells", cells), ("periods", pd.DataFrame({"s": range(1, SEMESTERS + 1)}))):
        con.register(name, frame)
    con.execute("SELECT setseed(0.2011)")
    full = VALUES_PER_HALF * SEMESTERS * len(catalog)
    per_half = next(n for n in (1, 2, 3, 6) if full * n >= values or n == 6)
    return {"per_half": per_half, "keep": min(1.0, values / (full * per_half))}


def measurements(catalog: dict[str, Logframe], values: int = 0) -> pd.DataFrame:
    """About ``values`` synthetic values (every cell of every half when 0) as a frame."""
    with duckdb.connect() as con:
        params = _generator(con, catalog, values or VALUES_PER_HALF * SEMESTERS * len(catalog))
        return con.execute(_GENERATE, params).df()


def build_store(folder: Path, db: Path, catalog: dict[str, Logframe], values: int) -> int:
    """The portfolio as YAML files in ``folder`` and about ``values`` values committed in ``db``
    as one batch, generated inside DuckDB (no frame of the values); returns the number stored."""
    folder.mkdir(parents=True, exist_ok=True)
    for code, lf in catalog.items():
        data = lf.model_dump(mode="json", exclude_none=True, exclude_defaults=True)  # readable by older models too
        (folder / f"{code}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with connect(db) as con:
        params = _generator(con, catalog, values)
        con.execute("INSERT INTO upload_batch VALUES (1, 'bench.csv', '-', 'bench', now(), 0, 0, 0, NULL, "
                    "'committed', NULL, NULL)")
        con.execute("INSERT INTO batch_review VALUES (nextval('review_seq'), 1, 'approved', NULL, 'bench', now())")
        con.execute(f"""INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label,
                            period_start, period_end, value, value_text, numerator, denominator, sex, oblast,
                            ministry, source, comment, evidence_url, recorded_at)
                        SELECT row_number() OVER (), 1, NULL, programme, indicator, period_label, period_start,
                               period_end, value, value_text, numerator, denominator, sex, oblast, ministry,
                               source, NULL, NULL, now() FROM ({_GENERATE})""", params)
        stored = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
        con.execute("UPDATE upload_batch SET rows_total = ?, rows_accepted = ?", [stored, stored])
    return stored


def timed(runs: int, fn: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=52)
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    catalog = portfolio(args.programmes)
    as_of = dt.date(2014, 12, 31)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        start = time.perf_counter()
        stored = build_store(Path(tmp) / "logframes", db, catalog, args.values)
        print(f"setup: {len(catalog)} programmes, {stored:,} values in the store ({time.perf_counter() - start:.1f} s)")

        def in_store() -> None:
            P.level_progress(P.indicator_progress(StoreSource(tuple(catalog), db=str(db)), catalog, as_of), catalog)

        def over_frame() -> None:
            frame = current_measurements(db=db)
            P.level_progress(P.indicator_progress(frame, catalog, as_of), catalog)

        def bare() -> None:
            with connect(db, write=False) as con:
                con.execute("SELECT programme, indicator, sum(value) FROM measurement GROUP BY ALL").fetchall()

        for name, fn in (("progress in the store", in_store), ("store -> pandas frame -> progress", over_frame),
                         ("bare DuckDB GROUP BY over the stored rows", bare)):
            times = timed(args.runs, fn)
            print(f"{name}: median {statistics.median(times):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
