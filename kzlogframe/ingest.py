"""CSV import of indicator measurements: parse as people really write CSV, check every row
against the logframe before anything is written, then commit all accepted rows in one transaction.

Parsing and row checks run as SQL inside DuckDB, and each distinct key (programme and indicator,
period, disaggregation) is checked once, not once per row: validating and committing a million rows
costs under three times DuckDB's own ``read_csv`` of the file (``bench/ingest.py``). File-level
problems (encoding, header) stop the import before any row is read.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .access import User, authorize
from .models import Logframe
from .periods import (
    PERIOD_FORMS, REPORTING_COLUMNS, period_end_sql, period_form_sql, period_label_sql, period_start_sql,
    reporting_join_sql, reporting_rows)
from .store import audit, connect, transaction, writing

REQUIRED = ("programme", "indicator", "period", "value")
OPTIONAL = ("sex", "oblast", "ministry", "source", "comment", "numerator", "denominator", "evidence_url")
COLUMNS = REQUIRED + OPTIONAL

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
    }.items()
    for alias in aliases
}

SEX_VALUES = {
    "female": "female", "f": "female", "women": "female", "woman": "female", "әйел": "female",
    "әйелдер": "female", "ж": "female", "жен": "female", "женский": "female", "женщины": "female",
    "male": "male", "m": "male", "men": "male", "man": "male", "ер": "male", "ерлер": "male",
    "м": "male", "муж": "male", "мужской": "male", "мужчины": "male",
}
MILESTONE_DONE = ("done", "1", "yes", "true", "иә", "ия", "да", "орындалды", "выполнено", "x", "✓")
MILESTONE_NOT_DONE = ("0", "no", "false", "not done", "жоқ", "нет", "орындалмады", "не выполнено")


class UploadError(ValueError):
    """The file cannot be read as a measurement table at all (encoding, header, empty)."""


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    status: str  # "dry_run" | "committed" | "duplicate" | "nothing_to_commit"
    rows_total: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    batch_id: int | None = None
    duplicate_of: int | None = None
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def accepted_total(self) -> int:
        """Rows accepted in the whole file: ``accepted`` itself is a preview of at most 1000 of them."""
        return self.accepted.attrs.get("total", len(self.accepted))

    @property
    def message(self) -> str:
        if self.status == "duplicate":
            return f"{self.file_name} was already imported as batch {self.duplicate_of}; nothing changed"
        if self.status == "committed":
            return (f"batch {self.batch_id}: {self.accepted_total} rows committed, "
                    f"{len(self.rejected)} rejected, {len(self.warnings)} warnings")
        if self.status == "nothing_to_commit":
            return f"{self.file_name}: no acceptable row, nothing changed ({len(self.rejected)} rejected)"
        return (f"{self.file_name}: {self.accepted_total} rows would be committed, "
                f"{len(self.rejected)} rejected, {len(self.warnings)} warnings (dry run, nothing changed)")


# ---------------------------------------------------------------- file level


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def header_line(path: Path, file_name: str) -> tuple[str, str]:
    """The first line and the encoding it is in: UTF-8 (BOM or not) when it decodes so, else cp1251.

    Only the header is decoded here; DuckDB's reader checks the rest of the file as UTF-8 while it
    reads it, and a file it finds is not UTF-8 is read again as cp1251 (see :func:`_read_records`).
    """
    with open(path, "rb") as handle:
        first = handle.readline().removeprefix(codecs.BOM_UTF8).rstrip(b"\r\n")
    for encoding in ("utf-8", "cp1251"):
        try:
            return first.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UploadError(f"{file_name}:1: the file is neither UTF-8 nor cp1251 text; save it as CSV UTF-8")


def _undecodable_at(path: Path, encoding: str) -> int | None:
    """Byte offset of the first byte ``encoding`` cannot decode, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return offset + exc.start
    return None


def detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def canonical_header(header: str, delimiter: str, file_name: str) -> list[str]:
    names = [h.strip().strip('"').strip().lower() for h in header.split(delimiter)]
    if not any(names):
        raise UploadError(f"{file_name}:1: the file is empty: no header line")
    canonical: list[str] = []
    problems: list[str] = []
    for position, name in enumerate(names, start=1):
        column = HEADER_ALIASES.get(name)
        if column is None:
            problems.append(f"unknown column '{name}' (column {position})")
        elif column in canonical:
            problems.append(f"column '{name}' repeats '{column}' (column {position})")
        else:
            canonical.append(column)
    missing = [c for c in REQUIRED if c not in canonical]
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)}")
    if problems:
        raise UploadError(f"{file_name}:1: header: " + "; ".join(problems) +
                          f". Expected columns: {', '.join(COLUMNS)} (first four required)")
    return canonical


def _utf8_copy(path: Path, encoding: str, file_name: str) -> Path:
    """DuckDB reads UTF-8; a cp1251 file is transcoded once to a temporary copy.

    cp1251 leaves only byte 0x98 undefined, so a file that is neither is rare (a binary file named
    .csv), but it is the uploader's mistake: an :class:`UploadError` at its line, not a crash.
    """
    offset = _undecodable_at(path, encoding)
    if offset is not None:
        with open(path, "rb") as handle:
            line = handle.read(offset).count(b"\n") + 1
        raise UploadError(f"{file_name}:{line}: the file is neither UTF-8 nor cp1251 text; save it as CSV UTF-8")
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="kzlf-")
    with open(path, encoding=encoding, newline="") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        for chunk in iter(lambda: src.read(1 << 20), ""):
            dst.write(chunk)
    return Path(name)


# ---------------------------------------------------------------- logframe tables


def _indicator_frame(catalog: Mapping[str, Logframe]) -> pd.DataFrame:
    rows = []
    for code, lf in catalog.items():
        window_start, window_end = lf.programme.implementation.fa_signature, lf.end_date
        for _, ind in lf.indicators():
            dims = {d.value for d in ind.disaggregation}
            rows.append({
                "ind_id": len(rows), "programme": code, "indicator": ind.code, "indicator_key": ind.code.upper(),
                "kind": ind.type.value, "scale_max": len(ind.scale), "by_sex": "sex" in dims,
                "by_oblast": "oblast" in dims, "by_ministry": "ministry" in dims,
                "window_start": window_start, "window_end": window_end,
            })
    return pd.DataFrame(rows, columns=["ind_id", "programme", "indicator", "indicator_key", "kind", "scale_max",
                                       "by_sex", "by_oblast", "by_ministry", "window_start", "window_end"])


def _allowed_values(catalog: Mapping[str, Logframe]) -> pd.DataFrame:
    rows = [(code, dim, value, value.lower())
            for code, lf in catalog.items()
            for dim in ("oblast", "ministry")
            for value in getattr(lf.programme.disaggregation_values, dim)]
    rows += [(code, "sex", canonical, alias) for code in catalog for alias, canonical in SEX_VALUES.items()]
    return pd.DataFrame(rows, columns=["programme", "dimension", "value", "alias"])


# ---------------------------------------------------------------- validation
#
# Programme, indicator, period and disaggregation take few distinct values even in a million rows,
# so each distinct value is normalised and checked once, in a small key table, and every record is
# joined to its keys; only the value columns are checked record by record.


def _trimmed(x: str) -> str:
    return f"nullif(trim({x}), '')"


def _number_sql(x: str) -> str:
    """A number as people type it: plain or with a decimal comma first (cheap), and only for what
    is left, spaces as thousands separators and a trailing %."""
    spaces = "[\\s\\x{00a0}\\x{202f}]"
    return (f"coalesce(try_cast(replace({x}, ',', '.') AS DOUBLE), "
            f"try_cast(replace(regexp_replace(regexp_replace({x}, '{spaces}', '', 'g'), '%$', ''), ',', '.') "
            "AS DOUBLE))")


