"""The office's task corrections as the web's form gives them: the edit page's facts, the
whole form turned into a ledger.corrections.TaskEdit, and 撤销 / 恢复 with their reason.

The page is the office's: a task outside the reader's remit is not found (as everywhere),
one inside it but read by a unit or a leader is refused. Every message names its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from ledger import corrections
from ledger.actors import Actor, require_office
from ledger.inputs import parse_choice, parse_date, split_units
from ledger.queries import TaskFilter, TaskView, task_views
from ledger.round_admin import cadence_words
from ledger.task_detail import not_found
from models.cadence import effective_cadence
from models.enums import TaskKind
from models.rules import Rules
from models.tables import Inspection, Task
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
    # 报送周期 as typed (每周一, 每月15日, 每季度, 不定期); "" back to the round's;
    # None: the form has no such field, the task's stays as it is.
    report_cadence: str | None = None

    @classmethod
    def of(cls, page: TaskEditPage) -> TaskFields:
        view = page.task
        return cls(
            measure=view.measure,
            lead_unit=view.lead_unit,
            co_units="、".join(view.co_units),
            leader=view.leader,
            person=view.person,
            kind=view.kind.value,
            deadline=view.deadline.isoformat() if view.deadline else "",
            report_cadence=page.report_cadence,
        )


@dataclass(frozen=True)
class TaskEditPage:
    task: TaskView
    report_cadence: str  # the task's own 报送周期 in words (每月15日); "": it follows its round
    round_cadence: str  # what a blank follows: 每周一(随轮次) or 不定期报送(默认)


def task_edit_page(
    task_id: int, *, session: Session, actor: Actor, today: date, rules: Rules
) -> TaskEditPage:
    """The task as the edit page shows it (withdrawn tasks too: they are restored there)."""
    views = task_views(
        session, today=today, rules=rules, where=TaskFilter(task_ids=(task_id,)), actor=actor
    )
    if not views:
        raise not_found(task_id)
    require_office(actor, "更正、撤销或恢复整改任务")
    own, of_round = session.exec(
        select(col(Task.report_cadence), col(Inspection.report_cadence))
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .where(Task.id == task_id)
    ).one()
    inherited = effective_cadence(None, of_round, rules.report_cadence)
    return TaskEditPage(
        task=views[0],
        report_cadence=cadence_words(own),
        round_cadence=f"{inherited.label}({'随轮次' if of_round else '默认'})",
    )


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
        report_cadence=fields.report_cadence,
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
