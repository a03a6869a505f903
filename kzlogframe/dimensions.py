"""The values of the disaggregation dimensions (sex, oblast, ministry) as people write them.

A measurement stores a value's code (``Mangystau``, ``female``); readers see its label in their
language; an upload may name it by its code, any of its labels or an alias, written as people type:
in any case, with ё or е, with Kazakh letters or the Russian letters a keyboard without them gives
(Маңғыстау, Мангыстау), with or without the word for oblast (Маңғыстау облысы, Мангистауская обл.,
Mangystau Region). :func:`spelling` is that one rule; :func:`spelling_sql` is its twin for the importer.
"""

from __future__ import annotations

import re

from .models import DisaggregationValue, DisaggregationValues

_KAZAKH, _RUSSIAN = "әғқңөұүһіё", "агкноуухие"
_FOLD = str.maketrans(_KAZAKH, _RUSSIAN)
_PUNCTUATION = "[.,;:()\"'«»]"
_SPACES = "[ \t\u00a0]+"
GENERIC_WORDS = ("облысы", "облыс", "область", "обл", "oblast", "oblysy", "region", "province")
_GENERIC = " (?:" + "|".join(GENERIC_WORDS) + ") "


def spelling(text: str) -> str:
    """``text`` reduced to what tells one value from another: ``Мангистауская обл.`` → ``мангистауская``."""
    folded = re.sub(_SPACES, " ", re.sub(_PUNCTUATION, " ", text.lower().translate(_FOLD)))
    return re.sub(_GENERIC, " ", f" {folded} ").strip()


def spelling_sql(x: str) -> str:
    """SQL twin of :func:`spelling` for the expression ``x`` (DuckDB)."""
    folded = f"translate(lower({x}), '{_KAZAKH}', '{_RUSSIAN}')"
    folded = f"regexp_replace({folded}, '{_PUNCTUATION.replace(chr(39), chr(39) * 2)}', ' ', 'g')"
    folded = f"regexp_replace({folded}, '[ \\t\\x{{00a0}}]+', ' ', 'g')"
    return f"trim(regexp_replace(' ' || {folded} || ' ', '{_GENERIC}', ' ', 'g'))"


def spellings(value: DisaggregationValue) -> set[str]:
    """Every spelling the importer accepts for ``value``: its code, its labels, its aliases."""
    written = [value.code, *value.aliases]
    if value.label is not None:
        written += [text for text in (value.label.kk, value.label.en, value.label.ru) if text]
    return {spelling(text) for text in written} - {""}


def accepted(declared: DisaggregationValues, dimension: str, lang: str) -> str:
    """The values of ``dimension`` as a rejection lists them to a reader of ``lang``."""
    return ", ".join(value.shown(lang) for value in getattr(declared, dimension))
