"""Importing ledgers into a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from ledger import lifecycle
from ledger.actors import Actor
from ledger.errors import ForbiddenError, InvalidInputError, NotFoundError
from ledger.importing import ImportResult, LedgerRowsError, RoundFields, import_ledger
from ledger.queries import TaskFilter, task_views
from ledger.uow import transaction
from models.enums import ReportKind, Role, TaskKind, TaskStatus
from models.rules import Rules
from models.tables import HistoryEntry, Inspection, ProgressReport, Unit
from models.workdays import WorkCalendar
from tests.fixtures.ledger_io import HEADER, LedgerSpec, write_csv

OFFICE = Actor(name="整改办", role=Role.office)
TODAY = date(2026, 11, 2)  # a Monday
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
ROUND = RoundFields(
    body="县委第一巡察组", feedback_date=date(2026, 10, 15), title="县委第一巡察组反馈问题整改"
)


def run_import(
    engine: sa.Engine, path: Path, *, actor: Actor = OFFICE, now: datetime = NOW, **kw: Any
) -> ImportResult:
    with transaction(engine) as session:
        return import_ledger(
            path,
            session=session,
            actor=actor,
            now=now,
            today=now.date(),
            rules=Rules(),
            calendar=WorkCalendar(),
            **kw,
        )


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in (
                "inspection",
                "problem",
                "task",
                "taskcounit",
                "unit",
                "progressreport",
                "history",
            )
        }


def views(engine: sa.Engine, inspection_id: int | None = None) -> list[Any]:
    with transaction(engine) as s:
        return task_views(
            s,
            today=TODAY,
            rules=Rules(),
            where=TaskFilter(inspection_id=inspection_id),
            actor=OFFICE,
        )


def test_the_sample_ledger_registers_problems_tasks_units_and_deadlines(engine, sample_ledger_dir):
    result = run_import(engine, sample_ledger_dir / "ledger-sample.xlsx", round_fields=ROUND)
    assert (result.problems_created, result.tasks_created, result.tasks_updated) == (4, 7, 0)
    assert result.units_created == ["县科技局", "财务股", "县人社局", "局办公室", "县委组织部"]
    tasks = views(engine)
    assert [t.code for t in tasks] == ["1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2"]
    assert [t.problem_serial for t in tasks][:3] == ["1", "1", "2"]
    assert tasks[0].deadline == date(2026, 12, 31)  # 2026年12月底
    assert tasks[3].kind is TaskKind.immediate
    assert tasks[3].deadline == date(2026, 11, 9)  # 立行立改: 5 working days after import day
    assert tasks[4].kind is TaskKind.ongoing and tasks[4].deadline is None
    assert tasks[5].co_units == ["县委组织部"]
    assert {t.status for t in tasks} == {TaskStatus.pending}
    with transaction(engine) as s:
        history = s.exec(select(HistoryEntry).where(HistoryEntry.action == "import")).all()
    assert sorted({h.entity for h in history}) == ["problem", "task", "unit"]
    assert sum(h.entity == "task" for h in history) == 7


def test_the_csv_sample_gives_the_same_tasks_as_the_xlsx(engine, sample_ledger_dir):
    a = run_import(engine, sample_ledger_dir / "ledger-sample.xlsx", round_fields=ROUND)
    b = run_import(
        engine,
        sample_ledger_dir / "ledger-sample.csv",
        round_fields=RoundFields(feedback_date=date(2026, 10, 15), title="CSV"),
    )
    first, second = views(engine, a.inspection_id), views(engine, b.inspection_id)
    shape = lambda v: (v.code, v.problem, v.measure, v.lead_unit, v.co_units, v.kind, v.deadline)  # noqa: E731
    assert [shape(v) for v in first] == [shape(v) for v in second]


def test_a_round_is_created_from_the_title_line_and_found_again_by_its_content(
    engine, ledger_files
):
    spec = LedgerSpec(
        title="省委第八巡视组反馈脱贫攻坚存在问题整改台账",
        reporter_line="填报单位:县科技局    反馈日期:2026年10月15日",
        merge_problems=True,
    )
    path = ledger_files("台账.xlsx", spec)
    first = run_import(engine, path)
    assert (
        first.round_note
        == "未匹配到已有轮次:按台账标题新建轮次“省委第八巡视组反馈脱贫攻坚存在问题整改”"
    )
    with transaction(engine) as s:
        inspection = s.get(Inspection, first.inspection_id)
    assert inspection is not None
    assert (inspection.body, inspection.subject, inspection.source_kind) == (
        "省委第八巡视组",
        "脱贫攻坚",
        "巡视",
    )
    assert inspection.feedback_date == date(2026, 10, 15)
    assert inspection.inspected_org == "县科技局"
    again = run_import(engine, path)
    assert again.inspection_id == first.inspection_id
    assert again.round_note.startswith(
        f"按内容匹配到已有轮次 {first.inspection_id}“省委第八巡视组反馈脱贫攻坚存在问题整改”:"
        "本台账7项整改措施中7项已在该轮次中"
    )
    assert (again.tasks_created, again.tasks_updated, again.tasks_unchanged) == (0, 0, 7)


def test_without_a_title_or_date_the_file_name_is_used_and_the_date_stays_unknown(
    engine, sample_ledger_dir
):
    result = run_import(engine, sample_ledger_dir / "ledger-sample.csv")
    assert result.round_note == "未匹配到已有轮次:按文件名新建轮次“ledger-sample”"
    assert result.feedback_date is None
    with transaction(engine) as s:
        inspection = s.get(Inspection, result.inspection_id)
        assert inspection is not None and inspection.feedback_date is None
    assert any(n.startswith("反馈日期未填写") and "「反馈日期」" in n for n in result.notes)
    assert any("「巡视(察)机构」" in n for n in result.notes)
    # Below the command line, messages name fields, never flags.
    assert not any("--" in n for n in result.notes)


def test_any_row_error_writes_nothing_and_lists_every_error(engine, tmp_path):
    spec = LedgerSpec()
    spec.rows[1][7] = "尽快"
    spec.rows[4][4] = ""
    spec.rows[6][7] = "2025-01-01"
    path = write_csv(tmp_path / "bad.csv", spec)
    before = counts(engine)
    with pytest.raises(LedgerRowsError) as caught:
        run_import(engine, path, round_fields=ROUND)
    assert caught.value.errors == [
        "第3行「完成时限」“尽快”无法识别,请写成 2026-12-31、2026年12月底、立行立改或长期坚持",
        "第6行「牵头单位」为空,请填写牵头单位",
        "第8行「完成时限」“2025-01-01”早于反馈日期2026年10月15日,请核对",
    ]
    assert "本次未导入任何内容" in caught.value.message
    assert counts(engine) == before


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(engine, sample_ledger_dir):
    before = counts(engine)
    result = run_import(
        engine, sample_ledger_dir / "ledger-sample.xlsx", round_fields=ROUND, dry_run=True
    )
    assert result.dry_run and result.inspection_id is None
    assert (result.problems_created, result.tasks_created) == (4, 7)
    assert [r["action"] for r in result.rows] == ["新增"] * 7
    assert result.rows[3]["deadline"] == "2026-11-09"
    assert counts(engine) == before


def test_only_the_office_may_import(engine, sample_ledger_dir):
    unit = Actor(name="陈某", role=Role.unit, unit_id=1, unit_name="县科技局")
    with pytest.raises(ForbiddenError, match="无权导入整改台账"):
        run_import(engine, sample_ledger_dir / "ledger-sample.csv", actor=unit)


def test_progress_columns_become_the_first_report_and_done_words_do_not_close(engine, ledger_files):
    result = run_import(engine, ledger_files("p.csv", LedgerSpec()), round_fields=ROUND)
    assert result.reports_imported == 2
    assert result.marked_done == 1  # 已完成 on the 立行立改 row
    tasks = views(engine)
    assert [t.status for t in tasks][:4] == [
        TaskStatus.pending,
        TaskStatus.in_progress,
        TaskStatus.pending,
        TaskStatus.in_progress,
    ]
    with transaction(engine) as s:
        reports = s.exec(select(ProgressReport).order_by(col(ProgressReport.task_id))).all()
    assert [(r.kind, r.text, r.actor) for r in reports] == [
        (ReportKind.imported, "已约谈3家单位", "整改办"),
        (ReportKind.imported, "已完成", "整改办"),
    ]


def corrected(spec: LedgerSpec) -> LedgerSpec:
    """The office corrects its ledger: a deadline, a leader, a reworded measure, a new measure."""
    fixed = LedgerSpec(rows=[list(r) for r in spec.rows])
    fixed.rows[0][7] = "2027年1月底"  # deadline moved
    fixed.rows[2][3] = "张局长"  # leader changed
    fixed.rows[5][2] = "对2024年以来干部选拔任用情况开展全面自查"  # reworded: a new task
    fixed.rows[0][2] = "建立科技项目资金拨付台账,逐项核查拨付进度。"  # punctuation only: same task
    fixed.rows.append(
        [
            4,
            "选人用人程序不规范",
            "开展选人用人专项检查",
            "李局长",
            "局办公室",
            "",
            "赵某",
            "2027-06-30",
            "",
        ]
    )
    return fixed


def test_a_corrected_ledger_updates_matched_tasks_and_reports_the_counts(engine, tmp_path):
    first = run_import(engine, write_csv(tmp_path / "v1.csv", LedgerSpec()), round_fields=ROUND)
    later = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    result = run_import(
        engine,
        write_csv(tmp_path / "v2.csv", corrected(LedgerSpec())),
        inspection_id=first.inspection_id,
        now=later,
    )
    assert (result.tasks_created, result.tasks_updated, result.tasks_unchanged) == (2, 2, 4)
    assert result.not_in_ledger == ["4.1"]
    tasks = {t.code: t for t in views(engine)}
    assert len(tasks) == 9  # nothing duplicated, nothing deleted
    assert tasks["1.1"].deadline == date(2027, 1, 31)
    assert tasks["1.1"].original_deadline == date(2027, 1, 31)
    assert tasks["2.1"].leader == "张局长"
    assert tasks["2.2"].deadline == date(2026, 11, 9)  # 立行立改 keeps its first date
    assert tasks["4.3"].measure == "对2024年以来干部选拔任用情况开展全面自查"
    with transaction(engine) as s:
        changes = s.exec(
            select(HistoryEntry.field, HistoryEntry.old_value, HistoryEntry.new_value)
            .where(
                HistoryEntry.action == "import", HistoryEntry.at == later, HistoryEntry.field != ""
            )
            .order_by(col(HistoryEntry.id))
        ).all()
    assert ("deadline", "2026-12-31", "2027-01-31") in changes
    assert ("leader", "李局长", "张局长") in changes
    assert (
        "measure",
        "建立科技项目资金拨付台账,逐项核查拨付进度",
        "建立科技项目资金拨付台账,逐项核查拨付进度。",
    ) in changes


def test_a_status_reached_through_the_lifecycle_is_never_overwritten(engine, tmp_path):
    spec = LedgerSpec(header=HEADER + ["状态"], rows=[r + ["待整改"] for r in LedgerSpec().rows])
    first = run_import(engine, write_csv(tmp_path / "v1.csv", spec), round_fields=ROUND)
    task_id = views(engine)[0].id
    with transaction(engine) as s:
        lifecycle.report_progress(
            task_id, text="已建立台账", session=s, actor=OFFICE, now=NOW, evidence_store=tmp_path
        )
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            task_id,
            summary="整改完成",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            no_evidence_reason="制度文件已公开",
            session=s,
            actor=OFFICE,
            now=NOW,
            evidence_store=tmp_path,
        )
    with transaction(engine) as s:
        lifecycle.verify_closure(task_id, note="同意销号", session=s, actor=OFFICE, now=NOW)
    spec.rows[0][8] = "新的进展"
    result = run_import(
        engine, write_csv(tmp_path / "v2.csv", spec), inspection_id=first.inspection_id
    )
    assert views(engine)[0].status is TaskStatus.closed
    assert any("「状态」为“待整改”,任务 1.1 在系统中为“已销号”" in d for d in result.differences)
    assert any("任务 1.1 当前为“已销号”,不能再填报进展" in d for d in result.differences)


def test_an_approved_extension_is_not_undone_by_the_old_deadline_in_the_ledger(engine, tmp_path):
    path = write_csv(tmp_path / "v1.csv", LedgerSpec())
    first = run_import(engine, path, round_fields=ROUND)
    task_id = views(engine)[0].id
    with transaction(engine) as s:
        ext = lifecycle.request_extension(
            task_id,
            new_deadline=date(2027, 3, 31),
            reason="资金未到位",
            session=s,
            actor=OFFICE,
            now=NOW,
            today=TODAY,
        )
    with transaction(engine) as s:
        lifecycle.decide_extension(
            ext.id, approve=True, reason="同意", session=s, actor=OFFICE, now=NOW
        )  # type: ignore[arg-type]
    result = run_import(engine, path, inspection_id=first.inspection_id)
    assert views(engine)[0].deadline == date(2027, 3, 31)
    assert any("已批准延期至2027-03-31" in d for d in result.differences)


def test_reimporting_unchanged_progress_adds_no_report_but_changed_progress_does(engine, tmp_path):
    spec = LedgerSpec()
    first = run_import(engine, write_csv(tmp_path / "v1.csv", spec), round_fields=ROUND)
    again = run_import(
        engine, write_csv(tmp_path / "v1.csv", spec), inspection_id=first.inspection_id
    )
    assert (again.tasks_unchanged, again.reports_imported) == (7, 0)
    spec.rows[0][8] = "已建立台账"
    third = run_import(
        engine, write_csv(tmp_path / "v3.csv", spec), inspection_id=first.inspection_id
    )
    assert (third.tasks_updated, third.reports_imported) == (1, 1)
    assert views(engine)[0].status is TaskStatus.in_progress
    with transaction(engine) as s:
        assert s.exec(select(sa.func.count()).select_from(ProgressReport)).one() == 3


def test_units_named_only_in_the_ledger_are_registered_once(engine, tmp_path):
    spec = LedgerSpec()
    spec.rows[0][4] = "县科技局、县财政局;县审计局"
    run_import(engine, write_csv(tmp_path / "u.csv", spec), round_fields=ROUND)
    with transaction(engine) as s:
        names = s.exec(select(Unit.name).order_by(col(Unit.name))).all()
    assert names.count("县财政局") == 1 and "县审计局" in names
    assert views(engine)[0].co_units == ["县财政局", "县审计局", "财务股"]


def test_an_unknown_round_is_refused(engine, sample_ledger_dir):
    with pytest.raises(NotFoundError, match="轮次编号 99 不存在"):
        run_import(engine, sample_ledger_dir / "ledger-sample.csv", inspection_id=99)


cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["立行立改", "长期坚持", "12月底", "县科技局、财务股", "合计"]),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.lists(
        st.lists(cells, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=6
    )
)
def test_random_ledgers_import_as_tasks_or_row_errors_and_the_database_agrees(
    engine, tmp_path, body
):
    path = write_csv(tmp_path / "random.csv", LedgerSpec(rows=body))
    before = counts(engine)
    try:
        result = run_import(
            engine,
            path,
            round_fields=RoundFields(feedback_date=date(2026, 10, 15), title=str(id(body))),
        )
    except (LedgerRowsError, InvalidInputError):
        assert counts(engine) == before
        return
    after = counts(engine)
    assert after["task"] - before["task"] == result.tasks_created
    assert after["problem"] - before["problem"] == result.problems_created
