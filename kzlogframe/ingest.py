"""CSV import of indicator measurements: parse as people really write CSV, check every row
against the logframe before anything is written, then commit all accepted rows in one transaction.
An Excel workbook's sheet is read as the same CSV (:mod:`xlsx_input`); blank lines, ``#`` comment
lines and template rows left unfilled are skipped, never rejected.

The import runs in three steps, so the store is held only for the last, short one:

1. **The file, in Python** (:func:`file_encoding.prepare`): its size, its header (at most
   :data:`MAX_HEADER_BYTES`), its encoding from the bytes (UTF-8, or Windows-1251 transcoded to a
   temporary UTF-8 copy; a file mixing both is refused, naming lines in each), its sha256 and its
   line count. DuckDB never reads a file in the wrong encoding.
2. **The rows, in a private in-memory DuckDB** (:func:`_stage`): every record parsed by DuckDB's CSV
   reader, each distinct key (programme and indicator, period, disaggregation) checked once, each
   value checked per row, duplicates found with hash joins and physical line numbers given by
   ASOF joins, never a correlated subquery: the cost is linear in rows whatever the file holds.
3. **The store, for one short window** (:func:`_commit`): the duplicate-file check, the outlier
   check against the history of only the indicators in the file, and the batch, its rows and its
   audit entry in one transaction.

File-level problems (encoding, header) stop the import before any row is read. Speed is measured
in ``bench/`` (``bench/README.md``), never asserted in tests.
"""

from __future__ import annotations

import bisect
import codecs
import datetime as dt
import mmap
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from babel.numbers import get_decimal_symbol

from . import review
from .access import User, allowed, allowed_somewhere, authorize_all, authorize_somewhere
from .dimensions import accepted, spelling_sql, spellings
from .file_encoding import FileFacts, UploadError, lost_letter_warnings, prepare
from .i18n import LOCALE_OF, t
from .models import IndicatorType, Logframe
from .periods import (
    PERIOD_EXAMPLES, REPORTING_COLUMNS, period_end_sql, period_form_sql, period_label_sql,
    period_start_sql, reporting_join_sql, reporting_rows)
from .store import IMPORT_WAIT_SECONDS, audit, connect, next_id, transaction, writing
from .xlsx_input import WorkbookError, kind_of, sheet_to_csv

REQUIRED = ("programme", "indicator", "period", "value")
OPTIONAL = ("sex", "oblast", "ministry", "source", "comment", "numerator", "denominator", "evidence_url")
COLUMNS = REQUIRED + OPTIONAL
# Columns read and ignored: the reason a file of rejected rows adds (kzlogframe.rejects), and the
# indicator's name and unit a template shows (kzlogframe.upload_templates), so either file goes back as it is.
IGNORED_COLUMNS = ("error", "indicator_name", "unit")

HEADER_ALIASES: dict[str, str] = {
    alias: canonical
    for canonical, aliases in {
        "programme": ["programme", "program", "бағдарлама", "программа"],
        "indicator": ["indicator", "көрсеткіш", "индикатор", "показатель", "код"],
        "period": ["period", "кезең", "период", "date", "күні", "дата"],
        "value": ["value", "мән", "мәні", "значение", "факт"],
        "sex": ["sex", "gender", "жынысы", "жыныс", "пол"],
        "oblast": ["oblast", "region", "облыс", "область", "өңір", "регион"],
        "ministry": ["ministry", "министрлік", "министерство", "ведомство"],
        "source": ["source", "дереккөз", "көзі", "источник"],
        "comment": ["comment", "түсініктеме", "ескерту", "комментарий", "примечание"],
        "numerator": ["numerator", "алымы", "числитель"],
        "denominator": ["denominator", "бөлімі", "знаменатель"],
        "evidence_url": ["evidence_url", "evidence", "дәлел", "ссылка"],
        "error": ["error", "қате", "ошибка"],
        "indicator_name": ["indicator_name", "indicator name", "name", "көрсеткіш атауы", "атауы",
                           "наименование показателя", "наименование"],
        "unit": ["unit", "өлшем бірлігі", "бірлік", "единица измерения", "единица"],
    }.items()
    for alias in aliases
}

DIMENSIONS = ("sex", "oblast", "ministry")
MILESTONE_DONE = ("done", "1", "yes", "true", "иә", "ия", "да", "орындалды", "выполнено", "x", "✓")
MILESTONE_NOT_DONE = ("0", "no", "false", "not done", "жоқ", "нет", "орындалмады", "не выполнено")

# What a hostile or broken file may cost. The longest header of real names is ~200 bytes; a record
# longer than MAX_LINE_BYTES is malformed (usually a quote left open); a longer cell is refused.
MAX_HEADER_BYTES = 4096
MAX_LINE_BYTES = 1 << 20
MAX_CELL_CHARS = 10_000
SHOWN_CHARS = 60  # how much of a cell a message repeats: the rest is counted, "…[+N chars]"
SHOWN_PROBLEMS = 10  # header problems listed before "and N more problems"
SHOWN_WARNINGS = 1000  # warnings of each kind kept in the report and stored with the batch


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    status: str  # "dry_run" | "committed" | "duplicate" | "nothing_to_commit" | "refused_strict" | "refused_scope"
    rows_total: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    batch_id: int | None = None
    duplicate_of: int | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    lang: str = "en"
    sheet: str | None = None  # the sheet read, for a workbook (.xlsx)
    review: str | None = None  # the committed batch's review state, so callers need not reopen the store
    out_of_scope: tuple[str, ...] = ()  # programmes with rows the actor may not upload to ("refused_scope")

    @property
    def accepted_total(self) -> int:
        """Rows accepted in the whole file: ``accepted`` itself is a preview of at most 1000 of them."""
        return self.accepted.attrs.get("total", len(self.accepted))

    @property
    def warnings_total(self) -> int:
        """Warnings in the whole file: ``warnings`` keeps at most :data:`SHOWN_WARNINGS` of each kind."""
        return self.warnings.attrs.get("total", len(self.warnings))

    @property
    def message(self) -> str:
        """What happened, in the language the import was asked in."""
        key = {"duplicate": "ingest.status.duplicate", "committed": "ingest.status.committed",
               "nothing_to_commit": "ingest.status.nothing", "refused_strict": "ingest.status.strict_refused",
               "refused_scope": "access20.status.scope_refused"}
        return t(key.get(self.status, "ingest.status.dry_run"), self.lang, file=self.file_name,
                 programmes=", ".join(code.upper() for code in self.out_of_scope),
                 batch=self.batch_id if self.status == "committed" else self.duplicate_of,
                 accepted=self.accepted_total, rejected=len(self.rejected), warnings=self.warnings_total)


