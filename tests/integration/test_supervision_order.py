"""The 督办通知单 re-rendered from its stored row, on SQLite and PostgreSQL.

The rows are created directly here, as the daily check stores them when a task reaches
the 督办 level.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document

from ledger.documents.render import render_docx, render_markdown
from ledger.documents.supervision import latest_order_id, supervision_order_data
from ledger.errors import NotFoundError
from ledger.uow import transaction
from models.outbox import SupervisionOrder
from tests.fixtures.documents import OFFICE, ReportRound


def issue_order(engine: sa.Engine, task_id: int, number: int, issued_on: date) -> int:
    with transaction(engine) as session:
        order = SupervisionOrder(
            year=issued_on.year,
            number=number,
            task_id=task_id,
            issued_on=issued_on,
            deadline=date(2026, 12, 20),
            days_overdue=11,
            reply_due=date(2027, 1, 8),
        )
        session.add(order)
        session.flush()
        assert order.id is not None
        return order.id


def test_order_shows_number_task_units_leader_deadline_overdue_and_reply_date(
    engine: sa.Engine, report_round: ReportRound, tmp_path: Path
) -> None:
    order_id = issue_order(engine, report_round.tasks["4.1"], 3, date(2027, 1, 5))
    with transaction(engine) as session:
        data = supervision_order_data(session, order_id, actor=OFFICE)
    assert data.label == "督办〔2027〕3号"
    assert data.addressee == "局办公室、县委组织部"

    out = render_docx(data, tmp_path / "督办单.docx")
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:3] == ["督办通知单", "督办〔2027〕3号", "局办公室、县委组织部:"]
    assert "已逾期11个工作日" in texts[3] and "对2024年以来干部选拔任用情况开展自查" in texts[3]
    assert texts[4].startswith("请李局长同志督促局办公室于2027年1月8日前")
    table = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert table["督办编号"] == "督办〔2027〕3号"
    assert table["整改措施"] == "对2024年以来干部选拔任用情况开展自查(任务编号 4.1)"
    assert table["牵头单位"] == "局办公室"
    assert table["配合单位"] == "县委组织部"
    assert table["责任领导"] == "李局长"
    assert table["责任人"] == "赵某"
    assert table["整改时限"] == "2026年12月20日"
    assert table["逾期情况"] == "截至2027年1月5日已逾期11个工作日"
    assert table["书面回复时限"] == "2027年1月8日前"


def test_latest_order_of_a_task_is_found_by_task(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    task_id = report_round.tasks["4.1"]
    issue_order(engine, task_id, 1, date(2027, 1, 5))
    later = issue_order(engine, task_id, 7, date(2027, 1, 19))
    with transaction(engine) as session:
        assert latest_order_id(session, task_id, actor=OFFICE) == later
        assert "督办〔2027〕7号" in render_markdown(
            supervision_order_data(session, later, actor=OFFICE)
        )


def test_unknown_order_or_task_without_order_is_a_clear_error(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    with transaction(engine) as session:
        with pytest.raises(NotFoundError, match="督办通知单编号 999 不存在"):
            supervision_order_data(session, 999, actor=OFFICE)
        with pytest.raises(NotFoundError, match="尚未下发督办通知单"):
            latest_order_id(session, report_round.tasks["1.2"], actor=OFFICE)
