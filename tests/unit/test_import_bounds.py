"""Hostile ledger files are refused before parsing, naming the limit and its setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.importing.reading import LedgerFileError, read_grid
from models.limits import Limits
from tests.conftest import ROOT
from tests.fixtures import bombs
from tests.fixtures.ledger_io import LedgerSpec, write_csv

TAIL = "请拆分台账或删去多余的行列后再导入,或请管理员调高上限"


def refusal(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(LedgerFileError) as err:
        read_grid(path, limits=limits)
    return err.value.message


def test_a_sheet_declaring_the_whole_excel_grid_is_refused_by_its_rows(tmp_path: Path) -> None:
    path = bombs.declared_dimension_bomb(tmp_path / "炸弹.xlsx")
    assert path.stat().st_size < 10_000
    assert refusal(path) == (
        "文件“炸弹.xlsx”的工作表“台账”至少有1048576行,超过上限200000行"
        f"(配置文件 rectify.toml 的 [limits] import_max_rows);{TAIL}"
    )


def test_one_cell_far_away_is_refused_by_its_column(tmp_path: Path) -> None:
    path = bombs.far_cell_bomb(tmp_path / "远处.xlsx", "ZZ200000")
    assert refusal(path) == (
        "文件“远处.xlsx”的工作表“台账”至少有702列,超过上限200列"
        f"(配置文件 rectify.toml 的 [limits] import_max_columns);{TAIL}"
    )


def test_rows_times_columns_are_bounded_too(tmp_path: Path) -> None:
    path = bombs.far_cell_bomb(tmp_path / "方阵.xlsx", "GR99999")
    assert "至少有99999行×200列,超过上限2000000个单元格" in refusal(path)
    assert "import_max_cells" in refusal(path)


def test_a_huge_cell_in_a_small_zip_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    path = bombs.huge_cell_bomb(tmp_path / "大单元格.xlsx", mib=64)
    limits = Limits(import_max_unpacked_bytes=32 << 20)
    assert path.stat().st_size < 1 << 20
    assert refusal(path, limits) == (
        "文件“大单元格.xlsx”解压后共64MB,超过上限32MB"
        f"(配置文件 rectify.toml 的 [limits] import_max_unpacked_bytes);{TAIL}"
    )


def test_a_sheet_of_unreferenced_rows_is_counted_and_refused(tmp_path: Path) -> None:
    path = bombs.many_rows_bomb(tmp_path / "多行.xlsx", rows=300_000)
    message = refusal(path)
    assert message.startswith("文件“多行.xlsx”的工作表“台账”至少有")
    assert "超过上限200000行" in message


def test_a_cell_longer_than_excel_allows_is_refused_with_its_place(tmp_path: Path) -> None:
    spec = LedgerSpec()
    spec.rows[2][2] = "长" * 40_000
    path = write_csv(tmp_path / "长.csv", spec)
    message = refusal(path)
    assert message.startswith("文件“长.csv”第4行有单元格过长,超过上限32767个字符")
    assert "import_max_cell_chars" in message


def test_a_csv_cell_past_the_csv_modules_own_limit_is_a_message_not_a_traceback(
    tmp_path: Path,
) -> None:
    path = tmp_path / "巨.csv"
    path.write_text("序号,整改措施\n1," + "x" * 200_000 + "\n", encoding="utf-8")
    message = refusal(path)
    assert "第2行有单元格过长,超过上限32767个字符" in message


def test_a_csv_with_too_many_rows_or_columns_is_refused(tmp_path: Path) -> None:
    rows = tmp_path / "行.csv"
    rows.write_text("序号,整改措施\n" + "1,x\n" * 1_000, encoding="utf-8")
    assert "超过1000行,超过上限1000行" in refusal(rows, Limits(import_max_rows=1_000))
    wide = tmp_path / "列.csv"
    wide.write_text(",".join(["x"] * 300) + "\n", encoding="utf-8")
    assert "第1行有300列,超过上限200列" in refusal(wide)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "大.xlsx"
    with path.open("wb") as fh:
        fh.truncate(60 << 20)  # sparse: no disk used
    assert refusal(path) == (
        "文件“大.xlsx”大小60.0MB,超过上限50MB"
        f"(配置文件 rectify.toml 的 [limits] import_max_bytes);{TAIL}"
    )


def test_a_device_or_a_fifo_is_refused_by_what_it_is(tmp_path: Path) -> None:
    assert refusal(Path("/dev/zero")) == "“/dev/zero”不是普通文件(是设备或管道),请指定台账文件"
    fifo = tmp_path / "台账.csv"
    os.mkfifo(fifo)
    assert refusal(fifo) == f"“{fifo}”不是普通文件(是设备或管道),请指定台账文件"


def test_a_proc_file_that_claims_size_zero_is_read_only_up_to_the_limit() -> None:
    message = refusal(Path("/proc/self/environ"))
    assert message.startswith("文件“environ”")


def test_a_utf16_tab_separated_text_as_excel_saves_it_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "台账.txt", LedgerSpec(), encoding="utf-16", delimiter="\t")
    assert path.read_bytes()[:2] == b"\xff\xfe"
    grid = read_grid(path)
    assert grid.file_kind == "csv"
    assert "整改任务" in [v for row in grid.values for v in row if v]


# The bombs read in a process of their own under a 1 GiB address-space ceiling: each refusal
# must come out as a message, not as an abort or a MemoryError. (The cell is 400 MiB, past
# the unpacked limit as a 2 GiB one would be, to keep the test's own deflating short.)
CEILING = 1 << 30
_READER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({ceiling}, {ceiling}))
from pathlib import Path
from ledger.importing.reading import LedgerFileError, read_grid
for name in sys.argv[1:]:
    try:
        read_grid(Path(name))
        print("read", name)
    except LedgerFileError as exc:
        print(exc.message)
"""


