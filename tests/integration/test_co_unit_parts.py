"""Each co-unit's own part of a task: a co-unit reports on its part with its own evidence and
marks it 已完成; the lead unit's 申请销号 waits for every part (or a reason why not); every
reader sees every part; who may do what, decided in ledger/.

Task 1.1 of the sample round is led by 县科技局 with 财务股 as co-unit. The test adds 1.3 to
the same problem with two co-units, 财务股 and 县人社局.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import select

from ledger import lifecycle, registry
from ledger.actors import Actor, resolve_actor
from ledger.documents.report_data import rectification_report
from ledger.errors import ForbiddenError, LifecycleError, NotFoundError, RectifyError
from ledger.exporting import export_ledger
from ledger.inputs import TaskCreate, UserCreate
from ledger.review import review_queue
from ledger.task_detail import task_detail
from ledger.uow import transaction
from models.enums import PartStatus, Role, TaskKind, TaskStatus
from models.rules import Rules
from models.tables import HistoryEntry, ProgressReport, Task, TaskPart, Unit
from models.workdays import WorkCalendar
from tests.builders import NOW, OFFICE, build_sample_round

TODAY = date(2026, 11, 2)
LATER = NOW + timedelta(hours=1)
USERS = [
    ("周主任", Role.office, None),
    ("陈某", Role.unit, "县科技局"),  # lead unit of 1.1 and 1.3
    ("孙某", Role.unit, "财务股"),  # co-unit of 1.1 and 1.3
    ("钱某", Role.unit, "县人社局"),  # the other co-unit of 1.3
    ("吴某", Role.unit, "县审计局"),  # no task at all
    ("王副局长", Role.leader, None),  # leader of 1.1 and 1.3
]


@dataclass
class Ledger:
    one: int  # 1.1: co-unit 财务股
    two: int  # 1.3: co-units 财务股 and 县人社局
    store: Path


@pytest.fixture
def ledger(engine: sa.Engine, tmp_path: Path) -> Ledger:
    sample = build_sample_round(engine)
    one = sample.codes["1.1"]
    with transaction(engine) as s:
        registry.add_unit("县审计局", session=s, actor=OFFICE, now=NOW)
        problem_id = s.get(Task, one).problem_id  # type: ignore[union-attr]
        two = registry.add_task(
            TaskCreate(
                problem_id=problem_id,
                measure="开展资金拨付专项检查",
                lead_unit="县科技局",
                co_units=["财务股", "县人社局"],
                leader="王副局长",
                kind=TaskKind.dated,
                deadline=date(2027, 1, 31),
            ),
            session=s,
            actor=OFFICE,
            now=NOW,
            today=TODAY,
            rules=Rules(),
            calendar=WorkCalendar(),
            create_units=True,
        ).id
        for name, role, unit in USERS:
            registry.add_user(
                UserCreate(name=name, role=role, unit=unit), session=s, actor=OFFICE, now=NOW
            )
    assert two is not None
    return Ledger(one, two, tmp_path / "evidence")


def _as(session: sa.orm.Session, name: str) -> Actor:
    return resolve_actor(session, name)  # type: ignore[arg-type]


def _report(engine: sa.Engine, ledger: Ledger, task_id: int, who: str, text: str, **kw) -> int:
    with transaction(engine) as s:
        report = lifecycle.report_progress(
            task_id,
            text=text,
            session=s,
            actor=_as(s, who),
            now=kw.pop("now", NOW),
            evidence_store=ledger.store,
            **kw,
        )
        assert report.id is not None
        return report.id


def _done(engine: sa.Engine, task_id: int, who: str, note: str = "") -> None:
    with transaction(engine) as s:
        lifecycle.mark_part_done(task_id, note=note, session=s, actor=_as(s, who), now=LATER)


def _submit(engine: sa.Engine, ledger: Ledger, task_id: int, who: str, reason: str = "") -> None:
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            task_id,
            summary="拨付台账已建立",
            no_evidence_reason="台账已存档",
            open_parts_reason=reason,
            session=s,
            actor=_as(s, who),
            now=LATER,
            evidence_store=ledger.store,
        )


def _unit_id(engine: sa.Engine, name: str) -> int:
    with transaction(engine) as s:
        unit_id = s.exec(select(Unit.id).where(Unit.name == name)).one()
        assert unit_id is not None
        return unit_id


def test_a_co_unit_reports_on_its_own_part_with_its_evidence_and_marks_it_done(
    engine: sa.Engine, ledger: Ledger, tmp_path: Path
) -> None:
    scan = tmp_path / "拨付核对表.pdf"
    scan.write_bytes(b"%PDF-1.4 core")
    report_id = _report(engine, ledger, ledger.one, "孙某", "已核对拨付进度", evidence=[scan])
    _done(engine, ledger.one, "孙某", note="核对完毕")

    with transaction(engine) as s:
        report = s.get(ProgressReport, report_id)
        assert report is not None and report.unit_id == _unit_id(engine, "财务股")
        detail = task_detail(
            ledger.one, session=s, actor=_as(s, "陈某"), today=TODAY, rules=Rules()
        )
        history = s.exec(
            select(HistoryEntry.actor, HistoryEntry.action, HistoryEntry.note)
            .where(HistoryEntry.task_id == ledger.one)
            .order_by(HistoryEntry.id)  # type: ignore[arg-type]
        ).all()
    # The lead unit sees the part: its state, who marked it, its own report and evidence.
    assert detail.view.status is TaskStatus.in_progress  # the first report starts the work
    assert detail.task_reports == []
    [part] = detail.parts
    assert (part.state.unit, part.state.status, part.state.done_by, part.state.note) == (
        "财务股",
        PartStatus.done,
        "孙某",
        "核对完毕",
    )
    assert [(r.text, [e.name for e in r.evidence]) for r in part.reports] == [
        ("已核对拨付进度", ["拨付核对表.pdf"])
    ]
    assert ("孙某", "part_progress", "财务股承担的部分") in history
    assert ("孙某", "part_done", "财务股承担的部分:核对完毕") in history


def test_the_lead_units_closure_request_is_refused_until_every_part_is_done(
    engine: sa.Engine, ledger: Ledger
) -> None:
    _report(engine, ledger, ledger.two, "陈某", "已制定检查方案")
    with pytest.raises(LifecycleError) as refused:
        _submit(engine, ledger, ledger.two, "陈某")
    assert refused.value.field == "open_parts_reason"
    assert "财务股、县人社局" in refused.value.message
    with transaction(engine) as s:
        assert s.get(Task, ledger.two).status == TaskStatus.in_progress  # type: ignore[union-attr]
        closure = select(ProgressReport).where(
            ProgressReport.task_id == ledger.two, ProgressReport.kind == "closure"
        )
        assert s.exec(closure).first() is None  # nothing half-written

    _report(engine, ledger, ledger.two, "孙某", "财务股已完成自查")
    _done(engine, ledger.two, "孙某")
    with pytest.raises(LifecycleError) as still:
        _submit(engine, ledger, ledger.two, "陈某")
    assert "县人社局" in still.value.message and "财务股" not in still.value.message

    _report(engine, ledger, ledger.two, "钱某", "人社局已完成检查")
    _done(engine, ledger.two, "钱某")
    _submit(engine, ledger, ledger.two, "陈某")
    with transaction(engine) as s:
        assert s.get(Task, ledger.two).status == TaskStatus.submitted  # type: ignore[union-attr]


def test_a_closure_request_with_parts_not_done_keeps_its_reason_for_the_office(
    engine: sa.Engine, ledger: Ledger
) -> None:
    _report(engine, ledger, ledger.one, "陈某", "台账已建立")
    _submit(engine, ledger, ledger.one, "陈某", reason="财务股人员调整,由牵头单位代为核对")
    with transaction(engine) as s:
        row = s.exec(
            select(HistoryEntry).where(
                HistoryEntry.task_id == ledger.one, HistoryEntry.action == "submit_open_parts"
            )
        ).one()
        queue = review_queue(session=s, actor=_as(s, "周主任"), today=TODAY, rules=Rules())
    assert (row.actor, row.field, row.new_value, row.note) == (
        "陈某",
        "part",
        "财务股",
        "财务股人员调整,由牵头单位代为核对",
    )
    [request] = [c for c in queue.closures if c.task.id == ledger.one]
    assert request.open_parts_reason == "财务股人员调整,由牵头单位代为核对"


def test_a_co_unit_reopens_its_part_before_closure_and_not_after(
    engine: sa.Engine, ledger: Ledger
) -> None:
    with pytest.raises(LifecycleError, match="尚未填报本单位承担部分的进展"):
        _done(engine, ledger.one, "孙某")
    _report(engine, ledger, ledger.one, "孙某", "已核对")
    _done(engine, ledger.one, "孙某")
    with pytest.raises(LifecycleError, match="已标记完成"):
        _report(engine, ledger, ledger.one, "孙某", "补充核对")
    with transaction(engine) as s:
        lifecycle.reopen_part(
            ledger.one, reason="发现遗漏", session=s, actor=_as(s, "孙某"), now=LATER
        )
    _report(engine, ledger, ledger.one, "孙某", "补充核对", now=LATER)
    _done(engine, ledger.one, "孙某")
    _submit(engine, ledger, ledger.one, "陈某")
    with transaction(engine) as s:
        lifecycle.verify_closure(ledger.one, session=s, actor=_as(s, "周主任"), now=LATER)
    with pytest.raises(LifecycleError, match="已销号"), transaction(engine) as s:
        lifecycle.reopen_part(ledger.one, session=s, actor=_as(s, "孙某"), now=LATER)
    with transaction(engine) as s:
        actions = s.exec(
            select(HistoryEntry.action)
            .where(HistoryEntry.task_id == ledger.one, HistoryEntry.field == "part")
            .order_by(HistoryEntry.id)  # type: ignore[arg-type]
        ).all()
    assert actions == ["part_done", "part_reopen", "part_done"]


# Who may do what on 1.3 (lead 县科技局; co-units 财务股 and 县人社局). Forbidden: may read the
# task but not do this; NotFound: the task is not there for them.
STEPS = ["submit", "extension", "part_done"]
OUTCOME = {
    ("周主任", "submit"): None,
    ("周主任", "extension"): None,
    ("周主任", "part_done"): ForbiddenError,  # the office reads parts; each co-unit marks its own
    ("陈某", "submit"): None,
    ("陈某", "extension"): None,
    ("陈某", "part_done"): ForbiddenError,  # the lead unit acts on the task, not on a part
    ("孙某", "submit"): ForbiddenError,  # a co-unit acts on its part, not on the task
    ("孙某", "extension"): ForbiddenError,
    ("孙某", "part_done"): None,
    ("王副局长", "submit"): ForbiddenError,
    ("王副局长", "extension"): ForbiddenError,
    ("王副局长", "part_done"): ForbiddenError,
    ("吴某", "submit"): NotFoundError,  # another unit: the task is not there for it
    ("吴某", "extension"): NotFoundError,
    ("吴某", "part_done"): NotFoundError,
}


@pytest.mark.parametrize("who", ["周主任", "陈某", "孙某", "王副局长", "吴某"])
@pytest.mark.parametrize("step", STEPS)
def test_who_may_act_on_the_task_and_on_a_part(
    engine: sa.Engine, ledger: Ledger, who: str, step: str
) -> None:
    # Both parts reported, so only who acts decides the outcome.
    _report(engine, ledger, ledger.two, "孙某", "财务股已自查")
    _report(engine, ledger, ledger.two, "钱某", "人社局已自查")
    expected = OUTCOME[(who, step)]

    def act() -> None:
        with transaction(engine) as s:
            actor = _as(s, who)
            if step == "submit":
                lifecycle.submit_for_closure(
                    ledger.two,
                    summary="已完成",
                    no_evidence_reason="已存档",
                    open_parts_reason="各配合单位已自查",
                    session=s,
                    actor=actor,
                    now=LATER,
                    evidence_store=ledger.store,
                )
            elif step == "extension":
                lifecycle.request_extension(
                    ledger.two,
                    new_deadline=date(2027, 3, 31),
                    reason="需跨年度核查",
                    session=s,
                    actor=actor,
                    now=LATER,
                    today=TODAY,
                )
            else:
                lifecycle.mark_part_done(ledger.two, session=s, actor=actor, now=LATER)

    if expected is None:
        act()
    else:
        with pytest.raises(expected) as refused:
            act()
        assert refused.value.message  # a Chinese sentence saying why
    with transaction(engine) as s:
        done = s.exec(
            select(TaskPart.unit_id).where(
                TaskPart.task_id == ledger.two, TaskPart.status == PartStatus.done
            )
        ).all()
    # A mark lands on the actor's own part only: 财务股's, never 县人社局's.
    assert done == ([_unit_id(engine, "财务股")] if (who, step) == ("孙某", "part_done") else [])


def test_a_report_is_on_the_reporters_own_part_never_another_co_units(
    engine: sa.Engine, ledger: Ledger
) -> None:
    _report(engine, ledger, ledger.two, "孙某", "财务股的进展")
    _report(engine, ledger, ledger.two, "钱某", "人社局的进展")
    _report(engine, ledger, ledger.two, "陈某", "牵头单位的进展")
    _report(engine, ledger, ledger.two, "周主任", "整改办代为填报")
    for reader in ("周主任", "陈某", "孙某", "钱某", "王副局长"):
        with transaction(engine) as s:
            detail = task_detail(
                ledger.two, session=s, actor=_as(s, reader), today=TODAY, rules=Rules()
            )
        assert [r.text for r in detail.task_reports] == ["牵头单位的进展", "整改办代为填报"]
        assert {p.state.unit: [r.text for r in p.reports] for p in detail.parts} == {
            "财务股": ["财务股的进展"],
            "县人社局": ["人社局的进展"],
        }
    with pytest.raises(NotFoundError), transaction(engine) as s:
        task_detail(ledger.two, session=s, actor=_as(s, "吴某"), today=TODAY, rules=Rules())
    with pytest.raises(RectifyError), transaction(engine) as s:
        lifecycle.report_progress(
            ledger.two,
            text="越权填报",
            session=s,
            actor=_as(s, "吴某"),
            now=NOW,
            evidence_store=ledger.store,
        )


def test_the_export_and_the_report_show_each_units_part(
    engine: sa.Engine, ledger: Ledger, tmp_path: Path
) -> None:
    _report(engine, ledger, ledger.one, "陈某", "已建立拨付台账")
    _report(engine, ledger, ledger.one, "孙某", "已核对拨付进度")
    _done(engine, ledger.one, "孙某")
    path = tmp_path / "台账.xlsx"
    with transaction(engine) as s:
        inspection_id = s.get(Task, ledger.one).inspection_id  # type: ignore[union-attr]
        export_ledger(
            path,
            session=s,
            actor=OFFICE,
            today=TODAY,
            rules=Rules(),
            inspection_id=inspection_id,
        )
        report = rectification_report(s, inspection_id, actor=OFFICE, as_of=TODAY, rules=Rules())
    ws = load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[3]]
    rows = [
        {h: c.value for h, c in zip(header, row, strict=True)} for row in ws.iter_rows(min_row=4)
    ]
    by_measure = {r["整改措施"]: r for r in rows}
    first = by_measure["建立科技项目资金拨付台账,逐项核查拨付进度"]
    # The task's latest progress is the lead unit's; the part has its own cell.
    assert first["最新进展"] == "已建立拨付台账"
    assert first["配合单位完成情况"] == "财务股:已完成(2026-11-02);已核对拨付进度"
    assert (
        by_measure["开展资金拨付专项检查"]["配合单位完成情况"] == "财务股:未完成\n县人社局:未完成"
    )

    work_done = report.problems[0].parts[0]
    assert work_done.label == "1、工作开展情况。"
    assert (
        "县科技局牵头、财务股配合落实“建立科技项目资金拨付台账,逐项核查拨付进度”:2026年11月2日,已建立拨付台账。"
        in work_done.paragraphs
    )
    assert "其中财务股承担的部分已完成:2026年11月2日,已核对拨付进度。" in work_done.paragraphs
