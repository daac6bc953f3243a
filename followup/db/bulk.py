"""Writing many rows at once: the storing of mail and the detection pass insert thousands of
rows per batch, and the cost of doing it row by row (or through ORM objects) is larger than
the database's own work.

`insert_many` is an executemany; `insert_and_read_ids` inserts, then reads the new rows' ids
back by a unique key (on SQLite, INSERT ... RETURNING with the rows' order kept runs one
statement per row); `insert_returning_ids` is for rows that have no other unique key.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

IN_CHUNK = 500
"""Values per SQL IN (...) list and rows per executemany."""


def chunks(values: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def insert_many(connection: Connection, table, rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """INSERT every row (dicts with the same keys), as executemany; with `ignore_conflicts` a
    row that violates a unique constraint is skipped (a concurrent writer inserted it).

    On SQLite the statement is compiled once and the rows go to the driver as tuples,
    through the columns' own bind processors (JSON, UTCDateTime, booleans): the same
    values SQLAlchemy would send, without its per-row parameter handling, which cost
    more than SQLite's own work for a Message row.
    """
    if not rows:
        return
    dialect = connection.dialect
    plan = _driver_insert(table, tuple(rows[0]), ignore_conflicts, dialect) if dialect.name == "sqlite" else None
    if plan is None:
        statement = _insert_ignoring(table, dialect.name) if ignore_conflicts else insert(table)
        for chunk in chunks(rows):
            connection.execute(statement, chunk)
        return
    sql, keys, processors = plan
    for chunk in chunks(rows):
        connection.exec_driver_sql(sql, [
            tuple(row[k] if proc is None else proc(row[k]) for k, proc in zip(keys, processors))
            for row in chunk])


def insert_and_read_ids(connection: Connection, table, rows: list[dict], *, key: tuple[str, ...],
                        scope: dict) -> list[int]:
    """Insert `rows`, then their ids in the order of `rows`, read back by `key`: columns unique
    within `scope` (column values every row shares, such as the account)."""
    if not rows:
        return []
    insert_many(connection, table, rows)
    scoped = [table.c[name] == value for name, value in scope.items()]
    first, key_columns = table.c[key[0]], [table.c[name] for name in key]
    found: dict[tuple, int] = {}
    for chunk in chunks(sorted({row[key[0]] for row in rows})):
        for row in connection.execute(select(table.c.id, *key_columns).where(*scoped, first.in_(chunk))):
            found[tuple(row[1:])] = row[0]
    return [found[tuple(row[name] for name in key)] for row in rows]


def insert_returning_ids(connection: Connection, table, rows: list[dict]) -> list[int]:
    """Insert `rows`; their ids in the order of `rows` (INSERT ... RETURNING)."""
    ids: list[int] = []
    for chunk in chunks(rows):
        result = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)
        ids.extend(row[0] for row in result)
    return ids


def _insert_ignoring(table, dialect_name: str):
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect_name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)  # pragma: no cover - only the two supported databases


_DRIVER_INSERTS: dict[tuple, tuple | None] = {}


def _driver_insert(table, keys: tuple[str, ...], ignore_conflicts: bool, dialect):
    """(SQL, parameter keys in order, bind processors) for a positional executemany of rows
    with `keys` on SQLite; None when the compiled statement needs more than the rows give
    (a column default to fill in): then SQLAlchemy's own executemany runs."""
    cache_key = (table.name, keys, ignore_conflicts, dialect.name)
    if cache_key not in _DRIVER_INSERTS:
        statement = sqlite.insert(table)
        if ignore_conflicts:
            statement = statement.on_conflict_do_nothing()
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        order = compiled.positiontup or []
        plan = None
        if dialect.paramstyle == "qmark" and set(order) == set(keys) and len(order) == len(keys):
            processors = tuple(table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
                               for k in order)
            plan = (compiled.string, tuple(order), processors)
        _DRIVER_INSERTS[cache_key] = plan
    return _DRIVER_INSERTS[cache_key]
