"""Migration 0006 (history channel) upgrades a database made by 0005 with history in it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import alembic_config, make_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    name = f"rectify_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _upgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def test_history_of_0005_keeps_every_row_and_gets_an_empty_channel(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        _upgrade(engine, "0005")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO history (id, at, actor, action, entity, entity_id, field, note) "
                    "VALUES (1, '2026-11-02 01:00:00+00:00', '周主任', 'register', 'unit', 1, '', ''),"
                    " (2, '2026-11-02 01:05:00+00:00', '陈某', 'progress', 'task', 7, '', '已约谈')"
                )
            )
        _upgrade(engine, "0006")
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
            rows = conn.execute(
                sa.text("SELECT id, actor, action, note, channel FROM history ORDER BY id")
            ).all()
        assert version == "0006"
        assert [tuple(r) for r in rows] == [
            (1, "周主任", "register", "", ""),
            (2, "陈某", "progress", "已约谈", ""),
        ]
        with engine.begin() as conn:  # new rows may name their channel
            conn.execute(
                sa.text(
                    "INSERT INTO history (id, at, actor, action, entity, entity_id, field, note, channel)"
                    " VALUES (3, '2026-11-03 01:00:00+00:00', '周主任', 'verify', 'task', 7, '', '', 'cli:root')"
                )
            )
    finally:
        engine.dispose()
