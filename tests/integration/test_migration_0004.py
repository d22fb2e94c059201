"""Migration 0004 (回头看) upgrades a database made by 0003 with closed and open tasks in it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from models.db import make_engine
from models.tables import UTCDateTime
from tests.fixtures.migrations import migrate

TASK = sa.table(
    "task",
    *(sa.column(c) for c in ("id", "inspection_id", "problem_id", "code", "measure")),
    *(
        sa.column(c)
        for c in ("lead_unit_id", "leader", "person", "kind", "status", "version", "note")
    ),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("closed_at", UTCDateTime()),
)


def test_tasks_closed_before_0004_get_a_followup_six_months_after_their_closure(fresh_url):
    engine = make_engine(fresh_url)
    created = datetime(2026, 11, 2, 1, tzinfo=UTC)
    # 2026-11-30 20:00 UTC is 2026-12-01 in Shanghai: the follow-up counts from the local date.
    closed = datetime(2026, 11, 30, 20, tzinfo=UTC)
    try:
        migrate(engine, "0003")
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
                person="",
                kind="dated",
                version=1,
                note="",
                created_at=created,
                updated_at=created,
            )
            conn.execute(
                TASK.insert(),
                [
                    dict(
                        common,
                        id=1,
                        code="1.1",
                        measure="建立台账",
                        status="closed",
                        closed_at=closed,
                    ),
                    dict(
                        common,
                        id=2,
                        code="1.2",
                        measure="约谈单位",
                        status="in_progress",
                        closed_at=None,
                    ),
                ],
            )
        migrate(engine, "0004")
        with engine.connect() as conn:  # reached 0004 (later migrations follow)
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == "0004"
        with engine.connect() as conn:
            months = conn.execute(sa.text("SELECT followup_months FROM inspection")).scalar_one()
            own = (
                conn.execute(sa.text("SELECT followup_months FROM task ORDER BY id"))
                .scalars()
                .all()
            )
            followups = conn.execute(
                sa.text("SELECT task_id, due_on, status, reminded_on FROM followup ORDER BY id")
            ).all()
            tasks = conn.execute(sa.text("SELECT code, status FROM task ORDER BY id")).all()
        assert months == 6 and own == [None, None]
        [(task_id, due, status, reminded)] = followups
        due = due if isinstance(due, date) else date.fromisoformat(due)
        assert (task_id, due, status, reminded) == (1, date(2027, 6, 1), "scheduled", None)
        assert [tuple(t) for t in tasks] == [("1.1", "closed"), ("1.2", "in_progress")]
    finally:
        engine.dispose()
