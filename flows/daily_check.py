"""The `daily-check` flow: the reminder ladder of one working day (提醒 / 催办 / 督办 / 长期坚持).

Scheduled every day at 09:00 Asia/Shanghai; the working-day calendar, not the cron
expression, decides whether it acts, so 调休 Saturdays are worked and public holidays are
skipped. A day that was skipped or missed is caught up by the next run (the plan asks
which level is due and not yet sent).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.common import delivery_counts, engine_for, run_day, settings, skip_non_workday
from ledger.wording import first_few
from models.enums import notice_kind_label
from notifications.daily import plan_daily_check
from notifications.delivery import deliver_pending


@task(name="plan", cache_policy=NO_CACHE)
def plan(as_of: date, now: datetime, dry_run: bool = False) -> dict[str, Any]:
    config = settings()
    with engine_for(config) as engine:
        return plan_daily_check(engine, config, as_of=as_of, now=now, dry_run=dry_run).as_dict()


@task(name="deliver", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[10, 60, 300])
def deliver(now: datetime) -> dict[str, Any]:
    config = settings()
    with engine_for(config) as engine:
        return deliver_pending(engine, config, now=now).as_dict()


def artifact_markdown(
    as_of: date, planned: dict[str, Any], delivered: dict[str, Any] | None
) -> str:
    levels = "、".join(
        f"{notice_kind_label(k)}{v}份" for k, v in sorted(planned["by_level"].items())
    )
    lines = [
        f"## 每日时限检查 {as_of.isoformat()}",
        "",
        "| 项目 | 数量 |",
        "| --- | --- |",
        f"| 到期任务 | {planned['tasks_due']} |",
        f"| 生成通知 | {planned['planned']}{'(' + levels + ')' if levels else ''} |",
        f"| 重复跳过 | {planned['duplicates']} |",
    ]
    if delivered is not None:
        lines += [
            f"| 已发送 | {delivered['sent']} |",
            f"| 写入本地文件 | {delivered['local']} |",
            f"| 未配置通知渠道(等待) | {delivered['waiting']} |",
            f"| 待重试 | {delivered['retrying']} |",
            f"| 发送失败 | {delivered['failed']} |",
        ]
    if planned["supervision_orders"]:
        lines += ["", f"督办通知单:{first_few(planned['supervision_orders'])}"]
    if planned["recipients_without_channel"]:
        lines += ["", f"未配置通知渠道:{first_few(planned['recipients_without_channel'])}"]
    if delivered and delivered["errors"]:
        lines += ["", "发送未成功:", *(f"- {e}" for e in delivered["errors"])]
    return "\n".join(lines) + "\n"


@flow(name="daily-check", log_prints=False)
def daily_check(as_of: date | None = None, dry_run: bool = False) -> dict[str, Any]:
    """每日时限检查: plan the digests due today, then deliver the outbox."""
    logger = get_run_logger()
    day = run_day(settings(), as_of)
    if not day.is_workday:
        return skip_non_workday(
            day,
            key="daily-check",
            description="每日时限检查运行情况",
            what="提醒",
            after=";下一个工作日补发",
        )
    planned = plan(day.as_of, day.now, dry_run)
    delivered = None if dry_run else deliver(day.now)
    logger.info(
        "每日时限检查 %s:到期任务%s项,生成通知%s份,重复跳过%s份;%s",
        day.as_of.isoformat(),
        planned["tasks_due"],
        planned["planned"],
        planned["duplicates"],
        delivery_counts(delivered),
    )
    create_markdown_artifact(
        key="daily-check",
        markdown=artifact_markdown(day.as_of, planned, delivered),
        description="每日时限检查运行情况",
    )
    return {"as_of": day.as_of.isoformat(), "plan": planned, "delivery": delivered}
