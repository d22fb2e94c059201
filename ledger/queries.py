"""Reading the ledger: task views with their light, in one set-based query.

The light is derived at read time (never stored). `light_case` is the SQL mirror of
models.rules.light_of; the unit tests check the two agree on every branch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlmodel import Session, col, select

from ledger.actors import Actor, remit_clause
from models.enums import Light, ReportKind, TaskKind, TaskStatus
from models.office import TZ as SHANGHAI
from models.rules import Rules, days_left
from models.tables import Inspection, Problem, Task, TaskCoUnit, Unit


def light_case(today: date, rules: Rules) -> sa.ColumnElement[str]:
    """The light as a SQL expression: comparisons against dates computed here, so it is portable."""
    yellow_until = today + timedelta(days=rules.yellow_days)
    return sa.case(
        (col(Task.status) == TaskStatus.closed.value, Light.done.value),
        (
            sa.or_(col(Task.kind) == TaskKind.ongoing.value, col(Task.deadline).is_(None)),
            Light.blue.value,
        ),
        (col(Task.deadline) < today, Light.red.value),
        (col(Task.deadline) <= yellow_until, Light.yellow.value),
        else_=Light.green.value,
    )


@dataclass
class TaskView:
    """What a user sees of a task; `as_json` is the --json shape."""

    id: int
    code: str
    inspection_id: int
    inspection: str
    problem_id: int
    problem: str
    problem_serial: str
    measure: str
    lead_unit: str
    co_units: list[str]
    leader: str
    person: str
    kind: TaskKind
    deadline: date | None
    original_deadline: date | None
    status: TaskStatus
    light: Light
    days_left: int | None
    version: int
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    withdrawn: bool = False  # 已撤销: readable by id, absent from every list and count
    # Columns of the imported ledger rectify has no field for, as written there.
    ledger_columns: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data.update(
            kind=self.kind.value,
            kind_label=self.kind.label,
            status=self.status.value,
            status_label=self.status.label,
            light=self.light.value,
            light_label=self.light.label,
            deadline=self.deadline.isoformat() if self.deadline else None,
            original_deadline=self.original_deadline.isoformat()
            if self.original_deadline
            else None,
        )
        data.update(self.extra)
        return data


@dataclass(frozen=True)
class TaskFilter:
    inspection_id: int | None = None
    unit: str | None = None  # lead or co-unit
    status: TaskStatus | None = None
    light: Light | None = None
    # Tasks asked for by id are read even when withdrawn (task show, a notice's tasks);
    # every other selection leaves withdrawn tasks and rounds out.
    task_ids: tuple[int, ...] | None = None
    search: str | None = None  # words in the measure or the problem, or the task's code
    limit: int | None = None


def task_views(
    session: Session,
    *,
    today: date,
    rules: Rules,
    where: TaskFilter = TaskFilter(),
    actor: Actor,
) -> list[TaskView]:
    """Task views matching the filter within the actor's remit (ledger.actors.remit_clause:
    the office reads every task), in ledger order. Two queries whatever the count."""
    lead = aliased(Unit)
    light = light_case(today, rules).label("light")
    stmt = (
        select(Task, Inspection.title, Problem.description, Problem.serial, lead.name, light)  # type: ignore[call-overload]
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .join(Problem, col(Problem.id) == Task.problem_id)
        .join(lead, lead.id == Task.lead_unit_id)
    )
    if where.inspection_id is not None:
        stmt = stmt.where(Task.inspection_id == where.inspection_id)
    if where.status is not None:
        stmt = stmt.where(Task.status == where.status.value)
    if where.light is not None:
        stmt = stmt.where(light_case(today, rules) == where.light.value)
    if where.task_ids is not None:
        stmt = stmt.where(col(Task.id).in_(where.task_ids))
    else:
        stmt = stmt.where(live_tasks())
    if where.unit:
        co_tasks = (
            select(TaskCoUnit.task_id)
            .join(Unit, col(Unit.id) == TaskCoUnit.unit_id)
            .where(Unit.name == where.unit)
        )
        stmt = stmt.where(sa.or_(col(lead.name) == where.unit, col(Task.id).in_(co_tasks)))
    if where.search:
        words = where.search.strip()
        stmt = stmt.where(
            sa.or_(
                col(Task.measure).contains(words, autoescape=True),
                col(Problem.description).contains(words, autoescape=True),
                col(Task.code) == words,
            )
        )
    if (remit := remit_clause(actor)) is not None:
        stmt = stmt.where(remit)
    stmt = stmt.order_by(col(Task.inspection_id), col(Problem.seq), col(Task.id))
    if where.limit is not None:
        stmt = stmt.limit(where.limit)
    rows = session.exec(stmt).all()
    co_units = co_unit_names(session, [row[0].id for row in rows])
    views = []
    for task, inspection_title, description, serial, lead_name, light_value in rows:
        views.append(
            TaskView(
                id=task.id,
                code=task.code,
                inspection_id=task.inspection_id,
                inspection=inspection_title,
                problem_id=task.problem_id,
                problem=description,
                problem_serial=serial,
                measure=task.measure,
                lead_unit=lead_name,
                co_units=co_units.get(task.id, []),
                leader=task.leader,
                person=task.person,
                kind=TaskKind(task.kind),
                deadline=task.deadline,
                original_deadline=task.original_deadline,
                status=TaskStatus(task.status),
                light=Light(light_value),
                days_left=None
                if task.kind == TaskKind.ongoing
                else days_left(task.deadline, today),
                version=task.version,
                note=task.note,
                withdrawn=task.withdrawn_at is not None,
                ledger_columns=dict(task.extra or {}),
            )
        )
    return views


def co_units_query(
    dialect: str, *, task_ids: list[int] | None = None, inspection_id: int | None = None
) -> sa.Select[int, str, str | None]:
    """配合单位 in their order, as (task id, unit name, unit Apprise tag): of the tasks given
    by id, which go as one parameter (a PostgreSQL array, a JSON array on SQLite) so one
    statement serves any number of tasks, or of every task of a round. The one definition:
    task lists, the export and the daily check's planning (which runs it on a bare cursor,
    ledger.reminders.rows) all read co-units through it."""
    stmt = (
        sa.select(col(TaskCoUnit.task_id), col(Unit.name), col(Unit.notify_tag))
        .join(Unit, col(Unit.id) == TaskCoUnit.unit_id)
        .order_by(col(TaskCoUnit.task_id), col(TaskCoUnit.position))
    )
    if inspection_id is not None:
        stmt = stmt.join(Task, col(Task.id) == TaskCoUnit.task_id).where(
            col(Task.inspection_id) == inspection_id
        )
    if task_ids is not None:
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            ids = sa.bindparam("ids", task_ids, type_=postgresql.ARRAY(sa.Integer))
            stmt = stmt.where(col(TaskCoUnit.task_id) == sa.any_(ids))
        else:
            listed = sa.func.json_each(json.dumps(task_ids)).table_valued("value")
            stmt = stmt.where(col(TaskCoUnit.task_id).in_(sa.select(listed.c.value)))
    return stmt


def co_unit_names(
    session: Session, task_ids: list[int] | None = None, *, inspection_id: int | None = None
) -> dict[int, list[str]]:
    """Each task's 配合单位 names in their order (co_units_query)."""
    result: dict[int, list[str]] = {}
    if task_ids is not None and not task_ids:
        return result
    dialect = session.get_bind().dialect.name
    stmt = co_units_query(dialect, task_ids=task_ids, inspection_id=inspection_id)
    for task_id, name, _tag in session.execute(stmt):
        result.setdefault(task_id, []).append(name)
    return result


