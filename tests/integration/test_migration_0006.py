"""Migration 0006 (history channel) upgrades a database made by 0005 with history in it."""

from __future__ import annotations

import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate


def test_history_of_0005_keeps_every_row_and_gets_an_empty_channel(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0005")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO history (id, at, actor, action, entity, entity_id, field, note) "
                    "VALUES (1, '2026-11-02 01:00:00+00:00', '周主任', 'register', 'unit', 1, '', ''),"
                    " (2, '2026-11-02 01:05:00+00:00', '陈某', 'progress', 'task', 7, '', '已约谈')"
                )
            )
        migrate(engine, "0006")
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
