"""Planning the daily deadline check: which tasks are due for which rung, and for whom.

One set-based query selects the open tasks whose deadline falls inside the ladder's window
or has passed, and the 长期坚持 tasks silent for too long, with their units, leader, person,
latest progress and the steps already done; one more reads the co-units of the tasks due.
The ladder (models.reminders) runs in Python over those rows, once per distinct deadline
and steps done, and the result is grouped into one digest per recipient and level, most
urgent task first. Writing (marks, 督办通知单) happens in the caller's transaction, next to
the notices, in bulk.

The modules, each holding one thing:
- candidates: the SQL (the candidate query, the co-units of the tasks due);
- rows: the raw DB-API runner and the parsing of the values a driver hands back;
- due: what a plan holds (DueTask, Digest, ReminderPlan);
- wording: what a notice shows of a task (its template context);
- audience: who hears about each rung, and the grouping into digests;
- planning: the run itself (query, ladder once per combination, order, group);
- orders: 督办〔YYYY〕N号 numbering;
- marks: the bulk writes of steps done, 督办通知单 and their history.
"""

from __future__ import annotations

from ledger.reminders.audience import AUDIENCE, OFFICE_NAME, OFFICE_TAG, group_digests
from ledger.reminders.candidates import candidate_query
from ledger.reminders.due import Digest, DueTask, ReminderPlan
from ledger.reminders.marks import SCHEDULE_ACTOR, record_steps
from ledger.reminders.orders import OrderNumber, allocate_supervision_orders
from ledger.reminders.planning import gc_paused, plan_reminders
from ledger.reminders.rows import TZ, fetch_rows

__all__ = [
    "AUDIENCE",
    "OFFICE_NAME",
    "OFFICE_TAG",
    "SCHEDULE_ACTOR",
    "TZ",
    "Digest",
    "DueTask",
    "OrderNumber",
    "ReminderPlan",
    "allocate_supervision_orders",
    "candidate_query",
    "fetch_rows",
    "gc_paused",
    "group_digests",
    "plan_reminders",
    "record_steps",
]
