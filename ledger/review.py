"""The office's review queue: closure requests (待销号) and extension requests waiting, and the
decisions on them, each taken against the version of the task the reviewer was shown.

Two reviewers may open the same request; the first decision wins, and the second is told
the task changed under them (ConflictError) instead of deciding on what they did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from ledger import lifecycle
from ledger.actors import Actor, require_office
from ledger.errors import ConflictError, InvalidInputError, NotFoundError
from ledger.queries import TaskFilter, TaskView, task_views
from ledger.task_detail import EvidenceItem
from models.enums import ExtensionStatus, ReportKind, TaskStatus
from models.rules import Rules
from models.tables import Evidence, Extension, ProgressReport, Task

CHANGED = "冲突:该任务刚被他人处理或修改,您的决定未保存。请重新打开任务,查看最新情况后再决定。"


@dataclass(frozen=True)
class ClosureRequest:
    task: TaskView
    summary: str
    no_evidence_reason: str
    asked_by: str
    asked_at: datetime
    evidence: list[EvidenceItem]
    # Asked while co-units' parts were not all 已完成: why (the lead unit's words).
    open_parts_reason: str = ""


@dataclass(frozen=True)
class ExtensionRequest:
    task: TaskView
    extension: Extension


# The queue page lists the oldest requests first and at most this many of each kind
# (a large office may have thousands waiting); the counts say how many wait in all.
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class ReviewQueue:
    closures: list[ClosureRequest]
    extensions: list[ExtensionRequest]
    closures_waiting: int = 0
    extensions_waiting: int = 0


def review_queue(*, session: Session, actor: Actor, today: date, rules: Rules) -> ReviewQueue:
    """Everything waiting for the office, oldest request first."""
    require_office(actor, "查看待审核事项")
    submitted = task_views(
        session,
        today=today,
        rules=rules,
        where=TaskFilter(status=TaskStatus.submitted),
        actor=actor,
    )
    pending = list(
        session.exec(
            select(Extension)
            .where(Extension.status == ExtensionStatus.pending.value)
            .order_by(col(Extension.requested_at), col(Extension.id))
        )
    )
    ext_views = (
        {
            v.id: v
            for v in task_views(
                session,
                today=today,
                rules=rules,
                where=TaskFilter(task_ids=tuple({x.task_id for x in pending})),
                actor=actor,
            )
        }
        if pending
        else {}
    )
    closures = _latest_closures(session, [v.id for v in submitted])
    queue = [
        ClosureRequest(
            task=v,
            summary=report.text,
            no_evidence_reason=report.no_evidence_reason,
            asked_by=report.actor,
            asked_at=report.reported_at,
            evidence=files,
            open_parts_reason=report.open_parts_reason,
        )
        for v in submitted
        if v.id in closures
        for report, files in [closures[v.id]]
    ]
    queue.sort(key=lambda c: c.asked_at)
    extensions = [
        ExtensionRequest(ext_views[x.task_id], x) for x in pending if x.task_id in ext_views
    ]
    return ReviewQueue(
        closures=queue[:QUEUE_LIMIT],
        extensions=extensions[:QUEUE_LIMIT],
        closures_waiting=len(queue),
        extensions_waiting=len(extensions),
    )


def _latest_closures(
    session: Session, task_ids: list[int]
) -> dict[int, tuple[ProgressReport, list[EvidenceItem]]]:
    """The newest closure request of each task, with its files: two queries for any number."""
    if not task_ids:
        return {}
    latest: dict[int, ProgressReport] = {}
    for start in range(0, len(task_ids), 10_000):
        for report in session.exec(
            select(ProgressReport)
            .where(
                col(ProgressReport.task_id).in_(task_ids[start : start + 10_000]),
                ProgressReport.kind == ReportKind.closure.value,
            )
            .order_by(col(ProgressReport.reported_at), col(ProgressReport.id))
        ):
            latest[report.task_id] = report
    files: dict[int, list[EvidenceItem]] = {}
    report_ids = [r.id for r in latest.values()]
    for start in range(0, len(report_ids), 10_000):
        for e in session.exec(
            select(Evidence)
            .where(col(Evidence.report_id).in_(report_ids[start : start + 10_000]))
            .order_by(col(Evidence.id))
        ):
            assert e.id is not None
            files.setdefault(e.report_id, []).append(EvidenceItem(e.id, e.name, e.size))
    return {tid: (r, files.get(r.id or 0, [])) for tid, r in latest.items()}


def _check_seen(session: Session, task_id: int, seen_version: int) -> None:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"任务 {task_id} 不存在", field="task_id")
    if task.version != seen_version:
        raise ConflictError(CHANGED)


def decide_closure(
    task_id: int,
    *,
    verify: bool,
    reason: str,
    seen_version: int,
    session: Session,
    actor: Actor,
    now: datetime,
) -> Task:
    """销号, or 退回 with a reason, of the task as the reviewer saw it."""
    require_office(actor, "审核销号申请")
    if not verify and not reason.strip():
        raise InvalidInputError("退回须写明理由,以便责任单位继续整改", field="reason")
    _check_seen(session, task_id, seen_version)
    if verify:
        return lifecycle.verify_closure(
            task_id, note=reason.strip(), session=session, actor=actor, now=now
        )
    return lifecycle.return_for_rework(
        task_id, reason=reason, session=session, actor=actor, now=now
    )


def decide_extension(
    extension_id: int,
    *,
    approve: bool,
    reason: str,
    seen_version: int,
    session: Session,
    actor: Actor,
    now: datetime,
) -> Extension:
    """批准 / 不予批准 an extension request, against the task as the reviewer saw it."""
    require_office(actor, "审批延期申请")
    extension = session.get(Extension, extension_id)
    if extension is None:
        raise NotFoundError(f"延期申请 {extension_id} 不存在", field="extension_id")
    if extension.status != ExtensionStatus.pending.value:
        raise ConflictError(CHANGED)
    if not approve and not reason.strip():
        raise InvalidInputError("不予批准须写明理由", field="reason")
    _check_seen(session, extension.task_id, seen_version)
    return lifecycle.decide_extension(
        extension_id, approve=approve, reason=reason, session=session, actor=actor, now=now
    )


def extension_task(extension_id: int, *, session: Session, actor: Actor) -> int:
    """The task an extension request belongs to (for the office, which reads every task)."""
    require_office(actor, "审批延期申请")
    extension = session.get(Extension, extension_id)
    if extension is None:
        raise NotFoundError(f"延期申请 {extension_id} 不存在", field="extension_id")
    return extension.task_id
