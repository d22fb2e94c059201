"""Commands of the ledger core: init, registration, listing, the lifecycle."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from cli.common import (
    TZ,
    AsOfOpt,
    AsOpt,
    JsonOpt,
    context,
    emit_json,
    fail,
    print_table,
    say,
    user_errors,
)
from models.enums import ExtensionStatus, Light, ReportKind, Role, TaskStatus

E = TypeVar("E", bound=StrEnum)

if TYPE_CHECKING:
    from cli.context import Context
    from ledger.task_detail import ReportItem, TaskDetail

# The ledger's modules are imported inside the commands that use them: `rectify --help`
# imports this module and must not pay for SQLModel's tables (benchmarks/startup.py).

inspection_app = typer.Typer(help="巡视(察)轮次", no_args_is_help=True)
problem_app = typer.Typer(help="反馈问题", no_args_is_help=True)
task_app = typer.Typer(help="整改任务", no_args_is_help=True)
user_app = typer.Typer(help="用户", no_args_is_help=True)
unit_app = typer.Typer(help="责任单位", no_args_is_help=True)
extension_app = typer.Typer(help="延期申请审批", no_args_is_help=True)


def init() -> None:
    """创建或升级数据库结构(可重复运行)。"""
    from models.db import upgrade_schema

    ctx = context()
    with user_errors():
        upgrade_schema(ctx.engine)
        ctx.settings.data_dir.mkdir(parents=True, exist_ok=True)
    typer.echo(f"数据库已就绪:{ctx.engine.url.render_as_string(hide_password=True)}")


@inspection_app.command("add")
def inspection_add(
    body: Annotated[str, typer.Option(help="巡视(察)机构,如 省委第八巡视组")],
    feedback_date: Annotated[str, typer.Option(help="反馈日期,如 2026-10-15")],
    kind: Annotated[str, typer.Option(help="来源:巡视/巡察/审计/督查")] = "巡视",
    subject: Annotated[str, typer.Option(help="主题,如 脱贫攻坚")] = "",
    org: Annotated[str, typer.Option(help="被巡视(察)单位")] = "",
    plan_doc_no: Annotated[str, typer.Option(help="整改方案文号")] = "",
    title: Annotated[str, typer.Option(help="标题(默认由机构和主题生成)")] = "",
    report_cadence: Annotated[
        str,
        typer.Option(
            "--cadence", help="报送周期:每周一(至每周日)、每月15日、每季度、不定期(默认按配置)"
        ),
    ] = "",
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """登记一轮巡视(察)反馈。"""
    from ledger import registry
    from ledger.directory import inspection_public
    from ledger.inputs import InspectionCreate, parse_date, validated

    ctx = context()
    with user_errors():
        data = validated(
            InspectionCreate,
            source_kind=kind,
            body=body,
            subject=subject,
            inspected_org=org,
            feedback_date=parse_date(feedback_date, "反馈日期(--feedback-date)"),
            plan_doc_no=plan_doc_no,
            title=title,
            report_cadence=report_cadence or None,
        )
        with ctx.use_case(as_) as (session, actor):
            inspection = registry.add_inspection(data, session=session, actor=actor, now=ctx.now)
            shown = inspection_public(inspection, ctx.settings.rules.report_cadence)
    if json_:
        emit_json(shown.model_dump(mode="json"))
    else:
        typer.echo(f"已登记轮次 {shown.id}:{shown.title}")


@inspection_app.command("list")
def inspection_list(as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """列出巡视(察)轮次。"""
    inspections_cmd(as_, json_)


def inspections_cmd(as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """列出巡视(察)轮次。"""
    from ledger.directory import list_inspections

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        rows = list_inspections(
            session=session, actor=actor, default_cadence=ctx.settings.rules.report_cadence
        )
    if json_:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["编号", "来源", "机构", "反馈日期", "方案文号", "报送周期", "标题"],
        [
            [
                r.id,
                r.source_kind,
                r.body,
                r.feedback_date or "未填写",
                r.plan_doc_no,
                r.report_cadence_label,
                ("(已撤销)" if r.withdrawn_at else "") + r.title,
            ]
            for r in rows
        ],
    )


@problem_app.command("add")
def problem_add(
    inspection: Annotated[int, typer.Option(help="轮次编号")],
    description: Annotated[str, typer.Option(help="问题描述")],
    serial: Annotated[str, typer.Option(help="序号,如 一 / (一) / 1")] = "",
    category: Annotated[str, typer.Option(help="问题类别")] = "",
    goal: Annotated[str, typer.Option(help="整改目标")] = "",
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """登记一个反馈问题。"""
    from ledger import registry
    from ledger.directory import ProblemPublic
    from ledger.inputs import ProblemCreate, validated

    ctx = context()
    with user_errors():
        data = validated(
            ProblemCreate,
            inspection_id=inspection,
            description=description,
            serial=serial,
            category=category,
            goal=goal,
        )
        with ctx.use_case(as_) as (session, actor):
            problem = registry.add_problem(data, session=session, actor=actor, now=ctx.now)
            shown = ProblemPublic.model_validate(problem, from_attributes=True)
    if json_:
        emit_json(shown.model_dump(mode="json"))
    else:
        typer.echo(f"已登记问题 {shown.id}(第{shown.seq}个):{shown.description}")


def problems_cmd(
    inspection: Annotated[int | None, typer.Option(help="只看该轮次")] = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """列出反馈问题。"""
    from ledger.directory import list_problems

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        rows = list_problems(session=session, actor=actor, inspection_id=inspection)
    if json_:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["编号", "轮次", "序号", "问题"],
        [[r.id, r.inspection_id, r.serial, r.description] for r in rows],
    )


@task_app.command("add")
def task_add(
    problem: Annotated[int, typer.Option(help="问题编号")],
    measure: Annotated[str, typer.Option(help="整改措施")],
    lead_unit: Annotated[
        str, typer.Option(help="牵头单位(须已登记;可写多个,以、分隔,第一个为牵头)")
    ],
    co_unit: Annotated[list[str] | None, typer.Option(help="配合单位,可重复")] = None,
    leader: Annotated[str, typer.Option(help="责任领导")] = "",
    person: Annotated[str, typer.Option(help="责任人")] = "",
    kind: Annotated[
        str, typer.Option(help="立行立改/限期整改/长期坚持(或 immediate/dated/ongoing)")
    ] = "限期整改",
    deadline: Annotated[str | None, typer.Option(help="整改时限,如 2026-12-31")] = None,
    note: Annotated[str, typer.Option(help="备注")] = "",
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """登记一项整改任务(措施)。"""
    from ledger import registry
    from ledger.inputs import TaskCreate, validated
    from ledger.task_detail import task_detail

    ctx = context()
    with user_errors():
        data = validated(
            TaskCreate,
            problem_id=problem,
            measure=measure,
            lead_unit=lead_unit,
            co_units=co_unit or [],
            leader=leader,
            person=person,
            kind=kind,
            deadline=deadline,
            note=note,
        )
        with ctx.use_case(as_) as (session, actor):
            task = registry.add_task(
                data,
                session=session,
                actor=actor,
                now=ctx.now,
                today=ctx.today,
                rules=ctx.settings.rules,
                calendar=ctx.calendar,
            )
            assert task.id is not None
            # Shown as the actor who registered it, inside the same use case.
            detail = (
                task_detail(
                    task.id, session=session, actor=actor, today=ctx.today, rules=ctx.settings.rules
                )
                if json_
                else None
            )
    if detail is not None:
        emit_json(detail_json(detail))
    else:
        typer.echo(f"已登记任务 {task.id}({task.code}),整改时限 {task.deadline or '长期坚持'}")


def tasks_cmd(
    inspection: Annotated[int | None, typer.Option(help="轮次编号")] = None,
    unit: Annotated[str | None, typer.Option(help="单位(牵头或配合)")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="待整改/整改中/待销号/已销号(或 pending/in_progress/submitted/closed)"),
    ] = None,
    light: Annotated[
        str | None, typer.Option(help="红灯/黄灯/绿灯/蓝灯/已销号(或 red/yellow/green/blue/done)")
    ] = None,
    as_of: AsOfOpt = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """列出整改任务及红黄绿蓝灯。"""
    from ledger.queries import TaskFilter, task_views
    from models.rules import percent_text

    ctx = context()
    with user_errors():
        where = TaskFilter(
            inspection_id=inspection,
            unit=unit,
            status=_choice(status, TaskStatus, "状态", field="status"),
            light=_choice(light, Light, "灯", field="light"),
        )
        today = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            views = task_views(
                session, today=today, rules=ctx.settings.rules, where=where, actor=actor
            )
    if json_:
        emit_json([v.as_json() for v in views])
        return
    print_table(
        ["编号", "序号", "整改措施", "牵头单位", "时限", "剩余天数", "状态", "灯"],
        [
            [
                v.id,
                v.code,
                v.measure,
                v.lead_unit,
                v.deadline or v.kind.label,
                "" if v.days_left is None else v.days_left,
                v.status.label,
                v.light.label,
            ]
            for v in views
        ],
        clip=30,
    )
    closed = sum(v.status is TaskStatus.closed for v in views)
    typer.echo(f"共{len(views)}项,已销号{closed}项,完成率{percent_text(closed, len(views))}")


def _choice(value: str | None, enum: type[E], label: str, *, field: str) -> E | None:
    """An optional filter's value, Chinese or English (ledger.inputs.parse_choice)."""
    if value is None:
        return None
    # ledger.inputs declares the *Create models (pydantic): a listing without filters skips it.
    from ledger.inputs import parse_choice

    return parse_choice(value, enum, label, field=field)


