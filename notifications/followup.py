"""The 回头看提醒 of the daily check: due follow-ups told once to the lead unit and the office.

Called from the daily check's planning transaction (notifications.daily), so the notices
and the follow-ups marked as told are written together. A follow-up is told once: its
`reminded_on` is set in the same transaction as its notices, and the next run skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ledger.queries import live_tasks
from ledger.reminders import OFFICE_NAME
from models.enums import FollowUpStatus
from models.followups import FollowUp
from models.office import OFFICE_TAG, TZ
from models.settings import Settings
from models.tables import Inspection, Task, Unit
from notifications.outbox import CHUNK, NoticeDraft, enqueue, send_time
from notifications.render import Renderer

KIND = "followup"


@dataclass
class _Group:
    names: list[str]
    items: list[dict[str, Any]] = field(default_factory=list)
    followup_ids: list[int] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)


def _due(session: Session, as_of: date) -> list[Any]:
    return list(
        session.execute(
            sa.select(
                col(FollowUp.id),
                col(FollowUp.task_id),
                col(FollowUp.closed_at),
                col(FollowUp.due_on),
                col(Task.code),
                col(Task.measure),
                col(Inspection.title),
                col(Unit.name),
                col(Unit.notify_tag),
            )
            .join(Task, col(Task.id) == FollowUp.task_id)
            .join(Inspection, col(Inspection.id) == Task.inspection_id)
            .join(Unit, col(Unit.id) == Task.lead_unit_id)
            .where(
                col(FollowUp.status) == FollowUpStatus.scheduled.value,
                col(FollowUp.reminded_on).is_(None),
                col(FollowUp.due_on) <= as_of,
                live_tasks(),
            )
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    )


def plan_followup_reminders(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    settings: Settings,
    renderer: Renderer,
    period: str,
) -> int:
    """Writes one 回头看提醒 per lead unit and one to the office; returns the notices created."""
    rows = _due(session, as_of)
    if not rows:
        return 0
    groups: dict[str, _Group] = {OFFICE_TAG: _Group([OFFICE_NAME])}
    for followup_id, task_id, closed_at, due_on, code, measure, round_title, unit, tag in rows:
        item = {
            "id": task_id,  # the task's web page, when RECTIFY_BASE_URL is set
            "code": code,
            "measure": measure,
            "inspection": round_title,
            "lead_unit": unit,
            "closed_on": closed_at.astimezone(TZ).date(),
            "due_on": due_on,
        }
        for key, name in ((tag or unit, unit), (OFFICE_TAG, OFFICE_NAME)):
            group = groups.setdefault(key, _Group([name]))
            group.items.append(item)
            group.followup_ids.append(followup_id)
            group.task_ids.append(task_id)
    limit = settings.rules.digest_max_items
    drafts = []
    for recipient, group in sorted(groups.items()):
        listed = group.items[:limit]
        rendered = renderer.render(
            KIND,
            {
                "names": group.names,
                "recipient": recipient,
                "as_of": as_of,
                "tasks": listed,
                "total": len(group.items),
                "more": len(group.items) - len(listed),
                "office_name": OFFICE_NAME,
                "base_url": settings.base_url,  # each task links to its web page when set
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
    result = enqueue(drafts, session=session, now=now, send_at=send_time(settings, now))
    told = [row[0] for row in rows]
    for start in range(0, len(told), CHUNK):
        session.execute(
            sa.update(FollowUp)
            .where(col(FollowUp.id).in_(told[start : start + CHUNK]))
            .values(reminded_on=as_of)
        )
    return result.created
