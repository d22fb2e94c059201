"""The planning's SQL: the candidate tasks of a day, and the co-units of the tasks due."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func

from ledger.queries import co_units_query, live_tasks, scanned
from ledger.reminders.rows import TZ, fetch_rows
from models.enums import ReportKind, TaskKind, TaskStatus
from models.outbox import ReminderMark
from models.reminders import window_end
from models.rules import Rules
from models.tables import Inspection, ProgressReport, Task, TaskCoUnit, Unit
from models.workdays import WorkCalendar

TASK: sa.Table = Task.__table__  # type: ignore[attr-defined]
UNIT: sa.Table = Unit.__table__  # type: ignore[attr-defined]
INSPECTION: sa.Table = Inspection.__table__  # type: ignore[attr-defined]
PROGRESS: sa.Table = ProgressReport.__table__  # type: ignore[attr-defined]
CO_UNIT: sa.Table = TaskCoUnit.__table__  # type: ignore[attr-defined]
MARK: sa.Table = ReminderMark.__table__  # type: ignore[attr-defined]


def _candidate_filter(today: date, calendar: WorkCalendar, rules: Rules) -> sa.ColumnElement[bool]:
    """Open tasks inside the ladder's window or overdue, or 长期坚持 and silent for too long."""
    silent_since = datetime.combine(
        today - timedelta(days=rules.ongoing_silence_days - 1), time.min, TZ
    )
    open_statuses = [TaskStatus.pending.value, TaskStatus.in_progress.value]
    dated = sa.and_(
        TASK.c.kind != TaskKind.ongoing.value,
        TASK.c.deadline.is_not(None),
        TASK.c.deadline <= window_end(today, calendar, rules),
    )
    ongoing = sa.and_(
        _is_ongoing(),
        sa.func.coalesce(_last_progress(), TASK.c.created_at) < silent_since,
    )
    return sa.and_(TASK.c.status.in_(open_statuses), live_tasks(), sa.or_(dated, ongoing))


def _is_ongoing() -> sa.ColumnElement[bool]:
    return sa.or_(TASK.c.kind == TaskKind.ongoing.value, TASK.c.deadline.is_(None))


def _last_progress() -> sa.ScalarSelect[Any]:
    """The last progress someone reported here. An imported report is not one: its date is
    the import's (or the ledger's), so the silence of a 长期坚持 task counts from the last
    real report, or from registration."""
    return (
        sa.select(func.max(PROGRESS.c.reported_at))
        .where(PROGRESS.c.task_id == TASK.c.id, PROGRESS.c.kind != ReportKind.imported.value)
        .correlate(TASK)
        .scalar_subquery()
    )


def _done_steps(dialect: str) -> sa.ScalarSelect[Any]:
    """The steps already done for the task, as one comma-separated string."""
    aggregate = (
        func.string_agg(MARK.c.step, sa.literal_column("','"))
        if dialect == "postgresql"
        else func.group_concat(MARK.c.step, ",")
    )
    return sa.select(aggregate).where(MARK.c.task_id == TASK.c.id).correlate(TASK).scalar_subquery()


def candidate_query(
    today: date, calendar: WorkCalendar, rules: Rules, dialect: str = "sqlite"
) -> sa.Select[Any]:
    """The planning selection (also what benchmarks/notify.py times as raw SQL): each
    candidate task with its lead unit, round, latest progress and the steps already done.

    Only open tasks are selected (the WHERE), so the status itself is not fetched."""
    return (
        sa.select(
            TASK.c.id,
            TASK.c.code,
            TASK.c.measure,
            TASK.c.kind,
            TASK.c.deadline,
            TASK.c.leader,
            TASK.c.person,
            UNIT.c.name.label("lead_unit"),
            UNIT.c.notify_tag.label("lead_tag"),
            INSPECTION.c.title.label("inspection"),
            # Only 长期坚持 tasks need their last progress (or registration) time.
            sa.case(
                (_is_ongoing(), sa.func.coalesce(_last_progress(), TASK.c.created_at)),
                else_=sa.null(),
            ).label("activity_at"),
            _done_steps(dialect).label("done_steps"),
            # activity_at equal to this: nobody has reported yet (silence since registration).
            TASK.c.created_at.label("registered_at"),
        )
        .join(UNIT, UNIT.c.id == scanned(TASK.c.lead_unit_id, dialect))
        .join(INSPECTION, INSPECTION.c.id == TASK.c.inspection_id)
        .where(_candidate_filter(today, calendar, rules))
    )


def co_units_of(session: Session, task_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    """配合单位 (name, tag) of the tasks that are due, in one statement whatever their
    number (ledger.queries.co_units_query), on the bare cursor planning reads through."""
    found: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    if not task_ids:
        return found
    stmt = co_units_query(session.get_bind().dialect.name, task_ids=task_ids)
    for task_id, name, tag in fetch_rows(session, stmt):
        found[task_id].append((name, tag))
    return found
