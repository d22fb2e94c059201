"""The command line as a user types it: one task of the sample ledger from registration to 销号."""

from __future__ import annotations

import json

from tests.conftest import Cli


def register_sample_task(cli) -> None:
    cli("init", check=True)
    cli(
        "inspection",
        "add",
        "--body",
        "省委第八巡视组",
        "--subject",
        "科技工作",
        "--feedback-date",
        "2026-10-15",
        "--plan-doc-no",
        "县科发〔2026〕12号",
        check=True,
    )
    cli(
        "problem",
        "add",
        "--inspection",
        "1",
        "--description",
        "科技项目资金管理不规范,部分项目资金拨付滞后",
        check=True,
    )
    cli("unit", "add", "县科技局", check=True)
    cli("unit", "add", "财务股", check=True)
    cli(
        "task",
        "add",
        "--problem",
        "1",
        "--measure",
        "建立科技项目资金拨付台账,逐项核查拨付进度",
        "--lead-unit",
        "县科技局、财务股",
        "--leader",
        "王副局长",
        "--person",
        "陈某",
        "--deadline",
        "2099-12-31",
        check=True,
    )


def test_a_task_goes_from_registration_to_closure_with_every_step_in_its_history(cli, tmp_path):
    register_sample_task(cli)
    cli("user", "add", "周主任", "--role", "office", check=True)
    cli("user", "add", "陈某", "--role", "unit", "--unit", "县科技局", user="周主任", check=True)

    shown = json.loads(cli("task", "show", "1", "--json", user="周主任", check=True).out)
    assert shown["lead_unit"] == "县科技局" and shown["co_units"] == ["财务股"]
    assert shown["status"] == "pending" and shown["light"] == "green" and shown["kind"] == "dated"

    evidence = tmp_path / "拨付台账.xlsx"
    evidence.write_bytes(b"ledger-bytes")
    out = cli(
        "progress", "1", "--text", "已建立拨付台账初稿", "--evidence", str(evidence), user="陈某"
    )
    assert out.code == 0, out.err
    assert (
        json.loads(cli("task", "show", "1", "--json", user="陈某").out)["status"] == "in_progress"
    )

    refused = cli("submit", "1", "--summary", "台账已建立", user="陈某")
    assert refused.code == 1 and "佐证" in refused.err

    assert (
        cli(
            "submit",
            "1",
            "--summary",
            "台账已建立",
            "--evidence",
            str(evidence),
            "--parts-reason",
            "财务股的部分由牵头单位统筹",
            user="陈某",
        ).code
        == 0
    )
    returned = cli("return", "1", "--reason", "缺少核查记录", user="周主任")
    assert returned.code == 0 and "缺少核查记录" in returned.out
    assert (
        cli(
            "submit",
            "1",
            "--summary",
            "补充核查记录",
            "--no-evidence",
            "核查记录已在系统中",
            "--parts-reason",
            "财务股的部分由牵头单位统筹",
            user="陈某",
        ).code
        == 0
    )
    assert cli("verify", "1", user="周主任").code == 0

    listed = json.loads(cli("tasks", "--json", "--light", "done", user="周主任").out)
    assert [t["id"] for t in listed] == [1] and listed[0]["status"] == "closed"
    history = json.loads(cli("history", "1", "--json", user="周主任").out)
    statuses = [(h["actor"], h["new_value"]) for h in history if h["field"] == "status"]
    assert statuses == [
        ("陈某", "整改中"),
        ("陈某", "待销号"),
        ("周主任", "整改中"),
        ("陈某", "待销号"),
        ("周主任", "已销号"),
    ]
    table = cli("tasks", user="周主任").out
    assert "共1项,已销号1项,完成率100.00%" in table


def test_an_extension_is_asked_by_the_unit_and_approved_by_the_office(cli):
    register_sample_task(cli)
    assert cli("extend", "1", "--to", "2100-03-31", "--reason", "需跨年度核查").code == 0
    approved = cli("extension", "approve", "1", "--reason", "同意")
    assert approved.code == 0 and "2100-03-31" in approved.out
    shown = json.loads(cli("task", "show", "1", "--json").out)
    assert shown["deadline"] == "2100-03-31" and shown["original_deadline"] == "2099-12-31"
    again = cli("extension", "refuse", "1")
    assert again.code == 1 and "已批准" in again.err


