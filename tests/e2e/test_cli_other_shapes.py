"""A ledger exported by another 巡查 / 督办 system, imported as a new user would: one row per
problem and no measure column, that system's column names, a workbook that also holds
process records and statistics, HYPERLINK cells, and columns rectify has no field for."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

from tests.conftest import Cli

HEADER = [
    "问题编号",
    "问题标题",
    "问题详情描述",
    "所属部门",
    "整改责任人",
    "整改截止日期",
    "当前状态",
    "最新整改反馈",
    "督办等级",
]
ROWS = [
    [
        '=HYPERLINK("https://dc.example/issue/XC-2024-001","XC-2024-001")',
        "食堂采购",
        "机关食堂大宗采购未按规定公开比选",
        "机关事务中心",
        "孙某",
        "2025-03-31",
        "整改中",
        "已制定采购比选办法",
        "一般",
    ],
    [
        '=HYPERLINK("https://dc.example/issue/XC-2024-002","XC-2024-002")',
        "公车管理",
        "公务用车使用登记不完整",
        "办公室",
        "钱某",
        "2025-01-31",
        "待整改",
        "",
        "重点",
    ],
    [
        '=HYPERLINK("https://dc.example/issue/XC-2024-003","XC-2024-003")',
        "档案管理",
        "干部人事档案专项审核发现问题未整改",
        "组织人事科",
        "李某",
        "2025-06-30",
        "整改中",
        "已完成首轮审核",
        "一般",
    ],
]


def write_system_export(path: Path) -> Path:
    wb = Workbook()
    log = wb.active
    assert log is not None
    log.title = "流程记录"
    log.append(["序号", "问题编号", "操作", "操作人", "操作时间"])
    log.append([1, "XC-2024-001", "交办", "督查室", "2024-12-01"])
    log.append([2, "XC-2024-002", "交办", "督查室", "2024-12-01"])
    ledger = wb.create_sheet("问题清单")
    ledger.append(HEADER)
    for row in ROWS:
        ledger.append(row)
    stats = wb.create_sheet("统计")
    stats.append(["部门", "问题数", "已整改", "整改率"])
    stats.append(["办公室", 1, 0, "0%"])
    wb.save(path)
    return path


def test_another_systems_export_imports_one_measure_per_problem(cli: Cli, tmp_path: Path) -> None:
    path = write_system_export(tmp_path / "督办系统导出.xlsx")
    cli("init", check=True)
    result = cli("import", str(path), "--body", "市委第三巡察组", "--feedback-date", "2024-11-20")
    assert result.code == 0, result.err
    assert "(工作表“问题清单”)" in result.out
    assert "工作簿有3个工作表,读取了“问题清单”" in result.out
    assert "问题:新增3个" in result.out and "任务:新增3项" in result.out
    tasks = json.loads(cli("tasks", "--json", check=True).out)
    assert [(t["measure"], t["lead_unit"], t["person"], t["deadline"]) for t in tasks] == [
        ("机关食堂大宗采购未按规定公开比选", "机关事务中心", "孙某", "2025-03-31"),
        ("公务用车使用登记不完整", "办公室", "钱某", "2025-01-31"),
        ("干部人事档案专项审核发现问题未整改", "组织人事科", "李某", "2025-06-30"),
    ]
    problems = cli("problems", "--inspection", "1", check=True).out
    assert "XC-2024-001" in problems  # the HYPERLINK cell read as its text
    shown = cli("task", "show", str(tasks[0]["id"]), check=True).out
    assert "问题标题(台账原列):食堂采购" in shown
    assert "督办等级(台账原列):一般" in shown
    assert "已制定采购比选办法" in shown  # 最新整改反馈 as progress
    again = cli("import", str(path), check=True).out
    assert "按内容匹配到已有轮次 1" in again and "未变3项" in again


def test_a_sheet_of_another_shape_without_a_unit_column_says_what_it_needs(
    cli: Cli, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["问题编号", "问题标题", "问题详情描述", "整改截止日期"])
    ws.append(["A-1", "x", "问题一", "2025-01-01"])
    path = tmp_path / "缺列.xlsx"
    wb.save(path)
    cli("init", check=True)
    result = cli("import", str(path))
    assert result.code == 1
    assert "表头缺少必需的列 “责任单位”" in result.err
