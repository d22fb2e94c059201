"""Text from the ledger reaches the terminal as text: escape sequences are shown, not obeyed."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ledger import registry
from ledger.inputs import TaskCreate
from ledger.uow import transaction
from models.enums import TaskKind
from models.rules import Rules
from models.workdays import WorkCalendar
from tests.builders import NOW, OFFICE
from tests.conftest import Cli

# ESC [2J clears the screen, OSC 0 retitles the window, U+202E reverses what follows.
HOSTILE = "建立台账\x1b[2J\x1b]0;已销号\x07完成\u202e号销"


def _register(cli: Cli, measure: str) -> None:
    cli("init", check=True)
    cli("inspection", "add", "--body", "省委第八巡视组", "--subject", "科技工作",
        "--feedback-date", "2026-10-15", check=True)  # fmt: skip
    cli("problem", "add", "--inspection", "1", "--description", "问题\x1b[31m红字", check=True)
    cli("unit", "add", "县科技局", check=True)
    cli("task", "add", "--problem", "1", "--measure", measure, "--lead-unit", "县科技局",
        "--deadline", "2099-12-31", check=True)  # fmt: skip


def test_control_characters_in_a_measure_are_shown_escaped_by_tasks_task_show_and_problems(
    cli: Cli,
) -> None:
    _register(cli, HOSTILE)
    for args in (("tasks",), ("task", "show", "1"), ("problems", "--inspection", "1")):
        out = cli(*args, check=True).out
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, args
    shown = cli("task", "show", "1", check=True).out
    assert "整改措施:建立台账\\x1b[2J\\x1b]0;已销号\\x07完成\\u202e号销" in shown
    assert "问题\\x1b[31m红字" in cli("problems", "--inspection", "1", check=True).out


def test_json_output_keeps_the_text_as_stored(cli: Cli) -> None:
    import json

    _register(cli, HOSTILE)
    assert json.loads(cli("task", "show", "1", "--json", check=True).out)["measure"] == HOSTILE


def test_a_list_longer_than_a_page_shows_the_first_page_and_the_count(
    cli: Cli, engine: sa.Engine
) -> None:
    _register(cli, "措施0")
    with transaction(engine) as session:
        for n in range(1, 105):
            registry.add_task(
                TaskCreate(problem_id=1, measure=f"措施{n}", lead_unit="县科技局",
                           kind=TaskKind.dated, deadline=date(2099, 12, 31)),
                session=session, actor=OFFICE, now=NOW, today=NOW.date(), rules=Rules(),
                calendar=WorkCalendar(),
            )  # fmt: skip
    out = cli("tasks", check=True).out
    assert "(共105行,只显示前100行;全部内容请加 --json 输出,或加筛选条件缩小范围)" in out
    assert "措施99" in out and "措施104" not in out
    assert "共105项" in out
