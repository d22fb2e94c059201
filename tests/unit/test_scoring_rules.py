"""The 考核 rule's arithmetic (models.scoring): periods, overdue working days, missed reports."""

from __future__ import annotations

from datetime import date

import pytest

from models.enums import TaskStatus
from models.rules import RuleError
from models.scoring import (
    ScoringRules,
    StatusSpan,
    competition_ranks,
    final_score,
    missed_report_days,
    overdue_workdays,
    parse_period,
    period_of,
    scoring_rules_from,
)


class Weekdays:
    """Monday to Friday, enough for the arithmetic (the real calendar is tested elsewhere)."""

    def workdays_between(self, start: date, end: date) -> int:
        return sum(
            1
            for o in range(start.toordinal() + 1, end.toordinal() + 1)
            if date.fromordinal(o).weekday() < 5
        )


P, W, S, C = TaskStatus.pending, TaskStatus.in_progress, TaskStatus.submitted, TaskStatus.closed


def test_a_month_and_a_quarter_are_read_from_their_keys() -> None:
    nov = parse_period("2026-11")
    assert (nov.key, nov.start, nov.end, nov.label) == (
        "2026-11",
        date(2026, 11, 1),
        date(2026, 11, 30),
        "2026年11月",
    )
    q4 = parse_period("2026-q4")
    assert (q4.key, q4.start, q4.end, q4.label) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2026年第4季度",
    )
    assert parse_period("2026-12").end == date(2026, 12, 31)
    assert period_of(date(2026, 2, 14), "quarter").key == "2026-Q1"


@pytest.mark.parametrize("text", ["2026-13", "2026/11", "Q4", "2026-Q5", ""])
def test_a_period_that_is_neither_a_month_nor_a_quarter_is_refused_with_the_forms(
    text: str,
) -> None:
    with pytest.raises(RuleError, match="2026-Q4") as err:
        parse_period(text)
    assert err.value.field == "period"


def test_overdue_days_count_only_working_days_the_unit_still_had_the_task() -> None:
    # Due Tue 10 Nov; 整改中 from 2 Nov, 待销号 on Fri 13 Nov, 整改中 again (退回) on Wed 18 Nov.
    spans = [
        StatusSpan(date(2026, 10, 15), P),
        StatusSpan(date(2026, 11, 2), W),
        StatusSpan(date(2026, 11, 13), S),
        StatusSpan(date(2026, 11, 18), W),
    ]
    days = overdue_workdays(
        deadline=date(2026, 11, 10),
        spans=spans,
        first=date(2026, 11, 1),
        last=date(2026, 11, 20),
        calendar=Weekdays(),
    )
    assert days == 2 + 3  # 11, 12 Nov; then 18, 19, 20 Nov


def test_a_task_closed_on_time_or_due_after_the_period_is_never_overdue() -> None:
    spans = [StatusSpan(date(2026, 10, 15), W), StatusSpan(date(2026, 11, 9), C)]
    args = {"first": date(2026, 11, 1), "last": date(2026, 11, 30), "calendar": Weekdays()}
    assert overdue_workdays(deadline=date(2026, 11, 10), spans=spans, **args) == 0
    assert overdue_workdays(deadline=date(2026, 12, 31), spans=spans[:1], **args) == 0


def test_a_silent_ongoing_task_misses_one_report_per_full_silence_inside_the_period() -> None:
    spans = [StatusSpan(date(2026, 9, 1), W)]
    missed = missed_report_days(
        activity=[date(2026, 9, 1), date(2026, 9, 20)],
        spans=spans,
        silence_days=30,
        first=date(2026, 10, 1),
        last=date(2026, 12, 31),
    )
    assert missed == [date(2026, 10, 20), date(2026, 11, 19), date(2026, 12, 19)]


def test_a_report_on_the_day_the_silence_ends_is_on_time() -> None:
    missed = missed_report_days(
        activity=[date(2026, 10, 1), date(2026, 10, 31)],
        spans=[StatusSpan(date(2026, 10, 1), W)],
        silence_days=30,
        first=date(2026, 10, 1),
        last=date(2026, 11, 29),
    )
    assert missed == []


def test_the_score_never_falls_below_the_floor_and_equal_scores_share_a_rank() -> None:
    rules = ScoringRules(start=10, floor=0)
    assert final_score(rules, [-4, -3.5]) == 2.5
    assert final_score(rules, [-40]) == 0
    assert competition_ranks([101, 95, 95, 90]) == [1, 2, 2, 4]


def test_the_scoring_table_names_what_it_cannot_use() -> None:
    assert scoring_rules_from({"returned": 5, "period": "quarter"}, "x").returned == 5.0
    with pytest.raises(RuleError, match="penalty"):
        scoring_rules_from({"penalty": 1}, "配置文件 x")
    with pytest.raises(RuleError, match="quarter"):
        scoring_rules_from({"period": "week"}, "配置文件 x")
    with pytest.raises(RuleError, match="不小于 0"):
        scoring_rules_from({"returned": -1}, "配置文件 x")