def detail_json(detail: TaskDetail) -> dict[str, Any]:
    """`task show --json`: the task view's keys, then what was reported, asked and decided."""
    from ledger.extensions import task_extension_public

    data = detail.view.as_json()
    data["reports"] = [
        {
            "id": r.id,
            "kind": r.kind.value,
            "kind_label": r.kind_label,
            "actor": r.actor,
            "reported_at": r.at.isoformat(),
            "ledger_date": r.ledger_date.isoformat() if r.ledger_date else None,
            "text": r.text,
            "issues": r.issues,
            "next_steps": r.next_steps,
            "no_evidence_reason": r.no_evidence_reason,
            "evidence": [{"id": e.id, "name": e.name, "size": e.size} for e in r.evidence],
            "unit_id": r.unit_id,
            "open_parts_reason": r.open_parts_reason,
        }
        for r in detail.reports
    ]
    data["parts"] = [
        {**p.state.as_json(), "report_ids": [r.id for r in p.reports]} for p in detail.parts
    ]
    data["extensions"] = [
        task_extension_public(x).model_dump(mode="json") for x in detail.extensions
    ]
    data["returned_reason"] = detail.returned_reason
    data["report_cadence"] = detail.report_cadence
    data["report_cadence_label"] = detail.report_cadence_label
    data["acknowledged"] = detail.acknowledged
    data["acknowledgements"] = [a.as_json() for a in detail.acknowledgements]
    return data


