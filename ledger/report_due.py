"""Which tasks owe a progress report on their 报送周期 (models.cadence), read set-based.

Two questions, one candidate query each: which open tasks are due a 进展报送提醒 today (the
daily check, notifications.report_reminders), and which did not report on time in their
latest elapsed period (the weekly's 未按时报送 list, ledger.summary). Only 待整改 and 整改中
tasks of live rounds owe a report: 待销号, 已销号 and withdrawn ones do not.

The SQL selects only tasks whose cadence is not none (when the configured default is none,
that is only rounds or tasks that set one, so a ledger without cadences costs one indexed
query that returns nothing); the period and due-day rule then runs in Python once per
distinct cadence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ledger.queries import live_tasks, scanned
from models.cadence import (
    NONE,
    Cadence,
    ReportPeriod,
    effective_cadence,
    is_report_due,
    is_reported_late,
    last_elapsed_period,
    parse_cadence,
    period_of,
)
from models.enums import TaskStatus
from models.office import TZ
from models.tables import Inspection, ProgressReport, Task, Unit
from models.workdays import WorkCalendar

OWE_REPORTS = (TaskStatus.pending.value, TaskStatus.in_progress.value)


@dataclass(frozen=True, slots=True)
class ReportOwed:
    """A task and the period it owes (or owed) a report for."""

    task_id: int
    code: str
    measure: str
    inspection: str
    lead_unit: str
    lead_tag: str  # the unit's Apprise tag (its own, else its name)
    cadence: Cadence
    period: ReportPeriod
    last_report_on: date | None  # the latest report's local date, any period

    def as_context(self) -> dict[str, Any]:
        """What a notice or the weekly shows of it."""
        assert self.period.due is not None
        return {
            "id": self.task_id,
            "code": self.code,
            "measure": self.measure,
            "inspection": self.inspection,
            "lead_unit": self.lead_unit,
            "cadence": self.cadence.label,
            "period": self.period.label,
            "due_on": self.period.due,
            "last_report_on": self.last_report_on,
        }


def _has_cadence(default: str) -> sa.ColumnElement[bool]:
    """Tasks whose effective cadence is not none, in SQL (the task's own, else its round's,
    else the default)."""
    own, of_round = col(Task.report_cadence), col(Inspection.report_cadence)
    inherits = own.is_(None)
    if parse_cadence(default).is_none:
        return sa.or_(
            sa.and_(own.is_not(None), own != NONE),
            sa.and_(inherits, of_round.is_not(None), of_round != NONE),
        )
    return sa.not_(sa.or_(own == NONE, sa.and_(inherits, of_round.is_not(None), of_round == NONE)))


def _candidates(session: Session, default: str) -> list[Any]:
    # The last report as a correlated lookup (ix_progress_task_time), made only for the tasks
    # on a cadence: joined as an aggregate of every task's reports, SQLite grouped all of
    # them first, 0.5-0.8 s at 100,000 tasks, even when no task has a cadence at all. The
    # tasks are read in one pass on SQLite (ledger.queries.scanned).
    dialect = session.get_bind().dialect.name
    latest = (
        sa.select(sa.func.max(col(ProgressReport.reported_at)))
        .where(col(ProgressReport.task_id) == col(Task.id))
        .correlate(Task)
        .scalar_subquery()
    )
    return list(
        session.execute(
            sa.select(
                col(Task.id),
                col(Task.code),
                col(Task.measure),
                col(Inspection.title),
                col(Unit.name),
                col(Unit.notify_tag),
                col(Task.report_cadence),
                col(Inspection.report_cadence),
                col(Task.created_at),
                latest.label("at"),
            )
            .join(Inspection, col(Inspection.id) == scanned(col(Task.inspection_id), dialect))
            .join(Unit, col(Unit.id) == scanned(col(Task.lead_unit_id), dialect))
            .where(
                live_tasks(),
                scanned(col(Task.status), dialect).in_(OWE_REPORTS),
                _has_cadence(default),
            )
        ).all()
    )


def _local(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:  # SQLite hands back naive UTC from a raw aggregate
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ).date()


def reports_due(
    session: Session, *, as_of: date, calendar: WorkCalendar, default: str
) -> list[ReportOwed]:
    """Tasks due a 进展报送提醒 on `as_of`: their period's due day has come, they were
    registered by then, and nothing was reported on them since the period began."""
    periods: dict[tuple[str | None, str | None], tuple[Cadence, ReportPeriod | None]] = {}
    owed = []
    for row in _candidates(session, default):
        task_id, code, measure, title, unit, tag, own, of_round, created, last = row
        hit = periods.get((own, of_round))
        if hit is None:
            cadence = effective_cadence(own, of_round, default)
            hit = periods[(own, of_round)] = (cadence, period_of(cadence, as_of, calendar))
        cadence, period = hit
        last_on = _local(last)
        if period is not None and is_report_due(
            period, today=as_of, registered_on=_local(created) or as_of, last_report_on=last_on
        ):
            owed.append(
                ReportOwed(
                    task_id, code, measure, title, unit, tag or unit, cadence, period, last_on
                )
            )
    return _in_order(owed)


def _in_order(owed: list[ReportOwed]) -> list[ReportOwed]:
    """Unit by unit, then task by task; sorted here, as both backends compare names alike."""
    return sorted(owed, key=lambda o: (o.lead_unit, o.task_id))


def reports_late(
    session: Session, *, as_of: date, calendar: WorkCalendar, default: str
) -> list[ReportOwed]:
    """未按时报送 as of `as_of`: tasks that, in their latest period whose due day is over,
    were registered by the due day and reported nothing from the period's first day to
    its due day. Unit by unit, then round and task order."""
    periods: dict[tuple[str | None, str | None], tuple[Cadence, ReportPeriod | None]] = {}
    rows = []
    for row in _candidates(session, default):
        own, of_round = row[6], row[7]
        hit = periods.get((own, of_round))
        if hit is None:
            cadence = effective_cadence(own, of_round, default)
            hit = periods[(own, of_round)] = (
                cadence,
                last_elapsed_period(cadence, as_of, calendar),
            )
        if hit[1] is not None:
            rows.append((row, *hit))
    if not rows:
        return []
    earliest = min(p.start for _, _, p in rows if p is not None)
    since = datetime.combine(earliest, time.min, TZ)
    reported: dict[int, list[date]] = {}
    task_ids = {r[0] for r, _, _ in rows}
    for task_id, at in session.execute(
        sa.select(col(ProgressReport.task_id), col(ProgressReport.reported_at))
        .join(Task, col(Task.id) == ProgressReport.task_id)
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .where(
            col(ProgressReport.reported_at) >= since,
            live_tasks(),
            col(Task.status).in_(OWE_REPORTS),
        )
    ):
        if task_id in task_ids:
            day = _local(at)
            assert day is not None
            reported.setdefault(task_id, []).append(day)
    late = []
    for row, cadence, period in rows:
        task_id, code, measure, title, unit, tag, _, _, created, last = row
        assert period is not None
        if is_reported_late(
            period,
            registered_on=_local(created) or as_of,
            reports_on=reported.get(task_id, []),
        ):
            late.append(
                ReportOwed(
                    task_id, code, measure, title, unit, tag or unit, cadence, period, _local(last)
                )
            )
    return _in_order(late)
