"""The outbox as each actor may read it, for every front end (`rectify outbox`, web /outbox).

The office reads every notice; a unit the notices addressed to it or to its people; a leader
those addressed to them. Each row carries its status, attempts, last error and, for a
pending notice that waits (quiet hours, a retry's back-off), when it will go out. Bodies stay
out of the list (they can be long); errors were masked before they were stored
(notifications.masking), and nothing of a channel's address ever reaches a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, select

from ledger.actors import Actor
from ledger.errors import InvalidInputError
from models.enums import NoticeStatus, Role, notice_kind_label
from models.outbox import Notice
from models.tables import Unit, User

# The statuses a reader filters by: every one but the draft, which delivery turns into a
# pending notice before anyone could act on it.
STATUS_LABELS = {s.value: s.label for s in NoticeStatus if s is not NoticeStatus.draft}
_EVERY_STATUS = {s.value: s.label for s in NoticeStatus}
PAGE = 200


class NoticePublic(BaseModel):
    """One notice as listed; `--json` and a JSON API print these keys."""

    id: int
    kind: str
    kind_label: str
    recipient: str
    period: str
    task_ids: list[int]
    title: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    # A pending notice that waits: when it goes out (the send window opens, or its back-off
    # ends). None when it goes with the next delivery, or is not pending.
    next_send_at: datetime | None = None
    data: dict[str, Any] | None = None  # the facts a decision notice shows (退回 reason …)

    @property
    def tasks(self) -> int:
        return len(self.task_ids)

    @property
    def may_retry(self) -> bool:
        """Refused, only written to a local file, or waiting out a back-off after a failed
        try: what a retry puts back (one waiting for a channel goes out once there is one)."""
        return self.status in ("failed", "local") or (
            self.status == "pending" and self.attempts > 0
        )


@dataclass(frozen=True)
class OutboxPage:
    counts: dict[str, int]  # status -> notices the actor may read, every status present
    status: str | None  # the filter, None for all
    notices: list[NoticePublic]  # newest first, at most the limit
    total: int  # notices matching the filter

    @property
    def truncated(self) -> bool:
        return len(self.notices) < self.total


def parse_notice_status(text: str) -> str:
    """A notice status given as its code (failed) or its Chinese words (发送失败)."""
    for status in NoticeStatus:
        if text.strip() in (status.value, status.label):
            return status.value
    allowed = "/".join(s.label for s in NoticeStatus)
    codes = "/".join(s.value for s in NoticeStatus)
    raise InvalidInputError(f"状态“{text}”无法识别,可选:{allowed}(或 {codes})", field="status")


def recipient_tags(session: Session, actor: Actor) -> set[str] | None:
    """The Apprise tags that stand for the actor; None for the office (every notice).

    A unit is its tag (or name) and the tags of its users; a leader is their own tag."""
    if actor.role is Role.office:
        return None
    user = session.exec(select(User).where(User.name == actor.name)).first()
    tags = {(user.notify_tag if user else None) or actor.name}
    if actor.role is Role.unit and actor.unit_id is not None:
        unit = session.get(Unit, actor.unit_id)
        if unit is not None:
            tags.add(unit.notify_tag or unit.name)
        for name, tag in session.exec(
            select(User.name, User.notify_tag).where(User.unit_id == actor.unit_id)
        ):
            tags.add(tag or name)
    return tags


def outbox_page(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    status: str | None = None,
    limit: int = PAGE,
    window_opens: datetime | None = None,
) -> OutboxPage:
    """The notices the actor may read, newest first, at most `limit`, with the counts by
    status. `status` is a NoticeStatus code or None for all; `window_opens` is when the send
    window next opens (None or `now` when it is open), so a notice written or put back in
    quiet hours shows when it will go out."""
    if status is not None and status not in _EVERY_STATUS:
        raise InvalidInputError(f"状态“{status}”无法识别", field="status")
    tags = recipient_tags(session, actor)
    remit = col(Notice.recipient).in_(sorted(tags)) if tags is not None else sa.true()
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for key, n in session.exec(
        select(col(Notice.status), sa.func.count(col(Notice.id)))
        .where(remit)
        .group_by(col(Notice.status))
    ).all():
        counts[key] = n
    stmt = select(Notice).where(remit)
    if status is not None:
        stmt = stmt.where(Notice.status == status)
    stmt = stmt.order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
    rows = session.exec(stmt.limit(max(limit, 0))).all()
    opens = max(window_opens or now, now)
    notices = [
        NoticePublic(
            id=n.id or 0,
            kind=n.kind,
            kind_label=notice_kind_label(n.kind),
            recipient=n.recipient,
            period=n.period,
            task_ids=list(n.task_ids or []),
            title=n.title,
            status=n.status,
            status_label=_EVERY_STATUS.get(n.status, n.status),
            attempts=n.attempts,
            last_error=n.last_error,
            created_at=n.created_at,
            sent_at=n.sent_at,
            next_send_at=_goes_out(n, now=now, opens=opens),
            data=n.data,
        )
        for n in rows
    ]
    total = counts.get(status, 0) if status is not None else sum(counts.values())
    return OutboxPage(counts=counts, status=status, notices=notices, total=total)


def _goes_out(notice: Notice, *, now: datetime, opens: datetime) -> datetime | None:
    """When a pending notice will be sent, if later than the next delivery."""
    if notice.status != NoticeStatus.pending:
        return None
    at = max(notice.next_attempt_at, opens)
    return at if at > now else None
