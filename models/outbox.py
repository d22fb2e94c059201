"""The outbox of notices and what the reminder ladder has already done.

A notice is one digest to one recipient (a tag) for one kind and period; its unique key
makes a rerun, a retry or a second worker find the key taken and send nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import NoticeStatus
from models.tables import TABLE_CONFIG, UTCDateTime, utc_now

# Status code → the words the office reads (models.enums.NoticeStatus holds both).
NOTICE_STATUSES = {s.value: s.label for s in NoticeStatus}


class Notice(SQLModel, table=True):
    model_config = TABLE_CONFIG

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
    status: str = Field(default="pending", max_length=20)  # a NoticeStatus
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

    model_config = TABLE_CONFIG

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(max_length=400)  # scheme and host only (notifications.masking)
    ok: bool
    error: str = ""


class ReminderMark(SQLModel, table=True):
    """One rung of the ladder done for one task, e.g. remind:2026-12-31:10 (deadline-specific,
    so an approved extension starts the ladder afresh)."""

    model_config = TABLE_CONFIG

    __table_args__ = (sa.UniqueConstraint("task_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (task_id, step) index serves lookups by task.
    task_id: int = Field(foreign_key="task.id")
    step: str = Field(max_length=80)
    notice_id: int | None = Field(default=None, foreign_key="notice.id")
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class SupervisionOrder(SQLModel, table=True):
    """督办通知单, numbered 督办〔YYYY〕N号 per year."""

    model_config = TABLE_CONFIG

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

    model_config = TABLE_CONFIG

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ChannelSlot(SQLModel, table=True):
    """When the next message may go to a rate-limited channel (a group robot takes about 20 a
    minute), shared by every deliverer: each send reserves the next slot."""

    model_config = TABLE_CONFIG

    channel: str = Field(primary_key=True, max_length=64)  # the channel's fingerprint
    next_at: datetime = Field(sa_type=UTCDateTime)
