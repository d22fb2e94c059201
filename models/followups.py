"""回头看 of closed tasks (ledger.followup): a table of its own, loaded by the commands that
close, remind or confirm, not by reading a task (models.tables).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import FollowUpStatus
from models.tables import TABLE_CONFIG, enum_type, utc_field


class FollowUp(SQLModel, table=True):
    """A 回头看 of a closed task: due some months after its 销号, told once, then 未反弹 or 反弹."""

    model_config = TABLE_CONFIG

    __tablename__ = "followup"
    __table_args__ = (sa.Index("ix_followup_status_due", "status", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    closed_at: datetime = utc_field()  # the 销号 it follows
    due_on: date
    status: FollowUpStatus = Field(
        default=FollowUpStatus.scheduled, sa_type=enum_type(FollowUpStatus)
    )
    reminded_on: date | None = None  # the day the 回头看提醒 went out (once)
    resolved_by: str | None = Field(default=None, max_length=100)
    resolved_at: datetime | None = utc_field(default=None)
    note: str = Field(default="")  # the 未反弹 note, or the reason of the 反弹
    report_id: int | None = Field(default=None, foreign_key="progressreport.id")
