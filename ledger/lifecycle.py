"""The lifecycle of a task: progress, 申请销号, 销号 / 退回, 延期.

Rules live in models.rules (pure); these functions load, check who may act, apply the
rule, write history, and leave the commit to the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, select

from ledger.actors import (
    Actor,
    co_unit_part,
    require_lead_actor,
    require_office,
    require_task_actor,
)
from ledger.decision_notices import announce_extension, announce_return, announce_verify
from ledger.errors import ForbiddenError, InvalidInputError, LifecycleError, NotFoundError
from ledger.evidence import EvidenceSource, store_files
from ledger.followup_due import schedule_followup
from ledger.history import record, record_changes
from ledger.parts import PartState, open_parts
from models import rules as R
from models.enums import ExtensionStatus, PartStatus, ReportKind, TaskStatus
from models.limits import Limits
from models.office import TZ
from models.tables import (
    Evidence,
    Extension,
    Inspection,
    ProgressReport,
    Task,
    TaskPart,
    Unit,
)


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"任务编号 {task_id} 不存在", field="task_id")
    return task


def live_task(session: Session, task_id: int) -> Task:
    """A task a step may act on: a withdrawn task (or one of a withdrawn round) is read, not
    worked on, until the office restores it."""
    task = get_task(session, task_id)
    round_withdrawn = session.exec(
        select(Inspection.withdrawn_at).where(Inspection.id == task.inspection_id)
    ).first()
    if task.withdrawn_at is not None or round_withdrawn is not None:
        raise LifecycleError(
            f"任务 {task.code} 已撤销,不能再办理;如需继续整改,请整改办先恢复该任务",
            field="task_id",
        )
    return task


def _next_status(fn, *args, **kwargs) -> TaskStatus:  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)  # type: ignore[no-any-return]
    except R.RuleError as exc:
        raise LifecycleError(str(exc), field=exc.field) from None


def _touch(session: Session, task: Task, now: datetime) -> None:
    """Write the task row even when nothing else of it changes, so its version moves on and
    a concurrent step on the same task, made from the version read before, conflicts."""
    task.updated_at = now
    flag_modified(task, "updated_at")
    session.add(task)


def _set_status(
    session: Session,
    task: Task,
    new: TaskStatus,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    note: str = "",
) -> None:
    old = task.status
    task.status = new
    task.closed_at = now if new is TaskStatus.closed else None
    _touch(session, task, now)
    assert task.id is not None
    record(
        session,
        actor=actor,
        action=action,
        entity="task",
        entity_id=task.id,
        task_id=task.id,
        now=now,
        field="status",
        old=TaskStatus(old).label,
        new=new.label,
        note=note,
    )


def _add_report(
    session: Session,
    task: Task,
    *,
    kind: ReportKind,
    actor: Actor,
    now: datetime,
    text: str,
    issues: str = "",
    next_steps: str = "",
    evidence: Sequence[EvidenceSource],
    evidence_store: Path,
    evidence_max_bytes: int,
    no_evidence_reason: str = "",
    unit_id: int | None = None,
    open_parts_reason: str = "",
) -> ProgressReport:
    # Stored before any row is added: a refused or unreadable file leaves nothing recorded.
    files = store_files(evidence_store, evidence, max_bytes=evidence_max_bytes)
    assert task.id is not None
    report = ProgressReport(
        task_id=task.id,
        kind=kind,
        actor=actor.name,
        reported_at=now,
        text=text,
        issues=issues,
        next_steps=next_steps,
        no_evidence_reason=no_evidence_reason,
        unit_id=unit_id,
        open_parts_reason=open_parts_reason,
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    for f in files:
        session.add(Evidence(report_id=report.id, name=f.name, size=f.size, sha256=f.sha256))
    return report


def _signed_by_reporting(
    session: Session, task_id: int, *, actor: Actor, now: datetime, what: str
) -> None:
    # Imported here: ledger.acknowledge reads tasks through this module.
    from ledger.acknowledge import sign_by_reporting

    sign_by_reporting(session, task_id, actor=actor, now=now, what=what)


def report_progress(
    task_id: int,
    *,
    text: str,
    issues: str = "",
    next_steps: str = "",
    evidence: Sequence[EvidenceSource] | None = None,
    session: Session,
    actor: Actor,
    now: datetime,
    evidence_store: Path,
    evidence_max_bytes: int = Limits.evidence_max_bytes,
) -> ProgressReport:
    """进展填报: the first report moves 待整改 to 整改中.

    A co-unit's report is about its own part (the report carries its unit), and its part
    must not be marked 已完成; the lead unit's and the office's are the task's."""
    if not text.strip():
        raise InvalidInputError("进展内容不能为空", field="text")
    task = live_task(session, task_id)
    require_task_actor(session, actor, task, "填报进展")
    part_unit = co_unit_part(session, actor, task)
    new = _next_status(R.after_progress, TaskStatus(task.status))
    if part_unit is not None:
        part = session.get(TaskPart, (task.id, part_unit))
        if part is not None and part.status == PartStatus.done:
            raise LifecycleError(
                f"“{actor.unit_name}”承担的部分已标记完成;如需继续填报,请先重新打开本单位的部分",
                field="task_id",
            )
    report = _add_report(
        session,
        task,
        kind=ReportKind.progress,
        actor=actor,
        now=now,
        text=text.strip(),
        issues=issues,
        next_steps=next_steps,
        evidence=evidence or [],
        evidence_store=evidence_store,
        evidence_max_bytes=evidence_max_bytes,
        unit_id=part_unit,
    )
    assert task.id is not None
    _signed_by_reporting(session, task.id, actor=actor, now=now, what="填报进展")
    record(
        session,
        actor=actor,
        action="progress" if part_unit is None else "part_progress",
        entity="task",
        entity_id=task.id,
        task_id=task.id,
        now=now,
        field="progress",
        new=text.strip(),
        note="" if part_unit is None else f"{actor.unit_name}承担的部分",
    )
    if new != task.status:
        _set_status(session, task, new, actor=actor, action="progress", now=now)
    else:
        _touch(session, task, now)
    return report