# ---------------------------------------------------------------- file level


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` as a message repeats it: at most ``limit`` characters, then how many were left out."""
    return text if len(text) <= limit else f"{text[:limit]}…[+{len(text) - limit} chars]"


def _shown_sql(x: str) -> str:
    """SQL twin of :func:`shown`."""
    return (f"(CASE WHEN length({x}) > {SHOWN_CHARS} THEN left({x}, {SHOWN_CHARS}) || '…[+' "
            f"|| (length({x}) - {SHOWN_CHARS}) || ' chars]' ELSE {x} END)")


def column_names(columns: tuple[str, ...] | list[str], lang: str) -> str:
    """CSV column names as a message lists them: each in ``lang``, a header name the importer accepts."""
    return ", ".join(t(f"ingest.column.{column}", lang) for column in columns)


def header_line(path: Path, file_name: str, encoding: str | None = None, lang: str = "en") -> tuple[str, str]:
    """The first line (at most :data:`MAX_HEADER_BYTES`) and the encoding it is decoded in:
    ``encoding`` when given (the file's), else UTF-8 (BOM or not) when it decodes so, else cp1251."""
    with open(path, "rb") as handle:
        first = handle.readline(MAX_HEADER_BYTES + 1)
    if len(first) > MAX_HEADER_BYTES and not first.endswith(b"\n"):
        raise UploadError(f"{file_name}:1: " + t("ingest.error.header_too_long", lang, limit=f"{MAX_HEADER_BYTES:,}",
                                                  columns=column_names(COLUMNS, lang)))
    first = first.removeprefix(codecs.BOM_UTF8).rstrip(b"\r\n")
    for candidate in ([encoding] if encoding else ["utf-8", "cp1251"]):
        try:
            return first.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise UploadError(f"{file_name}:1: " + t("ingest.error.not_text", lang))


def detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def canonical_header(header: str, delimiter: str, file_name: str, lang: str = "en") -> list[str]:
    names = [h.strip().strip('"').strip().lower() for h in header.split(delimiter)]
    if not any(names):
        raise UploadError(f"{file_name}:1: " + t("ingest.error.no_header", lang))
    canonical: list[str] = []
    problems: list[str] = []
    for position, name in enumerate(names, start=1):
        column = HEADER_ALIASES.get(name)
        if column is None:
            problems.append(t("ingest.error.unknown_column", lang, name=shown(name), position=position))
        elif column in canonical:
            problems.append(t("ingest.error.repeated_column", lang, name=name,
                              column=t(f"ingest.column.{column}", lang), position=position))
        else:
            canonical.append(column)
    missing = [c for c in REQUIRED if c not in canonical]
    if missing:
        problems.append(t("ingest.error.missing_columns", lang, columns=column_names(missing, lang)))
    if problems:
        listed = problems if len(problems) <= SHOWN_PROBLEMS + 1 else (
            problems[:SHOWN_PROBLEMS] + [t("ingest.error.more_problems", lang,
                                           count=f"{len(problems) - SHOWN_PROBLEMS:,}")])
        raise UploadError(f"{file_name}:1: " + t("ingest.error.header", lang, problems="; ".join(listed),
                                                  columns=column_names(COLUMNS, lang)))
    return canonical


# ---------------------------------------------------------------- physical lines
#
# DuckDB numbers records, not lines. When every line after the header is one record (no quoted
# cell holds a line break, no blank line), record k is line k + 1. Otherwise the records are found
# again here with DuckDB's own rule (a quote opens a quoted cell only at the start of a cell; "" is
# a quote inside it), so every record is reported at the line where it starts.


def _record_starts(path: Path, delimiter: str) -> tuple[list[int], list[int]]:
    """Byte offset and physical line of every non-blank record after the header."""
    d = re.escape(delimiter.encode())
    cell = rb'(?:"(?:[^"]++|"")*+(?:"|\Z)[^' + d + rb'\n]*+|[^' + d + rb'\n]*+)'
    record = re.compile(cell + rb"(?:" + d + cell + rb")*+(?:\n|\Z)")
    offsets: list[int] = []
    lines: list[int] = []
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        pos, line = data.find(b"\n") + 1, 2
        if pos == 0:
            return offsets, lines
        size = len(data)
        while pos < size:
            found = record.match(data, pos)
            end = found.end()
            if end == pos:
                break
            text = found.group()
            if text not in (b"\n", b"\r\n", b"\r"):
                offsets.append(pos)
                lines.append(line)
            line += text.count(b"\n")
            pos = end
    return offsets, lines


# ---------------------------------------------------------------- logframe tables


def _is_percentage(unit) -> bool:
    """As ``progress.is_percentage``: a unit with % in any language."""
    return unit is not None and any("%" in (text or "") for text in (unit.kk, unit.en, unit.ru))


def _indicator_frame(catalog: Mapping[str, Logframe]) -> pd.DataFrame:
    rows = []
    for code, lf in catalog.items():
        window_start, window_end = lf.programme.implementation.fa_signature, lf.end_date
        for _, ind in lf.indicators():
            dims = {d.value for d in ind.disaggregation}
            range_kind, low, high = None, None, None
            if ind.valid_range is not None:
                range_kind, low, high = "declared", ind.valid_range.min, ind.valid_range.max
            elif ind.type is IndicatorType.quantitative and _is_percentage(ind.unit):
                range_kind, low, high = "percentage", 0.0, 100.0
            elif ind.type is IndicatorType.quantitative and ind.unit is not None:
                range_kind, low, high = "count", 0.0, None
            rows.append({
                "ind_id": len(rows), "programme": code, "indicator": ind.code, "indicator_key": ind.code.upper(),
                "kind": ind.type.value, "scale_max": len(ind.scale), "by_sex": "sex" in dims,
                "by_oblast": "oblast" in dims, "by_ministry": "ministry" in dims,
                "window_start": window_start, "window_end": window_end,
                "range_kind": range_kind, "value_min": low, "value_max": high,
            })
    frame = pd.DataFrame(rows, columns=["ind_id", "programme", "indicator", "indicator_key", "kind", "scale_max",
                                        "by_sex", "by_oblast", "by_ministry", "window_start", "window_end",
                                        "range_kind", "value_min", "value_max"])
    return frame.astype({"value_min": "float64", "value_max": "float64", "range_kind": "object"})


def _allowed_values(catalog: Mapping[str, Logframe]) -> pd.DataFrame:
    """Every spelling (:func:`dimensions.spelling`) of every declared value, with the code it stands for."""
    rows = [(code, dim, value.code, written)
            for code, lf in catalog.items()
            for dim in DIMENSIONS
            for value in getattr(lf.programme.disaggregation_values, dim)
            for written in sorted(spellings(value))]
    frame = pd.DataFrame(rows, columns=["programme", "dimension", "value", "alias"])
    return frame.drop_duplicates(["programme", "dimension", "alias"], ignore_index=True)


def _listed_values(catalog: Mapping[str, Logframe], lang: str) -> pd.DataFrame:
    """Per programme, each dimension's values as a rejection lists them to the reader."""
    return pd.DataFrame([(code, *(accepted(lf.programme.disaggregation_values, dim, lang) for dim in DIMENSIONS))
                         for code, lf in catalog.items()],
                        columns=["programme", *(f"{dim}_listed" for dim in DIMENSIONS)])


# ---------------------------------------------------------------- validation
#
# Programme, indicator, period and disaggregation take few distinct values even in a million rows,
# so each distinct value is normalised and checked once, in a small key table, and every record is
# joined to its keys (hash joins); only the value columns are checked record by record.


def _trimmed(x: str) -> str:
    return f"nullif(trim({x}), '')"


def _number_sql(x: str) -> str:
    """A number as people type it: plain or with a decimal comma first (cheap), and only for what
    is left, spaces as thousands separators and a trailing %."""
    spaces = "[\\s\\x{00a0}\\x{202f}]"
    return (f"coalesce(try_cast(replace({x}, ',', '.') AS DOUBLE), "
            f"try_cast(replace(regexp_replace(regexp_replace({x}, '{spaces}', '', 'g'), '%$', ''), ',', '.') "
            "AS DOUBLE))")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _message_sql(key: str, lang: str, **values: str) -> str:
    """A catalog message (``locales/ingest.*.yaml``) as a SQL string expression: ``values`` are SQL
    expressions put in place of the message's ``{fields}``."""
    parts = re.split(r"\{(\w+)\}", _raw_message(key, lang))
    pieces = [_literal(p) if i % 2 == 0 else f"CAST(({values[p]}) AS VARCHAR)" for i, p in enumerate(parts)]
    return "(" + " || ".join(p for p in pieces if p != "''") + ")"


def _decimal_sql(x: str, lang: str) -> str:
    """The number ``x`` as text with the decimal sign of ``lang`` (1.5 in English, 1,5 in Kazakh and Russian)."""
    return f"replace(CAST({x} AS VARCHAR), '.', {_literal(get_decimal_symbol(LOCALE_OF[lang]))})"


def _raw_message(key: str, lang: str) -> str:
    from .i18n import messages

    text = messages(lang).get(key) or messages("en")[key]
    assert isinstance(text, str), key
    return text


def _key_indicator_sql(lang: str, first: str) -> str:
    """The ``key_indicator`` table: what each distinct programme and indicator of the file names, or
    why nothing; and whether it is a comment line's (the file's ``first`` column starts with #)."""
    first_key = "indicator_key_text" if first == "indicator" else "programme_key"
    unknown_programme = _message_sql("ingest.reason.unknown_programme", lang, programme=_shown_sql("n.programme_raw"))
    unknown_indicator = _message_sql("ingest.reason.unknown_indicator", lang, indicator=_shown_sql("n.indicator_raw"),
                                     programme="p.programme")
    return f"""
    CREATE TEMP TABLE key_indicator AS
    WITH k AS (
        SELECT DISTINCT programme AS programme_key, indicator AS indicator_key_text FROM records
    ), n AS (
        SELECT k.*, {_trimmed('programme_key')} AS programme_raw, {_trimmed('indicator_key_text')} AS indicator_raw FROM k
    )
    SELECT row_number() OVER () AS ki, n.programme_key, n.indicator_key_text, n.programme_raw, n.indicator_raw,
           lower(n.programme_raw) AS programme, i.ind_id, i.indicator, i.kind, i.scale_max, i.by_sex, i.by_oblast,
           i.by_ministry, i.window_start, i.window_end, i.range_kind, i.value_min, i.value_max,
           coalesce(starts_with(ltrim(n.{first_key}), '#'), false) AS comment_line,
           nullif(concat_ws('; ',
               CASE WHEN n.programme_raw IS NULL THEN {_message_sql("ingest.reason.programme_empty", lang)}
                    WHEN p.programme IS NULL THEN {unknown_programme} END,
               CASE WHEN p.programme IS NOT NULL AND n.indicator_raw IS NULL
                    THEN {_message_sql("ingest.reason.indicator_empty", lang)}
                    WHEN p.programme IS NOT NULL AND i.kind IS NULL THEN {unknown_indicator} END
           ), '') AS reason
    FROM n
    LEFT JOIN (SELECT DISTINCT programme FROM ind) p ON p.programme = lower(n.programme_raw)
    LEFT JOIN ind i ON i.programme = p.programme AND i.indicator_key = upper(n.indicator_raw)"""

_KEY_PERIOD = f"""
    CREATE TEMP TABLE key_period AS
    WITH k AS (
        SELECT DISTINCT period AS period_key FROM records
    ), n AS (
        SELECT period_key, upper({_trimmed('period_key')}) AS period_text FROM k
    ), f AS (
        SELECT n.*, {period_form_sql('n.period_text')} AS period_form FROM n
    ), p AS (
        SELECT f.*, {period_start_sql('f.period_text', 'f.period_form')} AS period_start FROM f
    )
    SELECT row_number() OVER () AS kp, period_key, period_text, period_start,
           {period_end_sql('period_form', 'period_start')} AS period_end,
           {period_label_sql('period_text', 'period_form', 'period_start')} AS period_label
    FROM p"""

# A period that runs over two reporting periods of its programme (periods.reporting_period_of, in SQL):
# one row per programme and straddling period key, with the reporting periods it spans.
_KEY_STRADDLE = f"""
    CREATE TEMP TABLE key_straddle AS
    WITH pk AS (
        SELECT p.programme, kp.kp, kp.period_start, kp.period_end
        FROM (SELECT DISTINCT programme FROM rp) p CROSS JOIN key_period kp WHERE kp.period_start IS NOT NULL
    ), held AS (
        SELECT pk.*, rp.reporting_period, rp.rp_index, rp.rp_start, rp.rp_end FROM {reporting_join_sql('pk', 'rp')}
    )
    SELECT held.programme, held.kp,
           rp.reporting_period || ' (' || strftime(rp.rp_start, '%Y-%m-%d') || ' – ' || strftime(rp.rp_end, '%Y-%m-%d')
           || ') … ' || held.reporting_period || ' (' || strftime(held.rp_start, '%Y-%m-%d') || ' – '
           || strftime(held.rp_end, '%Y-%m-%d') || ')' AS spans
    FROM {reporting_join_sql('held', 'rp', 'period_start')}
    WHERE rp.rp_index <> held.rp_index"""

_KEY_DIMENSIONS = f"""
    CREATE TEMP TABLE key_dims AS
    WITH k AS (
        SELECT DISTINCT programme AS programme_key, sex AS sex_key, oblast AS oblast_key, ministry AS ministry_key
        FROM records
    ), n AS (
        SELECT k.*, lower({_trimmed('programme_key')}) AS programme, {_trimmed('sex_key')} AS sex_raw,
               {_trimmed('oblast_key')} AS oblast_raw, {_trimmed('ministry_key')} AS ministry_raw
        FROM k
    )
    SELECT row_number() OVER () AS kd, n.*, sx.value AS sex, ob.value AS oblast, mi.value AS ministry,
           dense_rank() OVER (ORDER BY coalesce(sx.value, ''), coalesce(ob.value, ''), coalesce(mi.value, ''))
               AS dims_id
    FROM n
    LEFT JOIN allowed sx ON sx.programme = n.programme AND sx.dimension = 'sex'
                        AND sx.alias = {spelling_sql('n.sex_raw')}
    LEFT JOIN allowed ob ON ob.programme = n.programme AND ob.dimension = 'oblast'
                        AND ob.alias = {spelling_sql('n.oblast_raw')}
    LEFT JOIN allowed mi ON mi.programme = n.programme AND mi.dimension = 'ministry'
                        AND mi.alias = {spelling_sql('n.ministry_raw')}"""


# The key-table columns a row check reads, under the names the checks use.
_KEYED = """ki.ind_id, ki.kind, ki.scale_max, ki.programme, ki.by_sex, ki.by_oblast, ki.by_ministry, ki.window_start,
            ki.window_end, ki.range_kind, ki.value_min, ki.value_max, ki.reason AS key_reason, ki.indicator,
            kp.period_text, kp.period_start, kp.period_end, kp.period_label, ks.spans,
            kd.dims_id, kd.sex_raw, kd.sex, kd.oblast_raw, kd.oblast, kd.ministry_raw, kd.ministry"""


def _dimension_checks(dim: str, lang: str) -> tuple[tuple[str, str], ...]:
    """A value for a dimension the indicator is not broken down by; a value the programme does not
    declare, answered with the values it does (``<dim>_listed``, in the reader's language)."""
    name = _literal(t(f"dimension.{dim}", lang))
    return ((f"{dim}_raw IS NOT NULL AND kind IS NOT NULL AND NOT by_{dim}",
             _message_sql("ingest.reason.not_disaggregated", lang, dimension=name)),
            (f"{dim}_raw IS NOT NULL AND kind IS NOT NULL AND {dim} IS NULL",
             _message_sql("ingest.reason.unknown_value", lang, dimension=name, value=_shown_sql(dim + "_raw"),
                          programme="programme", accepted=f"{dim}_listed")))


def _column(name: str, lang: str) -> str:
    """A CSV column as a message names it in ``lang``: a header name the importer accepts, as a SQL literal."""
    return _literal(t(f"ingest.column.{name}", lang))


def _column_sql(x: str, lang: str) -> str:
    """:func:`_column` of the column the SQL expression ``x`` names."""
    return f"CASE {x} " + " ".join(f"WHEN '{c}' THEN {_column(c, lang)}" for c in COLUMNS) + " END"


def _not_finite(column: str, lang: str) -> tuple[str, str]:
    return (f"{column} IS NOT NULL AND NOT isfinite({column})",
            _message_sql("ingest.reason.not_finite", lang, column=_column(column, lang),
                         text=_shown_sql(_trimmed(column + "_field"))))


def _period_forms(lang: str) -> str:
    return t("ingest.period_forms", lang, forms=", ".join(PERIOD_EXAMPLES[:-1]), last=PERIOD_EXAMPLES[-1])


@cache
def _row_checks(lang: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Every reason a row is rejected, as groups of (condition, message) over the columns of a keyed
    row: a row's reason names the first true condition of each group. The row is accepted when none holds."""
    value = _shown_sql("value_raw")
    return (
        (("long_column IS NOT NULL", _message_sql("ingest.reason.cell_too_long", lang,
                                                  column=_column_sql("long_column", lang),
                                                  length="format('{:,}', long_length)",
                                                  limit=_literal(f"{MAX_CELL_CHARS:,}"))),),
        (("key_reason IS NOT NULL", "key_reason"),),
        (("period_text IS NULL", _message_sql("ingest.reason.period_empty", lang)),
         ("period_start IS NULL", _message_sql("ingest.reason.period_form", lang, text=_shown_sql("period_text"),
                                               forms=_literal(_period_forms(lang)))),
         ("kind IS NOT NULL AND (period_end < window_start OR period_start > window_end)",
          _message_sql("ingest.reason.period_outside", lang, period="period_label",
                       start="strftime(window_start, '%Y-%m-%d')", end="strftime(window_end, '%Y-%m-%d')")),
         ("kind IS NOT NULL AND spans IS NOT NULL",
          _message_sql("ingest.reason.period_spans", lang, period="period_label", spans="spans")),
         ("kind IS NOT NULL AND period_start > today",
          _message_sql("ingest.reason.not_started", lang, period="period_label",
                       start="strftime(period_start, '%Y-%m-%d')"))),
        (("kind IS NOT NULL AND value_raw IS NULL", _message_sql("ingest.reason.value_empty", lang)),
         ("kind = 'milestone' AND value IS NULL", _message_sql("ingest.reason.not_milestone", lang, value=value)),
         ("kind = 'rating' AND value IS NULL",
          _message_sql("ingest.reason.not_rating", lang, value=value, top="scale_max")),
         ("kind IS NOT NULL AND value IS NULL", _message_sql("ingest.reason.not_number", lang, value=value)),
         ("range_kind = 'percentage' AND value > value_max",
          _message_sql("ingest.reason.above_percentage", lang, value=value)),
         ("range_kind = 'percentage' AND value < value_min",
          _message_sql("ingest.reason.below_percentage", lang, value=value)),
         ("range_kind = 'count' AND value < value_min", _message_sql("ingest.reason.below_count", lang, value=value)),
         ("range_kind = 'declared' AND value > value_max",
          _message_sql("ingest.reason.above_declared", lang, value=value, limit="value_max::VARCHAR",
                       indicator="indicator")),
         ("range_kind = 'declared' AND value < value_min",
          _message_sql("ingest.reason.below_declared", lang, value=value, limit="value_min::VARCHAR",
                       indicator="indicator"))),
        *(_dimension_checks(dim, lang) for dim in DIMENSIONS),
        (_not_finite("numerator", lang),
         (f"numerator IS NULL AND {_trimmed('numerator_field')} IS NOT NULL",
          _message_sql("ingest.reason.field_not_number", lang, column=_column("numerator", lang)))),
        (_not_finite("denominator", lang),
         (f"(denominator IS NULL OR denominator = 0) AND {_trimmed('denominator_field')} IS NOT NULL",
          _message_sql("ingest.reason.field_zero", lang, column=_column("denominator", lang)))),
    )


@cache
def _row_ok_sql(lang: str = "en") -> str:
    return "NOT coalesce(" + " OR ".join(f"({c})" for group in _row_checks(lang) for c, _ in group) + ", false)"


@cache
def _row_reason_sql(lang: str) -> str:
    return "concat_ws('; ', " + ", ".join(
        "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in group) + " END" for group in _row_checks(lang)) + ")"


_MILESTONE_WORDS = "MAP {" + ", ".join(
    [f"'{w}': 1.0" for w in MILESTONE_DONE] + [f"'{w}': 0.0" for w in MILESTONE_NOT_DONE]) + "}"

_LONG_COLUMN = "CASE " + " ".join(
    f"WHEN strlen(r.{c}) > {MAX_CELL_CHARS} AND length(r.{c}) > {MAX_CELL_CHARS} THEN '{c}'" for c in COLUMNS) + " END"
_LONG_LENGTH = "CASE long_column " + " ".join(f"WHEN '{c}' THEN length(r.{c})" for c in COLUMNS) + " END"
# 1,234 reads as 1.234 (decimal comma); in a file that never writes a comma decimal that cannot be a
# thousands separator (2,5 or 0,0625), it might mean 1234.
_AMBIGUOUS_DECIMAL = "'^[+-]?[0-9]{1,3},[0-9]{3}$'"
_COMMA_DECIMAL = "'^[+-]?[0-9]*,[0-9]{1,2}$|^[+-]?[0-9]*,[0-9]{4,}$|[0-9][ \\x{00a0}\\x{202f}][0-9]{3},[0-9]'"


def _checked_sql(numbered: bool, lang: str) -> str:
    """One row per record: its line, key ids, parsed values and whether it passes every check. Why a
    row fails is worked out later, for the failing rows only (see ``rejected_lines``). A record's line
    is its position + 1 when every line is one record, else (``numbered``) the ``good_lines`` frame
    gives it, position by position: ``numbered`` is ``records`` with it (a positional join, no sort
    and no hash, materialised first because the rest of the query runs on every core only then).
    Skipped lines (:data:`_SKIPPED_LINE_SQL`) are left out: a comment line by its key, a row
    without period, value, numerator and denominator (blank, or a template row left unfilled) by
    the first of them, which is rarely empty, so the others are seldom looked at."""
    ordinal_sql = ("SELECT * FROM numbered" if numbered
                   else "SELECT r.*, r.rowid + 1 AS line_ord, r.rowid + 2 AS line FROM records r")
    return f"""
    CREATE TEMP TABLE checked AS
    WITH o AS (
        {ordinal_sql}
    ), j AS (
        SELECT r.line_ord, r.line, ki.ki, kp.kp, kd.kd, {_KEYED}, ki.comment_line, {_trimmed('r.value')} AS value_raw,
               {_number_sql('r.value')} AS value_number, {_number_sql('r.numerator')} AS numerator,
               {_number_sql('r.denominator')} AS denominator, r.numerator AS numerator_field,
               r.denominator AS denominator_field, r.source, r.comment, r.evidence_url,
               {_LONG_COLUMN} AS long_column, {_LONG_LENGTH} AS long_length, p.today
        FROM o r CROSS JOIN params p
        JOIN key_indicator ki ON ki.programme_key IS NOT DISTINCT FROM r.programme
                             AND ki.indicator_key_text IS NOT DISTINCT FROM r.indicator
        JOIN key_period kp ON kp.period_key IS NOT DISTINCT FROM r.period
        LEFT JOIN key_straddle ks ON ks.programme = ki.programme AND ks.kp = kp.kp
        JOIN key_dims kd ON kd.programme_key IS NOT DISTINCT FROM r.programme AND kd.sex_key IS NOT DISTINCT FROM r.sex
                        AND kd.oblast_key IS NOT DISTINCT FROM r.oblast
                        AND kd.ministry_key IS NOT DISTINCT FROM r.ministry
    ), v AS (
        SELECT j.*,
               CASE kind
                   -- a map, not two IN lists: DuckDB would hoist their shared lower() out of the CASE
                   WHEN 'milestone' THEN CAST({_MILESTONE_WORDS}[lower(value_raw)] AS DOUBLE)
                   WHEN 'rating' THEN CASE WHEN value_number BETWEEN 1 AND scale_max AND value_number = round(value_number)
                                           THEN value_number END
                   ELSE CASE WHEN isfinite(value_number) THEN value_number END
               END AS value
        FROM j
    )
    SELECT line_ord, line, ki, kp, kd, ind_id, period_start, period_end, dims_id, value, value_raw, numerator,
           denominator, numerator_field, denominator_field, source, comment, evidence_url, long_column, long_length,
           kind = 'quantitative' AND substr(value_raw, -4, 1) = ',' AND regexp_matches(value_raw, {_AMBIGUOUS_DECIMAL})
               AS ambiguous, {_row_ok_sql(lang)} AS ok
    FROM v
    WHERE NOT (comment_line OR (period_text IS NULL AND value_raw IS NULL AND {_trimmed('numerator_field')} IS NULL
                                AND {_trimmed('denominator_field')} IS NULL))"""


@dataclass
class _Parsed:
    rows_total: int
    encoding: str
    delimiter: str
    columns: int
    records: int  # what DuckDB parsed, skipped lines included: the ordinals of ``checked`` run up to it


# DuckDB's reader splits a file into buffers (8 MB by default, it seems); a large file reads into an
# ordered table much faster in 16 MB buffers (bench/ingest.py's 123 MB file: 0.37 s -> 0.23 s; 38 MB:
# 0.13 s -> 0.07 s), while a file smaller than two such buffers reads faster with the default.
_LARGE_FILE_BYTES = 32 << 20
_LARGE_FILE_BUFFER = 16 << 20


def _csv_scan_sql(columns: list[str], size: int) -> str:
    """DuckDB's reader over a file of ``size`` bytes (parameters: path, delimiter): every record as
    text, absent optional columns as NULL; records it cannot parse land in ``csv_rejects`` with their line."""
    column_types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    projection = ", ".join(c if c in columns else f"NULL::VARCHAR AS {c}" for c in COLUMNS)
    buffer = f", buffer_size = {_LARGE_FILE_BUFFER}" if size > _LARGE_FILE_BYTES else ""
    return f"""SELECT {projection} FROM read_csv($path, header = true, auto_detect = false, delim = $delimiter,
                quote = '"', escape = '"', columns = {column_types}, encoding = 'utf-8', store_rejects = true,
                ignore_errors = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans', parallel = true,
                max_line_size = {MAX_LINE_BYTES}{buffer})"""


# What makes two rows the same measurement: the indicator, the period and the disaggregation.
_KEY = ("ind_id", "period_start", "period_end", "dims_id")


def _read_records(con: duckdb.DuckDBPyConnection, facts: FileFacts, file_name: str, columns: list[str],
                  delimiter: str, lang: str) -> None:
    """The temporary ``records`` table: every record as text, in file order (so rowid numbers them)."""
    try:
        con.execute(f"CREATE TEMP TABLE records AS {_csv_scan_sql(columns, facts.readable.stat().st_size)}",
                    {"path": str(facts.readable), "delimiter": delimiter})
    except duckdb.InvalidInputException as exc:
        # DuckDB's strict reader gives up on a file whose records mix CRLF and LF line endings.
        raise UploadError(f"{file_name}:1: " + t("ingest.error.line_endings", lang)) from exc


# Lines an import skips rather than rejects: a comment (its first cell starts with #, as the
# template's notes do), and a row that holds no measurement — no period, value, numerator or
# denominator: the ``;;;;;`` Excel leaves at the end of a sheet, a template row left unfilled. Here
# for the records DuckDB could not parse (their text); :func:`_checked_sql` skips the parsed ones.
_SKIPPED_LINE_SQL = r"regexp_matches(csv_line, '^\s*#|^[\s,;\t\x{00a0}\"]*$')"


def _number_lines(con: duckdb.DuckDBPyConnection, facts: FileFacts, delimiter: str) -> tuple[pd.DataFrame | None, int]:
    """The ``bad`` table (one row per record DuckDB could not parse: its physical line and why), and
    the physical line of every good record, in order, when it is not simply its position + 1 (a
    malformed record before it, a quoted cell over several lines, a blank line): then returned as a
    one-column frame for a positional join. Also the number of bad records."""
    rejects = con.execute(f"""
        SELECT line, min(line_byte_position), min(byte_position),
               bool_or(error_message ILIKE '%unterminated quote%'), bool_or(error_type = 'LINE SIZE OVER MAXIMUM'),
               bool_and({_SKIPPED_LINE_SQL})
        FROM csv_rejects GROUP BY line ORDER BY line""").fetchall()
    good = con.execute("SELECT count(*) FROM records").fetchone()[0]
    simple = facts.lines == 1 + good + len(rejects)
    rows = []
    lines: list[int] | None = None
    if simple:  # every line after the header is one record: DuckDB's line numbers are physical lines
        for line, _, byte_pos, quote, long_, skip in rejects:
            unclosed = quote and _quote_left_open(facts.readable, byte_pos)
            rows.append((line - 1, line, unclosed, long_, skip))
    else:
        offsets, lines = _record_starts(facts.readable, delimiter)
        for dline, line_pos, byte_pos, quote, long_, skip in rejects:
            # DuckDB gives the record's first byte, or (LF files) the one after it: records are >= 2 bytes apart
            k = bisect.bisect_left(offsets, line_pos - 1) + 1
            if k > len(offsets) or offsets[k - 1] not in (line_pos - 1, line_pos):
                rows.append((dline - 1, dline, False, long_, skip))
                continue
            line, unclosed = lines[k - 1], quote and _quote_left_open(facts.readable, byte_pos)
            if unclosed:  # reported where the quote opened
                line += _count_newlines(facts.readable, offsets[k - 1], _quote_at(facts.readable, byte_pos))
            rows.append((k, line, unclosed, long_, skip))
    con.register("bad_df", pd.DataFrame(rows, columns=["ordinal", "line", "unclosed", "too_long", "skipped"]))
    con.execute("""CREATE TEMP TABLE bad AS SELECT CAST(ordinal AS BIGINT) AS ordinal, CAST(line AS BIGINT) AS line,
                   unclosed, too_long FROM bad_df WHERE NOT skipped""")
    con.unregister("bad_df")
    kept = sum(1 for row in rows if not row[-1])
    if simple and not rows:
        return None, 0
    # Bad record i (1-based, in order) has ordinal b_i among all records, so b_i - i good records come
    # before it; good record j is preceded by the bad ones with b_i - i < j: its ordinal is j plus their count.
    bad_ordinals = np.array(sorted(r[0] for r in rows), dtype=np.int64)
    good_before = bad_ordinals - np.arange(1, len(bad_ordinals) + 1)
    j = np.arange(1, good + 1, dtype=np.int64)
    ordinal = j + np.searchsorted(good_before, j, side="left")
    if lines is None or len(lines) < (ordinal[-1] if good else 0):
        physical = ordinal + 1
    else:
        physical = np.asarray(lines, dtype=np.int64)[ordinal - 1]
    return pd.DataFrame({"line": physical}), kept


def _quote_at(path: Path, byte_pos: int) -> int:
    """Offset of the quote DuckDB reports at ``byte_pos`` (the byte itself or, in LF files, the one before)."""
    with open(path, "rb") as handle:
        handle.seek(max(byte_pos - 1, 0))
        return max(byte_pos - 1, 0) if handle.read(1) == b'"' else byte_pos


_QUOTED_CELL = re.compile(rb'"(?:[^"]++|"")*+"')


def _quote_left_open(path: Path, byte_pos: int) -> bool:
    """Whether the quote DuckDB reports at ``byte_pos`` is never closed (rather than closed and followed
    by more text, which DuckDB reports alike)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _QUOTED_CELL.match(data, _quote_at(path, byte_pos)) is None


def _count_newlines(path: Path, start: int, end: int) -> int:
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read(max(end - start, 0)).count(b"\n")


def _stage(con: duckdb.DuckDBPyConnection, path: Path, file_name: str, catalog: Mapping[str, Logframe],
           today: dt.date, lang: str) -> tuple[_Parsed, FileFacts]:
    """Check the file as a whole, then build, in the private connection ``con``, the ``checked``
    table (one row per record, with its physical line), ``dups`` and the ``accepted`` and
    ``rejected_lines`` views. The store is not touched."""
    if path.stat().st_size == 0:
        raise UploadError(f"{file_name}:1: " + t("ingest.error.empty", lang))
    header_line(path, file_name, "latin-1", lang)  # the size limit, before anything reads the whole file
    facts = prepare(path, file_name, lang)
    try:
        header, _ = header_line(path, file_name, facts.encoding, lang)
        delimiter = detect_delimiter(header)
        columns = canonical_header(header, delimiter, file_name, lang)
        con.register("ind_df", _indicator_frame(catalog))
        con.register("allowed_df", _allowed_values(catalog))
        con.register("listed_df", _listed_values(catalog, lang))
        con.register("rp_df", pd.DataFrame([row for code, lf in catalog.items()
                                            for row in reporting_rows(code, lf.reporting_periods())],
                                           columns=REPORTING_COLUMNS))
        try:
            con.execute("""CREATE TEMP TABLE ind AS SELECT * REPLACE (CAST(range_kind AS VARCHAR) AS range_kind,
                           CAST(value_min AS DOUBLE) AS value_min, CAST(value_max AS DOUBLE) AS value_max) FROM ind_df""")
            con.execute("CREATE TEMP TABLE allowed AS SELECT * FROM allowed_df")
            con.execute("CREATE TEMP TABLE listed AS SELECT * FROM listed_df")
            con.execute("CREATE TEMP TABLE rp AS SELECT * FROM rp_df")
        finally:
            con.unregister("ind_df")
            con.unregister("allowed_df")
            con.unregister("listed_df")
            con.unregister("rp_df")
        _read_records(con, facts, file_name, columns, delimiter, lang)
        good_lines, bad = _number_lines(con, facts, delimiter)
        records = con.execute("SELECT count(*) FROM records").fetchone()[0]
        first = next((c for c in columns if c in COLUMNS), "programme")
        for sql in (_key_indicator_sql(lang, first), _KEY_PERIOD, _KEY_STRADDLE, _KEY_DIMENSIONS):
            con.execute(sql)
        con.execute("CREATE TEMP TABLE params AS SELECT CAST(? AS DATE) AS today", [today])
        if good_lines is not None:
            con.register("good_lines", good_lines)
            try:
                con.execute("""CREATE TEMP TABLE numbered AS SELECT r.*, r.rowid + 1 AS line_ord, g.line
                               FROM records r POSITIONAL JOIN good_lines g""")
            finally:
                con.unregister("good_lines")
        con.execute(f"{_checked_sql(good_lines is not None, lang)}")
        con.execute("DROP TABLE IF EXISTS numbered")
    finally:
        if facts.readable != path:
            facts.readable.unlink(missing_ok=True)
    con.execute("DROP TABLE records")
    keys = ", ".join(_KEY)
    same_key_sql = " AND ".join(f"d.{k} = c.{k}" for k in _KEY)
    # Rows repeating an accepted row's key: joined on the key columns alone (a hash join); whether
    # the row itself passed is looked at afterwards.
    con.execute(f"""CREATE TEMP TABLE dups AS
                    SELECT {keys}, min(line_ord) AS first_ord, min(line) AS first_line, count(*) AS copies
                    FROM checked WHERE ok GROUP BY ALL HAVING count(*) > 1""")
    con.execute(f"""CREATE TEMP VIEW lines AS
                    SELECT c.*, CASE WHEN c.ok THEN d.first_ord END AS first_ord,
                           CASE WHEN c.ok THEN d.first_line END AS first_line
                    FROM checked c LEFT JOIN dups d ON {same_key_sql}""")
    con.execute(f"""CREATE TEMP VIEW accepted AS
                    SELECT c.line, c.line_ord, ki.programme, ki.indicator, kp.period_label, c.period_start,
                           c.period_end, c.value, c.value_raw AS value_text, c.numerator, c.denominator,
                           coalesce(kd.sex, '') AS sex, coalesce(kd.oblast, '') AS oblast,
                           coalesce(kd.ministry, '') AS ministry, c.source, c.comment, c.evidence_url
                    FROM checked c
                    JOIN key_indicator ki ON ki.ki = c.ki
                    JOIN key_period kp ON kp.kp = c.kp
                    JOIN key_dims kd ON kd.kd = c.kd
                    ANTI JOIN dups d ON {same_key_sql} AND d.first_ord <> c.line_ord
                    WHERE c.ok""")
    con.execute(f"""CREATE TEMP VIEW rejected_lines AS
                    SELECT line, CASE WHEN ok THEN {_message_sql("ingest.reason.duplicate", lang, line="first_line")}
                                      ELSE {_row_reason_sql(lang)} END AS reason,
                           {_shown_sql('programme_raw')} AS programme, {_shown_sql('indicator_raw')} AS indicator,
                           {_shown_sql('period_text')} AS period, {_shown_sql('value_raw')} AS value
                    FROM (SELECT f.* EXCLUDE (ind_id, period_start, period_end, dims_id), {_KEYED}, ki.programme_raw,
                                 ki.indicator_raw, p.today, ls.sex_listed, ls.oblast_listed, ls.ministry_listed
                          FROM lines f
                          JOIN key_indicator ki ON ki.ki = f.ki
                          JOIN key_period kp ON kp.kp = f.kp
                          JOIN key_dims kd ON kd.kd = f.kd
                          LEFT JOIN key_straddle ks ON ks.programme = ki.programme AND ks.kp = kp.kp
                          LEFT JOIN listed ls ON ls.programme = ki.programme
                          CROSS JOIN params p
                          WHERE NOT f.ok OR f.first_ord <> f.line_ord)""")
    total = con.execute("SELECT count(*) FROM checked").fetchone()[0] + bad
    if total == 0:
        raise UploadError(f"{file_name}:2: " + t("ingest.error.no_rows", lang))
    return _Parsed(total, facts.encoding, delimiter, len(columns), records), facts


def _accepted_count(con: duckdb.DuckDBPyConnection) -> int:
    """Rows that pass every check, less the later copies of a row repeated inside the file."""
    return con.execute("""SELECT (SELECT count(*) FROM checked WHERE ok)
                                 - (SELECT coalesce(sum(copies - 1), 0) FROM dups)""").fetchone()[0]


def _rejected_sql(lang: str) -> str:
    unclosed = _message_sql("ingest.reason.unclosed_quote", lang, first="line", last="$last_line")
    too_long = _message_sql("ingest.reason.line_too_long", lang, limit=_literal(f"{MAX_LINE_BYTES:,}"))
    malformed = _message_sql("ingest.reason.malformed", lang, fields="$fields", delimiter="$delimiter")
    return f"""
    SELECT * FROM rejected_lines
    UNION ALL
    SELECT line, CASE WHEN unclosed AND line < $last_line THEN {unclosed} WHEN too_long THEN {too_long}
                      ELSE {malformed} END, NULL, NULL, NULL, NULL FROM bad
    ORDER BY line"""


def _decimal_warnings(con: duckdb.DuckDBPyConnection, lang: str) -> pd.DataFrame:
    """Accepted values like ``1,234`` in a file where nothing shows that a comma is the decimal separator."""
    if not con.execute("SELECT count(*) FROM checked WHERE ok AND ambiguous").fetchone()[0]:
        return pd.DataFrame(columns=["line", "warning", "indicator", "period", "value"])
    if con.execute(f"""SELECT count(*) FROM (SELECT 1 FROM checked WHERE contains(value_raw, ',')
                       AND regexp_matches(value_raw, {_COMMA_DECIMAL}) LIMIT 1)""").fetchone()[0]:
        return pd.DataFrame(columns=["line", "warning", "indicator", "period", "value"])
    warning_sql = _message_sql("ingest.warning.ambiguous_decimal", lang, text="c.value_raw", reading="c.value",
                               alternative="replace(c.value_raw, ',', '')")
    return con.execute(f"""
        SELECT c.line, {warning_sql} AS warning, ki.indicator, kp.period_label AS period, c.value
        FROM checked c JOIN key_indicator ki ON ki.ki = c.ki JOIN key_period kp ON kp.kp = c.kp
        WHERE c.ok AND c.ambiguous ORDER BY c.line""").df()


# ---------------------------------------------------------------- the store window
#
# What the checks need from the store is read inside the one window the store is held for: whether
# these bytes were committed before, and the history of the indicators in the file (the outlier
# check). The history is read for those indicators only (constants the scan filters with), so an
# upload's cost does not grow with the rest of the store.

def _history_stats_sql(programmes: int, indicators: int) -> str:
    """Median and median absolute deviation of the current values of every cell of the given
    programmes' indicators (parameters: the programme codes, then the indicator codes). The codes are
    constants in the query, so DuckDB filters the scan itself and skips every row group whose
    min/max of programme or indicator lies outside them (the importer writes each batch sorted by
    programme and indicator): the rest of the store is not read."""
    programme_marks_sql = ", ".join("?" * programmes)
    indicator_marks_sql = ", ".join("?" * indicators)
    return f"""
    WITH history AS (  -- the current value of each measurement: a hash aggregate, not a sorting window
        SELECT m.programme, m.indicator, m.sex, m.oblast, m.ministry, arg_max(m.value, (m.recorded_at, m.id)) AS value
        FROM measurement m JOIN batch_state b ON b.batch_id = m.batch_id  -- approved values: what counts
        WHERE b.state = 'approved' AND m.value IS NOT NULL
          AND m.programme IN ({programme_marks_sql}) AND m.indicator IN ({indicator_marks_sql})
        GROUP BY m.programme, m.indicator, m.period_start, m.period_end, m.sex, m.oblast, m.ministry
    ), centre AS (
        SELECT programme, indicator, sex, oblast, ministry, median(value) AS med
        FROM history GROUP BY ALL
    )
    SELECT c.programme, c.indicator, c.sex, c.oblast, c.ministry, c.med, median(abs(h.value - c.med)) AS mad
    FROM history h JOIN centre c USING (programme, indicator, sex, oblast, ministry)
    GROUP BY ALL"""


# The outlier rule: a value x is compared with its cell's history H (the current values of the same
# indicator and disaggregation cell in every period, the neighbours of the period uploaded), by
#     z = |x - median(H)| / max(1.4826 * MAD(H), OUTLIER_FLOOR * |median(H)|)
# and warned of when z > OUTLIER_Z. With a spread of history this is Iglewicz and Hoaglin's modified
# z-score (0.6745 = 1 / 1.4826); the floor keeps a short history (one or two values, MAD 0 or
# meaningless) or a steady one from warning of every small change: with it, a value warns when it is
# more than 1.875 times the median (or less than an eighth of it) — 175.77 then 1250.5 does (z 24.5),
# 175.77 then 250 does not. A history of zeros has no scale: nothing is warned of. Only quantitative
# indicators: a milestone's 0/1 and a rating's steps are not measurements on a scale.
OUTLIER_Z = 3.5
OUTLIER_FLOOR = 0.25


def _outliers(stage: duckdb.DuckDBPyConnection, store: duckdb.DuckDBPyConnection, lang: str) -> pd.DataFrame:
    """Accepted rows whose value lies far from their cell's own history (the rule above)."""
    indicators = stage.execute("""SELECT DISTINCT i.programme, i.indicator FROM checked c
                                  JOIN key_indicator i ON i.ki = c.ki WHERE c.ok""").df()
    programmes, codes = sorted(set(indicators.programme)), sorted(set(indicators.indicator))
    if not codes:
        return pd.DataFrame(columns=["line", "warning", "indicator", "period", "value"])
    stats = store.execute(f"{_history_stats_sql(len(programmes), len(codes))}", programmes + codes).df()
    empty = pd.DataFrame(columns=["line", "warning", "indicator", "period", "value"])
    if stats.empty:
        return empty
    stage.register("stats_df", stats)
    try:
        warning_sql = _message_sql("ingest.warning.outlier", lang, value=_decimal_sql("a.value", lang),
                                   median=_decimal_sql("round(s.med, 4)", lang),
                                   z=_decimal_sql("round((a.value - s.med) / s.scale, 1)", lang))
        return stage.execute(f"""
            SELECT a.line, {warning_sql} AS warning, a.indicator, a.period_label AS period, a.value
            FROM accepted a
            JOIN (SELECT *, greatest(1.4826 * mad, {OUTLIER_FLOOR} * abs(med)) AS scale FROM stats_df) s
                USING (programme, indicator, sex, oblast, ministry)
            JOIN ind i ON i.programme = a.programme AND i.indicator = a.indicator
            WHERE i.kind = 'quantitative' AND s.scale > 0 AND abs(a.value - s.med) / s.scale > {OUTLIER_Z}
            ORDER BY a.line""").df()
    finally:
        stage.unregister("stats_df")


def _capped(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Warnings of each kind, each list cut at :data:`SHOWN_WARNINGS`, with the whole count kept."""
    frames = [f for f in frames if len(f)]
    total = sum(len(f) for f in frames)
    if not frames:
        return pd.DataFrame(columns=["line", "warning", "indicator", "period", "value"])
    joined = pd.concat([f.head(SHOWN_WARNINGS) for f in frames], ignore_index=True).sort_values(
        "line", kind="stable", ignore_index=True)
    joined.attrs["total"] = total
    return joined


def _table_file(path: Path, file_name: str, sheet: str | None, lang: str) -> tuple[Path, str | None]:
    """The CSV file the importer reads and, for a workbook, the sheet it was read from: a CSV is
    itself; an .xlsx's sheet (the first unless ``sheet`` names one) becomes a temporary CSV
    (:mod:`xlsx_input`); an .xls is refused with a way out."""
    with open(path, "rb") as handle:
        kind = kind_of(handle.read(4))
    if kind == "xls":
        raise UploadError(f"{file_name}: " + t("entry.error.xls", lang))
    if kind == "csv":
        return path, None
    try:
        return sheet_to_csv(path, file_name, sheet, lang)
    except WorkbookError as exc:
        raise UploadError(str(exc)) from exc


def import_csv(path: Path | str, catalog: Mapping[str, Logframe], actor: User, *, file_name: str | None = None,
               db: Path | str | None = None, dry_run: bool = False, strict: bool = False,
               today: dt.date | None = None, lang: str = "en", lock_wait: float = IMPORT_WAIT_SECONDS,
               on_wait: Callable[[str], None] | None = None, sheet: str | None = None) -> ImportReport:
    """Validate every row, then (unless ``dry_run``) commit the accepted ones as one batch in ``actor``'s name.

    A CSV file, or an Excel workbook (.xlsx, told by its bytes): its first sheet, or ``sheet``, is
    read as a CSV of the same rows (:mod:`xlsx_input`), so both go through the same checks; a
    workbook's sha256 (the re-upload check) is that of the rows read, so another sheet of the same
    workbook is another upload and the same rows saved again are not.

    Committing needs the upload permission in every programme the file's accepted rows are for: a
    row of a programme where ``actor`` may not upload refuses the whole file ("refused_scope", each
    such row among the rejected ones, naming its programme), in a dry run too when ``actor`` may
    upload somewhere (a dry run needs no permission). ``strict`` commits nothing when any
    row is rejected (all rows or none). Periods starting after ``today`` (default: today) are refused.
    New reasons and warnings are worded in ``lang``. The file is read and checked in a private
    DuckDB; the store is then opened for one short window (waiting up to ``lock_wait`` seconds for
    another process, telling ``on_wait`` who holds it) in which the duplicate-file and outlier checks
    read what they need and the batch is written in one transaction. Re-importing a file whose bytes
    were already committed changes nothing. Raises :class:`UploadError` for a file that cannot be
    read as a table at all.
    """
    if not dry_run:
        authorize_somewhere(actor, "upload")
    path = Path(path)
    file_name = file_name or path.name
    table, sheet = _table_file(path, file_name, sheet, lang)
    try:
        return _import(table, catalog, actor, file_name, db, dry_run, strict, today or dt.date.today(), lang,
                       lock_wait, on_wait, sheet)
    finally:
        if table != path:
            table.unlink(missing_ok=True)


def _import(path: Path, catalog: Mapping[str, Logframe], actor: User, file_name: str, db: Path | str | None,
            dry_run: bool, strict: bool, today: dt.date, lang: str, lock_wait: float,
            on_wait: Callable[[str], None] | None, sheet: str | None) -> ImportReport:
    with duckdb.connect(":memory:") as stage:
        parsed, facts = _stage(stage, path, file_name, catalog, today, lang)
        rejected = stage.execute(f"{_rejected_sql(lang)}", {
            "fields": parsed.columns, "delimiter": parsed.delimiter.replace("\t", "TAB"),
            "last_line": facts.lines}).df()
        accepted_count = _accepted_count(stage)
        refused = _out_of_scope(stage, actor, lang)
        if len(refused):
            rejected = pd.concat([rejected, refused], ignore_index=True).sort_values("line", ignore_index=True)
        # The first 1000 accepted rows lie within the first 1000 + (not accepted) records.
        preview = stage.execute(
            "SELECT * EXCLUDE (line_ord) FROM accepted WHERE line_ord <= ? ORDER BY line LIMIT 1000",
            [1000 + parsed.records - accepted_count]).df()
        decimals = _decimal_warnings(stage, lang)
        report = ImportReport(file_name, facts.sha256, "dry_run", parsed.rows_total, preview, rejected,
                              encoding=parsed.encoding, delimiter=parsed.delimiter, lang=lang, sheet=sheet,
                              out_of_scope=tuple(refused["programme"].unique()))
        report.accepted.attrs["total"] = accepted_count
        with connect(db, write=not dry_run, wait=lock_wait, on_wait=on_wait) as store:
            previous = store.execute(
                """SELECT b.id FROM upload_batch b JOIN batch_state s ON s.batch_id = b.id
                   WHERE b.sha256 = ? AND s.state IN ('submitted', 'approved') ORDER BY b.id LIMIT 1""",
                [facts.sha256]).fetchone()
            report.warnings = _capped([lost_letter_warnings(facts, lang), decimals,
                                       _outliers(stage, store, lang) if accepted_count else decimals.head(0)])
            if report.out_of_scope:
                report.status = "refused_scope"
            elif previous:
                report.status, report.duplicate_of = "duplicate", previous[0]
            elif strict and len(rejected) and not dry_run:
                report.status = "refused_strict"
            elif not dry_run and accepted_count == 0:
                report.status = "nothing_to_commit"
            elif not dry_run:
                report.batch_id, report.review = _commit(stage, store, report, actor, accepted_count)
                report.status = "committed"
    return report


def _out_of_scope(stage: duckdb.DuckDBPyConnection, actor: User, lang: str) -> pd.DataFrame:
    """Accepted rows of programmes where ``actor`` may not upload, as rejected rows naming the
    programme; none when ``actor`` may upload nowhere (a dry run: nothing would be committed) or
    has one role everywhere (then the permission was checked once, for the whole file)."""
    columns = ["line", "reason", "programme", "indicator", "period", "value"]
    if not actor.roles or not allowed_somewhere(actor, "upload"):
        return pd.DataFrame(columns=columns)
    codes = [row[0] for row in stage.execute("SELECT DISTINCT programme FROM accepted ORDER BY 1").fetchall()]
    denied = [code for code in codes if not allowed(actor, "upload", code)]
    if not denied:
        return pd.DataFrame(columns=columns)
    rows = stage.execute("""SELECT line, programme, indicator, period_label AS period, value_text AS value
                            FROM accepted WHERE list_contains(?, programme) ORDER BY line""", [denied]).df()
    rows.insert(1, "reason", [t("access20.reason.scope", lang, programme=code.upper(), user=actor.name,
                                role=t(f"role.{actor.role_in(code)}", lang)) for code in rows["programme"]])
    return rows[columns]


def _commit(stage: duckdb.DuckDBPyConnection, store: duckdb.DuckDBPyConnection, report: ImportReport,
            actor: User, accepted: int) -> tuple[int, str]:
    """The batch, its rows and its audit entry in one transaction: all of them or, on any failure,
    none; returns the batch id and its review state. The rows stream from the private connection in file order by indicator, so the store's
    row groups each cover few indicators and a later read of one indicator's history skips the rest."""
    rows = stage.execute("""
        SELECT line_ord, line, programme, indicator, period_label, period_start, period_end, value, value_text,
               numerator, denominator, sex, oblast, ministry, source, comment, evidence_url
        FROM accepted ORDER BY programme, indicator, line_ord""").to_arrow_table()
    store.register("incoming", rows)
    try:
        with transaction(store):
            now = dt.datetime.now()
            batch_id = new_batch(store, report.file_name, report.sha256, actor, now, report.rows_total, accepted,
                                 len(report.rejected), report.warnings)
            first_id = store.execute("SELECT coalesce(max(id), 0) FROM measurement").fetchone()[0]
            store.execute("""
                INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label, period_start,
                    period_end, value, value_text, numerator, denominator, sex, oblast, ministry, source, comment,
                    evidence_url, recorded_at)
                SELECT ? + line_ord, ?, line, programme, indicator, period_label, period_start, period_end, value,
                       value_text, numerator, denominator, sex, oblast, ministry, source, comment, evidence_url, ?
                FROM incoming""", [first_id, batch_id, now])
            state = review.on_upload(store, batch_id, actor)
            audit(store, actor.name, "upload", f"batch {batch_id}",
                  {"file": report.file_name, "sha256": report.sha256, "accepted": accepted,
                   "rejected": len(report.rejected), "review": state}, os_user=actor.os_user)
    finally:
        store.unregister("incoming")
    return batch_id, state


def new_batch(store: duckdb.DuckDBPyConnection, file_name: str, sha256: str, actor: User, now: dt.datetime,
              rows_total: int, accepted: int, rejected: int, warnings: pd.DataFrame) -> int:
    """A committed batch's row, written in the caller's transaction with its rows: indicator values and
    financial entries share the numbering, the review states and the rollback. Returns its id."""
    batch_id = next_id(store, "batch_seq")
    store.execute("""INSERT INTO upload_batch (id, file_name, sha256, user_name, uploaded_at, rows_total,
                         rows_accepted, rows_rejected, warnings, status)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed')""",
                  [batch_id, file_name, sha256, actor.name, now, rows_total, accepted, rejected,
                   warnings.to_json(orient="records", force_ascii=False) if len(warnings) else None])
    return batch_id


def list_batches(db: Path | str | None = None, *, within: Collection[str] | None = None) -> pd.DataFrame:
    """Every upload batch, newest first; ``kind`` tells indicator values from financial entries, which
    share the batch numbering, the review states and the rollback. ``within``: only batches holding
    values or entries of these programmes alone (what a user with roles in some programmes may see)."""
    with connect(db, write=False) as store:
        return store.execute("""
            SELECT b.id, CASE WHEN EXISTS (SELECT 1 FROM finance_entry f WHERE f.batch_id = b.id)
                              THEN 'finance' ELSE 'measurements' END AS kind,
                   file_name, user_name, uploaded_at, rows_total, rows_accepted, rows_rejected, status,
                   status_changed_at, status_changed_by, s.state AS review, sha256
            FROM upload_batch b JOIN batch_state s ON s.batch_id = b.id
            WHERE $within IS NULL OR NOT EXISTS (
                SELECT 1 FROM (SELECT batch_id, programme FROM measurement
                               UNION ALL SELECT batch_id, programme FROM finance_entry) p
                WHERE p.batch_id = b.id AND NOT list_contains($within, p.programme))
            ORDER BY b.id DESC""", {"within": None if within is None else list(within)}).df()


def rollback_batch(batch_id: int, actor: User, *, db: Path | str | None = None) -> str:
    """Withdraw a committed batch: its rows stay in history, the previous values become current again.
    Needs the rollback permission in every programme the batch holds values of."""
    authorize_somewhere(actor, "rollback")
    with writing(db) as store:
        row = store.execute("SELECT status FROM upload_batch WHERE id = ?", [batch_id]).fetchone()
        if row is None:
            raise ValueError(f"no upload batch {batch_id}")
        authorize_all(actor, "rollback", review.batch_programmes(store, batch_id))
        if row[0] == "rolled_back":
            return f"batch {batch_id} was already rolled back; nothing changed"
        store.execute("""UPDATE upload_batch SET status = 'rolled_back', status_changed_at = now(),
                         status_changed_by = ? WHERE id = ?""", [actor.name, batch_id])
        audit(store, actor.name, "rollback", f"batch {batch_id}", os_user=actor.os_user)
    return f"batch {batch_id} rolled back"


def import_bytes(data: bytes, file_name: str, catalog: Mapping[str, Logframe], actor: User,
                 **options: object) -> ImportReport:
    """:func:`import_csv` for an upload held in memory (the browser's file); same checks, same result."""
    with held_as_file(data, Path(file_name).suffix or ".csv", "kzlf-upload-") as path:
        return import_csv(path, catalog, actor, file_name=file_name, **options)


@contextmanager
def held_as_file(data: bytes, suffix: str, prefix: str) -> Iterator[Path]:
    """An upload held in memory as a temporary file for the importers, which read files (DuckDB's
    reader, openpyxl); removed when the block ends."""
    fd, name = tempfile.mkstemp(suffix=suffix, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