_KEY_INDICATOR = f"""
    CREATE TEMP TABLE key_indicator AS
    WITH k AS (
        SELECT DISTINCT programme AS programme_key, indicator AS indicator_key_text FROM records
    ), n AS (
        SELECT k.*, {_trimmed('programme_key')} AS programme_raw, {_trimmed('indicator_key_text')} AS indicator_raw FROM k
    )
    SELECT row_number() OVER () AS ki, n.programme_key, n.indicator_key_text, n.programme_raw, n.indicator_raw,
           lower(n.programme_raw) AS programme, i.ind_id, i.indicator, i.kind, i.scale_max, i.by_sex, i.by_oblast,
           i.by_ministry, i.window_start, i.window_end,
           nullif(concat_ws('; ',
               CASE WHEN n.programme_raw IS NULL THEN 'programme is empty'
                    WHEN p.programme IS NULL THEN 'unknown programme ''' || n.programme_raw || '''' END,
               CASE WHEN p.programme IS NOT NULL AND n.indicator_raw IS NULL THEN 'indicator is empty'
                    WHEN p.programme IS NOT NULL AND i.kind IS NULL
                    THEN 'unknown indicator ''' || n.indicator_raw || ''' in programme ' || p.programme END
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
    LEFT JOIN allowed sx ON sx.programme = n.programme AND sx.dimension = 'sex' AND sx.alias = lower(n.sex_raw)
    LEFT JOIN allowed ob ON ob.programme = n.programme AND ob.dimension = 'oblast' AND ob.alias = lower(n.oblast_raw)
    LEFT JOIN allowed mi
        ON mi.programme = n.programme AND mi.dimension = 'ministry' AND mi.alias = lower(n.ministry_raw)"""


# The key-table columns a row check reads, under the names the checks use.
_KEYED = """ki.ind_id, ki.kind, ki.scale_max, ki.programme, ki.by_sex, ki.by_oblast, ki.by_ministry, ki.window_start,
            ki.window_end, ki.reason AS key_reason, kp.period_text, kp.period_start, kp.period_end, kp.period_label,
            ks.spans,
            kd.dims_id, kd.sex_raw, kd.sex, kd.oblast_raw, kd.oblast, kd.ministry_raw, kd.ministry"""


def _dimension_checks(dim: str) -> tuple[tuple[str, str], ...]:
    allowed = "is not female/male" if dim == "sex" else "is not declared for ' || programme || '"
    return ((f"{dim}_raw IS NOT NULL AND kind IS NOT NULL AND NOT by_{dim}",
             f"'indicator is not disaggregated by {dim}'"),
            (f"{dim}_raw IS NOT NULL AND kind IS NOT NULL AND {dim} IS NULL",
             f"'{dim} ''' || {dim}_raw || ''' {allowed}'"))


# Every reason a row is rejected, as groups of (condition, message) over the columns of a keyed row:
# a row's reason names the first true condition of each group. The row is accepted when none holds.
_ROW_CHECKS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("key_reason IS NOT NULL", "key_reason"),),
    (("period_text IS NULL", "'period is empty'"),
     ("period_start IS NULL", f"'period ''' || period_text || ''' is not one of {PERIOD_FORMS}'"),
     ("kind IS NOT NULL AND (period_end < window_start OR period_start > window_end)",
      "'period ' || period_label || ' is outside the programme window ' || strftime(window_start, '%Y-%m-%d') "
      "|| '..' || strftime(window_end, '%Y-%m-%d')"),
     ("kind IS NOT NULL AND spans IS NOT NULL",
      "'period ' || period_label || ' spans the reporting periods ' || spans || ': give one value per reporting period'")),
    (("kind IS NOT NULL AND value_raw IS NULL", "'value is empty'"),
     ("kind = 'milestone' AND value IS NULL",
      "'value ''' || value_raw || ''' is not a milestone status (done/1/иә/да/yes or 0/no)'"),
     ("kind = 'rating' AND value IS NULL",
      "'value ''' || value_raw || ''' is not a rating 1..' || scale_max"),
     ("kind IS NOT NULL AND value IS NULL", "'value ''' || value_raw || ''' is not a number'")),
    _dimension_checks("sex"),
    _dimension_checks("oblast"),
    _dimension_checks("ministry"),
    ((f"numerator IS NULL AND {_trimmed('numerator_field')} IS NOT NULL", "'numerator is not a number'"),),
    ((f"(denominator IS NULL OR denominator = 0) AND {_trimmed('denominator_field')} IS NOT NULL",
      "'denominator is not a non-zero number'"),),
)
_ROW_OK = "NOT coalesce(" + " OR ".join(f"({c})" for group in _ROW_CHECKS for c, _ in group) + ", false)"
_ROW_REASON = "concat_ws('; ', " + ", ".join(
    "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in group) + " END" for group in _ROW_CHECKS) + ")"

