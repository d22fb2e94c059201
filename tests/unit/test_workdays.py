"""Working days: chinese-calendar where it knows the year, the `holidays` package beyond (then
Monday to Friday), the office's file for 调休 and corrections on top."""

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


def test_2027_public_holidays_come_from_the_holidays_package_and_the_source_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="models.workdays"):
        assert not cal.is_workday(date(2027, 2, 8))  # Monday of 春节 2027
        assert not cal.is_workday(date(2027, 10, 4))  # 国庆 2027, a Monday
        assert not cal.is_workday(date(2027, 1, 1))  # 元旦, a Friday
        assert cal.is_workday(date(2027, 3, 1))  # an ordinary Monday
        assert cal.add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 11)
    logged = [r.getMessage() for r in caplog.records if "2027" in r.getMessage()]
    assert len(logged) == 1 and "holidays 软件包" in logged[0] and "调休" in logged[0]
    assert cal.source(2027) == "holidays" and cal.source(2026) == "chinese-calendar"


def test_the_office_file_adds_the_2027_make_up_days_and_corrections_to_the_package(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "holidays.toml"
    # 2027-02-20 a make-up Saturday; 2027-02-11 a holiday the package does not list;
    # 2027-06-09 (端午 in the package) corrected to a workday.
    f.write_text(
        '[2027]\nholidays = ["2027-02-11"]\nworkdays = ["2027-02-20", "2027-06-09"]\n',
        encoding="utf-8",
    )
    cal = WorkCalendar(f)
    with caplog.at_level(logging.WARNING, logger="models.workdays"):
        assert not cal.is_workday(date(2027, 2, 8))  # still the package's 春节
        assert not cal.is_workday(date(2027, 2, 11))
        assert cal.is_workday(date(2027, 2, 20))
        assert cal.is_workday(date(2027, 6, 9))
    [logged] = [r.getMessage() for r in caplog.records if "2027" in r.getMessage()]
    assert "holidays 软件包" in logged and str(f) in logged


def test_without_any_source_a_year_is_monday_to_friday_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import models.workdays as workdays

    # A machine without the `holidays` package: nothing but Monday to Friday is known.
    monkeypatch.setattr(workdays, "package_holidays", lambda year, cache_dir=None: set())
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="models.workdays"):
        assert cal.is_workday(date(2027, 2, 8))
        assert not cal.is_workday(date(2027, 2, 6))
        cal.is_workday(date(2027, 2, 9))
    logged = [r.getMessage() for r in caplog.records if "2027" in r.getMessage()]
    assert len(logged) == 1 and "周一至周五" in logged[0]
