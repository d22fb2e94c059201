"""The 整改周报 as Word, from ledger.summary's data and the chart of notifications.chart."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from docx import Document

from ledger.documents.render import render_docx
from ledger.documents.weekly import WeeklyDocument
from ledger.summary import weekly_summary
from ledger.uow import transaction
from models.rules import Rules
from notifications.chart import completion_chart
from tests.fixtures.documents import AS_OF, ReportRound


def test_weekly_word_report_has_totals_unit_table_chart_and_red_list(
    engine: sa.Engine, report_round: ReportRound, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        summary = weekly_summary(session, as_of=AS_OF, rules=Rules())
    chart = completion_chart(
        summary.units, tmp_path / "chart.png", week=summary.week, week_label=summary.week_label
    )
    out = render_docx(WeeklyDocument(summary, chart.path, "上图为完成率。"), tmp_path / "周报.docx")

    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == summary.title
    assert f"截至2026年12月28日,{summary.overall.headline}。" in texts[3]
    assert "(一)省委第八巡视组反馈科技工作问题整改:共7项,已销号2项,完成率28.57%" in texts[5]
    units, red = doc.tables
    assert [c.text for c in units.rows[0].cells][:2] == ["排名", "牵头单位"]
    assert sorted(row.cells[1].text for row in units.rows[1:]) == ["县科技局", "局办公室"]
    assert len(red.rows) == 2  # header and the one overdue task
    assert red.rows[1].cells[1].text == "对2024年以来干部选拔任用情况开展自查"
    assert red.rows[1].cells[5].text == "8"
    assert len(doc.inline_shapes) == 1
    assert "逾期未销号的整改任务共1项" in "".join(texts)
