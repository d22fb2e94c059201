"""A form refused after the page was loaded, when the task no longer offers it (its deadline
passed, or the closure was asked meanwhile from another desk): the page still says why."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from ledger.context import TZ
from ledger.uow import transaction
from models.tables import Extension, ProgressReport
from tests.fixtures.web import form_token


def test_an_extension_asked_after_the_deadline_is_refused_with_the_reason_shown(web_world):
    task = web_world.task_id("2.2")  # 立行立改, due 2026-11-09
    web_world.clock.at = datetime(2026, 11, 9, 23, 50, tzinfo=TZ)
    unit = web_world.login("陈某")
    page = unit.get(f"/tasks/{task}").text
    assert 'id="extension"' in page  # still offered on the deadline day
    web_world.clock.at = datetime(2026, 11, 10, 0, 5, tzinfo=TZ)  # sent after midnight
    refused = unit.post(
        f"/tasks/{task}/extension",
        data={"csrf_token": form_token(page), "new_deadline": "2026-12-31", "reason": "需协调"},
    )
    assert refused.status_code == 400
    assert 'id="extension"' not in refused.text  # no longer offered
    alert = refused.text[refused.text.index('id="refused"') :]
    assert "整改时限 2026-11-09 已过,不能再申请延期" in alert[: alert.index("</section>")]
    with transaction(web_world.engine) as session:
        assert session.exec(select(Extension)).first() is None


def test_a_closure_asked_twice_from_two_desks_tells_the_second_why(web_world):
    task = web_world.task_id("1.2")
    desk, phone = web_world.login("陈某"), web_world.login("陈某")
    forms = [c.get(f"/tasks/{task}").text for c in (desk, phone)]
    data = {"summary": "已约谈", "no_evidence_reason": "约谈记录在案"}
    first = desk.post(f"/tasks/{task}/submit", data={"csrf_token": form_token(forms[0]), **data})
    assert first.status_code == 303
    second = phone.post(f"/tasks/{task}/submit", data={"csrf_token": form_token(forms[1]), **data})
    assert second.status_code == 400
    assert 'id="refused"' in second.text and "未能提交" in second.text
    with transaction(web_world.engine) as session:
        submits = session.exec(select(ProgressReport).where(ProgressReport.task_id == task)).all()
    assert len(submits) == 1


def test_a_refusal_beside_its_form_is_not_repeated_below(web_world):
    task = web_world.task_id("1.1")
    unit = web_world.login("陈某")
    page = unit.get(f"/tasks/{task}").text
    refused = unit.post(f"/tasks/{task}/progress", data={"csrf_token": form_token(page)})
    assert refused.status_code == 400 and 'id="text-error"' in refused.text
    assert 'id="refused"' not in refused.text