def scanned(column: Any, dialect: str) -> Any:
    """The column as SQLite's planner may not use an index on (unary +, as its documentation
    advises), so a query over most tasks reads the task table in one pass.

    Without statistics, SQLite drives such queries through an index (the open tasks by
    status, or the tasks unit by unit) and reads each wide task row at random: the
    进展报送 candidates took 0.45 s at 100,000 tasks that way and 0.04 s as one pass.
    PostgreSQL has statistics and plans for itself: the column is left as it is."""
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def live_tasks() -> sa.ColumnElement[bool]:
    """Tasks that count: neither the task nor its round withdrawn.

    The one place withdrawal is decided for reading: stats, task lists, the daily check,
    the weekly summary, the report and the export all add this clause, so a withdrawn
    task leaves every count, light and notice at once. `task show` and `history` read a
    task by id without it, so a withdrawn task stays readable."""
    withdrawn_rounds = sa.select(col(Inspection.id)).where(
        col(Inspection.withdrawn_at).is_not(None)
    )
    return sa.and_(
        col(Task.withdrawn_at).is_(None), col(Task.inspection_id).not_in(withdrawn_rounds)
    )


def live_rounds() -> sa.ColumnElement[bool]:
    """Rounds that count (not withdrawn)."""
    return col(Inspection.withdrawn_at).is_(None)


def report_day(
    kind: str, reported_at: datetime | str | None, ledger_date: date | str | None
) -> date | None:
    """The date a progress report speaks for, in Asia/Shanghai.

    A report made here: the day it was made. An imported one: the ledger's 填报时间, or None
    (undated, shown as 台账导入) — never the day of the import, which nobody reported on."""
    if kind == ReportKind.imported.value:
        if ledger_date is None or isinstance(ledger_date, date):
            return ledger_date
        return date.fromisoformat(str(ledger_date)[:10])
    if reported_at is None:
        return None
    if isinstance(reported_at, str):
        reported_at = datetime.fromisoformat(reported_at)
    if reported_at.tzinfo is None:
        reported_at = reported_at.replace(tzinfo=UTC)
    return reported_at.astimezone(SHANGHAI).date()
