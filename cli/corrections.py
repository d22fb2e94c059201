"""`rectify inspection|task edit|withdraw|restore` and `rectify problem edit`: the office's corrections.

Each command parses its options, makes one call into ledger.corrections with the acting
user, and prints what changed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli import core
from cli.common import AsOpt, JsonOpt, context, emit_json, user_errors

# The ledger's modules are imported inside the commands that use them: `rectify --help`
# imports this module and must not pay for SQLModel's tables (benchmarks/startup.py).

ReasonOpt = Annotated[str, typer.Option("--reason", help="更正理由(必填,记入历史记录)")]


def inspection_edit(
    inspection_id: Annotated[int, typer.Argument(help="轮次编号(rectify inspections 查看)")],
    reason: ReasonOpt = "",
    body: Annotated[str | None, typer.Option(help="巡视(察)机构,如 省委第八巡视组")] = None,
    org: Annotated[str | None, typer.Option(help="被巡视(察)单位")] = None,
    feedback_date: Annotated[
        str | None, typer.Option("--feedback-date", help="反馈日期,如 2018-06-20")
    ] = None,
    plan_doc_no: Annotated[str | None, typer.Option(help="整改方案文号")] = None,
    title: Annotated[str | None, typer.Option(help="标题")] = None,
    kind: Annotated[str | None, typer.Option(help="来源:巡视/巡察/审计/督查")] = None,
    subject: Annotated[str | None, typer.Option(help="主题,如 脱贫攻坚")] = None,
    report_cadence: Annotated[
        str | None,
        typer.Option(
            "--cadence", help="报送周期:每周一(至每周日)、每月15日、每季度、不定期;空字符串恢复默认"
        ),
    ] = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """更正一轮巡视(察)的机构、被巡视单位、反馈日期、文号、标题、来源或报送周期(记入历史)。"""
    from ledger import corrections
    from ledger.directory import inspection_public
    from ledger.inputs import parse_date

    ctx = context()
    with user_errors():
        changes = corrections.InspectionEdit(
            body=body,
            inspected_org=org,
            feedback_date=parse_date(feedback_date, "反馈日期(--feedback-date)")
            if feedback_date
            else None,
            plan_doc_no=plan_doc_no,
            title=title,
            source_kind=kind,
            subject=subject,
            report_cadence=report_cadence,
        )
        with ctx.use_case(as_) as (session, actor):
            inspection = corrections.edit_inspection(
                inspection_id, changes, reason=reason, session=session, actor=actor, now=ctx.now
            )
            shown = inspection_public(inspection, ctx.settings.rules.report_cadence)
            data = shown.model_dump(mode="json")
    if json_:
        emit_json(data)
    else:
        typer.echo(f"已更正轮次 {data['id']}:{data['title']}")


def problem_edit(
    problem_id: Annotated[int, typer.Argument(help="问题编号(rectify problems 查看)")],
    text: Annotated[str, typer.Option("--text", help="更正后的问题描述")] = "",
    reason: ReasonOpt = "",
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """更正一个反馈问题的描述(记入历史)。"""
    from ledger import corrections
    from ledger.directory import ProblemPublic

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        problem = corrections.edit_problem(
            problem_id, text=text, reason=reason, session=session, actor=actor, now=ctx.now
        )
        data = ProblemPublic.model_validate(problem, from_attributes=True).model_dump(mode="json")
    if json_:
        emit_json(data)
    else:
        typer.echo(f"已更正问题 {data['id']}:{data['description']}")


def task_edit(
    task_id: Annotated[int, typer.Argument(help="任务编号(rectify tasks 查看)")],
    reason: ReasonOpt = "",
    measure: Annotated[str | None, typer.Option(help="整改措施")] = None,
    lead_unit: Annotated[str | None, typer.Option("--lead-unit", help="牵头单位")] = None,
    co_units: Annotated[
        str | None, typer.Option("--co-units", help="配合单位,多个用顿号分隔;空字符串清除")
    ] = None,
    leader: Annotated[str | None, typer.Option(help="责任领导")] = None,
    person: Annotated[str | None, typer.Option(help="责任人")] = None,
    kind: Annotated[str | None, typer.Option(help="类型:立行立改/限期整改/长期坚持")] = None,
    deadline: Annotated[
        str | None, typer.Option(help="整改时限,如 2018-12-31(不是延期:原时限保留)")
    ] = None,
    report_cadence: Annotated[
        str | None,
        typer.Option(
            "--cadence", help="报送周期:每周一(至每周日)、每月15日、每季度、不定期;空字符串随轮次"
        ),
    ] = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """更正整改任务的措施、单位、责任领导、责任人、类型、时限或报送周期(整改办;记入历史)。"""
    from ledger import corrections
    from ledger.inputs import parse_date, parse_kind, split_units
    from ledger.queries import TaskFilter, task_views

    ctx = context()
    with user_errors():
        changes = corrections.TaskEdit(
            measure=measure,
            lead_unit=lead_unit,
            co_units=split_units(co_units) if co_units is not None else None,
            leader=leader,
            person=person,
            kind=parse_kind(kind) if kind is not None else None,
            deadline=parse_date(deadline, "整改时限(--deadline)") if deadline else None,
            report_cadence=report_cadence,
        )
        with ctx.use_case(as_) as (session, actor):
            task = corrections.edit_task(
                task_id,
                changes,
                reason=reason,
                session=session,
                actor=actor,
                now=ctx.now,
                rules=ctx.settings.rules,
                calendar=ctx.calendar,
            )
            # Shown as `tasks --json` shows it, as the actor reads it after the change.
            [view] = task_views(
                session,
                today=ctx.today,
                rules=ctx.settings.rules,
                where=TaskFilter(task_ids=(task.id or 0,)),
                actor=actor,
            )
            data = view.as_json()
    if json_:
        emit_json(data)
    else:
        typer.echo(
            f"已更正任务 {data['id']}({data['code']}),历史记录见 rectify history {data['id']}"
        )


def task_withdraw(
    task_id: Annotated[int, typer.Argument(help="任务编号")],
    reason: ReasonOpt = "",
    as_: AsOpt = None,
) -> None:
    """撤销误登记的整改任务:不再计入统计、亮灯、提醒、报告和导出;可查看、可恢复。"""
    from ledger import corrections

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        task = corrections.withdraw_task(
            task_id, reason=reason, session=session, actor=actor, now=ctx.now
        )
        code = task.code
    typer.echo(f"已撤销任务 {task_id}({code});恢复:rectify task restore {task_id} --reason …")


def task_restore(
    task_id: Annotated[int, typer.Argument(help="任务编号")],
    reason: ReasonOpt = "",
    as_: AsOpt = None,
) -> None:
    """恢复已撤销的整改任务。"""
    from ledger import corrections

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        task = corrections.restore_task(
            task_id, reason=reason, session=session, actor=actor, now=ctx.now
        )
        code = task.code
    typer.echo(f"已恢复任务 {task_id}({code})")


def inspection_withdraw(
    inspection_id: Annotated[int, typer.Argument(help="轮次编号")],
    reason: ReasonOpt = "",
    as_: AsOpt = None,
) -> None:
    """撤销一轮(如重复导入的轮次):其任务不再计入统计、提醒、报告和导出;可恢复。"""
    from ledger import corrections

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        inspection = corrections.withdraw_inspection(
            inspection_id, reason=reason, session=session, actor=actor, now=ctx.now
        )
        title = inspection.title
    typer.echo(
        f"已撤销轮次 {inspection_id}“{title}”;恢复:rectify inspection restore {inspection_id} --reason …"
    )


def inspection_restore(
    inspection_id: Annotated[int, typer.Argument(help="轮次编号")],
    reason: ReasonOpt = "",
    as_: AsOpt = None,
) -> None:
    """恢复已撤销的轮次。"""
    from ledger import corrections

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        inspection = corrections.restore_inspection(
            inspection_id, reason=reason, session=session, actor=actor, now=ctx.now
        )
        title = inspection.title
    typer.echo(f"已恢复轮次 {inspection_id}“{title}”")


def register(app: typer.Typer) -> None:
    """Adds the corrections to the inspection, problem and task command groups."""
    core.inspection_app.command("edit")(inspection_edit)
    core.inspection_app.command("withdraw")(inspection_withdraw)
    core.inspection_app.command("restore")(inspection_restore)
    core.problem_app.command("edit")(problem_edit)
    core.task_app.command("edit")(task_edit)
    core.task_app.command("withdraw")(task_withdraw)
    core.task_app.command("restore")(task_restore)
