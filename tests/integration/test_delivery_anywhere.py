"""Any deliverer can send any notice: attachments travel in the outbox by content key, and
a rate-limited channel keeps its rate however many deliverers send to it."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ledger.uow import transaction
from models.outbox import Notice, NoticeFile
from models.settings import NotifySettings
from notifications.channels import load_channels
from notifications.delivery import deliver_pending
from notifications.outbox import NoticeDraft, enqueue
from tests.fixtures.notify import (
    HttpReceiver,
    SmtpServer,
    at_nine,
    notify_settings,
    write_apprise_config,
)

NOW = at_nine(date(2026, 12, 1))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def weekly_draft(recipient: str, chart: Path) -> NoticeDraft:
    return NoticeDraft(
        kind="weekly",
        recipient=recipient,
        period="2026-W49",
        task_ids=[],
        title="整改工作周报(2026年第49周)",
        body_text="本周整改情况见附图。",
        body_html="<p>本周整改情况见附图。</p>",
        body_md="本周整改情况见附图。",
        attachments=[str(chart)],
    )


def test_an_attachment_is_delivered_by_a_deliverer_in_another_working_folder(
    engine: sa.Engine, database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    planner = tmp_path / "planner"
    (planner / "reports").mkdir(parents=True)
    chart = planner / "reports" / "整改周报-2026-W49.png"
    chart.write_bytes(PNG)
    with transaction(engine) as session:
        enqueue(
            [weekly_draft("office", chart), weekly_draft("李县长", chart)],
            session=session,
            now=NOW,
        )
    shutil.rmtree(planner)  # the planning machine's folder is not there for the deliverer
    other = tmp_path / "deliverer"
    other.mkdir()
    config = write_apprise_config(
        other / "apprise.yml",
        {
            smtp_server.url("office@example.cn"): ["office"],
            smtp_server.url("li@example.cn"): ["李县长"],
        },
    )
    settings = notify_settings(other, database_url, apprise_config=config)
    previous = os.getcwd()
    os.chdir(other)
    try:
        report = deliver_pending(engine, settings, now=NOW)
    finally:
        os.chdir(previous)

    assert (report.sent, report.retrying) == (2, 0)
    for mail in smtp_server.messages:
        (part,) = list(mail.message.iter_attachments())  # type: ignore[attr-defined]
        assert part.get_filename() == "整改周报-2026-W49.png"
        assert part.get_content() == PNG
    with engine.connect() as conn:
        attachments = conn.execute(sa.select(Notice.attachments)).scalars().all()
        stored = conn.execute(sa.select(sa.func.count()).select_from(NoticeFile)).scalar_one()
    assert stored == 1  # one chart, stored once for both notices
    assert all(a[0].startswith("store:") and str(tmp_path) not in a[0] for a in attachments)


def test_a_rate_limited_channel_keeps_its_rate_across_deliverers(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    interval = 0.3
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("robot"): ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    settings = replace(settings, notify=NotifySettings(claim_batch=1))
    drafts = [
        NoticeDraft("urge", "财务处", f"2026-12-0{i}", [i], f"催办{i}", "请抓紧", "", "")
        for i in range(1, 7)
    ]
    with transaction(engine) as session:
        enqueue(drafts, session=session, now=NOW)

    def deliverer() -> None:
        channels = load_channels(settings)
        (channel,) = channels.channels_for("财务处")
        # The robot's limit as its Apprise plugin states it (seconds between messages).
        channels.plugin_for(channel).request_rate_per_sec = interval
        deliver_pending(engine, settings, now=NOW, channels=channels)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    arrivals = sorted(p.at for p in http_receiver.received())
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    print(f"\nrate-limited channel, 2 deliverers: gaps {[round(g, 2) for g in gaps]} s")
    assert len(arrivals) == 6
    # Slots are spaced exactly; arrivals jitter by a send's latency on a busy machine.
    # Without shared slots the two deliverers would post at the same moment (gaps near 0).
    assert arrivals[-1] - arrivals[0] >= 5 * interval * 0.95
    assert min(gaps) >= interval * 0.5
