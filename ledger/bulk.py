"""Inserting many rows in one go, inside the caller's transaction.

SQLite: one executemany. PostgreSQL: COPY, because psycopg's executemany still sends one
statement per row (measured on a 10,000-row import: 2.1 s of executemany against about
0.2 s of COPY for the same rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session


def _column_defaults(table: sa.Table, given: set[str]) -> dict[str, Any]:
    """Python-side column defaults (executemany applies them; COPY would not)."""
    defaults = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        default = column.default
        if isinstance(default, sa.ColumnDefault) and default.is_scalar:
            defaults[column.name] = default.arg
        elif isinstance(default, sa.ColumnDefault) and default.is_callable:
            defaults[column.name] = default.arg  # called per row below
    return defaults


def bulk_insert(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_executemany(connection, table, rows)
        return
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), list(rows))
        return
    names = list(rows[0])
    defaults = _column_defaults(table, set(names))
    columns = names + list(defaults)
    # Each value goes through the column type's bind processing (UTC timestamps, enums, JSON)
    # exactly as an INSERT would send it.
    processors = [table.c[name].type._cached_bind_processor(connection.dialect) for name in columns]
    quoted = ", ".join(f'"{name}"' for name in columns)
    raw: Any = connection.connection.dbapi_connection  # a psycopg Connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in names]
            for value in defaults.values():
                values.append(value({}) if callable(value) else value)
            copy.write_row(
                [
                    p(v) if p is not None and v is not None else v
                    for p, v in zip(processors, values, strict=True)
                ]
            )


def _sqlite_executemany(
    connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    """One executemany on the DB-API cursor with the values bound as an INSERT would bind
    them: SQLAlchemy's own executemany spends longer preparing each row's parameters than
    SQLite spends inserting it (100,000 reminder marks: 1.5 s of 2 s)."""
    names = list(rows[0])
    defaults = _column_defaults(table, set(names))
    columns = names + list(defaults)
    processors = [table.c[name].type._cached_bind_processor(connection.dialect) for name in columns]
    quoted = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)

    # Only typed columns (dates, times, JSON) need binding, and their values repeat across
    # rows (a run's `now`, a deadline): each date or time is bound once.
    typed = [(i, p) for i, p in enumerate(processors) if p is not None]
    bound: dict[tuple[int, Any], Any] = {}
    pick = itemgetter(*names)

    def values(row: dict[str, Any]) -> list[Any]:
        given = list(pick(row)) if len(names) > 1 else [row[names[0]]]
        for value in defaults.values():
            given.append(value({}) if callable(value) else value)
        for i, processor in typed:
            value = given[i]
            if value is None:
                continue
            if isinstance(value, date):
                key = (i, value)
                if key not in bound:
                    bound[key] = processor(value)
                given[i] = bound[key]
            else:
                given[i] = processor(value)
        return given

    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', map(values, rows)
        )
    finally:
        cursor.close()
