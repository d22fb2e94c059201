"""整改时限 as offices write them, turned into a task kind and a date.

Pure: no database, no clock. The round's feedback date is passed in because phrases
without a year (12月底, 一季度, 年底) mean the next such day on or after feedback.

Rules, in order:
1. A date anywhere in the text wins; with several (阶段目标 then 全面完成) the latest.
   The kind is 立行立改 when that word is also there, otherwise 限期整改.
2. 立行立改 alone: immediate, the date is set later from the working-day rule.
3. 长期坚持 / 持续整改 / 常态化 / 长期 ...: ongoing, no date.
4. Anything else cannot be read: `DeadlinePhraseError`.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models.enums import TaskKind

IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改", "立查立改", "马上就办")
ONGOING_WORDS = (
    "长期坚持",
    "持续整改",
    "持续推进",
    "常态化",
    "长期推进",
    "长期整改",
    "长期",
    "持续",
)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_Y = r"(?<!\d)(?P<y>(?:19|20)\d{2})(?!\d)"
_M = r"(?<!\d)(?P<m>1[0-2]|0?[1-9])(?!\d)"
_D = r"(?<!\d)(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)"
# Order matters: the most specific shapes first; each match is blanked out before the next.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(rf"{_Y}\s*[-/.年]\s*{_M}\s*[-/.月]\s*{_D}\s*[日号]?")),
    (
        "ymd8",
        re.compile(r"(?<!\d)(?P<y>20\d{2})(?P<m>1[0-2]|0[1-9])(?P<d>3[01]|[12]\d|0[1-9])(?!\d)"),
    ),
    ("yq", re.compile(rf"{_Y}\s*年?\s*(?:第)?(?P<q>[一二三四1-4])\s*季度")),
    ("yh", re.compile(rf"{_Y}\s*年?\s*(?P<h>上|下)半年")),
    ("ym", re.compile(rf"{_Y}\s*(?:[-/.]|年)\s*{_M}\s*月?\s*(?:份|底|末|中旬|下旬|上旬)?")),
    ("yend", re.compile(rf"{_Y}\s*年\s*(?:年底|年末|底|末|内|全年)?")),
    ("md", re.compile(rf"{_M}\s*月\s*{_D}(?:\s*[日号])?")),
    ("m", re.compile(rf"{_M}\s*月\s*(?:份|底|末|中旬|下旬|上旬)?")),
    ("q", re.compile(r"(?:第)?(?P<q>[一二三四1-4])\s*季度")),
    ("h", re.compile(r"(?P<h>上|下)半年")),
    ("end", re.compile(r"年底|年末|年内|今年")),
]
# What may be left around a date without making the phrase unreadable.
_FILLER = re.compile(
    r"[\s,.,。;;、:：()()\[\]【】~～—\-至到和及并且前之以完成底末止内为期整改全面基本阶段性初步取得成效截止时间限推进坚持落实]+"
)


class DeadlinePhraseError(ValueError):
    """The text is not a deadline the importer can read; str() is a short Chinese reason."""


@dataclass(frozen=True)
class Deadline:
    kind: TaskKind
    date: date | None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_on_or_after(month: int, day: int | None, feedback: date) -> date:
    """The month (its end) or month-day falling on or after the feedback date."""
    for year in (feedback.year, feedback.year + 1):
        try:
            candidate = date(year, month, day) if day else _month_end(year, month)
        except ValueError:
            continue
        if candidate >= feedback:
            return candidate
    raise DeadlinePhraseError("日期不存在")


def _from_match(shape: str, m: re.Match[str], feedback: date) -> date:
    g = m.groupdict()
    try:
        if shape in ("ymd", "ymd8"):
            return date(int(g["y"]), int(g["m"]), int(g["d"]))
        if shape == "yq":
            return _month_end(int(g["y"]), _CN_DIGITS[g["q"]] * 3)
        if shape == "yh":
            return date(int(g["y"]), 6 if g["h"] == "上" else 12, 30 if g["h"] == "上" else 31)
        if shape == "ym":
            return _month_end(int(g["y"]), int(g["m"]))
        if shape == "yend":
            return date(int(g["y"]), 12, 31)
        if shape == "md":
            return _next_on_or_after(int(g["m"]), int(g["d"]), feedback)
        if shape == "m":
            return _next_on_or_after(int(g["m"]), None, feedback)
        if shape == "q":
            return _next_on_or_after(_CN_DIGITS[g["q"]] * 3, None, feedback)
        if shape == "h":
            return _next_on_or_after(6 if g["h"] == "上" else 12, None, feedback)
        return date(feedback.year, 12, 31)  # 年底 / 年内: the feedback year's end
    except ValueError:
        raise DeadlinePhraseError("日期不存在") from None


def _excel_serial(number: float) -> date | None:
    """A date cell that lost its format shows as a day count since 1899-12-30."""
    if number.is_integer() and 20_000_000 <= number <= 21_001_231:
        text = str(int(number))
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    if 36_526 <= number <= 73_050:  # 2000-01-01 .. 2099-12-31
        return date(1899, 12, 30) + timedelta(days=int(number))
    return None


def parse_deadline(value: object, *, feedback_date: date) -> Deadline:
    """Read one 整改时限 cell. Raises DeadlinePhraseError with the reason."""
    if isinstance(value, datetime):
        return Deadline(TaskKind.dated, value.date())
    if isinstance(value, date):
        return Deadline(TaskKind.dated, value)
    if isinstance(value, bool):
        raise DeadlinePhraseError("无法识别")
    if isinstance(value, int | float):
        found = _excel_serial(float(value))
        if found is None:
            raise DeadlinePhraseError("无法识别")
        return Deadline(TaskKind.dated, found)
    return _parse_text(str(value or ""), feedback_date)


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str, feedback_date: date) -> Deadline:
    """Ledgers repeat the same few phrases on thousands of rows: each is read once."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise DeadlinePhraseError("为空")
    is_immediate = any(w in text for w in IMMEDIATE_WORDS)
    is_ongoing = any(w in text for w in ONGOING_WORDS)
    rest = text
    for word in (*IMMEDIATE_WORDS, *ONGOING_WORDS):
        rest = rest.replace(word, " ")
    dates: list[date] = []
    for shape, pattern in _PATTERNS:
        for m in list(pattern.finditer(rest)):
            dates.append(_from_match(shape, m, feedback_date))
        rest = pattern.sub(" ", rest)
    if _FILLER.sub("", rest):
        raise DeadlinePhraseError("无法识别")
    if dates:
        kind = TaskKind.immediate if is_immediate else TaskKind.dated
        return Deadline(kind, max(dates))
    if is_immediate:
        return Deadline(TaskKind.immediate, None)
    if is_ongoing:
        return Deadline(TaskKind.ongoing, None)
    raise DeadlinePhraseError("无法识别")


KIND_WORDS: dict[str, TaskKind] = {
    "立行立改": TaskKind.immediate,
    "限期整改": TaskKind.dated,
    "长期坚持": TaskKind.ongoing,
    "持续整改": TaskKind.ongoing,
    "常态化": TaskKind.ongoing,
}


def parse_kind(text: str) -> TaskKind | None:
    """The 整改类型 column, when a ledger has one; None when the cell says nothing known."""
    text = unicodedata.normalize("NFKC", text).strip()
    for word, kind in KIND_WORDS.items():
        if word in text:
            return kind
    if any(w in text for w in IMMEDIATE_WORDS):
        return TaskKind.immediate
    if any(w in text for w in ONGOING_WORDS):
        return TaskKind.ongoing
    return None
