"""The SQL that only one store backend accepts, written once per backend (here and nowhere else).

The migrations and the library speak DuckDB's SQL. A DuckLake catalog (``kzlogframe.lake``) takes
the same tables, views and queries, but has no sequences, no PRIMARY KEY/UNIQUE and no CHECK
constraints: :func:`execute` runs a migration's SQL as it is on a DuckDB file, and on DuckLake
rewrites those three things first. A sequence there is a row of ``sequence_value``; the constraints
are dropped, since the library checks every value before it writes it (the DuckDB file keeps them
as a second guard).
"""

from __future__ import annotations

import re

import duckdb

LAKE = "lake"  # the name a DuckLake store is attached under (kzlogframe.lake)

SEQUENCE_TABLE = "CREATE TABLE IF NOT EXISTS sequence_value (name VARCHAR NOT NULL, value BIGINT NOT NULL)"
_CREATE_SEQUENCE = re.compile(r"CREATE SEQUENCE (\w+) START (\d+)", re.IGNORECASE)
_NEXTVAL = re.compile(r"nextval\('(\w+)'\)", re.IGNORECASE)
_PRIMARY_KEY = re.compile(r"\s+PRIMARY KEY\b", re.IGNORECASE)
_CHECK = re.compile(r"\s+CHECK\s*\(", re.IGNORECASE)


def literal_sql(text: str) -> str:
    """``text`` as an SQL string literal (for the statements that take no parameters: ATTACH, LOAD)."""
    return "'" + text.replace("'", "''") + "'"


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """True on a connection to a DuckLake store (its catalog is the one in use)."""
    return con.execute("SELECT current_database()").fetchone()[0] == LAKE


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Before the first migration: the table a DuckLake store keeps its sequences in."""
    if is_lake(con):
        con.execute(SEQUENCE_TABLE)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store has table ``name`` (DuckLake's information_schema lists every table, slowly:
    its catalog in PostgreSQL answers at once)."""
    if is_lake(con):
        sql = (f"SELECT count(*) FROM __ducklake_metadata_{LAKE}.ducklake_table "
               "WHERE table_name = ? AND end_snapshot IS NULL")
    else:
        sql = ("SELECT count(*) FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_name = ?")
    return con.execute(sql, [name]).fetchone()[0] > 0


def execute(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run DuckDB SQL (one or more statements) on either backend."""
    if not is_lake(con):
        con.execute(sql)
        return
    for statement in _statements(sql):
        sequences = _NEXTVAL.findall(statement)
        statement = _CREATE_SEQUENCE.sub(r"INSERT INTO sequence_value VALUES ('\1', \2 - 1)", statement)
        statement = _NEXTVAL.sub(r"((SELECT value FROM sequence_value WHERE name = '\1') + row_number() OVER ())",
                                 statement)
        ddl = _drop_checks(_PRIMARY_KEY.sub("", statement))  # a migration's own SQL, rewritten
        rows = con.execute(ddl).fetchone()
        for name in sequences:  # the rows just numbered used that many values
            con.execute("UPDATE sequence_value SET value = value + ? WHERE name = ?", [rows[0] if rows else 0, name])


def next_id(con: duckdb.DuckDBPyConnection, sequence: str) -> int:
    """The next value of a sequence made by a migration (``CREATE SEQUENCE``)."""
    if not is_lake(con):
        return con.execute("SELECT nextval(?)", [sequence]).fetchone()[0]
    # Writers to a DuckLake store hold its write lock (kzlogframe.lake.write_lock): no two take the same value.
    con.execute("UPDATE sequence_value SET value = value + 1 WHERE name = ?", [sequence])
    return con.execute("SELECT value FROM sequence_value WHERE name = ?", [sequence]).fetchone()[0]


def sequences(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each sequence's last value given out, or one past it: DuckDB lists no reliable current value
    of a sequence (after a reopen it shows the next), so on a DuckDB file this draws one (a gap in
    the ids, which only need to be distinct)."""
    if is_lake(con):
        return dict(con.execute("SELECT name, value FROM sequence_value ORDER BY name").fetchall())
    return {name: con.execute("SELECT nextval(?)", [name]).fetchone()[0] for name in sequences_named(con)}


def sequences_named(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sequences of a store on either backend, by name."""
    if is_lake(con):
        return [name for (name,) in con.execute("SELECT name FROM sequence_value ORDER BY name").fetchall()]
    return [name for (name,) in con.execute("""SELECT sequence_name FROM duckdb_sequences()
                                               WHERE database_name = current_database() ORDER BY 1""").fetchall()]


def set_sequence(con: duckdb.DuckDBPyConnection, name: str, last: int) -> None:
    """Make ``last`` the sequence's last value given out (restoring a backup)."""
    if is_lake(con):
        con.execute("UPDATE sequence_value SET value = ? WHERE name = ?", [last, name])
        return
    if name not in sequences_named(con):
        raise ValueError(f"no sequence {name!r} in the store")
    sequence_sql, start_sql = name, str(int(last) + 1)  # a sequence of the store's own, a number
    con.execute(f"DROP SEQUENCE {sequence_sql}")  # DuckDB has no setval; nothing depends on the sequences
    con.execute(f"CREATE SEQUENCE {sequence_sql} START {start_sql}")


def _statements(sql: str) -> list[str]:
    """``sql`` split at the semicolons outside quoted text."""
    parts, current, quoted = [], [], False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def _drop_checks(statement: str) -> str:
    """``statement`` without its ``CHECK (...)`` clauses (balanced parentheses)."""
    while match := _CHECK.search(statement):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(statement[end], 0)
            end += 1
        statement = statement[:match.start()] + statement[end:]
    return statement