_MILESTONE_WORDS = "MAP {" + ", ".join(
    [f"'{w}': 1.0" for w in MILESTONE_DONE] + [f"'{w}': 0.0" for w in MILESTONE_NOT_DONE]) + "}"

# One row per record: its key ids, its parsed values and whether it passes every check. Why a row
# fails is worked out later, for the failing rows only (see ``rejected_lines``).
_CHECKED = f"""
    CREATE TEMP TABLE checked AS
    WITH j AS (
        SELECT r.rowid + 1 AS line_ord, ki.ki, kp.kp, kd.kd, {_KEYED}, {_trimmed('r.value')} AS value_raw,
               {_number_sql('r.value')} AS value_number, {_number_sql('r.numerator')} AS numerator,
               {_number_sql('r.denominator')} AS denominator, r.numerator AS numerator_field,
               r.denominator AS denominator_field, r.source, r.comment, r.evidence_url
        FROM records r
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
    SELECT line_ord, ki, kp, kd, ind_id, period_start, period_end, dims_id, value, value_raw, numerator, denominator,
           numerator_field, denominator_field, source, comment, evidence_url, {_ROW_OK} AS ok
    FROM v"""


@dataclass
class _Parsed:
    rows_total: int
    encoding: str
    delimiter: str
    columns: int


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
                ignore_errors = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans', parallel = true{buffer})"""


# What makes two rows the same measurement: the indicator, the period and the disaggregation.
_KEY = ("ind_id", "period_start", "period_end", "dims_id")


def _read_records(con: duckdb.DuckDBPyConnection, path: Path, file_name: str, columns: list[str],
                  delimiter: str, encoding: str) -> str:
    """The temporary ``records`` table: every record as text, in file order (so rowid numbers them).

    Returns the file's encoding: a file read as UTF-8 whose records DuckDB finds are not UTF-8 is
    read again, transcoded from cp1251 (the encoding Excel in Kazakhstan saves CSV in).
    """
    readable = path if encoding == "utf-8" else _utf8_copy(path, encoding, file_name)
    try:
        con.execute(f"CREATE TEMP TABLE records AS {_csv_scan_sql(columns, readable.stat().st_size)}",
                    {"path": str(readable), "delimiter": delimiter})
    except duckdb.InvalidInputException as exc:
        # DuckDB's strict reader gives up on a file whose records mix CRLF and LF line endings.
        raise UploadError(f"{file_name}:1: the file cannot be read as CSV (are its line endings mixed, "
                          "some CRLF and some LF?); save it again as CSV and re-upload") from exc
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)
    if encoding == "utf-8" and con.execute(
            "SELECT count(*) FROM csv_rejects WHERE error_type = 'INVALID ENCODING'").fetchone()[0]:
        con.execute("DROP TABLE records; DROP TABLE csv_rejects; DROP TABLE csv_scans")
        return _read_records(con, path, file_name, columns, delimiter, "cp1251")
    return encoding


