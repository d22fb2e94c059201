"""延期申请 as each actor may read them: the office all, a unit those of its tasks, a leader
those in their remit. The office's list of what waits for its decision is the first use."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from ledger.actors import Actor, remit_clause
from models.enums import ExtensionStatus
from models.tables import Extension, Task, Unit


class TaskExtensionPublic(BaseModel):
    """A 延期申请 as its task's page shows it (`task show --json`): the task is the page's."""

    id: int
    task_id: int
    requested_by: str
    requested_at: datetime
    current_deadline: date
    new_deadline: date
    reason: str
    status: ExtensionStatus
    status_label: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str


def task_extension_public(x: Extension) -> TaskExtensionPublic:
    assert x.id is not None
    status = ExtensionStatus(x.status)
    return TaskExtensionPublic(
        id=x.id,
        task_id=x.task_id,
        requested_by=x.requested_by,
        requested_at=x.requested_at,
        current_deadline=x.current_deadline,
        new_deadline=x.new_deadline,
        reason=x.reason,
        status=status,
        status_label=status.label,
        decided_by=x.decided_by,
        decided_at=x.decided_at,
        decision_reason=x.decision_reason,
    )


class ExtensionPublic(TaskExtensionPublic):
    """A 延期申请 in a list of several tasks' requests: which task it is for, and its unit."""

    task_code: str
    measure: str
    lead_unit: str


def list_extensions(
    *, session: Session, actor: Actor, status: ExtensionStatus | None = None
) -> list[ExtensionPublic]:
    """Oldest request first, so the office decides in the order units asked."""
    stmt = (
        select(Extension, Task.code, Task.measure, Unit.name)  # type: ignore[call-overload]
        .join(Task, col(Task.id) == Extension.task_id)
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .order_by(col(Extension.requested_at), col(Extension.id))
    )
    if status is not None:
        stmt = stmt.where(Extension.status == status.value)
    if (remit := remit_clause(actor)) is not None:
        stmt = stmt.where(remit)
    return [
        ExtensionPublic(
            **task_extension_public(x).model_dump(),
            task_code=code,
            measure=measure,
            lead_unit=lead,
        )
        for x, code, measure, lead in session.exec(stmt).all()
    ]
