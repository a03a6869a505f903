"""How numbers, shares, dates, statuses and level names read in each language: every text a user
sees of a value is made here, at render time, so the pages, the report files and the exports'
text columns write the same value the same way. Models and frames hold numbers, dates and codes.
"""

from __future__ import annotations

import datetime as dt
import math

from babel.numbers import format_decimal, format_percent

from .i18n import LOCALE_OF, t
from .models import MoneyUnit
from .periods import ReportingPeriod
from .progress import ICONS, round_ratio

DASH = "–"  # an empty value: shown, never blank, never "None"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, lang: str = "en", digits: int = 2) -> str:
    """A number as the language writes it (CLDR, through Babel): ``1,250.5`` in English, ``1 250,5``
    in Kazakh and Russian (the group separator a no-break space); at most ``digits`` decimals."""
    if _missing(value):
        return DASH
    text = format_decimal(value, format="#,##0." + "#" * digits, locale=LOCALE_OF[lang])
    return "0" if text in ("-0", "−0") else text


def percent(share: float | None, lang: str = "en") -> str:
    """A share as whole percent in the language's style (``87%``, ``87 %``), rounded as the status bands
    round it, so 84.5 % reads 85 %."""
    if _missing(share):
        return DASH
    return format_percent(float(round_ratio(share)), locale=LOCALE_OF[lang])


def date(day: dt.date | None) -> str:
    """ISO dates (2014-12-31): unambiguous in all three languages."""
    if day is None or (not isinstance(day, dt.date) and _missing(day)):
        return DASH
    return (day.date() if isinstance(day, dt.datetime) else day).isoformat()


def period(p: ReportingPeriod) -> str:
    """A reporting period is always shown with its dates: ``2014-H2 (2014-07-01 – 2014-12-31)``."""
    return str(p)


def status_label(status: str, lang: str, icon: bool = True) -> str:
    """The status in words, with its icon in front when ``icon``: colour is never the only signal."""
    words = t(f"status.{status}", lang)
    return f"{ICONS[status]} {words}" if icon and status in ICONS else words


def level_label(kind: str, code: str, lang: str) -> str:
    """"Overall objective", "Result R2", "Sub-result R2.1", "Purpose P1", or the programme's code."""
    if kind == "goal":
        return t("level.goal", lang)
    if kind == "programme":
        return code.upper()
    return f"{t(f'level.{kind}', lang)} {code}"


def measured_value(value: float | None, kind: str, lang: str, unit: str | None = None) -> str:
    """A measured or planned value as a reader expects it: done / not done for a milestone, the
    number with its unit for a quantity."""
    if _missing(value):
        return DASH
    if kind == "milestone":
        return t("value.done" if value >= 1 else "value.not_done", lang)
    return f"{number(value, lang)} {unit}" if unit else number(value, lang)


MONEY_UNITS = {"EUR thousand": "report.budget_unit", "EUR": "money.eur", "KZT thousand": "money.kzt_thousand"}


def money_unit(unit: str | MoneyUnit, lang: str) -> str:
    """A budget's money unit (``models.MoneyUnit``: "EUR thousand", "EUR", "KZT thousand") in the
    reader's language, so no amount is shown without its currency."""
    unit = getattr(unit, "value", unit)  # a MoneyUnit hashes by its name, so look up its value
    return t(MONEY_UNITS[unit], lang) if unit in MONEY_UNITS else unit


def programme_notice(kind: str, financing: str | None, related_to: str | None, lang: str) -> str | None:
    """What every page, the report and the export say of a programme that is not an EU programme:
    who finances it, that it is not part of the EU budget, and the programme it is linked to.
    ``financing`` is the logframe's own text in ``lang``; None for an EU programme."""
    if kind == "eu_programme" or financing is None:
        return None
    notice = t(f"programme.notice.{kind}", lang, who=financing)
    return notice + (" " + t("programme.notice.related", lang, programme=related_to.upper()) if related_to else "")


def assessed_summary(counts: dict[str, int], lang: str) -> str:
    """The sentence every aggregate leads with: "18 of 50 indicators assessed; of the others:
    24 without a usable target, 7 not yet due, 1 without data" (``counts`` holds ``n_indicators``,
    ``n_assessed`` and ``n_<status>``)."""
    head = t("headline.assessed", lang, n=counts["n_assessed"], m=counts["n_indicators"])
    others = [t(f"headline.{status}", lang, n=counts[f"n_{status}"])
              for status in ("not_reporting", "not_due", "no_data") if counts.get(f"n_{status}", 0)]
    return head + (t("headline.others", lang, others=", ".join(others)) if others else "")


def waiting_text(batches: int, values: int, lang: str) -> str:
    """``3 batches, 1,240 values waiting for review (not counted yet).``: the Overview's and the report's words."""
    return t("review.waiting", lang,
             batches=t("review.n_batches", lang, count=int(batches), n=number(batches, lang, 0)),
             values=t("review.n_values", lang, count=int(values), n=number(values, lang, 0)))


def batch_label(batch: int, file_name: str, user: str, uploaded_at: dt.datetime, rows: int, lang: str) -> str:
    """An upload batch named as people recognise it: number, file, who, when, how many rows."""
    return t("review.batch_label", lang, batch=batch, file=file_name, user=user, date=f"{uploaded_at:%Y-%m-%d %H:%M}",
             rows=t("review.n_rows", lang, count=int(rows), n=number(rows, lang, 0)))
