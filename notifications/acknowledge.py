"""The 签收提醒 of the daily check: a unit that has not signed for a task within
`Rules.acknowledge_workdays` working days of getting it is told once, in one notice per unit.

A unit still unsigned `Rules.acknowledge_urge_workdays` working days after that 签收提醒 is
urged once (签收催办, kind acknowledge_urge), and the task's 分管领导 (责任领导) gets a copy;
a ReminderMark (acknowledge_urge:<unit>) makes it once per task and unit.

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
from models.outbox import ReminderMark
from models.settings import Settings
from models.tables import Acknowledgement, Inspection, Task, Unit, User
from models.workdays import WorkCalendar
from notifications.outbox import CHUNK, NoticeDraft, enqueue, notice_key
from notifications.render import Renderer

KIND = "acknowledge"
URGE_KIND = "acknowledge_urge"
URGED = "acknowledge_urge:"  # + unit id: the ReminderMark step, once per task and unit
MARK: sa.Table = ReminderMark.__table__  # type: ignore[attr-defined]


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
    drafts = [
        _draft(
            KIND,
            recipient,
            group,
            renderer=renderer,
            settings=settings,
            period=period,
            as_of=as_of,
            workdays=workdays,
        )
        for recipient, group in sorted(groups.items())
    ]
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


def _unsigned_after_reminder(session: Session, before: date) -> list[Any]:
    """Rows told (签收提醒) before `before`, still not signed and not yet urged, of open
    tasks that count."""
    urged = sa.exists(
        sa.select(MARK.c.id).where(
            MARK.c.task_id == Acknowledgement.task_id,
            MARK.c.step == sa.literal(URGED) + sa.cast(col(Acknowledgement.unit_id), sa.String),
        )
    )
    return list(
        session.execute(
            sa.select(
                col(Acknowledgement.task_id),
                col(Acknowledgement.unit_id),
                col(Acknowledgement.assigned_at),
                col(Acknowledgement.reminded_on),
                col(Task.code),
                col(Task.measure),
                col(Task.lead_unit_id),
                col(Task.leader),
                col(Inspection.title),
                col(Unit.name),
                col(Unit.notify_tag),
            )
            .join(Task, col(Task.id) == Acknowledgement.task_id)
            .join(Inspection, col(Inspection.id) == Task.inspection_id)
            .join(Unit, col(Unit.id) == Acknowledgement.unit_id)
            .where(
                col(Acknowledgement.acknowledged_at).is_(None),
                col(Acknowledgement.reminded_on).is_not(None),
                col(Acknowledgement.reminded_on) < before,
                col(Task.status) != TaskStatus.closed.value,
                live_tasks(),
                ~urged,
            )
            .order_by(col(Acknowledgement.assigned_at), col(Task.id), col(Acknowledgement.id))
        ).all()
    )


def plan_acknowledge_urges(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar,
    renderer: Renderer,
    period: str,
) -> int:
    """Writes one 签收催办 per unit still unsigned `acknowledge_urge_workdays` working days
    after its 签收提醒, and one copy per 分管领导 of those tasks; marks each task and unit
    urged. Returns the notices written."""
    workdays = settings.rules.acknowledge_urge_workdays
    if workdays <= 0:
        return 0
    limits: dict[date, date] = {}
    units: dict[str, _Group] = {}
    leaders: dict[str, _Group] = {}
    urged: dict[str, list[tuple[int, int]]] = {}  # unit recipient -> (task, unit) urged
    rows = _unsigned_after_reminder(session, as_of)
    leader_tags = _leader_tags(session, {r[7] for r in rows if r[7]})
    for (
        task_id,
        unit_id,
        assigned_at,
        reminded_on,
        code,
        measure,
        lead_id,
        leader,
        title,
        unit,
        tag,
    ) in rows:
        reminded = reminded_on if isinstance(reminded_on, date) else date.fromisoformat(reminded_on)
        if reminded not in limits:
            limits[reminded] = calendar.add_workdays(reminded, workdays)
        if limits[reminded] >= as_of:
            continue  # the unit still has its time after the reminder
        item = {
            "id": task_id,
            "code": code,
            "measure": measure,
            "inspection": title,
            "unit": unit,
            "role": "牵头单位" if unit_id == lead_id else "配合单位",
            "assigned_on": assigned_at.astimezone(TZ).date(),
            "reminded_on": reminded,
        }
        recipient = tag or unit
        group = units.setdefault(recipient, _Group(unit))
        group.items.append(item)
        group.task_ids.append(task_id)
        urged.setdefault(recipient, []).append((task_id, unit_id))
        if leader:
            cc = leaders.setdefault(leader_tags.get(leader) or leader, _Group(leader))
            cc.items.append(item)
            cc.task_ids.append(task_id)
    if not units:
        return 0
    drafts = [
        _draft(
            URGE_KIND,
            recipient,
            group,
            renderer=renderer,
            settings=settings,
            period=period,
            as_of=as_of,
            workdays=workdays,
            copy=copy,
        )
        for copy, groups in ((False, units), (True, leaders))
        for recipient, group in sorted(groups.items())
    ]
    result = enqueue(drafts, session=session, now=now)
    # Marked once the unit's own notice is written now (a second run the same day finds
    # the notice there and urges the rows it did not cover the next working day).
    fresh = set(result.notice_ids)
    marks = [
        {"task_id": task_id, "step": f"{URGED}{unit_id}", "notice_id": notice_id, "created_at": now}
        for recipient, pairs in urged.items()
        if (notice_id := result.ids_by_key.get(notice_key(URGE_KIND, recipient, period))) in fresh
        for task_id, unit_id in pairs
    ]
    for start in range(0, len(marks), CHUNK):
        session.execute(MARK.insert(), marks[start : start + CHUNK])
    return result.created


def _draft(
    kind: str,
    recipient: str,
    group: _Group,
    *,
    renderer: Renderer,
    settings: Settings,
    period: str,
    as_of: date,
    workdays: int,
    copy: bool = False,
) -> NoticeDraft:
    """One recipient's 签收提醒 or 签收催办 (`copy`: the 分管领导's copy of a 催办)."""
    listed = group.items[: settings.rules.digest_max_items]
    rendered = renderer.render(
        kind,
        {
            "copy": copy,
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
    return NoticeDraft(
        kind=kind,
        recipient=recipient,
        period=period,
        task_ids=list(dict.fromkeys(group.task_ids)),
        title=rendered.title,
        body_text=rendered.text,
        body_html=rendered.html,
        body_md=rendered.md,
    )


def _leader_tags(session: Session, leaders: set[str]) -> dict[str, str]:
    """A 分管领导's Apprise tag: their user's own, else their name."""
    if not leaders:
        return {}
    rows = session.execute(
        sa.select(col(User.name), col(User.notify_tag)).where(
            col(User.name).in_(sorted(leaders)), col(User.notify_tag).is_not(None)
        )
    )
    return {name: tag for name, tag in rows}
