"""签收 (acknowledge): a unit newly given a task signs that it has received it.

A task waits for its lead unit and each co-unit to sign. The rows (models.tables.
Acknowledgement, one per task and unit) follow the task's units: `sync_units` gives a unit
added to a task (registration, import, `task edit` of the lead unit or co-units) a row to
sign, and drops the row of a unit taken off (its signing stays in history). Only a user of
the unit signs for it: the office assigns the work and may not sign in a unit's name (a
签收 says the unit itself has the task), a leader only reads, another unit's task is not
found. Signing twice is no change and says so; a withdrawn or closed task takes none.

A unit that reports progress on a task (or asks for its closure) without having signed is
signed at that moment (`sign_by_reporting`): it plainly has the task.

The daily check reminds a unit that has not signed within `Rules.acknowledge_workdays`
working days, once per task (notifications.acknowledge).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, remit_clause, require_task_actor
from ledger.errors import ForbiddenError, LifecycleError
from ledger.history import record
from ledger.queries import live_tasks
from ledger.wording import cn_date
from models.enums import Role, TaskStatus
from models.office import TZ
from models.tables import Acknowledgement, Task, TaskCoUnit, Unit

ACTION = "acknowledge"
FIELD = "acknowledgement"
CHUNK = 2000

ACK: sa.Table = Acknowledgement.__table__  # type: ignore[attr-defined]
TASK: sa.Table = Task.__table__  # type: ignore[attr-defined]
CO_UNIT: sa.Table = TaskCoUnit.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AckResult:
    """What `acknowledge` did: signed now, or found signed before (`already`)."""

    task_id: int
    code: str
    unit: str
    acknowledged_at: datetime
    acknowledged_by: str
    already: bool

    @property
    def message(self) -> str:
        day = cn_date(self.acknowledged_at.astimezone(TZ).date())
        if self.already:
            return f"{self.unit}已于{day}签收任务 {self.code}({self.acknowledged_by}),无需重复签收"
        return f"{self.unit}已签收任务 {self.code}"

    def as_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "code": self.code,
            "unit": self.unit,
            "acknowledged": True,
            "acknowledged_at": self.acknowledged_at.isoformat(),
            "acknowledged_by": self.acknowledged_by,
            "already": self.already,
        }


def acknowledge(task_id: int, *, session: Session, actor: Actor, now: datetime) -> AckResult:
    """签收: a user of the task's lead unit or of a co-unit signs for their unit."""
    from ledger.lifecycle import get_task

    task = get_task(session, task_id)
    if actor.is_office:
        raise ForbiddenError(
            f"“{actor.name}”(整改办)不能代责任单位签收:签收须由牵头单位或配合单位的用户本人办理"
        )
    # A leader reads only; another unit's task is not found (as reading it).
    require_task_actor(session, actor, task, "签收")
    from ledger.lifecycle import live_task

    task = live_task(session, task_id)
    if task.status == TaskStatus.closed:
        raise LifecycleError(f"任务 {task.code} 已销号,无需签收", field="task_id")
    assert task.id is not None and actor.unit_id is not None
    unit = session.get(Unit, actor.unit_id)
    unit_name = unit.name if unit is not None else actor.unit_name or ""
    # A conditional update: of two users of the unit signing at once, one signs, the other
    # finds it signed.
    result: Any = session.execute(
        sa.update(ACK)
        .where(
            ACK.c.task_id == task.id,
            ACK.c.unit_id == actor.unit_id,
            ACK.c.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now, acknowledged_by=actor.name)
    )
    if not result.rowcount:
        row = session.exec(
            select(Acknowledgement).where(
                Acknowledgement.task_id == task.id, Acknowledgement.unit_id == actor.unit_id
            )
        ).first()
        if row is not None and row.acknowledged_at is not None:
            return AckResult(
                task.id,
                task.code,
                unit_name,
                row.acknowledged_at,
                row.acknowledged_by or "",
                already=True,
            )
        # The unit is on the task without a row (none should be): sign it now.
        session.add(
            Acknowledgement(
                task_id=task.id,
                unit_id=actor.unit_id,
                assigned_at=now,
                acknowledged_at=now,
                acknowledged_by=actor.name,
            )
        )
    record(
        session,
        actor=actor,
        action=ACTION,
        entity="task",
        entity_id=task.id,
        task_id=task.id,
        now=now,
        field=FIELD,
        new=unit_name,
        note=f"{unit_name}签收",
    )
    session.flush()
    return AckResult(task.id, task.code, unit_name, now, actor.name, already=False)


