"""`/tasks/{id}/edit`: the office corrects a task, withdraws (撤销) or restores (恢复) it, each
with a reason; a refused form comes back with the values and the message beside its field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.tables import HistoryEntry, Task
from tests.fixtures.web import form_token


def _task(world, code: str = "1.1") -> Task:
    with transaction(world.engine) as session:
        task = session.get(Task, world.task_id(code))
        session.expunge(task)
        return task


def _form(task: Task, **changes) -> dict[str, str]:
    data = {
        "measure": task.measure,
        "lead_unit": "县科技局",
        "co_units": "财务股",
        "leader": task.leader,
        "person": task.person,
        "kind": task.kind,
        "deadline": task.deadline.isoformat() if task.deadline else "",
    }
    data.update(changes)
    return data


def _post(client, task_id: int, action: str, **data):
    token = form_token(client.get(f"/tasks/{task_id}/edit").text)
    return client.post(f"/tasks/{task_id}/{action}", data={"csrf_token": token, **data})


def _beside(html: str, field_id: str, message: str) -> bool:
    after = html[html.index(f'id="{field_id}"') :]
    start = after.find('class="field-error"')
    return (
        start != -1
        and message in after[start : after.index("</p>", start)]
        and ("<input" not in after[after.index(">") : start])
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("周主任", 200),
        ("陈某", 403),  # the lead unit reads the task but does not correct it
        ("钱某", 403),
        ("王副局长", 403),
        ("赵某", 404),  # another unit's task does not exist for it
        ("anonymous", 303),
    ],
)
def test_the_edit_page_is_the_office_s(web_world, who, status):
    client = web_world.client() if who == "anonymous" else web_world.login(who)
    task_id = web_world.task_id("1.1")
    response = client.get(f"/tasks/{task_id}/edit")
    assert response.status_code == status
    link = f'href="/tasks/{task_id}/edit"'
    if status == 200:
        assert "建立科技项目资金拨付台账" in response.text
        assert link in client.get(f"/tasks/{task_id}").text
    elif who != "anonymous":
        assert "建立科技项目资金拨付台账" not in response.text
        page = client.get(f"/tasks/{task_id}")
        assert link not in page.text


def test_the_office_corrects_the_deadline_and_leader_and_history_keeps_the_reason(web_world):
    office = web_world.login("周主任")
    task = _task(web_world)
    done = _post(
        office,
        task.id,
        "edit",
        **_form(task, deadline="2027-01-31", leader="李局长"),
        reason="整改方案修订",
    )
    assert done.status_code == 303 and done.headers["location"] == f"/tasks/{task.id}?ok=edited"
    after = _task(web_world)
    assert (after.deadline, after.leader) == (date(2027, 1, 31), "李局长")
    assert after.original_deadline == task.original_deadline  # a correction, not an extension
    with transaction(web_world.engine) as session:
        rows = session.exec(
            select(HistoryEntry).where(
                HistoryEntry.task_id == task.id, HistoryEntry.action == "edit"
            )
        ).all()
    assert {r.field for r in rows} == {"deadline", "leader"}
    assert all("整改方案修订" in r.note for r in rows)
    assert "整改方案修订" in office.get(f"/tasks/{task.id}").text


def test_a_correction_without_a_reason_keeps_the_values_and_says_so_beside_the_reason(web_world):
    office = web_world.login("周主任")
    task = _task(web_world)
    refused = _post(office, task.id, "edit", **_form(task, leader="李局长"), reason="")
    assert refused.status_code == 400
    assert 'value="李局长"' in refused.text
    assert _beside(refused.text, "edit-reason", "请写明理由")
    assert _task(web_world).leader == task.leader


def test_a_bad_date_and_an_unchanged_form_are_refused_where_they_belong(web_world):
    office = web_world.login("周主任")
    task = _task(web_world)
    bad = _post(office, task.id, "edit", **_form(task, deadline="2027-02-30"), reason="更正")
    assert bad.status_code == 400 and _beside(bad.text, "deadline", "整改时限")
    same = _post(office, task.id, "edit", **_form(task), reason="更正")
    assert same.status_code == 400 and "没有需要更正的" in same.text
    empty = _post(office, task.id, "edit", **_form(task, measure=" "), reason="更正")
    assert empty.status_code == 400 and _beside(empty.text, "measure", "「整改措施」不能为空")
    assert _task(web_world).measure == task.measure


def test_the_office_withdraws_a_task_with_a_reason_and_restores_it(web_world):
    office = web_world.login("周主任")
    task = _task(web_world)
    refused = _post(office, task.id, "withdraw", reason=" ")
    assert refused.status_code == 400 and _beside(refused.text, "withdraw-reason", "请写明理由")
    assert _task(web_world).withdrawn_at is None

    done = _post(office, task.id, "withdraw", reason="重复录入")
    assert done.status_code == 303
    assert _task(web_world).withdrawn_at is not None
    assert "该任务已撤销" in office.get(f"/tasks/{task.id}").text
    unit = web_world.login("陈某")
    assert "建立科技项目资金拨付台账" not in unit.get("/").text  # out of 我的任务

    again = _post(office, task.id, "restore", reason="误撤销")
    assert again.status_code == 303
    assert _task(web_world).withdrawn_at is None
    assert "建立科技项目资金拨付台账" in unit.get("/").text
    with transaction(web_world.engine) as session:
        notes = session.exec(
            select(HistoryEntry.note).where(
                HistoryEntry.task_id == task.id, HistoryEntry.field == "withdrawn_at"
            )
        ).all()
    assert notes == ["重复录入", "误撤销"]


@pytest.mark.parametrize("who", ["陈某", "钱某", "王副局长", "赵某"])
def test_only_the_office_corrects_withdraws_or_restores(web_world, who):
    client = web_world.login(who)
    token = form_token(client.get("/").text)
    task = _task(web_world)
    for action, data in (
        ("edit", _form(task, leader="李局长", reason="x")),
        ("withdraw", {"reason": "x"}),
        ("restore", {"reason": "x"}),
    ):
        response = client.post(f"/tasks/{task.id}/{action}", data={"csrf_token": token, **data})
        assert response.status_code in (403, 404), action
    after = _task(web_world)
    assert (after.leader, after.withdrawn_at) == (task.leader, None)


def test_corrections_need_the_form_token(web_world):
    office = web_world.login("周主任")
    task = _task(web_world)
    forged = office.post(f"/tasks/{task.id}/withdraw", data={"csrf_token": "x", "reason": "重复"})
    assert forged.status_code == 403 and "表单已失效" in forged.text
    assert _task(web_world).withdrawn_at is None
