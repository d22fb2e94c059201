"""Fill in once: one 进展 written for several tasks of one problem, and the form's first draft.

A unit that works on several measures of one problem often reports the same words for each.
`report_progress_for_tasks` writes them once for all: one transaction, one report (with its
evidence and history) per task through ledger.lifecycle.report_progress, so every rule and
permission of a single report holds for each task. One refused task refuses them all and
nothing is written; the message names the task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from ledger.actors import Actor
from ledger.errors import ForbiddenError, InvalidInputError, LifecycleError, NotFoundError
from ledger.evidence import EvidenceSource
from models.enums import ReportKind, Role
from models.limits import Limits
from models.tables import ProgressReport, Task, User

# A batch is a handful of measures of one problem; a typing slip should not fan out widely.
MAX_TASKS = 50


@dataclass(frozen=True)
class ReportDraft:
    """What a progress form starts from: the unit's last report of the task."""

    text: str
    issues: str
    next_steps: str
    reported_at: datetime
    actor: str


def last_report_draft(session: Session, *, task_id: int, actor: Actor) -> ReportDraft | None:
    """The last 进展 of the task made by someone of the actor's unit (the office: by anyone).

    The caller has already checked the task is visible to the actor (ledger.task_detail)."""
    if actor.role is Role.leader:
        return None
    query = select(ProgressReport).where(
        ProgressReport.task_id == task_id, ProgressReport.kind == ReportKind.progress.value
    )
    if not actor.is_office:
        unit_users = select(User.name).where(User.unit_id == actor.unit_id)
        query = query.where(col(ProgressReport.actor).in_(unit_users))
    last = session.exec(
        query.order_by(col(ProgressReport.reported_at).desc(), col(ProgressReport.id).desc())
    ).first()
    if last is None:
        return None
    return ReportDraft(last.text, last.issues, last.next_steps, last.reported_at, last.actor)


def report_progress_for_tasks(
    task_ids: list[int],
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
) -> list[ProgressReport]:
    """The same 进展 for each task (all of one problem, each one the actor's), all or nothing."""
    from ledger.lifecycle import report_progress  # the write side loads when something is written

    wanted = list(dict.fromkeys(task_ids))
    if not wanted:
        raise InvalidInputError("请至少选择一项任务", field="task_ids")
    if len(wanted) > MAX_TASKS:
        raise InvalidInputError(
            f"一次最多为 {MAX_TASKS} 项任务填报进展,本次选择了 {len(wanted)} 项", field="task_ids"
        )
    if not text.strip():
        raise InvalidInputError("进展内容不能为空", field="text")
    rows = session.exec(
        select(Task.id, Task.code, Task.problem_id).where(col(Task.id).in_(wanted))
    ).all()
    found = {tid: (code, problem) for tid, code, problem in rows}
    missing = [t for t in wanted if t not in found]
    if missing:
        raise NotFoundError(f"任务编号 {'、'.join(map(str, missing))} 不存在", field="task_ids")
    problems = {found[t][1] for t in wanted}
    if len(problems) > 1:
        codes = "、".join(found[t][0] for t in wanted)
        raise InvalidInputError(
            f"一并填报的任务须属于同一个问题,所选任务 {codes} 分属 {len(problems)} 个问题,请分别填报",
            field="task_ids",
        )
    reports = []
    for task_id in wanted:
        try:
            reports.append(
                report_progress(
                    task_id,
                    text=text,
                    issues=issues,
                    next_steps=next_steps,
                    evidence=evidence,
                    session=session,
                    actor=actor,
                    now=now,
                    evidence_store=evidence_store,
                    evidence_max_bytes=evidence_max_bytes,
                )
            )
        except (InvalidInputError, LifecycleError, NotFoundError, ForbiddenError) as exc:
            code = found[task_id][0]
            message = exc.message if code in exc.message else f"任务 {code}:{exc.message}"
            # Which of the tasks was refused: the single report's message may not say.
            raise type(exc)(message, field=exc.field) from None
    return reports