def _print_detail(detail: TaskDetail, ctx: Context) -> None:
    view = detail.view
    withdrawn = "  已撤销(不计入统计、提醒、报告和导出)" if view.withdrawn else ""
    say(f"任务 {view.id}({view.code})  {view.light.label}  {view.status.label}{withdrawn}")
    say(f"所属轮次:{view.inspection}")
    say(f"问题:{view.problem}")
    say(f"整改措施:{view.measure}")
    say(f"牵头单位:{view.lead_unit}  配合单位:{'、'.join(view.co_units) or '无'}")
    say(f"责任领导:{view.leader or '—'}  责任人:{view.person or '—'}")
    say(f"报送周期:{detail.report_cadence_label}")
    if detail.acknowledgements:
        say(f"签收:{'、'.join(a.text for a in detail.acknowledgements)}")
    deadline = view.deadline or view.kind.label
    if view.original_deadline and view.original_deadline != view.deadline:
        deadline = f"{deadline}(原时限 {view.original_deadline})"
    say(
        f"类型:{view.kind.label}  整改时限:{deadline}  剩余天数:{'—' if view.days_left is None else view.days_left}"
    )
    if view.note:
        say(f"备注:{view.note}")
    for label, value in view.ledger_columns.items():
        say(f"{label}(台账原列):{value}")
    if detail.returned_reason:
        say(f"销号申请已被退回,理由:{detail.returned_reason}")
    if detail.task_reports:
        say("进展与销号申请:")
    for r in detail.task_reports:
        _print_report(r)
    for part in detail.parts:
        state = part.state
        done = (
            f",{state.done_by} 于 {state.done_at.astimezone(TZ):%Y-%m-%d %H:%M} 标记"
            if state.done_at
            else ""
        )
        note = f",说明:{state.note}" if state.note else ""
        say(f"配合单位“{state.unit}”承担的部分:{state.status.label}{done}{note}")
        if not part.reports:
            say("  尚未填报本单位部分的进展")
        for r in part.reports:
            _print_report(r, indent="  ")
    for x in detail.extensions:
        status = ExtensionStatus(x.status)
        decided = (
            f",{x.decided_by}:{x.decision_reason}" if x.decided_by and x.decision_reason else ""
        )
        say(
            f"- 延期申请 {x.id}:{x.current_deadline} → {x.new_deadline},{x.reason}({status.label}{decided})"
        )


