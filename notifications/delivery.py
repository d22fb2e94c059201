"""Delivering the outbox: claim, send concurrently through Apprise, record every attempt.

- Claim: one conditional UPDATE marks a batch of due notices 'sending' with this run's claim
  token, so a rerun, a Prefect retry or two runs at once never send the same notice twice.
  A notice left 'sending' by a run that crashed mid-send is claimable again after
  CLAIM_TIMEOUT.
- Send: sends are grouped into lanes. One lane per channel URL (Apprise throttles one plugin
  object by its `request_rate_per_sec`, which is what a rate-limited group robot needs); for
  email one lane per SMTP server and account, which keeps one SMTP connection open for all
  its messages (Apprise builds the messages; opening a connection per message costs a TLS
  context and a handshake each, see benchmarks/notify.py). Lanes run in parallel threads.
- Record: each (notice, channel) attempt is a NoticeAttempt row with the masked error; a
  notice whose channels all accepted it is 'sent'; otherwise it stays 'pending' with an
  exponential back-off and only the failed channels are tried again; after
  rules.max_attempts it is 'failed'.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import apprise
import sqlalchemy as sa
from apprise.common import NotifyFormat
from apprise.plugins.email.base import NotifyEmail
from apprise.plugins.email.smtp import AppriseSMTPController

from models.outbox import Notice, NoticeAttempt
from models.settings import Settings
from notifications.channels import ASSET, Channel, Channels, load_channels
from notifications.masking import mask

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=15)
BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
MAX_WORKERS = 16
FLUSH_EVERY = 200
NO_CHANNEL = "未配置通知渠道"

_FORMATS = {"html": NotifyFormat.HTML, "markdown": NotifyFormat.MARKDOWN, "text": NotifyFormat.TEXT}


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped_no_channel: list[str] = field(default_factory=list)
    claimed: int = 0
    errors: list[str] = field(default_factory=list)  # masked, "recipient: error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "failed": self.failed,
            "retrying": self.retrying,
            "skipped_no_channel": self.skipped_no_channel,
            "errors": self.errors,
        }


@dataclass
class ClaimedNotice:
    id: int
    recipient: str
    title: str
    body_text: str
    body_html: str
    body_md: str
    attachments: list[str]
    attempts: int
    delivered: list[str]

    def body_for(self, channel: Channel) -> str:
        if channel.body_format == "html":
            return self.body_html or self.body_text
        if channel.body_format == "markdown":
            return self.body_md or self.body_text
        return self.body_text


@dataclass
class SendResult:
    notice_id: int
    channel: Channel
    ok: bool
    error: str = ""


def backoff(attempts: int) -> timedelta:
    """5, 10, 20, 40 minutes ... capped at 6 hours, after the n-th failed attempt."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# --- claiming -------------------------------------------------------------------------


def _due(table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(table.c.status == "pending", table.c.next_attempt_at <= now),
        sa.and_(table.c.status == "sending", table.c.claimed_at < now - CLAIM_TIMEOUT),
    )


def claim(
    engine: sa.Engine, *, now: datetime, token: str, limit: int | None
) -> list[ClaimedNotice]:
    """Marks due notices as ours in one conditional UPDATE and reads them back."""
    table: sa.Table = Notice.__table__  # type: ignore[attr-defined]
    due_ids = sa.select(table.c.id).where(_due(table, now)).order_by(table.c.id)
    if limit is not None:
        due_ids = due_ids.limit(limit)
    if engine.dialect.name == "postgresql":
        # A second run skips what the first one is claiming instead of waiting for it.
        due_ids = due_ids.with_for_update(skip_locked=True)
    stmt = (
        sa.update(table)
        # The outer condition is re-checked on the row as it is when the lock is granted.
        .where(table.c.id.in_(due_ids.scalar_subquery()), _due(table, now))
        .values(status="sending", claimed_at=now, claim_token=token)
    )
    columns = [
        table.c.id,
        table.c.recipient,
        table.c.title,
        table.c.body_text,
        table.c.body_html,
        table.c.body_md,
        table.c.attachments,
        table.c.attempts,
        table.c.delivered,
    ]
    with engine.begin() as conn:
        conn.execute(stmt)
        rows = conn.execute(
            sa.select(*columns).where(table.c.claim_token == token).order_by(table.c.id)
        ).all()
    return [
        ClaimedNotice(
            id=r.id,
            recipient=r.recipient,
            title=r.title,
            body_text=r.body_text,
            body_html=r.body_html,
            body_md=r.body_md,
            attachments=list(r.attachments or []),
            attempts=r.attempts,
            delivered=list(r.delivered or []),
        )
        for r in rows
    ]


# --- sending --------------------------------------------------------------------------

Job = tuple[ClaimedNotice, Channel]


