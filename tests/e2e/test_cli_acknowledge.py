"""`rectify acknowledge` as a unit liaison types it: 签收, twice, refused, and the JSON."""

from __future__ import annotations

import json
from datetime import datetime

from ledger.context import TZ
from models.workdays import work_calendar
from tests.conftest import Cli
from tests.e2e.test_cli_lifecycle import register_sample_task


def _setup(cli: Cli) -> None:
    register_sample_task(cli)  # task 1: lead 县科技局, co-unit 财务股
    cli("user", "add", "周主任", "--role", "office", check=True)
    for name, unit in (("陈某", "县科技局"), ("钱某", "财务股")):
        cli("user", "add", name, "--role", "unit", "--unit", unit, user="周主任", check=True)


def test_a_unit_signs_from_the_command_line_and_task_show_says_so(cli: Cli) -> None:
    _setup(cli)
    before = json.loads(cli("task", "show", "1", "--json", user="陈某", check=True).out)
    assert before["acknowledged"] is False
    assert [(a["unit"], a["role"], a["acknowledged"]) for a in before["acknowledgements"]] == [
        ("县科技局", "lead", False),
        ("财务股", "co", False),
    ]
    signed = cli("acknowledge", "1", user="陈某", check=True)
    assert signed.out.strip() == "县科技局已签收任务 1.1"
    again = json.loads(cli("acknowledge", "1", "--json", user="陈某", check=True).out)
    assert (again["already"], again["acknowledged"], again["acknowledged_by"]) == (
        True,
        True,
        "陈某",
    )
    assert again["unit"] == "县科技局" and again["code"] == "1.1"
    shown = cli("task", "show", "1", user="钱某", check=True).out
    assert "签收:县科技局 已于" in shown and "财务股 未签收" in shown
    history = json.loads(cli("history", "1", "--json", user="陈某", check=True).out)
    signatures = [(h["action_label"], h["actor"]) for h in history if h["action"] == "acknowledge"]
    assert signatures == [("签收", "陈某")]


def test_the_office_may_not_sign_for_a_unit(cli: Cli) -> None:
    _setup(cli)
    refused = cli("acknowledge", "1", user="周主任")
    assert refused.code == 1 and "不能代责任单位签收" in refused.err
    shown = json.loads(cli("task", "show", "1", "--json", user="周主任", check=True).out)
    assert shown["acknowledged"] is False


def test_a_task_that_does_not_exist_says_where_to_look(cli: Cli) -> None:
    _setup(cli)
    missing = cli("acknowledge", "99", user="陈某")
    assert (
        missing.code == 1 and "任务编号 99 不存在" in missing.err and "rectify tasks" in missing.err
    )


def test_the_help_is_chinese(cli: Cli) -> None:
    shown = cli("acknowledge", "--help", check=True).out
    assert "签收任务" in shown and "整改办不能代签" in shown


def test_the_check_tells_a_unit_that_has_not_signed_once(cli: Cli) -> None:
    _setup(cli)  # registered today, by the clock, as a user would
    cli("acknowledge", "1", user="陈某", check=True)  # 财务股 does not sign
    today = datetime.now(TZ).date()
    late = work_calendar(None).add_workdays(today, 3).isoformat()
    first = cli("check", "--as-of", late, user="周主任", check=True)
    assert "签收提醒:1 份" in first.out
    again = cli("check", "--as-of", late, user="周主任", check=True)
    assert "签收提醒" not in again.out


def test_the_check_says_how_many_acknowledge_urges_it_wrote(cli: Cli) -> None:
    (cli.cwd / "rectify.toml").write_text(
        "[rules]\nacknowledge_urge_workdays = 2\n", encoding="utf-8"
    )
    cli.env["RECTIFY_CONFIG"] = str(cli.cwd / "rectify.toml")
    _setup(cli)  # neither unit signs
    today = datetime.now(TZ).date()
    calendar = work_calendar(None)
    told = calendar.add_workdays(today, 3)
    cli("check", "--as-of", told.isoformat(), user="周主任", check=True)
    # Both units were told on `told`; two working days after it they are still unsigned.
    late = calendar.add_workdays(told, 3).isoformat()
    urged = cli("check", "--as-of", late, user="周主任", check=True)
    # One 签收催办 per unit and one copy to the task's 责任领导.
    assert "签收催办:3 份(含抄送责任领导)" in urged.out, urged.out
    again = cli("check", "--as-of", late, user="周主任", check=True)
    assert "签收催办" not in again.out
