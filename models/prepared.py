"""A statement compiled once and run many times on the DB-API cursor.

The deliverer writes a few rows for every message it sends (the notice's result and the
attempt): through SQLAlchemy's `execute` each write costs more in statement caching,
parameter processing and result set-up than the database spends on it. A `Prepared`
statement is compiled once for the dialect; every run binds its values through the column
types' own bind processing (UTC timestamps, JSON) exactly as `execute` would, and hands them
to the driver's `executemany` inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa


class Prepared:
    def __init__(self, stmt: sa.Executable, dialect: sa.Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
        self.sql = str(compiled)
        self._positional = bool(compiled.positional)
        self._order: list[str] = list(compiled.positiontup or [])
        self._processors: dict[str, Any] = dict(compiled._bind_processors)
        # Values the statement carries itself (`status == "pending"`): every run sends them.
        self._fixed: dict[str, Any] = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }

    def _bound(self, values: dict[str, Any]) -> dict[str, Any]:
        processors = self._processors
        return {
            k: processors[k](v) if v is not None and k in processors else v
            for k, v in values.items()
        }

    def fetch(self, conn: sa.Connection, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Runs the statement once and returns its rows as the driver gives them."""
        bound = self._bound({**self._fixed, **values})
        args: Any = tuple(bound[k] for k in self._order) if self._positional else bound
        raw: Any = conn.connection.dbapi_connection
        with raw.cursor() as cursor:
            cursor.execute(self.sql, args)
            return list(cursor.fetchall())

    def executemany(self, conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Runs the statement once per row in the connection's current transaction."""
        if not rows:
            return
        bound = [self._bound(row) for row in rows]
        args: list[Any] = (
            [tuple(row[k] for k in self._order) for row in bound] if self._positional else bound
        )
        raw: Any = conn.connection.dbapi_connection
        cursor = raw.cursor()
        try:
            cursor.executemany(self.sql, args)
        finally:
            cursor.close()
