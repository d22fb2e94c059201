"""The 整改情况报告 of the sample round after some work, on SQLite and PostgreSQL.

The Markdown is compared with a committed golden file. To change the wording on purpose,
regenerate it with RECTIFY_REGENERATE_GOLDEN=1 and review the diff before committing.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import sqlalchemy as sa
from docx import Document

from ledger.documents.render import render_docx, render_html, render_markdown
from ledger.documents.report_data import ReportData, rectification_report
from ledger.stats import totals
from ledger.uow import transaction
from models.rules import Rules
from tests.fixtures.documents import AS_OF, ReportRound

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "report_sample_round.md"


def report_of(engine: sa.Engine, rnd: ReportRound) -> ReportData:
    with transaction(engine) as session:
        return rectification_report(session, rnd.inspection_id, as_of=AS_OF, rules=Rules())


def test_markdown_report_matches_the_golden_file(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    text = render_markdown(report_of(engine, report_round))
    if os.environ.get("RECTIFY_REGENERATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_totals_sentence_uses_the_counts_of_ledger_stats(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    data = report_of(engine, report_round)
    with transaction(engine) as session:
        expected = totals(session, today=AS_OF, inspection_id=report_round.inspection_id)
    assert data.totals == expected
    assert data.totals_sentence == (
        "巡视反馈的4个问题,已完成整改0个,基本完成0个,未完成4个,总体完成率0.00%;"
        "制定整改措施7项,已销号2项,措施完成率28.57%;正在推进4项(其中待销号1项),长期坚持1项,逾期1项。"
    )


def test_word_report_has_the_headings_totals_and_three_parts_of_each_problem(
    engine: sa.Engine, report_round: ReportRound, tmp_path: Path
) -> None:
    out = render_docx(report_of(engine, report_round), tmp_path / "报告.docx")
    paragraphs = Document(str(out)).paragraphs
    texts = [p.text for p in paragraphs]
    by_style = {}
    for p in paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)

    assert by_style["Title"] == ["关于省委第八巡视组反馈科技工作问题整改情况的报告"]
    assert by_style["Heading 1"] == ["一、问题整改情况", "二、下一步工作打算"]
    assert by_style["Heading 2"] == [
        "(一)关于“科技项目资金管理不规范,部分项目资金拨付滞后”问题的整改情况",
        "(二)关于“科技特派员服务基层流于形式”问题的整改情况",
        "(三)关于“意识形态工作责任制落实不到位”问题的整改情况",
        "(四)关于“选人用人程序不规范”问题的整改情况",
    ]
    assert "整改情况报告应于2026年12月15日前报送" in texts[2]
    assert "县科发〔2026〕12号" in texts[2]
    assert (
        "巡视反馈的4个问题,已完成整改0个,基本完成0个,未完成4个,总体完成率0.00%;"
        "制定整改措施7项,已销号2项,措施完成率28.57%;正在推进4项(其中待销号1项),长期坚持1项,逾期1项。"
        in texts
    )
    # Each problem: its heading, then 1、2、3、 in that order before the next heading.
    headings = [i for i, p in enumerate(paragraphs) if p.style.name.startswith("Heading")]
    for start, end in zip(headings[1:-1], headings[2:], strict=True):
        labels = [t[:2] for t in texts[start + 1 : end] if t[:2] in ("1、", "2、", "3、")]
        assert labels == ["1、", "2、", "3、"], texts[start]
    # The part labels are bold runs, as in the office format.
    label_runs = [p.runs[0] for p in paragraphs if p.text.startswith("1、工作开展情况。")]
    assert len(label_runs) == 4 and all(r.bold for r in label_runs)
    assert any("已逾期8天" in t and "对2024年以来干部选拔任用情况开展自查" in t for t in texts)
    assert not any("{{" in t or "{%" in t for t in texts)


def test_html_report_is_well_formed_and_escapes_ledger_text(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    html = render_html(report_of(engine, report_round))
    assert html.startswith("<!DOCTYPE html>")
    root = ET.fromstring(html.split("\n", 1)[1])
    body = root.find("body")
    assert body is not None
    assert [h.text for h in body.iter("h2")] == ["一、问题整改情况", "二、下一步工作打算"]
    assert len(list(body.iter("h3"))) == 4
    strong = [s.text for s in body.iter("strong")]
    assert strong.count("1、工作开展情况。") == 4 and strong.count("3、整改情况。") == 4


def test_report_of_a_large_round_loads_in_a_fixed_number_of_queries(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    report_of(engine, report_round)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # inspection, problems, tasks, co-units, closed dates, reports, the co-units' parts,
    # totals (2), per problem
    assert len(selects) <= 11, selects
