"""Every cell the export writes is text, never a formula: the title included."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from ledger import registry
from ledger.exporting import export_ledger
from ledger.inputs import InspectionCreate, ProblemCreate, TaskCreate
from ledger.uow import transaction
from models.enums import TaskKind
from models.rules import Rules
from models.workdays import WorkCalendar
from tests.builders import NOW, OFFICE

FORMULA = '=HYPERLINK("http://example.invalid","点此查看")'


def test_a_title_and_cells_beginning_with_equals_are_exported_as_text(
    engine: sa.Engine, tmp_path: Path
) -> None:
    with transaction(engine) as s:
        inspection = registry.add_inspection(
            InspectionCreate(body="省委巡视组", title=FORMULA, feedback_date=date(2026, 10, 15)),
            session=s, actor=OFFICE, now=NOW,
        )  # fmt: skip
        assert inspection.id is not None
        problem = registry.add_problem(
            ProblemCreate(inspection_id=inspection.id, description="=1+1"),
            session=s, actor=OFFICE, now=NOW,
        )  # fmt: skip
        assert problem.id is not None
        registry.add_task(
            TaskCreate(problem_id=problem.id, measure="=SUM(A1:A9)", lead_unit="+县科技局",
                       kind=TaskKind.dated, deadline=date(2099, 12, 31)),
            session=s, actor=OFFICE, now=NOW, today=NOW.date(), rules=Rules(),
            calendar=WorkCalendar(), create_units=True,
        )  # fmt: skip
    out = tmp_path / "台账.xlsx"
    with transaction(engine) as s:
        export_ledger(out, session=s, actor=OFFICE, today=NOW.date(), rules=Rules())
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value == f"{FORMULA}台账" and ws["A1"].data_type == "s"
    texts = [c.value for row in ws.iter_rows(min_row=4) for c in row if c.value]
    assert "=1+1" in texts and "=SUM(A1:A9)" in texts
