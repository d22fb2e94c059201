"""`rectify score`: the 单位考核 ranking of a period, its causes, its xlsx, and 关账."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import AsOfOpt, AsOpt, JsonOpt, context, emit_json, print_table, say, user_errors

score_app = typer.Typer(
    help="单位考核:按月或按季度计算各责任单位得分、排名及扣分明细", invoke_without_command=True
)

PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help="考核周期:2026-11(按月)或 2026-Q4(按季度);默认当前周期"),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="另存为 xlsx 文件,如 考核.xlsx")
]


@score_app.callback()
def score_cmd(
    typer_ctx: typer.Context,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    output: OutputOpt = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """显示某一考核周期的单位得分排名和扣分明细(整改办、责任领导看全部单位,责任单位看本单位)。"""
    if typer_ctx.invoked_subcommand is not None:
        return
    from ledger.scoring import RANK_HEADER, board_rows, unit_scores, write_board_xlsx

    ctx = context()
    with user_errors():
        today = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            board = unit_scores(
                period,
                session=session,
                actor=actor,
                today=today,
                scoring=ctx.settings.scoring,
                rules=ctx.settings.rules,
                calendar=ctx.calendar,
            )
        if output is not None:
            write_board_xlsx(board, output)
    if json_:
        emit_json(board.as_json())
        return
    say(f"单位考核 {board.label}({board.period},{board.status_text})")
    if not board.units:
        say("本周期没有可考核的单位。")
    else:
        ranking, items = board_rows(board)
        print_table(RANK_HEADER, ranking)
        if items:
            say("")
            say("扣分、加分明细:")
            print_table(["单位", "任务", "类别", "事由", "分值"], items)
    if output is not None:
        say(f"已写入:{output}")


@score_app.command("close")
def close_cmd(
    period: Annotated[str, typer.Argument(help="要关账的考核周期,如 2026-11 或 2026-Q4")],
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """关账:冻结已结束周期的考核结果,此后的退回、更正不再改变它(限整改办)。"""
    from ledger.scoring import close_period

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        board = close_period(
            period,
            session=session,
            actor=actor,
            now=ctx.now,
            scoring=ctx.settings.scoring,
            rules=ctx.settings.rules,
            calendar=ctx.calendar,
        )
    if json_:
        emit_json(board.as_json())
        return
    say(f"考核周期 {board.period}({board.label})已关账,共 {len(board.units)} 个单位,结果已冻结")


def register(app: typer.Typer) -> None:
    app.add_typer(score_app, name="score")
