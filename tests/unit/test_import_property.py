"""Whatever is typed into a ledger's cells, the importer answers with tasks or row errors."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidInputError
from ledger.importing.header import find_header
from ledger.importing.reading import Grid, LedgerFileError, _clean, read_grid
from ledger.importing.rows import parse_rows
from models.enums import TaskKind
from tests.fixtures.ledger_io import HEADER

FEEDBACK = date(2026, 10, 15)
WORDS = [
    "立行立改",
    "长期坚持",
    "2026年12月底",
    "12月底",
    "合计",
    "备注:",
    "县科技局、财务股",
    "一、",
    "已完成",
]
cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(WORDS),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
)
rows = st.lists(st.lists(cells, max_size=len(HEADER) + 2), max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=rows)
def test_random_cells_give_tasks_or_row_errors_and_nothing_else(body: list[list[object]]) -> None:
    grid = Grid(
        values=[list(HEADER)] + [[_clean(v) for v in r] for r in body],
        sheet_name="台账",
        file_kind="csv",
    )
    ledger = parse_rows(grid, find_header(grid, file_name="台账.csv"), feedback_date=FEEDBACK)
    for error in ledger.errors:
        assert error.message.startswith(f"第{error.row}行")
    for task in ledger.tasks:
        assert task.measure and task.lead_unit
        assert isinstance(task.kind, TaskKind)
        assert task.deadline is None or task.deadline >= FEEDBACK
        if task.kind is TaskKind.dated:
            assert task.deadline is not None
        if task.kind is TaskKind.ongoing:
            assert task.deadline is None


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_are_read_or_refused_with_a_message(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("bytes") / "ledger.xlsx"
    path.write_bytes(data)
    try:
        grid = read_grid(path)
    except LedgerFileError as exc:
        assert exc.message
        return
    try:
        find_header(grid, file_name=path.name)
    except InvalidInputError as exc:
        assert "表头" in exc.message
