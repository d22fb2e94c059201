"""Reads as a user types them: the same remit as the services, Chinese words accepted."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.e2e.test_cli_lifecycle import register_sample_task


def _with_users(cli: Cli) -> None:
    register_sample_task(cli)
    cli("user", "add", "周主任", "--role", "整改办", check=True)
    cli(
        "user", "add", "陈某", "--role", "责任单位", "--unit", "县科技局", user="周主任", check=True
    )
    cli("user", "add", "孙某", "--role", "unit", "--unit", "财务股", user="周主任", check=True)
    cli("unit", "add", "县审计局", user="周主任", check=True)
    cli(
        "user", "add", "吴某", "--role", "责任单位", "--unit", "县审计局", user="周主任", check=True
    )


def test_an_office_user_adding_a_task_with_json_sees_the_new_task(cli: Cli) -> None:
    _with_users(cli)
    added = cli(
        "task", "add", "--problem", "1", "--measure", "完善资金拨付制度", "--lead-unit", "县科技局",
        "--deadline", "2099-06-30", "--json", user="周主任",
    )  # fmt: skip
    assert added.code == 0, added.err
    shown = json.loads(added.out)
    assert shown["code"] == "1.2" and shown["measure"] == "完善资金拨付制度"
    assert shown["status"] == "pending" and shown["status_label"] == "待整改"


def test_task_show_and_history_follow_the_remit_and_speak_chinese(cli: Cli) -> None:
    _with_users(cli)
    cli(
        "progress", "1", "--text", "已建立台账", "--issues", "个别项目资料不全", "--next",
        "月底前补齐", user="孙某", check=True,
    )  # fmt: skip
    cli("part", "done", "1", user="孙某", check=True)  # 财务股's part: the closure may be asked
    cli("submit", "1", "--summary", "已完成", "--no-evidence", "制度类", user="陈某", check=True)
    cli("return", "1", "--reason", "缺少拨付凭证", user="周主任", check=True)

    shown = cli("task", "show", "1", user="孙某", check=True).out
    assert "存在的问题:个别项目资料不全" in shown and "下一步打算:月底前补齐" in shown
    assert "销号申请已被退回,理由:缺少拨付凭证" in shown
    assert "【进展填报】" in shown and "[progress]" not in shown
    history = cli("history", "1", user="陈某", check=True).out
    assert "填报进展" in history and "退回" in history and "状态" in history
    assert "待整改" in history and "pending" not in history and "in_progress" not in history
    raw = json.loads(cli("history", "1", "--json", user="陈某", check=True).out)
    assert {"action": "return", "action_label": "退回"}.items() <= raw[-1].items()

    hidden = cli("task", "show", "1", user="吴某")
    assert hidden.code == 1 and "任务 1 不存在,或不在您的查看范围内" in hidden.err
    assert cli("history", "1", user="吴某").code == 1


def test_extensions_lists_what_waits_for_a_decision_within_the_remit(cli: Cli) -> None:
    _with_users(cli)
    cli("extend", "1", "--to", "2100-03-31", "--reason", "需跨年度核查", user="陈某", check=True)
    office = cli("extensions", "--status", "待审批", user="周主任", check=True).out
    assert "需跨年度核查" in office and "待审批" in office and "rectify extension approve" in office
    co_unit = json.loads(cli("extensions", "--status", "pending", "--json", user="孙某").out)
    assert [(x["id"], x["status"], x["task_code"]) for x in co_unit] == [(1, "pending", "1.1")]
    assert "没有符合条件的延期申请" in cli("extensions", user="吴某", check=True).out
    bad = cli("extensions", "--status", "done", user="周主任")
    assert bad.code == 1 and "可选:待审批/已批准/未批准" in bad.err


def test_option_values_accept_the_chinese_words(cli: Cli) -> None:
    _with_users(cli)
    listed = json.loads(
        cli("tasks", "--status", "待整改", "--light", "绿灯", "--json", user="陈某").out
    )
    assert [t["id"] for t in listed] == [1]
    assert json.loads(cli("tasks", "--light", "红灯", "--json", user="周主任").out) == []


def test_only_the_office_lists_the_users(cli: Cli) -> None:
    _with_users(cli)
    refused = cli("user", "list", user="陈某")
    assert refused.code == 1 and "无权查看用户名单" in refused.err
    listed = cli("user", "list", user="周主任", check=True).out
    assert "吴某" in listed and "县审计局" in listed


def test_a_change_s_json_has_the_shape_of_its_list_not_of_a_table_row(cli: Cli) -> None:
    register_sample_task(cli)
    added = json.loads(
        cli(
            "inspection", "add", "--body", "县委第二巡察组", "--feedback-date", "2026-11-01",
            "--json", check=True,
        ).out
    )  # fmt: skip
    [listed] = [r for r in json.loads(cli("inspections", "--json").out) if r["id"] == added["id"]]
    assert added == listed and added["report_cadence_label"]
    problem = json.loads(
        cli("problem", "add", "--inspection", "1", "--description", "台账不全", "--json").out
    )
    [same] = [p for p in json.loads(cli("problems", "--json").out) if p["id"] == problem["id"]]
    assert problem == same
    edited = json.loads(
        cli("task", "edit", "1", "--person", "王某", "--reason", "补录", "--json", check=True).out
    )
    [task] = json.loads(cli("tasks", "--json").out)
    assert edited == task and edited["person"] == "王某"
    assert "lead_unit_id" not in edited  # a column of the table, not of what users read
