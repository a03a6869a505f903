import pytest

from kzlogframe.i18n import LANGUAGES, messages, t


def test_every_language_has_every_key():
    english = set(messages("en"))
    for lang in LANGUAGES:
        assert set(messages(lang)) == english, lang


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_placeholders_match_english(lang):
    import string
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}
    for key, text in messages("en").items():
        assert fields(messages(lang)[key]) == fields(text), (lang, key)


def test_translation_and_formatting():
    assert t("level.result", "kk") == "Нәтиже"
    assert t("logframe.steering.rhythm", "en", meetings=2, months=6) == \
        "Meets 2 times a year; receives a report every 6 months."


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        t("level.result", "de")
