"""报送周期 on the web: the office sets a round's and a task's reporting cadence on their edit
forms (the same ledger.corrections calls as `inspection edit --cadence` and `task edit
--cadence`), with a reason and a history row; a value models.cadence cannot read comes back
beside the field with what was typed; units and leaders are refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.tables import HistoryEntry, Inspection, Task
from tests.fixtures.web import form_token

ROUND_FORM = {
    "source_kind": "巡视",
    "body": "省委第八巡视组",
    "subject": "科技工作",
    "inspected_org": "县科技局",
    "feedback_date": "2026-10-15",
    "plan_doc_no": "县科发〔2026〕12号",
}


def _round_cadence(world) -> str | None:
    with transaction(world.engine) as session:
        return session.get(Inspection, world.round.inspection_id).report_cadence


def _task_cadence(world, code: str = "1.1") -> str | None:
    with transaction(world.engine) as session:
        return session.get(Task, world.task_id(code)).report_cadence


def _task_form(world, code: str = "1.1", **changes: str) -> dict[str, str]:
    with transaction(world.engine) as session:
        task = session.get(Task, world.task_id(code))
        data = {
            "measure": task.measure,
            "lead_unit": "县科技局",
            "co_units": "财务股" if code == "1.1" else "",
            "leader": task.leader,
            "person": task.person,
            "kind": task.kind,
            "deadline": task.deadline.isoformat() if task.deadline else "",
        }
    data.update(changes)
    return data


def _post_round(client, round_id: int, **data: str):
    token = form_token(client.get("/rounds").text)
    return client.post(f"/rounds/{round_id}", data={"csrf_token": token, **data})


def _post_task(client, task_id: int, **data: str):
    token = form_token(client.get(f"/tasks/{task_id}/edit").text)
    return client.post(f"/tasks/{task_id}/edit", data={"csrf_token": token, **data})


def _beside(html: str, field_id: str, message: str) -> bool:
    """The message is in the error paragraph that follows the field's own input."""
    after = html[html.index(f'id="{field_id}"') :]
    start = after.find('class="field-error"')
    return (
        start != -1
        and message in after[start : after.index("</p>", start)]
        and "<input" not in after[after.index(">") : start]
    )


def _cadence_history(world, entity: str) -> list[tuple[str | None, str | None, str]]:
    with transaction(world.engine) as session:
        return [
            (h.old_value, h.new_value, h.note)
            for h in session.exec(
                select(HistoryEntry)
                .where(HistoryEntry.entity == entity, HistoryEntry.field == "report_cadence")
                .order_by(HistoryEntry.id)
            )
        ]


def test_the_office_sets_a_round_s_cadence_with_a_reason_and_history_keeps_it(web_world):
    office = web_world.login("周主任")
    round_id = web_world.round.inspection_id
    page = office.get("/rounds").text
    assert 'name="report_cadence"' in page and "报送周期 不定期报送(默认)" in page

    done = _post_round(office, round_id, **ROUND_FORM, report_cadence="每周一", reason="一周一调度")
    assert done.status_code == 303 and done.headers["location"] == "/rounds?ok=round-edited"
    assert _round_cadence(web_world) == "weekly:1"
    assert _cadence_history(web_world, "inspection") == [(None, "weekly:1", "一周一调度")]
    page = office.get("/rounds").text
    assert "报送周期 每周一" in page and 'value="每周一"' in page
    # The round's tasks follow it, as their page says.
    task_page = office.get(f"/tasks/{web_world.task_id('1.1')}").text
    assert "每周一(随轮次)" in task_page

    # The same form sent again changes nothing; a blank goes back to the default.
    same = _post_round(office, round_id, **ROUND_FORM, report_cadence="每周一", reason="再存")
    assert same.status_code == 400 and "没有要更正的内容" in same.text
    back = _post_round(office, round_id, **ROUND_FORM, report_cadence="", reason="恢复默认")
    assert back.status_code == 303 and _round_cadence(web_world) is None
    assert [h[2] for h in _cadence_history(web_world, "inspection")] == ["一周一调度", "恢复默认"]


def test_a_round_registered_on_the_web_takes_its_cadence(web_world):
    office = web_world.login("周主任")
    token = form_token(office.get("/rounds").text)
    made = office.post(
        "/rounds",
        data={"csrf_token": token, "body": "县委第二巡察组", "report_cadence": "每月25日"},
    )
    assert made.status_code == 303
    with transaction(web_world.engine) as session:
        found = session.exec(select(Inspection).where(Inspection.body == "县委第二巡察组")).one()
    assert found.report_cadence == "monthly:25"


def test_a_round_cadence_that_cannot_be_read_is_shown_beside_its_field_with_the_value_kept(
    web_world,
):
    office = web_world.login("周主任")
    round_id = web_world.round.inspection_id
    bad = _post_round(office, round_id, **ROUND_FORM, report_cadence="每两周", reason="调整")
    assert bad.status_code == 400
    assert _beside(bad.text, f"r{round_id}-cadence", "报送周期“每两周”无法识别")
    assert 'value="每两周"' in bad.text and 'value="调整"' in bad.text
    out_of_range = _post_round(
        office, round_id, **ROUND_FORM, report_cadence="每月32日", reason="x"
    )
    assert out_of_range.status_code == 400
    assert _beside(out_of_range.text, f"r{round_id}-cadence", "日期应在1至31之间")
    token = form_token(office.get("/rounds").text)
    new = office.post("/rounds", data={"csrf_token": token, "body": "县委第三巡察组",
                                       "report_cadence": "隔周"})  # fmt: skip
    assert new.status_code == 400 and _beside(new.text, "cadence", "报送周期“隔周”无法识别")
    assert 'value="隔周"' in new.text
    assert _round_cadence(web_world) is None
    assert _cadence_history(web_world, "inspection") == []
    with transaction(web_world.engine) as session:
        assert len(session.exec(select(Inspection)).all()) == 1


def test_the_office_sets_a_task_s_own_cadence_and_the_task_page_shows_it(web_world):
    office = web_world.login("周主任")
    task_id = web_world.task_id("1.1")
    edit_page = office.get(f"/tasks/{task_id}/edit").text
    assert 'name="report_cadence"' in edit_page and "不填则随轮次:不定期报送(默认)" in edit_page

    done = _post_task(office, task_id, **_task_form(web_world), report_cadence="每月15日",
                      reason="按月报送")  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"/tasks/{task_id}?ok=edited"
    assert _task_cadence(web_world) == "monthly:15"
    assert _cadence_history(web_world, "task") == [(None, "monthly:15", "按月报送")]
    page = office.get(f"/tasks/{task_id}").text
    assert "每月15日(本任务)" in page and "报送周期:每月15日 按月报送" in page
    assert 'value="每月15日"' in office.get(f"/tasks/{task_id}/edit").text
    # The unit reads the cadence it reports on.
    assert "每月15日(本任务)" in web_world.login("陈某").get(f"/tasks/{task_id}").text

    # 不定期 is the task's own choice, even under a weekly round; a blank follows the round.
    _post_round(office, web_world.round.inspection_id, **ROUND_FORM, report_cadence="每周一",
                reason="一周一调度")  # fmt: skip
    own = _post_task(office, task_id, **_task_form(web_world), report_cadence="不定期",
                     reason="本项不定期")  # fmt: skip
    assert own.status_code == 303 and _task_cadence(web_world) == "none"
    assert "不定期报送(本任务)" in office.get(f"/tasks/{task_id}").text
    back = _post_task(office, task_id, **_task_form(web_world), report_cadence="",
                      reason="随轮次")  # fmt: skip
    assert back.status_code == 303 and _task_cadence(web_world) is None
    assert "每周一(随轮次)" in office.get(f"/tasks/{task_id}").text
    assert "不填则随轮次:每周一(随轮次)" in office.get(f"/tasks/{task_id}/edit").text


def test_a_task_cadence_that_cannot_be_read_is_shown_beside_its_field_with_the_value_kept(
    web_world,
):
    office = web_world.login("周主任")
    task_id = web_world.task_id("1.1")
    bad = _post_task(office, task_id, **_task_form(web_world, leader="李局长"),
                     report_cadence="每两周", reason="按方案")  # fmt: skip
    assert bad.status_code == 400
    assert _beside(bad.text, "report_cadence", "报送周期“每两周”无法识别")
    assert 'value="每两周"' in bad.text and 'value="李局长"' in bad.text
    assert 'value="按方案"' in bad.text
    weekday = _post_task(office, task_id, **_task_form(web_world), report_cadence="weekly:8",
                         reason="按方案")  # fmt: skip
    assert weekday.status_code == 400
    assert _beside(weekday.text, "report_cadence", "日期应在1至7之间")
    # Nothing of the refused form is kept: not the cadence, not the leader beside it.
    assert _task_cadence(web_world) is None
    assert _cadence_history(web_world, "task") == []
    with transaction(web_world.engine) as session:
        assert session.get(Task, task_id).leader == "王副局长"


@pytest.mark.parametrize(
    ("who", "status"),
    [("陈某", 403), ("钱某", 403), ("王副局长", 403), ("赵某", 404)],
)
def test_only_the_office_sets_a_cadence(web_world, who, status):
    """`status` is the edit page's: 404 for a unit the task is not in, 403 for its readers."""
    client = web_world.login(who)
    token = form_token(client.get("/").text)
    task_id = web_world.task_id("1.1")
    task = client.post(
        f"/tasks/{task_id}/edit",
        data={"csrf_token": token, **_task_form(web_world), "report_cadence": "每周一",
              "reason": "x"},
    )  # fmt: skip
    # Refused before the task is read (so 403 whether or not it exists for this reader).
    assert task.status_code == 403
    round_edit = client.post(
        f"/rounds/{web_world.round.inspection_id}",
        data={"csrf_token": token, **ROUND_FORM, "report_cadence": "每周一", "reason": "x"},
    )
    assert round_edit.status_code == 403
    assert client.get("/rounds").status_code == 403
    assert client.get(f"/tasks/{task_id}/edit").status_code == status
    assert (_task_cadence(web_world), _round_cadence(web_world)) == (None, None)
    assert _cadence_history(web_world, "task") == _cadence_history(web_world, "inspection") == []


def test_a_cadence_change_needs_the_form_token(web_world):
    office = web_world.login("周主任")
    task_id = web_world.task_id("1.1")
    forged = office.post(
        f"/tasks/{task_id}/edit",
        data={"csrf_token": "x", **_task_form(web_world), "report_cadence": "每周一",
              "reason": "x"},
    )  # fmt: skip
    assert forged.status_code == 403
    assert _task_cadence(web_world) is None
