"""Migration 0008 (a round and a task may carry a 报送周期): a database made by 0007 with a
round and its tasks upgrades, keeps every row, inherits (NULL) everywhere, and takes a
cadence afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from models.db import make_engine
from models.tables import UTCDateTime
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0007", "0008"

TASK = sa.table(
    "task",
    *(sa.column(c) for c in ("id", "inspection_id", "problem_id", "code", "measure")),
    *(
        sa.column(c)
        for c in ("lead_unit_id", "leader", "person", "kind", "status", "version", "note")
    ),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def test_rounds_and_tasks_before_0008_keep_their_rows_and_inherit_the_default_cadence(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    created = datetime(2026, 11, 2, 1, tzinfo=UTC)
    try:
        migrate(engine, PREVIOUS)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (id, name) VALUES (1, '县科技局')"))
            conn.execute(
                sa.text(
                    "INSERT INTO inspection (id, source_kind, body, subject, inspected_org,"
                    " feedback_date, plan_doc_no, title, created_at) VALUES (1, '巡视', "
                    "'省委第八巡视组', '', '', '2026-10-15', '', '省委第八巡视组反馈问题整改', :at)"
                ),
                {"at": created},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO problem (id, inspection_id, seq, serial, category, description, goal)"
                    " VALUES (1, 1, 1, '一', '', '资金管理不规范', '')"
                )
            )
            common = dict(
                inspection_id=1,
                problem_id=1,
                lead_unit_id=1,
                leader="",
                person="刘某",
                kind="dated",
                status="in_progress",
                version=1,
                note="",
                created_at=created,
                updated_at=created,
            )
            conn.execute(
                TASK.insert(),
                [
                    dict(common, id=1, code="1.1", measure="建立台账"),
                    dict(common, id=2, code="1.2", measure="约谈单位"),
                ],
            )

        migrate(engine, THIS)

        with engine.begin() as conn:
            rounds = conn.execute(sa.text("SELECT id, title, report_cadence FROM inspection")).all()
            tasks = conn.execute(
                sa.text("SELECT code, measure, person, report_cadence FROM task ORDER BY id")
            ).all()
            assert [tuple(r) for r in rounds] == [(1, "省委第八巡视组反馈问题整改", None)]
            assert [tuple(t) for t in tasks] == [
                ("1.1", "建立台账", "刘某", None),
                ("1.2", "约谈单位", "刘某", None),
            ]
            conn.execute(sa.text("UPDATE inspection SET report_cadence = 'weekly:1'"))
            conn.execute(sa.text("UPDATE task SET report_cadence = 'monthly:15' WHERE id = 2"))
            after = conn.execute(
                sa.text(
                    "SELECT t.code, t.report_cadence, i.report_cadence FROM task t"
                    " JOIN inspection i ON i.id = t.inspection_id ORDER BY t.id"
                )
            ).all()
        assert [tuple(a) for a in after] == [
            ("1.1", None, "weekly:1"),
            ("1.2", "monthly:15", "weekly:1"),
        ]
    finally:
        engine.dispose()