def sign_by_reporting(
    session: Session, task_id: int, *, actor: Actor, now: datetime, what: str
) -> bool:
    """A unit that reports on a task it has not signed for has it in hand: it is signed at
    that moment, in history ("填报进展,视同签收"). Called by the services that take a unit's
    report (ledger.lifecycle: 进展填报, 申请销号) in their transaction; the office's and a
    leader's reports sign nothing (only a unit signs for itself). True when it signed."""
    if actor.role is not Role.unit or actor.unit_id is None:
        return False
    result: Any = session.execute(
        sa.update(ACK)
        .where(
            ACK.c.task_id == task_id,
            ACK.c.unit_id == actor.unit_id,
            ACK.c.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now, acknowledged_by=actor.name)
    )
    if not result.rowcount:
        return False
    unit = session.get(Unit, actor.unit_id)
    unit_name = unit.name if unit is not None else actor.unit_name or ""
    record(
        session,
        actor=actor,
        action=ACTION,
        entity="task",
        entity_id=task_id,
        task_id=task_id,
        now=now,
        field=FIELD,
        new=unit_name,
        note=f"{unit_name}{what},视同签收",
    )
    return True


def sync_units(session: Session, task_ids: Sequence[int], *, now: datetime) -> None:
    """Brings the 签收 rows of these tasks in step with their units, in two set-based
    statements per chunk: a unit now on a task without a row gets one to sign (assigned
    `now`), the row of a unit no longer on it goes. Call it after the units are written."""
    ids = list(dict.fromkeys(task_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        on_task = sa.union(
            sa.select(TASK.c.id.label("task_id"), TASK.c.lead_unit_id.label("unit_id")).where(
                TASK.c.id.in_(chunk)
            ),
            sa.select(CO_UNIT.c.task_id, CO_UNIT.c.unit_id).where(CO_UNIT.c.task_id.in_(chunk)),
        ).subquery()
        session.execute(
            sa.delete(ACK).where(
                ACK.c.task_id.in_(chunk),
                ~sa.exists(
                    sa.select(on_task.c.task_id).where(
                        on_task.c.task_id == ACK.c.task_id, on_task.c.unit_id == ACK.c.unit_id
                    )
                ),
            )
        )
        missing = sa.select(
            on_task.c.task_id,
            on_task.c.unit_id,
            sa.bindparam("now", now, type_=ACK.c.assigned_at.type),
        ).where(
            ~sa.exists(
                sa.select(ACK.c.id).where(
                    ACK.c.task_id == on_task.c.task_id, ACK.c.unit_id == on_task.c.unit_id
                )
            )
        )
        session.execute(ACK.insert().from_select(["task_id", "unit_id", "assigned_at"], missing))


def _pending() -> sa.ColumnElement[bool]:
    """Rows still to sign, of tasks that count (not withdrawn) and are open."""
    return sa.and_(
        col(Acknowledgement.acknowledged_at).is_(None),
        col(Task.status) != TaskStatus.closed.value,
        live_tasks(),
    )


def unacknowledged_task_ids(
    session: Session, *, actor: Actor, task_ids: Iterable[int]
) -> frozenset[int]:
    """Of these tasks, the ones the actor's unit has not signed (none for the office or a
    leader without a unit: they sign nothing)."""
    ids = list(task_ids)
    if actor.unit_id is None or not ids:
        return frozenset()
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            session.exec(
                select(Acknowledgement.task_id)
                .join(Task, col(Task.id) == Acknowledgement.task_id)
                .where(
                    _pending(),
                    col(Acknowledgement.unit_id) == actor.unit_id,
                    col(Acknowledgement.task_id).in_(ids[start : start + CHUNK]),
                )
            ).all()
        )
    return frozenset(found)


@dataclass(frozen=True)
class UnitPending:
    """未签收 of one unit: how many of its tasks it has not signed, since when."""

    unit_id: int
    unit: str
    tasks: int
    oldest: date  # the earliest day one of them was given to the unit


def unacknowledged_by_unit(
    session: Session, *, actor: Actor, inspection_id: int | None = None
) -> list[UnitPending]:
    """未签收 per unit in the actor's remit, the most first: one grouped query."""
    stmt: Any = (
        select(  # type: ignore[call-overload]
            col(Acknowledgement.unit_id),
            col(Unit.name),
            sa.func.count(),
            sa.func.min(col(Acknowledgement.assigned_at)),
        )
        .join(Task, col(Task.id) == Acknowledgement.task_id)
        .join(Unit, col(Unit.id) == Acknowledgement.unit_id)
        .where(_pending())
        .group_by(col(Acknowledgement.unit_id), col(Unit.name))
    )
    if (remit := remit_clause(actor)) is not None:
        stmt = stmt.where(remit)
    if inspection_id is not None:
        stmt = stmt.where(col(Task.inspection_id) == inspection_id)
    rows = [
        UnitPending(unit_id, name, int(count), oldest.astimezone(TZ).date())
        for unit_id, name, count, oldest in session.exec(stmt).all()
    ]
    return sorted(rows, key=lambda u: (-u.tasks, u.unit))
