"""Details an official notices first (issue 22), through AppTest: every table in one helper with a dash
for a missing value, the Overview's trend beside each status, the Sequencing page's list of late and
upcoming activities."""

import ast
import re


from kzlogframe.catalog import load_catalog
from kzlogframe.i18n import t
from kzlogframe.schedule import plan
from kzlogframe.trend import MARKS
from kzlogframe.ui import EMPTY_CELL
from tests.conftest import ROOT, open_page
from tests.test_sequencing_page import env  # noqa: F401  (the hand-checked schedule as the only programme)


def test_every_page_draws_its_tables_through_ui_data_table():
    """One place decides how a table looks (width, index, the dash in an empty cell)."""
    for path in sorted((ROOT / "views").glob("*.py")):
        calls = [ast.unparse(n.func) for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Call)]
        assert "st.dataframe" not in calls, path.name


def test_an_empty_cell_shows_a_dash_not_none(app):
    app.switch_page("views/upload.py").run()
    batches = app.dataframe[-1]
    assert batches.value.isna().any().any() or (batches.value == "").any().any()  # the history has empty cells
    assert {d.proto.placeholder for d in app.dataframe} == {EMPTY_CELL}


def test_the_overview_shows_a_trend_beside_each_status(app):
    lang = "en"
    grid = next(d.value for d in app.dataframe if t("col.level", lang) in d.value.columns)
    columns = list(grid.columns)
    assert columns.index(t("col.trend", lang)) == columns.index(t("col.status", lang)) + 1
    marks = grid[t("col.trend", lang)]
    assert set(marks) <= {*MARKS.values(), "–"} and (marks != "–").any()
    lines = grid[t("col.trend_line", lang)]
    assert all(len(line) >= 2 for line, mark in zip(lines, marks) if mark != "–")  # a mark has a line behind it
    attention = next(d.value for d in app.dataframe if t("col.indicator", lang) in d.value.columns)
    assert t("col.trend", lang) in attention.columns


def test_sequencing_lists_what_is_late_and_what_comes_up(env):  # noqa: F811
    lf = next(iter(load_catalog().values()))
    d = plan(lf).date
    at = open_page("views/sequencing.py")
    at.date_input(key=f"seq_today_{lf.programme.code}").set_value(d(20)).run()
    text = "\n".join(m.value for m in at.markdown)
    assert f"- **R1.A1** One — *{t('seq.watch.late_finish', 'en', date=d(12).isoformat())}*" in text
    assert f"- **R1.A2** Two — *{t('seq.watch.late_start', 'en', date=d(14).isoformat())}*" in text
    assert f"- **R1.A3** Three — *{t('seq.watch.starts', 'en', date=d(24).isoformat())}*" in text
    assert t("seq.watch.late", "en") in text and t("seq.watch.upcoming", "en") in text
    at.date_input(key=f"seq_today_{lf.programme.code}").set_value(lf.end_date).run()
    assert t("seq.watch.upcoming", "en") not in "\n".join(m.value for m in at.markdown)  # all is late by then



def test_no_message_or_logframe_text_speaks_of_seeds():
    """'Seed' is the developers' word for a source document; readers see 'source document' or the
    financing decision."""
    from kzlogframe.i18n import LANGUAGES, messages

    for lang in LANGUAGES:
        for key, message in messages(lang).items():
            texts = message.values() if isinstance(message, dict) else [message]
            assert not any(re.search(r"\bseeds?\b", text, re.IGNORECASE) for text in texts), (lang, key)
    for lf in load_catalog().values():
        dumped = lf.model_dump_json()
        assert not re.search(r"\bseed", dumped, re.IGNORECASE), lf.programme.code
