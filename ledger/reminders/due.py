"""What a plan holds: the tasks due today with their step, and the digests they go in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from ledger.reminders.wording import task_context
from models.enums import TaskKind
from models.reminders import Level, Step


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
    # False: last_activity is the registration, not a report (nobody has reported yet).
    reported: bool = True
    _context: SimpleNamespace | None = field(default=None, repr=False)

    def as_context(self) -> SimpleNamespace:
        """What templates show of the task (ledger.reminders.wording); built once, and only
        for tasks a digest lists."""
        if self._context is None:
            self._context = task_context(self)
        return self._context


@dataclass(slots=True, eq=False)
class Digest:
    """One notice to be: one recipient, one level, all their tasks, most urgent first."""

    level: Level
    recipient: str  # the Apprise tag
    names: list[str]  # who the tag stands for, as the salutation shows them
    tasks: list[DueTask]
    # "to" (the addressee), or a copy of a 督办: "leader_copy", "office_copy"
    role: str = "to"

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
