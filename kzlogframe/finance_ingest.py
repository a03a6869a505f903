"""CSV import of financial entries, read as measurements are (:mod:`kzlogframe.ingest`: the same
encoding rule, separators, header matching in three languages and line-numbered refusals), checked by
:func:`finance.check_rows`, and committed as one upload batch in one transaction: the batch table,
rollback (:func:`ingest.rollback_batch`), the duplicate-file check and the audit chain are the
measurements'. Finance files are small (a few hundred contracts and payments), so they are parsed
in Python rather than staged in DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from . import ingest
from .access import User, allowed, allowed_somewhere, authorize_somewhere
from .file_encoding import prepare
from .finance import ENTRY_COLUMNS, KINDS, Checked, RawRow, check_rows, contracting_deadline, indicative
from .i18n import LANGUAGES, t
from .models import Logframe
from .store import IMPORT_WAIT_SECONDS, audit, connect, transaction
from .review import outside_review

REQUIRED = ("programme", "budget_line", "date", "kind", "amount")
OPTIONAL = ("contract_id", "contract_type", "contractor", "currency", "comment")
COLUMNS = REQUIRED + OPTIONAL
COLUMNS_SQL = ", ".join(ENTRY_COLUMNS)
ENTRY_COLUMNS_SQL = ", ".join(f"f.{c}" for c in ENTRY_COLUMNS)  # the same, of finance_entry f
MAX_FILE_BYTES = 20 << 20  # ~100,000 entries: far beyond a programme's contracts and payments
_ALIASES = {
    "programme": ["program"],
    "budget_line": ["budget line", "line", "жол", "бюджет жолы", "бюджет бабы", "статья", "статья бюджета", "строка"],
    "date": ["entry_date", "күн", "күні", "дата"],
    "kind": ["type", "түрі", "тип", "вид"],
    "amount": ["sum", "сома", "сомасы", "сумма"],
    "contract_id": ["contract", "contract no", "келісімшарт", "келісімшарт №", "контракт", "договор",
                    "№ контракта", "номер контракта"],
    "contract_type": ["contract type", "келісімшарт түрі", "тип контракта", "вид контракта"],
    "contractor": ["мердігер", "орындаушы", "подрядчик", "исполнитель", "контрагент"],
    "currency": ["валюта"],
    "comment": [],
}


@cache
def header_aliases() -> dict[str, str]:
    """Every header name the importer accepts: the column's field name, its name in each language
    (so a template written in Kazakh or Russian reads back), the measurement importer's names for
    programme and comment, and the usual synonyms."""
    aliases = {alias: column for alias, column in ingest.HEADER_ALIASES.items() if column in ("programme", "comment")}
    for column, words in _ALIASES.items():
        for word in [column, *words, *(t(f"finance.column.{column}", lang) for lang in LANGUAGES)]:
            aliases[word.lower()] = column
    return aliases


class FinanceUploadError(ingest.UploadError):
    """The file cannot be read as a table of financial entries at all."""


@dataclass
class FinanceReport:
    file_name: str
    sha256: str
    status: str  # "dry_run" | "committed" | "duplicate" | "nothing_to_commit" | "refused_scope"
    rows_total: int
    checked: Checked
    batch_id: int | None = None
    duplicate_of: int | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    lang: str = "en"
    out_of_scope: tuple[str, ...] = ()  # programmes with rows the actor may not upload to ("refused_scope")

    @property
    def accepted(self) -> pd.DataFrame:
        return self.checked.accepted

    @property
    def rejected(self) -> pd.DataFrame:
        return self.checked.rejected

    @property
    def warnings(self) -> pd.DataFrame:
        return self.checked.warnings

    @property
    def message(self) -> str:
        key = {"duplicate": "finance.status.duplicate", "committed": "finance.status.committed",
               "nothing_to_commit": "finance.status.nothing", "refused_scope": "access20.status.scope_refused"
               }.get(self.status, "finance.status.dry_run")
        return t(key, self.lang, file=self.file_name, batch=self.batch_id or self.duplicate_of,
                 programmes=", ".join(code.upper() for code in self.out_of_scope),
                 accepted=len(self.accepted), rejected=len(self.rejected), warnings=len(self.warnings))


def _header(names: list[str], file_name: str, lang: str) -> list[str]:
    aliases, canonical, problems = header_aliases(), [], []
    for position, name in enumerate(names, start=1):
        column = aliases.get(name.strip().strip('"').strip().lower())
        if column is None or column in canonical:
            problems.append(t("finance.error.unknown_column", lang, name=ingest.shown(name.strip()), position=position))
        else:
            canonical.append(column)
    missing = [c for c in REQUIRED if c not in canonical]
    if missing:
        problems.append(t("finance.error.missing_columns", lang,
                          columns=", ".join(t(f"finance.column.{c}", lang) for c in missing)))
    if problems:
        raise FinanceUploadError(f"{file_name}:1: " + t("finance.error.header", lang, problems="; ".join(problems),
                                                        columns=", ".join(t(f"finance.column.{c}", lang)
                                                                          for c in COLUMNS)))
    return canonical


def read_rows(path: Path, file_name: str, lang: str = "en") -> tuple[list[RawRow], str, str, str]:
    """The records of a financial CSV with their physical lines, and its encoding, delimiter and
    sha256. The encoding is decided by the measurement importer's rule (UTF-8 with or without BOM,
    or Windows-1251; a file mixing them is refused)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FinanceUploadError(f"{file_name}: " + t("finance.error.unreadable", lang, reason=exc.strerror)) from exc
    if size == 0:
        raise FinanceUploadError(f"{file_name}:1: " + t("ingest.error.empty", lang))
    if size > MAX_FILE_BYTES:
        raise FinanceUploadError(f"{file_name}: " + t("finance.error.too_large", lang, limit=MAX_FILE_BYTES >> 20))
    ingest.header_line(path, file_name, "latin-1", lang)  # the header's size limit, before reading the rest
    facts = prepare(path, file_name, lang)
    try:
        text = facts.readable.read_text(encoding="utf-8").removeprefix(codecs.BOM_UTF8.decode())
    finally:
        if facts.readable != path:
            facts.readable.unlink(missing_ok=True)
    delimiter = ingest.detect_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise FinanceUploadError(f"{file_name}:1: " + t("ingest.error.empty", lang)) from exc
    columns = _header(header, file_name, lang)
    rows, start = [], reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record) and not record[0].lstrip().startswith("#"):
            rows.append(RawRow(start, dict(zip(columns, record))))
        start = reader.line_num + 1
    if not rows:
        raise FinanceUploadError(f"{file_name}:2: " + t("ingest.error.no_rows", lang))
    return rows, facts.encoding, delimiter, facts.sha256


