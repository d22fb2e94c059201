"""我的任务: the tasks an actor may see, filtered, with the count of each light."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from ledger.acknowledge import unacknowledged_task_ids
from ledger.actors import Actor
from ledger.queries import TaskFilter, TaskView, task_views
from models.enums import Light, TaskStatus
from models.rules import Rules

# A unit has tens of tasks; the office could have 100,000, so a page shows at most this many.
PAGE_LIMIT = 500


@dataclass(frozen=True)
class WorkList:
    tasks: list[TaskView]
    lights: dict[Light, int]
    truncated: bool  # more tasks match than one page shows
    # Of the tasks shown, those the actor's unit has not signed for yet (未签收).
    unacknowledged: frozenset[int] = field(default_factory=frozenset)


def work_list(
    *,
    session: Session,
    actor: Actor,
    today: date,
    rules: Rules,
    status: TaskStatus | None = None,
    light: Light | None = None,
    search: str | None = None,
    inspection_id: int | None = None,
    limit: int = PAGE_LIMIT,
) -> WorkList:
    """The actor's tasks (a unit: lead or co-unit; a leader: their remit; the office: all)."""
    views = task_views(
        session,
        today=today,
        rules=rules,
        where=TaskFilter(
            inspection_id=inspection_id,
            status=status,
            light=light,
            search=(search or "").strip() or None,
            limit=limit + 1,
        ),
        actor=actor,
    )
    shown = views[:limit]
    counts = Counter(v.light for v in shown)
    return WorkList(
        tasks=shown,
        lights={lt: counts.get(lt, 0) for lt in Light},
        truncated=len(views) > limit,
        unacknowledged=unacknowledged_task_ids(
            session, actor=actor, task_ids=[v.id for v in shown]
        ),
    )
