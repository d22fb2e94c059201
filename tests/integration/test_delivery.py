"""Delivering the outbox through Apprise to real loopback receivers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import apprise
import sqlalchemy as sa

from ledger.uow import transaction
from models.outbox import Notice, NoticeAttempt
from notifications.channels import body_format_for
from notifications.delivery import deliver_pending
from notifications.masking import mask, shown_channel
from notifications.outbox import NoticeDraft, enqueue
from tests.fixtures.notify import (
    HttpReceiver,
    SmtpServer,
    at_nine,
    free_port,
    notify_settings,
    write_apprise_config,
)

NOW = at_nine(date(2026, 12, 1))


def draft(
    recipient: str, *, kind: str = "urge", attachments: list[str] | None = None
) -> NoticeDraft:
    return NoticeDraft(
        kind=kind,
        recipient=recipient,
        period="2026-12-01",
        task_ids=[1],
        title="【催办通知】1项整改任务已逾期未完成",
        body_text="财务处:\n\n第一行\n第二行",
        body_html="<p>财务处:</p><p>第一行<br>第二行</p>",
        body_md="**财务处:**\n\n第一行\n第二行",
        attachments=attachments or [],
    )


def put(engine: sa.Engine, *drafts: NoticeDraft) -> None:
    with transaction(engine) as session:
        enqueue(list(drafts), session=session, now=NOW)


def notices(engine: sa.Engine) -> list[Notice]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(Notice).order_by(Notice.id)).all())  # type: ignore[arg-type]


def test_enqueue_counts_a_key_already_in_the_outbox_as_a_duplicate(engine: sa.Engine) -> None:
    with transaction(engine) as session:
        first = enqueue(
            [draft("财务处"), draft("审计处"), draft("财务处")], session=session, now=NOW
        )
    with transaction(engine) as session:
        again = enqueue([draft("财务处"), draft("王副县长")], session=session, now=NOW)
    assert (first.created, first.duplicates, len(first.notice_ids)) == (2, 1, 2)
    assert (again.created, again.duplicates) == (1, 1)
    assert again.ids_by_key["urge:财务处:2026-12-01"] == first.notice_ids[0]


def test_secrets_in_a_channel_url_never_reach_the_outbox(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    closed = free_port()
    config = write_apprise_config(
        tmp_path / "a.yml", {f"json://zgb:S3cretPassw0rd@127.0.0.1:{closed}/hook": ["财务处"]}
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    put(engine, draft("财务处"))

    report = deliver_pending(engine, settings, now=NOW)

    assert report.retrying == 1
    with engine.connect() as conn:
        error = conn.execute(sa.select(Notice.last_error)).scalar_one()
        channels = conn.execute(sa.select(NoticeAttempt.channel, NoticeAttempt.error)).all()
    assert error == f"json://127.0.0.1:{closed}:连接被拒绝"
    assert channels == [(f"json://127.0.0.1:{closed}", channels[0][1])]
    assert "Connection error" in channels[0][1]  # Apprise's own words stay in the attempt log
    assert all("S3cretPassw0rd" not in c and "S3cretPassw0rd" not in e for c, e in channels)
    assert all("S3cretPassw0rd" not in e for e in report.errors)


def test_after_a_partial_failure_only_the_channel_that_failed_is_tried_again(
    engine: sa.Engine,
    database_url: str,
    tmp_path: Path,
    http_receiver: HttpReceiver,
    smtp_server: SmtpServer,
) -> None:
    config = write_apprise_config(
        tmp_path / "a.yml",
        {http_receiver.url("caiwu"): ["财务处"], smtp_server.url("caiwu@example.cn"): ["财务处"]},
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    put(engine, draft("财务处"))
    http_receiver.fail_next = 1

    first = deliver_pending(engine, settings, now=NOW)
    second = deliver_pending(engine, settings, now=NOW + timedelta(minutes=6))

    assert (first.retrying, second.sent) == (1, 1)
    assert len(smtp_server.messages) == 1
    assert len(http_receiver.received()) == 1
    with engine.connect() as conn:
        attempts = (
            conn.execute(sa.select(NoticeAttempt.ok).order_by(NoticeAttempt.id)).scalars().all()
        )
    assert sorted(attempts[:2]) == [False, True] and attempts[2:] == [True]


def test_a_failing_notice_backs_off_and_is_marked_failed_after_the_configured_attempts(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("x"): ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config, max_attempts=2)
    put(engine, draft("财务处"))
    http_receiver.fail_next = 100

    first = deliver_pending(engine, settings, now=NOW)
    too_soon = deliver_pending(engine, settings, now=NOW + timedelta(minutes=4))
    second = deliver_pending(engine, settings, now=NOW + timedelta(minutes=5))

    assert (first.retrying, too_soon.claimed, second.failed) == (1, 0, 1)
    (notice,) = notices(engine)
    assert (notice.status, notice.attempts) == ("failed", 2)


def test_email_keeps_chinese_line_breaks_and_carries_attachments(
    engine: sa.Engine, database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    chart = tmp_path / "完成率.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    config = write_apprise_config(
        tmp_path / "a.yml", {smtp_server.url("office@example.cn"): ["office"]}
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    put(engine, draft("office", kind="weekly", attachments=[str(chart)]))

    report = deliver_pending(engine, settings, now=NOW)

    assert report.sent == 1
    (mail,) = smtp_server.messages
    assert mail.subject == "【催办通知】1项整改任务已逾期未完成"
    assert "<p>第一行<br>第二行</p>" in mail.part("html")
    assert mail.attachments == ["完成率.png"]


def test_an_unreachable_smtp_server_leaves_the_notice_pending(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    url = f"mailto://127.0.0.1:{free_port()}?from=zgb@example.cn&to=caiwu@example.cn"
    config = write_apprise_config(tmp_path / "a.yml", {url: ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    put(engine, draft("财务处"))

    report = deliver_pending(engine, settings, now=NOW)

    (notice,) = notices(engine)
    assert (report.retrying, notice.status, notice.attempts) == (1, "pending", 1)
    assert notice.last_error.endswith(":连接被拒绝")
    with engine.connect() as conn:
        (error,) = conn.execute(sa.select(NoticeAttempt.error)).scalars()
    assert error.startswith("连接被拒绝(ConnectionRefusedError")


def test_each_channel_gets_the_body_it_renders_best() -> None:
    assert (
        body_format_for(apprise.Apprise.instantiate("mailtos://u:p@smtp.example.cn?to=a@b.cn"))
        == "html"
    )
    assert body_format_for(apprise.Apprise.instantiate("dingtalk://abcdefgh12345678")) == "markdown"
    assert body_format_for(apprise.Apprise.instantiate("wecombot://abcdefgh12345678")) == "markdown"
    assert body_format_for(apprise.Apprise.instantiate("json://127.0.0.1/x")) == "text"


def test_masking_hides_passwords_and_robot_tokens() -> None:
    plugin = apprise.Apprise.instantiate("dingtalk://SecretKey9@Tok3nAbcdef12345/")
    url, privacy = plugin.url(privacy=False), plugin.url(privacy=True)
    shown = shown_channel(url, privacy)
    text = mask(
        f"failed posting to {url} or {privacy} with token Tok3nAbcdef12345", url, shown, privacy
    )
    assert shown.startswith("dingtalk://***") and "Tok3" not in shown
    assert "Tok3nAbcdef12345" not in text and "SecretKey9" not in text and "T...5" not in text
