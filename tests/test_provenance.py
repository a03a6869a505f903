"""Where a statement comes from: the whitespace-insensitive search in the source document, on small
documents written here (so each line is known) and on the bundled logframes and their seeds."""

import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.provenance import (
    Located, describe, document_label, locate, source_path, statement_key, statement_sources)
from tests.conftest import ROOT

DOCUMENT = """Қаулы
      1. Жергілікті даму саласындағы заңдарды қабылдау
және жетілдіру;
      Кезектілік: А1-3 құрамдауыштары сервистік келісімшартқа қол қойылғаннан
кейін дереу іске асырылатын болады.
Шолулар.
2 0 2 0   С т р а т е г и я с ы н ы ң
тиімді іске асырылуы.
Шолулар.
Мемлекеттік қызметтердің сапасын арттыру
"""


@pytest.fixture
def document(tmp_path):
    path = tmp_path / "000_doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    return path


def test_found_across_line_breaks_and_letter_spacing(document):
    assert locate("Жергілікті даму саласындағы заңдарды қабылдау және жетілдіру;", document) == \
        Located("000_doc.txt", 2, 3, True)
    assert locate("2020 Стратегиясының тиімді іске асырылуы.", document) == Located("000_doc.txt", 7, 8, True)


def test_the_sequencing_side_heading_is_ignored(document):
    """The conversion dropped "Кезектілік:" into the paragraph; the logframe's text has no heading."""
    found = locate("А1-3 құрамдауыштары сервистік келісімшартқа қол қойылғаннан кейін дереу іске асырылатын болады.",
                   document)
    assert found == Located("000_doc.txt", 4, 5, True)


def test_a_split_cell_is_found_by_its_opening_words_only(document):
    found = locate("Мемлекеттік қызметтердің сапасын арттыру және оны бағалау тетіктері", document)
    assert found == Located("000_doc.txt", 10, 10, False)  # the longest opening that is there


def test_not_found_and_too_short_an_opening(document):
    assert locate("Мүлдем басқа сөйлем, құжатта жоқ.", document) is None
    assert locate("Шолулар мен зерттеулер", document) is None  # "Шолулар" alone is too short to count
    assert locate("Шолулар.", document.with_name("missing.txt")) is None


def test_search_from_a_line_prefers_the_later_occurrence(document):
    assert locate("Шолулар.", document).first_line == 6
    assert locate("Шолулар.", document, after_line=7).first_line == 9
    assert locate("Қаулы", document, after_line=7).first_line == 1  # none after it: the first anywhere


def test_the_index_follows_a_changed_file(document):
    assert locate("Шолулар.", document).first_line == 6
    document.write_text("\n\n" + DOCUMENT, encoding="utf-8")
    assert locate("Шолулар.", document).first_line == 8


def test_words_in_three_languages():
    lf = load_catalog(ROOT / "logframes")["psr"]
    assert [document_label(lf, lang) for lang in ("en", "kk", "ru")] == [
        "resolution No 688", "№ 688 қаулы", "постановление № 688"]
    assert describe(Located("x", 1093, 1093, True), "resolution No 688", "en") == "resolution No 688, line 1093"
    assert describe(Located("x", 1088, 1090, True), "№ 688 қаулы", "kk") == "№ 688 қаулы, 1088–1090-жолдар"
    assert describe(Located("x", 1169, 1172, False), "постановление № 688", "ru").startswith(
        "постановление № 688, со строки 1169: только начальные слова")
    assert describe(None, "resolution No 688", "en") == "not found verbatim in the source document (resolution No 688)"


@pytest.mark.parametrize("code", ["psr", "kazlod"])
def test_every_bundled_statement_is_in_its_seed(code):
    """Every statement is found; the few found by their opening words only are the matrix cells the
    YAML marks as reassembled from split cells."""
    lf = load_catalog(ROOT / "logframes")[code]
    found = statement_sources(lf, source_path(lf, ROOT / "logframes"))
    assert None not in found.values()
    split = {key for key, place in found.items() if not place.verbatim}
    assert split == {"psr": {"assumption:PSR.P1.AS3", "assumption:PSR.R4.AS1", "source:R4.6"},
                     "kazlod": {"assumption:KAZLOD.R1.AS1", "indicator:KAZLOD.R2.I8", "source:R2.5",
                                "assumption:KAZLOD.R2.AS1", "assumption:KAZLOD.R4.AS1",
                                "assumption:KAZLOD.R5.AS2"}}[code]
    statements = (sum(1 + len(level.indicators) + len(level.sources) + len(level.assumptions) for level in lf.levels())
                  + sum(len(r.activities) + bool(r.sequencing) for r in lf.results) + len(lf.monitoring))
    assert len(found) == statements


def test_bundled_lines_as_the_yaml_comments_cite_them():
    """Spot checks against the line references written in the YAML (seed 000 and 001)."""
    psr, kazlod = (load_catalog(ROOT / "logframes")[code] for code in ("psr", "kazlod"))
    at_psr = statement_sources(psr, source_path(psr, ROOT / "logframes"))
    at_kazlod = statement_sources(kazlod, source_path(kazlod, ROOT / "logframes"))
    assert at_psr[statement_key("source", "G.5")] == Located("000_8de61aa180311800.txt", 1088, 1090, True)
    assert at_psr[statement_key("assumption", "PSR.G.AS1")].first_line == 1093
    assert at_psr[statement_key("monitoring", "rom")] == Located("000_8de61aa180311800.txt", 1006, 1009, True)
    # A short cell is found in its own row of the matrix, not the first "Шолулар." of the document.
    assert at_psr[statement_key("source", "R4.2")].first_line == 1503
    assert at_kazlod[statement_key("assumption", "KAZLOD.R1.AS1")] == Located(
        "001_cc9c61a79daff508.txt", 1235, 1243, False)  # "reassembled: matrix lines 1235-1243 + 1264-1265"
    assert at_kazlod[statement_key("monitoring", "monitoring_visit")].first_line == 828
