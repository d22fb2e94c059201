"""Each co-unit's own part of a task (配合单位的部分): its state, read for many tasks at once.

A co-unit reports progress on its part (ledger.lifecycle.report_progress, a report with
its unit) and marks its part 已完成, or reopens it while the task is not 已销号
(ledger.lifecycle.mark_part_done / reopen_part). The lead unit's 申请销号 waits for every
part, unless it says why not.

A part's state is a TaskPart row; no row is 未完成. Parts are read through TaskCoUnit, so
only the task's current co-units have one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.enums import PartStatus
from models.tables import TaskCoUnit, TaskPart, Unit


@dataclass(frozen=True)
class PartState:
    """One co-unit's part of one task, as every reader sees it."""

    task_id: int
    unit_id: int
    unit: str
    status: PartStatus
    done_at: datetime | None
    done_by: str | None
    note: str

    @property
    def is_done(self) -> bool:
        return self.status is PartStatus.done

    def as_json(self) -> dict[str, object]:
        return {
            "unit_id": self.unit_id,
            "unit": self.unit,
            "status": self.status.value,
            "status_label": self.status.label,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "done_by": self.done_by,
            "note": self.note,
        }


def task_parts(session: Session, task_ids: Iterable[int]) -> dict[int, list[PartState]]:
    """The co-units' parts of many tasks, in the ledger's order of co-units; one query per
    10,000 tasks (the bound of a parameter list)."""
    ids = list(task_ids)
    result: dict[int, list[PartState]] = {}
    for start in range(0, len(ids), 10_000):
        rows = session.exec(
            select(  # type: ignore[call-overload]
                TaskCoUnit.task_id,
                TaskCoUnit.unit_id,
                Unit.name,
                TaskPart.status,
                TaskPart.done_at,
                TaskPart.done_by,
                TaskPart.note,
            )
            .join(Unit, col(Unit.id) == TaskCoUnit.unit_id)
            .outerjoin(
                TaskPart,
                (col(TaskPart.task_id) == TaskCoUnit.task_id)
                & (col(TaskPart.unit_id) == TaskCoUnit.unit_id),
            )
            .where(col(TaskCoUnit.task_id).in_(ids[start : start + 10_000]))
            .order_by(col(TaskCoUnit.task_id), col(TaskCoUnit.position))
        )
        for task_id, unit_id, name, status, done_at, done_by, note in rows:
            result.setdefault(task_id, []).append(
                PartState(
                    task_id=task_id,
                    unit_id=unit_id,
                    unit=name,
                    status=PartStatus(status) if status else PartStatus.open,
                    done_at=done_at,
                    done_by=done_by,
                    note=note or "",
                )
            )
    return result


def open_parts(session: Session, task_id: int) -> list[PartState]:
    """The parts of a task not yet 已完成."""
    return [p for p in task_parts(session, [task_id]).get(task_id, []) if not p.is_done]