def _load(con: duckdb.DuckDBPyConnection, path: Path, file_name: str, catalog: Mapping[str, Logframe]) -> _Parsed:
    """Check the file as a whole, then build the temporary ``checked`` table (one row per record)
    and the ``lines``, ``keyed_lines``, ``accepted`` and ``rejected_lines`` views in ``con``; the
    store's tables are untouched."""
    if path.stat().st_size == 0:
        raise UploadError(f"{file_name}:1: the file is empty")
    header, encoding = header_line(path, file_name)
    delimiter = detect_delimiter(header)
    columns = canonical_header(header, delimiter, file_name)
    con.register("ind_df", _indicator_frame(catalog))
    con.register("allowed_df", _allowed_values(catalog))
    con.register("rp_df", pd.DataFrame([row for code, lf in catalog.items()
                                        for row in reporting_rows(code, lf.reporting_periods())],
                                       columns=REPORTING_COLUMNS))
    try:
        con.execute("CREATE TEMP TABLE ind AS SELECT * FROM ind_df")
        con.execute("CREATE TEMP TABLE allowed AS SELECT * FROM allowed_df")
        con.execute("CREATE TEMP TABLE rp AS SELECT * FROM rp_df")
    finally:
        con.unregister("ind_df")
        con.unregister("allowed_df")
        con.unregister("rp_df")
    encoding = _read_records(con, path, file_name, columns, delimiter, encoding)
    for sql in (_KEY_INDICATOR, _KEY_PERIOD, _KEY_STRADDLE, _KEY_DIMENSIONS, _CHECKED):
        con.execute(sql)
    con.execute("DROP TABLE records")
    # DuckDB numbers records (header = 1); a record it could not parse shifts the ordinals after it.
    con.execute("CREATE TEMP TABLE bad AS SELECT DISTINCT CAST(line AS BIGINT) AS line FROM csv_rejects")
    bad = con.execute("SELECT count(*) FROM bad").fetchone()[0]
    line_sql = ("c.line_ord + 1 + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) AS gap "
            "FROM bad) b WHERE b.gap - 1 < c.line_ord)") if bad else "c.line_ord + 1"
    keys = ", ".join(_KEY)
    same_key_sql = " AND ".join(f"d.{k} = c.{k}" for k in _KEY)
    con.execute(f"""CREATE TEMP TABLE dups AS
                    SELECT {keys}, min(line_ord) AS first_ord, count(*) AS copies FROM checked WHERE ok
                    GROUP BY ALL HAVING count(*) > 1""")
    con.execute(f"""CREATE TEMP VIEW lines AS
                    SELECT c.*, {line_sql} AS line, d.first_ord FROM checked c
                    LEFT JOIN dups d ON c.ok AND {same_key_sql}""")
    con.execute(f"""CREATE TEMP VIEW keyed_lines AS
                    SELECT l.* EXCLUDE (ind_id, period_start, period_end, dims_id), {_KEYED}, ki.indicator,
                           ki.programme_raw, ki.indicator_raw
                    FROM lines l
                    JOIN key_indicator ki ON ki.ki = l.ki
                    JOIN key_period kp ON kp.kp = l.kp
                    JOIN key_dims kd ON kd.kd = l.kd
                    LEFT JOIN key_straddle ks ON ks.programme = ki.programme AND ks.kp = kp.kp""")
    con.execute("""CREATE TEMP VIEW accepted AS
                   SELECT line, line_ord, programme, indicator, period_label, period_start, period_end, value,
                          value_raw AS value_text, numerator, denominator, coalesce(sex, '') AS sex,
                          coalesce(oblast, '') AS oblast, coalesce(ministry, '') AS ministry, source, comment,
                          evidence_url
                   FROM keyed_lines WHERE ok AND (first_ord IS NULL OR first_ord = line_ord)""")
    con.execute(f"""CREATE TEMP VIEW rejected_lines AS
                    SELECT line, CASE WHEN ok THEN 'duplicate of line ' ||
                                           (SELECT min(x.line) FROM lines x WHERE x.line_ord = k.first_ord)
                                      ELSE {_ROW_REASON} END AS reason,
                           programme_raw AS programme, indicator_raw AS indicator, period_text AS period,
                           value_raw AS value
                    FROM keyed_lines k WHERE NOT ok OR first_ord <> line_ord""")
    total = con.execute("SELECT count(*) FROM checked").fetchone()[0] + bad
    if total == 0:
        raise UploadError(f"{file_name}:2: the file has a header but no data rows")
    return _Parsed(total, encoding, delimiter, len(columns))


