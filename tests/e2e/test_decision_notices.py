"""The office's decisions reach the unit: 退回 with its reason, 销号, 延期 批准 / 不予批准, each
exactly once, from the command line to a loopback receiver (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.e2e.test_cli_lifecycle import register_sample_task
from tests.fixtures.notify import HttpReceiver, write_apprise_config


@pytest.fixture
def unit_ledger(cli: Cli, tmp_path: Path, http_receiver: HttpReceiver) -> Cli:
    """The sample task (县科技局 leading, 财务股 co-unit), each unit on its own receiver path."""
    register_sample_task(cli)
    config = write_apprise_config(
        tmp_path / "apprise.yml",
        {http_receiver.url("keji"): ["县科技局"], http_receiver.url("caiwu"): ["财务股"]},
    )
    cli.env["RECTIFY_APPRISE_CONFIG"] = str(config)
    return cli


def decisions(cli: Cli) -> list[dict]:
    """The decision notices in the outbox (not the registration's 新任务交办 digest)."""
    notices = json.loads(cli("outbox", "--json", check=True).out)
    return [n for n in notices if n["kind"] in ("return", "verify", "extension")]


def submit(cli: Cli) -> None:
    cli(
        "submit", "1", "--summary", "台账已建立", "--no-evidence", "制度已公开",
        "--parts-reason", "财务股的部分由牵头单位统筹", check=True,
    )  # fmt: skip


def test_a_returned_closure_request_tells_the_lead_unit_once_with_the_reason(
    unit_ledger: Cli, http_receiver: HttpReceiver
) -> None:
    cli = unit_ledger
    submit(cli)
    cli("return", "1", "--reason", "佐证材料不全,缺少拨付凭证", check=True)
    again = cli("return", "1", "--reason", "佐证材料不全,缺少拨付凭证")
    assert again.code == 1  # the task is 整改中 again: nothing to return, nothing written

    [notice] = decisions(cli)
    assert (notice["kind"], notice["recipient"]) == ("return", "县科技局")

    cli("deliver", check=True)
    cli("deliver", check=True)  # a rerun sends nothing twice

    [post] = [p for p in http_receiver.received() if "退回" in p.title]
    assert post.path == "/keji"
    assert post.title == "【销号申请退回】任务1.1的销号申请已退回"
    assert "退回理由:佐证材料不全,缺少拨付凭证" in post.body
    assert "建立科技项目资金拨付台账" in post.body and "整改办" in post.body


def test_a_second_return_of_a_second_request_is_a_notice_of_its_own(unit_ledger: Cli) -> None:
    cli = unit_ledger
    submit(cli)
    cli("return", "1", "--reason", "缺少拨付凭证", check=True)
    submit(cli)
    cli("return", "1", "--reason", "凭证与台账金额不符", check=True)

    reasons = sorted(n["data"]["reason"] for n in decisions(cli))
    assert reasons == ["凭证与台账金额不符", "缺少拨付凭证"]


def test_a_verified_task_tells_the_lead_unit_and_the_co_unit(
    unit_ledger: Cli, http_receiver: HttpReceiver
) -> None:
    cli = unit_ledger
    submit(cli)
    cli("verify", "1", "--note", "整改到位", check=True)
    assert cli("verify", "1").code == 1

    assert sorted((n["kind"], n["recipient"]) for n in decisions(cli)) == [
        ("verify", "县科技局"),
        ("verify", "财务股"),
    ]
    cli("deliver", check=True)
    cli("deliver", check=True)
    posts = sorted((p.path, p.title) for p in http_receiver.received() if "销号" in p.title)
    assert posts == [
        ("/caiwu", "【销号通知】任务1.1已销号"),
        ("/keji", "【销号通知】任务1.1已销号"),
    ]


def test_an_approved_extension_names_the_new_deadline(
    unit_ledger: Cli, http_receiver: HttpReceiver
) -> None:
    cli = unit_ledger
    cli("extend", "1", "--to", "2100-06-30", "--reason", "资金下达延迟", check=True)
    cli("extension", "approve", "1", "--reason", "同意", check=True)
    assert cli("extension", "approve", "1").code == 1

    assert sorted(n["recipient"] for n in decisions(cli)) == ["县科技局", "财务股"]
    cli("deliver", check=True)
    [post] = [p for p in http_receiver.received() if p.path == "/keji" and "延期" in p.title]
    assert post.title == "【延期申请已批准】任务1.1整改时限延至2100年6月30日"
    assert "整改时限由2099年12月31日延至2100年6月30日" in post.body


def test_a_refused_extension_tells_the_lead_unit_why(
    unit_ledger: Cli, http_receiver: HttpReceiver
) -> None:
    cli = unit_ledger
    cli("extend", "1", "--to", "2100-06-30", "--reason", "资金下达延迟", check=True)
    cli("extension", "refuse", "1", "--reason", "理由不充分,请按期完成", check=True)

    [notice] = decisions(cli)
    assert (notice["kind"], notice["recipient"]) == ("extension", "县科技局")
    cli("deliver", check=True)
    [post] = [p for p in http_receiver.received() if "延期" in p.title]
    assert post.path == "/keji"
    assert post.title == "【延期申请未获批准】任务1.1整改时限不变"
    assert "不予批准的理由:理由不充分,请按期完成" in post.body
    assert "整改时限仍为2099年12月31日" in post.body


def test_tasks_registered_on_one_day_make_one_assignment_digest_per_unit(cli: Cli) -> None:
    register_sample_task(cli)
    cli(
        "task",
        "add",
        "--problem",
        "1",
        "--measure",
        "开展资金拨付专项检查",
        "--lead-unit",
        "县科技局",
        "--deadline",
        "2099-06-30",
        check=True,
    )
    notices = json.loads(cli("outbox", "--json", check=True).out)
    digests = sorted((n["recipient"], n["task_ids"]) for n in notices if n["kind"] == "assign")
    # Sent from the next day on, as one digest of the day's tasks for each unit.
    assert digests == [("县科技局", [1, 2]), ("财务股", [1])]
    assert {n["status"] for n in notices} == {"draft"}
