"""挂图作战 at `/`: the office's board, a leader's board of their remit, a unit's 我的任务."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from ledger import lifecycle
from ledger.actors import Actor
from ledger.context import TZ
from ledger.uow import transaction
from models.enums import Role
from models.tables import Task, Unit
from tests.builders import OFFICE

# 2026-12-25: 1.1 (due 12-31) is yellow; 4.1 (due 12-20) and 2.2 (立行立改) are red.
DAY = datetime(2026, 12, 25, 10, 0, tzinfo=TZ)


@pytest.fixture
def board_world(web_world):
    web_world.clock.at = DAY
    return web_world


def _totals(page: str) -> dict[str, str]:
    """The five numbers of the board's head, by their label."""
    head = page.split('aria-label="总体"', 1)[1].split("</section>", 1)[0]
    found = re.findall(r'<span class="n">([^<]+)</span><span>([^<]+)</span>', head)
    return {label: value for value, label in found}


def _close(world, code: str) -> None:
    task_id = world.task_id(code)
    store = world.config.settings.evidence_dir
    with transaction(world.engine) as session:
        lead = session.get(Unit, session.get(Task, task_id).lead_unit_id)
        unit = Actor(name="陈某", role=Role.unit, unit_id=lead.id)
        lifecycle.submit_for_closure(
            task_id,
            summary="已完成",
            no_evidence_reason="制度文件已在网上公开",
            session=session,
            actor=unit,
            now=DAY,
            evidence_store=store,
        )
        lifecycle.verify_closure(task_id, session=session, actor=OFFICE, now=DAY)


@pytest.mark.parametrize(
    ("who", "status", "sees"),
    [
        ("周主任", 200, "挂图作战"),
        ("王副局长", 200, "挂图作战"),
        ("陈某", 200, "我的任务"),
        ("钱某", 200, "我的任务"),
        ("赵某", 200, "我的任务"),
        ("anonymous", 303, ""),
    ],
)
def test_the_first_page_by_role(board_world, who, status, sees):
    client = board_world.client() if who == "anonymous" else board_world.login(who)
    response = client.get("/")
    assert response.status_code == status
    if status == 303:
        assert response.headers["location"] == "/login"
    else:
        assert f"<h1>{sees}</h1>" in response.text


def test_the_office_board_counts_every_round_and_unit(board_world):
    page = board_world.login("周主任").get("/").text
    assert _totals(page) == {
        "应整改": "7",
        "已销号": "0",
        "完成率": "0.00%",
        "红灯": "2",
        "黄灯": "1",
    }
    assert "省委第八巡视组" in page
    assert "县科技局" in page and "局办公室" in page
    # The red list: longest overdue first, each a link to the task.
    red = page.split("红灯清单", 1)[1]
    assert f'href="/tasks/{board_world.task_id("4.1")}"' in red
    assert "对2024年以来干部选拔任用情况开展自查" in red
    assert "已逾期 5 天" in red
    assert "<svg" in page and 'class="bar"' in page
    assert "<script" not in page


def test_the_completion_rate_moves_after_a_closure(board_world):
    client = board_world.login("周主任")
    _close(board_world, "1.2")
    page = client.get("/").text
    assert _totals(page)["已销号"] == "1"
    assert _totals(page)["完成率"] == "14.29%"
    assert "新销号 1 项" in page and "完成率 +14.29 个百分点" in page


def test_a_leader_sees_only_the_board_of_their_remit_read_only(board_world):
    page = board_world.login("王副局长").get("/").text
    assert _totals(page) == {
        "应整改": "2",
        "已销号": "0",
        "完成率": "0.00%",
        "红灯": "0",
        "黄灯": "1",
    }
    assert "只读" in page
    assert "局办公室" not in page  # 李局长's tasks are not in 王副局长's remit
    assert "对2024年以来干部选拔任用情况开展自查" not in page
    assert "<form" not in page.split("</header>", 1)[1]  # nothing to act on


def test_a_round_board_lists_its_units(board_world):
    client = board_world.login("周主任")
    round_id = board_world.round.inspection_id
    page = client.get(f"/rounds/{round_id}").text
    assert "各牵头单位进度" in page and "县科技局" in page
    assert _totals(page)["应整改"] == "7"
    missing = client.get("/rounds/99999")
    assert missing.status_code == 404 and "整改轮次 99999 不存在" in missing.text
    assert board_world.client().get(f"/rounds/{round_id}").status_code == 303


def test_a_unit_name_or_measure_with_script_is_escaped_on_the_board(board_world):
    with transaction(board_world.engine) as session:
        task = session.get(Task, board_world.task_id("4.1"))
        task.measure = "<script>alert(1)</script>自查"
        unit = session.get(Unit, task.lead_unit_id)
        unit.name = "<b>局办公室</b>"
        session.add_all([task, unit])
    page = board_world.login("周主任").get("/").text
    assert "<script>alert" not in page and "<b>局办公室" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;自查" in page
    assert "&lt;b&gt;局办公室&lt;/b&gt;" in page


def test_the_office_task_list_moves_to_tasks_and_filters_there(board_world):
    client = board_world.login("周主任")
    page = client.get("/tasks", params={"light": "red"}).text
    assert "<h1>任务</h1>" in page and 'action="/tasks"' in page
    assert "对2024年以来干部选拔任用情况开展自查" in page
    assert "修订科技特派员考核办法" not in page
    unit_page = board_world.login("陈某").get("/", params={"q": "特派员"}).text
    assert 'action="/"' in unit_page and "修订科技特派员考核办法" in unit_page


def test_a_filtered_first_page_is_still_the_task_list_for_the_office(board_world):
    page = board_world.login("周主任").get("/", params={"light": "red"}).text
    assert "<h1>任务</h1>" in page and "对2024年以来干部选拔任用情况开展自查" in page