def test_task_show_json_prints_its_extensions_in_their_public_shape(cli):
    register_sample_task(cli)
    cli("extend", "1", "--to", "2100-03-31", "--reason", "需跨年度核查", check=True)
    cli("extension", "refuse", "1", "--reason", "理由不足", check=True)
    shown = json.loads(cli("task", "show", "1", "--json", check=True).out)
    (extension,) = shown["extensions"]
    # The keys of ledger.extensions.TaskExtensionPublic, in its order, as before it existed.
    assert list(extension) == [
        "id", "task_id", "requested_by", "requested_at", "current_deadline", "new_deadline",
        "reason", "status", "status_label", "decided_by", "decided_at", "decision_reason",
    ]  # fmt: skip
    assert extension["status"] == "refused" and extension["status_label"] == "未批准"
    assert extension["new_deadline"] == "2100-03-31" and extension["decision_reason"] == "理由不足"
    assert extension["requested_at"].endswith("Z") and extension["decided_at"].endswith("Z")


def test_units_and_leaders_are_refused_what_only_the_office_may_do(cli):
    register_sample_task(cli)
    cli("user", "add", "周主任", "--role", "office", check=True)
    cli("unit", "add", "县人社局", user="周主任", check=True)
    cli("user", "add", "钱某", "--role", "unit", "--unit", "县人社局", user="周主任", check=True)
    cli("user", "add", "王副局长", "--role", "leader", user="周主任", check=True)

    other_unit = cli("progress", "1", "--text", "越权", user="钱某")
    assert other_unit.code == 1 and "不是任务 1.1 的牵头或配合单位" in other_unit.err
    leader = cli("progress", "1", "--text", "x", user="王副局长")
    assert leader.code == 1 and "只能查看" in leader.err
    assert (
        "建立科技项目资金拨付台账" in cli("tasks", user="王副局长").out
    )  # but may read their remit
    no_actor = cli("verify", "1")
    assert no_actor.code == 1 and "--as" in no_actor.err
    stranger = cli("verify", "1", user="张三")
    assert stranger.code == 1 and "“张三”未登记" in stranger.err
    history = json.loads(cli("history", "1", "--json", user="周主任").out)
    assert [h["action"] for h in history] == ["register"]  # nothing was written by the refusals


BAD_INPUT = [
    (("task", "show", "99"), "任务 99 不存在,或不在您的查看范围内"),
    (
        (
            "task",
            "add",
            "--problem",
            "1",
            "--measure",
            "x",
            "--lead-unit",
            "县科技局",
            "--deadline",
            "2026-13-01",
        ),
        "整改时限“2026-13-01”不是有效日期,请写成 2026-12-31 的形式(参数 --deadline)",
    ),
    (
        (
            "task",
            "add",
            "--problem",
            "1",
            "--measure",
            "x",
            "--lead-unit",
            "县科技局",
            "--deadline",
            "2026-09-01",
        ),
        "早于反馈日期 2026-10-15",
    ),
    (
        (
            "task",
            "add",
            "--problem",
            "1",
            "--measure",
            " ",
            "--lead-unit",
            "县科技局",
            "--deadline",
            "2026-12-01",
        ),
        "整改措施不能为空(参数 --measure)",
    ),
    (
        (
            "task",
            "add",
            "--problem",
            "1",
            "--measure",
            "x",
            "--lead-unit",
            "县水利局",
            "--deadline",
            "2026-12-01",
        ),
        "单位“县水利局”尚未登记",
    ),
    (
        (
            "task",
            "add",
            "--problem",
            "7",
            "--measure",
            "x",
            "--lead-unit",
            "县科技局",
            "--deadline",
            "2026-12-01",
        ),
        "问题编号 7 不存在",
    ),
    (("user", "add", "钱某", "--role", "unit", "--unit", "县水利局"), "单位“县水利局”尚未登记"),
    (
        ("user", "add", "钱某", "--role", "boss"),
        "角色“boss”无法识别,可选:整改办/责任单位/责任领导(或 office/unit/leader)(参数 --role)",
    ),
    (
        ("progress", "1", "--text", "x", "--evidence", "不存在.pdf"),
        "佐证材料文件“不存在.pdf”不存在",
    ),
    (
        ("tasks", "--light", "purple"),
        "灯“purple”无法识别,可选:红灯/黄灯/绿灯/蓝灯/已销号(或 red/yellow/green/blue/done)(参数 --light)",
    ),
    (
        ("extend", "1", "--to", "2026-02-30", "--reason", "x"),
        "延期时限(--to)“2026-02-30”不是有效日期",
    ),
    (("verify", "1"), "申请销号后才能销号"),
    (("extension", "approve", "5"), "延期申请编号 5 不存在"),
]


