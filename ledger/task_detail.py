"""What a task page shows, and the evidence downloads, for one actor.

A task outside the actor's remit is "not found", exactly like a task that does not exist:
a unit learns nothing about other units' tasks, not even that they exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.acknowledge_view import AckItem, acknowledgements_of
from ledger.actors import Actor, remit_clause
from ledger.errors import NotFoundError
from ledger.evidence import blob_path
from ledger.history import HistoryItem, history_items
from ledger.parts import PartState, task_parts
from ledger.queries import TaskFilter, TaskView, live_tasks, task_views
from ledger.shared_progress import ReportDraft, last_report_draft
from models.cadence import effective_cadence
from models.enums import ExtensionStatus, ReportKind, Role, TaskStatus
from models.rules import Rules
from models.tables import Evidence, Extension, HistoryEntry, Inspection, ProgressReport, Task

# The 督办通知单 of a task are only counted here: a light table clause, so reading a task
# does not load the outbox's table classes (models.outbox, ~20 ms at every `task show`).
_ORDERS = sa.table("supervisionorder", sa.column("task_id"))

REPORT_KIND_LABELS = {
    ReportKind.progress: "进展填报",
    ReportKind.closure: "申请销号",
    ReportKind.imported: "台账导入的进展",
}


def not_found(task_id: int) -> NotFoundError:
    return NotFoundError(f"任务 {task_id} 不存在,或不在您的查看范围内", field="task_id")


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    name: str
    size: int


@dataclass(frozen=True)
class ReportItem:
    id: int
    kind: ReportKind
    kind_label: str
    actor: str
    at: datetime
    text: str
    issues: str
    next_steps: str
    no_evidence_reason: str
    evidence: list[EvidenceItem]
    ledger_date: date | None = None  # an imported report: the date the ledger gives it
    unit_id: int | None = None  # a co-unit's report on its own part; None: the task's
    open_parts_reason: str = ""  # a closure request asked with parts not done: why


@dataclass(frozen=True)
class PartItem:
    """A co-unit's part as the task page shows it: its state and its own reports."""

    state: PartState
    reports: list[ReportItem]


@dataclass(frozen=True)
class SiblingTask:
    """Another open task of the same problem the actor may report progress on."""

    id: int
    code: str
    measure: str


@dataclass
class TaskDetail:
    view: TaskView
    reports: list[ReportItem]
    extensions: list[Extension]
    history: list[HistoryItem]
    # Each co-unit's own part, in the ledger's order of co-units (every reader sees all).
    parts: list[PartItem] = field(default_factory=list)
    # What the actor may do here; the page offers only these, the services check again.
    may_report: bool = False
    may_review: bool = False
    # The co-unit whose part the actor reports on and marks (None: the actor acts on the task).
    own_part_unit: int | None = None
    returned_reason: str = ""  # the office's reason when the last closure request was returned
    pending_extension: Extension | None = field(default=None)
    report_cadence: str = "none"  # 报送周期 in effect (models.cadence spec)
    report_cadence_label: str = ""  # 每周一(随轮次) / 每月15日(本任务) / 不定期报送(默认)
    supervision_orders: int = 0  # 督办通知单 issued for the task (the page links the latest)
    # 签收 of each unit of the task (lead first); may_acknowledge: the actor's unit has not signed.
    acknowledgements: list[AckItem] = field(default_factory=list)
    may_acknowledge: bool = False

    @property
    def acknowledged(self) -> bool:
        """Every unit of the task has signed."""
        return all(a.acknowledged for a in self.acknowledgements)

    @property
    def task_reports(self) -> list[ReportItem]:
        """The task's own reports (the lead unit's and the office's)."""
        return [r for r in self.reports if r.unit_id is None]

    @property
    def own_part(self) -> PartItem | None:
        return next((p for p in self.parts if p.state.unit_id == self.own_part_unit), None)

    @property
    def open_parts(self) -> list[PartState]:
        return [p.state for p in self.parts if not p.state.is_done]

    @property
    def may_act_on_task(self) -> bool:
        """The lead unit and the office act on the task; a co-unit on its own part."""
        return self.may_report and self.own_part_unit is None

    # Fill in once: the progress form starts from the unit's last report of the task, and
    # may be sent for the other tasks of the same problem the actor may report on.
    draft: ReportDraft | None = None
    siblings: list[SiblingTask] = field(default_factory=list)

    @property
    def may_submit(self) -> bool:
        return self.may_act_on_task and self.view.status in (
            TaskStatus.pending,
            TaskStatus.in_progress,
        )

    @property
    def may_ask_extension(self) -> bool:
        return (
            self.may_act_on_task
            and self.view.status.is_open
            and self.view.deadline is not None
            # Asked before the deadline only (models.rules.check_extension_request).
            and (self.view.days_left is None or self.view.days_left >= 0)
            and self.pending_extension is None
        )


