"""The planning's bulk writes: the steps done, the 督办通知单 with their notice, and their
history, in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger.actors import SCHEDULE
from ledger.bulk import bulk_insert
from ledger.errors import ConflictError
from ledger.history import history_row
from ledger.reminders.due import DueTask
from ledger.reminders.orders import ORDER, OrderNumber
from models.outbox import ReminderMark
from models.tables import HistoryEntry

SCHEDULE_ACTOR = "定时任务"

MARK: sa.Table = ReminderMark.__table__  # type: ignore[attr-defined]
HISTORY: sa.Table = HistoryEntry.__table__  # type: ignore[attr-defined]


def record_steps(
    session: Session,
    tasks: list[DueTask],
    *,
    notice_of_task: dict[int, int],
    orders: list[OrderNumber],
    today: date,
    now: datetime,
    actor: str = SCHEDULE_ACTOR,
    channel: str = SCHEDULE,
) -> int:
    """Writes, in bulk, the steps done, the 督办通知单 with their notice, and their history.

    `actor`, `channel`: who issued the 督办通知单, as history names them: the scheduled run
    (定时任务), or the office user who ran the check by hand and the way they came."""
    rows = [
        {
            "task_id": t.task_id,
            "step": key,
            "notice_id": notice_of_task.get(t.task_id),
            "created_at": now,
        }
        for t in tasks
        for key in t.step.keys
    ]
    _insert(session, MARK, rows)
    order_rows = [
        {
            "year": o.year,
            "number": o.number,
            "task_id": o.task_id,
            "notice_id": notice_of_task.get(o.task_id),
            "issued_on": today,
            "deadline": o.deadline,
            "days_overdue": o.days_overdue,
            "reply_due": o.reply_due,
            "created_at": now,
        }
        for o in orders
    ]
    # The same row ledger.history.record writes (one function builds both), inserted in
    # bulk: a catch-up day may issue thousands of 督办通知单.
    history_rows = [
        history_row(
            actor=actor,
            channel=channel,
            action="supervise",
            entity="task",
            entity_id=o.task_id,
            now=now,
            task_id=o.task_id,
            new=o.label,
            note=f"逾期{o.days_overdue}个工作日,请于{o.reply_due.isoformat()}前书面回复",
        )
        for o in orders
    ]
    _insert(session, ORDER, order_rows)
    _insert(session, HISTORY, history_rows)
    return len(rows)


def record_escalations(session: Session, rows: list[dict[str, Any]]) -> int:
    """The `escalate` marks (ledger.reminders.escalation), in bulk; returns the tasks."""
    _insert(session, MARK, rows)
    return len(rows)


def _insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert (COPY on PostgreSQL, which reports a clash as the driver's own error):
    a step or 督办 number a concurrent run wrote first means plan again."""
    dbapi = session.get_bind().dialect.loaded_dbapi
    try:
        bulk_insert(session, table, rows)
    except dbapi.IntegrityError as exc:
        raise ConflictError(f"另一次检查同时写入了{table.name}中的相同记录,本次重新规划") from exc
