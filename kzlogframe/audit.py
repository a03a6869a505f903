"""Checking the audit log's hash chain: an entry edited, deleted or slipped in beside ``store.audit``
breaks it.

The chain shows tampering by anyone who edits rows; someone who rewrites every hash after the edit
(and the head record) is caught only by comparing the last hash with a copy kept elsewhere, which is
why ``audit verify`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .store import GENESIS, connect, entry_hash

_BATCH = 10_000


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    reason: str | None = None
    last_hash: str = GENESIS


def verify_audit_chain(db: Path | str | None = None) -> AuditCheck:
    """Walk the chain in id order; the first entry found edited, missing or out of the chain stops it."""
    with connect(db, write=False) as con:
        entries = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        head = con.execute("SELECT last_id, hash FROM audit_head").fetchall()
        cursor = con.execute("""SELECT id, logged_at, user_name, action, target, detail, prev_hash, hash
                                FROM audit_log ORDER BY id""")
        prev_id, prev_hash = 0, GENESIS
        while rows := cursor.fetchmany(_BATCH):
            for *content, stored_prev, stored_hash in rows:
                entry_id = content[0]
                if stored_hash is None:
                    return AuditCheck(False, entries, entry_id, "it has no hash: it was written around the audit log")
                if entry_hash(*content, stored_prev) != stored_hash:
                    return AuditCheck(False, entries, entry_id, "it was changed after it was written "
                                                                "(its content no longer matches its hash)")
                if stored_prev != prev_hash:
                    return _broken_link(entries, prev_id, entry_id)
                prev_id, prev_hash = entry_id, stored_hash
    return _check_head(entries, head, prev_id, prev_hash)


def _broken_link(entries: int, prev_id: int, entry_id: int) -> AuditCheck:
    """Entry ``entry_id`` is chained to something other than entry ``prev_id`` (0: the start of the log)."""
    if entry_id > prev_id + 1:
        return AuditCheck(False, entries, prev_id + 1,
                          f"it is missing: entry {entry_id} is chained to an entry that is no longer "
                          + (f"after entry {prev_id}" if prev_id else "in the log"))
    if prev_id == 0:
        return AuditCheck(False, entries, entry_id, "it was replaced: it is not chained to the start of the log")
    return AuditCheck(False, entries, prev_id,
                      f"it was replaced: entry {entry_id} is chained to a different entry {prev_id}")


def _check_head(entries: int, head: list[tuple[int, str]], last_id: int, last_hash: str) -> AuditCheck:
    """The head record names the last entry ``store.audit`` wrote: entries deleted from the end, or
    appended beside it, show here."""
    if len(head) != 1:
        return AuditCheck(False, entries, None, "the record of the last entry written (audit_head) is missing")
    (head_id, head_hash), = head
    if head_id > last_id:
        ends = f"the log ends at entry {last_id}" if last_id else "the log is empty"
        return AuditCheck(False, entries, last_id + 1,
                          f"it is missing: {ends}, but the last entry written was {head_id}")
    if head_id < last_id:
        return AuditCheck(False, entries, head_id + 1,
                          f"it was added beside the audit log: the last entry written was {head_id}")
    if head_hash != last_hash:
        return AuditCheck(False, entries, last_id, "it was replaced: it is not the last entry that was written")
    return AuditCheck(True, entries, last_hash=last_hash)
