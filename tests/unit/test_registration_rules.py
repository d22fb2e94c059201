"""The rules registration and the import share (models.rules), pinned without a database."""

from __future__ import annotations

from datetime import date

from models.rules import is_before_feedback, next_task_code


def test_a_problems_next_measure_follows_the_highest_number_under_it():
    assert next_task_code(3, []) == "3.1"
    assert next_task_code(3, ["3.1", "3.2"]) == "3.3"
    assert next_task_code(3, ["3.1", "3.4", "3.2"]) == "3.5"


def test_a_code_written_another_way_does_not_count():
    assert next_task_code(2, ["2.1", "补充措施", "2.x"]) == "2.2"


def test_a_deadline_before_the_feedback_date_is_caught_and_an_unknown_feedback_checks_nothing():
    feedback = date(2026, 10, 15)
    assert is_before_feedback(date(2026, 10, 14), feedback)
    assert not is_before_feedback(date(2026, 10, 15), feedback)
    assert not is_before_feedback(None, feedback)
    assert not is_before_feedback(date(2020, 1, 1), None)
