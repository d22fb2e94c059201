"""Small pure helpers for the wording of official documents: dates, numerals, sentences."""

from __future__ import annotations

import calendar
import re
from datetime import date

from ledger.wording import cn_date  # noqa: F401  (re-exported for the documents)

_DIGITS = "零一二三四五六七八九"
# Characters Word cannot hold in its XML (everything below 0x20 but tab and newline).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CLOSING_PUNCT = "。;;,,::!!??、"
_TRAILING_PAUSE = re.compile(r"[,,;;、\s]+$")
_TRAILING_PUNCT = re.compile(r"[。;;,,::!!??、\s]+$")


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (1 to 9999)."""
    if not 0 < n < 10000:
        raise ValueError(f"cn_numeral takes 1..9999, got {n}")
    units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")]
    out, zero_pending = "", False
    for value, name in units:
        digit = n // value % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out += "零"
            zero_pending = False
        out += _DIGITS[digit] + name
    return out[1:] if out.startswith("一十") else out


def serial(n: int) -> str:
    """The second-level serial of an official document: (一), (二), …"""
    return f"({cn_numeral(n)})"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (Dec 31 + 2 → Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def clean(text: str) -> str:
    """One line of document text: control characters dropped, line breaks joined with ;."""
    text = _CONTROL.sub("", text or "").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    out = ""
    for line in lines:
        if out and out[-1] not in _CLOSING_PUNCT:
            out += ";"
        out += line
    return out


def sentence(text: str) -> str:
    """Text ending with a full stop (。), replacing a trailing comma or semicolon."""
    text = _TRAILING_PAUSE.sub("", clean(text))
    if not text:
        return ""
    return text if text[-1] in "。!!??" else text + "。"


def bare(text: str) -> str:
    """Text without its closing punctuation, for embedding in a longer sentence."""
    return _TRAILING_PUNCT.sub("", clean(text))


def ordinal_items(items: list[str]) -> list[str]:
    """一是…。二是…。 for a short list; 1. 2. … for a long one (一百二十是 reads badly)."""
    if len(items) <= 10:
        return [f"{cn_numeral(i)}是{sentence(item)}" for i, item in enumerate(items, 1)]
    return [f"{i}.{sentence(item)}" for i, item in enumerate(items, 1)]
