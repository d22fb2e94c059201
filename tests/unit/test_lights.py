"""Lights are derived from deadline, as-of date and thresholds."""

from datetime import date

import pytest

from models.enums import Light, TaskKind, TaskStatus
from models.rules import Rules, days_left, light_of

TODAY = date(2026, 12, 1)
RULES = Rules()


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (date(2026, 12, 12), Light.green),  # 11 days left
        (date(2026, 12, 11), Light.yellow),  # exactly 10 days left
        (date(2026, 12, 1), Light.yellow),  # due today is not yet overdue
        (date(2026, 11, 30), Light.red),  # one day past
    ],
)
def test_a_dated_task_is_green_then_yellow_within_ten_days_then_red_when_overdue(
    deadline, expected
):
    light = light_of(
        kind=TaskKind.dated,
        status=TaskStatus.in_progress,
        deadline=deadline,
        today=TODAY,
        rules=RULES,
    )
    assert light is expected


def test_an_ongoing_task_is_blue_and_never_red():
    light = light_of(
        kind=TaskKind.ongoing,
        status=TaskStatus.in_progress,
        deadline=None,
        today=date(2030, 1, 1),
        rules=RULES,
    )
    assert light is Light.blue


def test_a_closed_task_is_done_even_when_its_deadline_passed():
    light = light_of(
        kind=TaskKind.dated,
        status=TaskStatus.closed,
        deadline=date(2020, 1, 1),
        today=TODAY,
        rules=RULES,
    )
    assert light is Light.done


def test_the_yellow_threshold_is_configurable():
    rules = Rules(yellow_days=3)
    assert (
        light_of(
            kind=TaskKind.dated,
            status=TaskStatus.pending,
            deadline=date(2026, 12, 5),
            today=TODAY,
            rules=rules,
        )
        is Light.green
    )
    assert (
        light_of(
            kind=TaskKind.dated,
            status=TaskStatus.pending,
            deadline=date(2026, 12, 4),
            today=TODAY,
            rules=rules,
        )
        is Light.yellow
    )


def test_days_left_is_negative_when_overdue_and_none_without_deadline():
    assert days_left(date(2026, 11, 28), TODAY) == -3
    assert days_left(date(2026, 12, 4), TODAY) == 3
    assert days_left(None, TODAY) is None