def current_entries(programme: str | None = None, db: Path | str | None = None) -> pd.DataFrame:
    """The current financial entries (the newest of each entry of every committed batch), in date order."""
    with connect(db, write=False) as con:
        where_sql, params = ("WHERE programme = ?", [programme]) if programme else ("", [])
        return con.execute(f"""SELECT {COLUMNS_SQL}, batch_id, file_name, uploaded_by, recorded_at
                               FROM finance_current {where_sql} ORDER BY entry_date, programme, budget_line, line""",
                           params).df()


def entries_by_id(ids: list[int], db: Path | str | None = None) -> pd.DataFrame:
    """Financial entries by id, as :func:`current_entries` gives them, whatever happened to their batch
    since (a report as submitted counts the money it counted then)."""
    with connect(db, write=False) as con:
        con.register("wanted", pd.DataFrame({"id": pd.Series(ids, dtype="int64")}))
        return con.execute(f"""SELECT {ENTRY_COLUMNS_SQL}, f.batch_id, b.file_name,
                                      b.user_name AS uploaded_by, f.recorded_at
                               FROM finance_entry f JOIN upload_batch b ON b.id = f.batch_id
                               SEMI JOIN wanted w ON w.id = f.id
                               ORDER BY f.entry_date, f.programme, f.budget_line, f.line""").df()


