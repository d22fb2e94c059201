"""Outputs on a full disk: a Chinese message, exit 1, and nothing half-written left behind.

The disk fills up inside the libraries that write the files (tests/fixtures/disk.py); one
case runs on a real 64 KiB tmpfs where the machine lets an unprivileged namespace mount one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Cli
from tests.fixtures.documents import ReportRound
from tests.fixtures.weekly import WeeklyLedger

FullDisk = Callable[..., None]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_export_on_a_full_disk_keeps_the_old_ledger_and_leaves_no_partial_file(
    cli: Cli, report_round: ReportRound, full_disk: FullDisk
) -> None:
    out = cli.cwd / "导出"
    out.mkdir()
    (out / "台账.xlsx").write_bytes(b"yesterday's ledger")
    full_disk(out, room=2000)
    result = cli("export", str(out / "台账.xlsx"))
    assert result.code == 1
    assert result.err == f"错误:磁盘空间不足,文件未写入:{out / '台账.xlsx'}\n"
    assert _names(out) == ["台账.xlsx"]
    assert (out / "台账.xlsx").read_bytes() == b"yesterday's ledger"


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (("report", "1", "--as-of", "2026-12-28"), "整改报告.docx"),
        (("report", "1", "--as-of", "2026-12-28", "--format", "md"), "整改报告.md"),
        (("weekly-report", "--as-of", "2026-12-28"), "周报.docx"),
    ],
)
def test_documents_on_a_full_disk_say_so_and_leave_nothing(
    cli: Cli, report_round: ReportRound, full_disk: FullDisk, command: tuple[str, ...], name: str
) -> None:
    out = cli.cwd / "文档"
    out.mkdir()
    full_disk(out, room=1000)
    result = cli(*command, "-o", str(out / name))
    assert result.code == 1
    assert result.err == f"错误:磁盘空间不足,文件未写入:{out / name}\n"
    assert _names(out) == []


def test_a_word_report_gets_the_usual_permissions_not_0600(
    cli: Cli, report_round: ReportRound
) -> None:
    old = os.umask(0o022)
    try:
        assert cli("report", "1", "--as-of", "2026-12-28", "-o", "整改报告.docx").code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((cli.cwd / "整改报告.docx").stat().st_mode) == 0o644


def test_weekly_on_a_full_disk_writes_no_chart_and_sends_nothing(
    cli: Cli, weekly_ledger: WeeklyLedger, full_disk: FullDisk, engine: sa.Engine
) -> None:
    reports = Path(cli.env["RECTIFY_DATA_DIR"]) / "reports"
    reports.mkdir(parents=True)
    full_disk(reports, room=0)
    result = cli("weekly", "--as-of", "2026-12-22", user="周主任")
    assert result.code == 1
    assert result.err.startswith("错误:磁盘空间不足,文件未写入:")
    assert "整改周报-2026-W52.png" in result.err
    assert _names(reports) == []
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM notice WHERE kind = 'weekly'")).scalar_one()
            == 0
        )


def test_a_local_notice_on_a_full_disk_is_recorded_as_failed_with_the_reason(
    cli: Cli, weekly_ledger: WeeklyLedger, full_disk: FullDisk, engine: sa.Engine
) -> None:
    notices = Path(cli.env["RECTIFY_DATA_DIR"]) / "notices"
    notices.mkdir(parents=True)
    full_disk(notices, room=0)
    counts = json.loads(cli("weekly", "--as-of", "2026-12-22", "--json", user="周主任").out)
    assert counts["sent"] == 0
    with engine.connect() as conn:
        errors = conn.execute(sa.text("SELECT error FROM noticeattempt")).scalars().all()
        pending = conn.execute(sa.text("SELECT count(*) FROM notice WHERE status <> 'sent'"))
        assert pending.scalar_one() == 4
    assert len(errors) == 4
    # The folder is part of the channel URL, so the outbox stars it out like any channel detail.
    assert all("磁盘空间不足,文件未写入:" in e and "0001-整改工作周报" in e for e in errors), errors
    assert [p for p in notices.rglob("*") if p.is_file()] == []


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="本机不允许在用户命名空间中挂载 tmpfs")
def test_export_onto_a_real_full_tmpfs_says_so_and_leaves_no_file(
    cli: Cli, report_round: ReportRound, tmp_path: Path
) -> None:
    if not cli.env["RECTIFY_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("一个后端足以验证真实的满盘")
    small = tmp_path / "small"
    small.mkdir()
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {small} && "
        f"(cat /dev/zero > {small}/filler 2>/dev/null; true) && "
        f"{sys.executable} -m cli export {small}/台账.xlsx; rc=$?; "
        f"ls -A {small}; exit $rc"
    )
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"错误:磁盘空间不足,文件未写入:{small}/台账.xlsx\n"
    assert proc.stdout == "filler\n"  # `ls -A` of the tmpfs: no 台账.xlsx, no temporary file