def submit_for_closure(
    task_id: int,
    *,
    summary: str,
    evidence: Sequence[EvidenceSource] | None = None,
    no_evidence_reason: str = "",
    open_parts_reason: str = "",
    session: Session,
    actor: Actor,
    now: datetime,
    evidence_store: Path,
    evidence_max_bytes: int = Limits.evidence_max_bytes,
) -> ProgressReport:
    """申请销号: needs a summary and evidence, or an explicit reason why none is needed; and
    every co-unit's part 已完成, or the reason why not (kept on the request and in history,
    for the office to read at review)."""
    task = live_task(session, task_id)
    require_lead_actor(session, actor, task, "申请销号")
    new = _next_status(
        R.after_submit,
        TaskStatus(task.status),
        summary=summary,
        evidence_count=len(evidence or []),
        no_evidence_reason=no_evidence_reason,
    )
    assert task.id is not None
    not_done = open_parts(session, task.id)
    reason = open_parts_reason.strip() if not_done else ""
    if not_done and not reason:
        raise LifecycleError(
            f"任务 {task.code} 还有配合单位的部分未完成({_unit_names(not_done)}):"
            "请待各配合单位标记完成后再申请销号,或写明未完成也申请销号的理由",
            field="open_parts_reason",
        )
    report = _add_report(
        session,
        task,
        kind=ReportKind.closure,
        actor=actor,
        now=now,
        text=summary.strip(),
        evidence=evidence or [],
        evidence_store=evidence_store,
        evidence_max_bytes=evidence_max_bytes,
        no_evidence_reason=no_evidence_reason.strip(),
        open_parts_reason=reason,
    )
    _signed_by_reporting(session, task.id, actor=actor, now=now, what="申请销号")
    _set_status(session, task, new, actor=actor, action="submit", now=now, note=summary.strip())
    if not_done:
        record(
            session,
            actor=actor,
            action="submit_open_parts",
            entity="task",
            entity_id=task.id,
            task_id=task.id,
            now=now,
            field="part",
            new=_unit_names(not_done),
            note=reason,
        )
    return report


def _unit_names(parts: list[PartState]) -> str:
    return "、".join(p.unit for p in parts)


def verify_closure(
    task_id: int, *, note: str = "", session: Session, actor: Actor, now: datetime
) -> Task:
    """销号: only the office."""
    task = live_task(session, task_id)
    require_office(actor, "销号")
    new = _next_status(R.after_verify, TaskStatus(task.status))
    _set_status(session, task, new, actor=actor, action="verify", now=now, note=note)
    schedule_followup(session, task, closed_at=now)  # the 回头看, months from now
    announce_verify(session, task, note=note.strip(), actor=actor.name, now=now)
    return task


