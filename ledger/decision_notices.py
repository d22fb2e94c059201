"""Notices of the office's decisions, written in the same transaction as the decision.

退回, 销号 and 延期 批准 / 不予批准 each announce themselves to the unit that asked; a task
registered or imported for a unit (新任务交办) and a change of its unit, deadline or people
(任务调整) go into one digest per unit and day. Because the notice is written by the use case
that decides, a decision without its notice cannot exist, and the notice's own key (the
request it answers, or the unit and day of a digest) makes it exist once.

The ledger cannot render: the templates live in `notifications`, which imports the ledger.
So the notice is written as a *draft* that carries the facts its template shows (`data`),
and notifications.drafts renders the drafts that are due, with the office's templates,
before each delivery. A draft is never claimed for sending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from ledger.bulk import bulk_insert
from models.enums import ExtensionStatus, ReportKind
from models.office import TZ
from models.outbox import Notice
from models.tables import Extension, Inspection, ProgressReport, Task, TaskCoUnit, Unit

DRAFT = "draft"
# A digest lists this many tasks in full (as the daily digests do) and counts the rest.
DIGEST_LISTED = 50

# Labels of the fields a 任务调整 notice names.
FIELD_LABELS = {
    "lead_unit": "牵头单位",
    "co_units": "配合单位",
    "deadline": "整改时限",
    "leader": "责任领导",
    "person": "责任人",
}

NOTICE: sa.Table = Notice.__table__  # type: ignore[attr-defined]


def notice_key(kind: str, recipient: str, period: str) -> str:
    """The outbox's key (the same format as notifications.outbox.notice_key)."""
    return f"{kind}:{recipient}:{period}"


@dataclass(frozen=True)
class Recipient:
    tag: str  # the Apprise tag
    name: str  # as the salutation shows it


@dataclass
class TaskFacts:
    """What a decision notice shows of its task, as it stood when the decision was made."""

    task_id: int
    code: str
    measure: str
    inspection: str
    lead_unit: Recipient
    co_units: list[Recipient] = field(default_factory=list)
    deadline: date | None = None
    leader: str = ""
    person: str = ""

    def as_data(self) -> dict[str, Any]:
        units = f"{self.lead_unit.name}(牵头)" + (
            f"、{'、'.join(u.name for u in self.co_units)}(配合)" if self.co_units else ""
        )
        return {
            "id": self.task_id,
            "code": self.code,
            "measure": self.measure,
            "inspection": self.inspection,
            "lead_unit": self.lead_unit.name,
            "co_units": [u.name for u in self.co_units],
            "units": units,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "leader": self.leader,
            "person": self.person,
        }

    @property
    def all_units(self) -> list[Recipient]:
        return [self.lead_unit, *(u for u in self.co_units if u.tag != self.lead_unit.tag)]


def _recipient(unit: Unit) -> Recipient:
    return Recipient(unit.notify_tag or unit.name, unit.name)


def task_facts(session: Session, task: Task) -> TaskFacts:
    """The facts of one task (a handful of primary-key reads; decisions are one task each)."""
    assert task.id is not None
    lead = session.get(Unit, task.lead_unit_id)
    inspection = session.get(Inspection, task.inspection_id)
    assert lead is not None and inspection is not None
    co_units = session.exec(
        select(Unit)
        .join(TaskCoUnit, col(TaskCoUnit.unit_id) == col(Unit.id))
        .where(TaskCoUnit.task_id == task.id)
        .order_by(col(TaskCoUnit.position))
    ).all()
    return TaskFacts(
        task_id=task.id,
        code=task.code,
        measure=task.measure,
        inspection=inspection.title,
        lead_unit=_recipient(lead),
        co_units=[_recipient(u) for u in co_units],
        deadline=task.deadline,
        leader=task.leader,
        person=task.person,
    )


def local_day(now: datetime) -> date:
    return now.astimezone(TZ).date()


def _row(
    *,
    kind: str,
    recipient: Recipient,
    period: str,
    task_ids: list[int],
    data: dict[str, Any],
    now: datetime,
    send_after: datetime,
) -> dict[str, Any]:
    return {
        "key": notice_key(kind, recipient.tag, period),
        "kind": kind,
        "recipient": recipient.tag,
        "period": period,
        "task_ids": task_ids,
        "title": "",
        "body_text": "",
        "body_html": "",
        "body_md": "",
        "attachments": [],
        "status": DRAFT,
        "attempts": 0,
        "next_attempt_at": send_after,
        "last_error": "",
        "created_at": now,
        "delivered": [],
        "data": data,
    }


def _taken(session: Session, keys: Sequence[str], *, lock: bool = False) -> dict[str, Notice]:
    found: dict[str, Notice] = {}
    for i in range(0, len(keys), 2000):
        stmt = select(Notice).where(col(Notice.key).in_(keys[i : i + 2000]))
        if lock and session.get_bind().dialect.name == "postgresql":
            # Two transactions adding to the same digest take turns instead of one losing
            # the other's tasks (SQLite lets one writer in at a time anyway).
            stmt = stmt.with_for_update()
        for notice in session.exec(stmt):
            found[notice.key] = notice
    return found


