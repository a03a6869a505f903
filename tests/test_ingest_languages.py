"""The importer in the reader's language: oblasts, ministries and sexes written in Kazakh or Russian
are accepted as their codes; every rejection reason, warning, file error and summary is worded in the
language asked for, and an unknown value is answered with the values that are accepted."""

import re

import pytest

from kzlogframe.catalog import load_catalog
from kzlogframe.i18n import messages
from kzlogframe.ingest import UploadError, import_csv
from kzlogframe.store import connect
from tests.conftest import ADMIN

HEADER = "programme,indicator,period,value,sex,oblast,ministry,numerator,denominator"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def write(tmp_path, rows: list[str], header: str = HEADER):
    path = tmp_path / "upload.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("oblast", ["Маңғыстау", "Мангистау", "Мангыстау", "Мангистауская", "Мангистауская область",
                                    "Маңғыстау облысы", "Mangystau Region"])
@pytest.mark.parametrize("sex, code", [("әйел", "female"), ("женщина", "female"), ("ж", "female"),
                                       ("ер", "male"), ("мужчина", "male"), ("М", "male")])
def test_kazakh_and_russian_values_are_stored_as_their_codes(tmp_path, catalog, oblast, sex, code):
    # KAZLOD.R5.I5 counts participants, by oblast and sex
    path = write(tmp_path, [f"kazlod,KAZLOD.R5.I5,2012-H2,4,{sex},{oblast},,,"])
    report = import_csv(path, catalog, ADMIN, db=tmp_path / "store.duckdb")
    assert (report.status, len(report.rejected)) == ("committed", 0), report.rejected
    with connect(tmp_path / "store.duckdb", write=False) as con:
        assert con.execute("SELECT sex, oblast FROM measurement").fetchall() == [(code, "Mangystau")]


def test_a_ministry_by_its_russian_name(tmp_path, catalog):
    path = write(tmp_path, ["psr,PSR.R2.I2,2012-H2,3,,,Министерство образования и науки,,",
                            "psr,PSR.R2.I2,2012-H2,2,,,Ауыл шаруашылығы министрлігі,,"])
    report = import_csv(path, catalog, ADMIN, db=tmp_path / "store.duckdb", dry_run=True)
    assert report.rejected.empty
    assert report.accepted["ministry"].tolist() == ["education", "agriculture"]


@pytest.mark.parametrize("lang, reason", [
    ("kk", "облыс: 'Атырау' мәні kazlod бағдарламасында көзделмеген (қабылданатын мәндер: Маңғыстау облысы, "
           "Қызылорда облысы, Шығыс Қазақстан облысы)"),
    ("ru", "область: значение 'Атырау' не предусмотрено для программы kazlod (допустимые значения: "
           "Мангистауская область, Кызылординская область, Восточно-Казахстанская область)"),
    ("en", "oblast 'Атырау' is not declared for kazlod (accepted: Mangystau Region, Kyzylorda Region, "
           "East Kazakhstan Region)"),
])
def test_an_unknown_value_is_answered_with_the_accepted_ones(tmp_path, catalog, lang, reason):
    path = write(tmp_path, ["kazlod,KAZLOD.R5.I5,2012-H2,4,,Атырау,,,"])
    report = import_csv(path, catalog, ADMIN, db=tmp_path / "store.duckdb", dry_run=True, lang=lang)
    assert report.rejected["reason"].tolist() == [reason]