def require_visible(task_id: int, *, session: Session, actor: Actor) -> None:
    """Not found, for a task that does not exist and for one outside the actor's remit."""
    visible = select(Task.id).where(Task.id == task_id)
    if (remit := remit_clause(actor)) is not None:
        visible = visible.where(remit)
    if session.exec(visible).first() is None:
        raise not_found(task_id)


def task_detail(
    task_id: int, *, session: Session, actor: Actor, today: date, rules: Rules
) -> TaskDetail:
    views = task_views(
        session, today=today, rules=rules, where=TaskFilter(task_ids=(task_id,)), actor=actor
    )
    if not views:
        raise not_found(task_id)
    view = views[0]
    reports = list(
        session.exec(
            select(ProgressReport)
            .where(ProgressReport.task_id == task_id)
            .order_by(col(ProgressReport.reported_at), col(ProgressReport.id))
        )
    )
    files: dict[int, list[EvidenceItem]] = {}
    evidence = (
        session.exec(
            select(Evidence)
            .where(col(Evidence.report_id).in_([r.id for r in reports]))
            .order_by(col(Evidence.id))
        )
        if reports  # no report, no evidence: a task just registered asks nothing more
        else ()
    )
    for e in evidence:
        assert e.id is not None
        files.setdefault(e.report_id, []).append(EvidenceItem(e.id, e.name, e.size))
    extensions = list(
        session.exec(
            select(Extension).where(Extension.task_id == task_id).order_by(col(Extension.id))
        )
    )
    entries = list(
        session.exec(
            select(HistoryEntry)
            .where(HistoryEntry.task_id == task_id)
            .order_by(col(HistoryEntry.at), col(HistoryEntry.id))
        )
    )
    # What the view leaves out, with the count of its 督办通知单, in one statement.
    orders = (
        sa.select(sa.func.count())
        .select_from(_ORDERS)
        .where(_ORDERS.c.task_id == col(Task.id))
        .scalar_subquery()
    )
    lead_unit_id, own, of_round, supervision_orders = session.execute(
        sa.select(
            col(Task.lead_unit_id), col(Task.report_cadence), col(Inspection.report_cadence), orders
        )
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .where(col(Task.id) == task_id)
    ).one()
    cadence = effective_cadence(own, of_round, rules.report_cadence)
    source = "本任务" if own else "随轮次" if of_round else "默认"
    acknowledgements = acknowledgements_of(session, task_id, lead_unit_id)
    items = [_report_item(r, files) for r in reports]
    own_part_unit = (
        actor.unit_id if actor.role is Role.unit and actor.unit_id != lead_unit_id else None
    )
    returned = [e for e in entries if e.action == "return"]
    returned_reason = (
        returned[-1].note
        if returned and view.status is TaskStatus.in_progress and _after_last_submit(entries)
        else ""
    )
    return TaskDetail(
        view=view,
        reports=items,
        extensions=extensions,
        history=history_items(entries),
        parts=[
            PartItem(state, [r for r in items if r.unit_id == state.unit_id])
            for state in task_parts(session, [task_id]).get(task_id, [])
        ],
        # Anyone who can read the task and is not a leader belongs to it (or is the office).
        may_report=actor.role is not Role.leader,
        may_review=actor.is_office,
        own_part_unit=own_part_unit,
        returned_reason=returned_reason,
        pending_extension=next(
            (x for x in extensions if x.status == ExtensionStatus.pending), None
        ),
        report_cadence=cadence.spec,
        report_cadence_label=f"{cadence.label}({source})",
        supervision_orders=supervision_orders,
        acknowledgements=acknowledgements,
        # Only a unit's own user signs, and only while the task is open and counts.
        may_acknowledge=actor.role is Role.unit
        and view.status.is_open
        and not view.withdrawn
        and any(a.unit_id == actor.unit_id and not a.acknowledged for a in acknowledgements),
        draft=last_report_draft(session, task_id=task_id, actor=actor),
        siblings=_siblings(session, view, actor),
    )


