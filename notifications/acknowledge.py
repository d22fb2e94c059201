"""The 签收提醒 of the daily check: a unit that has not signed for a task within
`Rules.acknowledge_workdays` working days of getting it is told once, in one notice per unit.

Called from the daily check's planning transaction (notifications.daily), so the notices
and the rows marked as told (`reminded_on`) are written together; the next run skips a row
once told, so a unit hears about each unsigned task once, not every day. Its own kind and
key (acknowledge:<unit>:<day>), beside the ladder's digests, so no ladder digest changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ledger.queries import live_tasks
from ledger.reminders import OFFICE_NAME
from models.enums import TaskStatus
from models.office import TZ
from models.settings import Settings
from models.tables import Acknowledgement, Inspection, Task, Unit
from models.workdays import WorkCalendar
from notifications.outbox import CHUNK, NoticeDraft, enqueue
from notifications.render import Renderer

KIND = "acknowledge"


@dataclass
class _Group:
    name: str
    items: list[dict[str, Any]] = field(default_factory=list)
    row_ids: list[int] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)


def _unsigned(session: Session, before: datetime) -> list[Any]:
    """Rows not signed and not yet told, of open tasks that count, given before `before`."""
    return list(
        session.execute(
            sa.select(
                col(Acknowledgement.id),
                col(Acknowledgement.task_id),
                col(Acknowledgement.assigned_at),
                col(Task.code),
                col(Task.measure),
                col(Task.lead_unit_id),
                col(Acknowledgement.unit_id),
                col(Inspection.title),
                col(Unit.name),
                col(Unit.notify_tag),
            )
            .join(Task, col(Task.id) == Acknowledgement.task_id)
            .join(Inspection, col(Inspection.id) == Task.inspection_id)
            .join(Unit, col(Unit.id) == Acknowledgement.unit_id)
            .where(
                col(Acknowledgement.acknowledged_at).is_(None),
                col(Acknowledgement.reminded_on).is_(None),
                col(Acknowledgement.assigned_at) < before,
                col(Task.status) != TaskStatus.closed.value,
                live_tasks(),
            )
            .order_by(col(Acknowledgement.assigned_at), col(Task.id), col(Acknowledgement.id))
        ).all()
    )


def sign_by(assigned_on: date, *, calendar: WorkCalendar, workdays: int) -> date:
    """The last day to sign: `workdays` working days after the day the task was given."""
    return calendar.add_workdays(assigned_on, workdays)


def plan_acknowledge_reminders(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar,
    renderer: Renderer,
    period: str,
) -> int:
    """Writes one 签收提醒 per unit with tasks past their signing time; returns the notices."""
    workdays = settings.rules.acknowledge_workdays
    if workdays <= 0:
        return 0
    rows = _unsigned(session, datetime.combine(as_of, time.min, TZ))
    limits: dict[date, date] = {}
    groups: dict[str, _Group] = {}
    for row_id, task_id, assigned_at, code, measure, lead_id, unit_id, title, unit, tag in rows:
        assigned_on = assigned_at.astimezone(TZ).date()
        if assigned_on not in limits:
            limits[assigned_on] = sign_by(assigned_on, calendar=calendar, workdays=workdays)
        if limits[assigned_on] >= as_of:
            continue  # still within its time to sign
        group = groups.setdefault(tag or unit, _Group(unit))
        group.items.append(
            {
                "id": task_id,
                "code": code,
                "measure": measure,
                "inspection": title,
                "role": "牵头单位" if unit_id == lead_id else "配合单位",
                "assigned_on": assigned_on,
                "sign_by": limits[assigned_on],
            }
        )
        group.row_ids.append(row_id)
        group.task_ids.append(task_id)
    if not groups:
        return 0
    limit = settings.rules.digest_max_items
    drafts = []
    for recipient, group in sorted(groups.items()):
        listed = group.items[:limit]
        rendered = renderer.render(
            KIND,
            {
                "names": [group.name],
                "recipient": recipient,
                "as_of": as_of,
                "tasks": listed,
                "total": len(group.items),
                "more": len(group.items) - len(listed),
                "workdays": workdays,
                "office_name": OFFICE_NAME,
                "base_url": settings.base_url,
            },
        )
        drafts.append(
            NoticeDraft(
                kind=KIND,
                recipient=recipient,
                period=period,
                task_ids=group.task_ids,
                title=rendered.title,
                body_text=rendered.text,
                body_html=rendered.html,
                body_md=rendered.md,
            )
        )
    result = enqueue(drafts, session=session, now=now)
    # Only the rows of a notice written now are told: a unit whose notice of today is there
    # already (a second run the same day) hears about its newer rows the next working day.
    fresh = set(result.notice_ids)
    told = [
        row_id
        for draft, group in zip(drafts, (groups[r] for r in sorted(groups)), strict=True)
        if result.ids_by_key.get(draft.key) in fresh
        for row_id in group.row_ids
    ]
    for start in range(0, len(told), CHUNK):
        session.execute(
            sa.update(Acknowledgement)
            .where(col(Acknowledgement.id).in_(told[start : start + CHUNK]))
            .values(reminded_on=as_of)
        )
    return result.created
