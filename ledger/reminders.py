"""Planning the daily deadline check: which tasks are due for which rung, and for whom.

One set-based query selects the open tasks whose deadline falls inside the ladder's window
or has passed, and the 长期坚持 tasks silent for too long, with their units, leader, person,
latest progress and the steps already done; one more reads the co-units of the tasks due.
The ladder (models.reminders) runs in Python over those rows, once per distinct deadline
and steps done, and the result is grouped into one digest per recipient and level, most
urgent task first. Writing (marks, 督办通知单) happens in the caller's transaction, next to
the notices, in bulk.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, func

from ledger.bulk import bulk_insert
from ledger.errors import ConflictError
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


@dataclass(slots=True, eq=False)
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
    order_label: str = ""  # 督办〔2026〕N号, once issued
    reply_due: date | None = None
    rank: int = 0  # place in today's order, most urgent first (see plan_reminders)
    _context: SimpleNamespace | None = field(default=None, repr=False)

    def as_context(self) -> SimpleNamespace:
        """What templates show of the task (t.code, t.deadline, ...); built once, and only for
        tasks a digest lists. Attributes, not a dict: Jinja tries an attribute first, and
        the failed try per field was a third of rendering time."""
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
            self._context = SimpleNamespace(
                id=self.task_id,
                code=self.code,
                measure=self.measure,
                inspection=self.inspection,
                kind_label=self.kind.label,
                deadline=self.deadline,
                lead_unit=self.lead_unit,
                co_units=self.co_units,
                units=units,
                leader=self.leader,
                person=self.person,
                last_activity=self.last_activity,
                workdays_left=step.workdays_left,
                workdays_overdue=step.workdays_overdue,
                silent_days=step.silent_days,
                timing=timing,
                order_label=self.order_label,
                reply_due=self.reply_due,
            )
        return self._context


@dataclass(slots=True, eq=False)
class Digest:
    """One notice to be: one recipient, one level, all their tasks, most urgent first."""

    level: Level
    recipient: str  # the Apprise tag
    names: list[str]  # who the tag stands for, as the salutation shows them
    tasks: list[DueTask]

    @property
    def task_ids(self) -> list[int]:
        return [t.task_id for t in self.tasks]

    def listed(self, max_items: int) -> list[DueTask]:
        """The tasks the notice shows in full; the rest are counted in one closing line."""
        return self.tasks[: max(max_items, 1)]


@dataclass
class ReminderPlan:
    as_of: date
    is_workday: bool
    candidates: int  # rows the query selected
    due: list[DueTask]  # most urgent first
    digests: list[Digest]


# AUDIENCE as flags: (units, person, leader, office).
_HEARS = {
    level: tuple(who in audience for who in ("units", "person", "leader", "office"))
    for level, audience in AUDIENCE.items()
}

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
        )
        .join(UNIT, UNIT.c.id == TASK.c.lead_unit_id)
        .join(INSPECTION, INSPECTION.c.id == TASK.c.inspection_id)
        .where(_candidate_filter(today, calendar, rules))
    )


def fetch_rows(session: Session, stmt: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """A SELECT run on the session's own DB-API cursor, rows as plain tuples.

    Planning reads tens of thousands of rows; SQLAlchemy's Row objects and result
    processing cost more than the query itself. Values come as the driver gives them
    (SQLite: dates as ISO strings), which the caller parses once per distinct value."""
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    processors: dict[str, Any] = dict(compiled._bind_processors)  # type: ignore[arg-type]
    values = {
        k: processors[k](v) if k in processors and v is not None else v
        for k, v in compiled.construct_params().items()
    }
    args: Any = (
        tuple(values[k] for k in compiled.positiontup or []) if compiled.positional else values
    )
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        cursor.execute(str(compiled), args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _local_date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:  # SQLite hands back naive UTC from a raw aggregate
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ).date()


def _co_units(session: Session, task_ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    """配合单位 of the tasks that are due, in one query whatever their number: the ids go
    as one parameter (a PostgreSQL array, a JSON array on SQLite)."""
    found: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    if not task_ids:
        return found
    if session.get_bind().dialect.name == "postgresql":
        ids = sa.bindparam("ids", task_ids, type_=postgresql.ARRAY(sa.Integer))
        wanted: sa.ColumnElement[bool] = CO_UNIT.c.task_id == sa.any_(ids)
    else:
        listed = sa.func.json_each(json.dumps(task_ids)).table_valued("value")
        wanted = CO_UNIT.c.task_id.in_(sa.select(listed.c.value))
    stmt = (
        sa.select(CO_UNIT.c.task_id, UNIT.c.name, UNIT.c.notify_tag)
        .join(UNIT, UNIT.c.id == CO_UNIT.c.unit_id)
        .where(wanted)
        .order_by(CO_UNIT.c.task_id, CO_UNIT.c.position)
    )
    for task_id, name, tag in fetch_rows(session, stmt):
        found[task_id].append((name, tag))
    return found


_KINDS = {k.value: k for k in TaskKind}
_ONGOING = TaskKind.ongoing.value
_MISS = object()


def plan_reminders(
    session: Session, *, today: date, calendar: WorkCalendar, rules: Rules
) -> ReminderPlan:
    """Reads what is due today and groups it into digests. Writes nothing.

    The ladder's answer depends only on the deadline and the steps done, which a run sees
    in a few hundred combinations over 100,000 tasks: it is worked out once per combination
    (by models.reminders.due_step, the rule the unit tests pin down) and looked up for
    every other task."""
    if not calendar.is_workday(today):
        return ReminderPlan(today, False, 0, [], [])
    with gc_paused():
        return _plan(session, today=today, calendar=calendar, rules=rules)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Planning allocates some hundred thousand short-lived tuples and objects without
    cycles; the cyclic collector, triggered by their sheer number, would walk the whole
    heap several times over (measured: 0.8 s of 1.9 s for 100,000 tasks)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan(session: Session, *, today: date, calendar: WorkCalendar, rules: Rules) -> ReminderPlan:
    dialect = session.get_bind().dialect.name
    rows = fetch_rows(session, candidate_query(today, calendar, rules, dialect))
    counts = DayCounts(calendar)
    steps: dict[tuple[Any, Any], tuple[date | None, Step | None]] = {}

    def ladder(deadline: date | None, done: str | None, last: date | None) -> Step | None:
        return due_step(
            kind=TaskKind.ongoing if deadline is None else TaskKind.dated,
            status=TaskStatus.in_progress,  # the query selects open tasks only
            deadline=deadline,
            today=today,
            calendar=counts,
            rules=rules,
            done=done.split(",") if done else (),
            last_activity=last,
        )

    due_rows: list[tuple[tuple[Any, ...], Step, date | None, date | None]] = []
    for r in rows:
        raw_deadline, done = r[4], r[11]
        if raw_deadline is None or r[3] == _ONGOING:
            last = _local_date(r[10])
            step = ladder(None, done, last)
            if step is not None:
                due_rows.append((r, step, _as_date(raw_deadline), last))
            continue
        hit = steps.get((raw_deadline, done), _MISS)
        if hit is _MISS:
            deadline = _as_date(raw_deadline)
            hit = steps[(raw_deadline, done)] = (deadline, ladder(deadline, done, None))
        deadline, step = hit  # type: ignore[misc]
        if step is not None:
            due_rows.append((r, step, deadline, None))

    co_units = _co_units(session, [r[0] for r, _, _, _ in due_rows])
    code_keys: dict[str, tuple[int | str, ...]] = {}
    rounds = {title: i for i, title in enumerate(sorted({r[9] for r, _, _, _ in due_rows}))}
    # (urgency, round, code, id, task): ids are unique, so tuples sort without a key function
    # and never compare the tasks themselves.
    ordered: list[tuple[int, int, tuple[int | str, ...], int, DueTask]] = []
    for r, step, deadline, last in due_rows:
        (task_id, code, measure, kind, _, leader, person, lead_unit, _, inspection, _, _) = r
        key = code_keys.get(code)
        if key is None:
            key = code_keys[code] = _code_key(code)
        task = DueTask(
            task_id,
            code,
            measure,
            inspection,
            _KINDS[kind],
            deadline,
            lead_unit,
            [name for name, _ in co_units.get(task_id, ())],
            leader or "",
            person or "",
            last,
            step,
        )
        ordered.append((step.urgency, rounds[inspection], key, task_id, task))
    ordered.sort()
    due = [t[4] for t in ordered]
    for rank, task in enumerate(due):
        task.rank = rank
    lead_tags = {r[0]: r[8] for r, _, _, _ in due_rows}
    user_tags: dict[str, str] = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(USER.c.name, USER.c.notify_tag).where(USER.c.notify_tag.is_not(None))
        ).all()
    )
    return ReminderPlan(
        today, True, len(rows), due, group_digests(due, lead_tags, co_units, user_tags)
    )


def group_digests(
    due: list[DueTask],
    lead_tags: dict[int, str | None],
    co_units: dict[int, list[tuple[str, str | None]]],
    user_tags: dict[str, str],
) -> list[Digest]:
    """One digest per recipient and level; `due` comes most urgent first, and each digest
    keeps that order. A recipient is a tag (a unit's or user's own tag, else its name)."""
    groups: dict[tuple[Level, str], Digest] = {}
    for task in due:
        level = task.step.level
        units, person, leader, office = _HEARS[level]
        tags: list[str] = []
        names: list[str] = []
        if units:
            tags.append(lead_tags.get(task.task_id) or task.lead_unit)
            names.append(task.lead_unit)
            for name, tag in co_units.get(task.task_id, ()):
                if (tag or name) not in tags:
                    tags.append(tag or name)
                    names.append(name)
        if person and task.person:
            tag = user_tags.get(task.person) or task.person
            if tag not in tags:
                tags.append(tag)
                names.append(task.person)
        if leader and task.leader:
            tag = user_tags.get(task.leader) or task.leader
            if tag not in tags:
                tags.append(tag)
                names.append(task.leader)
        if office and OFFICE_TAG not in tags:
            tags.append(OFFICE_TAG)
            names.append(OFFICE_NAME)
        for tag, name in zip(tags, names, strict=True):
            digest = groups.get((level, tag))
            if digest is None:
                groups[(level, tag)] = Digest(level, tag, [name], [task])
                continue
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
    _insert(session, ORDER, order_rows)
    _insert(session, HISTORY, history_rows)
    return len(rows)


def _insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert (COPY on PostgreSQL, which reports a clash as the driver's own error):
    a step or 督办 number a concurrent run wrote first means plan again."""
    dbapi = session.get_bind().dialect.loaded_dbapi
    try:
        bulk_insert(session, table, rows)
    except dbapi.IntegrityError as exc:
        raise ConflictError(f"另一次检查同时写入了{table.name}中的相同记录,本次重新规划") from exc
