"""Quiet hours: when a notice may be sent (models.send_window) and how rectify.toml sets them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.send_window import SendWindow, quiet_words
from models.settings import SettingsError, load_settings
from models.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
OFFICE_HOURS = SendWindow(time(8), time(20))
CALENDAR = WorkCalendar()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def test_a_notice_written_in_office_hours_on_a_working_day_goes_at_once() -> None:
    now = local(date(2026, 12, 1), 9, 30)  # a Tuesday
    assert OFFICE_HOURS.next_allowed(now, CALENDAR) == now


def test_a_notice_written_on_friday_night_waits_for_monday_at_eight() -> None:
    friday_night = local(date(2026, 12, 4), 21, 15)
    assert OFFICE_HOURS.next_allowed(friday_night, CALENDAR) == local(date(2026, 12, 7), 8)


def test_a_notice_written_before_eight_on_a_working_day_goes_at_eight_that_day() -> None:
    early = local(date(2026, 12, 2), 6, 45)
    assert OFFICE_HOURS.next_allowed(early, CALENDAR) == local(date(2026, 12, 2), 8)


def test_the_end_of_the_window_is_already_quiet() -> None:
    at_eight_pm = local(date(2026, 12, 1), 20)
    assert OFFICE_HOURS.next_allowed(at_eight_pm, CALENDAR) == local(date(2026, 12, 2), 8)


def test_the_national_day_holiday_is_quiet_all_day_and_the_makeup_saturday_is_not() -> None:
    # 2026: 10月1日-7日 holidays; Saturday 10月10日 is a make-up working day (调休).
    assert OFFICE_HOURS.next_allowed(local(date(2026, 10, 2), 10), CALENDAR) == local(
        date(2026, 10, 8), 8
    )
    makeup = local(date(2026, 10, 10), 10)
    assert OFFICE_HOURS.allows(makeup, CALENDAR)


def test_without_hours_configured_any_time_is_allowed() -> None:
    sunday_night = local(date(2026, 12, 6), 23)
    assert SendWindow().next_allowed(sunday_night, CALENDAR) == sunday_night


def test_the_deferral_is_told_in_local_time() -> None:
    assert quiet_words(local(date(2026, 12, 7), 8)) == "2026年12月7日8:00"


def _settings_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notify: str) -> object:
    config = tmp_path / "rectify.toml"
    config.write_text(f"[notify]\n{notify}\n", encoding="utf-8")
    monkeypatch.setenv("RECTIFY_CONFIG", str(config))
    return load_settings()


def test_rectify_toml_sets_the_hours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings_with(tmp_path, monkeypatch, 'send_from = "08:00"\nsend_until = "20:00"')
    notify = settings.notify  # type: ignore[attr-defined]
    assert notify.send_window == OFFICE_HOURS


@pytest.mark.parametrize(
    ("notify", "words"),
    [
        ('send_from = "8点"\nsend_until = "20:00"', "不是时刻"),
        ('send_from = "08:00"', "须同时填写"),
        ('send_from = "20:00"\nsend_until = "08:00"', "须早于"),
        ("send_from = 8\nsend_until = 20", "类型不对"),
        ("claim_batch = 0", "正整数"),
        ("daily_cap = -1", "非负整数"),
    ],
)
def test_a_wrong_quiet_hours_setting_names_the_item_and_what_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notify: str, words: str
) -> None:
    with pytest.raises(SettingsError, match=words) as caught:
        _settings_with(tmp_path, monkeypatch, notify)
    assert "[notify]" in str(caught.value)
