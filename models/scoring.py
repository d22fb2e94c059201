"""单位考核: the scoring rule an office configures, and its pure arithmetic.

No database, no clock: ledger.scoring reads the tasks and their history and hands the facts
to these functions, so the rule is pinned by unit tests and the ledger only gathers.

A period is a month ("2026-11") or a quarter ("2026-Q4"). Each unit starts the period at
`start` points; within the period it loses points for every overdue working day of a task
it leads, every 退回, every missed report and every 督办, and gains points for every task
closed before its deadline. The score never goes below `floor`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Protocol

from models.enums import TaskStatus
from models.rules import RuleError

PERIOD_KINDS = ("month", "quarter")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


@dataclass(frozen=True)
class ScoringRules:
    """rectify.toml's [scoring] table: every number of the 考核 rule."""

    start: float = 100.0  # points at the start of each period
    overdue_workday: float = 0.5  # per working day a task the unit leads is overdue
    returned: float = 2.0  # per 退回 of a closure request
    # per report not made on time: a 报送周期 period's due day passed without the lead unit's
    # report, or (a 长期坚持 task on no cadence) silent past Rules.ongoing_silence_days
    missed_report: float = 1.0
    supervised: float = 3.0  # per 督办通知单
    early_close: float = 1.0  # bonus per task closed before its deadline
    floor: float = 0.0  # a score never falls below this
    period: str = "month"  # month or quarter: the period a plain `rectify score` means

    def as_json(self) -> dict[str, float | str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def scoring_rules_from(table: dict[str, object], where: str) -> ScoringRules:
    """The [scoring] table, checked: unknown names and wrong types are named, not ignored."""
    known = {f.name for f in fields(ScoringRules)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise RuleError(
            f"{where} 的 [scoring] 中有无法识别的项:{'、'.join(unknown)};可用项:{'、'.join(sorted(known))}"
        )
    values: dict[str, object] = {}
    for name, value in table.items():
        if name == "period":
            if value not in PERIOD_KINDS:
                raise RuleError(
                    f"{where} 的 [scoring] period 值“{value}”无法识别,应为 month(按月)或 quarter(按季度)"
                )
            values[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RuleError(f"{where} 的 [scoring] {name} 须为不小于 0 的数,现为“{value}”")
        values[name] = float(value)
    return ScoringRules(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Period:
    """A 考核 period: its key as typed ("2026-11", "2026-Q4") and its first and last day."""

    key: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if "Q" in self.key:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年{self.start.month}月"


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_period(text: str) -> Period:
    """A period from its key: 2026-11 (a month) or 2026-Q4 (a quarter)."""
    value = text.strip()
    month = _MONTH.match(value)
    if month and 1 <= int(month.group(2)) <= 12:
        year, m = int(month.group(1)), int(month.group(2))
        return Period(f"{year:04d}-{m:02d}", date(year, m, 1), _month_end(year, m))
    quarter = _QUARTER.match(value)
    if quarter:
        year, q = int(quarter.group(1)), int(quarter.group(2))
        first = 3 * (q - 1) + 1
        return Period(f"{year:04d}-Q{q}", date(year, first, 1), _month_end(year, first + 2))
    raise RuleError(
        f"考核周期“{text}”无法识别,请写成 2026-11(按月)或 2026-Q4(按季度)", field="period"
    )


def period_of(day: date, kind: str) -> Period:
    """The period of the configured kind that holds `day`."""
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month}")


class Calendar(Protocol):
    def workdays_between(self, start: date, end: date) -> int: ...

    def is_workday(self, day: date) -> bool: ...


# The statuses a unit is still working in: awaiting the office's review (待销号) is the
# office's time, not the unit's, exactly as the reminder ladder pauses then.
WORKING = frozenset({TaskStatus.pending, TaskStatus.in_progress})


@dataclass(frozen=True)
class StatusSpan:
    """A task's status from `since` (a day, the change's local date) until the next span."""

    since: date
    status: TaskStatus


def status_on(spans: Sequence[StatusSpan], day: date) -> TaskStatus | None:
    """The status at the end of `day` (None: not registered yet)."""
    current: TaskStatus | None = None
    for span in spans:
        if span.since > day:
            break
        current = span.status
    return current


def overdue_workdays(
    *,
    deadline: date,
    spans: Sequence[StatusSpan],
    first: date,
    last: date,
    calendar: Calendar,
) -> int:
    """Working days in [first, last] past the deadline on which the unit still had the task
    (待整改 or 整改中 at the end of the day)."""
    lo = max(first, deadline + timedelta(days=1))
    if lo > last:
        return 0
    total = 0
    for i, span in enumerate(spans):
        until = spans[i + 1].since - timedelta(days=1) if i + 1 < len(spans) else last
        a, b = max(lo, span.since), min(last, until)
        if span.status in WORKING and a <= b:
            total += calendar.workdays_between(a - timedelta(days=1), b)
    return total


def missed_report_days(
    *,
    activity: Iterable[date],
    spans: Sequence[StatusSpan],
    silence_days: int,
    first: date,
    last: date,
) -> list[date]:
    """The days in [first, last] on which a 长期坚持 task had gone `silence_days` without a
    report since its registration or last report (one missed report per full silence, as
    the ongoing reminder counts it), while the unit had the task."""
    days = sorted(set(activity))
    missed: list[date] = []
    for i, since in enumerate(days):
        following = days[i + 1] if i + 1 < len(days) else None
        due = since + timedelta(days=silence_days)
        while due <= last and (following is None or due < following):
            if due >= first and status_on(spans, due) in WORKING:
                missed.append(due)
            due += timedelta(days=silence_days)
    return missed


def points(value: float) -> float:
    """Points as shown: two decimals at most, no float noise."""
    return round(value + 0.0, 2)


def final_score(rules: ScoringRules, items: Iterable[float]) -> float:
    return points(max(rules.floor, rules.start + sum(items)))


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """1, 2, 2, 4 ...: equal scores share a rank (scores sorted best first)."""
    ranks: list[int] = []
    for i, score in enumerate(scores):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks
