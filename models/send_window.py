"""When a notice may be sent: the office's hours on working days (quiet hours). Pure.

rectify.toml's `[notify] send_from` / `send_until` (e.g. "08:00" and "20:00", Asia/Shanghai)
bound the hours; non-working days (the working-day calendar, 调休 included) are quiet all
day. A notice written at a quiet time gets the next allowed moment as its not-before time
(Notice.next_attempt_at), and delivery claims nothing while it is quiet, so a back-off or a
requeue that falls into the night waits too.

No kind is exempt, 督办 included: its 督办通知单 counts the reply due in working days from
the day it is issued, so a 督办 sent at 23:00 or on a Saturday gains nothing over one sent at
08:00 on the next working day, and domain.md's rule is "nothing on non-working days".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from models.office import TZ


class Workdays(Protocol):
    def is_workday(self, day: date) -> bool: ...


@dataclass(frozen=True)
class SendWindow:
    """The allowed hours, [start, end) local time, on working days. None: any time."""

    start: time | None = None
    end: time | None = None

    @property
    def is_open_always(self) -> bool:
        return self.start is None or self.end is None

    def allows(self, now: datetime, calendar: Workdays) -> bool:
        return self.next_allowed(now, calendar) == now

    def next_allowed(self, now: datetime, calendar: Workdays) -> datetime:
        """`now` itself when a notice may go now, else the start of the next allowed hours
        (in UTC, as the outbox stores times)."""
        if self.is_open_always:
            return now
        assert self.start is not None and self.end is not None
        local = now.astimezone(TZ)
        day = local.date()
        if calendar.is_workday(day) and self.start <= local.time() < self.end:
            return now
        if not (calendar.is_workday(day) and local.time() < self.start):
            day += timedelta(days=1)
        # A calendar year runs out of working days never; a month of holidays is the most seen.
        for _ in range(366):
            if calendar.is_workday(day):
                return datetime.combine(day, self.start, TZ).astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError(f"{local.date().isoformat()} 之后一年内没有工作日,请检查节假日文件")


def parse_clock(value: str) -> time:
    """ "08:00" -> time(8, 0); ValueError on anything else."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(value)
    return time(int(hours), int(minutes))


def quiet_words(moment: datetime) -> str:
    """2026年12月2日8:00, local time: when a deferred notice goes out."""
    local = moment.astimezone(TZ)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}:{local.minute:02d}"
