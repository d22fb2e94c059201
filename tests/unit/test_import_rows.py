"""Ledger rows to problems and tasks: the habits of real ledgers, and row errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import InvalidInputError
from ledger.importing import read_ledger, round_from_title, round_title
from ledger.importing.header import find_header
from ledger.importing.reading import Grid
from ledger.importing.rows import ParsedLedger, normalise_text, parse_rows
from models.enums import TaskKind
from tests.fixtures.ledger_io import HEADER, ROWS, LedgerSpec

FEEDBACK = date(2026, 10, 15)


def parse(path: Path) -> ParsedLedger:
    grid, header = read_ledger(path)
    return parse_rows(grid, header, feedback_date=FEEDBACK)


def grid_of(rows: list[list[Any]]) -> Grid:
    return Grid(values=[list(r) for r in rows], sheet_name="台账", file_kind="csv")


def parse_grid(rows: list[list[Any]]) -> ParsedLedger:
    grid = grid_of(rows)
    return parse_rows(grid, find_header(grid, file_name="台账.csv"), feedback_date=FEEDBACK)


def test_the_sample_ledger_gives_four_problems_and_seven_tasks(sample_ledger_dir: Path) -> None:
    for name in ("ledger-sample.xlsx", "ledger-sample.csv"):
        ledger = parse(sample_ledger_dir / name)
        assert ledger.errors == []
        assert [p.serial for p in ledger.problems] == ["1", "2", "3", "4"]
        assert [t.deadline for t in ledger.tasks] == [
            date(2026, 12, 31),
            date(2027, 1, 15),
            date(2027, 3, 31),
            None,
            None,
            date(2026, 12, 20),
            date(2027, 2, 28),
        ]
        assert [t.kind for t in ledger.tasks][3:5] == [TaskKind.immediate, TaskKind.ongoing]
        assert ledger.tasks[0].co_units == ["财务股"]


def test_title_and_reporter_lines_above_the_header_are_read(
    ledger_files: Callable[..., Path],
) -> None:
    spec = LedgerSpec(
        title="省委第八巡视组反馈脱贫攻坚存在问题整改台账",
        reporter_line="填报单位:县科技局(盖章)  反馈日期:2026年10月15日",
    )
    grid, header = read_ledger(ledger_files("titled.xlsx", spec))
    assert header.title == "省委第八巡视组反馈脱贫攻坚存在问题整改台账"
    assert header.reporter == "县科技局"
    assert header.feedback_date == date(2026, 10, 15)
    assert len(parse_rows(grid, header, feedback_date=FEEDBACK).tasks) == 7


def test_a_round_is_named_from_the_ledger_title() -> None:
    title = "省委第八巡视组反馈脱贫攻坚存在问题整改台账"
    assert round_title(title) == "省委第八巡视组反馈脱贫攻坚存在问题整改"
    assert round_from_title(title) == {
        "body": "省委第八巡视组",
        "subject": "脱贫攻坚",
        "source_kind": "巡视",
    }
    assert round_from_title("县委第二巡察组反馈问题整改清单")["source_kind"] == "巡察"
    assert round_from_title("ledger-sample")["body"] == "未注明"


def test_a_two_row_header_takes_the_finer_names_below(ledger_files: Callable[..., Path]) -> None:
    spec = LedgerSpec(two_row_header=True, title="整改台账")
    spec.rows[0][-1] = "已建立台账"
    spec.rows[3] = spec.rows[3][:-1] + ["", "已完成"]
    grid, header = read_ledger(ledger_files("two-rows.xlsx", spec))
    assert header.labels["progress"] == "目前进展"
    assert header.labels["completion"] == "完成情况"
    ledger = parse_rows(grid, header, feedback_date=FEEDBACK)
    assert ledger.errors == []
    assert ledger.tasks[0].progress == "已建立台账"
    assert ledger.tasks[3].completion == "已完成"
    assert ledger.tasks[3].marked_done


def test_merged_problem_cells_apply_to_each_of_their_measures(
    ledger_files: Callable[..., Path],
) -> None:
    ledger = parse(ledger_files("merged.xlsx", LedgerSpec(merge_problems=True)))
    assert ledger.errors == []
    assert len(ledger.problems) == 4
    first, second = ledger.tasks[:2]
    assert first.problem_key == second.problem_key
    assert ledger.problems[0].serial == "1"


def test_columns_in_another_order_and_under_other_names_are_found(
    ledger_files: Callable[..., Path],
) -> None:
    header = [
        "编号",
        "反馈问题",
        "具体措施",
        "分管领导",
        "主责单位",
        "协办单位",
        "具体责任人",
        "时限要求",
        "进展情况",
    ]
    order = [7, 2, 4, 1, 0, 8, 6, 5, 3]
    ledger = parse(ledger_files("shuffled.xlsx", LedgerSpec(header=header, column_order=order)))
    assert ledger.errors == []
    assert [(t.measure, t.lead_unit, t.leader) for t in ledger.tasks[:1]] == [
        ("建立科技项目资金拨付台账,逐项核查拨付进度", "县科技局", "王副局长")
    ]


def test_trailing_totals_notes_and_blank_spacer_rows_are_not_tasks(
    ledger_files: Callable[..., Path],
) -> None:
    spec = LedgerSpec(
        spacer_after=[1, 4],
        trailing=[
            ["合计", "共4个问题", "7项措施"],
            [],
            ["填报说明:1.完成时限请填写具体日期;2.进展请如实填写"],
            ["2.本表一式两份"],
        ],
    )
    ledger = parse(ledger_files("trailing.xlsx", spec))
    assert ledger.errors == []
    assert len(ledger.tasks) == 7


def test_several_units_in_one_cell_give_a_lead_and_co_units() -> None:
    rows = [
        HEADER,
        [
            1,
            "问题甲",
            "措施甲",
            "王",
            "县科技局、财务股;县人社局/县委组织部\n局办公室",
            "审计局",
            "陈",
            "2026-12-31",
            "",
        ],
    ]
    task = parse_grid(rows).tasks[0]
    assert task.lead_unit == "县科技局"
    assert task.co_units == ["财务股", "县人社局", "县委组织部", "局办公室", "审计局"]


def test_a_category_heading_row_names_the_problems_below() -> None:
    rows = [
        HEADER,
        ["一、政治建设方面"] * len(HEADER),
        *ROWS[:2],
        ["二、作风建设方面"] + [None] * (len(HEADER) - 1),
        *ROWS[2:4],
    ]
    ledger = parse_grid(rows)
    assert ledger.errors == []
    assert [p.category for p in ledger.problems] == ["政治建设方面", "作风建设方面"]
    assert len(ledger.tasks) == 4


def test_a_problem_row_without_measures_owns_the_measure_rows_below() -> None:
    rows = [
        HEADER,
        ["(一)", "科技项目资金管理不规范", None, None, None, None, None, None, None],
        ["1.1", None, "建立拨付台账", "王", "县科技局", None, "陈", "2026-12-31", None],
        ["1.2", None, "约谈承担单位", "王", "县科技局", None, "陈", "2027-01-15", None],
    ]
    ledger = parse_grid(rows)
    assert ledger.errors == []
    assert [p.serial for p in ledger.problems] == ["(一)"]
    assert [t.problem_key for t in ledger.tasks] == [ledger.problems[0].key] * 2


def test_every_row_error_is_listed_and_names_the_cell() -> None:
    rows = [
        HEADER,
        [1, "问题甲", "措施一", "王", "县科技局", "", "陈", "尽快", ""],
        [1, "问题甲", "", "王", "县科技局", "", "陈", "2026-12-31", ""],
        [2, "问题乙", "措施二", "王", "", "", "陈", "2026-12-31", ""],
        [3, "问题丙", "措施三", "王", "县科技局", "", "陈", "2025-12-31", ""],
        [3, "问题丙", "措施三", "王", "县科技局", "", "陈", "2026-12-31", ""],
        [4, "问题丁", "措施四", "王", "县科技局", "", "陈", "", ""],
    ]
    errors = [e.message for e in parse_grid(rows).errors]
    assert errors == [
        "第2行「完成时限」“尽快”无法识别,请写成 2026-12-31、2026年12月底、立行立改或长期坚持",
        "第3行「整改任务」为空,请填写整改措施",
        "第4行「牵头单位」为空,请填写牵头单位",
        "第5行「完成时限」“2025-12-31”早于反馈日期2026年10月15日,请核对",
        "第7行「完成时限」为空,请填写日期(如 2026-12-31)、立行立改或长期坚持",
    ]


def test_a_repeated_measure_is_a_row_error_naming_the_first() -> None:
    rows = [HEADER, ROWS[0], ROWS[1], ROWS[0]]
    assert [e.message for e in parse_grid(rows).errors] == [
        "第4行与第2行的问题和整改措施相同,请删除重复行,或写明两项措施的区别"
    ]


def test_a_missing_required_column_lists_what_was_found_and_what_is_needed() -> None:
    rows = [["序号", "问题", "整改措施", "责任人"], [1, "问题甲", "措施甲", "陈"]]
    with pytest.raises(InvalidInputError) as caught:
        find_header(grid_of(rows), file_name="台账.csv")
    assert "缺少必需的列 “责任单位”、“整改时限”" in caught.value.message
    assert "已识别的列:“序号”、“问题”、“整改措施”、“责任人”" in caught.value.message


def test_the_matching_key_ignores_punctuation_spaces_and_a_leading_serial() -> None:
    assert normalise_text("1、建立台账,逐项核查") == normalise_text("建立台账, 逐项\n核查。")
    assert normalise_text("建立台账") != normalise_text("建立账册")


def test_a_lone_problem_cell_opens_a_problem_but_a_lone_heading_names_a_category() -> None:
    blank = [None] * len(HEADER)
    rows = [
        HEADER,
        [None, "一、组织建设方面", *blank[2:]],
        [None, "基层党组织软弱涣散", *blank[2:]],
        [None, None, "开展软弱涣散党组织整顿", "王", "县委组织部", None, "陈", "2026-12-31", None],
    ]
    ledger = parse_grid(rows)
    assert ledger.errors == []
    assert [(p.category, p.description) for p in ledger.problems] == [
        ("组织建设方面", "基层党组织软弱涣散")
    ]


def test_notes_merged_across_the_whole_row_end_the_ledger() -> None:
    note = "填报说明:时限请填写具体日期,进展请如实填写"
    rows = [HEADER, *ROWS[:2], [note] * len(HEADER), ["1.本表由牵头单位填报"]]
    ledger = parse_grid(rows)
    assert ledger.errors == []
    assert len(ledger.tasks) == 2
    assert ledger.skipped_rows == [4, 5]
