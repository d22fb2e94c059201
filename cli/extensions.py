"""`rectify extensions`: the 延期申请 an actor may read, those waiting for a decision first."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import TZ, AsOpt, JsonOpt, context, emit_json, print_table, say, user_errors
from models.enums import ExtensionStatus


def extensions_cmd(
    status: Annotated[
        str | None,
        typer.Option(help="待审批/已批准/未批准(或 pending/approved/refused);不写则列出全部"),
    ] = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """列出延期申请(整改办看全部,责任单位看本单位任务的,责任领导看其分管任务的)。"""
    from ledger.extensions import list_extensions
    from ledger.inputs import parse_choice

    ctx = context()
    with user_errors():
        wanted = parse_choice(status, ExtensionStatus, "状态", field="status") if status else None
        with ctx.use_case(as_) as (session, actor):
            rows = list_extensions(session=session, actor=actor, status=wanted)
    if json_:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        say("没有符合条件的延期申请。")
        return
    print_table(
        [
            "编号",
            "任务",
            "整改措施",
            "牵头单位",
            "申请人",
            "申请时间",
            "原时限",
            "申请延至",
            "理由",
            "状态",
        ],
        [
            [
                r.id,
                f"{r.task_id}({r.task_code})",
                r.measure,
                r.lead_unit,
                r.requested_by,
                f"{r.requested_at.astimezone(TZ):%Y-%m-%d %H:%M}",
                r.current_deadline,
                r.new_deadline,
                r.reason,
                r.status_label,
            ]
            for r in rows
        ],
        clip=24,
    )
    pending = sum(r.status is ExtensionStatus.pending for r in rows)
    if pending:
        say(
            f"待审批{pending}项:用 rectify extension approve 编号 或 rectify extension refuse 编号 审批"
        )


def register(app: typer.Typer) -> None:
    app.command("extensions")(extensions_cmd)
