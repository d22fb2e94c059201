"""Planning the daily deadline check: which tasks are due for which rung, and for whom.

One set-based query selects the open tasks whose deadline falls inside the ladder's window
or has passed, and the 长期坚持 tasks silent for too long, with their units, leader, person
and latest progress; two more read their co-units and the steps already done. The ladder
(models.reminders) runs in Python over those rows only, and the result is grouped into one
digest per recipient and level. Writing (marks, 督办通知单) happens in the caller's
transaction, next to the notices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, func

from models.enums import TaskKind, TaskStatus
from models.outbox import ReminderMark, SupervisionOrder
from models.reminders import DayCounts, Level, Step, due_step, window_end
from models.rules import Rules
from models.tables import HistoryEntry, Inspection, ProgressReport, Task, TaskCoUnit, Unit, User
from models.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
OFFICE_TAG = "office"
OFFICE_NAME = "整改办"
SCHEDULE_ACTOR = "定时任务"

# Who hears about each rung (domain.md): the units and the person before the deadline,
# the units and the leader once overdue, the leader and the office for 督办.
AUDIENCE = {
    Level.remind: ("units", "person"),
    Level.ongoing: ("units", "person"),
    Level.urge: ("units", "leader"),
    Level.supervise: ("leader", "office"),
}


@dataclass
class DueTask:
    """A task with the step due for it today and everything a notice shows about it."""

    task_id: int
    code: str
    measure: str
    inspection: str
    kind: TaskKind
    deadline: date | None
    lead_unit: str
    co_units: list[str]
    leader: str
    person: str
    last_activity: date | None
    step: Step
    recipients: list[tuple[str, str]] = field(default_factory=list)  # (tag, name shown)
    order_label: str = ""  # 督办〔2026〕N号, once issued
    reply_due: date | None = None
    _context: dict[str, Any] | None = field(default=None, repr=False)

    def as_context(self) -> dict[str, Any]:
        """What templates show of the task; built once, shared by all its digests."""
        if self._context is None:
            step = self.step
            if step.workdays_overdue is not None:
                timing = f"已逾期{step.workdays_overdue}个工作日"
            elif step.workdays_left is not None:
                timing = (
                    "今日到期" if step.workdays_left == 0 else f"剩余{step.workdays_left}个工作日"
                )
            else:
                timing = f"已{step.silent_days}天未报送进展"
            units = f"{self.lead_unit}(牵头)" + (
                f"、{'、'.join(self.co_units)}(配合)" if self.co_units else ""
            )
            self._context = {
                "id": self.task_id,
                "code": self.code,
                "measure": self.measure,
                "inspection": self.inspection,
                "kind_label": self.kind.label,
                "deadline": self.deadline,
                "lead_unit": self.lead_unit,
                "co_units": self.co_units,
                "units": units,
                "leader": self.leader,
                "person": self.person,
                "last_activity": self.last_activity,
                "workdays_left": step.workdays_left,
                "workdays_overdue": step.workdays_overdue,
                "silent_days": step.silent_days,
                "timing": timing,
                "order_label": self.order_label,
                "reply_due": self.reply_due,
            }
        return self._context


@dataclass
class Digest:
    """One notice to be: one recipient, one level, all their tasks."""

    level: Level
    recipient: str  # the Apprise tag
    names: list[str]  # who the tag stands for, as the salutation shows them
    tasks: list[DueTask]

    @property
    def task_ids(self) -> list[int]:
        return [t.task_id for t in self.tasks]


@dataclass
class ReminderPlan:
    as_of: date
    is_workday: bool
    candidates: int  # rows the query selected
    due: list[DueTask]
    digests: list[Digest]


TASK: sa.Table = Task.__table__  # type: ignore[attr-defined]
UNIT: sa.Table = Unit.__table__  # type: ignore[attr-defined]
INSPECTION: sa.Table = Inspection.__table__  # type: ignore[attr-defined]
PROGRESS: sa.Table = ProgressReport.__table__  # type: ignore[attr-defined]
CO_UNIT: sa.Table = TaskCoUnit.__table__  # type: ignore[attr-defined]
MARK: sa.Table = ReminderMark.__table__  # type: ignore[attr-defined]
USER: sa.Table = User.__table__  # type: ignore[attr-defined]
ORDER: sa.Table = SupervisionOrder.__table__  # type: ignore[attr-defined]
HISTORY: sa.Table = HistoryEntry.__table__  # type: ignore[attr-defined]


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
    return sa.and_(TASK.c.status.in_(open_statuses), sa.or_(dated, ongoing))


def _is_ongoing() -> sa.ColumnElement[bool]:
    return sa.or_(TASK.c.kind == TaskKind.ongoing.value, TASK.c.deadline.is_(None))


def _last_progress() -> sa.ScalarSelect[Any]:
    return (
        sa.select(func.max(PROGRESS.c.reported_at))
        .where(PROGRESS.c.task_id == TASK.c.id)
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
    candidate task with its lead unit, round, latest progress and the steps already done."""
    return (
        sa.select(
            TASK.c.id,
            TASK.c.code,
            TASK.c.measure,
            TASK.c.kind,
            TASK.c.status,
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
        )
        .join(UNIT, UNIT.c.id == TASK.c.lead_unit_id)
        .join(INSPECTION, INSPECTION.c.id == TASK.c.inspection_id)
        .where(_candidate_filter(today, calendar, rules))
    )


