"""The task page and a co-unit's own part: the co-unit reports on its part with a file and
marks it 已完成; the lead unit's 申请销号 form names the parts not done and asks why; who may
post what (the rules are ledger/'s, the statuses are the web's).

Task 1.1 is led by 县科技局 (陈某) with 财务股 (钱某) as co-unit; 赵某's unit has no part in it.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.enums import PartStatus, TaskStatus
from models.tables import ProgressReport, Task, TaskPart
from tests.fixtures.web import form_token

PDF = b"%PDF-1.4\n" + b"x" * 200


def _post(client, task_id, path, data, files=None):
    token = form_token(client.get(f"/tasks/{task_id}").text)
    return client.post(f"/tasks/{task_id}/{path}", data={**data, "csrf_token": token}, files=files)


def _parts(engine, task_id):
    with Session(engine) as s:
        return s.exec(select(TaskPart.status).where(TaskPart.task_id == task_id)).all()


def test_a_co_unit_reports_on_its_part_with_a_file_and_marks_it_done(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("钱某")
    page = client.get(f"/tasks/{task_id}").text
    assert "填报本单位承担部分的进展" in page
    assert f'action="/tasks/{task_id}/submit"' not in page  # the task is the lead unit's
    assert f'action="/tasks/{task_id}/extension"' not in page

    response = _post(
        client,
        task_id,
        "progress",
        {"text": "财务股已核对拨付进度"},
        files=[("evidence", ("核对表.pdf", PDF, "application/pdf"))],
    )
    assert response.status_code == 303
    page = client.get(f"/tasks/{task_id}").text
    part = page[page.index('id="part-') :]
    assert "财务股" in part and "未完成" in part and "财务股已核对拨付进度" in part
    assert "核对表.pdf" in part and "标记完成" in part

    response = _post(client, task_id, "part/done", {"note": "核对完毕"})
    assert response.headers["location"] == f"/tasks/{task_id}?ok=part_done"
    page = client.get(response.headers["location"]).text
    assert "本单位承担的部分已标记完成" in page and "钱某 于" in page and "核对完毕" in page
    assert "重新打开本单位的部分" in page
    assert _parts(web_world.engine, task_id) == [PartStatus.done]

    # The lead unit sees the part, its report and its file.
    lead_page = web_world.login("陈某").get(f"/tasks/{task_id}").text
    assert "配合单位承担的部分" in lead_page and "已完成" in lead_page
    assert "财务股已核对拨付进度" in lead_page and "核对表.pdf" in lead_page


def test_marking_a_part_done_before_reporting_on_it_is_refused_beside_the_form(web_world):
    task_id = web_world.task_id("1.1")
    response = _post(web_world.login("钱某"), task_id, "part/done", {"note": ""})
    assert response.status_code == 400
    assert "尚未填报本单位承担部分的进展" in response.text
    assert _parts(web_world.engine, task_id) == []


def test_the_lead_units_closure_form_names_the_parts_not_done_and_asks_why(web_world):
    task_id = web_world.task_id("1.1")
    lead = web_world.login("陈某")
    page = lead.get(f"/tasks/{task_id}").text
    assert "尚未完成的配合单位部分:财务股" in page and 'name="open_parts_reason"' in page

    asked = {"summary": "拨付台账已建立", "no_evidence_reason": "台账已存档"}
    refused = _post(lead, task_id, "submit", asked)
    assert refused.status_code == 400
    assert 'id="open_parts_reason-error"' in refused.text and "财务股" in refused.text
    with Session(web_world.engine) as s:
        assert s.get(Task, task_id).status == TaskStatus.pending  # nothing half-saved

    accepted = _post(lead, task_id, "submit", {**asked, "open_parts_reason": "财务股由局里统筹"})
    assert accepted.status_code == 303
    review = web_world.login("周主任").get("/review").text
    assert "配合单位部分未完成即申请销号的理由" in review and "财务股由局里统筹" in review


def test_the_closure_form_asks_no_reason_once_every_part_is_done(web_world):
    task_id = web_world.task_id("1.1")
    co_unit = web_world.login("钱某")
    _post(co_unit, task_id, "progress", {"text": "已核对"})
    _post(co_unit, task_id, "part/done", {})
    lead = web_world.login("陈某")
    assert 'name="open_parts_reason"' not in lead.get(f"/tasks/{task_id}").text
    response = _post(
        lead, task_id, "submit", {"summary": "已完成", "no_evidence_reason": "台账已存档"}
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("who", "path", "data", "status"),
    [
        ("钱某", "submit", {"summary": "已完成", "no_evidence_reason": "已存档"}, 403),
        ("钱某", "extension", {"new_deadline": "2027-03-31", "reason": "跨年度"}, 403),
        ("陈某", "part/done", {}, 403),  # the lead unit acts on the task, not on a part
        ("周主任", "part/done", {}, 403),
        ("王副局长", "part/done", {}, 403),
        ("赵某", "part/done", {}, 404),  # another unit: the task is not there for it
        ("赵某", "part/reopen", {}, 404),
        ("赵某", "progress", {"text": "越权"}, 404),
    ],
)
def test_who_may_post_on_the_task_and_on_a_part(web_world, who, path, data, status):
    task_id = web_world.task_id("1.1")
    co_unit = web_world.login("钱某")
    _post(co_unit, task_id, "progress", {"text": "已核对"})
    client = web_world.login(who)
    # A page to take the form token from: the task's own, or (for a stranger) the work list.
    token = form_token(client.get(f"/tasks/{task_id}" if status != 404 else "/").text)
    response = client.post(f"/tasks/{task_id}/{path}", data={**data, "csrf_token": token})
    assert response.status_code == status
    assert _parts(web_world.engine, task_id) == []
    with Session(web_world.engine) as s:
        reports = s.exec(select(ProgressReport.text).where(ProgressReport.task_id == task_id))
        assert list(reports) == ["已核对"]
        assert s.get(Task, task_id).status == TaskStatus.in_progress
