"""`rectify weekly` (the 整改周报 once, now) and `rectify serve` (the scheduled runs, via Prefect).

Prefect (and matplotlib, Apprise) are imported only when a command of this module runs,
so every other command starts fast.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import AsOfOpt, AsOpt, JsonOpt, context, emit_json, fail, user_errors
from ledger.wording import cn_date

if TYPE_CHECKING:
    from notifications.weekly import WeeklyReport

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="只生成并显示将要发送的内容,不写文件、不入库、不发送")
]


def weekly_cmd(
    as_of: AsOfOpt = None, dry_run: DryRunOpt = False, as_: AsOpt = None, json_: JsonOpt = False
) -> None:
    """生成整改周报,写入报告文件夹,并发送给整改办和各责任领导(同一周只发一次;手动运行限整改办)。"""
    # Imported here: matplotlib and Apprise would slow every other command's start.
    from notifications.runs import weekly_now

    ctx = context()
    with user_errors():
        report = weekly_now(ctx, as_, as_of=ctx.as_of(as_of), dry_run=dry_run)
    if json_:
        emit_json(report.counts())
        return
    _print_report(report)


def _print_report(report: WeeklyReport) -> None:
    plan = report.plan
    dry = plan.dry_run
    typer.echo(
        f"整改周报({plan.period},截至{cn_date(plan.as_of)}){'[试运行,不写入、不发送]' if dry else ''}"
    )
    typer.echo(
        f"收件人 {len(plan.recipients)} 个;{'将' if dry else ''}生成通知 {plan.planned} 份;"
        f"本周已发送而跳过 {plan.duplicates} 份"
    )
    if plan.recipients_without_channel:
        typer.echo(f"未配置通知渠道:{'、'.join(plan.recipients_without_channel)}")
    if report.delivery is not None:
        delivery = report.delivery
        typer.echo(delivery.summary())
        for error in delivery.errors:
            typer.echo(f"  发送失败:{error}")
    for path in plan.files:
        typer.echo(f"已写入:{path}")
    if dry and plan.rendered is not None:
        typer.echo(f"将发送给:{'、'.join(plan.recipients)}")
        typer.echo("")
        typer.echo(f"==== {plan.rendered.title} ====")
        typer.echo(plan.rendered.text.rstrip())


def serve_cmd(
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            envvar="PREFECT_API_URL",
            help="Prefect 服务地址,如 http://127.0.0.1:4200/api(默认取 PREFECT_API_URL)",
        ),
    ] = None,
) -> None:
    """以 Prefect 部署方式常驻运行:每个工作日 9:00 检查时限并提醒催办,每周首个工作日 8:30 发送整改周报。"""
    ctx = context()
    ctx.require_schema()
    if api_url:
        # Prefect reads its settings from the environment when it is first imported.
        os.environ["PREFECT_API_URL"] = api_url
    from flows.prefect_api import api_url as configured_api_url

    url = configured_api_url()
    if not url:
        fail(
            "未指定 Prefect 服务地址:请先运行 prefect server start,"
            "再用 --api-url http://127.0.0.1:4200/api 或环境变量 PREFECT_API_URL 指定"
        )
    from flows.deploy import pooled_elsewhere
    from flows.serve import serve_all

    pooled = pooled_elsewhere()
    if pooled:
        fail(
            f"Prefect 中已有工作池部署 {'、'.join(pooled)}:两者的定时会各自触发。"
            "请只用一种方式:删除这些部署(prefect deployment delete …)后再运行 serve,"
            "或继续使用工作池与 worker"
        )

    typer.echo(f"定时任务 daily-check 与 weekly-summary 已在 {url} 上运行,按 Ctrl+C 停止")
    serve_all()


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("weekly")(weekly_cmd)
    app.command("serve")(serve_cmd)