def _report_item(r: ProgressReport, files: dict[int, list[EvidenceItem]]) -> ReportItem:
    return ReportItem(
        id=r.id or 0,
        kind=ReportKind(r.kind),
        kind_label=REPORT_KIND_LABELS[ReportKind(r.kind)],
        actor=r.actor,
        at=r.reported_at,
        text=r.text,
        issues=r.issues,
        next_steps=r.next_steps,
        no_evidence_reason=r.no_evidence_reason,
        evidence=files.get(r.id or 0, []),
        ledger_date=r.ledger_date,
        unit_id=r.unit_id,
        open_parts_reason=r.open_parts_reason,
    )


def _siblings(session: Session, view: TaskView, actor: Actor) -> list[SiblingTask]:
    """The problem's other live tasks open to a report (待整改 / 整改中) in the actor's remit."""
    if actor.role is Role.leader:
        return []
    query = select(Task.id, Task.code, Task.measure).where(
        Task.problem_id == view.problem_id,
        Task.id != view.id,
        col(Task.status).in_((TaskStatus.pending.value, TaskStatus.in_progress.value)),
        live_tasks(),
    )
    if (remit := remit_clause(actor)) is not None:
        query = query.where(remit)
    rows = session.exec(query.order_by(col(Task.id))).all()
    return [SiblingTask(tid, code, measure) for tid, code, measure in rows if tid is not None]


def _after_last_submit(entries: list[HistoryEntry]) -> bool:
    """True when the last return came after the last closure request (nothing resubmitted)."""
    last = {e.action: i for i, e in enumerate(entries)}
    return last.get("return", -1) > last.get("submit", -1)


@dataclass(frozen=True)
class EvidenceDownload:
    name: str
    path: Path
    size: int


def evidence_download(
    evidence_id: int, *, session: Session, actor: Actor, store: Path
) -> EvidenceDownload:
    """A 佐证材料 file, only for those who may read its task (anyone else: not found)."""
    missing = NotFoundError(f"佐证材料 {evidence_id} 不存在,或不在您的查看范围内")
    row = session.exec(
        select(Evidence, ProgressReport.task_id)  # type: ignore[call-overload]
        .join(ProgressReport, col(ProgressReport.id) == Evidence.report_id)
        .where(Evidence.id == evidence_id)
    ).first()
    if row is None:
        raise missing
    evidence, task_id = row
    visible = select(Task.id).where(Task.id == task_id)
    if (remit := remit_clause(actor)) is not None:
        visible = visible.where(remit)
    if session.exec(visible).first() is None:
        raise missing
    path = blob_path(store, evidence.sha256)
    if not path.is_file():
        raise NotFoundError(f"佐证材料“{evidence.name}”的文件已不在存储目录中,请联系整改办")
    return EvidenceDownload(evidence.name, path, evidence.size)
