"""Disaggregation values: codes stored, labels shown, spellings accepted (one rule in Python and SQL),
and validate's checks of the declared values."""

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzlogframe.catalog import load_catalog
from kzlogframe.dimensions import accepted, spelling, spelling_sql, spellings
from kzlogframe.validation import check_text
from tests.test_validate import errors, line_of, mutate


@pytest.mark.parametrize("written", ["Mangystau", "mangystau region", "Маңғыстау", "Маңғыстау облысы", "Мангыстау",
                                     "Мангистау", "Мангистауская", "Мангистауская область", "Мангистауская (область)",
                                     "МАНГИСТАУСКАЯ ОБЛ.", " Мангистауская  обл "])
def test_every_way_people_write_mangystau_is_one_value(written):
    [mangystau] = [v for v in load_catalog()["kazlod"].programme.disaggregation_values.oblast if v.code == "Mangystau"]
    assert spelling(written) in spellings(mangystau)


@pytest.mark.parametrize("written, code", [("әйел", "female"), ("женщина", "female"), ("Ж", "female"),
                                           ("женщины", "female"), ("ер", "male"), ("Мужчина", "male"), ("м", "male"),
                                           ("ерлер", "male"), ("female", "female")])
def test_sex_in_three_languages(written, code):
    sexes = load_catalog()["psr"].programme.disaggregation_values.sex
    assert [v.code for v in sexes if spelling(written) in spellings(v)] == [code]


def test_a_ministry_by_its_name_of_the_time():
    ministries = load_catalog()["psr"].programme.disaggregation_values.ministry
    found = [v.code for v in ministries if spelling("Министерство индустрии и новых технологий") in spellings(v)]
    assert found == ["industry_innovation"]


def test_labels_in_the_readers_language():
    declared = load_catalog()["kazlod"].programme.disaggregation_values
    assert declared.label("oblast", "East Kazakhstan", "ru") == "Восточно-Казахстанская область"
    assert declared.label("sex", "female", "kk") == "әйелдер"
    assert declared.label("oblast", "Atyrau", "kk") == "Atyrau"  # no longer declared: shown as stored
    assert accepted(declared, "oblast", "kk") == "Маңғыстау облысы, Қызылорда облысы, Шығыс Қазақстан облысы"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("АаБбЕеЁёЖжМмОоЫыӘәҒғҚқҢңӨөҰұҮүҺһІіAaZz -.,;:()\"'«»/\t\u00a0"),
               max_size=30))
def test_the_sql_twin_spells_alike(text):
    with duckdb.connect() as con:
        assert con.execute(f"SELECT {spelling_sql('?')}", [text]).fetchone()[0] == spelling(text)


def test_a_plain_code_loads_with_a_warning_to_label_it(minimal_text):
    text = mutate(minimal_text, "  disaggregation_values:\n", "  disaggregation_values:\n    ministry: [education]\n")
    checked = check_text(text, "demo.yaml")
    assert checked.errors == [] and checked.logframe.programme.disaggregation_values.codes("ministry") == ["education"]
    assert [str(p) for p in checked.problems] == [
        f"demo.yaml:{line_of(text, 'ministry: [education]')}: programme.disaggregation_values.ministry[0]: "
        "warning: value 'education' has no label: give kk, en and ru"]


def test_a_spelling_naming_two_values_is_an_error(minimal_text):
    text = mutate(minimal_text, "        aliases: [Мангистау]\n", "        aliases: [Мангистау, Кызылорда]\n")
    line = line_of(text, "- code: Kyzylorda")
    assert errors(text) == [f"demo.yaml:{line}: programme.disaggregation_values.oblast[1]: "
                            "'кызылорда' would name both 'Mangystau' and 'Kyzylorda'"]
