"""How user-facing text writes things, in one place (style.md: 2026年12月1日)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)  # a run writes the same few hundred dates a hundred thousand times
def cn_date(value: date | datetime | None) -> str:
    """2026年12月1日, without leading zeros, as office documents write dates."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
