"""The raw DB-API row runner planning reads through, and the values a driver hands back.

Planning reads tens of thousands of rows; SQLAlchemy's Row objects and result processing
cost more than the query itself, so the SELECT runs on the session's own cursor and the
values are parsed here, once per distinct value, by the caller.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.office import TZ


def fetch_rows(session: Session, stmt: sa.Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A SELECT run on the session's own DB-API cursor, rows as plain tuples.

    Planning reads tens of thousands of rows; SQLAlchemy's Row objects and result
    processing cost more than the query itself. Values come as the driver gives them
    (SQLite: dates as ISO strings), which the caller parses once per distinct value."""
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    processors: dict[str, Any] = dict(compiled._bind_processors)  # type: ignore[arg-type]
    values = {
        k: processors[k](v) if k in processors and v is not None else v
        for k, v in compiled.construct_params().items()
    }
    args: Any = (
        tuple(values[k] for k in compiled.positiontup or []) if compiled.positional else values
    )
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.execute(str(compiled), args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def local_date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:  # SQLite hands back naive UTC from a raw aggregate
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ).date()
