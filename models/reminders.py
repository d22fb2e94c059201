"""The reminder ladder: 提醒 → 催办 → 督办, and the 长期坚持 silence reminder. Pure.

The question asked each working day is "which rung is due and not yet done", never "is
today exactly N days before": a day the job did not run is caught up by the next run with
one step, not one per missed day. Steps are keyed by the deadline they belong to, so an
approved extension starts the ladder afresh at the new deadline.

Keys: remind:<deadline>:<working days left threshold>, urge:<deadline>:<n-th 催办>,
supervise:<deadline>, ongoing:<date of the last progress or of registration>.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from models.enums import TaskKind, TaskStatus
from models.rules import Rules


class Calendar(Protocol):
    def workdays_between(self, start: date, end: date) -> int: ...
    def add_workdays(self, day: date, n: int) -> date: ...


class DayCounts:
    """A calendar that remembers its answers: planning asks the same few hundred
    (today, deadline) pairs for 100,000 tasks."""

    def __init__(self, calendar: Calendar) -> None:
        self.workdays_between = lru_cache(maxsize=4096)(calendar.workdays_between)
        self.add_workdays = lru_cache(maxsize=256)(calendar.add_workdays)


class Level(StrEnum):
    remind = "remind"  # 提醒
    urge = "urge"  # 催办
    supervise = "supervise"  # 督办
    ongoing = "ongoing"  # 长期坚持 without progress
    # Not a rung: told to the 分管领导 beside a rung once a unit has ignored N 催办
    # (ledger.reminders.escalation).
    escalate = "escalate"

    @property
    def label(self) -> str:
        return {
            "remind": "提醒",
            "urge": "催办",
            "supervise": "督办",
            "ongoing": "长期坚持提醒",
            "escalate": "提请分管领导督促",
        }[self.value]


@dataclass(frozen=True)
class Step:
    """The rung due now for one task."""

    level: Level
    key: str
    # Keys this step also settles, e.g. a 督办 covers the 催办 rung due the same day.
    covers: tuple[str, ...] = ()
    workdays_left: int | None = None  # before the deadline (0 on the deadline day)
    workdays_overdue: int | None = None  # after it
    silent_days: int | None = None  # 长期坚持: calendar days since the last progress

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.covers)

    @property
    def urgency(self) -> int:
        """Smaller is more urgent, within one level: most overdue, fewest days left, longest
        silent first (a digest lists its tasks in this order)."""
        if self.workdays_overdue is not None:
            return -self.workdays_overdue
        if self.workdays_left is not None:
            return self.workdays_left
        return -(self.silent_days or 0)


def is_workday(day: date, calendar: Calendar) -> bool:
    """The calendar's answer read from its cumulative table: a lookup, where asking
    chinese-calendar directly costs a validation per call (and planning asks per task)."""
    return calendar.workdays_between(day - timedelta(days=1), day) == 1


def window_end(today: date, calendar: Calendar, rules: Rules) -> date:
    """The latest deadline a 提醒 can be due for today: what the planning query selects.

    A deadline on a weekend after the N-th working day still has N working days left, so the
    window ends the day before the (N+1)-th working day."""
    return calendar.add_workdays(today, max(rules.remind_workdays, default=0) + 1) - timedelta(
        days=1
    )


def due_step(
    *,
    kind: TaskKind,
    status: TaskStatus,
    deadline: date | None,
    today: date,
    calendar: Calendar,
    rules: Rules,
    done: Collection[str],
    last_activity: date | None = None,
) -> Step | None:
    """The one step due today for a task, or None.

    `done` holds the step keys already recorded for the task; `last_activity` is the date of
    its last progress report, or of its registration (needed for 长期坚持 only).
    Nothing is due on a non-working day, for a closed task, or for a task awaiting the
    office's 销号 review (the unit has done its part; a return resumes the ladder).
    """
    if status in (TaskStatus.closed, TaskStatus.submitted) or not is_workday(today, calendar):
        return None
    if kind is TaskKind.ongoing or deadline is None:
        return _ongoing_step(today, rules, done, last_activity)
    if today <= deadline:
        return _remind_step(deadline, today, calendar, rules, done)
    return _overdue_step(deadline, today, calendar, rules, done)


def _ongoing_step(
    today: date, rules: Rules, done: Collection[str], last_activity: date | None
) -> Step | None:
    if last_activity is None:
        return None
    silent = (today - last_activity).days
    key = f"ongoing:{last_activity.isoformat()}"
    if silent < rules.ongoing_silence_days or key in done:
        return None
    return Step(Level.ongoing, key, silent_days=silent)


def _remind_step(
    deadline: date, today: date, calendar: Calendar, rules: Rules, done: Collection[str]
) -> Step | None:
    left = calendar.workdays_between(today, deadline)
    reached = [t for t in rules.remind_workdays if left <= t]
    if not reached:
        return None
    # The most urgent rung reached; the earlier ones it supersedes are settled with it.
    rung = min(reached)
    key = f"remind:{deadline.isoformat()}:{rung}"
    if key in done:
        return None
    covers = tuple(
        f"remind:{deadline.isoformat()}:{t}" for t in sorted(reached, reverse=True) if t != rung
    )
    return Step(
        Level.remind, key, covers=tuple(k for k in covers if k not in done), workdays_left=left
    )


def _overdue_step(
    deadline: date, today: date, calendar: Calendar, rules: Rules, done: Collection[str]
) -> Step | None:
    overdue = calendar.workdays_between(deadline, today)
    if overdue <= 0:  # overdue only by non-working days so far
        return None
    d = deadline.isoformat()
    every = max(rules.urge_every_workdays, 1)
    urge_key = f"urge:{d}:{(overdue - 1) // every + 1}"
    supervise_key = f"supervise:{d}"
    if overdue > rules.supervise_after_workdays and supervise_key not in done:
        covers = () if urge_key in done else (urge_key,)
        return Step(Level.supervise, supervise_key, covers=covers, workdays_overdue=overdue)
    if urge_key in done:
        return None
    return Step(Level.urge, urge_key, workdays_overdue=overdue)
