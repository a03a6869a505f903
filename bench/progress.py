"""Benchmark: progress for a portfolio of 50 programmes × 40 indicators × 14 semesters (≈ 1 M values).

Target: indicator_progress + level_progress < 1 s warm. Prints the row count, cold and
warm (best of 3) seconds, a bare DuckDB aggregate over the same DataFrame, and their ratio.

    python bench/progress.py [--programmes 50]

The portfolio is synthetic: 50 logframes built as pydantic models (2 goal, 6 purpose, 24 result
and 8 sub-result indicators each, of every type and cumulative mode), and measurements generated
inside DuckDB for every declared cell (20 regions × sex, 16 ministries × sex) of every semester.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kzlogframe import progress as P  # noqa: E402
from kzlogframe.models import Logframe  # noqa: E402

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


def measurements(catalog: dict[str, Logframe]) -> pd.DataFrame:
    """Every declared cell × semester, values generated in DuckDB (no Python loop over rows)."""
    spec = P.indicator_table(catalog)
    spec["k"] = spec.groupby("programme").cumcount()
    cells = pd.DataFrame(
        [("oblast,sex", s, o, "") for o in REGIONS for s in ("female", "male")]
        + [("ministry,sex", s, "", m) for m in MINISTRIES for s in ("female", "male")] + [("", "", "", "")],
        columns=["dims", "sex", "oblast", "ministry"])
    periods = pd.DataFrame({"s": range(1, SEMESTERS + 1)})
    with duckdb.connect() as con:
        con.execute("SELECT setseed(0.2011)")
        for name, frame in (("spec", spec), ("cells", cells), ("periods", periods)):
            con.register(name, frame)
        return con.execute("""
            WITH g AS (
                SELECT i.programme, i.indicator, i.type, i.percentage, i.direction, i.cumulative, i.k, c.sex, c.oblast,
                       c.ministry, p.s, 0.6 + (i.k % 7) / 10 AS pace, 50 + floor(random() * 100) AS den,
                       make_date(2011 + (p.s - 1) // 2, 1 + 6 * ((p.s - 1) % 2), 1) AS period_start
                FROM spec i JOIN cells c USING (dims) CROSS JOIN periods p
            )
            SELECT programme, indicator,
                   strftime(period_start, '%Y') || '-H' || (1 + (s - 1) % 2) AS period_label,
                   period_start, CAST(period_start + INTERVAL 6 MONTH - INTERVAL 1 DAY AS DATE) AS period_end,
                   CASE WHEN type = 'milestone' THEN CAST(s >= 3 + k % 9 AS DOUBLE)
                        WHEN type = 'rating' THEN least(4, 1 + floor(pace * s / 3))
                        WHEN percentage AND k % 10 = 2 THEN round(100 * least(den, floor(den * pace * s / 14)) / den, 2)
                        WHEN direction = 'decrease' THEN round(40 - 20 * least(1, pace * s / 10) * (0.8 + 0.4 * random()), 2)
                        WHEN percentage THEN round(10 + 50 * least(1, pace * s / 10) * (0.8 + 0.4 * random()), 2)
                        WHEN cumulative = 'summing' THEN round(1000 / 40 / 10 * pace * (0.5 + random()))
                        ELSE round(40 * pace * (0.5 + random())) END AS value,
                   CAST(NULL AS VARCHAR) AS value_text,
                   CASE WHEN k % 10 = 2 THEN least(den, floor(den * pace * s / 14)) END AS numerator,
                   CASE WHEN k % 10 = 2 THEN den END AS denominator,
                   sex, oblast, ministry, 'SYNTHETIC BENCHMARK' AS source
            FROM g""").df()


def best_of(n: int, fn) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=50)
    args = parser.parse_args()

    start = time.perf_counter()
    catalog = {lf.programme.code: lf for lf in (logframe(n) for n in range(1, args.programmes + 1))}
    data = measurements(catalog)
    print(f"setup: {len(catalog)} programmes, {sum(1 for lf in catalog.values() for _ in lf.indicators())} "
          f"indicators, {len(data):,} measurement rows ({time.perf_counter() - start:.1f} s)")

    as_of = dt.date(2014, 12, 31)

    def run() -> tuple[pd.DataFrame, pd.DataFrame]:
        progress = P.indicator_progress(data, catalog, as_of)
        return progress, P.level_progress(progress, catalog)

    cold, _ = best_of(1, run)
    warm, (progress, levels) = best_of(3, run)
    def bare_aggregate() -> pd.DataFrame:
        with duckdb.connect() as con:
            con.register("m", data)
            return con.execute("SELECT programme, indicator, sum(value) FROM m GROUP BY programme, indicator").df()

    bare, _ = best_of(3, bare_aggregate)
    print(f"indicator_progress + level_progress: {len(progress):,} indicators, {len(levels):,} levels")
    print(f"  cold {cold:.3f} s   warm (best of 3) {warm:.3f} s   target < 1 s warm: {'OK' if warm < 1 else 'MISSED'}")
    print(f"bare DuckDB GROUP BY over the same {len(data):,} rows: {bare:.3f} s")
    print(f"ratio progress warm / bare aggregate: {warm / bare:.1f}×")
    print("status counts:", progress["status"].value_counts().to_dict())
    pages(catalog, data)


def pages(catalog: dict[str, Logframe], data: pd.DataFrame) -> None:
    """Overview and Indicators rendered by AppTest on a store holding the whole portfolio."""
    from streamlit.testing.v1 import AppTest

    from kzlogframe.store import connect

    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "logframes", Path(tmp) / "bench.duckdb"
        folder.mkdir()
        for code, lf in catalog.items():
            (folder / f"{code}.yaml").write_text(yaml.safe_dump(lf.model_dump(mode="json", exclude_none=True),
                                                                allow_unicode=True), encoding="utf-8")
        with connect(db) as con:
            con.register("data", data)
            con.execute("INSERT INTO upload_batch VALUES (1, 'bench.csv', '-', 'bench', now(), ?, ?, 0, NULL, "
                        "'committed', NULL, NULL)", [len(data), len(data)])
            con.execute("""INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label,
                               period_start, period_end, value, value_text, numerator, denominator, sex, oblast,
                               ministry, source, comment, evidence_url, recorded_at)
                           SELECT row_number() OVER (), 1, NULL, programme, indicator, period_label, period_start,
                                  period_end, value, value_text, numerator, denominator, sex, oblast, ministry,
                                  source, NULL, NULL, now() FROM data""")
        os.environ["KZLOGFRAME_LOGFRAMES"], os.environ["KZLOGFRAME_DB"] = str(folder), str(db)
        app = str(Path(__file__).resolve().parent.parent / "app.py")
        at = AppTest.from_file(app, default_timeout=300)
        cold, _ = best_of(1, at.run)
        warm, _ = best_of(3, at.run)
        assert not at.exception, at.exception
        print(f"Overview page ({len(catalog)} programmes): cold {cold:.2f} s   warm (best of 3) {warm:.2f} s   "
              f"target < 2 s: {'OK' if warm < 2 else 'MISSED'}")
        at.switch_page("views/indicators.py")
        cold, _ = best_of(1, at.run)
        warm, _ = best_of(3, at.run)
        assert not at.exception, at.exception
        print(f"Indicators page: cold {cold:.2f} s   warm (best of 3) {warm:.2f} s   "
              f"target < 2 s: {'OK' if warm < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
