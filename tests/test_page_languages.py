"""Every page in Kazakh and in Russian, as an administrator on the demo data, for every bundled
programme: no rendered text is an English catalog message, holds a snake_case key, or is a text in
Latin letters that is not a code (tests/pagetext.py has the rules and the short list of what may stay
in Latin letters: codes, file names, hashes, the demo's stored source)."""

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from kzlogframe import commentary, committee, report_state, review
from kzlogframe.measurements import measured_period_ends
from kzlogframe.periods import latest_finished_with_data
from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv, rollback_batch
from tests.conftest import ADMIN, ROOT
from tests.pagetext import leftovers, rendered_texts

VIEWS = sorted(f"views/{path.name}" for path in (ROOT / "views").glob("*.py"))
CATALOG = load_catalog()
NAMES = {*CATALOG, ADMIN.name, "demo", "local"}  # programme codes; who wrote: the tests, the demo, the local user


@pytest.fixture(scope="module")
def store(demo_store, tmp_path_factory):
    """The demo store with what the demo does not write: a batch rolled back (upload history and audit
    log), one waiting for review and one returned (the Review page, the Overview's waiting count), a
    narrative and an assumption status (the report's history)."""
    db = tmp_path_factory.mktemp("languages") / "store.duckdb"
    shutil.copy(demo_store, db)
    lf = CATALOG["psr"]
    extra = db.parent / "extra.csv"
    extra.write_text(f"programme,indicator,period,value\npsr,PSR.R1.I6,{lf.reporting_periods()[2].end},1\n",
                     encoding="utf-8")
    batch = import_csv(extra, CATALOG, ADMIN, db=db).batch_id
    rollback_batch(batch, ADMIN, db=db)
    with pytest.MonkeyPatch.context() as patch:  # a batch waiting for review and one returned (the Review page)
        patch.setenv("KZLOGFRAME_REVIEW", "on")
        for name, value in (("m2.csv", 2), ("m3.csv", 3)):
            (db.parent / name).write_text(extra.read_text(encoding="utf-8").replace(",1\n", f",{value}\n"),
                                          encoding="utf-8")
            batch = import_csv(db.parent / name, CATALOG, ADMIN, db=db).batch_id
    review.return_batch(batch, ADMIN, comment="Дереккөзін көрсетіңіз.", db=db)
    for code, lf in CATALOG.items():
        period = lf.reporting_periods()[0].label
        commentary.save_narrative(code, lf.results[0].code, period, "kk", "Нәтиже бойынша жұмыс жүріп жатыр.",
                                  actor=ADMIN, db=db)
        for assumption in [a.id for level in lf.levels() for a in level.assumptions][:1]:
            commentary.save_assumption_status(code, assumption, period, "partly_holds", "Ішінара.", actor=ADMIN,
                                              db=db)
        record_for_the_committee(lf, db)
    return db


def record_for_the_committee(lf, db) -> None:
    """A submitted report of the period the Report page opens on, with every committee record."""
    shown = latest_finished_with_data(lf.reporting_periods(), measured_period_ends(lf.programme.code, db),
                                      dt.date.today())
    code, indicator = lf.programme.code, next(i.code for _, i in lf.indicators())
    committee.save_control(code, shown.label, "Хатшы", ["Өкілдік"], actor=ADMIN, db=db)
    committee.save_summary(code, shown.label, "kk", "Кезең **сәтті** өтті.", actor=ADMIN, db=db)
    committee.save_deviation(lf, shown, "indicator", indicator, "Себеп", "Шара", "Жетекші", shown.end, actor=ADMIN,
                             db=db)
    for assumption in [a.id for level in lf.levels() for a in level.assumptions][:1]:
        committee.save_risk(lf, shown, assumption, "Тәуекел", 4, 3, "Шара", "Жетекші", actor=ADMIN, db=db)
    committee.save_decision(code, shown, shown.end, "Шешім", "Министрлік", shown.end, actor=ADMIN, db=db)
    committee.save_criterion(code, shown.label, "relevance", "b", "Негіздеме", actor=ADMIN, db=db)
    report_state.submit(lf, shown, actor=ADMIN, db=db)


def upload(code: str, lang: str) -> bytes:
    """A file with an accepted row (broken down, the values in ``lang``), rejected rows and an ambiguous decimal."""
    lf = CATALOG[code]
    day = lf.reporting_periods()[0].end.isoformat()
    broken_down = next((ind for _, ind in lf.indicators() if ind.disaggregation), None)
    quantity = next(ind for _, ind in lf.indicators() if ind.type.value == "quantitative")
    cells = {dim.value: getattr(lf.programme.disaggregation_values, dim.value)[0].shown(lang)
             for dim in (broken_down.disaggregation if broken_down else [])}
    first = broken_down or quantity
    rows = ["programme;indicator;period;value;sex;oblast;ministry",
            f"{code};{first.code};{day};3;{cells.get('sex', '')};{cells.get('oblast', '')};{cells.get('ministry', '')}",
            f"{code};{quantity.code};{day};1,234;;;",
            f"{code};{quantity.code};2012-H7;5;;;",
            f"{code};{quantity.code};{day};1.2.3;;Атырау;",
            f"{code};NOPE;{day};1;;;"]
    return ("\n".join(rows) + "\n").encode("utf-8")


def walk(lang: str, code: str) -> list[tuple[str, str]]:
    """Every page, and the states that show more: the other scoring rule, an indicator broken down
    by each dimension, a checked upload."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.sidebar.selectbox(key="lang").set_value(lang).run()
    at.sidebar.selectbox(key="programme").set_value(code).run()
    seen: list[tuple[str, str]] = []

    def look(where: str) -> None:
        assert not at.exception, (where, at.exception)
        seen.extend((f"{where} {kind}", text) for kind, text in rendered_texts(at))

    for view in VIEWS:
        at.switch_page(view).run()
        look(view)
    at.switch_page("views/status.py").run()
    rule = at.radio(key="scoring_rule")
    rule.set_value("state" if rule.value == "design" else "design").run()
    look("views/status.py (other rule)")
    at.switch_page("views/indicators.py").run()
    lf = CATALOG[code]
    for dim in ("sex", "oblast", "ministry"):
        shown = next((ind.code for _, ind in lf.indicators() if dim in {d.value for d in ind.disaggregation}), None)
        if shown:
            at.selectbox(key="indicator_code").set_value(shown).run()
            look(f"views/indicators.py ({shown})")
    at.switch_page("views/upload.py").run()
    at.file_uploader[0].set_value(("measurements.csv", upload(code, lang), "text/csv")).run()
    look("views/upload.py (a file)")
    return seen


@pytest.mark.parametrize("code", sorted(CATALOG))
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_is_left_on_any_page(store, monkeypatch, lang, code):
    monkeypatch.setenv("KZLOGFRAME_DB", str(store))
    seen = walk(lang, code)
    kinds = {kind.split(" ")[-1] for kind, _ in seen}
    assert {"dataframe", "metric", "selectbox", "button", "plotly_chart", "iframe", "caption"} <= kinds, kinds
    assert leftovers(seen, lang, NAMES) == []
