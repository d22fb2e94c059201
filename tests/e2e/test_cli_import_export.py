"""rectify import / rectify export as an office types them."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import Cli
from tests.fixtures.ledger_io import LedgerSpec, write_csv, write_encrypted_xlsx_stub, write_xls


def test_importing_the_sample_ledger_registers_it_and_prints_a_summary(
    cli: Cli, sample_ledger_dir: Path
) -> None:
    assert cli("init").code == 0
    result = cli(
        "import",
        str(sample_ledger_dir / "ledger-sample.xlsx"),
        "--body",
        "县委第一巡察组",
        "--feedback-date",
        "2026-10-15",
    )
    assert result.code == 0, result.err
    assert (
        "导入完成:ledger-sample.xlsx(工作表“问题整改清单”)→ 轮次 1“县委第一巡察组反馈问题整改”"
        in result.out
    )
    assert "任务:新增7项,更新0项,未变0项" in result.out
    assert "新登记单位5个:县科技局、财务股、县人社局、局办公室、县委组织部" in result.out
    tasks = json.loads(cli("tasks", "--json").out)
    assert [t["code"] for t in tasks] == ["1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2"]
    again = cli("import", str(sample_ledger_dir / "ledger-sample.csv"), "--inspection", "1")
    assert again.code == 0, again.err
    assert "任务:新增0项,更新0项,未变7项" in again.out


def test_a_ledger_with_row_errors_is_refused_whole_with_every_error(
    cli: Cli, tmp_path: Path
) -> None:
    cli("init")
    spec = LedgerSpec(title="县委第二巡察组反馈问题整改台账")
    spec.rows[5][7] = "尽快"
    spec.rows[6][4] = ""
    path = write_csv(tmp_path / "台账.csv", spec, encoding="gb18030")
    result = cli("import", str(path))
    assert result.code == 1
    assert "台账“台账.csv”有2处需要修改,本次未导入任何内容" in result.err
    assert "第8行「完成时限」“尽快”无法识别" in result.err
    assert "第9行「牵头单位」为空,请填写牵头单位" in result.err
    assert json.loads(cli("tasks", "--json").out) == []
    as_json = cli("import", str(path), "--json")
    assert as_json.code == 1
    assert len(json.loads(as_json.out)["errors"]) == 2


def test_a_dry_run_shows_the_rows_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli("init")
    path = write_xls(tmp_path / "旧台账.xls", LedgerSpec(merge_problems=True))
    result = cli("import", str(path), "--dry-run", "--feedback-date", "2026-10-15")
    assert result.code == 0, result.err
    assert result.out.startswith("试导入(未写入数据库)")
    assert "任务:将新增7项" in result.out
    assert "新增  1.1" in result.out
    assert json.loads(cli("tasks", "--json").out) == []


def test_unreadable_files_get_a_clear_message(cli: Cli, tmp_path: Path) -> None:
    cli("init")
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    locked = write_encrypted_xlsx_stub(tmp_path / "加密.xlsx")
    picture = tmp_path / "照片.xlsx"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    expected = {empty: "是空文件", locked: "已加密", picture: "不是电子表格"}
    for path, words in expected.items():
        result = cli("import", str(path))
        assert result.code == 1
        assert words in result.err
        assert "Traceback" not in result.err


def test_export_writes_the_colour_coded_ledger(cli: Cli, sample_ledger_dir: Path) -> None:
    cli("init")
    cli("import", str(sample_ledger_dir / "ledger-sample.csv"), "--feedback-date", "2026-10-15")
    result = cli("export", "台账.xlsx", "--as-of", "2026-12-10")
    assert result.code == 0, result.err
    assert result.out.strip() == "已导出 台账.xlsx:1个轮次,7项任务(截至2026年12月10日)"
    ws = load_workbook(cli.cwd / "台账.xlsx").active
    assert ws["A1"].value == "ledger-sample台账"
    assert [c.value for c in ws[4]][:2] == ["1", "科技项目资金管理不规范,部分项目资金拨付滞后"]
    wrong = cli("export", "台账.csv")
    assert wrong.code == 1 and "须为 .xlsx" in wrong.err