def _local_date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:  # SQLite hands back naive UTC from a raw aggregate
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ).date()


def _co_units(session: Session, task_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    """配合单位 of the tasks that are due (one query per 2,000 tasks)."""
    found: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for i in range(0, len(task_ids), 2000):
        for task_id, name, tag in session.execute(
            sa.select(CO_UNIT.c.task_id, UNIT.c.name, UNIT.c.notify_tag)
            .join(UNIT, UNIT.c.id == CO_UNIT.c.unit_id)
            .where(CO_UNIT.c.task_id.in_(task_ids[i : i + 2000]))
            .order_by(CO_UNIT.c.task_id, CO_UNIT.c.position)
        ):
            found[task_id].append((name, tag))
    return found


def plan_reminders(
    session: Session, *, today: date, calendar: WorkCalendar, rules: Rules
) -> ReminderPlan:
    """Reads what is due today and groups it into digests. Writes nothing."""
    if not calendar.is_workday(today):
        return ReminderPlan(today, False, 0, [], [])
    dialect = session.get_bind().dialect.name
    rows = session.execute(candidate_query(today, calendar, rules, dialect)).all()
    counts = DayCounts(calendar)
    due_rows = []
    for r in rows:
        last_activity = _local_date(r.activity_at)
        step = due_step(
            kind=TaskKind(r.kind),
            status=TaskStatus(r.status),
            deadline=r.deadline,
            today=today,
            calendar=counts,
            rules=rules,
            done=r.done_steps.split(",") if r.done_steps else (),
            last_activity=last_activity,
        )
        if step is not None:
            due_rows.append((r, step, last_activity))
    co_units = _co_units(session, [r.id for r, _, _ in due_rows])
    user_tags: dict[str, str] = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(USER.c.name, USER.c.notify_tag).where(USER.c.notify_tag.is_not(None))
        ).all()
    )
    due: list[DueTask] = []
    for r, step, last_activity in due_rows:
        co = co_units.get(r.id, [])
        task = DueTask(
            task_id=r.id,
            code=r.code,
            measure=r.measure,
            inspection=r.inspection,
            kind=TaskKind(r.kind),
            deadline=r.deadline,
            lead_unit=r.lead_unit,
            co_units=[name for name, _ in co],
            leader=r.leader,
            person=r.person,
            last_activity=last_activity,
            step=step,
        )
        audience = AUDIENCE[step.level]
        recipients: dict[str, str] = {}
        if "units" in audience:
            recipients.setdefault(r.lead_tag or r.lead_unit, r.lead_unit)
            for name, tag in co:
                recipients.setdefault(tag or name, name)
        if "person" in audience and r.person:
            recipients.setdefault(user_tags.get(r.person) or r.person, r.person)
        if "leader" in audience and r.leader:
            recipients.setdefault(user_tags.get(r.leader) or r.leader, r.leader)
        if "office" in audience:
            recipients.setdefault(OFFICE_TAG, OFFICE_NAME)
        task.recipients = list(recipients.items())
        due.append(task)
    return ReminderPlan(today, True, len(rows), due, group_digests(due))


def group_digests(due: list[DueTask]) -> list[Digest]:
    """One digest per recipient and level, tasks in round and code order."""
    due = sorted(due, key=lambda t: (t.inspection, _code_key(t.code)))
    groups: dict[tuple[Level, str], Digest] = {}
    for task in due:
        for tag, name in task.recipients:
            digest = groups.get((task.step.level, tag))
            if digest is None:
                digest = groups[(task.step.level, tag)] = Digest(task.step.level, tag, [], [])
            if name not in digest.names:
                digest.names.append(name)
            digest.tasks.append(task)
    return sorted(groups.values(), key=lambda d: (d.level.value, d.recipient))


def _code_key(code: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in code.split("."))


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
    """Numbers 督办〔YYYY〕N号 on from the year's last number, in task order.

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
    for number, task in enumerate(sorted(tasks, key=lambda t: t.task_id), start=(last or 0) + 1):
        assert task.deadline is not None and task.step.workdays_overdue is not None
        order = OrderNumber(
            today.year, number, task.task_id, task.deadline, task.step.workdays_overdue, reply_due
        )
        task.order_label, task.reply_due = order.label, reply_due
        orders.append(order)
    return orders


def record_steps(
    session: Session,
    tasks: list[DueTask],
    *,
    notice_of_task: dict[int, int],
    orders: list[OrderNumber],
    today: date,
    now: datetime,
) -> int:
    """Writes, in bulk, the steps done, the 督办通知单 with their notice, and their history."""
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
    for i in range(0, len(rows), 5000):
        session.execute(sa.insert(MARK), rows[i : i + 5000])
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
    # The same row ledger.history.record writes, inserted in bulk: a catch-up day may
    # issue thousands of 督办通知单.
    history_rows = [
        {
            "at": now,
            "actor": SCHEDULE_ACTOR,
            "action": "supervise",
            "entity": "task",
            "entity_id": o.task_id,
            "task_id": o.task_id,
            "field": "",
            "old_value": None,
            "new_value": o.label,
            "note": f"逾期{o.days_overdue}个工作日,请于{o.reply_due.isoformat()}前书面回复",
        }
        for o in orders
    ]
    for i in range(0, len(order_rows), 5000):
        session.execute(sa.insert(ORDER), order_rows[i : i + 5000])
        session.execute(sa.insert(HISTORY), history_rows[i : i + 5000])
    return len(rows)
