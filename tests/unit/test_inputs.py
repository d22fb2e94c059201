"""Input parsing shared by the command line and the importer."""

from datetime import date

import pytest

from ledger.errors import InvalidInputError
from ledger.inputs import (
    TaskCreate,
    parse_date,
    parse_kind,
    responsible_units,
    split_units,
    validated,
)
from models.db import SCHEMA_HEAD, alembic_heads
from models.enums import TaskKind


@pytest.mark.parametrize("text", ["2026-12-31", "2026/12/31", "2026.12.31", "2026年12月31日"])
def test_dates_are_accepted_as_people_type_them(text):
    assert parse_date(text, "整改时限") == date(2026, 12, 31)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "明年", ""])
def test_an_impossible_date_is_refused_naming_the_field_and_value(text):
    with pytest.raises(InvalidInputError) as exc:
        parse_date(text, "整改时限(--deadline)")
    assert "整改时限(--deadline)" in exc.value.message and f"“{text}”" in exc.value.message


def test_several_units_in_one_cell_split_with_the_first_as_lead():
    assert split_units("县科技局、财务股;县人社局/县财政局\n县委组织部") == [
        "县科技局",
        "财务股",
        "县人社局",
        "县财政局",
        "县委组织部",
    ]
    assert split_units("县科技局,县科技局") == ["县科技局"]


def test_an_empty_measure_is_refused_in_chinese():
    with pytest.raises(InvalidInputError, match="整改措施"):
        validated(TaskCreate, problem_id=1, measure="  ", lead_unit="县科技局")


def test_the_schema_head_constant_matches_the_newest_migration():
    assert alembic_heads() == {SCHEMA_HEAD}


def test_a_task_typed_with_several_units_in_a_cell_has_the_first_as_lead():
    data = TaskCreate(
        problem_id=1,
        measure="完善制度",
        lead_unit="县科技局、财务股;县审计局",
        co_units=["财务股/县委组织部", "县科技局"],
    )
    assert data.lead_unit == "县科技局"
    assert data.co_units == ["财务股", "县审计局", "县委组织部"]


def test_the_lead_and_co_unit_cells_of_a_ledger_row_name_each_unit_once():
    assert responsible_units("县科技局,财务股", "财务股、县审计局") == [
        "县科技局",
        "财务股",
        "县审计局",
    ]
    assert responsible_units("", "") == []


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("立行立改", TaskKind.immediate),
        ("限期整改", TaskKind.dated),
        ("限期", TaskKind.dated),
        ("长期坚持", TaskKind.ongoing),
        (" ongoing ", TaskKind.ongoing),
        (TaskKind.immediate, TaskKind.immediate),
    ],
)
def test_a_tasks_kind_is_read_from_the_chinese_word_or_the_code(word, kind):
    data = TaskCreate(problem_id=1, measure="完善制度", lead_unit="县科技局", kind=word)
    assert data.kind is kind


def test_an_unknown_kind_is_refused_naming_the_kind_field_and_the_choices():
    with pytest.raises(InvalidInputError) as exc:
        validated(TaskCreate, problem_id=1, measure="完善制度", lead_unit="县科技局", kind="马上办")
    assert exc.value.field == "kind"
    assert "任务类型“马上办”无法识别" in exc.value.message and "立行立改/限期整改/长期坚持" in (
        exc.value.message
    )
    with pytest.raises(InvalidInputError) as corrected:
        parse_kind("马上办")
    assert corrected.value.field == "kind"


def test_a_deadline_is_read_as_people_type_it_and_refused_naming_the_field():
    data = TaskCreate(
        problem_id=1, measure="完善制度", lead_unit="县科技局", deadline="2026年12月31日"
    )
    assert data.deadline == date(2026, 12, 31)
    assert (
        TaskCreate(problem_id=1, measure="完善制度", lead_unit="县科技局", deadline=" ").deadline
        is None
    )
    with pytest.raises(InvalidInputError) as exc:
        validated(
            TaskCreate, problem_id=1, measure="完善制度", lead_unit="县科技局", deadline="明天"
        )
    assert exc.value.field == "deadline" and "整改时限“明天”不是有效日期" in exc.value.message
