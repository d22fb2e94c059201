"""Notice statuses that mean what they say, and channel errors an office can read."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.actors import Actor
from ledger.errors import ForbiddenError
from ledger.uow import transaction
from models.enums import Role
from models.outbox import Notice, NoticeAttempt
from models.settings import NotifySettings
from notifications.delivery import deliver_pending
from notifications.errors import ChannelConfigError
from notifications.outbox import NoticeDraft, enqueue, requeue
from tests.fixtures.notify import (
    HttpReceiver,
    SmtpServer,
    at_nine,
    notify_settings,
    write_apprise_config,
)

NOW = at_nine(date(2026, 12, 1))
OFFICE = Actor("整改办", Role.office)


def draft(recipient: str) -> NoticeDraft:
    return NoticeDraft(
        kind="urge",
        recipient=recipient,
        period="2026-12-01",
        task_ids=[1],
        title="【催办通知】1项整改任务已逾期未完成",
        body_text=f"{recipient}:\n\n请抓紧整改",
        body_html=f"<p>{recipient}:</p><p>请抓紧整改</p>",
        body_md=f"**{recipient}:**\n\n请抓紧整改",
    )


def put(engine: sa.Engine, *recipients: str) -> None:
    with transaction(engine) as session:
        enqueue([draft(r) for r in recipients], session=session, now=NOW)


def rows(engine: sa.Engine) -> list[sa.Row]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return list(conn.execute(sa.select(Notice).order_by(Notice.id)).all())


def test_without_an_apprise_configuration_a_notice_is_local_never_sent(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    settings = notify_settings(tmp_path, database_url)
    put(engine, "财务处")

    report = deliver_pending(engine, settings, now=NOW)

    assert (report.sent, report.local) == (0, 1)
    assert [(r.status, r.attempts) for r in rows(engine)] == [("local", 1)]
    assert len(list((tmp_path / "data" / "notices" / "财务处").glob("*.txt"))) == 1


def test_the_production_switch_makes_a_missing_configuration_an_error(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    settings = notify_settings(tmp_path, database_url)
    strict = type(settings)(
        **{**settings.__dict__, "notify": NotifySettings(require_channels=True)}
    )
    put(engine, "财务处")

    with pytest.raises(ChannelConfigError, match="未配置 Apprise 配置文件"):
        deliver_pending(engine, strict, now=NOW)
    assert [r.status for r in rows(engine)] == ["pending"]
    assert not (tmp_path / "data" / "notices").exists()


def test_a_recipient_without_a_channel_waits_over_ten_runs_and_goes_out_once_it_has_one(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = tmp_path / "a.yml"
    write_apprise_config(config, {http_receiver.url("caiwu"): ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config, max_attempts=2)
    put(engine, "财务处", "审计处")

    reports = [deliver_pending(engine, settings, now=NOW + timedelta(days=i)) for i in range(10)]

    assert [r.waiting for r in reports] == [1] * 10  # asked again on every run
    assert sum(r.failed for r in reports) == 0
    waiting = [r for r in rows(engine) if r.recipient == "审计处"]
    assert [(r.status, r.attempts, r.last_error) for r in waiting] == [
        ("waiting", 0, "未配置通知渠道:Apprise 配置中没有标签“审计处”")
    ]

    write_apprise_config(
        config, {http_receiver.url("caiwu"): ["财务处"], http_receiver.url("shenji"): ["审计处"]}
    )
    added = deliver_pending(engine, settings, now=NOW + timedelta(days=10))
    again = deliver_pending(engine, settings, now=NOW + timedelta(days=11))

    assert (added.sent, added.waiting, again.claimed) == (1, 0, 0)
    assert [p.path for p in http_receiver.received()] == ["/caiwu", "/shenji"]
    assert {r.status for r in rows(engine)} == {"sent"}


def test_a_channel_that_answers_500_is_named_in_chinese_and_apprise_words_are_kept(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("caiwu"): ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    put(engine, "财务处")
    http_receiver.fail_next = 1

    report = deliver_pending(engine, settings, now=NOW)

    channel = f"json://127.0.0.1:{http_receiver.port}"
    assert report.errors == [f"财务处:{channel}:对方返回HTTP 500"]
    (notice,) = rows(engine)
    assert (notice.status, notice.last_error) == ("pending", f"{channel}:对方返回HTTP 500")
    with engine.connect() as conn:
        (error,) = conn.execute(sa.select(NoticeAttempt.error)).scalars()
    assert error.startswith("对方返回HTTP 500(") and "error=500" in error


def test_retry_requeues_a_failed_notice_and_only_the_office_may(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = write_apprise_config(
        tmp_path / "a.yml",
        {http_receiver.url("caiwu"): ["财务处"], http_receiver.url("shenji"): ["审计处"]},
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config, max_attempts=1)
    put(engine, "财务处", "审计处")
    http_receiver.fail_next = 2
    first = deliver_pending(engine, settings, now=NOW)
    assert first.failed == 2

    with pytest.raises(ForbiddenError, match="仅限整改办"), transaction(engine) as session:
        requeue(actor=Actor("张三", Role.unit, 1, "财务处"), session=session, now=NOW)
    with transaction(engine) as session:
        result = requeue(
            actor=OFFICE, session=session, now=NOW, only_failed=True, recipients=["财务处"]
        )
    second = deliver_pending(engine, settings, now=NOW)

    assert (result.requeued, result.by_status) == (1, {"failed": 1})
    assert (second.sent, second.claimed) == (1, 1)
    assert [(r.recipient, r.status) for r in rows(engine)] == [
        ("财务处", "sent"),
        ("审计处", "failed"),
    ]


def test_every_email_of_a_notice_carries_a_message_id_from_its_key(
    engine: sa.Engine, database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = write_apprise_config(
        tmp_path / "a.yml", {smtp_server.url("caiwu@example.cn"): ["财务处"]}
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    put(engine, "财务处")
    deliver_pending(engine, settings, now=NOW)
    with engine.begin() as conn:  # as if the run had crashed before recording the send
        conn.execute(sa.update(Notice).values(status="pending", delivered=[]))
    deliver_pending(engine, settings, now=NOW)

    first, repeat = (m.message["Message-ID"] for m in smtp_server.messages)
    assert first == repeat and re.fullmatch(r"<[0-9a-f]{32}@example\.com>", first)
