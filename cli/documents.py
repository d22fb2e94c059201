"""Commands that produce documents: the 整改情况报告, the 督办通知单, the weekly summary in Word."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import AsOfOpt, AsOpt, context, fail, user_errors
from ledger.errors import InvalidInputError

if TYPE_CHECKING:  # python-docx and Jinja2 load only when a document is written
    from cli.context import Context
    from ledger.documents.render import Document

FORMATS = {"docx": "docx", "word": "docx", "html": "html", "htm": "html", "md": "md"}

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="输出格式:docx(默认)/html/md;不写时按 -o 的扩展名判断"),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="输出文件;Markdown/HTML 不写则打印到屏幕"),
]
TemplateOpt = Annotated[
    Path | None,
    typer.Option("--template", help="本单位的 Word 模板(.docx,含 {{ }} 标记),默认用内置模板"),
]


def _format(fmt: str | None, output: Path | None) -> str:
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        return FORMATS.get(suffix, "docx")
    if fmt.lower() not in FORMATS:
        raise InvalidInputError(f"输出格式(--format)“{fmt}”无法识别,可选:docx/html/md")
    return FORMATS[fmt.lower()]


def _emit(
    data: Document,
    *,
    fmt: str,
    output: Path | None,
    default_name: str,
    template: Path | None,
    ctx: Context,
    what: str,
) -> None:
    """Writes the document (Word to a file, Markdown/HTML to a file or the screen)."""
    from ledger.documents.render import render_docx, render_html, render_markdown
    from ledger.files import write_text

    if template is not None and fmt != "docx":
        raise InvalidInputError("--template 只用于 Word(docx)格式")
    if fmt == "docx":
        out = output or ctx.settings.reports_dir / f"{default_name}.docx"
        render_docx(data, out, template=template)
        typer.echo(f"已生成{what}:{out}")
        return
    text = render_markdown(data) if fmt == "md" else render_html(data)
    if output is None:
        typer.echo(text, nl=False)
        return
    write_text(output, text)
    typer.echo(f"已生成{what}:{output}")


def report_cmd(
    inspection: Annotated[int, typer.Argument(help="巡视(察)轮次编号(rectify inspections 查看)")],
    as_of: AsOfOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    template: TemplateOpt = None,
    as_: AsOpt = None,
) -> None:
    """生成一轮巡视(察)的整改情况报告(逐项汇报:工作开展情况、存在的问题、整改情况)。"""
    from ledger.documents.report_data import rectification_report

    ctx = context()
    with user_errors():
        kind = _format(fmt, output)
        day = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            data = rectification_report(
                session, inspection, actor=actor, as_of=day, rules=ctx.settings.rules
            )
        _emit(
            data,
            fmt=kind,
            output=output,
            default_name=f"整改情况报告-轮次{inspection}-{day.isoformat()}",
            template=template,
            ctx=ctx,
            what="整改情况报告",
        )


def supervision_order_cmd(
    order: Annotated[int | None, typer.Argument(help="督办通知单编号")] = None,
    task: Annotated[
        int | None, typer.Option("--task", help="按任务编号取该任务最近一次的督办通知单")
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    template: TemplateOpt = None,
    as_: AsOpt = None,
) -> None:
    """重新生成督办通知单(督办〔年份〕N号),按编号或 --task 任务编号查找。"""
    from ledger.documents.supervision import latest_order_id, supervision_order_data

    if (order is None) == (task is None):
        fail("请给出督办通知单编号,或用 --task 任务编号(二者选一)")
    ctx = context()
    with user_errors():
        kind = _format(fmt, output)
        with ctx.use_case(as_) as (session, actor):
            if order is None:
                assert task is not None  # one of the two, checked above
                order = latest_order_id(session, task, actor=actor)
            data = supervision_order_data(session, order, actor=actor)
        _emit(
            data,
            fmt=kind,
            output=output,
            default_name=f"督办通知单-{data.year}-{data.number}",
            template=template,
            ctx=ctx,
            what=f"督办通知单 {data.label}",
        )


def weekly_report_cmd(
    as_of: AsOfOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出的 Word 文件(默认写入报告文件夹)")
    ] = None,
    template: TemplateOpt = None,
    as_: AsOpt = None,
) -> None:
    """生成整改周报的 Word 文件(含各牵头单位完成率图),不发送通知。"""
    # Imported here: matplotlib would slow every other command's start.
    from ledger.documents.weekly import weekly_report_data
    from notifications.weekly_download import write_weekly_docx

    ctx = context()
    with user_errors():
        day = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            summary = weekly_report_data(
                session,
                actor=actor,
                as_of=day,
                rules=ctx.settings.rules,
                calendar=ctx.calendar,
                now=ctx.now,
            )
        out = output or ctx.settings.reports_dir / f"整改周报-{summary.week}.docx"
        chart = write_weekly_docx(summary, out, template=template)
    typer.echo(f"已生成整改周报:{out}")
    if chart.font is None:
        typer.echo(
            "提示:本机未安装中文字体(如 fonts-noto-cjk),完成率图改用英文标注,"
            "单位按表中排名编号;安装中文字体后重新生成即可显示单位名称。",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("report")(report_cmd)
    app.command("supervision-order")(supervision_order_cmd)
    app.command("weekly-report")(weekly_report_cmd)
    app.command("dubanshu", help="同 supervision-order:重新生成督办通知单。")(supervision_order_cmd)
