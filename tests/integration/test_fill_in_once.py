"""Fill in once: one 进展 for several tasks of one problem, all or nothing, and the draft a
progress form starts from. The sample round's problem 1 has 1.1 (县科技局 lead, 财务股
co-unit) and 1.2 (县科技局 alone); problem 2 has 2.1 and 2.2, also 县科技局's."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import lifecycle, registry
from ledger.actors import Actor, resolve_actor
from ledger.errors import InvalidInputError, LifecycleError, NotFoundError
from ledger.inputs import UserCreate
from ledger.shared_progress import last_report_draft, report_progress_for_tasks
from ledger.uow import transaction
from models.enums import ReportKind, Role, TaskStatus
from models.tables import HistoryEntry, ProgressReport, Task
from tests.builders import NOW, OFFICE, SampleRound, build_sample_round


@pytest.fixture
def sample(engine: sa.Engine) -> SampleRound:
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        for name, unit in (("陈某", "县科技局"), ("钱某", "财务股"), ("孙某", "县科技局")):
            registry.add_user(
                UserCreate(name=name, role=Role.unit, unit=unit), session=s, actor=OFFICE, now=NOW
            )
    return sample


def _actor(engine: sa.Engine, name: str) -> Actor:
    with transaction(engine) as s:
        return resolve_actor(s, name)


def _once(engine: sa.Engine, who: str, ids: list[int], tmp_path: Path, **kw: str):  # type: ignore[no-untyped-def]
    actor = _actor(engine, who)
    with transaction(engine) as s:
        return report_progress_for_tasks(
            ids,
            text=kw.get("text", "已逐项核查拨付进度"),
            issues=kw.get("issues", "个别项目资料不全"),
            next_steps=kw.get("next_steps", "月底前补齐"),
            session=s,
            actor=actor,
            now=NOW,
            evidence_store=tmp_path / "evidence",
        )


def _reports(engine: sa.Engine) -> list[tuple[int, str, str]]:
    with Session(engine) as s:
        rows = s.exec(
            select(ProgressReport.task_id, ProgressReport.text, ProgressReport.actor)
            .where(ProgressReport.kind == ReportKind.progress.value)
            .order_by(col(ProgressReport.task_id))
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_unit_reports_once_for_two_tasks_of_one_problem_and_each_has_its_report(
    engine: sa.Engine, sample: SampleRound, tmp_path: Path
) -> None:
    ids = [sample.codes["1.1"], sample.codes["1.2"]]
    written = _once(engine, "陈某", ids, tmp_path)
    assert len(written) == 2
    assert _reports(engine) == [
        (ids[0], "已逐项核查拨付进度", "陈某"),
        (ids[1], "已逐项核查拨付进度", "陈某"),
    ]
    with Session(engine) as s:
        assert [s.get(Task, t).status for t in ids] == [TaskStatus.in_progress] * 2
        progress_rows = s.exec(
            select(HistoryEntry.task_id).where(
                HistoryEntry.action == "progress", HistoryEntry.field == "progress"
            )
        ).all()
    assert sorted(progress_rows) == sorted(ids)


def test_one_task_outside_the_units_remit_refuses_them_all_and_names_it(
    engine: sa.Engine, sample: SampleRound, tmp_path: Path
) -> None:
    # 财务股 is a co-unit of 1.1 only.
    with pytest.raises(NotFoundError, match="1.2"):
        _once(engine, "钱某", [sample.codes["1.1"], sample.codes["1.2"]], tmp_path)
    assert _reports(engine) == []


def test_a_task_awaiting_review_refuses_the_batch_and_is_named(
    engine: sa.Engine, sample: SampleRound, tmp_path: Path
) -> None:
    chen = _actor(engine, "陈某")
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            sample.codes["1.2"],
            summary="已完成",
            no_evidence_reason="制度类",
            session=s,
            actor=chen,
            now=NOW,
            evidence_store=tmp_path / "evidence",
        )
    with pytest.raises(LifecycleError, match="任务 1.2:该任务已申请销号"):
        _once(engine, "陈某", [sample.codes["1.1"], sample.codes["1.2"]], tmp_path)
    assert _reports(engine) == []


def test_tasks_of_different_problems_are_reported_apart(
    engine: sa.Engine, sample: SampleRound, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="同一个问题") as err:
        _once(engine, "陈某", [sample.codes["1.1"], sample.codes["2.1"]], tmp_path)
    assert err.value.field == "task_ids"
    with pytest.raises(InvalidInputError, match="请至少选择一项任务"):
        _once(engine, "陈某", [], tmp_path)
    with pytest.raises(NotFoundError, match="9999"):
        _once(engine, "陈某", [sample.codes["1.1"], 9999], tmp_path)
    assert _reports(engine) == []


def test_the_draft_is_the_units_own_last_report_of_the_task(
    engine: sa.Engine, sample: SampleRound, tmp_path: Path
) -> None:
    task = sample.codes["1.1"]
    _once(engine, "陈某", [task], tmp_path, text="第一次", next_steps="下一步一")
    _once(engine, "孙某", [task], tmp_path, text="第二次", next_steps="下一步二")
    _once(engine, "钱某", [task], tmp_path, text="配合单位的进展")
    with transaction(engine) as s:
        lead = last_report_draft(s, task_id=task, actor=resolve_actor(s, "陈某"))
        co = last_report_draft(s, task_id=task, actor=resolve_actor(s, "钱某"))
        none_yet = last_report_draft(s, task_id=sample.codes["1.2"], actor=resolve_actor(s, "陈某"))
    # Same time (NOW) for all three: the later row is the later report.
    assert lead is not None and (lead.text, lead.next_steps, lead.actor) == (
        "第二次",
        "下一步二",
        "孙某",
    )
    assert co is not None and co.text == "配合单位的进展"
    assert none_yet is None
