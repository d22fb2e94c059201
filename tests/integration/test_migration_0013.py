"""Migration 0013 (单位考核's indexes): a database made by 0012 with tasks and history in it
upgrades, keeps every row, has both indexes after, and the ranking reads the rows back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0012", "0013"
HISTORY_COLUMNS = (
    "at",
    "actor",
    "channel",
    "action",
    "entity",
    "entity_id",
    "task_id",
    "field",
    "note",
)


def test_tasks_and_history_written_before_0013_survive_it_and_are_indexed_after(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, PREVIOUS)
        now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
        history = sa.table("history", *(sa.column(c) for c in HISTORY_COLUMNS))
        with engine.begin() as conn:
            conn.execute(
                history.insert(),
                [
                    {
                        "at": now,
                        "actor": "周主任",
                        "channel": "web",
                        "action": action,
                        "entity": "task",
                        "entity_id": 1,
                        "task_id": None,
                        "field": "status",
                        "note": "",
                    }
                    for action in ("return", "supervise")
                ],
            )
        migrate(engine, THIS)
        inspector = sa.inspect(engine)
        task_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("task")}
        assert task_indexes["ix_task_score"][:3] == ["deadline", "kind", "created_at"]
        history_indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("history")}
        assert history_indexes["ix_history_action_at"] == ["action", "at"]
        with engine.connect() as conn:
            kept = (
                conn.execute(
                    sa.text(
                        "SELECT action FROM history WHERE action IN ('return', 'supervise')"
                        " AND at >= :since ORDER BY id"
                    ),
                    {"since": now},
                )
                .scalars()
                .all()
            )
            assert kept == ["return", "supervise"]
    finally:
        engine.dispose()
