"""The 省委第八巡视组 ledger as an office types it, imported as a new user would.

Title, 填报单位 / 填报时间 line, two-row header, merged problem cells, 2018 deadlines, no
反馈日期: it imports with no options, again with no change, under another file name into
the same round, and the first report after it reads right.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import Cli


def _rounds(cli: Cli) -> list[dict]:
    return json.loads(cli("inspections", "--json").out)


def test_the_office_ledger_imports_with_no_options_and_again_with_no_change(
    cli: Cli, office_ledger: Path
) -> None:
    cli("init")
    first = cli("import", str(office_ledger))
    assert first.code == 0, first.err
    assert "→ 轮次 1“省委第八巡视组反馈脱贫攻坚存在问题整改”" in first.out
    assert "未匹配到已有轮次:按台账标题新建轮次" in first.out
    assert "反馈日期 反馈日期未填写;台账填报时间 2018年12月10日" in first.out
    assert "注意:反馈日期未填写" in first.out
    assert "rectify inspection edit 1 --feedback-date" in first.out
    assert "问题:新增5个" in first.out
    assert "任务:新增11项,更新0项,未变0项" in first.out
    [round_] = _rounds(cli)
    assert (round_["body"], round_["subject"], round_["inspected_org"]) == (
        "省委第八巡视组",
        "脱贫攻坚",
        "石桥社区",
    )
    assert round_["feedback_date"] is None
    tasks = json.loads(cli("tasks", "--json").out)
    assert len(tasks) == 11
    assert {t["kind"] for t in tasks} == {"dated", "immediate", "ongoing"}
    assert "2018-06-30" in {t["deadline"] for t in tasks}

    again = cli("import", str(office_ledger))
    assert again.code == 0, again.err
    assert "按内容匹配到已有轮次 1“省委第八巡视组反馈脱贫攻坚存在问题整改”" in again.out
    assert "本台账11项整改措施中11项已在该轮次中" in again.out
    assert "任务:新增0项,更新0项,未变11项" in again.out
    assert len(_rounds(cli)) == 1


def test_the_same_ledger_under_another_file_name_updates_the_same_round(
    cli: Cli, office_ledger: Path
) -> None:
    cli("init")
    assert cli("import", str(office_ledger)).code == 0
    renamed = office_ledger.with_name("整改台账(12月更新).xlsx")
    shutil.copyfile(office_ledger, renamed)
    dry = cli("import", str(renamed), "--dry-run")
    assert dry.code == 0, dry.err
    assert "试导入(未写入数据库):整改台账(12月更新).xlsx" in dry.out
    assert "→ 轮次 1" in dry.out and "按内容匹配到已有轮次 1" in dry.out
    result = cli("import", str(renamed))
    assert result.code == 0, result.err
    assert "未变11项" in result.out
    assert len(_rounds(cli)) == 1
    assert len(json.loads(cli("tasks", "--json").out)) == 11
    forced = cli("import", str(renamed), "--new-round", "--dry-run")
    assert "已要求新建轮次" in forced.out and "→ 新轮次" in forced.out


def test_the_ledger_with_the_body_and_feedback_date_given_twice_is_one_round(
    cli: Cli, office_ledger: Path
) -> None:
    cli("init")
    args = (
        "import",
        str(office_ledger),
        "--body",
        "省委第八巡视组",
        "--feedback-date",
        "2018-06-20",
    )
    first = cli(*args)
    assert first.code == 0, first.err
    assert "反馈日期 2018年6月20日" in first.out
    second = cli(*args)
    assert second.code == 0, second.err
    assert "按内容匹配到已有轮次 1" in second.out
    [round_] = _rounds(cli)
    assert round_["feedback_date"] == "2018-06-20"


def test_a_feedback_date_later_than_the_ledger_was_filled_in_is_refused(
    cli: Cli, office_ledger: Path
) -> None:
    cli("init")
    result = cli("import", str(office_ledger), "--feedback-date", "2018-12-20")
    assert result.code == 1
    assert "反馈日期2018年12月20日晚于台账的填报时间2018年12月10日" in result.err
    assert _rounds(cli) == []


def test_the_first_report_after_the_import_reads_right(cli: Cli, office_ledger: Path) -> None:
    cli("init")
    assert cli("import", str(office_ledger)).code == 0
    report = cli("report", "1", "--format", "md", "--as-of", "2018-12-31")
    assert report.code == 0, report.err
    text = report.out
    assert "关于省委第八巡视组反馈脱贫攻坚存在问题整改情况的报告" in text
    assert "省委第八巡视组向石桥社区反馈了脱贫攻坚方面存在的问题5个" in text
    # Imported progress is dated as the ledger says (its 填报时间), not the import day.
    assert "2018年12月10日,已完成引导就业22户" in text
    assert "2026年" not in text
