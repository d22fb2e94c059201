"""The office's task corrections as the web's form gives them: the edit page's facts, the
whole form turned into a ledger.corrections.TaskEdit, and 撤销 / 恢复 with their reason.

The page is the office's: a task outside the reader's remit is not found (as everywhere),
one inside it but read by a unit or a leader is refused. Every message names its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from ledger import corrections
from ledger.actors import Actor, require_office
from ledger.inputs import parse_choice, parse_date, split_units
from ledger.queries import TaskFilter, TaskView, task_views
from ledger.task_detail import not_found
from models.enums import TaskKind
from models.rules import Rules
from models.tables import Task
from models.workdays import WorkCalendar


@dataclass(frozen=True)
class TaskFields:
    """A task as the edit form gives it: text, the units as one line (、 between them)."""

    measure: str = ""
    lead_unit: str = ""
    co_units: str = ""
    leader: str = ""
    person: str = ""
    kind: str = TaskKind.dated.value
    deadline: str = ""

    @classmethod
    def of(cls, view: TaskView) -> TaskFields:
        return cls(
            measure=view.measure,
            lead_unit=view.lead_unit,
            co_units="、".join(view.co_units),
            leader=view.leader,
            person=view.person,
            kind=view.kind.value,
            deadline=view.deadline.isoformat() if view.deadline else "",
        )


def task_edit_page(
    task_id: int, *, session: Session, actor: Actor, today: date, rules: Rules
) -> TaskView:
    """The task as the edit page shows it (withdrawn tasks too: they are restored there)."""
    views = task_views(
        session, today=today, rules=rules, where=TaskFilter(task_ids=(task_id,)), actor=actor
    )
    if not views:
        raise not_found(task_id)
    require_office(actor, "更正、撤销或恢复整改任务")
    return views[0]


def _edit(fields: TaskFields) -> corrections.TaskEdit:
    kind = parse_choice(fields.kind, TaskKind, "任务类型", field="kind")
    text = fields.deadline.strip()
    return corrections.TaskEdit(
        measure=fields.measure,
        lead_unit=fields.lead_unit,
        co_units=split_units(fields.co_units),
        leader=fields.leader,
        person=fields.person,
        kind=kind,
        # 长期坚持 has no deadline; an empty date keeps the task's own for the other kinds.
        deadline=parse_date(text, "整改时限", field="deadline") if text else None,
    )


def edit_task_from_form(
    task_id: int,
    fields: TaskFields,
    reason: str,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    rules: Rules,
    calendar: WorkCalendar,
) -> Task:
    """The fields that differ from the task are corrected (one history row each, the reason
    with every one); the same form sent unchanged is refused as 没有需要更正的."""
    require_office(actor, "更正整改任务")
    return corrections.edit_task(
        task_id,
        _edit(fields),
        reason=reason,
        session=session,
        actor=actor,
        now=now,
        rules=rules,
        calendar=calendar,
    )
