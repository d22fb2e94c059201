"""督办通知单 numbering: 督办〔YYYY〕N号, on from the year's last number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, func

from ledger.reminders.due import DueTask
from models.outbox import SupervisionOrder
from models.rules import Rules
from models.workdays import WorkCalendar

ORDER: sa.Table = SupervisionOrder.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class OrderNumber:
    """A 督办通知单 number given to a task, before it is written."""

    year: int
    number: int
    task_id: int
    deadline: date
    days_overdue: int
    reply_due: date

    @property
    def label(self) -> str:
        return f"督办〔{self.year}〕{self.number}号"


def allocate_supervision_orders(
    session: Session,
    tasks: list[DueTask],
    *,
    today: date,
    calendar: WorkCalendar,
    rules: Rules,
) -> list[OrderNumber]:
    """Numbers 督办〔YYYY〕N号 on from the year's last number, most urgent first (the order
    the digests list them in, so the office reads 1号, 2号, ... down its notice).

    Two runs at once may read the same last number; the unique (year, number) constraint
    then refuses the second's INSERT, whose whole transaction the caller retries.
    """
    if not tasks:
        return []
    last = session.execute(
        sa.select(func.max(ORDER.c.number)).where(ORDER.c.year == today.year)
    ).scalar_one()
    reply_due = calendar.add_workdays(today, rules.reply_workdays)
    orders = []
    for number, task in enumerate(sorted(tasks, key=lambda t: t.rank), start=(last or 0) + 1):
        assert task.deadline is not None and task.step.workdays_overdue is not None
        order = OrderNumber(
            today.year, number, task.task_id, task.deadline, task.step.workdays_overdue, reply_due
        )
        task.order_label, task.reply_due = order.label, reply_due
        orders.append(order)
    return orders
