"""Alembic environment: the schema is SQLModel.metadata; the connection is passed in."""

from alembic import context
from sqlmodel import SQLModel

import models.followups  # noqa: F401
import models.outbox  # noqa: F401
import models.score_tables  # noqa: F401
import models.tables  # noqa: F401
import models.web_sessions  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = config.attributes["engine"]
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
