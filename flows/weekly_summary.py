"""The `weekly-summary` flow: the 整改周报 of the ISO week, sent once to the office and leaders.

Scheduled every day at 08:30 Asia/Shanghai; it acts on working days only, and the notice
key (weekly:<tag>:<ISO week>) makes all but the week's first working-day run send nothing.
So a Monday holiday or a server that was down on Monday still gets the week its summary.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.common import delivery_counts, engine_for, run_day, settings, skip_non_workday
from notifications.delivery import deliver_pending
from notifications.weekly import plan_weekly_summary


@task(name="plan", cache_policy=NO_CACHE)
def plan(as_of: date, now: datetime, dry_run: bool = False) -> dict[str, Any]:
    config = settings()
    with engine_for(config) as engine:
        result = plan_weekly_summary(engine, config, as_of=as_of, now=now, dry_run=dry_run)
    counts = result.counts()
    counts["headline"] = result.summary.overall.headline if result.summary else ""
    counts["markdown"] = result.rendered.md if result.rendered else ""
    return counts


@task(name="deliver", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[10, 60, 300])
def deliver(now: datetime) -> dict[str, Any]:
    config = settings()
    with engine_for(config) as engine:
        return deliver_pending(engine, config, now=now).as_dict()


def artifact_markdown(
    as_of: date, planned: dict[str, Any], delivered: dict[str, Any] | None
) -> str:
    lines = [
        f"## 整改周报 {planned['period']}({as_of.isoformat()})",
        "",
        planned.get("headline") or "本周周报此前已发送。",
        "",
        "| 项目 | 数量 |",
        "| --- | --- |",
        f"| 收件人 | {planned['recipients']} |",
        f"| 生成通知 | {planned['planned']} |",
        f"| 本周已发送而跳过 | {planned['duplicates']} |",
    ]
    if delivered is not None:
        lines += [
            f"| 已发送 | {delivered['sent']} |",
            f"| 写入本地文件 | {delivered['local']} |",
            f"| 未配置通知渠道(等待) | {delivered['waiting']} |",
            f"| 待重试 | {delivered['retrying']} |",
            f"| 发送失败 | {delivered['failed']} |",
        ]
    if planned["recipients_without_channel"]:
        lines += ["", f"未配置通知渠道:{'、'.join(planned['recipients_without_channel'])}"]
    if delivered and delivered["errors"]:
        lines += ["", "发送未成功:", *(f"- {e}" for e in delivered["errors"])]
    if planned["files"]:
        lines += ["", "周报文件:", *(f"- {f}" for f in planned["files"])]
    if planned.get("markdown"):
        # The summary itself, as the Markdown channels receive it.
        lines += ["", "---", "", planned["markdown"].replace("## ", "### ", 1)]
    return "\n".join(lines) + "\n"


@flow(name="weekly-summary", log_prints=False)
def weekly_summary(as_of: date | None = None, dry_run: bool = False) -> dict[str, Any]:
    """整改周报: plan (one notice per recipient and ISO week), then deliver."""
    logger = get_run_logger()
    day = run_day(settings(), as_of)
    if not day.is_workday:
        return skip_non_workday(
            day, key="weekly-summary", description="整改周报运行情况", what="整改周报"
        )
    planned = plan(day.as_of, day.now, dry_run)
    delivered = None if dry_run else deliver(day.now)
    logger.info(
        "整改周报 %s:收件人%s个,生成通知%s份,跳过%s份;%s",
        planned["period"],
        planned["recipients"],
        planned["planned"],
        planned["duplicates"],
        delivery_counts(delivered),
    )
    create_markdown_artifact(
        key="weekly-summary",
        markdown=artifact_markdown(day.as_of, planned, delivered),
        description="整改周报运行情况",
    )
    return {"as_of": day.as_of.isoformat(), "plan": planned, "delivery": delivered}
