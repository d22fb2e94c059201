"""Corrections as the office types them: edit a round, a problem, a task; withdraw and
restore, with history read back; a withdrawn task leaves every list, count and notice and
stays readable by its id."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import Cli


def _imported(cli: Cli, office_ledger: Path) -> list[dict]:
    cli("init", check=True)
    cli("import", str(office_ledger), check=True)
    return json.loads(cli("tasks", "--json", check=True).out)


def _history(cli: Cli, task_id: int) -> list[dict]:
    return json.loads(cli("history", str(task_id), "--json", check=True).out)


def test_a_task_edit_writes_one_history_row_per_field_with_the_reason(
    cli: Cli, office_ledger: Path
) -> None:
    tasks = _imported(cli, office_ledger)
    first = tasks[0]
    assert (first["code"], first["deadline"]) == ("1.1", "2018-10-31")
    edited = cli(
        "task", "edit", str(first["id"]),
        "--measure", "引导剩余4户搬迁贫困户就近就业",
        "--person", "陈某",
        "--deadline", "2018-11-30",
        "--reason", "据整改方案(六盘水扶领办发〔2018〕24号)更正",
    )  # fmt: skip
    assert edited.code == 0, edited.err
    rows = [h for h in _history(cli, first["id"]) if h["action"] == "edit"]
    assert [(h["field"], h["old_value"], h["new_value"]) for h in rows] == [
        ("measure", "引导剩余4户搬迁贫困户就业", "引导剩余4户搬迁贫困户就近就业"),
        ("person", "刘某", "陈某"),
        ("deadline", "2018-10-31", "2018-11-30"),
    ]
    assert all("六盘水扶领办发〔2018〕24号" in h["note"] for h in rows)
    assert "非延期审批" in rows[-1]["note"]
    shown = json.loads(cli("task", "show", str(first["id"]), "--json", check=True).out)
    assert shown["measure"] == "引导剩余4户搬迁贫困户就近就业"
    # Not an extension: the original deadline is kept.
    assert (shown["deadline"], shown["original_deadline"]) == ("2018-11-30", "2018-10-31")

    no_reason = cli("task", "edit", str(first["id"]), "--person", "王某")
    assert no_reason.code == 1
    assert "理由" in no_reason.err and "--reason" in no_reason.err
    unit = cli("task", "edit", str(first["id"]), "--lead-unit", "开发区社事局", "--reason", "改派")
    assert unit.code == 0, unit.err
    assert json.loads(cli("task", "show", str(first["id"]), "--json").out)["lead_unit"] == (
        "开发区社事局"
    )


def test_the_round_and_a_problem_are_corrected_with_history(cli: Cli, office_ledger: Path) -> None:
    _imported(cli, office_ledger)
    result = cli(
        "inspection", "edit", "1", "--feedback-date", "2018-06-20", "--plan-doc-no",
        "六盘水扶领办发〔2018〕24号", "--reason", "据反馈会议纪要",
    )  # fmt: skip
    assert result.code == 0, result.err
    [round_] = json.loads(cli("inspections", "--json").out)
    assert (round_["feedback_date"], round_["plan_doc_no"]) == (
        "2018-06-20",
        "六盘水扶领办发〔2018〕24号",
    )
    # The deadlines are now checked against the feedback date: 2018.06.30 is before this one.
    late = cli("inspection", "edit", "1", "--feedback-date", "2018-07-15", "--reason", "再核")
    assert late.code == 1
    assert "晚于任务 1.3 的整改时限 2018-06-30" in late.err
    report = cli("report", "1", "--format", "md", "--as-of", "2018-12-31", check=True).out
    assert "2018年6月20日,省委第八巡视组向石桥社区反馈了脱贫攻坚方面存在的问题5个" in report
    assert "整改方案(六盘水扶领办发〔2018〕24号)" in report

    problem = cli("problem", "edit", "5", "--text", "扶贫对象识别不够精准", "--reason", "按原文")
    assert problem.code == 0, problem.err
    problems = cli("problems", "--inspection", "1", check=True).out
    assert "扶贫对象识别不够精准" in problems


def test_a_withdrawn_task_leaves_every_list_count_and_notice_and_stays_readable(
    cli: Cli, office_ledger: Path, tmp_path: Path
) -> None:
    tasks = _imported(cli, office_ledger)
    gone = next(t for t in tasks if t["measure"] == "统计搬迁户孩子就学意愿并上报开发区社事局")
    cli("task", "edit", str(gone["id"]), "--leader", "王书记", "--reason", "补录", check=True)
    weekly = json.loads(cli("weekly", "--as-of", "2018-12-24", "--dry-run", "--json").out)
    assert weekly["recipients"] == 2  # 整改办 and the task's leader
    result = cli("task", "withdraw", str(gone["id"]), "--reason", "重复登记")
    assert result.code == 0, result.err
    assert f"已撤销任务 {gone['id']}" in result.out

    listed = json.loads(cli("tasks", "--json", check=True).out)
    assert len(listed) == 10 and gone["id"] not in {t["id"] for t in listed}
    shown = cli("task", "show", str(gone["id"]), check=True).out
    assert "已撤销" in shown and "统计搬迁户孩子就学意愿" in shown
    withdrawal = [h for h in _history(cli, gone["id"]) if h["action"] == "withdraw"]
    assert [h["note"] for h in withdrawal] == ["重复登记"]

    # The daily check: the overdue 2018.06.30 task is not reminded.
    check = json.loads(cli("check", "--as-of", "2018-12-24", "--dry-run", "--json", check=True).out)
    reminded = {i for d in check["drafts"] for i in d["task_ids"]}
    assert reminded and gone["id"] not in reminded
    # The weekly summary, the report and the export count 10 tasks and do not name it.
    weekly = cli("weekly", "--as-of", "2018-12-24", "--dry-run", check=True).out
    assert "共10项" in weekly and "统计搬迁户孩子就学意愿" not in weekly
    counts = json.loads(cli("weekly", "--as-of", "2018-12-24", "--dry-run", "--json").out)
    assert counts["recipients"] == 1  # a withdrawn task makes nobody a recipient
    report = cli("report", "1", "--format", "md", "--as-of", "2018-12-31", check=True).out
    assert "制定整改措施10项" in report and "统计搬迁户孩子就学意愿" not in report
    out = tmp_path / "导出.xlsx"
    cli("export", str(out), check=True)
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "统计搬迁户孩子就学意愿并上报开发区社事局" not in cells
    assert "引导剩余4户搬迁贫困户就业" in cells
    # Importing the same ledger again leaves it withdrawn and says so.
    again = cli("import", str(office_ledger), check=True).out
    assert "已撤销的任务 1.3 相同,未导入" in again

    # Nobody works on a withdrawn task until it is restored.
    refused = cli("progress", str(gone["id"]), "--text", "已统计")
    assert refused.code == 1 and "已撤销,不能再办理" in refused.err

    restored = cli("task", "restore", str(gone["id"]), "--reason", "核实后保留")
    assert restored.code == 0, restored.err
    assert len(json.loads(cli("tasks", "--json").out)) == 11
    assert [h["action"] for h in _history(cli, gone["id"])][-2:] == ["withdraw", "restore"]
    assert cli("progress", str(gone["id"]), "--text", "已统计").code == 0


def test_a_round_imported_twice_is_withdrawn_and_restored(cli: Cli, office_ledger: Path) -> None:
    _imported(cli, office_ledger)
    cli("import", str(office_ledger), "--new-round", check=True)
    assert len(json.loads(cli("tasks", "--json").out)) == 22
    result = cli("inspection", "withdraw", "2", "--reason", "重复导入")
    assert result.code == 0, result.err
    assert len(json.loads(cli("tasks", "--json").out)) == 11
    assert "(已撤销)" in cli("inspections").out
    # A later import of the ledger finds the live round, not the withdrawn one.
    assert "按内容匹配到已有轮次 1" in cli("import", str(office_ledger), check=True).out
    assert cli("inspection", "restore", "2", "--reason", "误撤销").code == 0
    assert len(json.loads(cli("tasks", "--json").out)) == 22
    cli("user", "add", "周主任", "--role", "office", check=True)
    cli("user", "add", "陈某", "--role", "unit", "--unit", "石桥社区", user="周主任", check=True)
    only_office = cli("inspection", "withdraw", "1", "--reason", "x", user="陈某")
    assert only_office.code == 1 and "仅限整改办" in only_office.err
    refused = cli("task", "edit", "1", "--person", "x", "--reason", "x", user="陈某")
    assert refused.code == 1 and "仅限整改办" in refused.err
