"""Input parsing shared by the command line and the importer."""

from datetime import date

import pytest

from ledger.errors import InvalidInputError
from ledger.inputs import TaskCreate, parse_date, split_units, validated
from models.db import SCHEMA_HEAD, alembic_heads


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
