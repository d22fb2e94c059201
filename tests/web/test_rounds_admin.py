"""`/rounds` and `/units`: the office registers and edits rounds and units."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.tables import HistoryEntry, Inspection, Unit
from tests.fixtures.web import form_token


def _post(client, url: str, **data):
    token = form_token(client.get("/rounds").text)
    return client.post(url, data={"csrf_token": token, **data})


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("周主任", 200),
        ("陈某", 403),
        ("钱某", 403),
        ("赵某", 403),
        ("王副局长", 403),
        ("anonymous", 303),
    ],
)
def test_the_rounds_page_is_the_office_s(web_world, who, status):
    client = web_world.client() if who == "anonymous" else web_world.login(who)
    response = client.get("/rounds")
    assert response.status_code == status
    if status == 200:
        assert "省委第八巡视组反馈科技工作问题整改" in response.text
        assert "县科技局" in response.text and "牵头任务 4 项" in response.text


def test_the_office_registers_a_round_and_lands_on_its_board(web_world):
    office = web_world.login("周主任")
    made = _post(
        office,
        "/rounds",
        source_kind="巡察",
        body="县委第二巡察组",
        subject="党建工作",
        feedback_date="2026年11月20日",
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/rounds/")
    board = office.get(made.headers["location"])
    assert board.status_code == 200 and "县委第二巡察组反馈党建工作问题整改" in board.text
    with transaction(web_world.engine) as session:
        found = session.exec(select(Inspection).where(Inspection.body == "县委第二巡察组")).one()
        assert found.feedback_date == date(2026, 11, 20) and found.source_kind == "巡察"


def test_bad_round_input_is_shown_beside_its_field_and_nothing_is_added(web_world):
    office = web_world.login("周主任")
    no_body = _post(office, "/rounds", body=" ", subject="x")
    assert no_body.status_code == 400 and 'id="body-error"' in no_body.text
    bad_day = _post(office, "/rounds", body="县委第二巡察组", feedback_date="明年")
    assert bad_day.status_code == 400 and 'id="feedback_date-error"' in bad_day.text
    assert "“明年”不是有效日期" in bad_day.text and 'value="县委第二巡察组"' in bad_day.text
    with transaction(web_world.engine) as session:
        assert len(session.exec(select(Inspection)).all()) == 1


def test_the_office_edits_a_round_and_history_keeps_each_field(web_world):
    office = web_world.login("周主任")
    round_id = web_world.round.inspection_id
    done = _post(
        office,
        f"/rounds/{round_id}",
        source_kind="巡视",
        body="省委第八巡视组",
        subject="科技工作",
        inspected_org="县科技局",
        feedback_date="2026-10-16",
        plan_doc_no="县科发〔2026〕13号",
        reason="按整改方案正式文本更正",
    )
    assert done.status_code == 303
    with transaction(web_world.engine) as session:
        changed = session.exec(
            select(HistoryEntry.field, HistoryEntry.old_value, HistoryEntry.new_value).where(
                HistoryEntry.entity == "inspection", HistoryEntry.action == "edit"
            )
        ).all()
    assert set(changed) == {
        ("feedback_date", "2026-10-15", "2026-10-16"),
        ("plan_doc_no", "县科发〔2026〕12号", "县科发〔2026〕13号"),
    }


def test_a_round_correction_needs_a_reason(web_world):
    office = web_world.login("周主任")
    round_id = web_world.round.inspection_id
    refused = _post(office, f"/rounds/{round_id}", body="省委第九巡视组", subject="科技工作")
    assert refused.status_code == 400 and "理由" in refused.text
    with transaction(web_world.engine) as session:
        assert session.get(Inspection, round_id).body == "省委第八巡视组"


def test_the_office_adds_and_renames_a_unit(web_world):
    office = web_world.login("周主任")
    assert _post(office, "/units", name="县人社局二科").status_code == 303
    taken = _post(office, "/units", name="县科技局")
    assert taken.status_code == 400 and "已登记" in taken.text
    with transaction(web_world.engine) as session:
        unit_id = session.exec(select(Unit.id).where(Unit.name == "县科技局")).one()
    assert _post(office, f"/units/{unit_id}", name="县科学技术局").status_code == 303
    page = web_world.login("陈某").get("/").text
    assert "县科学技术局" in page  # tasks and users follow the unit
    clash = _post(office, f"/units/{unit_id}", name="局办公室")
    assert clash.status_code == 400 and "已登记" in clash.text


def test_round_and_unit_changes_need_the_office_and_the_form_token(web_world):
    round_id = web_world.round.inspection_id
    office = web_world.login("周主任")
    assert office.post("/rounds", data={"body": "x"}).status_code == 403
    assert office.post("/units", data={"name": "x"}).status_code == 403
    leader = web_world.login("王副局长")
    token = form_token(leader.get("/").text)
    for url, data in [
        ("/rounds", {"body": "x"}),
        (f"/rounds/{round_id}", {"body": "x"}),
        ("/units", {"name": "x"}),
        ("/units/1", {"name": "x"}),
    ]:
        assert leader.post(url, data={"csrf_token": token, **data}).status_code == 403
    with transaction(web_world.engine) as session:
        assert session.exec(select(Unit).where(Unit.name == "x")).first() is None
        assert session.get(Inspection, round_id).body == "省委第八巡视组"


def test_round_and_unit_names_with_script_are_escaped(web_world):
    office = web_world.login("周主任")
    _post(office, "/units", name="<script>u</script>")
    _post(office, "/rounds", body="<script>r</script>组")
    page = office.get("/rounds").text
    assert "<script>u" not in page and "<script>r" not in page
    assert "&lt;script&gt;u&lt;/script&gt;" in page
