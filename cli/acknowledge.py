"""`rectify acknowledge`: 签收, a unit signing for a task it has been given."""

from __future__ import annotations

import typer

from cli.common import AsOpt, JsonOpt, context, emit_json, say, user_errors


def acknowledge_cmd(task_id: int, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """签收任务:牵头单位或配合单位的用户为本单位签收交办的整改任务(整改办不能代签)。"""
    from ledger.acknowledge import acknowledge

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        result = acknowledge(task_id, session=session, actor=actor, now=ctx.now)
    if json_:
        emit_json(result.as_json())
        return
    say(result.message)


def register(app: typer.Typer) -> None:
    app.command("acknowledge")(acknowledge_cmd)
