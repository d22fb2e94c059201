"""What the daily cap holds back, and how it reaches the recipient's next digest, never lost.

A digest the cap holds (ledger.reminders.cap) is written to the outbox like any other, rendered
(the office can read what was held), with status 'held' and its tasks as folded items in
`data`; delivery never claims it, and its steps are marked done like a sent digest's, so the
ladder does not ask again. The next run on a later day carries every held item of a recipient:
into the least urgent digest kept for the recipient that day (a section "顺延事项" below its
own list), or, when the recipient has no digest that day and the cap leaves room, into a
顺延事项 notice of its own (kind 'folded'). The held notices then become 'folded', naming
the notice that carried them, so each item is told once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger.errors import ConflictError
from ledger.reminders import TZ, Digest
from ledger.reminders.cap import apply_daily_cap, urgency_rank
from models.outbox import Notice

HELD, FOLDED = "held", "folded"
FOLDED_KIND = "folded"  # the 顺延事项 notice of a recipient with no digest of its own that day
CHUNK = 2000

NOTICE: sa.Table = Notice.__table__  # type: ignore[attr-defined]


def folded_items(digest: Digest, *, as_of: date) -> list[dict[str, Any]]:
    """What the next digest shows of each held task (JSON: it waits in the outbox)."""
    items = []
    for task in digest.tasks:
        context = task.as_context()
        items.append(
            {
                "id": task.task_id,
                "code": task.code,
                "measure": task.measure,
                "units": context.units,
                "deadline": task.deadline.isoformat() if task.deadline else None,
                "timing": context.timing,
                "level": digest.level.value,
                "level_label": digest.level.label,
                "held_on": as_of.isoformat(),
            }
        )
    return items


@dataclass
class HeldNotice:
    notice_id: int
    recipient: str
    names: list[str]
    items: list[dict[str, Any]]


def held_before(session: Session, *, period: str) -> dict[str, list[HeldNotice]]:
    """The notices held on days before `period`, by recipient, oldest first."""
    rows = session.execute(
        sa.select(NOTICE.c.id, NOTICE.c.recipient, NOTICE.c.data)
        .where(NOTICE.c.status == HELD, NOTICE.c.period < period)
        .order_by(NOTICE.c.id)
    ).all()
    found: dict[str, list[HeldNotice]] = {}
    for notice_id, recipient, data in rows:
        held = (data or {}).get("held", {})
        found.setdefault(recipient, []).append(
            HeldNotice(
                notice_id, recipient, list(held.get("names", [])), list(held.get("items", []))
            )
        )
    return found


def notices_today(session: Session, recipients: Iterable[str], *, now: datetime) -> dict[str, int]:
    """Notices each recipient has for the local day of `now` (any kind, held ones aside)."""
    day = now.astimezone(TZ).date()
    start = datetime.combine(day, time.min, TZ)
    end = start + timedelta(days=1)
    wanted = list(dict.fromkeys(recipients))
    counts: dict[str, int] = {}
    for i in range(0, len(wanted), CHUNK):
        rows = session.execute(
            sa.select(NOTICE.c.recipient, sa.func.count())
            .where(
                NOTICE.c.recipient.in_(wanted[i : i + CHUNK]),
                NOTICE.c.created_at >= start,
                NOTICE.c.created_at < end,
                NOTICE.c.status.not_in((HELD, FOLDED)),
            )
            .group_by(NOTICE.c.recipient)
        ).all()
        counts.update({recipient: count for recipient, count in rows})
    return counts


def hold(session: Session, held: Sequence[tuple[int, Digest]], *, as_of: date) -> None:
    """Marks the just-written notices of the held digests 'held', with their items."""
    if not held:
        return
    session.execute(
        sa.update(NOTICE)
        .where(NOTICE.c.id == sa.bindparam("b_id"))
        .values(status=HELD, data=sa.bindparam("b_data", type_=NOTICE.c.data.type)),
        [
            {
                "b_id": notice_id,
                "b_data": {
                    "held": {
                        "names": list(digest.names),
                        "items": folded_items(digest, as_of=as_of),
                    }
                },
            }
            for notice_id, digest in held
        ],
    )


def mark_folded(session: Session, carried: Sequence[tuple[HeldNotice, int]]) -> None:
    """Each held notice is now 'folded' into the notice that carried its items (its id in
    `data`). A concurrent run that carried them first leaves fewer rows to change: this run
    then plans again."""
    if not carried:
        return
    ids = [held.notice_id for held, _ in carried]
    changed = sum(
        session.connection()
        .execute(
            sa.update(NOTICE)
            .where(NOTICE.c.id.in_(ids[i : i + CHUNK]), NOTICE.c.status == HELD)
            .values(status=FOLDED)
        )
        .rowcount
        for i in range(0, len(ids), CHUNK)
    )
    if changed != len(ids):
        raise ConflictError("另一次检查同时并入了相同的顺延事项,本次重新规划")
    session.execute(
        sa.update(NOTICE)
        .where(NOTICE.c.id == sa.bindparam("b_id"))
        .values(data=sa.bindparam("b_data", type_=NOTICE.c.data.type)),
        [
            {
                "b_id": held.notice_id,
                "b_data": {
                    "held": {"names": held.names, "items": held.items},
                    "folded_into": into,
                },
            }
            for held, into in carried
        ],
    )


@dataclass
class Folding:
    """The day's digests after the cap, and where the earlier held items go."""

    kept: list[Digest]
    held: list[Digest]
    # recipient -> the kept digest that carries its earlier held items (None: a 顺延事项
    # notice of its own), and those items, oldest first
    carrier: dict[str, Digest | None]
    carried: dict[str, list[HeldNotice]]

    def items_for(self, recipient: str) -> list[dict[str, Any]]:
        return folding_order([i for held in self.carried.get(recipient, ()) for i in held.items])


def folding_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first, then most urgent (督办, 催办, 提醒, ...), as each digest listed them."""
    return sorted(items, key=lambda i: (i["held_on"], urgency_rank(i["level"])))


def plan_folding(
    session: Session, digests: Sequence[Digest], *, cap: int, period: str, now: datetime
) -> Folding:
    """Applies the cap to the day's digests and picks, per recipient with held items from an
    earlier day, the notice that carries them. Reads only."""
    if cap <= 0:
        return Folding(list(digests), [], {}, {})
    waiting = held_before(session, period=period)
    already = notices_today(session, {d.recipient for d in digests} | set(waiting), now=now)
    kept, held = apply_daily_cap(digests, already=already, cap=cap)
    least_urgent: dict[str, Digest] = {}
    for digest in kept:
        current = least_urgent.get(digest.recipient)
        if current is None or urgency_rank(digest.level.value) >= urgency_rank(current.level.value):
            least_urgent[digest.recipient] = digest
    carrier: dict[str, Digest | None] = {}
    carried: dict[str, list[HeldNotice]] = {}
    for recipient, notices in waiting.items():
        if recipient in least_urgent:
            carrier[recipient] = least_urgent[recipient]
        elif already.get(recipient, 0) < cap:
            carrier[recipient] = None
        else:
            continue  # no room today either: the items keep waiting
        carried[recipient] = notices
    return Folding(kept, held, carrier, carried)
