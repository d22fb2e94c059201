"""`rectify weekly` and `rectify serve` as a user types them (a real process, a real database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fixtures.weekly import WeeklyLedger


def test_weekly_writes_the_report_and_sends_each_recipient_once_a_week(
    cli: Cli, weekly_ledger: WeeklyLedger, tmp_path: Path
) -> None:
    first = cli("weekly", "--as-of", "2026-12-22", "--json", user="周主任", check=True)
    counts = json.loads(first.out)
    assert {
        k: counts[k]
        for k in ("period", "recipients", "planned", "sent", "local", "failed", "duplicates")
    } == {
        "period": "2026-W52",
        "recipients": 4,
        "planned": 4,
        "sent": 0,  # written to the local folder, not sent
        "local": 4,
        "failed": 0,
        "duplicates": 0,
    }
    assert (
        counts["recipients_without_channel"] == []
    )  # no Apprise file: every tag reaches the local folder
    notices = tmp_path / "data" / "notices"
    [office_notice] = (notices / "office").glob("*.txt")
    text = office_notice.read_text(encoding="utf-8")
    assert text.startswith("整改工作周报(2026年第52周):共7项,已销号2项,完成率28.57%\n")
    assert "1. 县科技局:共4项,已销号2项,逾期0项,完成率50.00%" in text
    assert sorted(p.name for p in (tmp_path / "data" / "reports").iterdir()) == [
        "整改周报-2026-W52.html",
        "整改周报-2026-W52.md",
        "整改周报-2026-W52.png",
    ]

    again = cli("weekly", "--as-of", "2026-12-23", user="周主任", check=True)
    assert again.out.startswith(
        "整改周报(2026-W52,截至2026年12月23日)\n收件人 4 个;生成通知 0 份;本周已发送而跳过 4 份\n"
    )
    assert "已发送 0 份,写入本地文件 0 份,未配置通知渠道(等待) 0 份,待重试 0 份" in again.out
    assert len(list((notices / "office").glob("*.txt"))) == 1


def test_weekly_dry_run_prints_the_summary_and_leaves_no_trace(
    cli: Cli, weekly_ledger: WeeklyLedger, tmp_path: Path
) -> None:
    result = cli("weekly", "--as-of", "2026-12-22", "--dry-run", user="周主任", check=True)
    assert result.out.startswith(
        "整改周报(2026-W52,截至2026年12月22日)[试运行,不写入、不发送]\n收件人 4 个;将生成通知 4 份;"
    )
    assert "将发送给:office、张书记、李局长、王副局长" in result.out
    assert (
        "==== 整改工作周报(2026年第52周):共7项,已销号2项,完成率28.57% ====\n整改工作周报(2026年第52周)\n"
        in result.out
    )
    assert not (tmp_path / "data" / "reports").exists()
    assert not (tmp_path / "data" / "notices").exists()


def test_weekly_rejects_a_malformed_date(cli: Cli, weekly_ledger: WeeklyLedger) -> None:
    result = cli("weekly", "--as-of", "2026-13-01")
    assert result.code == 1
    assert "--as-of" in result.err and "2026-13-01" in result.err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_without_a_prefect_server_says_how_to_start_one(
    cli: Cli, weekly_ledger: WeeklyLedger, tmp_path: Path
) -> None:
    # A process of its own: in this one a Prefect test harness may be the current API.
    cli.subprocess = True
    for key in [k for k in cli.env if k.startswith("PREFECT_")]:
        del cli.env[key]
    cli.env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile with an API URL
    result = cli("serve")
    assert result.code == 1
    assert "未指定 Prefect 服务地址:请先运行 prefect server start" in result.err