def _print_report(r: ReportItem, indent: str = "") -> None:
    files = "、".join(f"{e.name}({e.size}字节)" for e in r.evidence)
    if r.kind is ReportKind.imported:
        # Dated as the ledger says, never by the day of the import.
        when = f"台账导入({r.ledger_date})" if r.ledger_date else "台账导入"
    else:
        when = f"{r.at.astimezone(TZ):%Y-%m-%d %H:%M}"
    say(f"{indent}- {when} {r.actor}【{r.kind_label}】{r.text}")
    if r.issues:
        say(f"{indent}  存在的问题:{r.issues}")
    if r.next_steps:
        say(f"{indent}  下一步打算:{r.next_steps}")
    if r.no_evidence_reason:
        say(f"{indent}  无需佐证的理由:{r.no_evidence_reason}")
    if r.open_parts_reason:
        say(f"{indent}  配合单位部分未完成即申请销号的理由:{r.open_parts_reason}")
    if files:
        say(f"{indent}  佐证材料:{files}")


@task_app.command("show")
def task_show(
    task_id: int, as_of: AsOfOpt = None, as_: AsOpt = None, json_: JsonOpt = False
) -> None:
    """查看一项任务的详情、进展(含存在的问题、下一步打算)、佐证、退回理由和延期申请。"""
    from ledger.task_detail import task_detail

    ctx = context()
    with user_errors():
        today = ctx.as_of(as_of)
        with ctx.use_case(as_) as (session, actor):
            detail = task_detail(
                task_id, session=session, actor=actor, today=today, rules=ctx.settings.rules
            )
    if json_:
        emit_json(detail_json(detail))
    else:
        _print_detail(detail, ctx)


