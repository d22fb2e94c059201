"""The task's forms: 填报进展 with files, 申请销号, 延期申请 — refusals beside the field, nothing half-saved."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import Session, func, select

from models.tables import Evidence, Extension, ProgressReport, Task
from tests.fixtures.web import form_token

PDF = b"%PDF-1.4\n" + b"x" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"y" * 100


def _count(engine, table):
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def _status(engine, task_id):
    with Session(engine) as s:
        return s.get(Task, task_id).status


def _post(client, url, page_url, data, files=None):
    token = form_token(client.get(page_url).text)
    return client.post(url, data={**data, "csrf_token": token}, files=files)


def test_a_unit_reports_progress_with_several_files(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("陈某")
    response = _post(
        client,
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "已建立资金拨付台账", "issues": "个别项目资料不全", "next_steps": "月底前补齐"},
        files=[
            ("evidence", ("台账.pdf", PDF, "application/pdf")),
            ("evidence", ("现场.png", PNG, "image/png")),
        ],
    )
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/tasks/{task_id}?ok=progress"
    )
    page = client.get(response.headers["location"]).text
    assert "进展已填报" in page and "已建立资金拨付台账" in page and "个别项目资料不全" in page
    assert "台账.pdf" in page and "现场.png" in page and "整改中" in page
    store = web_world.config.settings.evidence_dir
    for content in (PDF, PNG):
        digest = hashlib.sha256(content).hexdigest()
        assert (store / digest[:2] / digest).read_bytes() == content
    # Each upload went straight into the evidence store: no staging folder was made.
    assert not (web_world.config.settings.data_dir / "incoming").exists()


def test_a_co_unit_may_report_too(web_world):
    task_id = web_world.task_id("1.1")
    response = _post(
        web_world.login("钱某"),
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "财务股已配合核查"},
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.exe", b"MZ\x90\x00", "类型不在允许范围内"),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", "内容与扩展名 .pdf 不符"),
        ("空.pdf", b"", "是空文件"),
    ],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_refused_file_is_named_beside_the_field_and_nothing_is_stored(
    web_world, name, content, message
):
    task_id = web_world.task_id("1.1")
    response = _post(
        web_world.login("陈某"),
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "已建立台账"},
        files=[
            ("evidence", ("好.pdf", PDF, "application/pdf")),
            ("evidence", (name, content, "application/octet-stream")),
        ],
    )
    assert response.status_code == 400
    assert (
        'id="evidence-error"' in response.text
        and message in response.text
        and name in response.text
    )
    assert "已建立台账" in response.text  # what was typed is kept
    assert _count(web_world.engine, ProgressReport) == 0 and _count(web_world.engine, Evidence) == 0
    assert not web_world.config.settings.evidence_dir.exists() or not any(
        web_world.config.settings.evidence_dir.rglob("*")
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_file_over_the_size_limit_is_refused_with_the_limit(web_world):
    web_world.config.max_file_bytes = 2 * 1024 * 1024
    task_id = web_world.task_id("1.1")
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    response = _post(
        web_world.login("陈某"),
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "已建立台账"},
        files=[("evidence", ("大文件.pdf", big, "application/pdf"))],
    )
    assert response.status_code == 400
    assert "文件“大文件.pdf”超过 2 MB 的上限" in response.text
    assert _count(web_world.engine, ProgressReport) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_request_over_the_body_limit_is_refused_before_it_is_read(web_world):
    web_world.config.max_request_bytes = 64 * 1024
    task_id = web_world.task_id("1.1")
    response = _post(
        web_world.login("陈某"),
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "x"},
        files=[("evidence", ("a.pdf", b"%PDF-" + b"0" * 100_000, "application/pdf"))],
    )
    assert response.status_code == 413 and "上传内容超过上限" in response.text
    assert _count(web_world.engine, ProgressReport) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_more_files_than_allowed_are_refused(web_world):
    web_world.config.max_files = 2
    task_id = web_world.task_id("1.1")
    files = [("evidence", (f"{i}.pdf", PDF, "application/pdf")) for i in range(3)]
    response = _post(
        web_world.login("陈某"),
        f"/tasks/{task_id}/progress",
        f"/tasks/{task_id}",
        {"text": "x"},
        files=files,
    )
    assert response.status_code == 400 and "一次最多上传 2 个文件" in response.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_empty_progress_text_is_shown_beside_its_field(web_world):
    task_id = web_world.task_id("1.1")
    response = _post(
        web_world.login("陈某"), f"/tasks/{task_id}/progress", f"/tasks/{task_id}", {"text": "  "}
    )
    assert response.status_code == 400
    assert 'id="text-error"' in response.text and "进展内容不能为空" in response.text


def test_a_form_without_its_csrf_token_changes_nothing(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("陈某")
    response = client.post(f"/tasks/{task_id}/progress", data={"text": "已建立台账"})
    assert response.status_code == 403 and "表单已过期" in response.text
    forged = client.post(f"/tasks/{task_id}/progress", data={"text": "x", "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert _count(web_world.engine, ProgressReport) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_token_of_another_users_session_is_refused(web_world):
    task_id = web_world.task_id("1.1")
    other_token = form_token(web_world.login("钱某").get(f"/tasks/{task_id}").text)
    response = web_world.login("陈某").post(
        f"/tasks/{task_id}/progress", data={"text": "x", "csrf_token": other_token}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("who", "status"), [("王副局长", 403), ("赵某", 404)])
def test_a_leader_or_another_unit_cannot_report(web_world, who, status):
    task_id = web_world.task_id("1.1")
    client = web_world.login(who)
    page = client.get("/")  # a page of their own gives them a token
    response = client.post(
        f"/tasks/{task_id}/progress", data={"text": "越权填报", "csrf_token": form_token(page.text)}
    )
    # A leader may read the task but not act (403); to another unit it is not there (404).
    assert response.status_code == status
    assert "越权填报" not in response.text
    assert _count(web_world.engine, ProgressReport) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_leader_sees_no_forms_on_the_task_page(web_world):
    page = web_world.login("王副局长").get(f"/tasks/{web_world.task_id('1.1')}").text
    assert "<form" in page  # the logout form only
    assert "/progress" not in page and "/submit" not in page and "/extension" not in page


def test_closure_needs_evidence_or_a_reason(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("陈某")
    refused = _post(
        client, f"/tasks/{task_id}/submit", f"/tasks/{task_id}", {"summary": "已完成整改"}
    )
    assert refused.status_code == 400
    assert 'id="evidence-error"' in refused.text and "无需佐证的理由" in refused.text
    no_summary = _post(client, f"/tasks/{task_id}/submit", f"/tasks/{task_id}", {"summary": ""})
    assert 'id="summary-error"' in no_summary.text
    done = _post(
        client,
        f"/tasks/{task_id}/submit",
        f"/tasks/{task_id}",
        {
            "summary": "已完成整改",
            "no_evidence_reason": "制度类措施,以印发文件为准",
            "open_parts_reason": "财务股的部分由牵头单位统筹",
        },
    )
    assert done.status_code == 303
    assert _status(web_world.engine, task_id) == "submitted"
    page = client.get(f"/tasks/{task_id}").text
    assert "待销号" in page and "制度类措施,以印发文件为准" in page


def test_closure_with_files(web_world):
    task_id = web_world.task_id("1.2")
    response = _post(
        web_world.login("陈某"),
        f"/tasks/{task_id}/submit",
        f"/tasks/{task_id}",
        {"summary": "已全部拨付"},
        files=[("evidence", ("拨付凭证.pdf", PDF, "application/pdf"))],
    )
    assert response.status_code == 303 and _status(web_world.engine, task_id) == "submitted"
    assert _count(web_world.engine, Evidence) == 1


def test_an_extension_request_needs_a_date_and_a_reason(web_world):
    task_id = web_world.task_id("2.1")
    client = web_world.login("陈某")
    bad = _post(
        client,
        f"/tasks/{task_id}/extension",
        f"/tasks/{task_id}",
        {"new_deadline": "明年", "reason": "x"},
    )
    assert bad.status_code == 400 and 'id="new_deadline-error"' in bad.text
    no_reason = _post(
        client, f"/tasks/{task_id}/extension", f"/tasks/{task_id}", {"new_deadline": "2027-06-30"}
    )
    assert 'id="reason-error"' in no_reason.text
    earlier = _post(
        client,
        f"/tasks/{task_id}/extension",
        f"/tasks/{task_id}",
        {"new_deadline": "2027-01-01", "reason": "x"},
    )
    assert earlier.status_code == 400
    done = _post(
        client,
        f"/tasks/{task_id}/extension",
        f"/tasks/{task_id}",
        {"new_deadline": "2027-06-30", "reason": "需等待省级配套文件"},
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "延期申请已提交" in page and "需等待省级配套文件" in page and "待审批" in page
    assert _count(web_world.engine, Extension) == 1
