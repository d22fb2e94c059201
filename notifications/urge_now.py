"""一键催办: the office sends a lead unit a 催办 now, listing its overdue tasks.

The notice goes through the outbox like every other (the next delivery run sends it, with
its result kept). Its key is the unit's tag and the day, so a unit gets at most one such
催办 a day whoever presses the button, in whichever web process: the outbox's unique key
decides, not a check in memory. Each task listed gets a history line.

The period is `<day>/一键催办`, not the daily check's `<day>`, so the day's automatic 催办
and this one never take each other's place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.errors import InvalidInputError, NotFoundError
from ledger.history import record
from ledger.queries import live_tasks
from ledger.reminders.candidates import co_units_of
from ledger.reminders.due import Digest, DueTask
from models.enums import TaskKind, TaskStatus
from models.reminders import Level, Step
from models.settings import Settings
from models.tables import Inspection, Task, Unit
from models.workdays import WorkCalendar
from notifications.daily import draft_for
from notifications.outbox import enqueue, send_time

PERIOD_SUFFIX = "一键催办"


@dataclass(frozen=True)
class UrgeResult:
    unit: str
    sent: bool  # False: this unit was already urged today, nothing new was queued
    notice_id: int | None
    tasks: int


def urge_unit(
    unit_id: int,
    *,
    session: Session,
    actor: Actor,
    settings: Settings,
    calendar: WorkCalendar,
    now: datetime,
    today: date,
) -> UrgeResult:
    """Queue a 催办 to the lead unit for all its overdue, open tasks (most overdue first)."""
    require_office(actor, "一键催办")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError(f"单位 {unit_id} 不存在", field="unit")
    rows = session.exec(
        select(Task, Inspection.title)  # type: ignore[call-overload]
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .where(
            live_tasks(),
            col(Task.lead_unit_id) == unit_id,
            col(Task.status) != TaskStatus.closed.value,
            col(Task.kind) != TaskKind.ongoing.value,
            col(Task.deadline).is_not(None),
            col(Task.deadline) < today,
        )
        .order_by(col(Task.deadline), col(Task.id))
    ).all()
    if not rows:
        raise InvalidInputError(f"“{unit.name}”牵头的任务中没有逾期未销号的,无需催办", field="unit")
    found: list[tuple[Task, str]] = list(rows)
    co_units = co_units_of(session, [task.id or 0 for task, _ in found])
    due = [
        DueTask(
            task_id=task.id or 0,
            code=task.code,
            measure=task.measure,
            inspection=title,
            kind=TaskKind(task.kind),
            deadline=task.deadline,
            lead_unit=unit.name,
            co_units=[name for name, _tag in co_units.get(task.id or 0, [])],
            leader=task.leader,
            person=task.person,
            last_activity=None,
            step=Step(
                level=Level.urge,
                key=PERIOD_SUFFIX,
                # the query keeps dated tasks only
                workdays_overdue=calendar.workdays_between(task.deadline or today, today),
            ),
        )
        for task, title in found
    ]
    recipient = unit.notify_tag or unit.name
    period = f"{today.isoformat()}/{PERIOD_SUFFIX}"
    draft = draft_for(
        Digest(Level.urge, recipient, [unit.name], due),
        as_of=today,
        settings=settings,
        period=period,
    )
    result = enqueue([draft], session=session, now=now, send_at=send_time(settings, now))
    notice_id = result.ids_by_key.get(draft.key)
    if not result.created:
        return UrgeResult(unit.name, False, notice_id, len(due))
    for task in due:
        record(
            session,
            actor=actor.name,
            action="urge_now",
            entity="task",
            entity_id=task.task_id,
            task_id=task.task_id,
            now=now,
            note=f"整改办一键催办“{unit.name}”(通知 {notice_id},共{len(due)}项逾期任务)",
        )
    return UrgeResult(unit.name, True, notice_id, len(due))


def urge_task_lead_unit(
    task_id: int,
    *,
    session: Session,
    actor: Actor,
    settings: Settings,
    calendar: WorkCalendar,
    now: datetime,
    today: date,
) -> UrgeResult:
    """一键催办 from a task page: the 催办 goes to the task's lead unit, listing all its overdue
    tasks, under the same once-per-unit-per-day key as the board's button."""
    require_office(actor, "一键催办")
    task = session.get(Task, task_id)
    if task is None or task.withdrawn_at is not None:
        raise NotFoundError(f"任务 {task_id} 不存在或已撤销", field="task_id")
    return urge_unit(
        task.lead_unit_id,
        session=session,
        actor=actor,
        settings=settings,
        calendar=calendar,
        now=now,
        today=today,
    )
