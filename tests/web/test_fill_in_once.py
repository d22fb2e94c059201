"""Fill in once on the web: the progress form starts from the unit's last report, and one
form reports the same progress for several tasks of one problem."""

from __future__ import annotations

import html

from sqlmodel import Session, col, select

from models.enums import ReportKind
from models.tables import ProgressReport
from tests.fixtures.web import form_token


def _post(client, url, page_url, data):
    token = form_token(client.get(page_url).text)
    return client.post(url, data={**data, "csrf_token": token})


def _reports(engine):
    with Session(engine) as s:
        rows = s.exec(
            select(ProgressReport.task_id, ProgressReport.text)
            .where(ProgressReport.kind == ReportKind.progress.value)
            .order_by(col(ProgressReport.task_id))
        ).all()
    return [tuple(r) for r in rows]


def _textarea(page: str, element_id: str) -> str:
    after = page.split(f'id="{element_id}"', 1)[1]
    return html.unescape(after.split(">", 1)[1].split("</textarea>", 1)[0])


def test_the_progress_form_starts_from_the_units_last_report(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("陈某")
    first = _post(
        client,
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "已建立资金拨付台账", "issues": "个别项目资料不全", "next_steps": "月底前补齐"},
    )
    assert first.status_code == 303
    page = client.get(f"/tasks/{task_id}").text
    assert _textarea(page, "progress-text") == "已建立资金拨付台账"
    assert _textarea(page, "progress-issues") == "个别项目资料不全"
    assert _textarea(page, "progress-next") == "月底前补齐"
    assert "已按本单位上次填报" in page
    # The co-unit starts from its own last report, not the lead unit's: it has none yet.
    co_page = web_world.login("钱某").get(f"/tasks/{task_id}").text
    assert _textarea(co_page, "progress-text") == ""


def test_one_form_reports_the_same_progress_for_two_tasks_of_a_problem(web_world):
    one, two = web_world.task_id("1.1"), web_world.task_id("1.2")
    client = web_world.login("陈某")
    page = client.get(f"/tasks/{one}").text
    assert 'action="/progress/batch"' in page and f'name="task_ids" value="{two}"' in page
    response = _post(
        client,
        "/progress/batch",
        f"/tasks/{one}",
        {"back": str(one), "task_ids": [str(one), str(two)], "text": "两项措施同步推进"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/tasks/{one}?ok=batch"
    assert "进展已一并填报" in client.get(response.headers["location"]).text
    assert _reports(web_world.engine) == [(one, "两项措施同步推进"), (two, "两项措施同步推进")]


def test_a_batch_with_a_task_not_the_units_is_refused_whole_beside_the_form(web_world):
    one, two = web_world.task_id("1.1"), web_world.task_id("1.2")
    client = web_world.login("钱某")  # co-unit of 1.1 only
    page = client.get(f"/tasks/{one}").text
    assert f'name="task_ids" value="{two}"' not in page  # not offered to it
    response = _post(
        client,
        "/progress/batch",
        f"/tasks/{one}",
        {"back": str(one), "task_ids": [str(one), str(two)], "text": "配合推进"},
    )
    assert response.status_code == 400
    assert "1.2" in response.text and 'id="batch"' in response.text
    assert _textarea(response.text, "batch-text") == "配合推进"
    assert _reports(web_world.engine) == []


def test_a_batch_with_no_task_ticked_is_shown_beside_the_choice(web_world):
    one = web_world.task_id("1.1")
    client = web_world.login("陈某")
    response = _post(client, "/progress/batch", f"/tasks/{one}", {"back": str(one), "text": "x"})
    assert response.status_code == 400
    assert 'id="task_ids-error"' in response.text and "请至少选择一项任务" in response.text


def test_a_leader_is_offered_no_progress_form(web_world):
    page = web_world.login("王副局长").get(f"/tasks/{web_world.task_id('1.1')}").text
    assert 'action="/progress/batch"' not in page
