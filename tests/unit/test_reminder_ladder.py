"""The reminder ladder (models.reminders), on the real 2026 calendar around 国庆.

2026: 9/25 (中秋) and 10/1-10/7 are holidays, Sunday 9/20 and Saturday 10/10 are 调休 workdays.
A deadline of Friday 10/23 has 10 working days left on Saturday 10/10.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import TaskKind, TaskStatus
from models.reminders import Level, Step, due_step, window_end
from models.rules import Rules
from models.workdays import WorkCalendar

CAL = WorkCalendar()
RULES = Rules()
DEADLINE = date(2026, 10, 23)


def step_on(
    today: date,
    *,
    done: set[str] | None = None,
    deadline: date | None = DEADLINE,
    kind: TaskKind = TaskKind.dated,
    status: TaskStatus = TaskStatus.in_progress,
    last_activity: date | None = None,
    rules: Rules = RULES,
) -> Step | None:
    return due_step(
        kind=kind,
        status=status,
        deadline=deadline,
        today=today,
        calendar=CAL,
        rules=rules,
        done=done or set(),
        last_activity=last_activity,
    )


def test_no_reminder_while_more_than_ten_working_days_are_left() -> None:
    assert step_on(date(2026, 10, 9)) is None


def test_first_reminder_comes_with_ten_working_days_left_even_on_a_make_up_saturday() -> None:
    step = step_on(date(2026, 10, 10))
    assert step == Step(Level.remind, "remind:2026-10-23:10", workdays_left=10)


def test_after_the_first_reminder_nothing_until_three_working_days_are_left() -> None:
    done = {"remind:2026-10-23:10"}
    for day in (date(2026, 10, 12), date(2026, 10, 16), date(2026, 10, 19)):
        assert step_on(day, done=done) is None
    step = step_on(date(2026, 10, 20), done=done)
    assert step is not None and (step.key, step.workdays_left) == ("remind:2026-10-23:3", 3)


def test_a_missed_first_reminder_is_caught_up_by_one_message_for_the_nearer_rung() -> None:
    step = step_on(date(2026, 10, 21))
    assert step is not None
    assert step.key == "remind:2026-10-23:3"
    assert step.covers == ("remind:2026-10-23:10",)
    assert step.keys == ("remind:2026-10-23:3", "remind:2026-10-23:10")


def test_a_task_registered_inside_the_window_gets_the_rung_it_has_reached() -> None:
    step = step_on(date(2026, 10, 8), deadline=date(2026, 10, 14))
    assert step is not None and (step.key, step.workdays_left, step.covers) == (
        "remind:2026-10-14:10",
        5,
        (),
    )


def test_the_deadline_day_itself_still_counts_as_a_reminder_not_an_urge() -> None:
    step = step_on(DEADLINE, done={"remind:2026-10-23:10"})
    assert step is not None and (step.level, step.workdays_left) == (Level.remind, 0)


def test_urge_on_the_first_overdue_working_day_not_on_the_weekend_before_it() -> None:
    done = {"remind:2026-10-23:10", "remind:2026-10-23:3"}
    assert step_on(date(2026, 10, 24), done=done) is None  # Saturday
    assert step_on(date(2026, 10, 25), done=done) is None  # Sunday
    step = step_on(date(2026, 10, 26), done=done)
    assert step == Step(Level.urge, "urge:2026-10-23:1", workdays_overdue=1)


def test_urge_repeats_every_five_working_days_not_every_day() -> None:
    done = {"urge:2026-10-23:1"}
    for day in (date(2026, 10, 27), date(2026, 10, 28), date(2026, 10, 30)):
        assert step_on(day, done=done) is None
    step = step_on(date(2026, 11, 2), done=done)
    assert step is not None and (step.key, step.workdays_overdue) == ("urge:2026-10-23:2", 6)


def test_a_missed_urge_is_sent_once_on_the_next_run_and_the_rhythm_stays_anchored_to_the_deadline() -> (
    None
):
    done = {"urge:2026-10-23:1"}
    step = step_on(date(2026, 11, 4), done=done)  # rung 2 was due on 11/2
    assert step is not None and step.key == "urge:2026-10-23:2"
    done.add(step.key)
    assert step_on(date(2026, 11, 6), done=done) is None
    assert step_on(date(2026, 11, 5), done=done) is None


def test_no_supervision_while_overdue_by_exactly_ten_working_days() -> None:
    done = {"urge:2026-10-23:1", "urge:2026-10-23:2"}
    assert step_on(date(2026, 11, 6), done=done) is None  # 10 working days overdue


def test_supervision_once_overdue_by_more_than_ten_working_days_and_it_settles_that_days_urge() -> (
    None
):
    done = {"urge:2026-10-23:1", "urge:2026-10-23:2"}
    step = step_on(date(2026, 11, 9), done=done)
    assert step == Step(
        Level.supervise,
        "supervise:2026-10-23",
        covers=("urge:2026-10-23:3",),
        workdays_overdue=11,
    )


def test_supervision_is_issued_once_and_urging_continues_afterwards() -> None:
    done = {"urge:2026-10-23:1", "urge:2026-10-23:2", "urge:2026-10-23:3", "supervise:2026-10-23"}
    assert step_on(date(2026, 11, 10), done=done) is None
    assert step_on(date(2026, 11, 13), done=done) is None
    step = step_on(date(2026, 11, 16), done=done)
    assert step is not None and (step.key, step.workdays_overdue) == ("urge:2026-10-23:4", 16)


def test_a_long_missed_run_catches_up_with_the_supervision_alone() -> None:
    step = step_on(date(2026, 11, 20))
    assert step is not None and step.level is Level.supervise
    assert step.covers == ("urge:2026-10-23:4",)


@pytest.mark.parametrize("status", [TaskStatus.closed, TaskStatus.submitted])
def test_closed_tasks_and_tasks_awaiting_review_are_never_reminded(status: TaskStatus) -> None:
    for day in (date(2026, 10, 10), date(2026, 10, 26), date(2026, 11, 20)):
        assert step_on(day, status=status) is None


def test_returned_task_resumes_the_ladder_where_it_stands() -> None:
    step = step_on(date(2026, 10, 27), status=TaskStatus.in_progress)
    assert step is not None and step.key == "urge:2026-10-23:1"


def test_nothing_is_due_on_public_holidays_or_weekends() -> None:
    overdue_since = date(2026, 9, 18)
    for day in [date(2026, 9, 25), *(date(2026, 10, d) for d in range(1, 8)), date(2026, 10, 11)]:
        assert step_on(day, deadline=overdue_since) is None, day


def test_a_deadline_on_a_holiday_is_overdue_from_the_first_working_day_after_it() -> None:
    assert step_on(date(2026, 10, 7), deadline=date(2026, 10, 3)) is None
    step = step_on(date(2026, 10, 8), deadline=date(2026, 10, 3), done={"remind:2026-10-03:3"})
    assert step is not None and (step.key, step.workdays_overdue) == ("urge:2026-10-03:1", 1)


def test_an_approved_extension_starts_the_ladder_afresh_at_the_new_deadline() -> None:
    done = {"remind:2026-10-23:10", "remind:2026-10-23:3"}
    new_deadline = date(2026, 11, 13)
    assert step_on(date(2026, 10, 26), done=done, deadline=new_deadline) is None
    step = step_on(date(2026, 10, 30), done=done, deadline=new_deadline)
    assert step is not None and (step.key, step.workdays_left) == ("remind:2026-11-13:10", 10)


def test_ongoing_task_is_reminded_after_thirty_days_without_progress() -> None:
    kw = {"kind": TaskKind.ongoing, "deadline": None}
    assert step_on(date(2026, 10, 9), last_activity=date(2026, 9, 10), **kw) is None  # 29 days
    step = step_on(date(2026, 10, 10), last_activity=date(2026, 9, 10), **kw)
    assert step == Step(Level.ongoing, "ongoing:2026-09-10", silent_days=30)


def test_ongoing_reminder_is_sent_once_per_silence_and_again_after_new_progress_goes_silent() -> (
    None
):
    kw = {"kind": TaskKind.ongoing, "deadline": None}
    done = {"ongoing:2026-09-10"}
    assert step_on(date(2026, 11, 13), last_activity=date(2026, 9, 10), done=done, **kw) is None
    step = step_on(date(2026, 11, 13), last_activity=date(2026, 10, 12), done=done, **kw)
    assert step is not None and step.key == "ongoing:2026-10-12"


def test_ongoing_reminder_waits_for_a_working_day() -> None:
    kw = {"kind": TaskKind.ongoing, "deadline": None}
    assert step_on(date(2026, 10, 4), last_activity=date(2026, 8, 1), **kw) is None


def test_every_number_of_the_ladder_is_configurable() -> None:
    rules = Rules(remind_workdays=(5,), urge_every_workdays=2, supervise_after_workdays=3)
    assert step_on(date(2026, 10, 15), rules=rules) is None  # 6 left
    step = step_on(date(2026, 10, 16), rules=rules)
    assert step is not None and step.key == "remind:2026-10-23:5"
    step = step_on(date(2026, 10, 28), rules=rules, done={"urge:2026-10-23:1"})
    assert step is not None and step.key == "urge:2026-10-23:2"  # 3 working days overdue
    step = step_on(date(2026, 10, 29), rules=rules, done={"urge:2026-10-23:1", "urge:2026-10-23:2"})
    assert step is not None and step.key == "supervise:2026-10-23"


def test_the_planning_window_covers_every_deadline_with_ten_working_days_left_or_fewer() -> None:
    today = date(2026, 10, 10)
    end = window_end(today, CAL, RULES)
    assert end == date(2026, 10, 25)  # the weekend after Friday 10/23 still has 10 left
    assert step_on(today, deadline=end) is not None
    assert step_on(today, deadline=end + timedelta(days=1)) is None


@settings(max_examples=60, deadline=None)
@given(
    deadline=st.dates(min_value=date(2026, 1, 10), max_value=date(2026, 11, 30)),
    start_offset=st.integers(min_value=-40, max_value=5),
    skip=st.sets(st.integers(min_value=0, max_value=60), max_size=20),
)
def test_a_daily_walk_sends_each_step_once_only_on_working_days_and_urges_on_the_first_overdue_run(
    deadline: date, start_offset: int, skip: set[int]
) -> None:
    done: set[str] = set()
    sent: list[tuple[date, Step]] = []
    first = deadline + timedelta(days=start_offset)
    for i in range(61):
        day = first + timedelta(days=i)
        if i in skip or day.year > 2026:  # the job did not run that day
            continue
        step = step_on(day, done=done, deadline=deadline)
        if step is None:
            continue
        assert CAL.is_workday(day)
        assert not set(step.keys) & done, "a step was sent twice"
        done.update(step.keys)
        sent.append((day, step))
    levels = [s.level for _, s in sent]
    assert levels.count(Level.supervise) <= 1
    overdue = [(d, s) for d, s in sent if d > deadline]
    if overdue:
        assert overdue[0][1].level in (Level.urge, Level.supervise)
    # at most one step per run, and steps never go back down the ladder
    order = {Level.remind: 0, Level.urge: 1, Level.supervise: 1}
    assert [order[lv] for lv in levels] == sorted(order[lv] for lv in levels)