def announce_decision(
    session: Session,
    *,
    kind: str,
    period: str,
    facts: TaskFacts,
    recipients: Iterable[Recipient],
    data: dict[str, Any],
    now: datetime,
) -> int:
    """One notice per recipient of a decision about one task; `period` names what the
    decision answers (the closure request, the extension), so it is announced once.
    Returns the number of notices written."""
    base = {"task": facts.as_data(), "as_of": local_day(now).isoformat(), **data}
    rows = [
        _row(
            kind=kind,
            recipient=r,
            period=period,
            task_ids=[facts.task_id],
            data={**base, "names": [r.name]},
            now=now,
            send_after=now,
        )
        for r in dict.fromkeys(recipients)
    ]
    taken = _taken(session, [r["key"] for r in rows])
    fresh = [r for r in rows if r["key"] not in taken]
    bulk_insert(session, NOTICE, fresh)
    return len(fresh)


@dataclass
class DigestEntry:
    """One task's line in a unit's daily digest, and who hears of it."""

    task_id: int
    recipients: list[Recipient]
    item: dict[str, Any]


def add_to_daily_digests(
    session: Session, *, kind: str, entries: Sequence[DigestEntry], now: datetime
) -> int:
    """Adds the entries to today's digest of each of their recipients (新任务交办, 任务调整).

    The digest of a unit and day collects every task assigned or changed that day, in one or
    many transactions, and is rendered and sent from the next day on (its next_attempt_at is
    the next midnight), so a unit reads one notice a day, not one per task. Set-based: one
    SELECT of the day's digests, one bulk INSERT of the new ones. Returns the tasks added."""
    if not entries:
        return 0
    day = local_day(now)
    send_after = datetime.combine(day + timedelta(days=1), time.min, TZ)
    by_tag: dict[str, tuple[Recipient, list[DigestEntry]]] = {}
    for entry in entries:
        for r in dict.fromkeys(entry.recipients):
            by_tag.setdefault(r.tag, (r, []))[1].append(entry)
    period = day.isoformat()
    keys = {tag: notice_key(kind, tag, period) for tag in by_tag}
    taken = _taken(session, list(keys.values()), lock=True)
    later: list[str] = []
    rows = []
    for tag, (recipient, listed) in by_tag.items():
        notice = taken.get(keys[tag])
        if notice is None:
            rows.append(
                _row(
                    kind=kind,
                    recipient=recipient,
                    period=period,
                    task_ids=[e.task_id for e in listed],
                    data={
                        "names": [recipient.name],
                        "as_of": period,
                        "items": [e.item for e in listed[:DIGEST_LISTED]],
                        "total": len(listed),
                    },
                    now=now,
                    send_after=send_after,
                )
            )
        elif notice.status == DRAFT and notice.data is not None:
            data = dict(notice.data)
            data["items"] = (list(data["items"]) + [e.item for e in listed])[:DIGEST_LISTED]
            data["total"] = int(data["total"]) + len(listed)
            notice.data = data
            notice.task_ids = [*notice.task_ids, *(e.task_id for e in listed)]
            flag_modified(notice, "data")
            flag_modified(notice, "task_ids")
            session.add(notice)
        else:
            later.append(tag)  # today's digest already went out (a clock set back): see below
    for tag in later:
        # A digest that left already is never reopened: the rest goes in one of its own.
        recipient, listed = by_tag[tag]
        n = 2
        while notice_key(kind, tag, f"{period}#{n}") in _taken(
            session, [notice_key(kind, tag, f"{period}#{n}")]
        ):
            n += 1
        rows.append(
            _row(
                kind=kind,
                recipient=recipient,
                period=f"{period}#{n}",
                task_ids=[e.task_id for e in listed],
                data={
                    "names": [recipient.name],
                    "as_of": period,
                    "items": [e.item for e in listed[:DIGEST_LISTED]],
                    "total": len(listed),
                },
                now=now,
                send_after=now,
            )
        )
    bulk_insert(session, NOTICE, rows)
    return len(entries)


def unit_recipients(session: Session, names: Iterable[str]) -> dict[str, Recipient]:
    """Units by name as recipients (their own tag, else the name), in one query."""
    wanted = list(dict.fromkeys(names))
    found: dict[str, Recipient] = {}
    for i in range(0, len(wanted), 2000):
        for name, tag in session.exec(
            select(Unit.name, Unit.notify_tag).where(col(Unit.name).in_(wanted[i : i + 2000]))
        ):
            found[name] = Recipient(tag or name, name)
    return found


# --- the decisions ----------------------------------------------------------------------


