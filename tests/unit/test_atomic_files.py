"""ledger/files.py: outputs appear complete or not at all, with the usual permissions."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.errors import OutputError
from ledger.files import atomic_open, atomic_path, write_bytes, write_text


def test_a_written_file_appears_under_its_name_with_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "报告.md", "整改情况")
    finally:
        os.umask(old)
    out = tmp_path / "报告.md"
    assert out.read_text(encoding="utf-8") == "整改情况"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["报告.md"]


def test_a_writer_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(ValueError), atomic_open(out) as fh:
        fh.write(b"half")
        raise ValueError("writer broke")
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["台账.xlsx"]


def test_a_full_disk_says_so_in_chinese_and_leaves_nothing(
    tmp_path: Path, full_disk: Callable[..., None]
) -> None:
    full_disk(tmp_path, room=1000)
    out = tmp_path / "台账.xlsx"
    with pytest.raises(OutputError) as err:
        write_bytes(out, b"x" * 5000)
    assert err.value.message == f"磁盘空间不足,文件未写入:{out}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning"
)  # openpyxl re-closes its zip
def test_a_library_writing_to_the_temporary_path_meets_the_full_disk_and_leaves_nothing(
    tmp_path: Path, full_disk: Callable[..., None]
) -> None:
    from openpyxl import Workbook

    full_disk(tmp_path, room=100)
    wb = Workbook()
    wb.active.append(["序号", "问题清单"])  # type: ignore[union-attr]
    with pytest.raises(OutputError, match="磁盘空间不足"), atomic_path(tmp_path / "a.xlsx") as tmp:
        wb.save(tmp)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_made(tmp_path: Path) -> None:
    out = tmp_path / "周报" / "2026-W49" / "a.png"
    write_bytes(out, b"png")
    assert out.read_bytes() == b"png"


def test_a_file_where_the_folder_should_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "周报").write_text("not a folder")
    out = tmp_path / "周报" / "a.png"
    with pytest.raises(OutputError) as err:
        write_bytes(out, b"png")
    assert err.value.message == f"“{out.parent}”已存在且不是文件夹,文件未写入:{out}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_folder_without_write_permission_is_refused_in_chinese(tmp_path: Path) -> None:
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="没有写入权限,文件未写入"):
            write_text(folder / "a.md", "x")
    finally:
        folder.chmod(0o755)


def test_a_target_that_is_a_folder_is_refused_and_the_temporary_file_removed(
    tmp_path: Path,
) -> None:
    (tmp_path / "周报").mkdir()
    with pytest.raises(OutputError, match="是一个文件夹"):
        write_text(tmp_path / "周报", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["周报"]
