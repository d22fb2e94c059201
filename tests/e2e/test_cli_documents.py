"""The document commands as a user types them: rectify report, rectify supervision-order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from docx import Document

from ledger.documents.render import TEMPLATES
from ledger.uow import transaction
from models.outbox import SupervisionOrder
from tests.conftest import Cli
from tests.fixtures.documents import ReportRound


def test_report_writes_a_word_file_with_the_totals(cli: Cli, report_round: ReportRound) -> None:
    result = cli(
        "report", str(report_round.inspection_id), "--as-of", "2026-12-28", "-o", "整改报告.docx"
    )
    assert result.code == 0, result.err
    assert "已生成整改情况报告:整改报告.docx" in result.out
    texts = [p.text for p in Document(str(cli.cwd / "整改报告.docx")).paragraphs]
    assert (
        "巡视反馈的4个问题,已完成整改0个,基本完成0个,未完成4个,总体完成率0.00%;"
        "制定整改措施7项,已销号2项,措施完成率28.57%;正在推进4项(其中待销号1项),长期坚持1项,逾期1项。"
        in texts
    )


def test_report_as_markdown_prints_to_the_screen(cli: Cli, report_round: ReportRound) -> None:
    result = cli(
        "report", str(report_round.inspection_id), "--as-of", "2026-12-28", "--format", "md"
    )
    assert result.code == 0, result.err
    assert result.out.startswith("# 关于省委第八巡视组反馈科技工作问题整改情况的报告")
    assert "### (四)关于“选人用人程序不规范”问题的整改情况" in result.out


def test_report_format_follows_the_output_file_name(cli: Cli, report_round: ReportRound) -> None:
    result = cli("report", str(report_round.inspection_id), "-o", "out/报告.html")
    assert result.code == 0, result.err
    assert (cli.cwd / "out" / "报告.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_office_template_lacking_a_tag_is_refused_with_its_name(
    cli: Cli, report_round: ReportRound
) -> None:
    doc = Document(str(TEMPLATES / "report.docx"))
    for paragraph in doc.paragraphs:
        if "{{ opening }}" in paragraph.text:
            paragraph._p.getparent().remove(paragraph._p)
    doc.save(str(cli.cwd / "本单位模板.docx"))
    result = cli(
        "report", str(report_round.inspection_id), "--template", "本单位模板.docx", "-o", "r.docx"
    )
    assert result.code == 1
    assert "模板 本单位模板.docx 缺少必需的标记 {{ opening }}" in result.err
    assert not (cli.cwd / "r.docx").exists()


def test_report_refuses_bad_input_in_chinese(cli: Cli, report_round: ReportRound) -> None:
    result = cli("report", "999")
    assert result.code == 1 and "巡视(察)轮次编号 999 不存在" in result.err
    result = cli("report", str(report_round.inspection_id), "--format", "pdf")
    assert result.code == 1 and "输出格式(--format)“pdf”无法识别" in result.err
    result = cli("report", str(report_round.inspection_id), "--as-of", "明天")
    assert (
        result.code == 1
        and "计算日期“明天”不是有效日期,请写成 2026-12-31 的形式(参数 --as-of)" in result.err
    )


def test_supervision_order_by_id_by_task_and_by_its_pinyin_alias(
    cli: Cli, engine: sa.Engine, report_round: ReportRound
) -> None:
    with transaction(engine) as session:
        order = SupervisionOrder(
            year=2027,
            number=5,
            task_id=report_round.tasks["4.1"],
            issued_on=date(2027, 1, 5),
            deadline=date(2026, 12, 20),
            days_overdue=11,
            reply_due=date(2027, 1, 8),
        )
        session.add(order)
        session.flush()
        order_id = order.id

    result = cli("supervision-order", str(order_id), "-o", "督办单.docx")
    assert result.code == 0, result.err
    assert "督办〔2027〕5号" in result.out
    table = Document(str(cli.cwd / "督办单.docx")).tables[0]
    assert table.rows[0].cells[1].text == "督办〔2027〕5号"

    by_task = cli("dubanshu", "--task", str(report_round.tasks["4.1"]), "--format", "md")
    assert by_task.code == 0, by_task.err
    assert "| 书面回复时限 | 2027年1月8日前 |" in by_task.out

    missing = cli("supervision-order", "--task", str(report_round.tasks["1.1"]))
    assert missing.code == 1 and "尚未下发督办通知单" in missing.err
    neither = cli("supervision-order")
    assert neither.code == 1 and "请给出督办通知单编号" in neither.err


def test_report_is_written_to_the_reports_folder_by_default(
    cli: Cli, report_round: ReportRound
) -> None:
    result = cli("report", str(report_round.inspection_id), "--as-of", "2026-12-28")
    assert result.code == 0, result.err
    expected = (
        Path(cli.env["RECTIFY_DATA_DIR"])
        / "reports"
        / f"整改情况报告-轮次{report_round.inspection_id}-2026-12-28.docx"
    )
    assert expected.exists()


def test_weekly_report_writes_word_with_the_chart(cli: Cli, report_round: ReportRound) -> None:
    result = cli("weekly-report", "--as-of", "2026-12-28", "-o", "周报.docx")
    assert result.code == 0, result.err
    assert "已生成整改周报:周报.docx" in result.out
    doc = Document(str(cli.cwd / "周报.docx"))
    assert doc.paragraphs[0].text == "整改工作周报(2026年第53周)"
    assert len(doc.inline_shapes) == 1
    assert doc.tables[1].rows[1].cells[0].text == "4.1"


def test_documents_follow_the_remit_on_the_command_line_as_in_the_services(
    cli: Cli, engine: sa.Engine, report_round: ReportRound
) -> None:
    task = report_round.tasks["1.1"]  # 县科技局's
    with transaction(engine) as session:
        order = SupervisionOrder(
            year=2027, number=2, task_id=task, issued_on=date(2027, 1, 5),
            deadline=date(2026, 12, 20), days_overdue=11, reply_due=date(2027, 1, 8),
        )  # fmt: skip
        session.add(order)
        session.flush()
        order_id = str(order.id)
    cli("user", "add", "周主任", "--role", "整改办", check=True)
    cli(
        "user", "add", "陈某", "--role", "责任单位", "--unit", "县科技局", user="周主任", check=True
    )
    cli("unit", "add", "县审计局", user="周主任", check=True)
    cli(
        "user", "add", "吴某", "--role", "责任单位", "--unit", "县审计局", user="周主任", check=True
    )
    round_id = str(report_round.inspection_id)

    for args in (
        ("report", round_id, "-o", "r.docx"),
        ("weekly-report", "--as-of", "2026-12-28", "-o", "w.docx"),
        ("export", "t.xlsx"),
    ):
        refused = cli(*args, "--as", "陈某")
        assert refused.code == 1 and "仅限整改办" in refused.err, args
        assert cli(*args, user="周主任").code == 0, args
    assert cli("supervision-order", order_id, "-f", "md", user="陈某").code == 0
    assert cli("closure-form", str(task), "-o", "c.docx", user="陈某").code == 0
    for args in (("supervision-order", order_id), ("closure-form", str(task))):
        hidden = cli(*args, user="吴某")
        assert hidden.code == 1 and "不在您的查看范围内" in hidden.err, args
