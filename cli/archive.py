"""Commands for the end of a round: the 销号审批表 of a task and the round's 整改档案."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    AsOfOpt,
    AsOpt,
    JsonOpt,
    context,
    emit_json,
    print_table,
    say,
    user_errors,
)

TemplateOpt = Annotated[
    Path | None,
    typer.Option("--template", help="本单位的 Word 模板(.docx,含 {{ }} 标记),默认用内置模板"),
]


def closure_form_cmd(
    task: Annotated[int, typer.Argument(help="任务编号(rectify tasks 查看)")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="输出的 Word 文件(默认写入报告文件夹)"),
    ] = None,
    template: TemplateOpt = None,
    as_: AsOpt = None,
) -> None:
    """生成一项整改任务的销号审批表(Word):整改情况、佐证材料清单、退回记录与整改办核验意见。"""
    from ledger.documents.closure import closure_form
    from ledger.documents.render import render_docx

    ctx = context()
    with user_errors():
        with ctx.use_case(as_) as (session, actor):
            data = closure_form(session, task, actor=actor)
        out = output or ctx.settings.reports_dir / f"销号审批表-{data.code}-任务{data.task_id}.docx"
        render_docx(data, out, template=template)
    typer.echo(f"已生成销号审批表:{out}")


def archive_cmd(
    inspection: Annotated[int, typer.Argument(help="巡视(察)轮次编号(rectify inspections 查看)")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="输出的 zip 文件(默认写入报告文件夹)"),
    ] = None,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    as_: AsOpt = None,
) -> None:
    """生成一轮巡视(察)的整改档案(zip):目录、整改台账、整改情况报告、各措施佐证材料与销号审批表、督办通知单。"""
    from ledger.archive import build_archive

    ctx = context()
    with user_errors():
        day = ctx.as_of(as_of)
        out = (
            output or ctx.settings.reports_dir / f"整改档案-轮次{inspection}-{day.isoformat()}.zip"
        )
        with ctx.use_case(as_) as (session, actor):
            summary = build_archive(
                inspection,
                out,
                session=session,
                actor=actor,
                as_of=day,
                rules=ctx.settings.rules,
                evidence_store=ctx.settings.evidence_dir,
            )
    if json_:
        emit_json(summary.as_json())
        return
    typer.echo(
        f"已生成整改档案:{summary.path}(共{summary.files}个文件,其中佐证材料{summary.evidence_files}份、"
        f"销号审批表{summary.closure_forms}份、督办通知单{summary.supervision_orders}份,"
        f"{_size_text(summary.size)})"
    )


followup_app = typer.Typer(
    name="followup",
    help="整改“回头看”:销号满规定期限后核查有无反弹(list 查看 / confirm 确认未反弹 / reopen 认定反弹 / months 设置期限)。",
    no_args_is_help=True,
)


@followup_app.command("list")
def followup_list_cmd(
    inspection: Annotated[
        int | None, typer.Option("--inspection", help="只看该轮次(rectify inspections 查看编号)")
    ] = None,
    due: Annotated[bool, typer.Option("--due", help="只看已到期、待确认的回头看")] = False,
    as_of: AsOfOpt = None,
    json_: JsonOpt = False,
    as_: AsOpt = None,
) -> None:
    """列出回头看:任务、销号日期、到期日、状态。"""
    from ledger.followup import list_followups

    ctx = context()
    with user_errors():
        day = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            views = list_followups(
                session=session, actor=actor, today=day, inspection_id=inspection, due_only=due
            )
    if json_:
        emit_json([v.as_json() for v in views])
        return
    if not views:
        say("暂无回头看。")
        return
    print_table(
        ["任务编号", "序号", "整改措施", "牵头单位", "销号日期", "回头看到期", "状态", "提醒日期"],
        [
            [
                v.task_id,
                v.code,
                v.measure,
                v.lead_unit,
                v.closed_on,
                v.due_on,
                ("已到期," if v.is_due(day) else "") + v.status.label,
                v.reminded_on or "",
            ]
            for v in views
        ],
        clip=30,
    )


@followup_app.command("confirm")
def followup_confirm_cmd(
    task: Annotated[int, typer.Argument(help="任务编号")],
    note: Annotated[str, typer.Option("--note", help="回头看情况说明(整改成果巩固、未反弹的情况)")],
    evidence: Annotated[
        list[Path] | None, typer.Option("--evidence", help="佐证材料文件,可多次给出")
    ] = None,
    as_: AsOpt = None,
) -> None:
    """确认未反弹(牵头或配合单位,或整改办):回头看到期后填写说明,可附佐证材料。"""
    from ledger.followup import confirm_no_rebound

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        followup = confirm_no_rebound(
            task,
            note=note,
            evidence=evidence,
            session=session,
            actor=actor,
            now=ctx.now,
            evidence_store=ctx.settings.evidence_dir,
        )
    say(f"已确认任务 {task} 回头看未反弹(回头看编号 {followup.id})。")


@followup_app.command("reopen")
def followup_reopen_cmd(
    task: Annotated[int, typer.Argument(help="任务编号")],
    reason: Annotated[str, typer.Option("--reason", help="认定反弹的理由")],
    as_: AsOpt = None,
) -> None:
    """认定反弹(仅整改办):任务重新打开为“整改中”,历史记录保留,计入反弹。"""
    from ledger.followup import reopen_for_rebound

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        reopen_for_rebound(task, reason=reason, session=session, actor=actor, now=ctx.now)
    say(f"已认定任务 {task} 反弹,任务重新打开为“整改中”。")


@followup_app.command("months")
def followup_months_cmd(
    months: Annotated[int, typer.Argument(help="销号后多少个月开展回头看(1-60)")],
    task: Annotated[int | None, typer.Option("--task", help="只设置该任务")] = None,
    inspection: Annotated[
        int | None, typer.Option("--inspection", help="设置该轮次的默认期限")
    ] = None,
    as_: AsOpt = None,
) -> None:
    """设置回头看期限(仅整改办):某任务自己的,或某轮次的默认期限(默认6个月)。"""
    from ledger.followup import set_followup_months

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        moved = set_followup_months(
            months=months,
            task_id=task,
            inspection_id=inspection,
            session=session,
            actor=actor,
            now=ctx.now,
        )
    which = f"任务 {task}" if task is not None else f"轮次 {inspection} 的默认"
    say(
        f"已将{which}回头看期限设为销号后{months}个月;{moved}项待开展的回头看已按新期限调整到期日。"
    )


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("closure-form")(closure_form_cmd)
    app.command("archive")(archive_cmd)
    app.add_typer(followup_app)


def _size_text(size: int) -> str:
    from ledger.documents.closure import size_text  # python-docx loads only when needed

    return size_text(size)