def reopen_closed(
    session: Session, task: Task, *, actor: Actor, now: datetime, reason: str
) -> None:
    """反弹 found at the 回头看: a closed task goes back to 整改中, its history kept."""
    require_office(actor, "重新打开已销号的任务")
    if task.status != TaskStatus.closed:
        raise LifecycleError(
            f"任务 {task.code} 当前为“{TaskStatus(task.status).label}”,只有已销号的任务才能重新打开",
            field="task_id",
        )
    _set_status(
        session, task, TaskStatus.in_progress, actor=actor, action="reopen", now=now, note=reason
    )


def return_for_rework(
    task_id: int, *, reason: str, session: Session, actor: Actor, now: datetime
) -> Task:
    """退回: back to 整改中, the reason kept in history."""
    task = live_task(session, task_id)
    require_office(actor, "退回销号申请")
    new = _next_status(R.after_return, TaskStatus(task.status), reason=reason)
    _set_status(session, task, new, actor=actor, action="return", now=now, note=reason.strip())
    announce_return(session, task, reason=reason.strip(), actor=actor.name, now=now)
    return task


def request_extension(
    task_id: int,
    *,
    new_deadline: date,
    reason: str,
    session: Session,
    actor: Actor,
    now: datetime,
    today: date,
) -> Extension:
    """延期申请: only while open and before the deadline."""
    if not reason.strip():
        raise InvalidInputError("申请延期须写明理由", field="reason")
    task = live_task(session, task_id)
    require_lead_actor(session, actor, task, "申请延期")
    try:
        R.check_extension_request(
            kind=task.kind,
            status=TaskStatus(task.status),
            deadline=task.deadline,
            new_deadline=new_deadline,
            today=today,
        )
    except R.RuleError as exc:
        raise LifecycleError(str(exc), field=exc.field) from None
    assert task.deadline is not None and task.id is not None
    pending = [e for e in _extensions(session, task.id) if e.status == ExtensionStatus.pending]
    if pending:
        raise LifecycleError(f"该任务已有待审批的延期申请(编号 {pending[0].id}),请等待整改办审批")
    extension = Extension(
        task_id=task.id,
        requested_by=actor.name,
        requested_at=now,
        current_deadline=task.deadline,
        new_deadline=new_deadline,
        reason=reason.strip(),
    )
    session.add(extension)
    session.flush()
    assert extension.id is not None
    record(
        session,
        actor=actor,
        action="extension_request",
        entity="extension",
        entity_id=extension.id,
        task_id=task.id,
        now=now,
        field="deadline",
        old=task.deadline,
        new=new_deadline,
        note=reason.strip(),
    )
    _touch(session, task, now)
    return extension


def _extensions(session: Session, task_id: int) -> list[Extension]:
    from sqlmodel import select

    return list(session.exec(select(Extension).where(Extension.task_id == task_id)))


def decide_extension(
    extension_id: int,
    *,
    approve: bool,
    reason: str = "",
    session: Session,
    actor: Actor,
    now: datetime,
) -> Extension:
    """批准 sets the new deadline and keeps the original; 不批准 keeps the deadline."""
    require_office(actor, "审批延期申请")
    extension = session.get(Extension, extension_id)
    if extension is None:
        raise NotFoundError(f"延期申请编号 {extension_id} 不存在", field="extension_id")
    if extension.status != ExtensionStatus.pending:
        raise LifecycleError(
            f"延期申请 {extension_id} 已{ExtensionStatus(extension.status).label},不能重复审批"
        )
    task = live_task(session, extension.task_id)
    try:
        R.check_extension_decision(status=TaskStatus(task.status), approve=approve)
    except R.RuleError as exc:
        raise LifecycleError(str(exc), field=exc.field) from None
    extension.status = ExtensionStatus.approved if approve else ExtensionStatus.refused
    extension.decided_by = actor.name
    extension.decided_at = now
    extension.decision_reason = reason.strip()
    session.add(extension)
    assert task.id is not None
    record(
        session,
        actor=actor,
        action="extension_" + ("approve" if approve else "refuse"),
        entity="extension",
        entity_id=extension_id,
        task_id=task.id,
        now=now,
        field="status",
        old=ExtensionStatus.pending.label,
        new=ExtensionStatus(extension.status).label,
        note=reason,
    )
    if approve:
        if task.original_deadline is None:
            task.original_deadline = task.deadline
        record_changes(
            session,
            actor=actor,
            action="extension_approve",
            entity="task",
            entity_id=task.id,
            task_id=task.id,
            now=now,
            changes=[("deadline", task.deadline, extension.new_deadline)],
            note=reason,
        )
        task.deadline = extension.new_deadline
    _touch(session, task, now)
    announce_extension(session, task, extension, now=now)
    return extension


