"""Commands for the end of a round: the 销号审批表 of a task and the round's 整改档案."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import AsOpt, context, user_errors

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


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("closure-form")(closure_form_cmd)
