"""The app shell and the Logframe page, run as Streamlit runs them (AppTest)."""

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import FIXTURES, open_page


def run_app() -> AppTest:
    """The app, switched to the Logframe page (the Overview is the default page)."""
    return open_page("views/logframe.py")


def matrix_html(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "kzlf-matrix" in m.value)


def test_bundled_logframes_render_in_english_and_kazakh():
    at = run_app()
    assert not at.exception
    assert at.sidebar.selectbox(key="programme").value == "kazlod"
    assert "Overall objective" in matrix_html(at)
    at.sidebar.selectbox(key="programme").set_value("psr").run()
    assert not at.exception
    english = matrix_html(at)
    assert "Result R5" in english and "Objectively verifiable indicators" in english
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert not at.exception
    kazakh = matrix_html(at)
    assert "Ортақ мақсат" in kazakh and "Тексеру көздері" in kazakh
    assert "Нәтиже R5" in kazakh


@pytest.fixture
def demo_dir(tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "minimal.yaml", tmp_path / "demo.yaml")
    monkeypatch.setenv("KZLOGFRAME_LOGFRAMES", str(tmp_path))
    return tmp_path


def test_logframe_page_shows_every_level_and_column(demo_dir):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Demo programme"
    html = matrix_html(at)
    for text in ("Overall objective", "Specific objective P1", "Result R1", "Sub-result R1.1", "Activity R1.A1",
                 "Law adopted", "Official publications", "Political stability", "Service contract",
                 "Target: 400 by 2016-06-23", "Baseline: 0 (2011-06-23)", "cumulative (summed)",
                 "by oblast, sex", "Target: done by 2016-06-23"):
        assert text in html, text
    assert "1 results, 1 sub-results, 1 activities, 2 indicators" in at.caption[0].value


def test_language_switch_translates_ui_and_content(demo_dir):
    at = run_app()
    at.sidebar.selectbox(key="lang").set_value("ru").run()
    html = matrix_html(at)
    assert "Объективно проверяемые индикаторы" in html
    assert "Общая цель" in html
    assert at.sidebar.selectbox(key="programme").label == "Программа"
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert at.title[0].value == "Демо бағдарлама"
    assert "Заң қабылданды" in matrix_html(at)


