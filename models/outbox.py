"""The outbox of notices and what the reminder ladder has already done.

A notice is one digest to one recipient (a tag) for one kind and period; its unique key
makes a rerun, a retry or a second worker find the key taken and send nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.tables import UTCDateTime, utc_now

# What each status means, in the words the office reads.
NOTICE_STATUSES = {
    # written by the ledger with the decision it announces, carrying `data`; rendered with
    # the office's templates and made pending before delivery (notifications.drafts), since
    # the ledger cannot render
    "draft": "待生成",
    "pending": "待发送",  # due at next_attempt_at (new, or after a channel refused it)
    "sending": "发送中",  # claimed by a deliverer; its lease is claimed_at + lease_seconds
    "sent": "已发送",  # every channel accepted it
    "local": "已写入本地文件",  # no Apprise configuration: written under the data folder only
    "waiting": "未配置通知渠道",  # the recipient has no channel; no attempt spent, sent once it has
    "failed": "发送失败",  # a channel refused it max_attempts times
    # the daily cap held it; never sent itself, its tasks go in the recipient's next digest
    "held": "已顺延",
    "folded": "已并入后续通知",  # a held notice whose tasks a later notice carried
}


class Notice(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_notice_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=400, unique=True)  # kind:recipient:period
    # remind / urge / supervise / ongoing / weekly, and the decision notices
    # return / verify / extension / assign / adjust (ledger.decision_notices)
    kind: str = Field(max_length=20)
    recipient: str = Field(max_length=200)  # the Apprise tag
    period: str = Field(max_length=40)  # e.g. the as-of date 2026-12-01, or the week 2026-W49
    task_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    title: str = ""
    body_text: str = ""
    body_html: str = ""
    body_md: str = ""
    attachments: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(default="pending", max_length=20)  # one of NOTICE_STATUSES
    # The facts a draft's template shows (ledger.decision_notices), kept after rendering.
    data: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    last_error: str = ""  # secrets masked before they get here
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Which delivery run holds the notice while it is 'sending' (a batch claim's token);
    # claimed_at is renewed while that run works, so the lease is claimed_at + lease_seconds.
    claim_token: str | None = Field(default=None, max_length=40)
    # Channels (sha256 of the URL, never the URL) that already accepted the notice, so a
    # retry after a partial failure sends only to the channels that failed.
    delivered: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NoticeAttempt(SQLModel, table=True):
    """One send of one notice to one channel, with its result (URL and error masked)."""

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(max_length=400)  # scheme and host only (notifications.masking)
    ok: bool
    error: str = ""


class ReminderMark(SQLModel, table=True):
    """One rung of the ladder done for one task, e.g. remind:2026-12-31:10 (deadline-specific,
    so an approved extension starts the ladder afresh)."""

    __table_args__ = (sa.UniqueConstraint("task_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (task_id, step) index serves lookups by task.
    task_id: int = Field(foreign_key="task.id")
    step: str = Field(max_length=80)
    notice_id: int | None = Field(default=None, foreign_key="notice.id")
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class SupervisionOrder(SQLModel, table=True):
    """督办通知单, numbered 督办〔YYYY〕N号 per year."""

    __table_args__ = (sa.UniqueConstraint("year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    number: int
    task_id: int = Field(foreign_key="task.id", index=True)
    notice_id: int | None = Field(default=None, foreign_key="notice.id")
    issued_on: date
    deadline: date
    days_overdue: int  # working days overdue when issued
    reply_due: date  # written reply due by
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    @property
    def label(self) -> str:
        return f"督办〔{self.year}〕{self.number}号"


class NoticeFile(SQLModel, table=True):
    """An attachment's bytes by content key (sha256), kept in the database with the outbox, so
    a deliverer on any machine can send it. A notice names it as `store:<sha256>/<file name>`."""

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ChannelSlot(SQLModel, table=True):
    """When the next message may go to a rate-limited channel (a group robot takes about 20 a
    minute), shared by every deliverer: each send reserves the next slot."""

    channel: str = Field(primary_key=True, max_length=64)  # the channel's fingerprint
    next_at: datetime = Field(sa_type=UTCDateTime)