def _accepted_count(con: duckdb.DuckDBPyConnection) -> int:
    """Rows that pass every check, less the later copies of a row repeated inside the file."""
    return con.execute("""SELECT (SELECT count(*) FROM checked WHERE ok)
                                 - (SELECT coalesce(sum(copies - 1), 0) FROM dups)""").fetchone()[0]


_REJECTED = """
    SELECT * FROM rejected_lines
    UNION ALL
    SELECT line, 'malformed CSV row: expected ' || $fields || ' fields separated by ''' || $delimiter
                 || ''' (check the delimiter and quotes)', NULL, NULL, NULL, NULL FROM bad
    ORDER BY line"""


def _outliers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Accepted rows whose value lies far from the indicator's own history (modified z-score > 3.5)."""
    return con.execute("""
        WITH history AS (
            SELECT m.programme, m.indicator, m.sex, m.oblast, m.ministry, m.value
            FROM measurement_current m
            WHERE m.value IS NOT NULL
              AND (m.programme, m.indicator) IN (SELECT programme, indicator FROM key_indicator WHERE kind IS NOT NULL)
        ), centre AS (
            SELECT programme, indicator, sex, oblast, ministry, median(value) AS med
            FROM history GROUP BY ALL HAVING count(*) >= 3
        ), stats AS (
            SELECT c.programme, c.indicator, c.sex, c.oblast, c.ministry, c.med, median(abs(h.value - c.med)) AS mad
            FROM history h JOIN centre c USING (programme, indicator, sex, oblast, ministry)
            GROUP BY ALL
        )
        SELECT a.line, 'value ' || a.value || ' is an outlier against the indicator''s history (median '
               || round(s.med, 4) || ', modified z-score ' || round(0.6745 * (a.value - s.med) / s.mad, 1) || ')'
               AS warning, a.indicator, a.period_label AS period, a.value
        FROM accepted a JOIN stats s USING (programme, indicator, sex, oblast, ministry)
        WHERE s.mad > 0 AND abs(0.6745 * (a.value - s.med) / s.mad) > 3.5
        ORDER BY a.line""").df()


def import_csv(path: Path | str, catalog: Mapping[str, Logframe], actor: User, *, file_name: str | None = None,
               db: Path | str | None = None, dry_run: bool = False) -> ImportReport:
    """Validate every row, then (unless ``dry_run``) commit the accepted ones as one batch in ``actor``'s name.

    Committing needs the upload permission (a dry run does not).
    Checks run inside the store's connection on temporary tables, so the accepted rows reach
    ``measurement`` in one INSERT without leaving DuckDB. Re-importing a file whose bytes were
    already committed changes nothing. Raises :class:`UploadError` for a file that cannot be read
    as a table at all.
    """
    if not dry_run:
        authorize(actor.role, "upload")
    path = Path(path)
    file_name = file_name or path.name
    with ThreadPoolExecutor(max_workers=1) as hasher, connect(db, write=not dry_run) as con:
        # hashlib releases the GIL, so the file is hashed while DuckDB reads and checks it.
        hashing = hasher.submit(sha256_of, path)
        parsed = _load(con, path, file_name, catalog)
        rejected = con.execute(_REJECTED, {"fields": parsed.columns,
                                           "delimiter": parsed.delimiter.replace("\t", "tab")}).df()
        accepted_count = _accepted_count(con)
        # The first 1000 accepted rows lie within the first 1000 + (not accepted) records.
        preview = con.execute("SELECT * EXCLUDE (line_ord) FROM accepted WHERE line_ord <= ? ORDER BY line LIMIT 1000",
                              [1000 + parsed.rows_total - accepted_count]).df()
        digest = hashing.result()
        report = ImportReport(file_name, digest, "dry_run", parsed.rows_total, preview, rejected,
                              warnings=_outliers(con), encoding=parsed.encoding, delimiter=parsed.delimiter)
        report.accepted.attrs["total"] = accepted_count
        previous = con.execute(
            "SELECT id FROM upload_batch WHERE sha256 = ? AND status = 'committed' ORDER BY id LIMIT 1",
            [digest]).fetchone()
        if previous:
            report.status, report.duplicate_of = "duplicate", previous[0]
        elif not dry_run and accepted_count == 0:
            report.status = "nothing_to_commit"
        elif not dry_run:
            report.batch_id = _commit(con, report, actor, accepted_count)
            report.status = "committed"
    return report


