"""The office's review queue: 销号 / 退回 with a reason, 批准 / 不予批准, and two reviewers at once."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from models.tables import Extension, Task
from tests.fixtures.web import form_token


def _status(engine, task_id):
    with Session(engine) as s:
        return s.get(Task, task_id).status


def _ask_closure(world, code="1.1"):
    task_id = world.task_id(code)
    client = world.login("陈某")
    token = form_token(client.get(f"/tasks/{task_id}").text)
    response = client.post(
        f"/tasks/{task_id}/submit",
        data={
            "summary": "台账已建立并逐项核查",
            "no_evidence_reason": "以台账为准",
            "open_parts_reason": "配合单位的部分由牵头单位统筹",  # 财务股's part of 1.1
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    return task_id, client


def _version(page: str, action: str) -> str:
    form = page[page.index(f'action="{action}"') :]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


@pytest.mark.parametrize(
    ("who", "status"), [("陈某", 403), ("王副局长", 403), ("周主任", 200), ("anonymous", 303)]
)
def test_only_the_office_opens_the_review_queue(web_world, who, status):
    client = web_world.client() if who == "anonymous" else web_world.login(who)
    assert client.get("/review").status_code == status


def test_the_office_returns_with_a_reason_the_unit_resubmits_and_the_office_verifies(web_world):
    task_id, unit = _ask_closure(web_world)
    office = web_world.login("周主任")
    queue = office.get("/review").text
    assert "台账已建立并逐项核查" in queue and "以台账为准" in queue
    refused = office.post(
        f"/review/tasks/{task_id}",
        data={
            "decision": "return",
            "reason": " ",
            "version": _version(queue, f"/review/tasks/{task_id}"),
            "csrf_token": form_token(queue),
        },
    )
    assert refused.status_code == 400 and "退回须写明理由" in refused.text
    assert 'id="reason-error"' in refused.text and _status(web_world.engine, task_id) == "submitted"
    returned = office.post(
        f"/review/tasks/{task_id}",
        data={
            "decision": "return",
            "reason": "缺少核查记录",
            "version": _version(queue, f"/review/tasks/{task_id}"),
            "csrf_token": form_token(queue),
        },
    )
    assert returned.status_code == 303 and returned.headers["location"] == "/review?ok=returned"
    page = unit.get(f"/tasks/{task_id}").text
    assert "销号申请被退回" in page and "缺少核查记录" in page and "整改中" in page
    token = form_token(page)
    assert (
        unit.post(
            f"/tasks/{task_id}/submit",
            data={
                "summary": "已补充核查记录",
                "no_evidence_reason": "记录见台账",
                "open_parts_reason": "配合单位的部分由牵头单位统筹",
                "csrf_token": token,
            },
        ).status_code
        == 303
    )
    assert "销号申请被退回" not in unit.get(f"/tasks/{task_id}").text
    task_page = office.get(f"/tasks/{task_id}").text
    verified = office.post(
        f"/review/tasks/{task_id}",
        data={
            "decision": "verify",
            "back": "task",
            "version": _version(task_page, f"/review/tasks/{task_id}"),
            "csrf_token": form_token(task_page),
        },
    )
    assert (
        verified.status_code == 303
        and verified.headers["location"] == f"/tasks/{task_id}?ok=verified"
    )
    assert _status(web_world.engine, task_id) == "closed"
    history = unit.get(f"/tasks/{task_id}").text
    for word in ("申请销号", "退回", "缺少核查记录", "销号", "待销号 → 已销号"):
        assert word in history


def test_two_reviewers_on_one_task_one_wins_the_other_sees_a_conflict(web_world):
    task_id, _ = _ask_closure(web_world)
    first = web_world.login("周主任")
    second = web_world.login("周主任")
    page_1, page_2 = first.get("/review").text, second.get("/review").text
    action = f"/review/tasks/{task_id}"
    won = first.post(
        action,
        data={
            "decision": "verify",
            "version": _version(page_1, action),
            "csrf_token": form_token(page_1),
        },
    )
    assert won.status_code == 303
    lost = second.post(
        action,
        data={
            "decision": "return",
            "reason": "材料不全",
            "version": _version(page_2, action),
            "csrf_token": form_token(page_2),
        },
    )
    assert lost.status_code == 409
    assert "冲突" in lost.text and f'href="/tasks/{task_id}"' in lost.text
    assert _status(web_world.engine, task_id) == "closed"


def test_an_extension_asked_by_the_unit_is_approved_and_the_original_deadline_kept(web_world):
    task_id = web_world.task_id("2.1")
    unit = web_world.login("陈某")
    token = form_token(unit.get(f"/tasks/{task_id}").text)
    assert (
        unit.post(
            f"/tasks/{task_id}/extension",
            data={
                "new_deadline": "2027-06-30",
                "reason": "需等待省级配套文件",
                "csrf_token": token,
            },
        ).status_code
        == 303
    )
    office = web_world.login("周主任")
    queue = office.get("/review").text
    assert "需等待省级配套文件" in queue and "2027-03-31 → 2027-06-30" in queue
    with Session(web_world.engine) as s:
        extension_id = s.exec(select(Extension.id)).one()
    action = f"/review/extensions/{extension_id}"
    approved = office.post(
        action,
        data={
            "decision": "approve",
            "version": _version(queue, action),
            "csrf_token": form_token(queue),
        },
    )
    assert approved.status_code == 303 and approved.headers["location"] == "/review?ok=approved"
    with Session(web_world.engine) as s:
        task = s.get(Task, task_id)
        assert (task.deadline, task.original_deadline) == (date(2027, 6, 30), date(2027, 3, 31))
    page = unit.get(f"/tasks/{task_id}").text
    assert "2027-06-30(原时限 2027-03-31)" in page and "已批准" in page


def test_refusing_an_extension_needs_a_reason_and_keeps_the_deadline(web_world):
    task_id = web_world.task_id("2.1")
    unit = web_world.login("陈某")
    token = form_token(unit.get(f"/tasks/{task_id}").text)
    unit.post(
        f"/tasks/{task_id}/extension",
        data={"new_deadline": "2027-06-30", "reason": "等文件", "csrf_token": token},
    )
    office = web_world.login("周主任")
    page = office.get(f"/tasks/{task_id}").text
    with Session(web_world.engine) as s:
        extension_id = s.exec(select(Extension.id)).one()
    action = f"/review/extensions/{extension_id}"
    data = {
        "decision": "refuse",
        "back": "task",
        "version": _version(page, action),
        "csrf_token": form_token(page),
    }
    refused = office.post(action, data={**data, "reason": ""})
    assert refused.status_code == 400 and "不予批准须写明理由" in refused.text
    done = office.post(action, data={**data, "reason": "理由不充分"})
    assert done.status_code == 303
    with Session(web_world.engine) as s:
        assert s.get(Task, task_id).deadline == date(2027, 3, 31)
    assert "未批准" in unit.get(f"/tasks/{task_id}").text


def test_a_leader_or_unit_cannot_decide(web_world):
    task_id, _ = _ask_closure(web_world)
    for who in ("王副局长", "陈某"):
        client = web_world.login(who)
        token = form_token(client.get(f"/tasks/{task_id}").text)
        response = client.post(
            f"/review/tasks/{task_id}",
            data={"decision": "verify", "version": "1", "csrf_token": token},
        )
        assert response.status_code == 403 and "仅限整改办" in response.text
    assert _status(web_world.engine, task_id) == "submitted"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_long_queue_shows_the_oldest_requests_and_how_many_wait(web_world, monkeypatch):
    from ledger import review

    monkeypatch.setattr(review, "QUEUE_LIMIT", 1)
    second, _ = _ask_closure(web_world, "1.2")  # asked first, though later in the ledger
    web_world.clock.at += timedelta(minutes=5)
    first, _ = _ask_closure(web_world, "1.1")
    page = web_world.login("周主任").get("/review").text
    assert "待销号(2)" in page and "显示最早申请的 1 项" in page
    assert f'id="task-{second}"' in page and f'id="task-{first}"' not in page
