"""One translation function for every UI string.

Message files live in ``locales/<lang>.yaml``, plus one ``locales/<part>.<lang>.yaml`` per feature area
(so parallel work on different pages does not collide); a key may be defined only once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES: dict[str, str] = {"en": "English", "kk": "Қазақша", "ru": "Русский"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}' (known: {', '.join(LANGUAGES)})")
    merged: dict[str, str] = {}
    for path in [LOCALES / f"{lang}.yaml", *sorted(LOCALES.glob(f"*.{lang}.yaml"))]:
        with open(path, encoding="utf-8") as handle:
            part = yaml.safe_load(handle) or {}
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"{path}: keys already defined in another message file: {', '.join(sorted(clash))}")
        merged.update(part)
    return merged


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when that language lacks it), formatted with ``values``."""
    text = messages(lang).get(key) or messages(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text
