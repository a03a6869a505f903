"""One translation function for every UI string; catalogs live in ``locales/<lang>.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES: dict[str, str] = {"en": "English", "kk": "Қазақша", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}' (known: {', '.join(LANGUAGES)})")
    with open(LOCALES / f"{lang}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when a catalog lacks it), formatted with ``values``."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text
