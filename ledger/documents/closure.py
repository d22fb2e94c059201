"""The 销号审批表 of a task: what was asked, what the unit did, and how the office decided.

Data only: `closure_forms` reads the forms of many tasks in a fixed number of set-based
queries (the 整改档案 needs one per measure of a round), `closure_form` reads one for a
user after checking they may see the task. The Word layout is the `closure.docx` template
(ledger/documents/build_templates.py), which an office may restyle like the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, can_read_task
from ledger.documents.text import clean, cn_date, serial
from ledger.errors import NotFoundError
from models.enums import ExtensionStatus, ReportKind, TaskKind, TaskStatus
from models.office import TZ
from models.tables import (
    Evidence,
    Extension,
    HistoryEntry,
    Inspection,
    Problem,
    ProgressReport,
    Task,
    TaskCoUnit,
    Unit,
)

ISSUER = "整改工作领导小组办公室"

REQUIRED_CLOSURE_TAGS = {
    "measure": "整改措施",
    "lead_unit": "牵头单位",
    "summary": "整改完成情况(申请销号时的说明)",
    "evidence": "佐证材料清单",
    "verification_text": "整改办核验意见",
}


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def size_text(size: int) -> str:
    """12 KB / 3.4 MB: how big a file is, for a person."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@dataclass(frozen=True)
class EvidenceLine:
    """A 佐证材料 file of the task, with the day it was handed in."""

    evidence_id: int
    name: str
    size: int
    sha256: str
    on: date
    by: str
    closure: bool  # handed in with a closure request (not with a progress report)


@dataclass(frozen=True)
class Decision:
    """A 退回 or a 销号 by the office, or an approved 延期."""

    on: date
    by: str
    note: str


@dataclass(frozen=True)
class ExtensionLine:
    requested_on: date
    requested_by: str
    from_deadline: date
    to_deadline: date
    reason: str
    decided_on: date | None
    decided_by: str


@dataclass(frozen=True)
class ClosureFormData:
    template: ClassVar[str] = "closure"
    required_tags: ClassVar[Mapping[str, str]] = REQUIRED_CLOSURE_TAGS

    task_id: int
    code: str
    inspection_id: int
    inspection: str
    problem_id: int
    problem_seq: int
    problem: str
    measure: str
    lead_unit: str
    co_units: tuple[str, ...]
    leader: str
    person: str
    kind: TaskKind
    status: TaskStatus
    deadline: date | None
    original_deadline: date | None
    closed_on: date | None
    summary: str = ""  # the latest closure request's summary
    submitted_on: date | None = None
    submitted_by: str = ""
    no_evidence_reason: str = ""
    evidence: tuple[EvidenceLine, ...] = ()
    extensions: tuple[ExtensionLine, ...] = ()
    returns: tuple[Decision, ...] = ()
    verification: Decision | None = None

    @property
    def deadline_text(self) -> str:
        if self.kind is TaskKind.ongoing:
            return "长期坚持"
        if self.deadline is None:
            return "立行立改"
        text = cn_date(self.deadline)
        if self.original_deadline is not None and self.original_deadline != self.deadline:
            text += f"(原时限{cn_date(self.original_deadline)},经批准延期)"
        return text

    @property
    def verification_text(self) -> str:
        v = self.verification
        if v is None:
            if self.status is TaskStatus.submitted:
                return "待整改办审核"
            return f"尚未销号(当前状态:{self.status.label})"
        note = clean(v.note)
        return f"经{v.by}核验,于{cn_date(v.on)}同意销号" + (f"。核验意见:{note}" if note else "。")

    def context(self) -> dict[str, Any]:
        """Plain values only, so an office's Word template can use any of them by name."""
        return {
            "title": "整改任务销号审批表",
            "issuer": ISSUER,
            "inspection": self.inspection,
            "problem": f"{serial(self.problem_seq)}{clean(self.problem)}",
            "code": self.code,
            "measure": clean(self.measure),
            "kind_text": self.kind.label,
            "status_text": self.status.label,
            "lead_unit": self.lead_unit,
            "co_units_text": "、".join(self.co_units) or "无",
            "leader": self.leader or "未指定",
            "person": self.person or "未指定",
            "deadline_text": self.deadline_text,
            "extensions": [
                {
                    "no": i,
                    "requested_text": cn_date(e.requested_on),
                    "requested_by": e.requested_by,
                    "change_text": f"{cn_date(e.from_deadline)}延至{cn_date(e.to_deadline)}",
                    "reason": clean(e.reason),
                    "decided_text": (
                        f"{e.decided_by}于{cn_date(e.decided_on)}批准" if e.decided_on else ""
                    ),
                }
                for i, e in enumerate(self.extensions, 1)
            ],
            "extensions_text": "无" if not self.extensions else f"共{len(self.extensions)}次",
            "summary": clean(self.summary) or "尚未申请销号",
            "submitted_text": (
                f"{self.submitted_by}于{cn_date(self.submitted_on)}申请销号"
                if self.submitted_on
                else "尚未申请销号"
            ),
            "no_evidence_reason": clean(self.no_evidence_reason),
            "evidence": [
                {
                    "no": i,
                    "name": e.name,
                    "date_text": cn_date(e.on),
                    "by": e.by,
                    "size_text": size_text(e.size),
                    "sha256": e.sha256,
                    "sha256_short": e.sha256[:12],
                    "stage": "申请销号" if e.closure else "进展填报",
                }
                for i, e in enumerate(self.evidence, 1)
            ],
            "evidence_text": (
                f"共{len(self.evidence)}份"
                if self.evidence
                else (
                    f"无(理由:{clean(self.no_evidence_reason)})"
                    if self.no_evidence_reason
                    else "无"
                )
            ),
            "returns": [
                {"no": i, "date_text": cn_date(r.on), "by": r.by, "reason": clean(r.note)}
                for i, r in enumerate(self.returns, 1)
            ],
            "returns_text": "无" if not self.returns else f"共退回{len(self.returns)}次",
            "verification_text": self.verification_text,
            "verified_by": self.verification.by if self.verification else "",
            "verified_text": cn_date(self.verification.on) if self.verification else "",
            "closed_text": cn_date(self.closed_on) if self.closed_on else "",
        }


