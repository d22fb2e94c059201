"""Commands for the end of a round: the 销号审批表 of a task and the round's 整改档案."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import AsOfOpt, AsOpt, JsonOpt, context, emit_json, user_errors
from ledger.documents.closure import size_text

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
        f"{size_text(summary.size)})"
    )


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("closure-form")(closure_form_cmd)
    app.command("archive")(archive_cmd)
