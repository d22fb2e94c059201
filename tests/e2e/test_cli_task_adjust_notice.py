"""任务调整 from `task edit`: a change of a task's unit, deadline or person is told to the
units concerned in that day's digest, written with the edit; a task withdrawn the day it was
assigned leaves that day's 新任务交办 digest."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import Cli


def _imported(cli: Cli, office_ledger: Path) -> list[dict]:
    cli("init", check=True)
    cli("import", str(office_ledger), check=True)
    return json.loads(cli("tasks", "--json", check=True).out)


def _digests(engine: sa.Engine, kind: str) -> dict[str, dict]:
    """Today's digests of a kind by recipient: their task ids and listed items."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT recipient, task_ids, data FROM notice WHERE kind = :k"), {"k": kind}
        ).all()
    out = {}
    for recipient, task_ids, data in rows:
        task_ids = json.loads(task_ids) if isinstance(task_ids, str) else task_ids
        data = json.loads(data) if isinstance(data, str) else data
        out[recipient] = {"task_ids": task_ids, "items": data["items"], "total": data["total"]}
    return out


def test_each_task_edit_of_unit_deadline_or_person_tells_the_unit_once(
    cli: Cli, office_ledger: Path, engine: sa.Engine
) -> None:
    tasks = _imported(cli, office_ledger)
    task = next(t for t in tasks if t["lead_unit"] == "石桥社区" and not t["co_units"])
    assert _digests(engine, "adjust") == {}

    cli("task", "edit", str(task["id"]), "--deadline", "2019-03-31", "--reason", "据方案调整",
        check=True)  # fmt: skip
    digests = _digests(engine, "adjust")
    assert list(digests) == ["石桥社区"]
    [item] = digests["石桥社区"]["items"]
    assert item["id"] == task["id"] and item["reason"] == "据方案调整"
    assert [(c["field"], c["new"]) for c in item["changes"]] == [("整改时限", "2019-03-31")]

    # The same edit again changes nothing, and tells nobody again.
    again = cli("task", "edit", str(task["id"]), "--deadline", "2019-03-31", "--reason", "重复")
    assert again.code == 1 and "相同" in again.err
    assert _digests(engine, "adjust") == digests

    # A wording-only edit is not an adjustment.
    cli("task", "edit", str(task["id"]), "--measure", "措施文字更正", "--reason", "错字",
        check=True)  # fmt: skip
    assert _digests(engine, "adjust") == digests

    # The person: the unit's digest of the day now lists the second change, still one notice.
    cli("task", "edit", str(task["id"]), "--person", "陈某", "--reason", "人员变动", check=True)
    digests = _digests(engine, "adjust")
    assert list(digests) == ["石桥社区"] and digests["石桥社区"]["total"] == 2
    assert [c["field"] for c in digests["石桥社区"]["items"][1]["changes"]] == ["责任人"]

    # The unit: the unit that receives the task and the one it left each hear of it once.
    cli("task", "edit", str(task["id"]), "--lead-unit", "开发区社事局", "--reason", "改派",
        check=True)  # fmt: skip
    digests = _digests(engine, "adjust")
    assert sorted(digests) == ["开发区社事局", "石桥社区"]
    [moved] = digests["开发区社事局"]["items"]
    assert [(c["field"], c["old"], c["new"]) for c in moved["changes"]] == [
        ("牵头单位", "石桥社区", "开发区社事局")
    ]
    assert digests["石桥社区"]["items"][-1]["changes"] == moved["changes"]
    assert digests["石桥社区"]["task_ids"].count(task["id"]) == 3


def test_a_task_withdrawn_the_day_it_was_assigned_leaves_that_days_digest(
    cli: Cli, office_ledger: Path, engine: sa.Engine
) -> None:
    tasks = _imported(cli, office_ledger)
    before = _digests(engine, "assign")
    unit = next(u for u, d in before.items() if len(d["task_ids"]) > 1)
    gone = before[unit]["task_ids"][0]
    others = [t for t in before[unit]["task_ids"] if t != gone]
    lonely = next((u for u, d in before.items() if len(d["task_ids"]) == 1 and u != unit), None)

    cli("task", "withdraw", str(gone), "--reason", "重复登记", check=True)
    after = _digests(engine, "assign")
    assert after[unit]["task_ids"] == others
    assert gone not in {i["id"] for i in after[unit]["items"]}
    assert after[unit]["total"] == before[unit]["total"] - 1
    if lonely is not None:
        # A digest whose only task is withdrawn is not sent at all.
        cli("task", "withdraw", str(before[lonely]["task_ids"][0]), "--reason", "误录", check=True)
        assert lonely not in _digests(engine, "assign")
    assert {t["id"] for t in tasks} >= set(others)


def test_a_task_takes_its_own_reporting_cadence_shown_and_in_history(
    cli: Cli, office_ledger: Path
) -> None:
    tasks = _imported(cli, office_ledger)
    task = tasks[0]
    shown = json.loads(cli("task", "show", str(task["id"]), "--json", check=True).out)
    assert (shown["report_cadence"], shown["report_cadence_label"]) == ("none", "不定期报送(默认)")

    bad = cli("task", "edit", str(task["id"]), "--cadence", "每两周", "--reason", "按方案")
    assert bad.code == 1 and "报送周期“每两周”无法识别" in bad.err and "--cadence" in bad.err
    cli("inspection", "edit", "1", "--cadence", "每周一", "--reason", "一周一调度", check=True)
    shown = json.loads(cli("task", "show", str(task["id"]), "--json", check=True).out)
    assert shown["report_cadence_label"] == "每周一(随轮次)"
    cli("task", "edit", str(task["id"]), "--cadence", "每月15日", "--reason", "按月报送",
        check=True)  # fmt: skip
    shown = json.loads(cli("task", "show", str(task["id"]), "--json", check=True).out)
    assert (shown["report_cadence"], shown["report_cadence_label"]) == (
        "monthly:15",
        "每月15日(本任务)",
    )
    assert "报送周期:每月15日(本任务)" in cli("task", "show", str(task["id"]), check=True).out
    [row] = [
        h
        for h in json.loads(cli("history", str(task["id"]), "--json", check=True).out)
        if h["field"] == "report_cadence"
    ]
    assert (row["field_label"], row["old_value"], row["new_value"], row["note"]) == (
        "报送周期",
        None,
        "每月15日",
        "按月报送",
    )
    listed = cli("inspections", check=True).out
    assert "报送周期" in listed and "每周一" in listed
