"""`rectify part`: a co-unit marks its own part of a task 已完成, or reopens it.

A co-unit reports on its part with `rectify progress 任务编号 --as 配合单位的人`: the service
knows whose part a report is about from the acting user's unit.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import AsOpt, context, user_errors

# The ledger's modules are imported inside the commands that use them: `rectify --help`
# imports this module and must not pay for SQLModel's tables (benchmarks/startup.py).

part_app = typer.Typer(help="配合单位承担的部分:标记完成、重新打开", no_args_is_help=True)


@part_app.command("done")
def part_done(
    task_id: int,
    note: Annotated[str, typer.Option(help="完成情况说明(可不填)")] = "",
    as_: AsOpt = None,
) -> None:
    """配合单位将本单位承担的部分标记为已完成(须先填报本单位部分的进展)。"""
    from ledger import lifecycle

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        part = lifecycle.mark_part_done(
            task_id, note=note, session=session, actor=actor, now=ctx.now
        )
    typer.echo(f"任务 {task_id}:“{part.unit}”承担的部分已标记完成")


@part_app.command("reopen")
def part_reopen(
    task_id: int,
    reason: Annotated[str, typer.Option(help="重新打开的原因(可不填)")] = "",
    as_: AsOpt = None,
) -> None:
    """配合单位将本单位已完成的部分重新打开(任务销号前),以便继续填报。"""
    from ledger import lifecycle

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        part = lifecycle.reopen_part(
            task_id, reason=reason, session=session, actor=actor, now=ctx.now
        )
    typer.echo(f"任务 {task_id}:“{part.unit}”承担的部分已重新打开")


def register(app: typer.Typer) -> None:
    app.add_typer(part_app, name="part")
