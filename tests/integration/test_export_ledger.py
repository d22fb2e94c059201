"""Exporting the colour-coded ledger, and importing it back (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from ledger import lifecycle
from ledger.errors import InvalidInputError, NotFoundError
from ledger.exporting import LIGHT_FILLS, export_ledger
from ledger.importing import RoundFields
from ledger.uow import transaction
from models.enums import Light
from models.rules import Rules
from tests.fixtures.ledger_io import LedgerSpec, write_csv
from tests.integration.test_import_ledger import OFFICE, ROUND, run_import, views

AS_OF = date(2026, 12, 10)
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def export(engine: sa.Engine, path: Path, **kw: Any) -> Any:
    with transaction(engine) as s:
        return export_ledger(path, session=s, actor=OFFICE, today=AS_OF, rules=Rules(), **kw)


@pytest.fixture
def imported(engine: sa.Engine, tmp_path: Path) -> int:
    """The sample ledger with a progress report, one closed task and a goal."""
    spec = LedgerSpec(
        header=[*LedgerSpec().header, "整改目标"], rows=[[*r, ""] for r in LedgerSpec().rows]
    )
    spec.rows[0][9] = "资金拨付及时率达到100%"
    result = run_import(engine, write_csv(tmp_path / "in.csv", spec), round_fields=ROUND)
    ids = [v.id for v in views(engine)]
    with transaction(engine) as s:
        lifecycle.report_progress(
            ids[0], text="已建立拨付台账", session=s, actor=OFFICE, now=NOW, evidence_store=tmp_path
        )
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            ids[6],
            summary="自查完成",
            no_evidence_reason="自查报告已存档",
            session=s,
            actor=OFFICE,
            now=NOW,
            evidence_store=tmp_path,
        )
    with transaction(engine) as s:
        lifecycle.verify_closure(ids[6], note="同意", session=s, actor=OFFICE, now=NOW)
    assert result.inspection_id is not None
    return result.inspection_id


def test_the_export_has_the_standard_printed_layout(engine, imported, tmp_path):
    path = tmp_path / "台账.xlsx"
    summary = export(engine, path, inspection_id=imported)
    assert (summary.sheets, summary.tasks) == (1, 7)
    ws = load_workbook(path).active
    assert ws["A1"].value == "县委第一巡察组反馈问题整改台账"
    assert ws["A2"].value.endswith("截至2026年12月10日:共7项,已销号1项,完成率14.29%")
    header = [c.value for c in ws[3]]
    assert header == [
        "序号", "反馈问题", "整改目标", "整改措施", "牵头单位", "配合单位", "责任领导", "责任人",
        "整改类型", "整改时限", "剩余天数", "状态", "预警", "最新进展", "进展日期",
        "配合单位完成情况", "备注",
    ]  # fmt: skip
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:C5", "A6:A7", "B6:B7", "A9:A10", "B9:B10"} <= merged
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    first = {h: c.value for h, c in zip(header, ws[4], strict=True)}
    assert first["整改目标"] == "资金拨付及时率达到100%"
    assert first["配合单位"] == "财务股"
    assert first["整改时限"].date() == date(2026, 12, 31)
    assert first["剩余天数"] == "剩21天"
    assert (first["状态"], first["最新进展"]) == ("整改中", "已建立拨付台账")
    assert first["进展日期"].date() == date(2026, 11, 2)
    rows = {ws.cell(row=r, column=4).value: r for r in range(4, 11)}
    immediate = rows["建立科技特派员服务日志制度"]
    assert ws.cell(row=immediate, column=11).value == "超期31天"  # due 2026-11-09
    fills = {
        ws.cell(row=r, column=13).value: ws.cell(row=r, column=13).fill.fgColor.rgb
        for r in range(4, 11)
    }
    assert fills == {
        light.label: LIGHT_FILLS[light]
        for light in (Light.green, Light.red, Light.blue, Light.yellow, Light.done)
    }
    assert ws.column_dimensions["D"].width > ws.column_dimensions["A"].width


def test_export_then_import_into_an_empty_database_gives_the_same_problems_and_tasks(
    engine, imported, tmp_path
):
    path = tmp_path / "台账.xlsx"
    export(engine, path, inspection_id=imported)
    shape = lambda v: (  # noqa: E731
        v.code, v.problem, v.problem_serial, v.measure, v.lead_unit, v.co_units, v.leader, v.person, v.kind, v.deadline, v.note,
    )  # fmt: skip
    before = [shape(v) for v in views(engine)]
    with engine.begin() as conn:
        goals_before = (
            conn.execute(sa.text("SELECT goal FROM problem ORDER BY seq")).scalars().all()
        )
        for table in (
            "history",
            "followup",
            "evidence",
            "extension",
            "progressreport",
            "acknowledgement",
            "task_part",
            "taskcounit",
            "task",
            "problem",
            "inspection",
            "unit",
        ):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    result = run_import(engine, path)
    assert result.round_note == "未匹配到已有轮次:按台账标题新建轮次“县委第一巡察组反馈问题整改”"
    assert result.feedback_date == date(2026, 10, 15)
    assert [shape(v) for v in views(engine)] == before
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT goal FROM problem ORDER BY seq")).scalars().all()
            == goals_before
        )


def test_reimporting_an_export_over_its_own_round_changes_nothing(engine, imported, tmp_path):
    path = tmp_path / "台账.xlsx"
    export(engine, path, inspection_id=imported)
    result = run_import(engine, path, inspection_id=imported)
    assert (result.tasks_created, result.tasks_updated, result.tasks_unchanged) == (0, 0, 7)
    assert result.differences == []


def test_every_round_gets_its_own_sheet(engine, imported, tmp_path, sample_ledger_dir):
    run_import(
        engine,
        sample_ledger_dir / "ledger-sample.csv",
        round_fields=RoundFields(title="第二轮", feedback_date=date(2026, 10, 1)),
        new_round=True,
    )
    path = tmp_path / "all.xlsx"
    assert export(engine, path).sheets == 2
    assert load_workbook(path).sheetnames == ["县委第一巡察组反馈问题整改", "第二轮"]


def test_export_refuses_unknown_rounds_and_other_file_types(engine, imported, tmp_path):
    with pytest.raises(NotFoundError):
        export(engine, tmp_path / "x.xlsx", inspection_id=99)
    with pytest.raises(InvalidInputError, match="须为 .xlsx"):
        export(engine, tmp_path / "x.xls", inspection_id=imported)