def finance_batches(programme: str | None = None, db: Path | str | None = None) -> pd.DataFrame:
    """The upload batches that brought financial entries, newest first, whatever their status."""
    with connect(db, write=False) as con:
        where_sql = "WHERE programme = ?" if programme else ""
        return con.execute(f"""
            SELECT id, file_name, user_name, uploaded_at, rows_total, rows_accepted, rows_rejected, status,
                   status_changed_at, status_changed_by
            FROM upload_batch WHERE id IN (SELECT batch_id FROM finance_entry {where_sql}) ORDER BY id DESC""",
                           [programme] if programme else []).df()


def import_finance(path: Path | str, catalog: Mapping[str, Logframe], actor: User, *, file_name: str | None = None,
                   db: Path | str | None = None, dry_run: bool = False, today: dt.date | None = None,
                   lang: str = "en", lock_wait: float = IMPORT_WAIT_SECONDS) -> FinanceReport:
    """Check every row, then (unless ``dry_run``) commit the accepted ones as one batch in ``actor``'s
    name (the upload permission), all or nothing. The checks that compare with what is stored
    (ceilings, commitments) read the store in the same window as the write. Re-importing bytes
    already committed changes nothing. A row of a programme where ``actor`` may not upload refuses
    the whole file, as :func:`ingest.import_csv` does."""
    if not dry_run:
        authorize_somewhere(actor, "upload")
    path = Path(path)
    file_name = file_name or path.name
    rows, encoding, delimiter, sha256 = read_rows(path, file_name, lang)
    programmes = sorted({(r.cells.get("programme") or "").strip().lower() for r in rows} & set(catalog))
    with connect(db, write=not dry_run, wait=lock_wait) as store:
        marks_sql = ", ".join("?" * len(programmes)) or "NULL"
        current = store.execute(f"SELECT {COLUMNS_SQL} FROM finance_current WHERE programme IN ({marks_sql})",
                                programmes).df()
        checked = _scoped(check_rows(rows, catalog, current, today or dt.date.today(), lang), actor, lang)
        report = FinanceReport(file_name, sha256, "dry_run", len(rows), checked, encoding=encoding,
                               delimiter=delimiter, lang=lang, out_of_scope=tuple(
                                   sorted(set(checked.accepted["programme"]) - set(_uploadable(actor, checked)))))
        previous = store.execute("""SELECT id FROM upload_batch WHERE sha256 = ? AND status = 'committed'
                                    AND id IN (SELECT batch_id FROM finance_entry) ORDER BY id LIMIT 1""",
                                 [sha256]).fetchone()
        if report.out_of_scope:
            report.status = "refused_scope"
        elif previous:
            report.status, report.duplicate_of = "duplicate", previous[0]
        elif not dry_run and checked.accepted.empty:
            report.status = "nothing_to_commit"
        elif not dry_run:
            report.batch_id = _commit(store, report, actor)
            report.status = "committed"
    return report


def _uploadable(actor: User, checked: Checked) -> list[str]:
    """The programmes of the accepted rows where ``actor`` may upload (all of them when ``actor`` may
    upload nowhere: a dry run, which commits nothing)."""
    codes = sorted(set(checked.accepted["programme"]))
    if not allowed_somewhere(actor, "upload"):
        return codes
    return [code for code in codes if allowed(actor, "upload", code)]


