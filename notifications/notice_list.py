"""The outbox as each actor may read it: the office every notice, a unit the notices
addressed to it or to its people, a leader those addressed to them. Bodies stay out of the
list (they can be long), and nothing of a channel's address ever reaches it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from ledger.actors import Actor
from ledger.errors import InvalidInputError
from models.enums import Role
from models.outbox import NOTICE_STATUSES, Notice
from models.tables import Unit, User

LEVEL_LABELS = {
    "remind": "提醒",
    "urge": "催办",
    "supervise": "督办",
    "ongoing": "长期坚持提醒",
    "weekly": "周报",
}


class NoticePublic(BaseModel):
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
    data: dict[str, Any] | None = None  # the facts a decision notice shows (退回 reason …)


def parse_notice_status(text: str) -> str:
    """A notice status given as its code (failed) or its Chinese words (发送失败)."""
    for code, label in NOTICE_STATUSES.items():
        if text.strip() in (code, label):
            return code
    allowed = "/".join(NOTICE_STATUSES.values())
    raise InvalidInputError(
        f"状态“{text}”无法识别,可选:{allowed}(或 {'/'.join(NOTICE_STATUSES)})", field="status"
    )


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


def visible_notices(
    *, session: Session, actor: Actor, status: str | None = None, limit: int = 200
) -> list[NoticePublic]:
    """Newest first, at most `limit`."""
    stmt = select(Notice).order_by(col(Notice.id).desc()).limit(max(limit, 0))
    if status is not None:
        stmt = stmt.where(Notice.status == status)
    tags = recipient_tags(session, actor)
    if tags is not None:
        stmt = stmt.where(col(Notice.recipient).in_(sorted(tags)))
    return [
        NoticePublic(
            id=n.id or 0,
            kind=n.kind,
            kind_label=LEVEL_LABELS.get(n.kind, n.kind),
            recipient=n.recipient,
            period=n.period,
            task_ids=list(n.task_ids or []),
            title=n.title,
            status=n.status,
            status_label=NOTICE_STATUSES.get(n.status, n.status),
            attempts=n.attempts,
            last_error=n.last_error,
            created_at=n.created_at,
            sent_at=n.sent_at,
            data=n.data,
        )
        for n in session.exec(stmt)
    ]
