"""Unit text is text: a measure written as Markdown links, images and headings reaches a
Markdown receiver (a group robot) escaped, in reminders and in decision notices."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger import lifecycle
from ledger.actors import Actor
from ledger.uow import transaction
from models.enums import Role
from notifications.daily import run_daily_check
from notifications.delivery import deliver_pending
from tests.fixtures.notify import (
    HttpReceiver,
    TaskSpec,
    at_nine,
    build_ledger,
    notify_settings,
    write_apprise_config,
)

HOSTILE = (
    "建立台账[点击查看](http://evil.example/x) ![t](http://evil.example/track.png)\n# 紧急通知"
)
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")  # [text]( not escaped


def test_a_hostile_measure_reaches_a_markdown_receiver_as_plain_characters(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    [task_id] = build_ledger(
        engine,
        [TaskSpec(HOSTILE, "财务处", date(2026, 10, 23))],
        registered=date(2026, 9, 1),
    )
    # A self-hosted Mattermost robot (Apprise's mmost://) posting Markdown to the receiver.
    url = f"mmost://{http_receiver.host}:{http_receiver.port}/robottoken12345678?format=markdown"
    config = write_apprise_config(tmp_path / "a.yml", {url: ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    day = date(2026, 10, 13)  # 提醒: 8 working days before the deadline
    run_daily_check(engine, settings, as_of=day, now=at_nine(day))
    with transaction(engine) as session:
        lifecycle.submit_for_closure(
            task_id,
            summary="已完成",
            no_evidence_reason="制度已公开",
            session=session,
            actor=Actor("整改办", Role.office),
            now=at_nine(day),
            evidence_store=tmp_path / "evidence",
        )
        lifecycle.return_for_rework(
            task_id,
            reason="见[说明](http://evil.example/r)",
            session=session,
            actor=Actor("整改办", Role.office),
            now=at_nine(day),
        )
    deliver_pending(engine, settings, now=at_nine(day) + timedelta(minutes=5))

    bodies = [str(p.payload["text"]) for p in http_receiver.received()]
    assert len(bodies) == 2  # the 提醒 and the 退回
    for body in bodies:
        assert "建立台账\\[点击查看\\]\\(http:\\/\\/evil\\.example/x\\)" in body
        assert not LINK.search(body) and "![" not in body
        assert "http://" not in body
        assert not any(line.lstrip().startswith("# 紧急") for line in body.splitlines())
    assert "见\\[说明\\]" in bodies[1]
