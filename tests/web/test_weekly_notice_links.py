"""The 整改周报 links each task it names (the red list, 未按时报送) to its page when
RECTIFY_BASE_URL is set, in the text, HTML and Markdown, as the other notices do."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from ledger import corrections
from ledger.uow import transaction
from notifications.weekly import plan_weekly_summary
from tests.builders import NOW, OFFICE

BASE = "https://zg.example.gov.cn/rectify"
AS_OF = date(2026, 12, 2)  # a Wednesday: 2.2 (due 2026-11-09) is long overdue


def _weekly(world, base_url: str | None):
    settings = dataclasses.replace(world.config.settings, base_url=base_url)
    plan = plan_weekly_summary(
        world.engine, settings, as_of=AS_OF, now=datetime(2026, 12, 2, 1, tzinfo=UTC),
        dry_run=True,
    )  # fmt: skip
    assert plan.rendered is not None
    return plan.rendered


def test_the_weekly_links_its_red_tasks_and_those_reported_late(web_world):
    with transaction(web_world.engine) as session:  # a cadence, so 2.1 is reported late
        corrections.edit_inspection(
            web_world.round.inspection_id,
            corrections.InspectionEdit(report_cadence="每周一"),
            reason="一周一调度",
            session=session,
            actor=OFFICE,
            now=NOW,
        )
    weekly = _weekly(web_world, BASE)
    red = f"{BASE}/tasks/{web_world.task_id('2.2')}"
    assert f"查看:{red}" in weekly.text
    assert f'<a href="{red}">2.2</a>' in weekly.html and f"]({red})" in weekly.md
    late = f"{BASE}/tasks/{web_world.task_id('2.1')}"
    assert f"填报:{late}" in weekly.text
    assert f'<a href="{late}">2.1</a>' in weekly.html and f"]({late})" in weekly.md


def test_without_a_base_url_the_weekly_names_the_tasks_without_links(web_world):
    weekly = _weekly(web_world, None)
    assert "[2.2]" in weekly.text and "/tasks/" not in weekly.text
    assert "/tasks/" not in weekly.html and "/tasks/" not in weekly.md
