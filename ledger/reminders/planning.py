"""The planning run: the candidate query, the ladder once per combination, the day's order,
and the digests. Reads only; the caller writes (ledger.reminders.marks, .orders)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger.reminders.audience import group_digests
from ledger.reminders.candidates import candidate_query, co_units_of
from ledger.reminders.due import DueTask, ReminderPlan
from ledger.reminders.rows import as_date, fetch_rows, local_date
from models.enums import TaskKind, TaskStatus
from models.reminders import DayCounts, Step, due_step
from models.rules import Rules
from models.tables import User
from models.workdays import WorkCalendar

USER: sa.Table = User.__table__  # type: ignore[attr-defined]

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
    unreported: set[Any] = set()  # 长期坚持 tasks nobody has reported on since registration
    for r in rows:
        raw_deadline, done = r[4], r[11]
        if raw_deadline is None or r[3] == _ONGOING:
            last = local_date(r[10])
            step = ladder(None, done, last)
            if step is not None:
                due_rows.append((r, step, as_date(raw_deadline), last))
                if r[10] == r[12]:
                    unreported.add(r[0])
            continue
        hit = steps.get((raw_deadline, done), _MISS)
        if hit is _MISS:
            deadline = as_date(raw_deadline)
            hit = steps[(raw_deadline, done)] = (deadline, ladder(deadline, done, None))
        deadline, step = hit  # type: ignore[misc]
        if step is not None:
            due_rows.append((r, step, deadline, None))

    co_units = co_units_of(session, [r[0] for r, _, _, _ in due_rows])
    code_keys: dict[str, tuple[int | str, ...]] = {}
    rounds = {title: i for i, title in enumerate(sorted({r[9] for r, _, _, _ in due_rows}))}
    # (urgency, round, code, id, task): ids are unique, so tuples sort without a key function
    # and never compare the tasks themselves.
    ordered: list[tuple[int, int, tuple[int | str, ...], int, DueTask]] = []
    for r, step, deadline, last in due_rows:
        (task_id, code, measure, kind, _, leader, person, lead_unit, _, inspection, _, _, _) = r
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
            reported=task_id not in unreported,
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


def _code_key(code: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in code.split("."))
