"""The outbox as the office reads it: every notice with its status, attempts and last error.

Errors were masked before they were stored (notifications.masking), so nothing secret is
shown. Only the office reads the outbox: notices name units, leaders and tasks of everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.summary import NOTICE_KIND_LABELS
from models.enums import NoticeStatus
from models.outbox import Notice

# The statuses the office's page filters by: every one but the draft, which delivery turns
# into a pending notice before anyone could act on it.
STATUS_LABELS = {s.value: s.label for s in NoticeStatus if s is not NoticeStatus.draft}
PAGE = 200


@dataclass(frozen=True)
class NoticeRow:
    id: int
    kind_label: str
    recipient: str
    period: str
    title: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    tasks: int

    @property
    def may_retry(self) -> bool:
        """Refused, only written to a local file, or waiting out a back-off after a failed
        try: what a retry puts back (one waiting for a channel goes out once there is one)."""
        return self.status in ("failed", "local") or (
            self.status == "pending" and self.attempts > 0
        )


@dataclass(frozen=True)
class OutboxPage:
    counts: dict[str, int]  # status -> notices, every status present
    status: str | None  # the filter, None for all
    notices: list[NoticeRow]  # newest first, at most PAGE
    total: int  # notices matching the filter

    @property
    def truncated(self) -> bool:
        return len(self.notices) < self.total


def outbox_page(
    *, session: Session, actor: Actor, status: str | None = None, limit: int = PAGE
) -> OutboxPage:
    require_office(actor, "查看发件箱")
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for key, n in session.exec(
        select(col(Notice.status), sa.func.count(col(Notice.id))).group_by(col(Notice.status))
    ).all():
        counts[key] = n
    chosen = status if status in counts else None
    stmt = select(Notice).order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
    if chosen:
        stmt = stmt.where(Notice.status == chosen)
    rows = session.exec(stmt.limit(limit)).all()
    notices = [
        NoticeRow(
            id=n.id or 0,
            kind_label=NOTICE_KIND_LABELS.get(n.kind, n.kind),
            recipient=n.recipient,
            period=n.period,
            title=n.title,
            status=n.status,
            status_label=STATUS_LABELS.get(n.status, n.status),
            attempts=n.attempts,
            last_error=n.last_error,
            created_at=n.created_at,
            next_attempt_at=n.next_attempt_at,
            tasks=len(n.task_ids or []),
        )
        for n in rows
    ]
    total = counts[chosen] if chosen else sum(counts.values())
    return OutboxPage(counts=counts, status=chosen, notices=notices, total=total)
