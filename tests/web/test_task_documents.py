"""A task page's office tools and documents: 一键催办 from the task, the 督办通知单 and the
销号审批表 links, and the round page's 整改档案 (the same bytes as `rectify archive`)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from docx import Document
from sqlmodel import select

from ledger import lifecycle
from ledger.uow import transaction
from models.outbox import Notice
from tests.builders import OFFICE
from tests.fixtures.web import form_token
from tests.integration.test_supervision_order import issue_order
from tests.web.test_dashboard import DAY

ROLES = ["周主任", "陈某", "钱某", "赵某", "王副局长"]


@pytest.fixture
def board_world(web_world):
    web_world.clock.at = DAY
    return web_world


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _urge_notices(world) -> list[str]:
    with transaction(world.engine) as session:
        return list(session.exec(select(Notice.recipient).where(Notice.kind == "urge")).all())


def _urge(client, task_id: int):
    token = form_token(client.get(f"/tasks/{task_id}").text)
    return client.post(f"/tasks/{task_id}/urge", data={"csrf_token": token})


def close_task(world, code: str, evidence_dir) -> int:
    """Progress with a file, 申请销号, 销号: through the services, as the office would."""
    task_id = world.task_id(code)
    evidence_dir.mkdir(parents=True, exist_ok=True)
    proof = evidence_dir / "拨付台账.pdf"
    proof.write_bytes(b"%PDF-1.4 proof of the ledger\n")
    store = world.config.settings.evidence_dir
    day = DAY - timedelta(days=3)
    with transaction(world.engine) as session:
        lifecycle.report_progress(
            task_id,
            text="已建立拨付台账",
            evidence=[proof],
            session=session,
            actor=OFFICE,
            now=day,
            evidence_store=store,
        )
    with transaction(world.engine) as session:
        lifecycle.submit_for_closure(
            task_id,
            summary="台账已建立,逐项核查完毕",
            no_evidence_reason="见进展所附台账",
            open_parts_reason="配合单位的部分由牵头单位统筹",  # a co-unit's part may be open
            session=session,
            actor=OFFICE,
            now=day + timedelta(hours=1),
            evidence_store=store,
        )
    with transaction(world.engine) as session:
        lifecycle.verify_closure(
            task_id, note="核验属实", session=session, actor=OFFICE, now=day + timedelta(days=1)
        )
    return task_id


# 一键催办 from a task page


def test_the_office_urges_a_red_task_s_lead_unit_from_its_page_once_a_day(board_world):
    office = board_world.login("周主任")
    task_id = board_world.task_id("4.1")  # 局办公室's, 5 days overdue
    page = office.get(f"/tasks/{task_id}").text
    assert "一键催办“局办公室”" in page
    sent = _urge(office, task_id)
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/tasks/{task_id}?urged=")
    assert "已向“局办公室”发出催办通知" in office.get(sent.headers["location"]).text
    assert _urge_notices(board_world) == ["局办公室"]
    again = _urge(office, task_id)
    assert "“局办公室”今日已催办过,未重复发送" in office.get(again.headers["location"]).text
    # The board's button and the task's share the rule: still one 催办 today.
    assert _urge_notices(board_world) == ["局办公室"]
    history = office.get(f"/tasks/{task_id}").text
    assert "整改办一键催办“局办公室”" in history


def test_a_task_on_time_offers_no_urge(board_world):
    office = board_world.login("周主任")
    assert "一键催办" not in office.get(f"/tasks/{board_world.task_id('1.1')}").text


@pytest.mark.parametrize("who", ["赵某", "王副局长"])
def test_only_the_office_urges_from_a_task_page(board_world, who):
    client = board_world.login(who)
    task_id = board_world.task_id("4.1")
    token = form_token(client.get("/").text)
    assert "一键催办" not in client.get(f"/tasks/{task_id}").text
    response = client.post(f"/tasks/{task_id}/urge", data={"csrf_token": token})
    assert response.status_code == 403
    assert _urge_notices(board_world) == []


def test_an_urge_without_the_form_token_or_a_session_is_refused(board_world):
    task_id = board_world.task_id("4.1")
    office = board_world.login("周主任")
    response = office.post(f"/tasks/{task_id}/urge", data={"csrf_token": "forged"})
    assert response.status_code == 403 and "表单已失效" in response.text
    anonymous = board_world.client().post(f"/tasks/{task_id}/urge", data={"csrf_token": "x"})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert _urge_notices(board_world) == []


# 督办通知单 and 销号审批表 from the task page


def test_the_task_page_links_its_supervision_order_once_one_was_issued(board_world):
    task_id = board_world.task_id("4.1")
    link = f'href="/tasks/{task_id}/supervision-order.docx"'
    reader = board_world.login("赵某")
    assert link not in reader.get(f"/tasks/{task_id}").text
    issue_order(board_world.engine, task_id, 7, date(2026, 12, 20))
    page = reader.get(f"/tasks/{task_id}").text
    assert link in page and "下载督办通知单" in page
    assert "督办〔2026〕7号" in _text(
        reader.get(f"/tasks/{task_id}/supervision-order.docx").content
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("周主任", 200), ("陈某", 200), ("钱某", 200), ("王副局长", 200), ("赵某", 404)],
)
def test_a_closed_task_s_closure_form_is_for_readers_of_the_task(
    board_world, tmp_path, who, status
):
    task_id = close_task(board_world, "1.1", tmp_path / "uploads")
    client = board_world.login(who)
    page = client.get(f"/tasks/{task_id}")
    response = client.get(f"/tasks/{task_id}/closure-form.docx")
    assert response.status_code == status
    if status == 200:
        assert f'href="/tasks/{task_id}/closure-form.docx"' in page.text
        text = _text(response.content)
        assert "台账已建立,逐项核查完毕" in text and "拨付台账.pdf" in text
        assert "核验属实" in text
    else:
        assert page.status_code == 404 and response.content[:2] != b"PK"
        assert "台账已建立" not in response.text


def test_an_open_task_offers_no_closure_form(board_world):
    page = board_world.login("周主任").get(f"/tasks/{board_world.task_id('1.2')}").text
    assert "closure-form.docx" not in page


# 整改档案 from the round page


def test_the_round_s_archive_downloads_as_the_same_bytes_as_rectify_archive(
    board_world, tmp_path, cli
):
    close_task(board_world, "1.1", tmp_path / "uploads")
    round_id = board_world.round.inspection_id
    office = board_world.login("周主任")
    assert f'href="/rounds/{round_id}/archive.zip"' in office.get(f"/rounds/{round_id}").text
    response = office.get(f"/rounds/{round_id}/archive.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(n.endswith("拨付台账.pdf") for n in names)
    assert any("销号审批表" in n for n in names)

    cli("archive", str(round_id), "--as-of", DAY.date().isoformat(), "-o", "cli.zip", user="周主任")
    assert (tmp_path / "cli.zip").read_bytes() == response.content
    downloads = board_world.config.settings.data_dir / "downloads"
    assert not any(downloads.iterdir())  # the file went once it was sent


@pytest.mark.parametrize("who", ["陈某", "钱某", "赵某", "王副局长"])
def test_the_archive_is_the_office_s(board_world, who):
    round_id = board_world.round.inspection_id
    client = board_world.login(who)
    assert "archive.zip" not in client.get(f"/rounds/{round_id}").text
    response = client.get(f"/rounds/{round_id}/archive.zip")
    assert response.status_code == 403 and response.content[:2] != b"PK"


def test_the_archive_needs_a_session_and_a_round_that_exists(board_world):
    round_id = board_world.round.inspection_id
    assert board_world.client().get(f"/rounds/{round_id}/archive.zip").status_code == 303
    missing = board_world.login("周主任").get(f"/rounds/{round_id + 99}/archive.zip")
    assert missing.status_code == 404
