"""One translation function for every UI string.

Message files live in ``locales/<lang>.yaml``, plus one ``locales/<part>.<lang>.yaml`` per feature area
(so parallel work on different pages does not collide); a key may be defined only once.

A message that counts something may give one text per CLDR plural category of its language
(``one``, ``few``, ``many``, ``other``; Russian needs three), and ``by`` names the value that
decides (default ``count``)::

    upload.commit:
      one: Подтвердить {count} принятую строку
      few: Подтвердить {count} принятые строки
      many: Подтвердить {count} принятых строк
      other: Подтвердить {count} принятой строки

The category comes from Babel (CLDR), never from hand-written rules.
"""

from __future__ import annotations

import numbers
from functools import cache
from pathlib import Path

import yaml
from babel import Locale

LANGUAGES: dict[str, str] = {"en": "English", "kk": "Қазақша", "ru": "Русский"}
LOCALE_OF: dict[str, str] = {"en": "en_GB", "kk": "kk_KZ", "ru": "ru_RU"}  # CLDR locales for Babel
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
Message = str | dict[str, str]


@cache
def messages(lang: str) -> dict[str, Message]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}' (known: {', '.join(LANGUAGES)})")
    merged: dict[str, Message] = {}
    for path in [LOCALES / f"{lang}.yaml", *sorted(LOCALES.glob(f"*.{lang}.yaml"))]:
        with open(path, encoding="utf-8") as handle:
            part = yaml.safe_load(handle) or {}
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"{path}: keys already defined in another message file: {', '.join(sorted(clash))}")
        merged.update(part)
    return merged


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALE_OF[lang])


def plural_text(message: dict[str, str], lang: str, values: dict[str, object]) -> str:
    """The form of a counting message for the number named by its ``by`` key."""
    count = values[message.get("by", "count")]
    category = _locale(lang).plural_form(abs(int(count))) if isinstance(count, numbers.Integral) else "other"
    return message.get(category, message["other"])


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when that language lacks it), formatted with ``values``."""
    message = messages(lang).get(key) or messages(DEFAULT_LANGUAGE)[key]
    text = plural_text(message, lang, values) if isinstance(message, dict) else message
    return text.format(**values) if values else text
