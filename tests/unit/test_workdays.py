"""Working days: chinese-calendar where it knows the year, Monday-Friday plus the office's file beyond."""

import logging
from datetime import date
from pathlib import Path

import pytest

from models.workdays import HolidayFileError, WorkCalendar


def test_a_make_up_saturday_counts_as_a_workday_and_a_holiday_does_not():
    cal = WorkCalendar()
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, 调休 before 春节
    assert not cal.is_workday(date(2026, 10, 1))  # 国庆
    assert not cal.is_workday(date(2026, 12, 5))  # an ordinary Saturday


def test_adding_workdays_skips_the_national_day_holiday():
    cal = WorkCalendar()
    # 2026-09-30 is a Wednesday; 10-01..10-07 is the holiday.
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_workdays_between_counts_the_days_after_start_up_to_end():
    cal = WorkCalendar()
    assert cal.workdays_between(date(2026, 11, 30), date(2026, 12, 4)) == 4  # Tue..Fri
    assert cal.workdays_between(date(2026, 12, 4), date(2026, 11, 30)) == -4
    assert cal.workdays_between(date(2026, 12, 4), date(2026, 12, 4)) == 0


def test_an_unknown_year_falls_back_to_monday_to_friday_and_says_so_once(caplog):
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="models.workdays"):
        assert cal.is_workday(date(2027, 3, 1))  # Monday
        assert not cal.is_workday(date(2027, 3, 6))  # Saturday
        cal.is_workday(date(2027, 3, 8))
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1


def test_the_office_holiday_file_gives_holidays_and_make_up_days_for_a_new_year(tmp_path: Path):
    f = tmp_path / "holidays.toml"
    f.write_text(
        '[2027]\nholidays = ["2027-01-01", "2027-02-06..2027-02-12"]\nworkdays = ["2027-02-13"]\n',
        encoding="utf-8",
    )
    cal = WorkCalendar(f)
    assert not cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 2, 8))  # Monday inside the holiday range
    assert cal.is_workday(date(2027, 2, 13))  # Saturday make-up day
    assert cal.add_workdays(date(2027, 2, 5), 1) == date(2027, 2, 13)


def test_a_bad_holiday_file_gives_a_chinese_message_naming_the_value(tmp_path: Path):
    f = tmp_path / "holidays.toml"
    f.write_text('[2027]\nholidays = ["2027-13-01"]\n', encoding="utf-8")
    with pytest.raises(HolidayFileError, match="2027-13-01"):
        WorkCalendar(f)
