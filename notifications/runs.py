"""The scheduled runs started by hand: 每日检查, 发送, 周报. Once users are registered only
the office may start them (they read and send every unit's notices); the scheduled flows
call the same runs as the system, which history names as 定时任务."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger.actors import Actor, require_office
from ledger.context import AppContext

if TYPE_CHECKING:  # Apprise and Jinja2 load only when a run starts
    from notifications.daily import CheckReport
    from notifications.delivery import DeliveryReport
    from notifications.weekly import WeeklyReport


def _office(ctx: AppContext, actor_name: str | None, what: str) -> Actor:
    with ctx.use_case(actor_name) as (_, actor):
        require_office(actor, what)
    return actor


def check_now(
    ctx: AppContext, actor_name: str | None, *, as_of: date, dry_run: bool = False
) -> CheckReport:
    from notifications.daily import run_daily_check

    by = _office(ctx, actor_name, "运行每日检查")
    return run_daily_check(
        ctx.engine, ctx.settings, as_of=as_of, now=ctx.now, dry_run=dry_run, by=by
    )


def deliver_now(ctx: AppContext, actor_name: str | None) -> DeliveryReport:
    """Everything pending, notices waiting out a back-off too (an operator's retry now)."""
    from notifications.delivery import deliver_pending

    _office(ctx, actor_name, "发送通知")
    return deliver_pending(ctx.engine, ctx.settings, now=ctx.now, skip_backoff=True)


def weekly_now(
    ctx: AppContext, actor_name: str | None, *, as_of: date, dry_run: bool = False
) -> WeeklyReport:
    from notifications.weekly import run_weekly_summary

    _office(ctx, actor_name, "生成并发送整改周报")
    return run_weekly_summary(ctx.engine, ctx.settings, as_of=as_of, now=ctx.now, dry_run=dry_run)
