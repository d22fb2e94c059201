"""The 督办通知单 the daily check issues is the one `rectify supervision-order` prints again."""

from __future__ import annotations

import json

from tests.conftest import Cli


def test_the_daily_check_issues_a_numbered_order_that_can_be_printed_again(cli: Cli) -> None:
    cli("init", check=True)
    cli(
        "inspection", "add", "--body", "省委第八巡视组", "--feedback-date", "2026-10-15", check=True
    )
    cli("problem", "add", "--inspection", "1", "--description", "选人用人程序不规范", check=True)
    cli("unit", "add", "局办公室", check=True)
    cli(
        "task",
        "add",
        "--problem",
        "1",
        "--measure",
        "对干部选拔任用情况开展自查",
        "--lead-unit",
        "局办公室",
        "--leader",
        "李局长",
        "--person",
        "赵某",
        "--deadline",
        "2026-11-13",
        check=True,
    )

    # 2026-11-30 is 11 working days after 2026-11-13: past the 10-day 督办 threshold.
    checked = cli("check", "--as-of", "2026-11-30", "--json")
    assert checked.code == 0, checked.err
    report = json.loads(checked.out)
    assert report["supervision_orders"] == ["督办〔2026〕1号"]

    printed = cli("supervision-order", "--task", "1", "--format", "md")
    assert printed.code == 0, printed.err
    assert "督办〔2026〕1号" in printed.out
    assert "省委第八巡视组反馈的“选人用人程序不规范”问题" in printed.out
    assert "已逾期11个工作日" in printed.out and "李局长" in printed.out
