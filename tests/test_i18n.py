import string

import pytest

from kzlogframe.i18n import LANGUAGES, messages, t


def forms(message) -> list[str]:
    """Every text of a message: itself, or each of its plural forms."""
    return [v for k, v in message.items() if k != "by"] if isinstance(message, dict) else [message]


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_language_has_every_key():
    english = set(messages("en"))
    for lang in LANGUAGES:
        assert set(messages(lang)) == english, lang


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_placeholders_match_english(lang):
    for key, message in messages("en").items():
        wanted = set().union(*(fields(text) for text in forms(message)))
        for text in forms(messages(lang)[key]):
            assert fields(text) == wanted, (lang, key, text)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_counting_messages_have_every_form_their_language_needs(lang):
    needed = {"en": {"one", "other"}, "kk": {"other"}, "ru": {"one", "few", "many", "other"}}[lang]
    for key, message in messages(lang).items():
        if isinstance(message, dict):
            assert needed <= set(message), (lang, key)


@pytest.mark.parametrize("count, russian, english", [
    (1, "Подтвердить 1 принятую строку", "Commit 1 accepted row"),
    (2, "Подтвердить 2 принятые строки", "Commit 2 accepted rows"),
    (5, "Подтвердить 5 принятых строк", "Commit 5 accepted rows"),
    (11, "Подтвердить 11 принятых строк", "Commit 11 accepted rows"),
    (21, "Подтвердить 21 принятую строку", "Commit 21 accepted rows"),
    (104, "Подтвердить 104 принятые строки", "Commit 104 accepted rows"),
])
def test_plurals_follow_cldr(count, russian, english):
    assert t("upload.commit", "ru", count=count) == russian
    assert t("upload.commit", "en", count=count) == english
    assert t("upload.commit", "kk", count=count) == f"{count} қабылданған жолды растау"


def test_translation_and_formatting():
    assert t("level.result", "kk") == "Нәтиже"
    assert t("logframe.steering.rhythm", "en", meetings=2, months=6) == \
        "Meetings a year: 2; a report every 6 months."
    assert t("headline.assessed", "ru", n=3, m=21) == "оценено 3 из 21 индикатора"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        t("level.result", "de")
