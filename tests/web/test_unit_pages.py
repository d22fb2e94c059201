"""我的任务 and the task page, for every kind of reader; evidence only for those who may read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from ledger import lifecycle
from ledger.actors import Actor
from ledger.uow import transaction
from models.enums import Role
from models.tables import Evidence, Task
from tests.builders import NOW


def _reader(web_world, who):
    return web_world.client() if who == "anonymous" else web_world.login(who)


# Task 1.1: lead 县科技局 (陈某), co-unit 财务股 (钱某), leader 王副局长. 赵某 is of 局办公室.
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("周主任", 200),
        ("陈某", 200),
        ("钱某", 200),
        ("赵某", 404),
        ("王副局长", 200),
        ("anonymous", 303),
    ],
)
def test_the_task_page_by_role(web_world, who, status):
    response = _reader(web_world, who).get(f"/tasks/{web_world.task_id('1.1')}")
    assert response.status_code == status
    if status == 200:
        assert "建立科技项目资金拨付台账,逐项核查拨付进度" in response.text
        assert "县科技局" in response.text and "财务股" in response.text
    if status == 404:
        assert "不存在,或不在您的查看范围内" in response.text
        assert "建立科技项目资金拨付台账" not in response.text


def test_a_leader_sees_only_the_tasks_of_their_remit(web_world):
    client = web_world.login("王副局长")
    assert client.get(f"/tasks/{web_world.task_id('3.1')}").status_code == 404
    listing = client.get("/tasks").text
    assert "建立科技项目资金拨付台账" in listing
    assert "每季度专题研究意识形态工作" not in listing


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_task_that_does_not_exist_is_404_in_chinese(web_world):
    response = web_world.login("周主任").get("/tasks/99999")
    assert response.status_code == 404 and "任务 99999 不存在" in response.text


def test_my_tasks_lists_lead_and_co_unit_tasks_only(web_world):
    co_unit = web_world.login("钱某").get("/").text
    assert "建立科技项目资金拨付台账" in co_unit
    assert "对滞后项目逐一约谈承担单位" not in co_unit  # 1.2 has no co-unit
    lead = web_world.login("陈某").get("/").text
    assert "对滞后项目逐一约谈承担单位" in lead
    assert "每季度专题研究意识形态工作" not in lead  # 局办公室's
    assert "共 4 项" in lead


def test_my_tasks_filters_by_status_light_and_words(web_world):
    client = web_world.login("陈某")
    found = client.get("/", params={"q": "特派员"}).text
    assert "修订科技特派员考核办法" in found and "建立科技项目资金拨付台账" not in found
    red = client.get("/", params={"light": "red"}).text
    assert "建立科技特派员服务日志制度" in red  # 立行立改, overdue
    assert "修订科技特派员考核办法" not in red
    none = client.get("/", params={"status": "closed"}).text
    assert "没有符合条件的任务" in none
    # An unknown filter value is no filter, never an error page.
    assert client.get("/", params={"status": "bogus"}).status_code == 200


def test_script_in_a_measure_or_unit_name_is_shown_escaped(web_world):
    task_id = web_world.task_id("1.1")
    with transaction(web_world.engine) as session:
        task = session.get(Task, task_id)
        task.measure = "<script>alert('x')</script>核查"
        session.add(task)
    client = web_world.login("陈某")
    for page in (client.get(f"/tasks/{task_id}").text, client.get("/").text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;核查" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_pages_forbid_inline_scripts_and_framing_by_other_sites(web_world):
    response = web_world.login("陈某").get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert "<script" not in response.text


def _report_with_file(web_world, tmp_path: Path) -> int:
    source = tmp_path / "台账.pdf"
    source.write_bytes(b"%PDF-1.4 evidence")
    with transaction(web_world.engine) as session:
        lifecycle.report_progress(
            web_world.task_id("1.1"),
            text="已建立台账",
            evidence=[source],
            session=session,
            actor=Actor(name="陈某", role=Role.unit, unit_id=_unit_of(session, "1.1")),
            now=NOW,
            evidence_store=web_world.config.settings.evidence_dir,
        )
        return session.exec(select(Evidence.id)).one()


def _unit_of(session, code):
    return session.exec(select(Task.lead_unit_id).where(Task.code == code)).first()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("周主任", 200),
        ("陈某", 200),
        ("钱某", 200),
        ("赵某", 404),
        ("王副局长", 200),
        ("anonymous", 303),
    ],
)
def test_evidence_downloads_only_for_readers_of_the_task(web_world, tmp_path, who, status):
    evidence_id = _report_with_file(web_world, tmp_path)
    response = _reader(web_world, who).get(f"/evidence/{evidence_id}")
    assert response.status_code == status
    if status == 200:
        assert response.content == b"%PDF-1.4 evidence"
        assert "attachment" in response.headers["content-disposition"]
    if status == 404:
        assert b"%PDF" not in response.content


def test_the_task_page_lists_reports_with_their_files_and_history_in_chinese(web_world, tmp_path):
    _report_with_file(web_world, tmp_path)
    page = web_world.login("钱某").get(f"/tasks/{web_world.task_id('1.1')}").text
    assert "已建立台账" in page and "台账.pdf" in page
    assert "填报进展" in page and "待整改 → 整改中" in page
