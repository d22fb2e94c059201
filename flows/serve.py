"""Serving both flows as Prefect deployments with their schedules (Asia/Shanghai).

`rectify serve` or `python -m flows.serve` runs this against the Prefect API in
PREFECT_API_URL (a `prefect server start` the office runs, see docs/operations.md).
Both schedules fire every day; the flows ask the working-day calendar whether to act.
"""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.daily_check import daily_check
from flows.weekly_summary import weekly_summary

TIMEZONE = "Asia/Shanghai"
DAILY_CRON = "0 9 * * *"  # 09:00 every day; the flow skips non-working days
WEEKLY_CRON = "30 8 * * *"  # 08:30 every day; sends on the week's first working day only


def deployments() -> list[RunnerDeployment]:
    # to_deployment is sync-or-async; called here from sync code it returns the deployment.
    return [
        daily_check.to_deployment(  # type: ignore[list-item]
            name="daily-check",
            schedule=Cron(DAILY_CRON, timezone=TIMEZONE),
            description="每个工作日 9:00 检查整改时限,发送提醒、催办、督办(非工作日跳过,漏跑次日补发)",
            tags=["rectify"],
        ),
        weekly_summary.to_deployment(  # type: ignore[list-item]
            name="weekly-summary",
            schedule=Cron(WEEKLY_CRON, timezone=TIMEZONE),
            description="每周首个工作日 8:30 生成并发送整改周报(同一周只发一次)",
            tags=["rectify"],
        ),
    ]


def serve_all() -> None:
    # Keep the schedules active across restarts of this process; runs missed while it was
    # down are caught up by the flows themselves.
    serve(*deployments(), pause_on_shutdown=False)


if __name__ == "__main__":
    serve_all()
