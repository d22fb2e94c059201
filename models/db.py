"""Engine and schema: one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import create_engine

# The table classes register themselves on SQLModel.metadata where they are used, and
# Alembic's env imports them all; an engine alone does not need them (a command that lists
# tasks should not pay for the outbox's classes: benchmarks/startup.py).
MIGRATIONS = Path(__file__).parent / "migrations"

# The newest migration. Commands compare the database against this constant instead of
# loading Alembic (which costs a third of a second per command); a unit test keeps it
# equal to Alembic's head.
SCHEMA_HEAD = "0013"


# How long a statement waits for another writer's lock before it gives up (seconds); the
# office may change it ([limits] database_busy_seconds), the default is models.limits'.
DEFAULT_BUSY_SECONDS = 10.0


def make_engine(
    url: str, *, busy_seconds: float = DEFAULT_BUSY_SECONDS, **kwargs: Any
) -> sa.Engine:
    """An engine with the settings each backend needs.

    `busy_seconds`: SQLite's busy timeout, PostgreSQL's lock_timeout. Past it the statement
    fails and the caller says the database is busy, rather than hanging on another writer.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_seconds}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # SQLite leaves foreign keys off unless every connection turns them on.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgresql"):
        # jit=off: PostgreSQL compiles a query to machine code when its estimated cost is high,
        # and the daily check's selection (correlated lookups over 100,000 tasks) is
        # estimated high: at 100,000 tasks the compiling took 0.78 s of the query's 1.20 s,
        # on every run. rectify's queries are short; none gains from it.
        options = f"-c lock_timeout={int(busy_seconds * 1000)} -c jit=off"
        kwargs.setdefault("connect_args", {}).setdefault("options", options)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def upsert(table: sa.Table, dialect: str) -> Any:
    """The backend's own INSERT, which knows ON CONFLICT. Each backend's module is imported
    only when used: PostgreSQL's costs a SQLite command 37 ms to load."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def alembic_config(engine: sa.Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_schema(engine: sa.Engine) -> None:
    """Create or upgrade the schema to the newest migration; safe to run twice."""
    from alembic import command

    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def schema_is_current(engine: sa.Engine) -> bool:
    """True when the database is migrated to SCHEMA_HEAD."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return False
        current = {
            r[0] for r in connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        }
    return current == {SCHEMA_HEAD}


def alembic_heads() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(cfg).get_heads())
