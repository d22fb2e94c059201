"""When a closed task's 回头看 falls due: scheduled in the same transaction as its 销号.

Kept apart from ledger.followup (the services) so that ledger.lifecycle can schedule a
follow-up when it closes a task without importing the services that reopen one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from ledger.documents.text import add_months
from models.enums import FollowUpStatus
from models.followups import FollowUp
from models.office import TZ
from models.tables import Inspection, Task


def months_for(task: Task, inspection: Inspection) -> int:
    """The task's own interval, else its round's."""
    return task.followup_months if task.followup_months is not None else inspection.followup_months


def due_on(closed_at: datetime, months: int) -> date:
    return add_months(closed_at.astimezone(TZ).date(), months)


def schedule_followup(session: Session, task: Task, *, closed_at: datetime) -> FollowUp:
    """A 回头看 the task's (or its round's) number of months after this 销号."""
    inspection = session.get(Inspection, task.inspection_id)
    assert inspection is not None and task.id is not None
    months = months_for(task, inspection)
    followup = FollowUp(
        task_id=task.id,
        closed_at=closed_at,
        due_on=due_on(closed_at, months),
        status=FollowUpStatus.scheduled,
    )
    session.add(followup)
    return followup
