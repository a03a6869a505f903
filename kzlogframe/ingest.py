"""CSV import of indicator measurements: parse as people really write CSV, check every row
against the logframe before anything is written, then commit all accepted rows in one transaction.

Parsing and row checks run as SQL inside DuckDB, so a million rows cost about what DuckDB's own
``read_csv`` costs. File-level problems (encoding, header) stop the import before any row is read.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .access import authorize
from .models import Logframe
from .periods import PERIOD_FORMS, period_end_sql, period_form_sql, period_label_sql, period_start_sql
from .store import audit, connect

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


def detect_encoding(path: Path, file_name: str) -> str:
    """``utf-8`` (BOM or not) when the whole file decodes as UTF-8, else ``cp1251`` (Excel in Kazakhstan).

    cp1251 leaves only byte 0x98 undefined, so a file that is neither is rare (a binary file named
    .csv), but it is the uploader's mistake: an :class:`UploadError` at its line, not a crash.
    """
    if _undecodable_at(path, "utf-8") is None:
        return "utf-8"
    offset = _undecodable_at(path, "cp1251")
    if offset is not None:
        with open(path, "rb") as handle:
            line = handle.read(offset).count(b"\n") + 1
        raise UploadError(f"{file_name}:{line}: the file is neither UTF-8 nor cp1251 text; save it as CSV UTF-8")
    return "cp1251"


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


def _first_line(path: Path, encoding: str) -> str:
    with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        return handle.readline().rstrip("\r\n")


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


def _utf8_copy(path: Path, encoding: str) -> Path:
    """DuckDB reads UTF-8; a cp1251 file is transcoded once to a temporary copy."""
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="kzlf-")
    with open(path, encoding=encoding, newline="") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
        for chunk in iter(lambda: src.read(1 << 20), ""):
            dst.write(chunk)
    return Path(name)


# ---------------------------------------------------------------- logframe tables


def _indicator_frame(catalog: Mapping[str, Logframe]) -> pd.DataFrame:
    rows = []
    for code, lf in catalog.items():
        for _, ind in lf.indicators():
            dims = {d.value for d in ind.disaggregation}
            rows.append({
                "programme": code, "indicator": ind.code, "kind": ind.type.value,
                "scale_max": len(ind.scale), "by_sex": "sex" in dims, "by_oblast": "oblast" in dims,
                "by_ministry": "ministry" in dims, "window_start": lf.programme.implementation.fa_signature,
                "window_end": lf.end_date,
            })
    return pd.DataFrame(rows, columns=["programme", "indicator", "kind", "scale_max", "by_sex", "by_oblast",
                                       "by_ministry", "window_start", "window_end"])


def _allowed_values(catalog: Mapping[str, Logframe]) -> pd.DataFrame:
    rows = [(code, dim, value, value.lower())
            for code, lf in catalog.items()
            for dim in ("oblast", "ministry")
            for value in getattr(lf.programme.disaggregation_values, dim)]
    rows += [(code, "sex", canonical, alias) for code in catalog for alias, canonical in SEX_VALUES.items()]
    return pd.DataFrame(rows, columns=["programme", "dimension", "value", "alias"])


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


# ---------------------------------------------------------------- validation


def _number_sql(x: str) -> str:
    """A number as people type it: plain or with a decimal comma first (cheap), and only for what
    is left, spaces as thousands separators and a trailing %."""
    spaces = "[\\s\\x{00a0}\\x{202f}]"
    return (f"coalesce(try_cast(replace({x}, ',', '.') AS DOUBLE), "
            f"try_cast(replace(regexp_replace(regexp_replace({x}, '{spaces}', '', 'g'), '%$', ''), ',', '.') "
            "AS DOUBLE))")


def _checked_sql(columns: list[str], records: str) -> str:
    """One pass over the records (text columns and their ordinal ``line_ord``): normalised fields
    plus every reason a row is rejected ('' = none)."""
    def col(name: str) -> str:
        return f"nullif(trim(r.{name}), '')" if name in columns else "NULL"

    return f"""
    WITH raw AS (
        SELECT r.line_ord, {col('programme')} AS programme_raw,
               {col('indicator')} AS indicator_raw, upper({col('period')}) AS period_text,
               {col('value')} AS value_raw, {col('sex')} AS sex_raw, {col('oblast')} AS oblast_raw,
               {col('ministry')} AS ministry_raw, {col('source')} AS source, {col('comment')} AS comment,
               {col('evidence_url')} AS evidence_url, {col('numerator')} AS numerator_raw,
               {col('denominator')} AS denominator_raw
        FROM {records} r
    ), n AS (
        SELECT raw.*, lower(programme_raw) AS programme, upper(indicator_raw) AS indicator_key FROM raw
    ), f AS (
        SELECT n.*, {period_form_sql('n.period_text')} AS period_form FROM n
    ), p AS (
        SELECT f.*, {period_start_sql('f.period_text', 'f.period_form')} AS period_start FROM f
    ), q AS (
        SELECT p.*, {period_end_sql('p.period_form', 'p.period_start')} AS period_end,
               {period_label_sql('p.period_text', 'p.period_form', 'p.period_start')} AS period_label,
               i.indicator, i.kind, i.scale_max, i.by_sex, i.by_oblast, i.by_ministry, i.window_start,
               i.window_end, k.programme IS NOT NULL AS programme_known,
               sx.value AS sex, ob.value AS oblast, mi.value AS ministry,
               {_number_sql('p.value_raw')} AS value_num,
               {_number_sql('p.numerator_raw')} AS numerator, {_number_sql('p.denominator_raw')} AS denominator
        FROM p
        LEFT JOIN programmes k ON k.programme = p.programme
        LEFT JOIN ind i ON i.programme = p.programme AND i.indicator_key = p.indicator_key
        LEFT JOIN allowed sx ON sx.programme = p.programme AND sx.dimension = 'sex' AND sx.alias = lower(p.sex_raw)
        LEFT JOIN allowed ob ON ob.programme = p.programme AND ob.dimension = 'oblast' AND ob.alias = lower(p.oblast_raw)
        LEFT JOIN allowed mi ON mi.programme = p.programme AND mi.dimension = 'ministry' AND mi.alias = lower(p.ministry_raw)
    ), v AS (
        SELECT q.*,
            CASE q.kind
                WHEN 'milestone' THEN CASE WHEN lower(q.value_raw) IN ({_sql_list(MILESTONE_DONE)}) THEN 1.0
                                           WHEN lower(q.value_raw) IN ({_sql_list(MILESTONE_NOT_DONE)}) THEN 0.0 END
                WHEN 'rating' THEN CASE WHEN q.value_num = round(q.value_num) AND q.value_num BETWEEN 1 AND q.scale_max
                                        THEN q.value_num END
                ELSE CASE WHEN isfinite(q.value_num) THEN q.value_num END
            END AS value
        FROM q
    )
    SELECT v.* EXCLUDE (value_num, period_form), concat_ws('; ',
        CASE WHEN v.programme IS NULL THEN 'programme is empty'
             WHEN NOT v.programme_known THEN 'unknown programme ''' || v.programme_raw || '''' END,
        CASE WHEN v.programme_known AND v.indicator_key IS NULL THEN 'indicator is empty'
             WHEN v.programme_known AND v.kind IS NULL
             THEN 'unknown indicator ''' || v.indicator_raw || ''' in programme ' || v.programme END,
        CASE WHEN v.period_text IS NULL THEN 'period is empty'
             WHEN v.period_start IS NULL THEN 'period ''' || v.period_text || ''' is not one of {PERIOD_FORMS}'
             WHEN v.kind IS NOT NULL AND (v.period_end < v.window_start OR v.period_start > v.window_end)
             THEN 'period ' || v.period_label || ' is outside the programme window '
                  || strftime(v.window_start, '%Y-%m-%d') || '..' || strftime(v.window_end, '%Y-%m-%d') END,
        CASE WHEN v.kind IS NULL THEN NULL
             WHEN v.value_raw IS NULL THEN 'value is empty'
             WHEN v.value IS NULL AND v.kind = 'milestone'
             THEN 'value ''' || v.value_raw || ''' is not a milestone status (done/1/иә/да/yes or 0/no)'
             WHEN v.value IS NULL AND v.kind = 'rating'
             THEN 'value ''' || v.value_raw || ''' is not a rating 1..' || v.scale_max
             WHEN v.value IS NULL THEN 'value ''' || v.value_raw || ''' is not a number' END,
        CASE WHEN v.sex_raw IS NOT NULL AND v.kind IS NOT NULL AND NOT v.by_sex
             THEN 'indicator is not disaggregated by sex'
             WHEN v.sex_raw IS NOT NULL AND v.kind IS NOT NULL AND v.sex IS NULL
             THEN 'sex ''' || v.sex_raw || ''' is not female/male' END,
        CASE WHEN v.oblast_raw IS NOT NULL AND v.kind IS NOT NULL AND NOT v.by_oblast
             THEN 'indicator is not disaggregated by oblast'
             WHEN v.oblast_raw IS NOT NULL AND v.kind IS NOT NULL AND v.oblast IS NULL
             THEN 'oblast ''' || v.oblast_raw || ''' is not declared for ' || v.programme END,
        CASE WHEN v.ministry_raw IS NOT NULL AND v.kind IS NOT NULL AND NOT v.by_ministry
             THEN 'indicator is not disaggregated by ministry'
             WHEN v.ministry_raw IS NOT NULL AND v.kind IS NOT NULL AND v.ministry IS NULL
             THEN 'ministry ''' || v.ministry_raw || ''' is not declared for ' || v.programme END,
        CASE WHEN v.numerator_raw IS NOT NULL AND v.numerator IS NULL THEN 'numerator is not a number' END,
        CASE WHEN v.denominator_raw IS NOT NULL AND (v.denominator IS NULL OR v.denominator = 0)
             THEN 'denominator is not a non-zero number' END
    ) AS reason
    FROM v
    """


@dataclass
class _Parsed:
    rows_total: int
    encoding: str
    delimiter: str
    columns: int


def _csv_scan_sql(columns: list[str]) -> str:
    """DuckDB's reader over the file (parameters: path, delimiter): every record as text; records it
    cannot parse land in ``csv_rejects`` with their line."""
    column_types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    return f"""read_csv($path, header = true, auto_detect = false, delim = $delimiter, quote = '"', escape = '"',
                columns = {column_types}, encoding = 'utf-8', store_rejects = true, ignore_errors = true,
                rejects_table = 'csv_rejects', rejects_scan = 'csv_scans', parallel = true)"""


# What makes two rows the same measurement.
_KEY = ("programme", "indicator", "period_start", "period_end", "coalesce(sex, '')", "coalesce(oblast, '')",
        "coalesce(ministry, '')")


def _load(con: duckdb.DuckDBPyConnection, path: Path, file_name: str, catalog: Mapping[str, Logframe]) -> _Parsed:
    """Check the file as a whole, then build the temporary ``checked`` table (one row per record with
    its reasons) and the ``lines`` and ``accepted`` views in ``con``; the store's tables are untouched."""
    if path.stat().st_size == 0:
        raise UploadError(f"{file_name}:1: the file is empty")
    encoding = detect_encoding(path, file_name)
    header = _first_line(path, encoding)
    delimiter = detect_delimiter(header)
    columns = canonical_header(header, delimiter, file_name)
    readable = path if encoding == "utf-8" else _utf8_copy(path, encoding)
    indicators = _indicator_frame(catalog)
    indicators["indicator_key"] = indicators["indicator"].str.upper()
    con.register("ind_df", indicators)
    con.register("allowed_df", _allowed_values(catalog))
    try:
        con.execute("CREATE TEMP TABLE ind AS SELECT * FROM ind_df")
        con.execute("CREATE TEMP TABLE allowed AS SELECT * FROM allowed_df")
        con.execute("CREATE TEMP TABLE programmes AS SELECT DISTINCT programme FROM ind")
        try:
            # Read in parallel first; the table keeps the file's order, so rowid numbers the records.
            con.execute(f"CREATE TEMP TABLE records AS SELECT * FROM {_csv_scan_sql(columns)}",
                        {"path": str(readable), "delimiter": delimiter})
        except duckdb.InvalidInputException as exc:
            # DuckDB's strict reader gives up on a file whose records mix CRLF and LF line endings.
            raise UploadError(f"{file_name}:1: the file cannot be read as CSV (are its line endings mixed, "
                              "some CRLF and some LF?); save it again as CSV and re-upload") from exc
        con.execute(f"CREATE TEMP TABLE checked AS "
                    f"{_checked_sql(columns, '(SELECT rowid + 1 AS line_ord, * FROM records)')}")
        con.execute("DROP TABLE records")
    finally:
        con.unregister("ind_df")
        con.unregister("allowed_df")
        if readable != path:
            readable.unlink(missing_ok=True)
    # DuckDB numbers records (header = 1); a record it could not parse shifts the ordinals after it.
    con.execute("CREATE TEMP TABLE bad AS SELECT DISTINCT CAST(line AS BIGINT) AS line FROM csv_rejects")
    bad = con.execute("SELECT count(*) FROM bad").fetchone()[0]
    line_sql = ("c.line_ord + 1 + (SELECT count(*) FROM (SELECT line - row_number() OVER (ORDER BY line) AS gap "
            "FROM bad) b WHERE b.gap - 1 < c.line_ord)") if bad else "c.line_ord + 1"
    keyed_sql = ", ".join(f"{k} AS k{i}" for i, k in enumerate(_KEY))
    con.execute(f"""CREATE TEMP TABLE dups AS
                    SELECT {keyed_sql}, min(line_ord) AS first_ord FROM checked WHERE reason = ''
                    GROUP BY ALL HAVING count(*) > 1""")
    matches_sql = " AND ".join(f"d.k{i} = c.{k}" if "(" not in k else f"d.k{i} = {k.replace('(', '(c.', 1)}"
                           for i, k in enumerate(_KEY))
    con.execute(f"""CREATE TEMP VIEW lines AS
                    SELECT c.*, {line_sql} AS line, d.first_ord FROM checked c
                    LEFT JOIN dups d ON c.reason = '' AND {matches_sql}""")
    con.execute("""CREATE TEMP VIEW accepted AS
                   SELECT line, line_ord, programme, indicator, period_label, period_start, period_end, value,
                          value_raw AS value_text, numerator, denominator, coalesce(sex, '') AS sex,
                          coalesce(oblast, '') AS oblast, coalesce(ministry, '') AS ministry, source, comment,
                          evidence_url
                   FROM lines WHERE reason = '' AND (first_ord IS NULL OR first_ord = line_ord)""")
    total = con.execute("SELECT count(*) FROM checked").fetchone()[0] + bad
    if total == 0:
        raise UploadError(f"{file_name}:2: the file has a header but no data rows")
    return _Parsed(total, encoding, delimiter, len(columns))


_REJECTED = """
    SELECT line, CASE WHEN reason = '' THEN 'duplicate of line ' ||
                      (SELECT min(x.line) FROM lines x WHERE x.line_ord = r.first_ord)
                      ELSE reason END AS reason,
           programme_raw AS programme, indicator_raw AS indicator, period_text AS period, value_raw AS value
    FROM lines r WHERE reason <> '' OR (first_ord IS NOT NULL AND first_ord <> line_ord)
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
            WHERE m.value IS NOT NULL AND (m.programme, m.indicator) IN (SELECT programme, indicator FROM accepted)
        ), stats AS (
            SELECT programme, indicator, sex, oblast, ministry, median(value) AS med,
                   median(abs(value - med_all)) AS mad
            FROM (SELECT *, median(value) OVER (PARTITION BY programme, indicator, sex, oblast, ministry) AS med_all
                  FROM history)
            GROUP BY ALL HAVING count(*) >= 3
        )
        SELECT a.line, 'value ' || a.value || ' is an outlier against the indicator''s history (median '
               || round(s.med, 4) || ', modified z-score ' || round(0.6745 * (a.value - s.med) / s.mad, 1) || ')'
               AS warning, a.indicator, a.period_label AS period, a.value
        FROM accepted a JOIN stats s USING (programme, indicator, sex, oblast, ministry)
        WHERE s.mad > 0 AND abs(0.6745 * (a.value - s.med) / s.mad) > 3.5
        ORDER BY a.line""").df()


def import_csv(path: Path | str, catalog: Mapping[str, Logframe], *, user: str = "local", role: str = "admin",
               file_name: str | None = None, db: Path | str | None = None, dry_run: bool = False) -> ImportReport:
    """Validate every row, then (unless ``dry_run``) commit the accepted ones as one batch.

    ``role`` is the caller's role: committing needs the upload permission (a dry run does not).
    Checks run inside the store's connection on temporary tables, so the accepted rows reach
    ``measurement`` in one INSERT without leaving DuckDB. Re-importing a file whose bytes were
    already committed changes nothing. Raises :class:`UploadError` for a file that cannot be read
    as a table at all.
    """
    if not dry_run:
        authorize(role, "upload")
    path = Path(path)
    file_name = file_name or path.name
    digest = sha256_of(path)
    with connect(db, write=not dry_run) as con:
        parsed = _load(con, path, file_name, catalog)
        rejected = con.execute(_REJECTED, {"fields": parsed.columns,
                                           "delimiter": parsed.delimiter.replace("\t", "tab")}).df()
        accepted_count = con.execute("SELECT count(*) FROM accepted").fetchone()[0]
        preview = con.execute("SELECT * EXCLUDE (line_ord) FROM accepted ORDER BY line LIMIT 1000").df()
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
            report.batch_id = _commit(con, report, user, accepted_count)
            report.status = "committed"
    return report


def _commit(con: duckdb.DuckDBPyConnection, report: ImportReport, user: str, accepted: int) -> int:
    """The batch and its rows in one transaction: all of them or, on any failure, none."""
    warnings = report.warnings.to_json(orient="records", force_ascii=False) if len(report.warnings) else None
    con.execute("BEGIN TRANSACTION")
    try:
        batch_id = con.execute("SELECT nextval('batch_seq')").fetchone()[0]
        now = dt.datetime.now()
        con.execute(
            "INSERT INTO upload_batch VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', NULL, NULL)",
            [batch_id, report.file_name, report.sha256, user, now, report.rows_total, accepted,
             len(report.rejected), warnings])
        con.execute("""
            INSERT INTO measurement (id, batch_id, line, programme, indicator, period_label, period_start,
                period_end, value, value_text, numerator, denominator, sex, oblast, ministry, source, comment,
                evidence_url, recorded_at)
            SELECT (SELECT coalesce(max(id), 0) FROM measurement) + line_ord, ?, line, programme, indicator,
                period_label, period_start, period_end, value, value_text, numerator, denominator, sex, oblast,
                ministry, source, comment, evidence_url, ?
            FROM accepted""", [batch_id, now])
        audit(con, user, "upload", f"batch {batch_id}",
              {"file": report.file_name, "sha256": report.sha256, "accepted": accepted,
               "rejected": len(report.rejected)})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return batch_id


def list_batches(db: Path | str | None = None) -> pd.DataFrame:
    with connect(db, write=False) as store:
        return store.execute("""
            SELECT id, file_name, user_name, uploaded_at, rows_total, rows_accepted, rows_rejected, status,
                   status_changed_at, status_changed_by, sha256
            FROM upload_batch ORDER BY id DESC""").df()


def rollback_batch(batch_id: int, *, user: str = "local", role: str = "admin", db: Path | str | None = None) -> str:
    """Withdraw a committed batch: its rows stay in history, the previous values become current again."""
    authorize(role, "rollback")
    with connect(db) as store:
        row = store.execute("SELECT status FROM upload_batch WHERE id = ?", [batch_id]).fetchone()
        if row is None:
            raise ValueError(f"no upload batch {batch_id}")
        if row[0] == "rolled_back":
            return f"batch {batch_id} was already rolled back; nothing changed"
        store.execute("BEGIN TRANSACTION")
        try:
            store.execute("""UPDATE upload_batch SET status = 'rolled_back', status_changed_at = now(),
                             status_changed_by = ? WHERE id = ?""", [user, batch_id])
            audit(store, user, "rollback", f"batch {batch_id}")
            store.execute("COMMIT")
        except Exception:
            store.execute("ROLLBACK")
            raise
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


def import_bytes(data: bytes, file_name: str, catalog: Mapping[str, Logframe], **options: object) -> ImportReport:
    """:func:`import_csv` for an upload held in memory (the browser's file); same checks, same result."""
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="kzlf-upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return import_csv(Path(name), catalog, file_name=file_name, **options)
    finally:
        Path(name).unlink(missing_ok=True)