def _result_errors(result: Any) -> str:
    """Warnings and errors Apprise logged for one notify() call."""
    lines: list[str] = []
    for service in getattr(result, "results", ()):
        for attempt in service.attempts:
            for entry in attempt.logs:
                level = logging.getLevelName(str(entry.level).upper())
                if (
                    isinstance(level, int)
                    and level >= logging.WARNING
                    and entry.message not in lines
                ):
                    lines.append(str(entry.message))
    return "; ".join(lines) or "发送失败(通知服务未返回原因)"


def send_apprise_lane(channels: Channels, jobs: list[Job]) -> list[SendResult]:
    """All sends to one channel URL, in order, through one plugin object."""
    channel = jobs[0][1]
    results: list[SendResult] = []
    try:
        apobj = apprise.Apprise(asset=ASSET)
        apobj.add(channels.plugin_for(channel))
    except Exception as exc:  # a configuration problem fails every job of the lane
        error = mask(str(getattr(exc, "message", exc)), channel.url, channel.masked)
        return [SendResult(n.id, channel, False, error) for n, _ in jobs]
    for notice, _ in jobs:
        try:
            result = apobj.notify(
                body=notice.body_for(channel),
                title=notice.title,
                body_format=_FORMATS[channel.body_format],
                attach=notice.attachments or None,
            )
            ok = bool(result)
            error = "" if ok else _result_errors(result)
        except Exception as exc:  # never let one notice stop the lane
            ok, error = False, f"{type(exc).__name__}: {exc}"
        results.append(SendResult(notice.id, channel, ok, mask(error, channel.url, channel.masked)))
    return results


def smtp_lane_key(plugin: Any) -> tuple[Any, ...]:
    return ("smtp", plugin.smtp_host, plugin.port, plugin.secure_mode, plugin.user, plugin.password)


@contextmanager
def _smtp(plugin: Any) -> Iterator[AppriseSMTPController]:
    with AppriseSMTPController(
        host=plugin.smtp_host,
        port=plugin.port,
        secure_mode=plugin.secure_mode,
        user=plugin.user,
        password=plugin.password,
        verify_certificate=plugin.verify_certificate,
        socket_connect_timeout=plugin.socket_connect_timeout,
    ) as smtp:
        yield smtp


def _email_messages(plugin: Any, notice: ClaimedNotice, channel: Channel) -> list[Any]:
    paths: list[Any] = list(notice.attachments)
    attach = apprise.AppriseAttachment(paths) if paths else None
    return list(
        NotifyEmail.prepare_emails(
            subject=notice.title,
            body=notice.body_for(channel),
            notify_format=_FORMATS[channel.body_format],
            from_addr=plugin.from_addr,
            to=plugin.targets,
            cc=plugin.cc,
            bcc=plugin.bcc,
            reply_to=plugin.reply_to,
            smtp_host=plugin.smtp_host,
            attach=attach,
            headers={"X-Application": plugin.app_id, **plugin.headers},
            names=plugin.names,
        )
    )


def send_smtp_lane(channels: Channels, jobs: list[Job]) -> list[SendResult]:
    """All email to one SMTP server and account over one connection (reopened if it drops)."""
    results: list[SendResult] = []
    first = channels.plugin_for(jobs[0][1])
    controller: AppriseSMTPController | None = None
    smtp_cm: Any = None
    try:
        for notice, channel in jobs:
            plugin = channels.plugin_for(channel)
            error = ""
            try:
                messages = _email_messages(plugin, notice, channel)
                for attempt in (1, 2):
                    try:
                        if controller is None:
                            smtp_cm = _smtp(first)
                            controller = smtp_cm.__enter__()
                        for message in messages:
                            if not controller.sendmail(
                                plugin.from_addr[1], message.to_addrs, message.body
                            ):
                                error = f"SMTP 服务器拒收发往 {message.recipient} 的邮件"
                        break
                    except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                        controller = None
                        if attempt == 2:
                            error = f"{type(exc).__name__}: {exc}"
            except Exception as exc:
                controller = None
                error = f"{type(exc).__name__}: {exc}"
            results.append(
                SendResult(notice.id, channel, not error, mask(error, channel.url, channel.masked))
            )
    finally:
        if smtp_cm is not None and controller is not None:
            smtp_cm.__exit__(None, None, None)
    return results


def lanes_for(channels: Channels, jobs: list[Job]) -> dict[tuple[Any, ...], list[Job]]:
    lanes: dict[tuple[Any, ...], list[Job]] = defaultdict(list)
    for notice, channel in jobs:
        if channel.is_email:
            key = smtp_lane_key(channels.plugin_for(channel))
        else:
            key = ("url", channel.url)
        lanes[key].append((notice, channel))
    return lanes


# --- recording ------------------------------------------------------------------------


@dataclass
class _Outcome:
    notice: ClaimedNotice
    remaining: int
    delivered: list[str]
    errors: list[str] = field(default_factory=list)
    attempts: list[SendResult] = field(default_factory=list)
    no_channel: bool = False