BROKEN = [
    ",KAZLOD.G.I1,2012-H2,1,,,,,",  # programme empty
    "nope,X,2012-H2,1,,,,,",  # unknown programme
    "kazlod,,2012-H2,1,,,,,",  # indicator empty
    "kazlod,KAZLOD.NOPE,2012-H2,1,,,,,",  # unknown indicator
    "kazlod,KAZLOD.R5.I5,,1,,,,,",  # period empty
    "kazlod,KAZLOD.R5.I5,2012-H7,1,,,,,",  # period form
    "kazlod,KAZLOD.R5.I5,2030-H1,1,,,,,",  # outside the window
    "kazlod,KAZLOD.R5.I5,2012,1,,,,,",  # spans two halves
    "kazlod,KAZLOD.R5.I5,2012-H2,,,,,,",  # value empty
    "kazlod,KAZLOD.R5.I5,2012-H2,abc,,,,,",  # not a number
    "kazlod,KAZLOD.R5.I5,2012-H2,-5,,,,,",  # a count below 0
    "kazlod,KAZLOD.R5.I5,2012-H2,5,,,Министерство,,",  # not disaggregated by ministry
    "kazlod,KAZLOD.R5.I5,2012-H2,5,x,,,,",  # unknown sex
    "kazlod,KAZLOD.R5.I5,2012-H2,5,,,,abc,",  # numerator not a number
    "kazlod,KAZLOD.R5.I5,2012-H2,5,,,,1,0",  # denominator zero
    "kazlod,KAZLOD.R5.I5,2013-H1,5,,,,,",
    "kazlod,KAZLOD.R5.I5,2013-H1,5,,,,,",  # duplicate of the line before
    "kazlod,KAZLOD.R5.I5,2013-H1",  # malformed
]


def english_templates() -> list[re.Pattern]:
    """Every English import message whose words differ in Kazakh and Russian, as a pattern."""
    patterns = []
    for key, text in messages("en").items():
        if key.startswith("ingest.") and not key.startswith("ingest.column.") and isinstance(text, str):
            literal = [re.escape(part) for part in re.split(r"\{\w+\}", text)]
            if any(re.search(r"[a-z]{3,}", part) for part in literal):
                patterns.append(re.compile(".*".join(literal)))
    return patterns


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_rejection_reason_is_in_the_readers_language(tmp_path, catalog, lang):
    report = import_csv(write(tmp_path, BROKEN), catalog, ADMIN, db=tmp_path / "store.duckdb", dry_run=True,
                        lang=lang)
    reasons = report.rejected["reason"].tolist()
    assert len(reasons) == len(BROKEN) - 1  # all but the first of the two equal rows
    english = english_templates()
    for reason in reasons:
        assert re.search("[а-яәғқңөұүһі]", reason), reason
        assert not [p.pattern for p in english if p.search(reason)], reason
    cyrillic = re.compile("[а-яәғқңөұүһі]")
    assert cyrillic.search(report.message) and not any(p.search(report.message) for p in english)


@pytest.mark.parametrize("lang, words", [("kk", "міндетті бағандар жоқ: мән"),
                                         ("ru", "нет обязательных столбцов: значение")])
def test_a_file_error_is_in_the_readers_language(tmp_path, catalog, lang, words):
    path = write(tmp_path, ["kazlod,KAZLOD.G.I1,2012-H2"], header="programme,indicator,period")
    with pytest.raises(UploadError) as caught:
        import_csv(path, catalog, ADMIN, db=tmp_path / "store.duckdb", dry_run=True, lang=lang)
    assert words in str(caught.value)


def test_the_outlier_warning_is_in_the_readers_language(tmp_path, catalog):
    db = tmp_path / "store.duckdb"
    history = [f"kazlod,KAZLOD.R5.I5,{year}-H{half},{10 + half},,,,," for year in (2012, 2013) for half in (1, 2)]
    assert import_csv(write(tmp_path, history), catalog, ADMIN, db=db).status == "committed"
    report = import_csv(write(tmp_path, ["kazlod,KAZLOD.R5.I5,2014-H1,900,,,,,"]), catalog, ADMIN, db=db,
                        dry_run=True, lang="ru")
    assert report.warnings["warning"].tolist() == [
        "значение 900,0 резко отклоняется от истории индикатора (медиана 11,5, модифицированная z-оценка 309,0)"]