def _closure_request(session: Session, task_id: int) -> int:
    """The closure request (申请销号 report) a 销号 or 退回 answers: the task's latest."""
    found = session.exec(
        select(sa.func.max(ProgressReport.id)).where(
            ProgressReport.task_id == task_id, ProgressReport.kind == ReportKind.closure
        )
    ).one()
    return int(found or 0)


def announce_return(session: Session, task: Task, *, reason: str, actor: str, now: datetime) -> int:
    """退回: the lead unit learns that its closure request came back, and why."""
    facts = task_facts(session, task)
    request = _closure_request(session, facts.task_id)
    return announce_decision(
        session,
        kind="return",
        period=f"task{facts.task_id}-req{request}",
        facts=facts,
        recipients=[facts.lead_unit],
        data={"reason": reason, "decided_by": actor},
        now=now,
    )


def announce_verify(session: Session, task: Task, *, note: str, actor: str, now: datetime) -> int:
    """销号: the lead unit and the co-units, whose part of the work is done too."""
    facts = task_facts(session, task)
    request = _closure_request(session, facts.task_id)
    return announce_decision(
        session,
        kind="verify",
        period=f"task{facts.task_id}-req{request}",
        facts=facts,
        recipients=facts.all_units,
        data={"note": note, "decided_by": actor},
        now=now,
    )


def announce_extension(session: Session, task: Task, extension: Extension, *, now: datetime) -> int:
    """延期 批准 (the new deadline) or 不予批准 (the reason): the lead unit, which asked;
    an approved new deadline concerns the co-units as well."""
    facts = task_facts(session, task)
    approved = extension.status == ExtensionStatus.approved
    return announce_decision(
        session,
        kind="extension",
        period=f"ext{extension.id}",
        facts=facts,
        recipients=facts.all_units if approved else [facts.lead_unit],
        data={
            "approved": approved,
            "old_deadline": extension.current_deadline.isoformat(),
            "new_deadline": extension.new_deadline.isoformat(),
            "request_reason": extension.reason,
            "reason": extension.decision_reason,
            "decided_by": extension.decided_by or "",
        },
        now=now,
    )


def announce_assignment(session: Session, facts: Sequence[TaskFacts], *, now: datetime) -> int:
    """新任务交办: each task goes into today's digest of its lead unit and co-units."""
    entries = [DigestEntry(f.task_id, f.all_units, f.as_data()) for f in facts]
    return add_to_daily_digests(session, kind="assign", entries=entries, now=now)


@dataclass
class Adjustment:
    """A task whose unit, deadline or people changed: the facts after the change, the
    changed fields as (field, old, new), and the units that left it."""

    facts: TaskFacts
    changes: list[tuple[str, Any, Any]]
    former_units: list[Recipient] = field(default_factory=list)
    reason: str = ""


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "无"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or "无"
    return str(value)


def announce_adjustments(
    session: Session, adjustments: Sequence[Adjustment], *, now: datetime
) -> int:
    """任务调整: the units of the task after the change, and those it left, hear which of
    its unit, deadline, leader or person changed, from what to what. Other edits (the
    measure's wording, a note) announce nothing."""
    entries = []
    for a in adjustments:
        changes = [
            {"field": FIELD_LABELS[f], "old": _shown(o), "new": _shown(n)}
            for f, o, n in a.changes
            if f in FIELD_LABELS and o != n
        ]
        if not changes:
            continue
        item = {**a.facts.as_data(), "changes": changes, "reason": a.reason}
        recipients = [*a.facts.all_units, *a.former_units]
        entries.append(DigestEntry(a.facts.task_id, recipients, item))
    return add_to_daily_digests(session, kind="adjust", entries=entries, now=now)


# Digests a withdrawn task leaves while they are still drafts (not rendered, not sent).
DIGEST_KINDS = ("assign", "adjust")


def withdraw_from_digests(session: Session, task_id: int) -> int:
    """Takes a withdrawn task out of the 新任务交办 / 任务调整 digests not yet rendered, so a
    task assigned and withdrawn the same day is announced to nobody. A digest left empty is
    removed: it was never rendered or sent, and a later task of the day starts a new one.
    Returns the digests changed. Drafts are at most a day's digests, so they are read whole."""
    stmt = select(Notice).where(col(Notice.kind).in_(DIGEST_KINDS), Notice.status == DRAFT)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # the same lock add_to_daily_digests takes
    changed = 0
    for notice in session.exec(stmt).all():
        if task_id not in notice.task_ids:
            continue
        changed += 1
        remaining = [t for t in notice.task_ids if t != task_id]
        gone = len(notice.task_ids) - len(remaining)  # a task changed twice is listed twice
        if not remaining:
            session.delete(notice)
            continue
        data = dict(notice.data or {})
        items = [i for i in data.get("items", []) if i.get("id") != task_id]
        data["items"] = items
        data["total"] = max(int(data.get("total", 0)) - gone, len(items))
        notice.data = data
        notice.task_ids = remaining
        flag_modified(notice, "data")
        flag_modified(notice, "task_ids")
        session.add(notice)
    session.flush()
    return changed
