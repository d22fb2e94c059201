"""How user-facing text writes things, in one place (style.md: 2026年12月1日)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)  # a run writes the same few hundred dates a hundred thousand times
def cn_date(value: date | datetime | None) -> str:
    """2026年12月1日, without leading zeros, as office documents write dates."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def first_few(names: Sequence[str], limit: int = 10) -> str:
    """A list a person can read at any length: the first few, then how many in all.

    A run over a million tasks may name a million 督办通知单; the terminal and the flow's
    summary show ten of them and the count, the full list stays in --json and the outbox.
    """
    shown = "、".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}等,共{len(names)}个"


def feedback_date_text(value: date | None) -> str:
    """A round's feedback date as written, or 未填写 while it is not known."""
    return cn_date(value) if value is not None else "未填写"