def _own_part(session: Session, actor: Actor, task: Task, what: str) -> int:
    """The co-unit whose part the actor may mark: only its own unit's users do."""
    require_task_actor(session, actor, task, what)
    unit_id = co_unit_part(session, actor, task)
    if unit_id is None:
        raise ForbiddenError(
            f"“{actor.name}”不是任务 {task.code} 配合单位的人员,不能{what};"
            "配合单位的部分由该配合单位自己标记,牵头单位和整改办可查看各部分",
            field="actor",
        )
    return unit_id


def _part_row(session: Session, task_id: int, unit_id: int) -> TaskPart:
    row = session.get(TaskPart, (task_id, unit_id))
    return row if row is not None else TaskPart(task_id=task_id, unit_id=unit_id)


def mark_part_done(
    task_id: int, *, note: str = "", session: Session, actor: Actor, now: datetime
) -> PartState:
    """标记完成: the co-unit's own part, once it has reported on it, while the task is open."""
    task = live_task(session, task_id)
    unit_id = _own_part(session, actor, task, "标记配合部分完成")
    if task.status == TaskStatus.closed:
        raise LifecycleError(f"任务 {task.code} 已销号,不能再标记", field="task_id")
    part = _part_row(session, task_id, unit_id)
    if part.status == PartStatus.done and part.done_at is not None:
        raise LifecycleError(
            f"“{actor.unit_name}”承担的部分已于 {part.done_at.astimezone(TZ):%Y-%m-%d} "
            "标记完成,无需重复标记",
            field="task_id",
        )
    reported = session.exec(
        select(ProgressReport.id).where(
            ProgressReport.task_id == task_id, ProgressReport.unit_id == unit_id
        )
    ).first()
    if reported is None:
        raise LifecycleError(
            f"“{actor.unit_name}”尚未填报本单位承担部分的进展,请先填报进展(附佐证材料)再标记完成",
            field="task_id",
        )
    part.status, part.done_at, part.done_by, part.note = (
        PartStatus.done,
        now,
        actor.name,
        note.strip(),
    )
    return _save(session, task, part, actor=actor, now=now, action="part_done", note=note.strip())


def reopen_part(
    task_id: int, *, reason: str = "", session: Session, actor: Actor, now: datetime
) -> PartState:
    """重新打开: the co-unit takes its 已完成 back, before the task is 已销号."""
    task = live_task(session, task_id)
    unit_id = _own_part(session, actor, task, "重新打开配合部分")
    if task.status == TaskStatus.closed:
        raise LifecycleError(f"任务 {task.code} 已销号,配合部分不能再重新打开", field="task_id")
    part = _part_row(session, task_id, unit_id)
    if part.status != PartStatus.done:
        raise LifecycleError(
            f"“{actor.unit_name}”承担的部分尚未标记完成,无需重新打开", field="task_id"
        )
    part.status, part.done_at, part.done_by, part.note = PartStatus.open, None, None, ""
    return _save(
        session, task, part, actor=actor, now=now, action="part_reopen", note=reason.strip()
    )


def _save(
    session: Session,
    task: Task,
    part: TaskPart,
    *,
    actor: Actor,
    now: datetime,
    action: str,
    note: str,
) -> PartState:
    session.add(part)
    assert task.id is not None
    unit = session.get(Unit, part.unit_id)
    assert unit is not None
    record(
        session,
        actor=actor,
        action=action,
        entity="task",
        entity_id=task.id,
        task_id=task.id,
        now=now,
        field="part",
        old=(PartStatus.open if action == "part_done" else PartStatus.done).label,
        new=PartStatus(part.status).label,
        note=f"{unit.name}承担的部分" + (f":{note}" if note else ""),
    )
    _touch(session, task, now)  # the task's version moves on: a closure request in flight conflicts
    return PartState(
        task_id=task.id,
        unit_id=part.unit_id,
        unit=unit.name,
        status=PartStatus(part.status),
        done_at=part.done_at,
        done_by=part.done_by,
        note=part.note,
    )
