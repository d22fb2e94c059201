"""Reading ledger files of every kind offices send, and refusing what is not a ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ledger.errors import InvalidInputError
from ledger.importing import read_ledger
from ledger.importing.reading import LedgerFileError, read_grid
from ledger.importing.rows import parse_rows
from tests.fixtures.ledger_io import LedgerSpec, write_encrypted_xlsx_stub

FEEDBACK = date(2026, 10, 15)
MEASURES = 7


def tasks_of(path: Path, sheet: str | None = None) -> list:
    grid, header = read_ledger(path, sheet=sheet)
    ledger = parse_rows(grid, header, feedback_date=FEEDBACK)
    assert ledger.errors == []
    return ledger.tasks


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("utf8.csv", {"encoding": "utf-8"}),
        ("bom.csv", {"encoding": "utf-8-sig"}),
        ("gbk.csv", {"encoding": "gb18030"}),
        ("tabs.csv", {"encoding": "gb18030", "delimiter": "\t"}),
    ],
)
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(
    ledger_files: Callable[..., Path], name: str, kwargs: dict
) -> None:
    tasks = tasks_of(ledger_files(name, LedgerSpec(), **kwargs))
    assert len(tasks) == MEASURES
    assert tasks[0].lead_unit == "县科技局"
    assert tasks[0].measure == "建立科技项目资金拨付台账,逐项核查拨付进度"


def test_old_xls_with_merged_problem_cells_is_read(ledger_files: Callable[..., Path]) -> None:
    tasks = tasks_of(ledger_files("old.xls", LedgerSpec(merge_problems=True, title="整改台账")))
    assert len(tasks) == MEASURES
    assert {t.problem_key for t in tasks[:2]} == {tasks[0].problem_key}


def test_the_file_content_decides_not_the_name(
    ledger_files: Callable[..., Path], tmp_path: Path
) -> None:
    xlsx = ledger_files("ledger.xlsx", LedgerSpec())
    renamed = tmp_path / "ledger.csv"
    renamed.write_bytes(xlsx.read_bytes())
    assert len(tasks_of(renamed)) == MEASURES


def test_the_first_sheet_with_rows_is_read_unless_one_is_named(
    ledger_files: Callable[..., Path],
) -> None:
    path = ledger_files("two.xlsx", LedgerSpec(), sheet="台账", extra_sheets=("Sheet2",))
    assert read_grid(path).sheet_name == "台账"
    with pytest.raises(LedgerFileError, match="没有名为“汇总”的工作表,现有工作表:台账、Sheet2"):
        read_grid(path, "汇总")


def test_an_empty_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(LedgerFileError, match="是空文件"):
        read_grid(path)


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.xlsx"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(LedgerFileError, match="不是电子表格"):
        read_grid(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(LedgerFileError, match="无法作为电子表格读取"):
        read_grid(path)


def test_an_encrypted_workbook_is_named_as_such(tmp_path: Path) -> None:
    path = write_encrypted_xlsx_stub(tmp_path / "secret.xlsx")
    with pytest.raises(LedgerFileError, match="已加密.*取消密码"):
        read_grid(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(LedgerFileError, match="找不到文件"):
        read_grid(tmp_path / "nowhere.xlsx")


def test_a_sheet_without_a_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("张三,李四\n王五,赵六\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="找不到表头"):
        read_ledger(path)