def _task_rows(session: Session, where: sa.ColumnElement[bool]) -> list[Any]:
    return list(
        session.execute(
            sa.select(
                col(Task.id),
                col(Task.code),
                col(Task.inspection_id),
                col(Inspection.title),
                col(Task.problem_id),
                col(Problem.seq),
                col(Problem.description),
                col(Task.measure),
                col(Unit.name),
                col(Task.leader),
                col(Task.person),
                col(Task.kind),
                col(Task.status),
                col(Task.deadline),
                col(Task.original_deadline),
                col(Task.closed_at),
            )
            .join(Inspection, col(Inspection.id) == Task.inspection_id)
            .join(Problem, col(Problem.id) == Task.problem_id)
            .join(Unit, col(Unit.id) == Task.lead_unit_id)
            .where(where)
            .order_by(col(Problem.seq), col(Task.id))
        ).all()
    )


def closure_forms(session: Session, where: sa.ColumnElement[bool]) -> list[ClosureFormData]:
    """The forms of every task matching `where` (a condition on Task), in problem order.

    Six queries whatever the number of tasks: tasks, co-units, closure requests, evidence,
    decisions from history, extensions.
    """
    rows = _task_rows(session, where)
    if not rows:
        return []
    ids = select(Task.id).where(where)
    co_units: dict[int, list[str]] = defaultdict(list)
    for task_id, name in session.execute(
        sa.select(col(TaskCoUnit.task_id), col(Unit.name))
        .join(Unit, col(Unit.id) == TaskCoUnit.unit_id)
        .where(col(TaskCoUnit.task_id).in_(ids))
        .order_by(col(TaskCoUnit.task_id), col(TaskCoUnit.position))
    ):
        co_units[task_id].append(name)

    latest_closure: dict[int, ProgressReport] = {}
    for report in session.exec(
        select(ProgressReport)
        .where(col(ProgressReport.task_id).in_(ids), ProgressReport.kind == ReportKind.closure)
        .order_by(col(ProgressReport.reported_at), col(ProgressReport.id))
    ):
        latest_closure[report.task_id] = report  # the last one wins

    evidence: dict[int, list[EvidenceLine]] = defaultdict(list)
    for ev_id, name, size, sha, task_id, at, by, kind in session.execute(
        sa.select(
            col(Evidence.id),
            col(Evidence.name),
            col(Evidence.size),
            col(Evidence.sha256),
            col(ProgressReport.task_id),
            col(ProgressReport.reported_at),
            col(ProgressReport.actor),
            col(ProgressReport.kind),
        )
        .join(ProgressReport, col(ProgressReport.id) == Evidence.report_id)
        .where(col(ProgressReport.task_id).in_(ids))
        .order_by(col(ProgressReport.reported_at), col(ProgressReport.id), col(Evidence.id))
    ):
        evidence[task_id].append(
            EvidenceLine(
                ev_id, name, size, sha, local_day(at), by, ReportKind(kind) is ReportKind.closure
            )
        )

    returns: dict[int, list[Decision]] = defaultdict(list)
    verification: dict[int, Decision] = {}
    for task_id, action, at, actor, note in session.execute(
        sa.select(
            col(HistoryEntry.task_id),
            col(HistoryEntry.action),
            col(HistoryEntry.at),
            col(HistoryEntry.actor),
            col(HistoryEntry.note),
        )
        .where(
            col(HistoryEntry.task_id).in_(ids),
            col(HistoryEntry.entity) == "task",
            col(HistoryEntry.field) == "status",
            col(HistoryEntry.action).in_(["return", "verify"]),
        )
        .order_by(col(HistoryEntry.at), col(HistoryEntry.id))
    ):
        decision = Decision(local_day(at), actor, note)
        if action == "return":
            returns[task_id].append(decision)
        else:
            verification[task_id] = decision  # a reopened task closed again: the last one

    extensions: dict[int, list[ExtensionLine]] = defaultdict(list)
    for e in session.exec(
        select(Extension)
        .where(
            col(Extension.task_id).in_(ids),
            Extension.status == ExtensionStatus.approved,
        )
        .order_by(col(Extension.requested_at), col(Extension.id))
    ):
        extensions[e.task_id].append(
            ExtensionLine(
                requested_on=local_day(e.requested_at),
                requested_by=e.requested_by,
                from_deadline=e.current_deadline,
                to_deadline=e.new_deadline,
                reason=e.reason,
                decided_on=local_day(e.decided_at) if e.decided_at else None,
                decided_by=e.decided_by or "",
            )
        )

    forms = []
    for (
        task_id,
        code,
        inspection_id,
        inspection,
        problem_id,
        problem_seq,
        problem,
        measure,
        lead_unit,
        leader,
        person,
        kind,
        status,
        deadline,
        original_deadline,
        closed_at,
    ) in rows:
        status = TaskStatus(status)
        closure = latest_closure.get(task_id)
        forms.append(
            ClosureFormData(
                task_id=task_id,
                code=code,
                inspection_id=inspection_id,
                inspection=inspection,
                problem_id=problem_id,
                problem_seq=problem_seq,
                problem=problem,
                measure=measure,
                lead_unit=lead_unit,
                co_units=tuple(co_units.get(task_id, ())),
                leader=leader,
                person=person,
                kind=TaskKind(kind),
                status=status,
                deadline=deadline,
                original_deadline=original_deadline,
                closed_on=local_day(closed_at) if closed_at else None,
                summary=closure.text if closure else "",
                submitted_on=local_day(closure.reported_at) if closure else None,
                submitted_by=closure.actor if closure else "",
                no_evidence_reason=closure.no_evidence_reason if closure else "",
                evidence=tuple(evidence.get(task_id, ())),
                extensions=tuple(extensions.get(task_id, ())),
                returns=tuple(returns.get(task_id, ())),
                # Only a task that is 已销号 now has a verification to print.
                verification=verification.get(task_id) if status is TaskStatus.closed else None,
            )
        )
    return forms


def closure_form(session: Session, task_id: int, *, actor: Actor) -> ClosureFormData:
    """The 销号审批表 of one task, for the office or a unit or leader whose task it is.

    For anyone else the task does not exist (as in its detail and its 督办通知单): the
    refusal does not confirm that another unit's task is there.
    """
    if not can_read_task(session, actor, task_id):
        raise NotFoundError(f"任务编号 {task_id} 不存在,或不在您的查看范围内", field="task_id")
    return closure_forms(session, col(Task.id) == task_id)[0]