def test_indicator_without_target_says_so(demo_dir):
    text = (demo_dir / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("targets: [{date: 2013-06-30, value: 100}, {date: 2016-06-23, value: 400}]", "targets: []")
    (demo_dir / "demo.yaml").write_text(text, encoding="utf-8")
    html = matrix_html(run_app())
    assert "target to be set" in html


def test_seed_text_is_escaped(demo_dir):
    text = (demo_dir / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("en: Result one", "en: \"<script>alert(1)</script> & more\"")
    (demo_dir / "demo.yaml").write_text(text, encoding="utf-8")
    html = matrix_html(run_app())
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_broken_logframe_shows_the_problems_instead_of_crashing(demo_dir):
    text = (demo_dir / "demo.yaml").read_text(encoding="utf-8").replace("purpose: P1", "purpose: P9")
    (demo_dir / "demo.yaml").write_text(text, encoding="utf-8")
    at = run_app()
    assert not at.exception
    assert "errors" in at.error[0].value
    assert "results[0].purpose: unknown purpose 'P9'" in at.code[0].value


def test_logframe_page_shows_where_each_statement_comes_from():
    """On request, each statement carries its document and lines; in the reader's language."""
    at = run_app()
    at.sidebar.selectbox(key="programme").set_value("psr").run()
    assert 'class="kzlf-src' not in matrix_html(at)  # unobtrusive: only when asked
    at.toggle(key="lf_sources").set_value(True).run()
    assert not at.exception
    html = matrix_html(at)
    assert '<span class="kzlf-src">source: resolution No 688, lines 1088–1090</span>' in html  # "Басқару мәселелері"
    assert "source: resolution No 688, from line 1169: opening words only" in html  # PSR.P1.AS3, a split cell
    assert "source: resolution No 688, lines 749–753" in [c.value for c in at.caption]  # R2's sequencing paragraph
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert "дереккөз: № 688 қаулы, 1088–1090-жолдар" in matrix_html(at)


def test_logframe_page_shows_the_decision_facts_and_committee_conflict():
    at = run_app()
    facts = at.table[0].value
    assert "Management mode" not in facts.columns  # KAZLOD's decision states none
    assert facts["End of inception phase"][0] == "2012-06-23 (assumed, the source document gives no length)"
    assert "To ensure complementarity, the Steering Committee will review" in " ".join(m.value for m in at.markdown)
    assert at.warning[-1].value.startswith("**A second, different composition in the financing decision**")
    at.sidebar.selectbox(key="programme").set_value("psr").run()
    facts = at.table[0].value
    assert facts["EU budget line"][0] == "19 10 02"
    assert facts["Management mode"][0] == "Direct centralised management; Joint management (OECD)"


def test_a_statement_not_in_the_source_says_so(demo_dir):
    text = (demo_dir / "demo.yaml").read_text(encoding="utf-8").replace(
        "  disaggregation_values:", "  source_document: 000_demo.txt\n  disaggregation_values:")
    (demo_dir / "demo.yaml").write_text(text, encoding="utf-8")
    at = run_app()
    assert any(c.value.startswith("The source document 000_demo.txt is not in logframes/sources/") for c in at.caption)
    assert not at.toggle
    (demo_dir / "sources").mkdir()
    (demo_dir / "sources" / "000_demo.txt").write_text("Жалпы\nмақсат\nЗаң қабылданды\n", encoding="utf-8")
    at = run_app()
    at.toggle(key="lf_sources").set_value(True).run()
    html = matrix_html(at)
    assert '<span class="kzlf-src">source: 000_demo.txt, lines 1–2</span>' in html  # the goal, across a line break
    assert '<span class="kzlf-src">source: 000_demo.txt, line 3</span>' in html  # its indicator
    assert ('<span class="kzlf-src kzlf-src-partial">not found verbatim in the source document (000_demo.txt)</span>'
            in html)  # e.g. "Саяси тұрақтылық"


def test_an_activity_financed_outside_the_eu_contribution_says_so():
    at = run_app()
    html = matrix_html(at)
    assert "Financing: Government of the Republic of Kazakhstan (not the EU contribution)" in html


def test_the_oecd_review_says_it_is_government_financed_and_shows_its_budget_warning(demo_store, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    at = run_app()
    at.sidebar.selectbox(key="programme").set_value("psr_oecd").run()
    assert not at.exception
    assert at.info[0].value == ("Financing: Government of the Republic of Kazakhstan. Not part of the EU budget. "
                                "Linked to PSR.")
    facts = at.table[0].value
    assert facts["Kind"][0] == "Project financed by the Government" and facts["Total cost"][0] == "376,726 EUR"
    assert facts["Start"][0] == "2014-12-24 (assumed: the source does not date it)"
    assert facts["Final report and financial statement due by"][0] == "2016-12-24"
    budget = at.dataframe[0].value
    assert list(budget.columns[2:]) == ["Government of the Republic of Kazakhstan (EUR)", "Total (EUR)"]  # no EU column
    assert budget.iloc[-1, 1] == "Total ⚠" and budget.iloc[-1, 3] == 376726 and budget.iloc[:-1, 3].sum() == 376731
    [warning] = [w.value for w in at.warning if w.value.startswith("Total: ")]
    assert "EUR 376,731, EUR 5 more than the total" in warning
    assert "Interagency working group (the source names no steering committee)" in [s.value for s in at.subheader]
    assert any(m.value.startswith("**Support**") and "CleanGovBiz" in m.value for m in at.markdown)
    assert any("are our assumption" in m.value for m in at.markdown)
    html = matrix_html(at)
    assert "Activity R1.A1" in html and "Target: done by 2016-12-24" in html


def test_the_budget_passports_show_their_targets_currency_and_amendments(demo_store, monkeypatch):
    monkeypatch.setenv("KZLOGFRAME_DB", str(demo_store))
    at = run_app()
    at.sidebar.selectbox(key="programme").set_value("rbp2007").run()
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert not at.exception
    assert at.info[0].value.startswith("Қазақстанның мемлекеттік бюджеттік бағдарламасы; қаржыландыру көзі: "
                                       "республикалық бюджеттің қаражаты.")
    html = matrix_html(at)
    assert "Нысаналы мән: 2007-12-31 дейін ≥ 42 адам" in html
    assert "50–70 %" in html and "тікелей нәтиже" in html and "түпкі нәтиже" in html
    budget = at.dataframe[0].value
    assert list(budget.columns[2:]) == ["Республикалық бюджеттің қаражаты (мың теңге)", "Барлығы (мың теңге)"]
    assert budget.iloc[-1, 3] == 4353886
    assert any(c.value.startswith("Сандар туралы ескертпе: Қаулы жалпы соманы көрсетпейді") for c in at.caption)
    amendments = " ".join(m.value for m in at.markdown if "қаулы:" in m.value)
    assert "2007-04-18 № 308 қаулы: 004 бюджеттік бағдарламасы, паспорт толығымен." in amendments
    assert "Ескерту. 426-қосымшаға өзгерту енгізілді" in amendments
    at.sidebar.selectbox(key="lang").set_value("en").run()
    assert "Target: ≥ 42 persons by 2007-12-31" in matrix_html(at)
    assert at.table[0].value["Budget year"][0] == "2007"