def test_every_bomb_is_refused_within_a_1_gib_memory_ceiling(tmp_path: Path) -> None:
    paths = [
        bombs.declared_dimension_bomb(tmp_path / "dimension.xlsx"),
        bombs.far_cell_bomb(tmp_path / "far.xlsx", "XFD1048576"),
        bombs.huge_cell_bomb(tmp_path / "cell.xlsx", mib=400),
        bombs.many_rows_bomb(tmp_path / "rows.xlsx", rows=10_000_000),
        Path("/dev/zero"),
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _READER.format(ceiling=CEILING), *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == len(paths)
    assert lines[0].startswith("文件“dimension.xlsx”的工作表“台账”至少有1048576行,超过上限200000行")
    assert lines[1].startswith("文件“far.xlsx”的工作表“台账”至少有")
    assert lines[2].startswith("文件“cell.xlsx”解压后共400MB,超过上限")
    assert (
        lines[3].startswith("文件“rows.xlsx”的工作表“台账”至少有")
        and "超过上限200000行" in lines[3]
    )
    assert lines[4] == "“/dev/zero”不是普通文件(是设备或管道),请指定台账文件"


SUFFIXES = [".xlsx", ".xls", ".csv", ".txt"]
# Random bytes behind each signature the reader recognises, so the fuzz reaches past the sniffing.
PREFIXES = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xff\xfe", b"\xef\xbb\xbf"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from(SUFFIXES),
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=2000),
)
def test_random_bytes_under_every_extension_never_raise_anything_but_a_message(
    tmp_path: Path, suffix: str, prefix: bytes, body: bytes
) -> None:
    path = tmp_path / f"台账{suffix}"
    path.write_bytes(prefix + body)
    try:
        read_grid(path)
    except LedgerFileError as exc:
        assert exc.message.startswith(("文件“", "“", "CSV 文件“"))


def test_a_damaged_zip_with_a_sheet_inside_is_refused_as_damaged(tmp_path: Path) -> None:
    path = bombs.far_cell_bomb(tmp_path / "坏.xlsx", "B2")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))
    assert "无法作为电子表格读取(可能已损坏或不是 Excel 文件)" in refusal(path)
