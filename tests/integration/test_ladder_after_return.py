"""A 退回 does not restart the reminder ladder: the rungs done before the closure request stay
done (they are remembered per deadline, models.outbox.ReminderMark), and the ladder resumes.

Two tasks due Fri 2026-10-09 (the calendar of test_daily_check_walk: 提醒 at 10 working days
left on 9/18 and at 3 on 9/29, 催办 on 10/10 and again on 10/16). Task 1.1 asks for closure on
9/21 and is returned on 9/24, asks again on 10/12 and is returned on 10/14; task 1.2 never asks.
Both must hear the same rungs on the same days: no second 提醒 at 10 days after the first
退回, no first 催办 again after the second.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger import lifecycle, registry
from ledger.actors import resolve_actor
from ledger.inputs import UserCreate
from ledger.reminders.rows import local_date
from ledger.uow import transaction
from models.enums import Role
from models.outbox import ReminderMark
from notifications.daily import plan_daily_check
from tests.builders import OFFICE
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

DEADLINE = date(2026, 10, 9)
SUBMITS = {date(2026, 9, 21), date(2026, 10, 12)}
RETURNS = {date(2026, 9, 24), date(2026, 10, 14)}
EXPECTED = [
    (date(2026, 9, 18), "remind:2026-10-09:10"),
    (date(2026, 9, 29), "remind:2026-10-09:3"),
    (date(2026, 10, 10), "urge:2026-10-09:1"),
    (date(2026, 10, 16), "urge:2026-10-09:2"),
]


def test_the_ladder_resumes_after_a_return_where_it_was(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    returned, steady = build_ledger(
        engine,
        [
            TaskSpec("建立项目资金台账", "财务处", DEADLINE),
            TaskSpec("完善项目验收制度", "审计处", DEADLINE),
        ],
        registered=date(2026, 9, 1),
    )
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name="李明", role=Role.unit, unit="财务处"),
            session=s,
            actor=OFFICE,
            now=at_nine(date(2026, 9, 1)),
        )
    with transaction(engine) as s:
        worker = resolve_actor(s, "李明")
    settings = notify_settings(tmp_path, database_url)
    day = date(2026, 9, 14)
    while day <= date(2026, 10, 20):
        now = at_nine(day)
        if day in SUBMITS:
            with transaction(engine) as s:
                lifecycle.submit_for_closure(
                    returned,
                    summary="台账已建立",
                    no_evidence_reason="制度文件已公开",
                    session=s,
                    actor=worker,
                    now=now,
                    evidence_store=tmp_path / "evidence",
                )
        if day in RETURNS:
            with transaction(engine) as s:
                lifecycle.return_for_rework(
                    returned, reason="缺少核查记录", session=s, actor=OFFICE, now=now
                )
        plan_daily_check(engine, settings, as_of=day, now=now + timedelta(minutes=5))
        day += timedelta(days=1)

    with engine.connect() as conn:
        marks = conn.execute(
            sa.select(ReminderMark.task_id, ReminderMark.step, ReminderMark.created_at).order_by(
                ReminderMark.id  # type: ignore[arg-type]
            )
        ).all()
    heard = {
        task_id: [(local_date(at), step) for t, step, at in marks if t == task_id]
        for task_id in (returned, steady)
    }
    assert heard[returned] == EXPECTED
    assert heard[steady] == EXPECTED
