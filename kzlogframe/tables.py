"""Stored rows as a reader sees them: every header and every coded value in the reader's language.

Library functions return frames keyed by field names and holding codes (``period_label``,
``committed``, ``Mangystau``): tests, the command line and the export's column-names-as-codes option
rely on them. A page passes each frame through :func:`readable` (or :func:`audit_rows`) just before
showing it, so no field name or English code reaches a reader. Headers are the catalog's
``field.<name>``; a coded column's cells are the catalog's ``<prefix>.<code>``; sex, oblast and
ministry cells are the logframe's own labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pandas as pd

from .i18n import messages, t
from .models import DisaggregationValues

DIMENSIONS = ("sex", "oblast", "ministry")
Declared = DisaggregationValues | Mapping[str, DisaggregationValues]
_BATCH = re.compile(r"batch (-?\d+)")


def words(code: object, prefix: str, lang: str) -> object:
    """``<prefix>.<code>`` in ``lang`` when the catalog has it; anything else (a blank, a code it does
    not know, a number) as it is."""
    key = f"{prefix}.{code}"
    return t(key, lang) if isinstance(code, str) and key in messages("en") else code


def _dimension_labels(frame: pd.DataFrame, dim: str, declared: Declared, lang: str) -> pd.Series:
    if isinstance(declared, DisaggregationValues):
        return frame[dim].map(lambda code: declared.label(dim, code, lang) if isinstance(code, str) and code else code)
    return pd.Series([declared[p].label(dim, code, lang) if isinstance(code, str) and code and p in declared else code
                      for p, code in zip(frame["programme"], frame[dim])], index=frame.index, dtype=object)


def readable(frame: pd.DataFrame, lang: str, *, codes: Mapping[str, str] | None = None,
             declared: Declared | None = None, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with headers ``field.<column>`` (or ``field.<names[column]>``) in ``lang``, each column
    of ``codes`` worded through its prefix (``{"status": "batch"}``), and sex, oblast and ministry
    by the labels of ``declared``: one programme's values, or a mapping by programme code for a frame
    with a ``programme`` column (an upload may hold several programmes)."""
    shown = frame.copy()
    for column, prefix in (codes or {}).items():
        if column in shown:
            shown[column] = shown[column].map(lambda code: words(code, prefix, lang))
    for dim in DIMENSIONS:
        if declared is not None and dim in shown:
            shown[dim] = _dimension_labels(shown, dim, declared, lang)
    renamed = {column: (names or {}).get(column, column) for column in shown.columns}
    return shown.rename(columns={column: t(f"field.{name}", lang) for column, name in renamed.items()})


def _detail(text: object, lang: str) -> object:
    """An audit entry's detail (JSON, as stored) as ``key: value; …`` in ``lang``."""
    if not isinstance(text, str) or not text:
        return text
    try:
        detail = json.loads(text)
    except ValueError:
        return text
    if not isinstance(detail, dict):
        return text
    parts = []
    for key, value in detail.items():
        if isinstance(value, bool):
            value = t("value.yes" if value else "value.no", lang)
        elif key == "status":
            value = words(value, "status", lang)
        elif key == "role":
            value = words(value, "role", lang)
        elif key == "review":
            value = words(value, "review.state", lang)
        parts.append(f"{words(key, 'audit.detail', lang)}: {'–' if value in (None, 'None') else value}")
    return "; ".join(parts)


def audit_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Audit entries as a reader sees them: action and detail in words, ``batch 4`` as the language says it."""
    shown = frame.assign(
        target=frame["target"].map(lambda x: _BATCH.sub(lambda m: t("audit.batch", lang, batch=m.group(1)), x)
                                   if isinstance(x, str) else x),
        detail=frame["detail"].map(lambda x: _detail(x, lang)))
    return readable(shown, lang, codes={"action": "audit.action"}, names={"target": "object"})
