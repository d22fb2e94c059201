"""The notices an import writes with itself: 新任务交办 for the tasks it adds, 任务调整 for
the tasks whose unit, deadline or people it changes (ledger.decision_notices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from ledger.decision_notices import (
    Adjustment,
    Recipient,
    TaskFacts,
    announce_adjustments,
    announce_assignment,
    unit_recipients,
)
from ledger.importing.plan import ImportPlan
from models.enums import TaskStatus
from models.tables import Inspection, Unit


def announce_import(
    session: Session,
    plan: ImportPlan,
    *,
    inspection_id: int,
    new_task_ids: Sequence[int],
    units: dict[str, Unit],
    now: datetime,
    source: str,
) -> None:
    inspection = session.get(Inspection, inspection_id)
    title = inspection.title if inspection else ""

    # Units a task left may appear nowhere else in the file: read those in one query.
    others = unit_recipients(
        session,
        {
            n
            for c in plan.changed_tasks
            for n in (c.existing.lead_unit, *c.existing.co_units)
            if n not in units
        },
    )

    def unit(name: str) -> Recipient:
        if name not in units:
            return others.get(name, Recipient(name, name))
        u = units[name]
        return Recipient(u.notify_tag or u.name, u.name)

    assigned = [
        TaskFacts(
            task_id=tid,
            code=t.code,
            measure=t.parsed.measure,
            inspection=title,
            lead_unit=unit(t.parsed.lead_unit),
            co_units=[unit(n) for n in t.parsed.co_units],
            deadline=t.deadline,
            leader=t.parsed.leader,
            person=t.parsed.person,
        )
        for t, tid in zip(plan.new_tasks, new_task_ids, strict=True)
        if t.status is not TaskStatus.closed  # a ledger's closed rows are history, not work
    ]
    announce_assignment(session, assigned, now=now)
    adjustments = []
    for c in plan.changed_tasks:
        e, p = c.existing, c.parsed
        changed = {f: n for f, _o, n in c.changes}
        lead = changed.get("lead_unit", e.lead_unit)
        co = p.co_units if "co_units" in changed else e.co_units
        after = {lead, *co}
        adjustments.append(
            Adjustment(
                facts=TaskFacts(
                    task_id=e.id,
                    code=e.code,
                    measure=changed.get("measure", e.measure),
                    inspection=title,
                    lead_unit=unit(lead),
                    co_units=[unit(n) for n in co],
                    deadline=changed.get("deadline", e.deadline),
                    leader=changed.get("leader", e.leader),
                    person=changed.get("person", e.person),
                ),
                changes=c.changes,
                former_units=[unit(n) for n in [e.lead_unit, *e.co_units] if n not in after],
                reason=f"导入台账 {source}",
            )
        )
    announce_adjustments(session, adjustments, now=now)
