"""Rendering notices: Chinese office register, dates as 2026年12月1日, strict variables, overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import RectifyError
from ledger.reminders import DueTask
from models.enums import TaskKind
from models.reminders import Level, Step
from notifications.render import cn_date, render


def due_task(code: str = "3.2", **step: Any) -> DueTask:
    """A task as planning hands it to the templates."""
    level = Level.supervise if step.get("workdays_overdue") else Level.remind
    task = DueTask(
        task_id=1,
        code=code,
        measure="建立<扶贫>资金台账 | 逐笔核对",
        inspection="省委第八巡视组反馈脱贫攻坚问题整改",
        kind=TaskKind.dated,
        deadline=date(2026, 12, 1),
        lead_unit="财务处",
        co_units=["审计处", "农业农村局"],
        leader="王副县长",
        person="李明",
        last_activity=date(2026, 10, 1),
        step=Step(level, f"{level.value}:x", **step),
        order_label="督办〔2026〕7号",
        reply_due=date(2026, 12, 21),
    )
    return task


def digest(tasks: list[DueTask] | None = None, **extra: Any) -> dict[str, Any]:
    listed = tasks or [due_task(workdays_overdue=12)]
    context = {
        "names": ["王副县长"],
        "recipient": "王副县长",
        "as_of": date(2026, 12, 16),
        "tasks": [t.as_context() for t in listed],
        "total": len(listed),
        "more": 0,
        "office_name": "整改办",
        "supervise_after": 10,
        "silence_days": 30,
    }
    context.update(extra)
    return context


def test_dates_are_written_the_way_office_documents_write_them() -> None:
    assert cn_date(date(2026, 12, 1)) == "2026年12月1日"


def test_the_supervision_notice_names_its_number_task_units_leader_deadline_and_reply_date() -> (
    None
):
    out = render("supervise", digest())
    assert out.title == "【督办通知单】督办〔2026〕7号"
    assert out.text.startswith("督办通知单\n\n王副县长:\n")
    for line in (
        "督办〔2026〕7号\n",
        "   任务:3.2 建立<扶贫>资金台账 | 逐笔核对\n",
        "   责任单位:财务处(牵头)、审计处、农业农村局(配合)\n",
        "   责任领导:王副县长\n",
        "   整改时限:2026年12月1日\n",
        "   逾期:12个工作日\n",
        "   回复时限:2026年12月21日前书面回复\n",
    ):
        assert line in out.text


def test_html_bodies_escape_what_users_typed_and_plain_text_keeps_it() -> None:
    out = render("urge", digest())
    assert "建立&lt;扶贫&gt;资金台账" in out.html
    assert "<table" in out.html
    assert "建立<扶贫>资金台账" in out.text


def test_markdown_tables_survive_a_pipe_in_the_measure() -> None:
    out = render("urge", digest())
    row = next(line for line in out.md.splitlines() if line.startswith("| 1 |"))
    # Ledger text is escaped (a pipe cannot end the cell, <…> is no HTML tag).
    assert (
        row
        == "| 1 | 3.2 | 建立\\<扶贫\\>资金台账 \\| 逐笔核对 | 2026年12月1日 | 已逾期12个工作日 |"
    )


@pytest.mark.parametrize("kind", ["remind", "urge", "supervise", "ongoing"])
def test_every_daily_kind_has_a_title_text_html_and_markdown_body(kind: str) -> None:
    out = render(kind, digest([due_task(workdays_left=3)]))
    assert out.title and "\n" not in out.title
    assert "3.2" in out.text and "3.2" in out.html and "3.2" in out.md
    assert "整改办" in out.text


def test_a_digest_lists_every_task_of_the_recipient() -> None:
    tasks = [due_task(f"1.{i}", workdays_left=i) for i in (1, 2, 3)]
    out = render("remind", digest(tasks))
    assert out.title == "【整改提醒】3项整改任务临近整改时限"
    assert [
        line[:9] for line in out.text.splitlines() if line[:1].isdigit() and ". 任务" in line
    ] == [
        "1. 任务1.1:",
        "2. 任务1.2:",
        "3. 任务1.3:",
    ]
    assert "(剩余2个工作日)" in out.text


def test_a_missing_value_is_an_error_naming_it_not_a_blank_in_the_notice() -> None:
    context = digest()
    del context["office_name"]
    with pytest.raises(RectifyError, match="office_name"):
        render("urge", context)


def test_an_unknown_kind_is_an_error_naming_the_missing_template() -> None:
    with pytest.raises(RectifyError, match="找不到通知模板 notice.title.j2"):
        render("notice", digest())


def test_an_office_overrides_one_template_and_keeps_the_others(tmp_path: Path) -> None:
    (tmp_path / "urge.title.j2").write_text(
        "【催办】请{{ names | join('、') }}抓紧整改", encoding="utf-8"
    )
    out = render("urge", digest(), templates_dir=tmp_path)
    assert out.title == "【催办】请王副县长抓紧整改"
    assert out.text.startswith("催办通知\n")


def test_a_template_folder_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RectifyError, match="RECTIFY_TEMPLATES"):
        render("urge", digest(), templates_dir=tmp_path / "missing")


def test_a_task_due_today_and_a_silent_ongoing_task_say_so() -> None:
    today = render("remind", digest([due_task(workdays_left=0)]))
    silent = render("ongoing", digest([due_task(silent_days=45)]))
    assert "整改时限:2026年12月1日(今日到期)" in today.text
    assert "最近一次进展:2026年10月1日(已45天未报送进展)" in silent.text


def test_a_digest_of_120_tasks_lists_the_50_most_urgent_and_counts_the_other_70() -> None:
    from ledger.reminders import Digest
    from models.rules import Rules
    from models.settings import Settings
    from notifications.daily import draft_for

    tasks = [due_task(f"1.{i}", workdays_overdue=121 - i) for i in range(1, 121)]
    for i, task in enumerate(tasks, start=1):
        task.task_id = i
    settings = Settings(
        database_url="sqlite://",
        data_dir=Path("."),
        rules=Rules(),
        holiday_file=None,
        apprise_config=None,
        templates_dir=None,
    )

    draft = draft_for(
        Digest(Level.urge, "财务处", ["财务处"], tasks),
        as_of=date(2026, 12, 16),
        settings=settings,
        period="2026-12-16",
    )

    assert draft.task_ids == list(range(1, 121))
    assert draft.title == "【催办通知】120项整改任务已逾期未完成"
    assert "以下120项整改任务已超过整改时限" in draft.body_text
    listed = [line for line in draft.body_text.splitlines() if ". 任务1." in line]
    assert len(listed) == 50
    assert listed[0].startswith("1. 任务1.1:") and listed[-1].startswith("50. 任务1.50:")
    closing = "另有70项,请登录系统查看完整台账(以上列出最紧迫的50项)。"
    assert closing in draft.body_text and closing in draft.body_html and closing in draft.body_md
    assert draft.body_html.count("<tr><td>") == 50
    assert "任务1.51" not in draft.body_text


def test_a_digest_within_the_limit_has_no_closing_count_line() -> None:
    out = render("urge", digest([due_task(f"1.{i}", workdays_overdue=3) for i in (1, 2)]))
    assert "另有" not in out.text and "另有" not in out.html and "另有" not in out.md