def test_bad_input_gets_a_chinese_message_naming_the_value_and_nothing_is_written(cli):
    register_sample_task(cli)
    before = json.loads(cli("history", "1", "--json").out)
    for args, message in BAD_INPUT:
        result = cli(*args)
        assert result.code == 1, (args, result)
        assert message in result.err, (args, result.err)
    assert json.loads(cli("history", "1", "--json").out) == before
    assert len(json.loads(cli("tasks", "--json").out)) == 1
    assert len(json.loads(cli("user", "list", "--json").out)) == 0


def test_the_installed_command_runs_as_a_real_process(cli_process):
    assert cli_process("init").code == 0
    listed = cli_process("tasks", "--json")
    assert listed.code == 0 and json.loads(listed.out) == []
    bad = cli_process("task", "show", "3")
    assert bad.code == 1 and bad.err.startswith("错误:任务 3 不存在,或不在您的查看范围内")


def test_a_usage_error_exits_2_and_a_command_before_init_says_to_run_init(cli, tmp_path):
    assert cli("tasks", "--no-such-option").code == 2
    fresh = Cli(
        cwd=tmp_path, env={**cli.env, "RECTIFY_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    )
    before_init = fresh("tasks")
    assert before_init.code == 1 and "rectify init" in before_init.err


def test_a_refusal_points_at_the_flag_of_the_field_the_service_names(cli: Cli) -> None:
    register_sample_task(cli)
    no_summary = cli("submit", "1", "--summary", " ", "--no-evidence", "制度类整改")
    no_evidence = cli("submit", "1", "--summary", "已建立台账")
    no_parts = cli("submit", "1", "--summary", "已建立台账", "--no-evidence", "制度类整改")
    cli(
        "submit", "1", "--summary", "已建立台账", "--no-evidence", "制度类整改",
        "--parts-reason", "财务股的部分由牵头单位统筹", check=True,
    )  # fmt: skip
    no_reason = cli("return", "1", "--reason", " ")
    assert no_summary.code == 1
    assert "申请销号须填写整改情况摘要(参数 --summary)" in no_summary.err
    assert no_evidence.code == 1
    assert "或写明无需佐证的理由(参数 --evidence 或 --no-evidence)" in no_evidence.err
    assert no_parts.code == 1
    assert (
        "还有配合单位的部分未完成(财务股)" in no_parts.err
        and "(参数 --parts-reason)" in no_parts.err
    )
    assert no_reason.code == 1
    assert "退回须写明理由,以便责任单位继续整改(参数 --reason)" in no_reason.err


def test_a_task_is_added_with_the_chinese_kind_and_several_co_units_in_one_option(cli):
    register_sample_task(cli)
    added = cli(
        "task", "add", "--problem", "1", "--measure", "健全制度", "--lead-unit", "县科技局",
        "--co-unit", "财务股/县科技局", "--kind", "长期坚持", "--json", check=True,
    )  # fmt: skip
    shown = json.loads(added.out)
    assert shown["kind"] == "ongoing" and shown["deadline"] is None
    assert shown["co_units"] == ["财务股"]
    refused = cli(
        "task", "add", "--problem", "1", "--measure", "x", "--lead-unit", "县科技局",
        "--kind", "马上办",
    )  # fmt: skip
    assert refused.code == 1
    assert "任务类型“马上办”无法识别" in refused.err and "(参数 --kind)" in refused.err
