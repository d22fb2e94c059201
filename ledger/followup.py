"""整改“回头看”: months after a task's 销号, check that the problem has not come back.

A follow-up is scheduled when the office closes a task (ledger.followup_due, from
ledger.lifecycle.verify_closure), due the round's interval (默认6个月) or the task's own
after the 销号. When due, the daily check tells the lead unit and the office once
(notifications.followup). Then either the lead unit (or the office; not a co-unit) confirms 未反弹 with a note
and optional evidence, or the office finds a 反弹 and reopens the task: it goes back to
整改中 with its history intact, and the reopening is counted as 反弹 (ledger.stats).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import lifecycle
from ledger.actors import (
    Actor,
    co_unit_part,
    remit_clause,
    require_office,
    require_task_actor,
)
from ledger.errors import ForbiddenError, InvalidInputError, LifecycleError
from ledger.evidence import store_files
from ledger.followup_due import due_on
from ledger.history import record
from ledger.queries import live_tasks
from ledger.registry import get_inspection
from ledger.wording import cn_date
from models.enums import FollowUpStatus, ReportKind
from models.followups import FollowUp
from models.limits import Limits
from models.office import TZ
from models.tables import Evidence, Inspection, ProgressReport, Task, Unit

MAX_MONTHS = 60


@dataclass(frozen=True)
class FollowUpView:
    """A 回头看 as users see it; `as_json` is the --json shape."""

    id: int
    task_id: int
    code: str
    measure: str
    inspection_id: int
    inspection: str
    lead_unit: str
    closed_on: date
    due_on: date
    status: FollowUpStatus
    reminded_on: date | None
    resolved_by: str | None
    resolved_on: date | None
    note: str

    def is_due(self, today: date) -> bool:
        return self.status is FollowUpStatus.scheduled and self.due_on <= today

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "task_id": self.task_id,
            "code": self.code,
            "measure": self.measure,
            "inspection_id": self.inspection_id,
            "inspection": self.inspection,
            "lead_unit": self.lead_unit,
            "closed_on": self.closed_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "status": self.status.value,
            "reminded_on": self.reminded_on.isoformat() if self.reminded_on else None,
            "resolved_by": self.resolved_by,
            "resolved_on": self.resolved_on.isoformat() if self.resolved_on else None,
            "note": self.note,
        }


def list_followups(
    *,
    session: Session,
    actor: Actor,
    today: date,
    inspection_id: int | None = None,
    status: FollowUpStatus | None = None,
    due_only: bool = False,
) -> list[FollowUpView]:
    """The follow-ups the actor may see, earliest due first (one query)."""
    stmt: Any = (
        sa.select(
            FollowUp,
            col(Task.code),
            col(Task.measure),
            col(Task.inspection_id),
            col(Inspection.title),
            col(Unit.name),
        )
        .join(Task, col(Task.id) == FollowUp.task_id)
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(live_tasks())
        .order_by(col(FollowUp.due_on), col(FollowUp.id))
    )
    remit = remit_clause(actor)
    if remit is not None:
        stmt = stmt.where(remit)
    if inspection_id is not None:
        stmt = stmt.where(col(Task.inspection_id) == inspection_id)
    if status is not None:
        stmt = stmt.where(col(FollowUp.status) == status.value)
    if due_only:
        stmt = stmt.where(
            col(FollowUp.status) == FollowUpStatus.scheduled.value, col(FollowUp.due_on) <= today
        )
    views = []
    for f, code, measure, round_id, round_title, unit in session.execute(stmt):
        assert f.id is not None
        views.append(
            FollowUpView(
                id=f.id,
                task_id=f.task_id,
                code=code,
                measure=measure,
                inspection_id=round_id,
                inspection=round_title,
                lead_unit=unit,
                closed_on=f.closed_at.astimezone(TZ).date(),
                due_on=f.due_on,
                status=FollowUpStatus(f.status),
                reminded_on=f.reminded_on,
                resolved_by=f.resolved_by,
                resolved_on=f.resolved_at.astimezone(TZ).date() if f.resolved_at else None,
                note=f.note,
            )
        )
    return views


def _open_followup(session: Session, task: Task) -> FollowUp:
    followup = session.exec(
        select(FollowUp)
        .where(FollowUp.task_id == task.id, FollowUp.status == FollowUpStatus.scheduled)
        .order_by(col(FollowUp.due_on).desc(), col(FollowUp.id).desc())
    ).first()
    if followup is None:
        raise LifecycleError(
            f"任务 {task.code} 没有待开展的回头看(任务尚未销号,或回头看已确认、已认定反弹)",
            field="task_id",
        )
    return followup


def confirm_no_rebound(
    task_id: int,
    *,
    note: str,
    evidence: list[Path] | None = None,
    session: Session,
    actor: Actor,
    now: datetime,
    evidence_store: Path,
    evidence_max_bytes: int = Limits.evidence_max_bytes,
) -> FollowUp:
    """未反弹: the lead unit (or the office) confirms once the follow-up is due. A co-unit
    answers for its own part of the work, not for whether the problem came back."""
    if not note.strip():
        raise InvalidInputError("确认未反弹须写明回头看情况说明", field="note")
    task = lifecycle.get_task(session, task_id)
    require_task_actor(session, actor, task, "确认回头看")
    if co_unit_part(session, actor, task) is not None:
        raise ForbiddenError(
            f"“{actor.name}”所在单位“{actor.unit_name or '未指定'}”是任务 {task.code} 的配合单位,"
            "不能确认回头看:回头看未反弹由牵头单位或整改办确认",
            field="actor",
        )
    followup = _open_followup(session, task)
    today = now.astimezone(TZ).date()
    if followup.due_on > today:
        raise LifecycleError(
            f"任务 {task.code} 的回头看于{cn_date(followup.due_on)}到期,到期后再确认",
            field="task_id",
        )
    # Stored before any row is added: a refused or unreadable file leaves nothing recorded.
    files = store_files(evidence_store, evidence or [], max_bytes=evidence_max_bytes)
    assert task.id is not None and followup.id is not None
    report = ProgressReport(
        task_id=task.id,
        kind=ReportKind.followup,
        actor=actor.name,
        reported_at=now,
        text=note.strip(),
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    for f in files:
        session.add(Evidence(report_id=report.id, name=f.name, size=f.size, sha256=f.sha256))
    followup.status = FollowUpStatus.confirmed
    followup.resolved_by = actor.name
    followup.resolved_at = now
    followup.note = note.strip()
    followup.report_id = report.id
    session.add(followup)
    record(
        session,
        actor=actor.name,
        action="followup_confirm",
        entity="followup",
        entity_id=followup.id,
        task_id=task.id,
        now=now,
        field="followup",
        old=FollowUpStatus.scheduled.label,
        new=FollowUpStatus.confirmed.label,
        note=note.strip(),
    )
    return followup


def reopen_for_rebound(
    task_id: int, *, reason: str, session: Session, actor: Actor, now: datetime
) -> FollowUp:
    """反弹: the office reopens the closed task (back to 整改中), its history kept."""
    require_office(actor, "认定反弹并重新打开任务")
    if not reason.strip():
        raise InvalidInputError("认定反弹须写明理由", field="reason")
    task = lifecycle.get_task(session, task_id)
    followup = _open_followup(session, task)
    assert followup.id is not None and task.id is not None
    followup.status = FollowUpStatus.reopened
    followup.resolved_by = actor.name
    followup.resolved_at = now
    followup.note = reason.strip()
    session.add(followup)
    record(
        session,
        actor=actor.name,
        action="followup_reopen",
        entity="followup",
        entity_id=followup.id,
        task_id=task.id,
        now=now,
        field="followup",
        old=FollowUpStatus.scheduled.label,
        new=FollowUpStatus.reopened.label,
        note=reason.strip(),
    )
    lifecycle.reopen_closed(session, task, actor=actor, now=now, reason=reason.strip())
    return followup


def set_followup_months(
    *,
    months: int,
    session: Session,
    actor: Actor,
    now: datetime,
    task_id: int | None = None,
    inspection_id: int | None = None,
) -> int:
    """The interval after 销号, for one task or as its round's default.

    Pending follow-ups move with it: a task's own, or the round's tasks that have none of
    their own. Returns how many pending follow-ups were rescheduled.
    """
    require_office(actor, "设置回头看期限")
    if (task_id is None) == (inspection_id is None):
        raise InvalidInputError("请指定一项任务或一个轮次(二者选一)", field="task_id")
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInputError(
            f"回头看期限“{months}”个月无效,应为 1 到 {MAX_MONTHS} 之间的整数", field="months"
        )
    if task_id is not None:
        task = lifecycle.get_task(session, task_id)
        assert task.id is not None
        old: Any = task.followup_months
        task.followup_months = months
        session.add(task)
        entity, entity_id, where = "task", task.id, col(Task.id) == task.id
        task_of_history: int | None = task.id
    else:
        assert inspection_id is not None
        inspection = get_inspection(session, inspection_id)
        assert inspection.id is not None
        old = inspection.followup_months
        inspection.followup_months = months
        session.add(inspection)
        entity, entity_id = "inspection", inspection.id
        where = sa.and_(
            col(Task.inspection_id) == inspection.id, col(Task.followup_months).is_(None)
        )
        task_of_history = None
    record(
        session,
        actor=actor.name,
        action="followup_months",
        entity=entity,
        entity_id=entity_id,
        task_id=task_of_history,
        now=now,
        field="followup_months",
        old=old,
        new=months,
    )
    session.flush()
    pending = list(
        session.exec(
            select(FollowUp)
            .join(Task, col(Task.id) == FollowUp.task_id)
            .where(where, FollowUp.status == FollowUpStatus.scheduled)
        )
    )
    for f in pending:
        f.due_on = due_on(f.closed_at, months)
        session.add(f)
    return len(pending)
