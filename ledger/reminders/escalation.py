"""Escalation to the 分管领导: a unit that has ignored N 催办 of a task (rules.
escalate_after_urges; 0: off) is reported to the task's leader (责任领导), once per task.

Ignored means: N 催办 rungs of the current deadline were done (a 督办 counts for the 催办 it
covers) after the task's last progress report, and the ladder is due again today (a next
催办 or the 督办), so the unit has had a full interval to answer the last one. Checked only
for the tasks due today, in two set-based queries (their 催办 marks, their last reports).
The step `escalate` marks it done: once per task, whatever its deadline becomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger.reminders.due import Digest, DueTask
from models.enums import ReportKind
from models.outbox import ReminderMark
from models.reminders import Level
from models.rules import Rules
from models.tables import ProgressReport, User

ESCALATED = "escalate"
MARK: sa.Table = ReminderMark.__table__  # type: ignore[attr-defined]
PROGRESS: sa.Table = ProgressReport.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
CHUNK = 2000


def _aware(value: Any) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def escalations(session: Session, due: Sequence[DueTask], *, rules: Rules) -> list[Digest]:
    """One digest per leader: the tasks due today whose unit has ignored N 催办."""
    n = rules.escalate_after_urges
    overdue = [
        t
        for t in due
        if n > 0 and t.leader and t.deadline and t.step.level in (Level.urge, Level.supervise)
    ]
    if not overdue:
        return []
    ids = [t.task_id for t in overdue]
    marks: dict[int, list[tuple[str, datetime]]] = {}
    last: dict[int, datetime] = {}
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        for task_id, step, at in session.execute(
            sa.select(MARK.c.task_id, MARK.c.step, MARK.c.created_at).where(
                MARK.c.task_id.in_(part),
                sa.or_(MARK.c.step.like("urge:%"), MARK.c.step == ESCALATED),
            )
        ):
            marks.setdefault(task_id, []).append((step, _aware(at)))
        for task_id, at in session.execute(
            sa.select(PROGRESS.c.task_id, sa.func.max(PROGRESS.c.reported_at))
            .where(PROGRESS.c.task_id.in_(part), PROGRESS.c.kind != ReportKind.imported.value)
            .group_by(PROGRESS.c.task_id)
        ):
            last[task_id] = _aware(at)
    chosen: list[DueTask] = []
    for task in overdue:
        done = marks.get(task.task_id, [])
        if any(step == ESCALATED for step, _ in done):
            continue
        assert task.deadline is not None
        prefix = f"urge:{task.deadline.isoformat()}:"
        since = last.get(task.task_id)
        ignored = sum(
            1 for step, at in done if step.startswith(prefix) and (since is None or at > since)
        )
        if ignored >= n:
            chosen.append(task)
    if not chosen:
        return []
    leaders = sorted({t.leader for t in chosen})
    tags = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(USER.c.name, USER.c.notify_tag).where(
                USER.c.name.in_(leaders), USER.c.notify_tag.is_not(None)
            )
        ).all()
    )
    digests: dict[str, Digest] = {}
    for task in sorted(chosen, key=lambda t: t.rank):
        tag = tags.get(task.leader) or task.leader
        digest = digests.setdefault(tag, Digest(Level.escalate, tag, [task.leader], []))
        digest.tasks.append(task)
    return list(digests.values())


def escalation_marks(
    digests: Sequence[Digest], *, notice_ids: dict[str, int], now: datetime
) -> list[dict[str, Any]]:
    """The `escalate` marks of the escalated tasks (once per task), for record_steps' insert."""
    rows: dict[int, dict[str, Any]] = {}
    for digest in digests:
        for task in digest.tasks:
            rows.setdefault(
                task.task_id,
                {
                    "task_id": task.task_id,
                    "step": ESCALATED,
                    "notice_id": notice_ids.get(digest.recipient),
                    "created_at": now,
                },
            )
    return list(rows.values())
