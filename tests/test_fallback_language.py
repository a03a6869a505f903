"""A logframe text missing the reader's language is shown in another one, marked ``[EN]`` in front,
alike on the pages, in the report and in the export; IATI writes only the languages it has."""

import lxml.etree
import pytest

from kzlogframe.exports import export_table
from kzlogframe.iati import iati_xml
from kzlogframe.ingest import import_csv
from kzlogframe.matrix import render_matrix_html
from kzlogframe.measurements import current_measurements
from kzlogframe.models import Text
from kzlogframe.report import build_report
from kzlogframe.report_html import render_html
from tests.conftest import ADMIN, FIXTURES, load_logframe, open_page

ENGLISH_ONLY = "Civil servants trained"
MARKED = f"[EN] {ENGLISH_ONLY}"


@pytest.mark.parametrize("text, lang, shown", [
    (Text(kk="Нәтиже", en="Result", ru="Результат"), "ru", "Результат"),
    (Text(kk="Нәтиже", en="Result"), "ru", "[EN] Result"),
    (Text(kk="Нәтиже"), "ru", "[KK] Нәтиже"),
    (Text(kk="Нәтиже"), "en", "[KK] Нәтиже"),
    (Text(ru="Результат"), "kk", "[RU] Результат"),
    (Text(en="Result"), "en", "Result"),
])
def test_the_mark_names_the_language_shown(text, lang, shown):
    assert text.get(lang) == shown


def test_a_text_needs_a_language():
    with pytest.raises(ValueError, match="at least one of kk, en, ru"):
        Text()


@pytest.fixture(scope="module")
def no_russian(tmp_path_factory):
    """tests/fixtures/minimal.yaml with DEMO.R1.I1's text in Kazakh and English only, and a measurement."""
    root = tmp_path_factory.mktemp("no-russian")
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    old = f"{{kk: Оқытылған қызметшілер, en: {ENGLISH_ONLY}, ru: Обученные служащие}}"
    assert text.count(old) == 1
    (root / "logframes").mkdir()
    path = root / "logframes" / "demo.yaml"
    path.write_text(text.replace(old, f"{{kk: Оқытылған қызметшілер, en: {ENGLISH_ONLY}}}"), encoding="utf-8")
    lf = load_logframe(path)
    (root / "m.csv").write_text("programme,indicator,period,value\ndemo,DEMO.R1.I1,2012-Q3,12\n", encoding="utf-8")
    assert import_csv(root / "m.csv", {"demo": lf}, ADMIN, db=root / "store.duckdb").status == "committed"
    return lf, root


def test_matrix_report_and_export_mark_it_alike(no_russian):
    lf, root = no_russian
    measured = current_measurements("demo", root / "store.duckdb")
    assert MARKED in render_matrix_html(lf, "ru")
    report = build_report(lf, measured, lf.reporting_period("2012-H2"), "ru")
    assert MARKED in render_html(report)
    table = export_table(lf, measured, "ru")
    assert table.loc[table["indicator"] == "DEMO.R1.I1", "indicator_text"].tolist() == [MARKED]
    assert "Оқытылған қызметшілер" in render_matrix_html(lf, "kk") and "[KK]" not in render_matrix_html(lf, "kk")


def test_iati_writes_only_the_languages_a_text_has(no_russian):
    lf, root = no_russian
    xml = lxml.etree.fromstring(iati_xml(lf, current_measurements("demo", root / "store.duckdb"),
                                         lang_order=("en", "kk", "ru")))
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    title = xml.xpath("//indicator[reference/@code='DEMO.R1.I1']/title/narrative")
    assert {n.get(lang): n.text for n in title} == {"en": ENGLISH_ONLY, "kk": "Оқытылған қызметшілер"}


def test_the_pages_mark_it(no_russian, monkeypatch):
    _, root = no_russian
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(root / "logframes"))
    monkeypatch.setenv("KZLOGFRAME_DB", str(root / "store.duckdb"))
    at = open_page("views/indicators.py")
    at.sidebar.selectbox(key="lang").set_value("ru").run()
    at.selectbox(key="indicator_code").set_value("DEMO.R1.I1").run()
    assert not at.exception
    assert at.selectbox(key="indicator_code").format_func("DEMO.R1.I1") == f"DEMO.R1.I1 — {MARKED}"
    assert any(m.value == f"**{MARKED}**" for m in at.markdown)
