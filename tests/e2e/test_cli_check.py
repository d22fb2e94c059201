"""`rectify check`, `rectify outbox` and `rectify deliver` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.notify import HttpReceiver, write_apprise_config


@pytest.fixture
def overdue_ledger(cli):  # type: ignore[no-untyped-def]
    cli("init", check=True)
    for unit in ("财务处", "审计处"):
        cli("unit", "add", unit, check=True)
    cli(
        "inspection",
        "add",
        "--body",
        "省委第八巡视组",
        "--feedback-date",
        "2026-09-01",
        "--subject",
        "脱贫攻坚",
        check=True,
    )
    cli("problem", "add", "--inspection", "1", "--description", "扶贫资金管理不规范", check=True)
    cli(
        "task",
        "add",
        "--problem",
        "1",
        "--measure",
        "建立扶贫资金台账",
        "--lead-unit",
        "财务处",
        "--co-unit",
        "审计处",
        "--leader",
        "王副县长",
        "--deadline",
        "2026-10-23",
        check=True,
    )
    return cli


def test_dry_run_prints_the_notices_and_leaves_the_outbox_empty(
    overdue_ledger, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    result = cli("check", "--as-of", "2026-10-26", "--dry-run", check=True)

    assert "将生成通知 3 份(催办3份)" in result.out
    assert "==== 收件人:财务处 | 【催办通知】1项整改任务已逾期未完成 ====" in result.out
    assert "整改时限:2026年10月23日(已逾期1个工作日)" in result.out
    # Only the 新任务交办 digests the registration wrote: the dry run added no reminder.
    kinds = {n["kind"] for n in json.loads(cli("outbox", "--json", check=True).out)}
    assert kinds == {"assign"}
    assert not (tmp_path / "data" / "notices").exists()


def test_check_writes_notices_to_the_local_folder_and_a_rerun_sends_nothing(
    overdue_ledger, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    checked = cli("check", "--as-of", "2026-10-26", "--json")
    assert checked.code == 0  # written to the local folder by design: not a failure
    first = json.loads(checked.out)
    again = json.loads(cli("check", "--as-of", "2026-10-26", "--json", check=True).out)

    # Written to files, not sent: the outbox says so.
    assert (first["planned"], first["sent"], first["local"], first["failed"]) == (3, 0, 3, 0)
    assert (again["planned"], again["sent"], again["local"]) == (0, 0, 0)
    files = sorted(
        p.relative_to(tmp_path / "data" / "notices").as_posix()
        for p in (tmp_path / "data" / "notices").rglob("*.txt")
    )
    assert files == [
        "审计处/0001-【催办通知】1项整改任务已逾期未完成.txt",
        "王副县长/0001-【催办通知】1项整改任务已逾期未完成.txt",
        "财务处/0001-【催办通知】1项整改任务已逾期未完成.txt",
    ]
    outbox = cli("outbox", "--status", "local", check=True).out
    assert outbox.count("已写入本地文件") == 3
    assert "已发送" not in cli("outbox", check=True).out


def test_a_recipient_without_a_channel_is_listed_by_name(
    overdue_ledger, tmp_path: Path, http_receiver: HttpReceiver
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    config = write_apprise_config(
        tmp_path / "apprise.yml", {http_receiver.url("caiwu"): ["财务处"]}
    )
    cli.env["RECTIFY_APPRISE_CONFIG"] = str(config)

    result = cli("check", "--as-of", "2026-10-26")

    assert result.code == 0  # waiting for a channel is by design, not a failure
    assert "未配置通知渠道:审计处、王副县长" in result.out
    assert "已发送 1 份" in result.out and "未配置通知渠道(等待) 2 份" in result.out
    assert "发送失败 0 份" in result.out
    assert [p.path for p in http_receiver.received()] == ["/caiwu"]


def test_nothing_is_sent_on_a_weekend(overdue_ledger) -> None:  # type: ignore[no-untyped-def]
    result = overdue_ledger("check", "--as-of", "2026-10-24", check=True)
    assert "2026年10月24日为非工作日,不发送提醒。" in result.out


def test_a_bad_date_or_status_is_refused_with_a_chinese_message(overdue_ledger) -> None:  # type: ignore[no-untyped-def]
    bad_date = overdue_ledger("check", "--as-of", "2026-13-40")
    bad_status = overdue_ledger("outbox", "--status", "done")
    assert bad_date.code == 1 and "计算日期“2026-13-40”不是有效日期" in bad_date.err
    assert bad_status.code == 1 and "状态“done”无法识别" in bad_status.err


def test_deliver_retries_a_failed_notice_now(
    overdue_ledger, tmp_path: Path, http_receiver: HttpReceiver
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    config = write_apprise_config(
        tmp_path / "apprise.yml", {http_receiver.url("all"): ["财务处", "审计处", "王副县长"]}
    )
    cli.env["RECTIFY_APPRISE_CONFIG"] = str(config)
    http_receiver.fail_next = 3
    first = cli("check", "--as-of", "2026-10-26")
    assert first.code == 3 and "待重试 3 份" in first.out
    assert "待发送" in cli("outbox", "--status", "pending", check=True).out

    retry = cli("deliver")

    assert retry.code == 0 and "已发送 3 份" in retry.out
    assert len(http_receiver.received()) == 3


def test_outbox_retry_requeues_failed_notices_and_deliver_sends_them(
    overdue_ledger, tmp_path: Path, http_receiver: HttpReceiver
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    (tmp_path / "rectify.toml").write_text("[rules]\nmax_attempts = 1\n", encoding="utf-8")
    cli.env["RECTIFY_CONFIG"] = str(tmp_path / "rectify.toml")
    config = write_apprise_config(
        tmp_path / "apprise.yml", {http_receiver.url("all"): ["财务处", "审计处", "王副县长"]}
    )
    cli.env["RECTIFY_APPRISE_CONFIG"] = str(config)
    http_receiver.fail_next = 3
    first = cli("check", "--as-of", "2026-10-26")
    assert first.code == 3
    assert "发送失败 3 份" in first.out and "对方返回HTTP 500" in first.out

    retry = cli("outbox", "retry", "--failed", "--recipient", "财务处", check=True)
    deliver = cli("deliver", check=True)

    assert "已放回发件箱 1 份(发送失败1份)" in retry.out
    assert "已发送 1 份" in deliver.out
    assert cli("outbox", "--status", "failed", check=True).out.count("发送失败") == 2
    assert [p.path for p in http_receiver.received()] == ["/all"]


def test_a_missing_apprise_configuration_is_an_error_when_channels_are_required(
    overdue_ledger, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    cli.env["RECTIFY_REQUIRE_CHANNELS"] = "1"

    result = cli("check", "--as-of", "2026-10-26")

    assert result.code == 1 and "未配置 Apprise 配置文件" in result.err
    assert not (tmp_path / "data" / "notices").exists()


def test_check_and_deliver_exit_3_when_a_notice_did_not_go_out(
    overdue_ledger, tmp_path: Path, http_receiver: HttpReceiver
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    config = write_apprise_config(
        tmp_path / "apprise.yml", {http_receiver.url("all"): ["财务处", "审计处", "王副县长"]}
    )
    cli.env["RECTIFY_APPRISE_CONFIG"] = str(config)
    http_receiver.fail_next = 1  # one of the three digests is refused

    checked = cli("check", "--as-of", "2026-10-26", "--json")
    report = json.loads(checked.out)
    http_receiver.fail_next = 100  # the retry is refused too
    delivered = cli("deliver", "--json")

    assert checked.code == 3, checked.err
    assert (report["sent"], report["retrying"]) == (2, 1)
    assert delivered.code == 3 and json.loads(delivered.out)["retrying"] == 1
    # Once the receiver takes it again, the next run is clean.
    http_receiver.fail_next = 0
    again = cli("deliver")
    assert again.code == 0 and "已发送 1 份" in again.out
    assert cli("deliver").code == 0  # nothing left to send is not a failure


def test_the_help_of_check_and_deliver_documents_exit_code_3(overdue_ledger) -> None:  # type: ignore[no-untyped-def]
    for command in ("check", "deliver"):
        shown = overdue_ledger(command, "--help", check=True).out
        assert "退出码" in shown and "3 有通知未能送出" in shown


def test_the_daily_cap_holds_the_less_urgent_digest_and_says_so(
    overdue_ledger, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cli = overdue_ledger
    cli(
        "task",
        "add",
        "--problem",
        "1",
        "--measure",
        "修订扶贫资金管理办法",
        "--lead-unit",
        "财务处",
        "--deadline",
        "2026-11-06",
        check=True,
    )
    (cli.cwd / "rectify.toml").write_text("[notify]\ndaily_cap = 2\n", encoding="utf-8")

    result = cli("check", "--as-of", "2026-10-26", check=True)

    # 财务处 already has its 新任务交办 of today: with the 催办, its cap of 2 is reached.
    assert "生成通知 3 份(催办3份)" in result.out
    assert "每日通知上限:顺延 1 份" in result.out
    (held,) = json.loads(cli("outbox", "--status", "已顺延", "--json", check=True).out)
    assert (held["kind"], held["recipient"], held["status_label"]) == ("remind", "财务处", "已顺延")
    assert [i["measure"] for i in held["data"]["held"]["items"]] == ["修订扶贫资金管理办法"]
