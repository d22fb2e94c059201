"""`rectify progress 3 4 --text …` and `--tasks 3,4`: one 进展 for several tasks of one problem."""

from __future__ import annotations

import json

import sqlalchemy as sa

from ledger import registry
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import Role
from tests.builders import NOW, OFFICE, build_sample_round
from tests.conftest import Cli


def _ledger(engine: sa.Engine) -> dict[str, int]:
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        for name, role, unit in (
            ("周主任", Role.office, None),
            ("陈某", Role.unit, "县科技局"),
            ("钱某", Role.unit, "财务股"),
        ):
            registry.add_user(
                UserCreate(name=name, role=role, unit=unit), session=s, actor=OFFICE, now=NOW
            )
    return sample.codes


def _progress_texts(cli: Cli, task_id: int) -> list[str]:
    shown = json.loads(cli("task", "show", str(task_id), "--json", user="周主任", check=True).out)
    return [r["text"] for r in shown["reports"] if r["kind"] == "progress"]


def test_a_unit_reports_two_tasks_of_a_problem_at_once(cli: Cli, engine: sa.Engine) -> None:
    codes = _ledger(engine)
    one, two = codes["1.1"], codes["1.2"]
    done = cli(
        "progress", str(one), str(two), "--text", "同步推进两项措施", user="陈某", check=True
    )
    assert f"已填报任务 {one}、{two} 的进展" in done.out
    assert _progress_texts(cli, one) == ["同步推进两项措施"]
    assert _progress_texts(cli, two) == ["同步推进两项措施"]
    again = cli("progress", "--tasks", f"{one},{two}", "--text", "第二次", user="陈某", check=True)
    assert again.code == 0 and _progress_texts(cli, two) == ["同步推进两项措施", "第二次"]


def test_a_batch_with_another_units_task_writes_nothing_and_names_it(
    cli: Cli, engine: sa.Engine
) -> None:
    codes = _ledger(engine)
    one, two = codes["1.1"], codes["1.2"]
    refused = cli("progress", str(one), str(two), "--text", "配合推进", user="钱某")
    assert refused.code == 1 and "1.2" in refused.err
    assert _progress_texts(cli, one) == []
    bad = cli("progress", "--tasks", "1,二", "--text", "x", user="陈某")
    assert bad.code == 1 and "“二”不是任务编号" in bad.err
    none = cli("progress", "--text", "x", user="陈某")
    assert none.code == 1 and "请写明任务编号" in none.err
