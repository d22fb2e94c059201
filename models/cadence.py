"""The reporting cadence (报送周期): how often a unit reports progress on a task, and which
report is due when. Pure: no database, no clock; `calendar` moves a due day off holidays.

A cadence is stored as a short spec and shown in words:
    weekly:1 .. weekly:7   每周一 .. 每周日       the period is the ISO week (Monday to Sunday)
    monthly:1 .. monthly:31 每月1日 .. 每月31日  the period is the month (31: its last day)
    quarterly:1 .. :31     每季度(首月N日)        the period is the quarter; due on day N of
                                                   its first month (每季度 alone: the 1st)
    none                   不定期报送              no report is due on a rhythm
A task without one takes its round's; a round without one takes rectify.toml's
`[rules] report_cadence` (models.rules.Rules), whose default is none.

The due day of a period is the nominal day moved to the next working day when it falls on a
weekend or public holiday; a period whose moved due day leaves the period (a week of
holidays) asks for no report of its own, the next period's report covers it.
"""

from __future__ import annotations

import calendar as _months
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from models.rules import RuleError

WEEKDAYS = "一二三四五六日"
NONE = "none"
KINDS = ("weekly", "monthly", "quarterly")


class Workdays(Protocol):
    def is_workday(self, day: date) -> bool: ...


@dataclass(frozen=True, slots=True)
class Cadence:
    kind: str  # weekly / monthly / quarterly / none
    day: int = 0  # weekday 1-7 (Monday 1), or the day of the month 1-31

    @property
    def spec(self) -> str:
        return NONE if self.kind == NONE else f"{self.kind}:{self.day}"

    @property
    def label(self) -> str:
        if self.kind == "weekly":
            return f"每周{WEEKDAYS[self.day - 1]}"
        if self.kind == "monthly":
            return f"每月{self.day}日"
        if self.kind == "quarterly":
            return "每季度" if self.day == 1 else f"每季度(首月{self.day}日)"
        return "不定期报送"

    @property
    def is_none(self) -> bool:
        return self.kind == NONE


NO_CADENCE = Cadence(NONE)

_CN_NUMBER = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_LABEL_PATTERNS = (
    (re.compile(r"^每周(?:星期)?([一二三四五六日天])$"), "weekly"),
    (re.compile(r"^每月(\d{1,2})[日号]?$"), "monthly"),
    (re.compile(r"^每季度?(?:\(?首月(\d{1,2})[日号]?\)?)?$"), "quarterly"),
)


def parse_cadence(text: str | None, *, field: str = "report_cadence") -> Cadence:
    """A cadence from its spec (weekly:1) or its words (每周一, 每月15日, 每季度, 不定期);
    an empty text is none. Anything else is a RuleError naming the value and the forms."""
    value = (text or "").strip().replace("(", "(").replace(")", ")")
    if value in ("", NONE, "无", "不定期", "不定期报送", "不报送"):
        return NO_CADENCE
    kind, _, day = value.partition(":")
    if kind in KINDS and day.isdigit():
        return _checked(kind, int(day), text or "", field)
    if kind == "quarterly" and not day:
        return Cadence("quarterly", 1)
    for pattern, kind in _LABEL_PATTERNS:
        m = pattern.match(value)
        if m:
            if kind == "weekly":
                return Cadence(
                    "weekly", 7 if m.group(1) in "日天" else WEEKDAYS.index(m.group(1)) + 1
                )
            return _checked(kind, int(m.group(1) or 1), text or "", field)
    raise RuleError(
        f"报送周期“{text}”无法识别,请写成 每周一(至每周日)、每月15日、每季度 或 不定期",
        field=field,
    )


def _checked(kind: str, day: int, text: str, field: str) -> Cadence:
    top = 7 if kind == "weekly" else 31
    if not 1 <= day <= top:
        raise RuleError(f"报送周期“{text}”的日期应在1至{top}之间", field=field)
    return Cadence(kind, day)


def effective_cadence(task_spec: str | None, round_spec: str | None, default: str) -> Cadence:
    """The task's own cadence, else its round's, else the configured default."""
    for spec in (task_spec, round_spec):
        if spec:
            return parse_cadence(spec)
    return parse_cadence(default)


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """One period of a cadence: its days [start, end] and the working day the report is due."""

    key: str  # the outbox period, e.g. 2026-W49/weekly:1, 2026-12/monthly:15, 2026-Q4/quarterly:1
    label: str  # 2026年第49周, 2026年12月, 2026年第四季度
    start: date
    end: date
    due: date | None  # None: the moved due day left the period (no report of its own)


def _next_workday(day: date, calendar: Workdays) -> date:
    for _ in range(60):  # no holiday run is longer than a few weeks
        if calendar.is_workday(day):
            return day
        day += timedelta(days=1)
    return day


def period_of(cadence: Cadence, day: date, calendar: Workdays) -> ReportPeriod | None:
    """The period of `cadence` holding `day` (None for no cadence)."""
    if cadence.is_none:
        return None
    if cadence.kind == "weekly":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        nominal = start + timedelta(days=cadence.day - 1)
        year, week, _ = day.isocalendar()
        key, label = f"{year}-W{week:02d}", f"{year}年第{week}周"
    elif cadence.kind == "monthly":
        start = day.replace(day=1)
        last = _months.monthrange(day.year, day.month)[1]
        end = day.replace(day=last)
        nominal = day.replace(day=min(cadence.day, last))
        key, label = f"{day.year}-{day.month:02d}", f"{day.year}年{day.month}月"
    else:
        quarter = (day.month - 1) // 3
        start = date(day.year, quarter * 3 + 1, 1)
        end_month = quarter * 3 + 3
        end = date(day.year, end_month, _months.monthrange(day.year, end_month)[1])
        first_month_days = _months.monthrange(day.year, start.month)[1]
        nominal = start.replace(day=min(cadence.day, first_month_days))
        key, label = f"{day.year}-Q{quarter + 1}", f"{day.year}年第{'一二三四'[quarter]}季度"
    due = _next_workday(nominal, calendar)
    return ReportPeriod(f"{key}/{cadence.spec}", label, start, end, due if due <= end else None)


def is_report_due(
    period: ReportPeriod | None,
    *,
    today: date,
    registered_on: date,
    last_report_on: date | None,
) -> bool:
    """A task is due a 进展报送提醒 when its period's due day has come, it was registered by
    then, and nothing was reported on it since the period began."""
    if period is None or period.due is None or today < period.due:
        return False
    if registered_on > period.due:
        return False  # registered after this period's due day: its first report is the next
    return last_report_on is None or last_report_on < period.start


def last_elapsed_period(cadence: Cadence, as_of: date, calendar: Workdays) -> ReportPeriod | None:
    """The latest period whose due day is over by `as_of` (the weekly's 未按时报送 asks about it):
    this period when its due day is before as_of, else the one before, and so on back."""
    if cadence.is_none:
        return None
    day = as_of
    for _ in range(4):  # a period without a due day of its own is skipped, never more than one
        period = period_of(cadence, day, calendar)
        assert period is not None
        if period.due is not None and period.due < as_of:
            return period
        day = period.start - timedelta(days=1)
    return None


def is_reported_late(
    period: ReportPeriod | None, *, registered_on: date, reports_on: list[date]
) -> bool:
    """未按时报送: registered by the due day, and no report in [period start, due day]."""
    if period is None or period.due is None or registered_on > period.due:
        return False
    return not any(period.start <= d <= period.due for d in reports_on)
