"""The daily deadline check and the outbox: `rectify check`, `rectify outbox [retry]`,
`rectify deliver`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    EXIT_NOT_DELIVERED,
    TZ,
    AsOfOpt,
    AsOpt,
    JsonOpt,
    context,
    emit_json,
    fail,
    print_table,
    say,
    user_errors,
)
from ledger.wording import cn_date, first_few
from models.enums import NoticeStatus, notice_kind_label

if TYPE_CHECKING:  # Apprise and Jinja2 load only when a command sends (0.45 s at start-up)
    from notifications.daily import CheckReport
    from notifications.delivery import DeliveryReport

STATUS_LABELS = {s.value: s.label for s in NoticeStatus}


def _levels(by_level: dict[str, int]) -> str:
    return "、".join(f"{notice_kind_label(k)}{v}份" for k, v in sorted(by_level.items()))


def _print_delivery(delivery: DeliveryReport) -> None:
    typer.echo(delivery.summary())
    for error in delivery.errors[:DRAFTS_SHOWN]:
        say(f"  未送达:{error}")
    if len(delivery.errors) > DRAFTS_SHOWN:
        typer.echo(
            f"  (另有 {len(delivery.errors) - DRAFTS_SHOWN} 份未送达,可用 rectify outbox 查看)"
        )
    if delivery.skipped_no_channel:
        say(
            f"  {NoticeStatus.waiting.label},通知等待中(配置渠道后自动发送):"
            f"{first_few(delivery.skipped_no_channel)}"
        )


# A dry run over a large round drafts thousands of notices; a terminal shows a page of them.
DRAFTS_SHOWN = 5


def _print_check(report: CheckReport, *, dry_run: bool) -> None:
    plan = report.plan
    typer.echo(f"每日检查({cn_date(plan.as_of)}){'[试运行,不写入、不发送]' if dry_run else ''}")
    if not plan.is_workday:
        typer.echo(f"{cn_date(plan.as_of)}为非工作日,不发送提醒。")
        return
    levels = _levels(plan.by_level)
    typer.echo(
        f"到期任务 {plan.tasks_due} 项;{'将' if dry_run else ''}生成通知 {plan.planned} 份"
        f"{'(' + levels + ')' if levels else ''};重复跳过 {plan.duplicates} 份"
    )
    if plan.supervision_orders:
        typer.echo(f"督办通知单:{first_few(plan.supervision_orders)}")
    if plan.followups:
        typer.echo(f"回头看提醒:{plan.followups} 份")
    if plan.report_reminders:
        typer.echo(f"进展报送提醒:{plan.report_reminders} 份")
    if plan.acknowledge_reminders:
        typer.echo(f"签收提醒:{plan.acknowledge_reminders} 份")
    if plan.acknowledge_urges:
        typer.echo(f"签收催办:{plan.acknowledge_urges} 份(含抄送责任领导)")
    if plan.escalated:
        typer.echo(f"提请分管领导督促:{plan.escalated} 项任务")
    if plan.held or plan.folded:
        typer.echo(
            f"每日通知上限:顺延 {plan.held} 份,并入此前顺延的事项 {plan.folded} 项"
            "(可用 rectify outbox --status 已顺延 查看)"
        )
    if plan.recipients_without_channel:
        say(f"未配置通知渠道:{first_few(plan.recipients_without_channel)}")
    if report.delivery is not None:
        _print_delivery(report.delivery)
    if dry_run:
        for draft in plan.drafts[:DRAFTS_SHOWN]:
            typer.echo("")
            say(f"==== 收件人:{draft.recipient} | {draft.title} ====")
            say(draft.body_text.rstrip())
        if len(plan.drafts) > DRAFTS_SHOWN:
            typer.echo("")
            typer.echo(
                f"(共{len(plan.drafts)}份通知,以上只显示前{DRAFTS_SHOWN}份;全部内容请加 --json 输出)"
            )


def check(
    as_of: AsOfOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示将发送的通知,不写入、不发送")
    ] = False,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """每日检查:按提醒、催办、督办规则生成通知并发送(定时任务每个工作日运行;手动运行限整改办)。

    退出码:0 全部送出(或按设计写入本地文件、等待配置渠道);3 有通知未能送出(发送失败或待重试,
    详见 rectify outbox);1 请求被拒绝或输入有误。
    """
    from notifications.runs import check_now

    ctx = context()
    with user_errors():
        report = check_now(ctx, as_, as_of=ctx.as_of(as_of), dry_run=dry_run)
    if json_:
        data = report.as_dict()
        if dry_run:
            data["drafts"] = [
                {
                    "kind": d.kind,
                    "recipient": d.recipient,
                    "title": d.title,
                    "body": d.body_text,
                    "task_ids": d.task_ids,
                }
                for d in report.plan.drafts
            ]
        emit_json(data)
    else:
        _print_check(report, dry_run=dry_run)
    if report.delivery is not None and report.delivery.any_failed:
        raise typer.Exit(EXIT_NOT_DELIVERED)


outbox_app = typer.Typer(
    help="查看通知发件箱:每份通知的收件人、状态、尝试次数和最近错误;retry 重新发送。",
    invoke_without_command=True,
    no_args_is_help=False,
)


@outbox_app.callback()
def outbox(
    command: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="/".join(STATUS_LABELS.values()) + "(或英文代码)"),
    ] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数")] = 200,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """查看通知发件箱(整改办看全部,责任单位看发给本单位及其人员的):收件人、状态、尝试次数和最近错误。"""
    if command.invoked_subcommand is not None:
        return
    from ledger.outbox_view import outbox_page, parse_notice_status

    ctx = context()
    with user_errors():
        wanted = parse_notice_status(status) if status is not None else None
        opens = ctx.settings.notify.send_window.next_allowed(ctx.now, ctx.calendar)
        with ctx.use_case(as_) as (session, actor):
            page = outbox_page(
                session=session,
                actor=actor,
                now=ctx.now,
                status=wanted,
                limit=limit,
                window_opens=opens,
            )
    rows = page.notices
    if json_:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        typer.echo("发件箱中没有符合条件的通知。")
        return
    print_table(
        ["编号", "类别", "收件人", "日期", "状态", "尝试", "下次发送", "标题", "最近错误"],
        [
            [
                r.id,
                r.kind_label,
                r.recipient,
                r.period,
                r.status_label,
                r.attempts,
                f"{r.next_send_at.astimezone(TZ):%m-%d %H:%M}" if r.next_send_at else "",
                r.title,
                r.last_error,
            ]
            for r in rows
        ],
    )
    if page.truncated:
        typer.echo(f"(共{page.total}份,只显示最新的{len(rows)}份;可加 --limit 或 --status)")


def deliver(as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """立即发送发件箱中待发送的通知(含等待重试的通知;限整改办)。

    退出码:0 全部送出(或按设计写入本地文件、等待配置渠道);3 有通知未能送出(发送失败或待重试,
    详见 rectify outbox);1 请求被拒绝或输入有误。
    """
    from notifications.runs import deliver_now

    ctx = context()
    with user_errors():
        report = deliver_now(ctx, as_)
    if json_:
        emit_json(report.as_dict())
    else:
        typer.echo(f"待发送通知 {report.claimed} 份")
        _print_delivery(report)
    if report.any_failed:
        raise typer.Exit(EXIT_NOT_DELIVERED)


@outbox_app.command("retry")
def retry(
    failed: Annotated[bool, typer.Option("--failed", help="只重发“发送失败”的通知")] = False,
    recipient: Annotated[
        list[str] | None,
        typer.Option("--recipient", help="只重发给该收件人(Apprise 标签,可重复)"),
    ] = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """把通知放回发件箱等待立即发送:发送失败的、只写入本地文件的、等待重试的(下次发送时送出)。"""
    ctx = context()
    from notifications.outbox import requeue

    with user_errors(), ctx.use_case(as_) as (session, actor):
        result = requeue(
            actor=actor,
            session=session,
            now=ctx.now,
            only_failed=failed,
            recipients=recipient or [],
        )
    if json_:
        emit_json({"requeued": result.requeued, "by_status": result.by_status})
        return
    if not result.requeued:
        typer.echo("没有需要重新发送的通知。")
        return
    parts = "、".join(
        f"{STATUS_LABELS.get(k, k)}{v}份" for k, v in sorted(result.by_status.items())
    )
    typer.echo(f"已放回发件箱 {result.requeued} 份({parts}),将在下次发送时送出。")


def deploy(
    pool: Annotated[str, typer.Option("--pool", help="Prefect 工作池名称(类型 process,需先创建)")],
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            envvar="RECTIFY_CODE_SOURCE",
            help="各工作节点取代码的位置:git 地址,或每台机器相同路径的文件夹"
            "(默认:各节点已安装的整改通,按模块名加载)",
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            envvar="PREFECT_API_URL",
            help="Prefect 服务地址,如 http://127.0.0.1:4200/api(默认取 PREFECT_API_URL)",
        ),
    ] = None,
) -> None:
    """把每日检查与整改周报注册到 Prefect 工作池,由各机器上的 worker 执行(多机运行)。"""
    ctx = context()
    with user_errors():
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
    from flows.deploy import deploy_to_pool

    with user_errors():
        names = deploy_to_pool(pool, source=source)
    say(f"已在 {url} 的工作池“{pool}”注册部署:{'、'.join(names)}")
    typer.echo(
        f"在每台工作机器上运行:prefect worker start --pool {pool} --limit 2"
        "(--limit 为该 worker 同时运行的流程数)"
    )


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("check")(check)
    app.add_typer(outbox_app, name="outbox")
    app.command("deliver")(deliver)
    app.command("deploy")(deploy)
