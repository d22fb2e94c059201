"""Sending lanes that outlive a claimed batch: the next batch is claimed while this one is
sent, and still every notice goes out once, each SMTP server gets at most its configured
connections, and one channel URL gets its messages in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from ledger.uow import transaction
from models.settings import NotifySettings
from notifications.delivery import deliver_pending
from notifications.outbox import NoticeDraft, enqueue
from tests.fixtures.notify import (
    HttpReceiver,
    at_nine,
    free_port,
    notify_settings,
    write_apprise_config,
)

NOW = at_nine(date(2026, 12, 1))


def _drafts(recipients: list[str]) -> list[NoticeDraft]:
    return [
        NoticeDraft(
            kind="urge",
            recipient=r,
            period="2026-12-01",
            task_ids=[i],
            title=f"【催办通知】第{i:03d}份",
            body_text=f"{r}:请抓紧整改",
            body_html=f"<p>{r}:请抓紧整改</p>",
            body_md="",
        )
        for i, r in enumerate(recipients)
    ]


class _Peers:
    """An SMTP handler that notes which client connection delivered each message."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        subject = next(
            (
                line
                for line in envelope.content.decode().splitlines()
                if line.startswith("Subject:")
            ),
            "",
        )
        self.seen.append((session.peer, subject))
        return "250 OK"


@pytest.fixture
def peers() -> Any:
    handler = _Peers()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def test_email_over_many_small_batches_uses_at_most_the_configured_connections(
    engine: sa.Engine, database_url: str, tmp_path: Path, peers: Any
) -> None:
    port, handler = peers
    n = 60
    recipients = [f"单位{i:02d}" for i in range(n)]
    config = write_apprise_config(
        tmp_path / "apprise.yml",
        {
            f"mailto://127.0.0.1:{port}?from=zgb@example.cn&to=u{i:02d}@example.cn": [r]
            for i, r in enumerate(recipients)
        },
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    settings = replace(settings, notify=NotifySettings(claim_batch=4, smtp_connections=3))
    with transaction(engine) as session:
        enqueue(_drafts(recipients), session=session, now=NOW)

    report = deliver_pending(engine, settings, now=NOW)

    assert (report.claimed, report.sent, report.failed) == (n, n, 0)
    assert len(handler.seen) == n  # each once
    assert 1 <= len({peer for peer, _ in handler.seen}) <= 3
    with engine.connect() as conn:
        assert set(conn.execute(sa.text("SELECT status FROM notice")).scalars()) == {"sent"}


def test_one_channel_url_gets_its_notices_in_order_across_batches(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    n = 30
    recipients = [f"单位{i:02d}" for i in range(n)]
    config = write_apprise_config(tmp_path / "apprise.yml", {http_receiver.url("one"): recipients})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    settings = replace(settings, notify=NotifySettings(claim_batch=4))
    with transaction(engine) as session:
        enqueue(_drafts(recipients), session=session, now=NOW)

    report = deliver_pending(engine, settings, now=NOW)

    assert report.sent == n
    titles = [p.title for p in http_receiver.received()]
    assert titles == [f"【催办通知】第{i:03d}份" for i in range(n)]


def test_a_limit_stops_claiming_at_the_limit_with_lanes_still_sending(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    recipients = [f"单位{i:02d}" for i in range(20)]
    config = write_apprise_config(
        tmp_path / "apprise.yml",
        {http_receiver.url(f"r{i}"): [r] for i, r in enumerate(recipients)},
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    settings = replace(settings, notify=NotifySettings(claim_batch=3))
    with transaction(engine) as session:
        enqueue(_drafts(recipients), session=session, now=NOW)

    first = deliver_pending(engine, settings, now=NOW, limit=7)
    rest = deliver_pending(engine, settings, now=NOW)

    assert (first.claimed, first.sent, rest.sent) == (7, 7, 13)
    assert sorted(p.path for p in http_receiver.received()) == sorted(f"/r{i}" for i in range(20))