def history_cmd(task_id: int, as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """查看一项任务的完整变更记录。"""
    from ledger.history import visible_history

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        entries = visible_history(task_id, session=session, actor=actor)
    if json_:
        emit_json([e.as_json() for e in entries])
        return
    print_table(
        ["时间", "操作人", "来源", "操作", "字段", "原值", "新值", "说明"],
        [
            [
                f"{e.at.astimezone(TZ):%Y-%m-%d %H:%M:%S}",
                e.actor,
                e.channel,
                e.action_label,
                e.field_label,
                e.old,
                e.new,
                e.note,
            ]
            for e in entries
        ],
    )


EvidenceOpt = Annotated[list[Path] | None, typer.Option("--evidence", help="佐证材料文件,可重复")]


def progress_cmd(
    task_ids: Annotated[
        list[int] | None, typer.Argument(help="任务编号;同一问题下的多项任务可一并填报,如 3 4 5")
    ] = None,
    text: Annotated[str, typer.Option(help="工作开展情况")] = "",
    issues: Annotated[str, typer.Option(help="存在的问题")] = "",
    next_steps: Annotated[str, typer.Option("--next", help="下一步打算")] = "",
    evidence: EvidenceOpt = None,
    tasks: Annotated[
        str | None, typer.Option("--tasks", help="一并填报的任务编号,逗号分隔,如 3,4,5")
    ] = None,
    as_: AsOpt = None,
) -> None:
    """填报整改进展(同一问题下进展相同的多项任务可一次填报,每项任务各记一条)。"""
    from ledger import lifecycle
    from ledger.shared_progress import report_progress_for_tasks

    wanted = [*(task_ids or []), *_task_list(tasks)]
    if not wanted:
        fail("请写明任务编号,如 rectify progress 3 --text …,或 --tasks 3,4,5")
    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        if len(wanted) == 1:
            lifecycle.report_progress(
                wanted[0],
                text=text,
                issues=issues,
                next_steps=next_steps,
                evidence=evidence,
                session=session,
                actor=actor,
                now=ctx.now,
                evidence_store=ctx.settings.evidence_dir,
                evidence_max_bytes=ctx.settings.limits.evidence_max_bytes,
            )
        else:
            report_progress_for_tasks(
                wanted,
                text=text,
                issues=issues,
                next_steps=next_steps,
                evidence=evidence,
                session=session,
                actor=actor,
                now=ctx.now,
                evidence_store=ctx.settings.evidence_dir,
                evidence_max_bytes=ctx.settings.limits.evidence_max_bytes,
            )
    typer.echo(f"已填报任务 {'、'.join(map(str, dict.fromkeys(wanted)))} 的进展")


def _task_list(text: str | None) -> list[int]:
    """--tasks 3,4,5 (commas, Chinese commas or spaces)."""
    if not text:
        return []
    parts = [p for p in re.split(r"[,,、\s]+", text.strip()) if p]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        fail(f"--tasks 中的“{'、'.join(bad)}”不是任务编号,请写成 3,4,5")
    return [int(p) for p in parts]


def submit_cmd(
    task_id: int,
    summary: Annotated[str, typer.Option(help="整改情况摘要")],
    evidence: EvidenceOpt = None,
    no_evidence: Annotated[str, typer.Option("--no-evidence", help="无需佐证材料的理由")] = "",
    open_parts_reason: Annotated[
        str,
        typer.Option("--parts-reason", help="配合单位的部分尚未全部完成时,仍申请销号的理由"),
    ] = "",
    as_: AsOpt = None,
) -> None:
    """申请销号(牵头单位;各配合单位的部分须已完成,或写明理由)。"""
    from ledger import lifecycle

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        lifecycle.submit_for_closure(
            task_id,
            summary=summary,
            evidence=evidence,
            no_evidence_reason=no_evidence,
            open_parts_reason=open_parts_reason,
            session=session,
            actor=actor,
            now=ctx.now,
            evidence_store=ctx.settings.evidence_dir,
            evidence_max_bytes=ctx.settings.limits.evidence_max_bytes,
        )
    typer.echo(f"任务 {task_id} 已申请销号,等待整改办审核")


def verify_cmd(
    task_id: int, note: Annotated[str, typer.Option(help="审核意见")] = "", as_: AsOpt = None
) -> None:
    """销号(整改办)。"""
    from ledger import lifecycle

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        lifecycle.verify_closure(task_id, note=note, session=session, actor=actor, now=ctx.now)
    typer.echo(f"任务 {task_id} 已销号")


def return_cmd(
    task_id: int, reason: Annotated[str, typer.Option(help="退回理由")], as_: AsOpt = None
) -> None:
    """退回销号申请,任务回到整改中(整改办)。"""
    from ledger import lifecycle

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        lifecycle.return_for_rework(
            task_id, reason=reason, session=session, actor=actor, now=ctx.now
        )
    typer.echo(f"任务 {task_id} 已退回,理由:{reason}")


def extend_cmd(
    task_id: int,
    to: Annotated[str, typer.Option("--to", help="申请延至,如 2027-03-31")],
    reason: Annotated[str, typer.Option(help="延期理由")],
    as_: AsOpt = None,
) -> None:
    """申请延期(须在整改时限前)。"""
    from ledger import lifecycle
    from ledger.inputs import parse_date

    ctx = context()
    with user_errors():
        new_deadline = parse_date(to, "延期时限(--to)")
        with ctx.use_case(as_) as (session, actor):
            ext = lifecycle.request_extension(
                task_id,
                new_deadline=new_deadline,
                reason=reason,
                session=session,
                actor=actor,
                now=ctx.now,
                today=ctx.today,
            )
    typer.echo(f"已提交延期申请 {ext.id}:任务 {task_id} 申请延至 {new_deadline}")


def _decide(extension_id: int, approve: bool, reason: str, as_: str | None) -> None:
    from ledger import lifecycle

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        ext = lifecycle.decide_extension(
            extension_id, approve=approve, reason=reason, session=session, actor=actor, now=ctx.now
        )
    word = f"已批准,整改时限改为 {ext.new_deadline}" if approve else "未批准,整改时限不变"
    typer.echo(f"延期申请 {extension_id} {word}")


@extension_app.command("approve")
def extension_approve(
    extension_id: int, reason: Annotated[str, typer.Option(help="审批意见")] = "", as_: AsOpt = None
) -> None:
    """批准延期申请。"""
    _decide(extension_id, True, reason, as_)


@extension_app.command("refuse")
def extension_refuse(
    extension_id: int,
    reason: Annotated[str, typer.Option(help="不批准的理由")] = "",
    as_: AsOpt = None,
) -> None:
    """不批准延期申请。"""
    _decide(extension_id, False, reason, as_)


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help="整改办/责任单位/责任领导(或 office/unit/leader)")],
    unit: Annotated[str | None, typer.Option(help="所在单位(须已登记)")] = None,
    tag: Annotated[str | None, typer.Option(help="通知标签(默认用姓名)")] = None,
    password: Annotated[
        str | None, typer.Option(help="网页登录密码(至少 8 位;也可稍后用 rectify user passwd 设置)")
    ] = None,
    as_: AsOpt = None,
) -> None:
    """登记用户。"""
    from ledger import registry
    from ledger.inputs import UserCreate, parse_choice, validated

    ctx = context()
    with user_errors():
        role_value = parse_choice(role, Role, "角色", field="role")
        data = validated(UserCreate, name=name, role=role_value, unit=unit, notify_tag=tag)
        with ctx.use_case(as_) as (session, actor):
            registry.add_user(data, session=session, actor=actor, now=ctx.now)
            if password is not None:
                from ledger import accounts  # argon2 loads only when a password is set

                accounts.set_password(name, password, session=session, actor=actor, now=ctx.now)
    typer.echo(f"已登记用户 {name}({data.role.label})")


