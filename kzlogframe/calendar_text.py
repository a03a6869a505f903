"""The programme calendar in the words of one language (what each entry is, and whether the financing
decision gives its timing), shared by the Sequencing page and the report so both say the same thing."""

from __future__ import annotations

from .i18n import t
from .schedule import Violation


def event_name(key: str, lang: str, *, contract: str | None = None, mission: str | None = None) -> str:
    """``contract``: the title of the contract a signature concerns; ``mission``: the kind of the
    external mission a notice announces (none: the notice provision itself)."""
    if key == "contract_signature":
        return t("event.contract_signature", lang, label=contract or "")
    if key == "mission_notice":
        if mission is None:  # the provision itself, not one notice
            return t("calendar.notice_rule", lang)
        return t("event.mission_notice", lang, mission=t(f"event.{mission}", lang))
    return t(f"event.{key}", lang)


def timing(assumed: bool, possible: bool, lang: str) -> str:
    """"stated in the decision" or "assumed", and "possible, may not take place" when so."""
    words = [t("calendar.assumed" if assumed else "calendar.given", lang)]
    if possible:
        words.append(t("calendar.possible", lang))
    return "; ".join(words)


def violation_detail(violation: Violation, lang: str) -> str:
    """What shows that an activity departs from the plan ("started 2012-04-23, planned 2011-12-23")."""
    return t(f"violation.detail.{violation.case}", lang, **dict(violation.values))