def _record(
    engine: sa.Engine,
    outcomes: list[_Outcome],
    *,
    now: datetime,
    token: str,
    max_attempts: int,
    report: DeliveryReport,
) -> None:
    if not outcomes:
        return
    table: sa.Table = Notice.__table__  # type: ignore[attr-defined]
    updates: list[dict[str, Any]] = []
    attempt_rows: list[dict[str, Any]] = []
    for o in outcomes:
        n = o.notice
        if o.errors:
            # Without a channel the notice waits too: once the office adds the tag to its
            # Apprise configuration, the next run delivers it.
            attempts = n.attempts + 1
            status = "failed" if attempts >= max_attempts else "pending"
            report.errors.append(f"{n.recipient}:{'; '.join(o.errors)}")
            if status == "failed":
                report.failed += 1
            elif not o.no_channel:
                report.retrying += 1
        else:
            attempts, status = n.attempts + 1, "sent"
            report.sent += 1
        updates.append(
            {
                "b_id": n.id,
                "b_token": token,
                "status": status,
                "attempts": attempts,
                "delivered": o.delivered,
                "last_error": "; ".join(o.errors)[:2000],
                "next_attempt_at": now + backoff(attempts) if status == "pending" else now,
                "sent_at": now if status == "sent" else None,
                "claim_token": None,
            }
        )
        attempt_rows.extend(
            {
                "notice_id": a.notice_id,
                "at": now,
                "channel": a.channel.masked[:400],
                "ok": a.ok,
                "error": a.error[:2000],
            }
            for a in o.attempts
        )
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"), table.c.claim_token == sa.bindparam("b_token"))
        .values(
            status=sa.bindparam("status"),
            attempts=sa.bindparam("attempts"),
            delivered=sa.bindparam("delivered", type_=sa.JSON),
            last_error=sa.bindparam("last_error"),
            next_attempt_at=sa.bindparam("next_attempt_at", type_=table.c.next_attempt_at.type),
            sent_at=sa.bindparam("sent_at", type_=table.c.sent_at.type),
            claim_token=sa.bindparam("claim_token"),
        )
    )
    with engine.begin() as conn:
        conn.execute(stmt, updates)
        if attempt_rows:
            conn.execute(sa.insert(NoticeAttempt.__table__), attempt_rows)  # type: ignore[attr-defined]


def deliver_pending(
    engine: sa.Engine,
    settings: Settings,
    *,
    now: datetime,
    limit: int | None = None,
    channels: Channels | None = None,
    max_workers: int = MAX_WORKERS,
) -> DeliveryReport:
    """Sends every due notice once; safe to run again, or twice at the same time."""
    channels = channels or load_channels(settings)
    token = uuid.uuid4().hex
    report = DeliveryReport()
    claimed = claim(engine, now=now, token=token, limit=limit)
    report.claimed = len(claimed)
    if not claimed:
        return report

    outcomes: dict[int, _Outcome] = {}
    jobs: list[Job] = []
    finished: list[_Outcome] = []
    for notice in claimed:
        targets = [
            c
            for c in channels.channels_for(notice.recipient)
            if c.fingerprint not in notice.delivered
        ]
        outcome = _Outcome(notice, remaining=len(targets), delivered=list(notice.delivered))
        outcomes[notice.id] = outcome
        if not channels.channels_for(notice.recipient):
            outcome.errors.append(f"{NO_CHANNEL}:Apprise 配置中没有标签“{notice.recipient}”")
            outcome.no_channel = True
            report.skipped_no_channel.append(notice.recipient)
            finished.append(outcome)
        elif not targets:  # every channel took it in an earlier run that crashed before recording
            finished.append(outcome)
        else:
            jobs.extend((notice, c) for c in targets)

    def flush(force: bool = False) -> None:
        if finished and (force or len(finished) >= FLUSH_EVERY):
            _record(
                engine,
                finished,
                now=now,
                token=token,
                max_attempts=settings.rules.max_attempts,
                report=report,
            )
            finished.clear()

    lanes = lanes_for(channels, jobs)
    senders: dict[tuple[Any, ...], Callable[[Channels, list[Job]], list[SendResult]]] = {
        key: send_smtp_lane if key[0] == "smtp" else send_apprise_lane for key in lanes
    }
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(lanes) or 1))) as pool:
        pending: set[Future[list[SendResult]]] = {
            pool.submit(senders[key], channels, lane) for key, lane in lanes.items()
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                for result in future.result():
                    outcome = outcomes[result.notice_id]
                    outcome.attempts.append(result)
                    outcome.remaining -= 1
                    if result.ok:
                        outcome.delivered.append(result.channel.fingerprint)
                    else:
                        outcome.errors.append(f"{result.channel.masked}:{result.error}")
                    if outcome.remaining == 0:
                        finished.append(outcome)
            flush()
    flush(force=True)
    for error in report.errors:
        log.warning("通知发送失败 %s", error)
    return report
