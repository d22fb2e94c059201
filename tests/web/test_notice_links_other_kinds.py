"""The notice kinds no other test renders with RECTIFY_BASE_URL (签收提醒, 签收催办 and its
copy, 提请督促, 进展报送提醒): each task links to its page, in text, HTML and Markdown."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from notifications.render import Renderer

BASE = "https://zg.example.gov.cn/rectify"
DAY = date(2026, 12, 1)

TASK = {
    "id": 42,
    "code": "3.2",
    "measure": "修订科技特派员考核办法",
    "inspection": "省委第八巡视组反馈科技工作问题整改",
    "role": "牵头单位",
    "unit": "县科技局",
    "units": "县科技局",
    "assigned_on": date(2026, 11, 2),
    "sign_by": date(2026, 11, 5),
    "reminded_on": date(2026, 11, 6),
    "deadline": date(2026, 11, 20),
    "timing": "已逾期7个工作日",
    "last_report_on": None,
    "leader": "李局长",
}


def _context(kind: str, base_url: str | None, **extra):
    return {
        "names": ["县科技局"],
        "recipient": "县科技局",
        "as_of": DAY,
        "tasks": [SimpleNamespace(**TASK)],
        "total": 1,
        "more": 0,
        "office_name": "整改办",
        "workdays": 3,
        "copy": False,
        "escalate_after": 3,
        "cadence": "每周一",
        "period": "2026年第49周",
        "due_on": DAY,
        "folded": [],
        "base_url": base_url,
        **extra,
    }


KINDS = [
    ("acknowledge", {}, "签收"),
    ("acknowledge_urge", {}, "签收"),
    ("acknowledge_urge", {"copy": True}, "查看"),
    ("escalate", {}, "办理"),
    ("report", {}, "填报"),
]


@pytest.mark.parametrize(("kind", "extra", "word"), KINDS)
def test_each_task_links_to_its_page(kind, extra, word):
    out = Renderer().render(kind, _context(kind, BASE, **extra))
    url = f"{BASE}/tasks/42"
    assert f"   {word}:{url}\n" in out.text
    assert f'href="{url}"' in out.html
    assert f"]({url})" in out.md


@pytest.mark.parametrize(("kind", "extra", "word"), KINDS)
def test_without_a_base_url_no_link_is_made(kind, extra, word):
    out = Renderer().render(kind, _context(kind, None, **extra))
    assert "3.2" in out.text
    assert "/tasks/" not in out.text + out.html + out.md
