"""整改时限 as offices write them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.importing.deadlines import Deadline, DeadlinePhraseError, parse_deadline, parse_kind
from models.enums import TaskKind

FEEDBACK = date(2026, 10, 15)
DATED = TaskKind.dated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.12.20", date(2026, 12, 20)),
        ("2026年12月31日", date(2026, 12, 31)),
        ("2026年12月31日前", date(2026, 12, 31)),
        ("2027年2月28日前", date(2027, 2, 28)),
        ("2026年12月底", date(2026, 12, 31)),
        ("2027年2月底前", date(2027, 2, 28)),
        ("2026年12月", date(2026, 12, 31)),
        ("2027年一季度", date(2027, 3, 31)),
        ("2027年第二季度", date(2027, 6, 30)),
        ("2027年上半年", date(2027, 6, 30)),
        ("2027年下半年", date(2027, 12, 31)),
        ("2027年底", date(2027, 12, 31)),
        ("2027年年底前", date(2027, 12, 31)),
        ("20261231", date(2026, 12, 31)),
        ("２０２６年１２月３１日", date(2026, 12, 31)),  # full-width digits
        (" 2026 年 12 月 31 日 ", date(2026, 12, 31)),
        ("2026年6月底前取得阶段性成效,2026年12月底前全面完成", date(2026, 12, 31)),
    ],
)
def test_written_dates_become_dated_deadlines(text: str, expected: date) -> None:
    assert parse_deadline(text, feedback_date=FEEDBACK) == Deadline(DATED, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月底", date(2026, 12, 31)),  # after the feedback in October: this year
        ("3月底", date(2027, 3, 31)),  # March has passed: next year
        ("10月底", date(2026, 10, 31)),
        ("12月20日", date(2026, 12, 20)),
        ("一季度", date(2027, 3, 31)),
        ("四季度", date(2026, 12, 31)),
        ("上半年", date(2027, 6, 30)),
        ("年底", date(2026, 12, 31)),
        ("年底前", date(2026, 12, 31)),
    ],
)
def test_phrases_without_a_year_take_the_next_such_day_after_feedback(
    text: str, expected: date
) -> None:
    assert parse_deadline(text, feedback_date=FEEDBACK) == Deadline(DATED, expected)


def test_immediate_without_a_date_leaves_the_date_to_the_working_day_rule() -> None:
    assert parse_deadline("立行立改", feedback_date=FEEDBACK) == Deadline(TaskKind.immediate, None)


def test_immediate_with_a_date_keeps_it() -> None:
    assert parse_deadline("立行立改,2026年11月30日前", feedback_date=FEEDBACK) == Deadline(
        TaskKind.immediate, date(2026, 11, 30)
    )


@pytest.mark.parametrize("text", ["长期坚持", "持续整改", "常态化推进", "长期"])
def test_ongoing_words_have_no_deadline(text: str) -> None:
    assert parse_deadline(text, feedback_date=FEEDBACK) == Deadline(TaskKind.ongoing, None)


def test_date_cells_are_taken_as_they_are() -> None:
    assert parse_deadline(date(2027, 1, 15), feedback_date=FEEDBACK).date == date(2027, 1, 15)
    assert parse_deadline(datetime(2027, 1, 15, 0, 0), feedback_date=FEEDBACK).date == date(
        2027, 1, 15
    )


def test_a_date_cell_that_lost_its_format_is_read_as_an_excel_serial() -> None:
    assert parse_deadline(46387, feedback_date=FEEDBACK).date == date(2026, 12, 31)


@pytest.mark.parametrize(
    "text", ["尽快", "完成", "待定", "2026年13月", "明年", "按上级要求", "12", "", "   "]
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(DeadlinePhraseError):
        parse_deadline(text, feedback_date=FEEDBACK)


def test_an_impossible_day_is_refused_as_not_a_date() -> None:
    with pytest.raises(DeadlinePhraseError, match="日期不存在"):
        parse_deadline("2027年2月30日", feedback_date=FEEDBACK)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("立行立改", TaskKind.immediate),
        ("限期整改", TaskKind.dated),
        ("长期坚持", TaskKind.ongoing),
        ("其他", None),
    ],
)
def test_the_kind_column_is_read_by_its_words(text: str, kind: TaskKind | None) -> None:
    assert parse_kind(text) is kind