@user_app.command("list")
def user_list(as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """列出用户(仅整改办)。"""
    from ledger.directory import list_users

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        rows = list_users(session=session, actor=actor)
    if json_:
        emit_json([u.model_dump(mode="json") for u in rows])
        return
    print_table(
        ["姓名", "角色", "单位", "通知标签"],
        [[u.name, u.role_label, u.unit or "", u.notify_tag or ""] for u in rows],
    )


@unit_app.command("add")
def unit_add(
    name: str,
    tag: Annotated[str | None, typer.Option(help="通知标签(默认用单位名称)")] = None,
    as_: AsOpt = None,
) -> None:
    """登记责任单位。"""
    from ledger import registry

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        registry.add_unit(name, session=session, actor=actor, now=ctx.now, notify_tag=tag)
    typer.echo(f"已登记单位 {name}")


@unit_app.command("list")
def unit_list(as_: AsOpt = None, json_: JsonOpt = False) -> None:
    """列出责任单位。"""
    from ledger.directory import list_units

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        rows = list_units(session=session, actor=actor)
    if json_:
        emit_json([u.model_dump(mode="json") for u in rows])
        return
    print_table(["编号", "单位", "通知标签"], [[u.id, u.name, u.notify_tag or ""] for u in rows])


def whoami(as_: AsOpt = None) -> None:
    """显示当前操作人及其角色。"""
    ctx = context()
    with user_errors(), ctx.use_case(as_) as (_, actor):
        pass
    typer.echo(
        f"{actor.name}({actor.role.label}{'/' + actor.unit_name if actor.unit_name else ''})"
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("inspections")(inspections_cmd)
    app.command("problems")(problems_cmd)
    app.command("tasks")(tasks_cmd)
    app.command("history")(history_cmd)
    app.command("progress")(progress_cmd)
    app.command("submit")(submit_cmd)
    app.command("verify")(verify_cmd)
    app.command("return")(return_cmd)
    app.command("extend")(extend_cmd)
    app.command("whoami")(whoami)
    app.add_typer(inspection_app, name="inspection")
    app.add_typer(problem_app, name="problem")
    app.add_typer(task_app, name="task")
    app.add_typer(user_app, name="user")
    app.add_typer(unit_app, name="unit")
    app.add_typer(extension_app, name="extension")