def _commit(con: duckdb.DuckDBPyConnection, report: ImportReport, actor: User, accepted: int) -> int:
    """The batch and its rows in one transaction: all of them or, on any failure, none."""
    warnings = report.warnings.to_json(orient="records", force_ascii=False) if len(report.warnings) else None
    with transaction(con):
        batch_id = con.execute("SELECT nextval('batch_seq')").fetchone()[0]
        now = dt.datetime.now()
        con.execute(
            "INSERT INTO upload_batch VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', NULL, NULL)",
            [batch_id, report.file_name, report.sha256, actor.name, now, report.rows_total, accepted,
             len(report.rejected), warnings])
        con.execute("""
            INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label, period_start,
                period_end, value, value_text, numerator, denominator, sex, oblast, ministry, source, comment,
                evidence_url, recorded_at)
            SELECT (SELECT coalesce(max(id), 0) FROM measurement) + line_ord, ?, line, programme, indicator,
                period_label, period_start, period_end, value, value_text, numerator, denominator, sex, oblast,
                ministry, source, comment, evidence_url, ?
            FROM accepted""", [batch_id, now])
        audit(con, actor.name, "upload", f"batch {batch_id}",
              {"file": report.file_name, "sha256": report.sha256, "accepted": accepted,
               "rejected": len(report.rejected)}, os_user=actor.os_user)
    return batch_id


def list_batches(db: Path | str | None = None) -> pd.DataFrame:
    with connect(db, write=False) as store:
        return store.execute("""
            SELECT id, file_name, user_name, uploaded_at, rows_total, rows_accepted, rows_rejected, status,
                   status_changed_at, status_changed_by, sha256
            FROM upload_batch ORDER BY id DESC""").df()


def rollback_batch(batch_id: int, actor: User, *, db: Path | str | None = None) -> str:
    """Withdraw a committed batch: its rows stay in history, the previous values become current again."""
    authorize(actor.role, "rollback")
    with writing(db) as store:
        row = store.execute("SELECT status FROM upload_batch WHERE id = ?", [batch_id]).fetchone()
        if row is None:
            raise ValueError(f"no upload batch {batch_id}")
        if row[0] == "rolled_back":
            return f"batch {batch_id} was already rolled back; nothing changed"
        store.execute("""UPDATE upload_batch SET status = 'rolled_back', status_changed_at = now(),
                         status_changed_by = ? WHERE id = ?""", [actor.name, batch_id])
        audit(store, actor.name, "rollback", f"batch {batch_id}", os_user=actor.os_user)
    return f"batch {batch_id} rolled back"


def template_csv(lf: Logframe) -> str:
    """A CSV a TA-team member can fill in: one line per indicator, with the allowed period forms."""
    lines = [",".join(COLUMNS)]
    for _, ind in lf.indicators():
        example = {"milestone": "done", "rating": "1"}.get(ind.type.value, "")
        lines.append(f"{lf.programme.code},{ind.code},,{example},,,,,,,,")
    lines.append(f"# period: {PERIOD_FORMS}; programme window "
                 f"{lf.programme.implementation.fa_signature}..{lf.end_date}")
    return "\n".join(lines) + "\n"


def import_bytes(data: bytes, file_name: str, catalog: Mapping[str, Logframe], actor: User,
                 **options: object) -> ImportReport:
    """:func:`import_csv` for an upload held in memory (the browser's file); same checks, same result."""
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="kzlf-upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return import_csv(Path(name), catalog, actor, file_name=file_name, **options)
    finally:
        Path(name).unlink(missing_ok=True)
