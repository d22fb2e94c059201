"""What both flows share: settings, the engine, the clock in Asia/Shanghai, the calendar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from models.db import make_engine
from models.office import TZ
from models.settings import Settings, load_settings


def now_in_shanghai() -> datetime:
    return datetime.now(TZ)


@dataclass(frozen=True)
class RunDay:
    as_of: date
    now: datetime
    is_workday: bool


def run_day(settings: Settings, as_of: date | None) -> RunDay:
    """The flow's one reading of the clock; the working-day calendar decides whether to act."""
    now = now_in_shanghai()
    day = as_of or now.date()
    return RunDay(as_of=day, now=now, is_workday=settings.calendar().is_workday(day))


@contextmanager
def engine_for(settings: Settings) -> Iterator[sa.Engine]:
    engine = make_engine(settings.database_url, busy_seconds=settings.limits.database_busy_seconds)
    try:
        yield engine
    finally:
        engine.dispose()


def settings() -> Settings:
    return load_settings()


def skip_non_workday(
    day: RunDay, *, key: str, description: str, what: str, after: str = ""
) -> dict[str, str]:
    """A day the flow does not act on: say so in the log and in the run's artifact."""
    from prefect import get_run_logger
    from prefect.artifacts import create_markdown_artifact

    get_run_logger().info("%s 不是工作日,不发送%s", day.as_of.isoformat(), what)
    create_markdown_artifact(
        key=key,
        markdown=f"{day.as_of.isoformat()} 不是工作日,未发送{what}{after}。\n",
        description=description,
    )
    return {"as_of": day.as_of.isoformat(), "skipped": "非工作日"}


def delivery_counts(delivered: dict[str, Any] | None) -> str:
    if delivered is None:
        return "试运行,未发送"
    return (
        f"已发送{delivered['sent']}份,写入本地文件{delivered['local']}份,"
        f"未配置通知渠道(等待){delivered['waiting']}份,待重试{delivered['retrying']}份,"
        f"发送失败{delivered['failed']}份"
    )
