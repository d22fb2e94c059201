"""Migration 0011 (each co-unit's own part): a database made by 0010 with a task, its co-unit
and its reports upgrades; every report is the task's own, no part is marked, and afterwards a
co-unit's report and its 已完成 mark fit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0010", "0011"


def test_reports_made_before_0011_stay_the_tasks_own_and_a_co_units_part_fits_after(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    try:
        migrate(engine, PREVIOUS)
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO unit (id, name) VALUES (1, '县科技局'), (2, '财务股')")
            )
            conn.execute(
                sa.text(
                    "INSERT INTO inspection (id, source_kind, body, subject, inspected_org,"
                    " feedback_date, plan_doc_no, title, created_at, followup_months) VALUES"
                    " (1, '巡视', '省委第八巡视组', '', '', '2026-10-15', '', '整改', :at, 6)"
                ),
                {"at": at},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO problem (id, inspection_id, seq, serial, category, description,"
                    " goal) VALUES (1, 1, 1, '一', '', '资金拨付滞后', '')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO task (id, inspection_id, problem_id, code, measure, lead_unit_id,"
                    " leader, person, kind, status, version, note, created_at, updated_at)"
                    " VALUES (1, 1, 1, '1.1', '建立拨付台账', 1, '', '', 'dated', 'in_progress',"
                    " 1, '', :at, :at)"
                ),
                {"at": at},
            )
            conn.execute(
                sa.text("INSERT INTO taskcounit (task_id, unit_id, position) VALUES (1, 2, 0)")
            )
            conn.execute(
                sa.text(
                    "INSERT INTO progressreport (id, task_id, kind, actor, reported_at, text,"
                    " issues, next_steps, no_evidence_reason) VALUES"
                    " (1, 1, 'progress', '陈某', :at, '已建立台账', '', '', ''),"
                    " (2, 1, 'closure', '陈某', :at, '已完成', '', '', '无需')"
                ),
                {"at": at},
            )

        migrate(engine, THIS)

        with engine.begin() as conn:
            reports = conn.execute(
                sa.text(
                    "SELECT id, text, unit_id, open_parts_reason FROM progressreport ORDER BY id"
                )
            ).all()
            assert [tuple(r) for r in reports] == [
                (1, "已建立台账", None, ""),
                (2, "已完成", None, ""),
            ]
            assert conn.execute(sa.text("SELECT count(*) FROM task_part")).scalar_one() == 0
            # After: a co-unit's report on its part, and its mark.
            conn.execute(
                sa.text(
                    "INSERT INTO progressreport (id, task_id, kind, actor, reported_at, text,"
                    " issues, next_steps, no_evidence_reason, unit_id) VALUES"
                    " (3, 1, 'progress', '财务股张某', :at, '已核对拨付', '', '', '', 2)"
                ),
                {"at": at},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO task_part (task_id, unit_id, status, done_at, done_by, note)"
                    " VALUES (1, 2, 'done', :at, '财务股张某', '')"
                ),
                {"at": at},
            )
            part = conn.execute(
                sa.text("SELECT unit_id, status, done_by FROM task_part WHERE task_id = 1")
            ).one()
            assert tuple(part) == (2, "done", "财务股张某")
        # A part belongs to a real unit: the foreign key holds on both backends.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO task_part (task_id, unit_id, status, note)"
                    " VALUES (1, 99, 'open', '')"
                )
            )
    finally:
        engine.dispose()
