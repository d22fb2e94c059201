"""`rectify import` and `rectify export`: the 整改台账 in and out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from ledger.errors import InvalidInputError
from ledger.wording import cn_date

if TYPE_CHECKING:  # the import's modules load only when a ledger is imported
    from ledger.importing import ImportResult


def _echo_result(r: ImportResult) -> None:
    from ledger.importing import FEEDBACK_UNKNOWN

    head = "试导入(未写入数据库)" if r.dry_run else "导入完成"
    where = f"轮次 {r.inspection_id}" if r.inspection_id else "新轮次"
    say(f"{head}:{r.file}(工作表“{r.sheet}”)→ {where}“{r.inspection_title}”")
    feedback = cn_date(r.feedback_date) if r.feedback_date else FEEDBACK_UNKNOWN
    filled = f";台账填报时间 {cn_date(r.filled_on)}" if r.filled_on else ""
    say(f"  {r.round_note};反馈日期 {feedback}{filled}")
    for note in r.notes:
        say(f"  注意:{note}")
    if r.feedback_date is None:
        which = r.inspection_id or "<轮次编号>"
        say(f"  填写反馈日期:rectify inspection edit {which} --feedback-date 2018-06-20 --reason …")
    verb = "将" if r.dry_run else ""
    say(f"  问题:{verb}新增{r.problems_created}个,{verb}更新{r.problems_updated}个")
    say(
        f"  任务:{verb}新增{r.tasks_created}项,{verb}更新{r.tasks_updated}项,未变{r.tasks_unchanged}项"
    )
    if r.reports_imported:
        say(f"  进展:{verb}导入{r.reports_imported}条(作为导入进展记录)")
    if r.units_created:
        say(f"  新登记单位{len(r.units_created)}个:{'、'.join(r.units_created)}")
    if r.marked_done:
        say(
            f"  表内标注已完成:{r.marked_done}项(销号须由责任单位申请、整改办审核,导入不改变任务状态)"
        )
    if r.not_in_ledger:
        codes = "、".join(r.not_in_ledger[:20]) + ("等" if len(r.not_in_ledger) > 20 else "")
        say(f"  系统中有{len(r.not_in_ledger)}项任务未出现在本台账中(未删除):{codes}")
    if r.ignored_columns:
        say(f"  未使用的列:{'、'.join(r.ignored_columns)}")
    for diff in r.differences:
        say(f"  差异:{diff}")
    if r.dry_run:
        print_table(
            ["行", "处理", "编号", "整改措施", "牵头单位", "时限"],
            [
                [
                    row["row"],
                    row["action"],
                    row["code"],
                    row["measure"],
                    row["lead_unit"],
                    row["deadline"] or ("长期坚持" if row["kind"] == "ongoing" else "立行立改"),
                ]
                for row in r.rows
            ],
            clip=30,
        )


def import_cmd(
    file: Annotated[Path, typer.Argument(help="台账文件(.xlsx / .xls / .csv)")],
    inspection: Annotated[
        int | None,
        typer.Option(
            "--inspection",
            help="导入到已有轮次(编号);不指定则按台账内容匹配已有轮次,未匹配到时新建",
        ),
    ] = None,
    body: Annotated[str, typer.Option(help="轮次:巡视(察)机构,如 省委第八巡视组")] = "",
    feedback_date: Annotated[
        str | None, typer.Option("--feedback-date", help="轮次:反馈日期,如 2026-10-15")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="轮次:来源 巡视/巡察/审计/督查")] = None,
    subject: Annotated[str, typer.Option(help="轮次:主题,如 脱贫攻坚")] = "",
    org: Annotated[str, typer.Option(help="轮次:被巡视(察)单位")] = "",
    plan_doc_no: Annotated[str, typer.Option(help="轮次:整改方案文号")] = "",
    title: Annotated[str, typer.Option(help="轮次:标题(默认取台账标题或文件名)")] = "",
    new_round: Annotated[
        bool,
        typer.Option("--new-round", help="新建轮次,即使台账内容与已有轮次相同"),
    ] = False,
    sheet: Annotated[str | None, typer.Option(help="工作表名称(默认第一个有内容的工作表)")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只检查并显示将导入的内容,不写入")
    ] = False,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """导入整改台账(Excel 或 CSV):登记问题、任务、责任单位和时限;再次导入更正后的台账会更新已有任务。"""
    from ledger.inputs import parse_date

    ctx = context()
    with user_errors():
        from ledger.importing import LedgerRowsError, RoundFields, import_ledger

        fields = RoundFields(
            source_kind=kind,
            body=body,
            subject=subject,
            inspected_org=org,
            feedback_date=parse_date(feedback_date, "反馈日期(--feedback-date)")
            if feedback_date
            else None,
            plan_doc_no=plan_doc_no,
            title=title,
        )
        if inspection is not None and (fields.given() or new_round):
            raise InvalidInputError(
                "--inspection 与新建轮次的参数(--body、--new-round 等)不能同时使用,请二选一"
            )
        try:
            with ctx.use_case(as_) as (session, actor):
                result = import_ledger(
                    file,
                    session=session,
                    actor=actor,
                    now=ctx.now,
                    today=ctx.today,
                    rules=ctx.settings.rules,
                    calendar=ctx.calendar,
                    inspection_id=inspection,
                    round_fields=fields,
                    new_round=new_round,
                    sheet=sheet,
                    dry_run=dry_run,
                    limits=ctx.settings.limits,
                )
        except LedgerRowsError as exc:
            if json_:
                emit_json({"ok": False, "file": file.name, "errors": exc.errors})
            raise
    if json_:
        emit_json({"ok": True, **result.as_json()})
    else:
        _echo_result(result)


def export_cmd(
    file: Annotated[Path, typer.Argument(help="导出到的 .xlsx 文件")],
    inspection: Annotated[
        int | None, typer.Option("--inspection", help="只导出该轮次(默认每个轮次一个工作表)")
    ] = None,
    as_of: AsOfOpt = None,
    as_: AsOpt = None,
) -> None:
    """导出整改台账(.xlsx):问题合并单元格、红黄绿蓝灯底色、冻结表头,横向打印适合页宽。"""
    from ledger.exporting import export_ledger

    ctx = context()
    with user_errors():
        today = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            summary = export_ledger(
                file,
                session=session,
                actor=actor,
                today=today,
                rules=ctx.settings.rules,
                inspection_id=inspection,
            )
    typer.echo(f"已导出 {file}:{summary.sheets}个轮次,{summary.tasks}项任务(截至{cn_date(today)})")


def register(app: typer.Typer) -> None:
    """Adds this area's commands to the rectify application."""
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
