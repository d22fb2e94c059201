"""The working-day calendar: public holidays and 调休 make-up workdays.

chinese-calendar knows the State Council's schedule for the years it ships (1.11: through
2026) and raises NotImplementedError beyond. For those years we fall back to Monday-Friday
plus an optional holiday file the office maintains, and say so once in the log.

Holiday file (TOML), one table per year:

    [2027]
    holidays = ["2027-01-01", "2027-02-06..2027-02-13"]
    workdays = ["2027-02-14"]   # 调休 make-up workdays
"""

from __future__ import annotations

import logging
import tomllib
from bisect import bisect_right
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

log = logging.getLogger(__name__)


class HolidayFileError(ValueError):
    """The office's holiday file cannot be read; the message is for the user."""


def _expand(item: str, path: Path, year: str) -> list[date]:
    try:
        if ".." in item:
            first, last = (date.fromisoformat(p.strip()) for p in item.split("..", 1))
            return [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return [date.fromisoformat(item.strip())]
    except ValueError:
        raise HolidayFileError(
            f"节假日文件 {path} 中 [{year}] 的日期“{item}”无法识别,请写成 2027-01-01 或 2027-02-06..2027-02-13"
        ) from None


def load_holiday_file(path: Path) -> dict[int, tuple[set[date], set[date]]]:
    """Read the office's holiday file into {year: (holidays, make-up workdays)}."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HolidayFileError(f"找不到节假日文件 {path},请检查 RECTIFY_HOLIDAYS 设置") from None
    except tomllib.TOMLDecodeError as exc:
        raise HolidayFileError(f"节假日文件 {path} 格式有误:{exc}") from None
    years: dict[int, tuple[set[date], set[date]]] = {}
    for year, table in data.items():
        if not year.isdigit() or not isinstance(table, dict):
            raise HolidayFileError(f"节假日文件 {path} 中“{year}”不是年份表,请写成 [2027]")
        holidays = {d for item in table.get("holidays", []) for d in _expand(item, path, year)}
        workdays = {d for item in table.get("workdays", []) for d in _expand(item, path, year)}
        years[int(year)] = (holidays, workdays)
    return years


CHINESE_CALENDAR = "chinese-calendar"
HOLIDAYS_PACKAGE = "holidays"
WEEKDAYS = "weekdays"


def package_holidays(year: int, cache_dir: Path | None = None) -> set[date]:
    """China's public holidays of `year` from the `holidays` package (empty without it),
    kept in `cache_dir` when given (models.holiday_cache)."""
    from models import holiday_cache

    key = holiday_cache.package_key()
    if key is None:  # an installation without the optional source: Monday to Friday
        return set()
    if cache_dir is not None:
        kept = holiday_cache.read(cache_dir, year, key)
        if kept is not None:
            return kept
    try:
        import holidays
    except ImportError:
        return set()
    days = set(holidays.country_holidays("CN", years=year, categories=("public",)).keys())
    if cache_dir is not None:
        holiday_cache.write(cache_dir, year, key, days)
    return days


class WorkCalendar:
    """Answers "is this a working day" and counts working days quickly.

    Counting uses a cumulative table over the span asked about, so counting the days
    left for 100,000 tasks is a lookup per task, not a walk.
    """

    def __init__(self, holiday_file: Path | None = None, cache_dir: Path | None = None) -> None:
        self._holiday_file = holiday_file
        self._cache_dir = cache_dir
        self._office_years = load_holiday_file(holiday_file) if holiday_file else {}
        # year -> (source, public holidays of the `holidays` package for that year)
        self._sources: dict[int, tuple[str, frozenset[date]]] = {}
        self._start: date | None = None
        self._cumulative: list[int] = []  # workdays in [start, start + i]
        self._workday_ordinals: list[int] = []  # sorted ordinals of workdays in the span

    def is_workday(self, day: date) -> bool:
        office = self._office_years.get(day.year)
        if office is not None:
            holidays, workdays = office
            if day in workdays:
                return True
            if day in holidays:
                return False
        source, package = self._sources.get(day.year) or self._source(day.year)
        if source == CHINESE_CALENDAR:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5 and day not in package

    def source(self, year: int) -> str:
        """Which source decides the public holidays of `year` (see the module's docstring)."""
        return (self._sources.get(year) or self._source(year))[0]

    def _source(self, year: int) -> tuple[str, frozenset[date]]:
        """Picks the source of a year once, and says once which one it is."""
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
            found: tuple[str, frozenset[date]] = (CHINESE_CALENDAR, frozenset())
        except NotImplementedError:
            package = frozenset(package_holidays(year, self._cache_dir))
            found = (HOLIDAYS_PACKAGE, package) if package else (WEEKDAYS, frozenset())
        self._sources[year] = found
        office = self._office_years.get(year)
        own = (
            f";调休上班日和更正取自节假日文件 {self._holiday_file}"
            f"(调休上班{len(office[1])}天,另列节假日{len(office[0])}天)"
            if office
            else ""
        )
        if found[0] == HOLIDAYS_PACKAGE:
            log.warning(
                "chinese-calendar 不含 %s 年的节假日安排,该年法定节假日取自 holidays 软件包(%s天)%s",
                year,
                len(found[1]),
                own or ";该软件包不含调休上班日,国务院公布安排后请写入节假日文件(RECTIFY_HOLIDAYS)",
            )
        elif found[0] == WEEKDAYS:
            log.warning(
                "chinese-calendar 和 holidays 软件包均不含 %s 年的节假日安排,该年按周一至周五计算工作日%s",
                year,
                own or ";国务院公布安排后可写入节假日文件(RECTIFY_HOLIDAYS)",
            )
        elif office:
            log.info("%s 年的节假日取自 chinese-calendar%s", year, own)
        return found

    def _cover(self, first: date, last: date) -> None:
        """Make the cumulative table span [first, last] and a month either side (no more: a year
        looked at only as spare would log a needless fallback warning)."""
        if (
            self._start is not None
            and self._start <= first
            and last < self._start + timedelta(days=len(self._cumulative))
        ):
            return
        lo = min(first, self._start or first) - timedelta(days=31)
        hi = max(last, (self._start or last) + timedelta(days=len(self._cumulative))) + timedelta(
            days=31
        )
        self._start = lo
        self._cumulative = []
        self._workday_ordinals = []
        count = 0
        for i in range((hi - lo).days + 1):
            day = lo + timedelta(days=i)
            if self.is_workday(day):
                count += 1
                self._workday_ordinals.append(day.toordinal())
            self._cumulative.append(count)

    def _count_to(self, day: date) -> int:
        assert self._start is not None
        return self._cumulative[(day - self._start).days]

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        self._cover(min(start, end), max(start, end))
        return self._count_to(end) - self._count_to(start)

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n >= 1); `day` itself when n == 0."""
        if n <= 0:
            return day
        self._cover(day, day + timedelta(days=n * 2 + 30))
        i = bisect_right(self._workday_ordinals, day.toordinal()) + n - 1
        return date.fromordinal(self._workday_ordinals[i])


_default: dict[tuple[Path | None, Path | None], WorkCalendar] = {}


def work_calendar(holiday_file: Path | None = None, cache_dir: Path | None = None) -> WorkCalendar:
    """One shared calendar per holiday file, so the fallback warning is logged once.
    `cache_dir`: where the `holidays` package's answers are kept (Settings.cache_dir)."""
    key = (holiday_file, cache_dir)
    if key not in _default:
        _default[key] = WorkCalendar(holiday_file, cache_dir)
    return _default[key]
