"""The 回头看提醒 links each task to its page when RECTIFY_BASE_URL is set, as every other
notice does; the unit opens the link signed out, logs in and lands on the task. The 顺延事项
notice's plain text links its items too."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlmodel import col, select

from ledger import lifecycle
from ledger.uow import transaction
from models.outbox import Notice
from notifications.daily import plan_daily_check
from notifications.render import Renderer
from tests.builders import OFFICE
from tests.fixtures.web import PASSWORD, form_token

BASE = "https://zg.example.gov.cn/rectify"


def _close(world, code: str, day: date) -> int:
    task_id = world.task_id(code)
    with transaction(world.engine) as session:
        lifecycle.submit_for_closure(
            task_id,
            summary="服务日志制度已印发执行",
            no_evidence_reason="制度文件已在局门户网站公开",
            session=session,
            actor=OFFICE,
            now=datetime.combine(day, datetime.min.time(), UTC),
            evidence_store=world.config.settings.evidence_dir,
        )
    with transaction(world.engine) as session:
        lifecycle.verify_closure(
            task_id,
            session=session,
            actor=OFFICE,
            now=datetime.combine(day, datetime.min.time(), UTC).replace(hour=8),
        )
    return task_id


def _followups(world, base_url: str | None) -> dict[str, Notice]:
    settings = dataclasses.replace(world.config.settings, base_url=base_url)
    # 2.2 closed on 2026-11-09: its 回头看 falls due six months later (2027-05-09, a Sunday).
    plan_daily_check(
        world.engine,
        settings,
        as_of=date(2027, 5, 10),
        now=datetime(2027, 5, 10, 1, 0, tzinfo=UTC),
    )
    with transaction(world.engine) as session:
        notices = session.exec(
            select(Notice).where(Notice.kind == "followup").order_by(col(Notice.id))
        ).all()
        for n in notices:
            session.expunge(n)
    return {n.recipient: n for n in notices}


def test_the_followup_notice_links_each_task_to_its_page(web_world):
    task_id = _close(web_world, "2.2", date(2026, 11, 9))
    notices = _followups(web_world, BASE)
    assert set(notices) == {"县科技局", "office"}
    link = f"{BASE}/tasks/{task_id}"
    for notice in notices.values():
        assert f"办理:{link}" in notice.body_text
        assert f'<a href="{link}">2.2</a>' in notice.body_html
        assert f"]({link})" in notice.body_md  # [2\\.2](…): the code escaped for Markdown

    # The unit follows it signed out: the login, then back to the task.
    path = re.sub(f"^{re.escape(BASE)}", "", link)
    client = web_world.client()
    to_login = client.get(path)
    assert to_login.status_code == 303
    login_page = client.get(to_login.headers["location"])
    signed_in = client.post(
        "/login",
        data={
            "username": "陈某",
            "password": PASSWORD,
            "csrf_token": form_token(login_page.text),
            "next": path,
        },
    )
    assert signed_in.headers["location"] == path
    assert "建立科技特派员服务日志制度" in client.get(path).text


def test_without_a_base_url_the_followup_notice_names_the_task_without_a_link(web_world):
    _close(web_world, "2.2", date(2026, 11, 9))
    notices = _followups(web_world, None)
    assert set(notices) == {"县科技局", "office"}
    for notice in notices.values():
        assert "2.2" in notice.body_text and "/tasks/" not in notice.body_text
        assert "<a href" not in notice.body_html and "](" not in notice.body_md


def _folded(base_url: str | None):
    item = {
        "id": 7,
        "code": "1.5",
        "measure": "开展资金使用专项检查",
        "units": "财务处",
        "deadline": date(2026, 11, 11),
        "held_on": date(2026, 10, 28),
        "timing": "剩余10个工作日",
        "level_label": "提醒",
    }
    return Renderer().render(
        "folded",
        {
            "names": ["财务处"],
            "recipient": "财务处",
            "as_of": date(2026, 10, 29),
            "folded": [SimpleNamespace(**item)],
            "folded_only": True,
            "total": 1,
            "office_name": "整改办",
            "base_url": base_url,
        },
    )


def test_the_folded_notice_links_each_item_in_its_text_too():
    # Its HTML and Markdown linked the task already; the plain text (email, SMS) did not.
    linked = _folded(BASE)
    assert f"办理:{BASE}/tasks/7" in linked.text
    assert f'href="{BASE}/tasks/7"' in linked.html and f"]({BASE}/tasks/7)" in linked.md
    plain = _folded(None)
    assert "任务1.5:开展资金使用专项检查" in plain.text and "/tasks/" not in plain.text
