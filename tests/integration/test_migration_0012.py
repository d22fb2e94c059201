"""Migration 0012 (单位考核: a closed period's frozen result, score_snapshot): a database made
by 0011 with a ledger's history in it upgrades, keeps every row, and takes a snapshot after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0011", "0012"


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


def test_history_written_before_0012_survives_it_and_a_closed_period_fits_after(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, PREVIOUS)
        now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
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
                    for action in ("submit", "return")
                ],
            )

        migrate(engine, THIS)

        snapshot = sa.table(
            "score_snapshot",
            sa.column("period"),
            sa.column("closed_at"),
            sa.column("closed_by"),
            sa.column("board", sa.JSON),
        )
        with engine.begin() as conn:
            kept = conn.execute(sa.text("SELECT action FROM history ORDER BY id")).scalars().all()
            assert kept == ["submit", "return"]
            conn.execute(
                snapshot.insert(),
                {
                    "period": "2026-11",
                    "closed_at": now,
                    "closed_by": "周主任",
                    "board": {"units": [{"unit": "甲局", "score": 91.0}]},
                },
            )
            board = conn.execute(sa.select(snapshot.c.board)).scalar_one()
            assert board == {"units": [{"unit": "甲局", "score": 91.0}]}
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                conn.execute(
                    snapshot.insert(),
                    {"period": "2026-11", "closed_at": now, "closed_by": "x", "board": {}},
                )
    finally:
        engine.dispose()
