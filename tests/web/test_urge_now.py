"""一键催办 from the board: a 催办 through the outbox, once per unit a day, in history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.outbox import Notice
from models.tables import HistoryEntry, Task
from tests.fixtures.web import form_token
from tests.web.test_dashboard import DAY


@pytest.fixture
def board_world(web_world):
    web_world.clock.at = DAY
    return web_world


def _unit_of(world, code: str) -> int:
    with transaction(world.engine) as session:
        return session.get(Task, world.task_id(code)).lead_unit_id


def _notices(world) -> list[Notice]:
    with transaction(world.engine) as session:
        # Registering the round also wrote 新任务交办 decision notices: count only the rest.
        found = [
            n
            for n in session.exec(select(Notice).order_by(Notice.id)).all()
            if n.kind not in ("assign", "adjust")
        ]
        for n in found:
            session.expunge(n)
        return found


def _urge(client, unit_id: int, back: str = "/"):
    token = form_token(client.get("/").text)
    return client.post(f"/units/{unit_id}/urge?back={back}", data={"csrf_token": token})


def test_the_office_urges_a_red_unit_once_a_day(board_world):
    office = board_world.login("周主任")
    board = office.get("/").text
    assert board.count("一键催办") >= 2  # the red units' rows and the red list
    unit_id = _unit_of(board_world, "4.1")  # 局办公室: 4.1 is 5 days overdue
    sent = _urge(office, unit_id)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/?urged=")
    assert "已向“局办公室”发出催办通知" in office.get(sent.headers["location"]).text
    [notice] = _notices(board_world)
    assert (notice.kind, notice.recipient, notice.status) == ("urge", "局办公室", "pending")
    assert notice.task_ids == [board_world.task_id("4.1")]
    assert notice.title == "【催办通知】1项整改任务已逾期未完成"
    assert "对2024年以来干部选拔任用情况开展自查" in notice.body_text

    again = _urge(office, unit_id)
    assert "今日已催办过,未重复发送" in office.get(again.headers["location"]).text
    assert len(_notices(board_world)) == 1

    board_world.clock.at = DAY + timedelta(days=1)
    _urge(board_world.login("周主任"), unit_id)  # the next day (a new session too)
    assert len(_notices(board_world)) == 2


def test_the_urge_is_in_the_task_s_history(board_world):
    office = board_world.login("周主任")
    _urge(office, _unit_of(board_world, "4.1"))
    with transaction(board_world.engine) as session:
        actions = session.exec(
            select(HistoryEntry.action).where(HistoryEntry.task_id == board_world.task_id("4.1"))
        ).all()
    assert "urge_now" in actions
    page = office.get(f"/tasks/{board_world.task_id('4.1')}").text
    assert "一键催办" in page and "整改办一键催办“局办公室”" in page


def test_a_round_board_urges_and_comes_back_to_the_round(board_world):
    office = board_world.login("周主任")
    back = f"/rounds/{board_world.round.inspection_id}"
    sent = _urge(office, _unit_of(board_world, "2.2"), back=back)
    assert sent.headers["location"].startswith(back + "?urged=")
    elsewhere = _urge(office, _unit_of(board_world, "4.1"), back="//evil.example/")
    assert elsewhere.headers["location"].startswith("/?urged=")


def test_a_unit_without_overdue_tasks_is_not_urged(board_world):
    board_world.clock.at = DAY - timedelta(days=60)  # before any deadline but 立行立改's
    office = board_world.login("周主任")
    response = _urge(office, _unit_of(board_world, "4.1"))
    assert response.status_code == 400 and "没有逾期未销号的" in response.text
    assert _notices(board_world) == []


@pytest.mark.parametrize("who", ["陈某", "钱某", "赵某", "王副局长"])
def test_only_the_office_urges(board_world, who):
    client = board_world.login(who)
    response = _urge(client, _unit_of(board_world, "4.1"))
    assert response.status_code == 403 and _notices(board_world) == []


def test_urging_needs_a_session_and_the_form_token(board_world):
    unit_id = _unit_of(board_world, "4.1")
    anonymous = board_world.client().post(f"/units/{unit_id}/urge", data={"csrf_token": "x"})
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    office = board_world.login("周主任")
    assert office.post(f"/units/{unit_id}/urge", data={"csrf_token": "x"}).status_code == 403
    assert _notices(board_world) == []
