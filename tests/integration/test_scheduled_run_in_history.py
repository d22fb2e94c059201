"""A scheduled run acts as the system: the 督办 the daily-check flow issues is named in the
task's history as 定时任务 (ledger.reminders.SCHEDULE_ACTOR), come through the schedule, on
SQLite and PostgreSQL; a check an office user runs by hand names them and their channel.

The flow (flows/daily_check.py) plans through notifications.daily.plan_daily_check with no
actor; this calls the same function and reads the history through the service a front end
uses (ledger.history.visible_history). The task is due Fri 2026-10-09, so the daily check of
Fri 10/23 is the 督办 day (test_daily_check_walk's calendar).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ledger.actors import SCHEDULE, Actor, command_line
from ledger.history import visible_history
from ledger.reminders import SCHEDULE_ACTOR
from ledger.uow import transaction
from models.enums import Role
from notifications.daily import plan_daily_check
from tests.builders import OFFICE
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings


def test_a_scheduled_run_s_supervision_is_named_as_the_schedule_in_history(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    (task_id,) = build_ledger(
        engine,
        [TaskSpec("建立项目资金台账", "财务处", date(2026, 10, 9), leader="王副县长")],
        registered=date(2026, 9, 1),
    )
    settings = notify_settings(tmp_path, database_url)
    day = date(2026, 10, 23)
    report = plan_daily_check(engine, settings, as_of=day, now=at_nine(day))
    assert set(report.by_level) == {"supervise"} and report.tasks_due == 1

    with transaction(engine) as session:
        history = visible_history(task_id, session=session, actor=OFFICE)
    (supervised,) = [h for h in history if h.action == "supervise"]
    assert SCHEDULE_ACTOR == "定时任务"
    assert supervised.actor == "定时任务" and supervised.action_label == "督办"
    assert supervised.new is not None and supervised.new.startswith("督办〔2026〕")
    assert "请于" in supervised.note and "前书面回复" in supervised.note
    # Nobody typed it: it is the only row not written by the office that registered the task.
    assert {h.actor for h in history if h.action != "supervise"} == {OFFICE.name}
    assert _channels_of_supervision(engine) == [SCHEDULE]


def test_a_check_run_by_hand_names_its_supervision_after_the_office_user(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    (task_id,) = build_ledger(
        engine,
        [TaskSpec("建立项目资金台账", "财务处", date(2026, 10, 9), leader="王副县长")],
        registered=date(2026, 9, 1),
    )
    settings = notify_settings(tmp_path, database_url)
    day = date(2026, 10, 23)
    by = Actor("周主任", Role.office, channel=command_line("zhou"))
    plan_daily_check(engine, settings, as_of=day, now=at_nine(day), by=by)

    with transaction(engine) as session:
        history = visible_history(task_id, session=session, actor=OFFICE)
    (supervised,) = [h for h in history if h.action == "supervise"]
    assert supervised.actor == "周主任" and supervised.action_label == "督办"
    assert _channels_of_supervision(engine) == ["cli:zhou"]


def _channels_of_supervision(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT channel FROM history WHERE action = 'supervise'")
            ).scalars()
        )