def _scoped(checked: Checked, actor: User, lang: str) -> Checked:
    """``checked`` with a rejected row, naming its programme, for each accepted row of a programme
    where ``actor`` may not upload (the rows stay accepted: the file is refused whole)."""
    denied = checked.accepted[~checked.accepted["programme"].isin(_uploadable(actor, checked))]
    if denied.empty:
        return checked
    reasons = pd.DataFrame({"line": denied["line"], "reason": [
        t("access20.reason.scope", lang, programme=code.upper(), user=actor.name,
          role=t(f"role.{actor.role_in(code)}", lang)) for code in denied["programme"]]})
    rejected = pd.concat([checked.rejected, reasons], ignore_index=True).sort_values("line", ignore_index=True)
    return Checked(checked.accepted, rejected, checked.warnings)


def _commit(store, report: FinanceReport, actor: User) -> int:
    """The batch, its entries and its audit entry in one transaction."""
    incoming = report.accepted.assign(entry_date=pd.to_datetime(report.accepted["entry_date"]))
    store.register("incoming_finance", incoming)
    try:
        with transaction(store):
            now = dt.datetime.now()
            batch_id = ingest.new_batch(store, report.file_name, report.sha256, actor, now, report.rows_total,
                                        len(report.accepted), len(report.rejected), report.warnings)
            first_id = store.execute("SELECT coalesce(max(id), 0) FROM finance_entry").fetchone()[0]
            store.execute("""
                INSERT INTO finance_entry (id, batch_id, line, programme, budget_line, entry_date, kind, contract_id,
                    contract_type, contractor, amount, currency, comment, recorded_at)
                SELECT ? + row_number() OVER (ORDER BY line), ?, line, programme, budget_line,
                       CAST(entry_date AS DATE), kind, contract_id, contract_type, contractor, amount, currency,
                       comment, ?
                FROM incoming_finance""", [first_id, batch_id, now])
            outside_review(store, batch_id, actor)
            audit(store, actor.name, "finance_upload", f"batch {batch_id}",
                  {"file": report.file_name, "sha256": report.sha256, "accepted": len(report.accepted),
                   "rejected": len(report.rejected), "warnings": len(report.warnings)}, os_user=actor.os_user)
    finally:
        store.unregister("incoming_finance")
    return batch_id


def import_finance_bytes(data: bytes, file_name: str, catalog: Mapping[str, Logframe], actor: User,
                         **options: object) -> FinanceReport:
    """:func:`import_finance` for an upload held in memory (the browser's file)."""
    with ingest.held_as_file(data, ".csv", "kzlf-finance-") as path:
        return import_finance(path, catalog, actor, file_name=file_name, **options)


def template_csv(lf: Logframe, lang: str = "en") -> bytes:
    """A CSV Excel in Kazakhstan opens as it is (UTF-8 with BOM, ``;``), headers in ``lang``: one
    commitment and one disbursement line per budget line with an indicative amount, to be overwritten."""
    currency = lf.programme.currency.value
    kinds = {k: t(f"finance.kind.{k}", lang) for k in KINDS}
    start = lf.programme.implementation.fa_signature.strftime("%d.%m.%Y")
    rows = [[t(f"finance.column.{c}", lang) for c in COLUMNS]]
    for line in lf.budget.lines:
        if indicative(lf, line) <= 0:
            continue
        rows.append([lf.programme.code, line.code, start, kinds["commitment"], "", "", line.contract or "", "",
                     currency, ""])
        rows.append([lf.programme.code, line.code, start, kinds["disbursement"], "", "", line.contract or "", "",
                     currency, ""])
    deadline = contracting_deadline(lf)
    note = t("finance.template.note", lang, currency=currency,
             start=lf.programme.implementation.fa_signature.isoformat(),
             end=(lf.end_date - dt.timedelta(days=1)).isoformat(), kinds=", ".join(kinds.values()))
    if deadline:
        note += " " + t("finance.template.deadline", lang, deadline=(deadline - dt.timedelta(days=1)).isoformat())
    lines = [";".join(_csv_cell(cell) for cell in row) for row in rows] + ["# " + note]
    return codecs.BOM_UTF8 + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _csv_cell(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ';"\n') else text
