"""签收提醒 over a walk of a month of daily checks (2026-09-21 .. 2026-10-20), both backends.

The window holds 中秋 (Fri 9/25), 国庆 (10/1-10/7) and the 调休 Saturday 10/10. The rule: a
unit that has not signed within 2 working days of getting a task is told once, on the next
working day the check runs. Worked out by hand:

Task 1.1 (财务处, co-unit 审计处) and 1.2 (农业农村局), registered Thu 9/24: 9/25 is a holiday
  and 9/26-27 a weekend, so the 2 working days are Mon 9/28 and Tue 9/29.
  审计处 signs on 9/28: never told. 农业农村局 signs at 08:00 on 9/30, before the check: never
  told. 财务处 never signs: told on Wed 9/30, and never again.
On Fri 10/9 the office adds 农业农村局 to 1.1 as a co-unit and moves 1.2 to 审计处: both wait
  from 10/9; the 2 working days are Sat 10/10 (调休) and Mon 10/12. The server is down on
  Tue 10/13, so both are told on Wed 10/14, each unit in its own notice, once.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger import registry
from ledger.acknowledge import acknowledge
from ledger.actors import Actor, resolve_actor
from ledger.corrections import TaskEdit, edit_task
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import Role
from models.rules import Rules
from models.workdays import work_calendar
from notifications.daily import run_daily_check
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

OFFICE = Actor("整改办", Role.office)
FIRST_DAY = date(2026, 9, 21)
REGISTERED = date(2026, 9, 24)
SERVER_DOWN = {date(2026, 10, 13)}
GOLDEN = {
    date(2026, 9, 30): [("acknowledge", "财务处", ["1.1"])],
    date(2026, 10, 14): [
        ("acknowledge", "农业农村局", ["1.1"]),
        ("acknowledge", "审计处", ["1.2"]),
    ],
}


def units_act_on(engine: sa.Engine, day: date, ids: dict[str, int]) -> None:
    """What the units and the office do at 08:00 on `day`, before the 09:00 check."""
    now = at_nine(day) - timedelta(hours=1)
    with transaction(engine) as session:
        if day == date(2026, 9, 28):
            acknowledge(
                ids["1.1"], session=session, actor=resolve_actor(session, "审计员"), now=now
            )
        if day == date(2026, 9, 30):
            acknowledge(
                ids["1.2"], session=session, actor=resolve_actor(session, "农业员"), now=now
            )
        if day == date(2026, 10, 9):
            for task_id, changes in (
                (ids["1.1"], TaskEdit(co_units=["审计处", "农业农村局"])),
                (ids["1.2"], TaskEdit(lead_unit="审计处")),
            ):
                edit_task(
                    task_id,
                    changes,
                    reason="分工调整",
                    session=session,
                    actor=OFFICE,
                    now=now,
                    rules=Rules(),
                    calendar=work_calendar(None),
                )


def test_a_month_of_daily_checks_tells_each_unsigned_unit_once_after_two_working_days(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    task_ids = build_ledger(
        engine,
        [
            TaskSpec("建立扶贫资金台账", "财务处", date(2026, 12, 31), ["审计处"]),
            TaskSpec("整改项目验收问题", "农业农村局", date(2026, 12, 31)),
        ],
        registered=REGISTERED,
        acknowledged=False,
    )
    ids = dict(zip(["1.1", "1.2"], task_ids, strict=True))
    code_of = {v: k for k, v in ids.items()}
    with transaction(engine) as session:
        for name, unit in (("审计员", "审计处"), ("农业员", "农业农村局")):
            registry.add_user(
                UserCreate(name=name, role=Role.unit, unit=unit),
                session=session,
                actor=OFFICE,
                now=at_nine(REGISTERED),
            )
    settings = notify_settings(tmp_path, database_url)
    calendar = work_calendar(None)

    seen: dict[date, list[tuple[str, str, list[str]]]] = {}
    for offset in range(30):
        day = FIRST_DAY + timedelta(days=offset)
        units_act_on(engine, day, ids)
        if day in SERVER_DOWN:
            continue
        report = run_daily_check(engine, settings, as_of=day, now=at_nine(day))
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT kind, recipient, task_ids FROM notice"
                    " WHERE period = :p AND kind = 'acknowledge' ORDER BY recipient"
                ),
                {"p": day.isoformat()},
            ).all()
        assert report.plan.acknowledge_reminders == len(rows)
        if rows:
            seen[day] = [
                (
                    kind,
                    recipient,
                    sorted(code_of[i] for i in (t if isinstance(t, list) else json.loads(t))),
                )
                for kind, recipient, t in rows
            ]

    assert seen == GOLDEN
    assert all(calendar.is_workday(day) for day in seen)
    with engine.connect() as conn:
        first = conn.execute(
            sa.text(
                "SELECT title, body_text, status FROM notice"
                " WHERE kind = 'acknowledge' AND recipient = '财务处'"
            )
        ).one()
    assert first.title == "【签收提醒】1项交办的整改任务尚未签收"
    assert "任务1.1:建立扶贫资金台账" in first.body_text
    assert "贵单位为牵头单位,2026年9月24日交办,应于2026年9月29日前签收" in first.body_text
    assert first.status == "local"  # no Apprise configuration: written to a file
