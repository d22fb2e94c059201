"""Migration 0009 (the board's covering index and the deadline index): a database made by
0008 with tasks in it upgrades, keeps every task, and the board reads the same counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0008", "0009"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _rows(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO unit (id, name, notify_tag) VALUES (1, '财务处', NULL), (2, '审计处', 'sj')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO inspection (id, source_kind, body, subject, inspected_org, feedback_date,"
                " plan_doc_no, title, created_at, followup_months) VALUES (1, '巡视', '省委第八巡视组',"
                " '科技工作', '', :day, '', '省委第八巡视组反馈科技工作问题', :now, 6)"
            ),
            {"day": date(2026, 10, 15), "now": NOW},
        )
        conn.execute(
            sa.text(
                "INSERT INTO problem (id, inspection_id, seq, serial, category, description, goal)"
                " VALUES (1, 1, 1, '一', '', '资金拨付滞后', '')"
            )
        )
        tasks = [
            (1, "1.1", 1, "closed", date(2026, 11, 30)),
            (2, "1.2", 1, "in_progress", date(2026, 11, 20)),  # red
            (3, "1.3", 2, "pending", date(2026, 12, 5)),  # yellow
            (4, "1.4", 2, "pending", None),
        ]
        conn.execute(
            sa.text(
                "INSERT INTO task (id, inspection_id, problem_id, code, measure, lead_unit_id, leader,"
                " person, kind, deadline, status, version, note, created_at, updated_at)"
                " VALUES (:id, 1, 1, :code, '措施', :unit, '', '', :kind, :deadline, :status, 1, '',"
                " :now, :now)"
            ),
            [
                {
                    "id": i,
                    "code": code,
                    "unit": unit,
                    "kind": "ongoing" if deadline is None else "dated",
                    "deadline": deadline,
                    "status": status,
                    "now": NOW,
                }
                for i, code, unit, status, deadline in tasks
            ],
        )


def test_tasks_written_before_0009_survive_it_and_the_board_indexes_exist(
    fresh_url: str,  # noqa: F811
) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, PREVIOUS)
        _rows(engine)

        migrate(engine, THIS)

        indexes = {ix["name"]: ix["column_names"] for ix in sa.inspect(engine).get_indexes("task")}
        assert indexes["ix_task_board"] == [
            "lead_unit_id",
            "inspection_id",
            "status",
            "kind",
            "deadline",
            "closed_at",
            "withdrawn_at",
        ]
        assert indexes["ix_task_deadline"] == ["deadline"]
        with engine.begin() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT lead_unit_id, count(*), sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),"
                    " sum(CASE WHEN status <> 'closed' AND deadline < :today THEN 1 ELSE 0 END)"
                    " FROM task GROUP BY lead_unit_id ORDER BY lead_unit_id"
                ),
                {"today": date(2026, 12, 1)},
            ).all()
        assert [tuple(int(v) for v in r) for r in rows] == [(1, 2, 1, 1), (2, 2, 0, 0)]
    finally:
        engine.dispose()
