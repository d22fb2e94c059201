"""With RECTIFY_BASE_URL set, every reminder links each task to its web page (text, HTML, Markdown)."""

from __future__ import annotations

import pytest

from notifications.render import render
from tests.unit.test_render import digest, due_task

BASE = "https://zg.example.gov.cn/rectify"


def _context(kind: str, **extra):
    if kind == "supervise":
        return digest([due_task(workdays_overdue=12)], **extra)
    if kind == "ongoing":
        return digest([due_task(silent_days=45)], **extra)
    return digest([due_task(workdays_left=3)], **extra)


@pytest.mark.parametrize("kind", ["remind", "urge", "supervise", "ongoing"])
def test_each_task_links_to_its_page(kind):
    out = render(kind, _context(kind, base_url=BASE))
    assert f"   办理:{BASE}/tasks/1\n" in out.text
    assert f'<a href="{BASE}/tasks/1">3.2</a>' in out.html
    assert f"[3.2]({BASE}/tasks/1)" in out.md


@pytest.mark.parametrize("kind", ["remind", "urge", "supervise", "ongoing"])
def test_without_a_base_url_no_link_is_made(kind):
    for context in (_context(kind), _context(kind, base_url=None)):
        out = render(kind, context)
        assert "/tasks/" not in out.text + out.html + out.md
        assert "办理:" not in out.text
