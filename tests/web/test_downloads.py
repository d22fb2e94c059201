"""Downloads: report (docx), ledger export (xlsx), weekly report (docx), 督办通知单 (docx)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.integration.test_supervision_order import issue_order
from tests.web.test_dashboard import DAY


@pytest.fixture
def board_world(web_world):
    web_world.clock.at = DAY
    return web_world


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def _no_leftovers(world) -> bool:
    folder = world.config.settings.data_dir / "downloads"
    return not folder.exists() or not any(folder.iterdir())


def test_the_office_downloads_the_round_s_report_and_ledger(board_world):
    office = board_world.login("周主任")
    round_id = board_world.round.inspection_id
    board = office.get(f"/rounds/{round_id}").text
    assert f'href="/rounds/{round_id}/report.docx"' in board
    report = office.get(f"/rounds/{round_id}/report.docx")
    assert report.status_code == 200
    assert "attachment" in report.headers["content-disposition"]
    # 整改情况报告-轮次N-2026-12-25.docx, encoded for the browser
    assert (
        "%E6%95%B4%E6%94%B9%E6%83%85%E5%86%B5%E6%8A%A5%E5%91%8A"
        in (report.headers["content-disposition"])
    )
    text = _text(report.content)
    assert "关于省委第八巡视组反馈科技工作问题整改情况的报告" in text
    assert "(截至2026年12月25日)" in text
    ledger = office.get(f"/rounds/{round_id}/ledger.xlsx")
    assert ledger.status_code == 200
    sheet = load_workbook(io.BytesIO(ledger.content)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
    assert "建立科技项目资金拨付台账,逐项核查拨付进度" in cells
    whole = office.get("/ledger.xlsx")
    assert whole.status_code == 200 and whole.content[:2] == b"PK"
    assert _no_leftovers(board_world)


def test_the_office_downloads_the_weekly_report(board_world):
    office = board_world.login("周主任")
    assert 'href="/weekly.docx"' in office.get("/").text
    weekly = office.get("/weekly.docx")
    assert weekly.status_code == 200
    assert "整改工作周报" in _text(weekly.content)
    assert _no_leftovers(board_world)


@pytest.mark.parametrize("who", ["陈某", "钱某", "赵某", "王副局长"])
def test_reports_and_exports_are_the_office_s(board_world, who):
    client = board_world.login(who)
    round_id = board_world.round.inspection_id
    for url in (
        f"/rounds/{round_id}/report.docx",
        f"/rounds/{round_id}/ledger.xlsx",
        "/ledger.xlsx",
        "/weekly.docx",
    ):
        response = client.get(url)
        assert response.status_code == 403 and response.content[:2] != b"PK"
    if who == "王副局长":
        assert "/weekly.docx" not in client.get("/").text  # a read-only board offers none


def test_downloads_need_a_session(board_world):
    for url in (
        "/ledger.xlsx",
        "/weekly.docx",
        f"/rounds/{board_world.round.inspection_id}/report.docx",
    ):
        assert board_world.client().get(url).status_code == 303


@pytest.mark.parametrize(
    ("who", "status"),
    [("周主任", 200), ("赵某", 200), ("陈某", 404), ("钱某", 404), ("王副局长", 404)],
)
def test_a_supervision_order_is_for_readers_of_its_task(board_world, who, status):
    task_id = board_world.task_id("4.1")  # 局办公室's, 李局长 leads it
    issue_order(board_world.engine, task_id, 7, date(2026, 12, 31))
    response = board_world.login(who).get(f"/tasks/{task_id}/supervision-order.docx")
    assert response.status_code == status
    if status == 200:
        assert "督办〔2026〕7号" in _text(response.content)
    else:
        assert response.content[:2] != b"PK"


def test_a_task_without_a_supervision_order_says_so(board_world):
    response = board_world.login("周主任").get(
        f"/tasks/{board_world.task_id('1.1')}/supervision-order.docx"
    )
    assert response.status_code == 404 and "尚未下发督办通知单" in response.text
