"""Delivering the outbox: claim small batches under a lease, send, record each send at once.

- Claim: one conditional UPDATE takes a small batch of due notices (`[notify] claim_batch`)
  and marks them 'sending' with this run's token and the time (PostgreSQL: SKIP LOCKED, so
  deliverers on other machines take the next rows instead of waiting; SQLite: the UPDATE
  re-checks the condition under the database's write lock). A run claims batch after batch
  until nothing is due, so N deliverers each take a share.
- Lease: a claim is held for `[notify] lease_seconds` (default 2 minutes) and renewed while
  the run works; a crashed deliverer's unsent notices are due again once its lease runs out.
- Send: sends are grouped into lanes run in parallel threads. One lane per channel URL
  (Apprise's plugin object throttles a rate-limited group robot); for email, one lane per
  SMTP server and account with a few senders (`[notify] smtp_connections`), each keeping
  one SMTP connection open for the whole run. Lanes outlive a batch: the next batch is
  claimed and prepared while the last one is sent (at most one batch queued ahead, and at
  most a batch's worth of sends at once). Every email carries a Message-ID derived from the
  notice key, so a repeat after a crash is recognisable by mail systems.
- Record: each send's result is committed before its lane's next message is taken by the
  server (one recorder thread commits whatever the lanes finished meanwhile in one
  transaction; an email lane sends the next envelope and content meanwhile and waits
  before the final dot), so a crash repeats at most the message in flight on each lane. A notice whose channels all took it
  is 'sent' ('local' when it was only written to the local folder); a channel's refusal
  leaves it 'pending' with an exponential back-off and only the channels that failed are
  tried again; after rules.max_attempts refusals it is 'failed'. A recipient with no
  channel is 'waiting' without spending an attempt, and goes out as soon as a channel
  for it exists.
"""

from __future__ import annotations

import collections
import functools
import itertools
import logging
import mimetypes
import queue
import re
import smtplib
import socket
import ssl
import threading
import time
import uuid
import weakref
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger.queries import scanned
from models.db import upsert
from models.outbox import ChannelSlot, Notice, NoticeAttempt
from models.prepared import Prepared
from models.send_window import quiet_words
from models.settings import Settings
from notifications import outbox_postgres
from notifications.channels import Channel, Channels, asset, load_channels
from notifications.drafts import compose_drafts
from notifications.email_message import (
    Attachment,
    emails_for,
    message_id,
    mime_body,
    uses_apprise_builder,
)
from notifications.failures import Failure, describe_apprise, describe_smtp
from notifications.masking import mask
from notifications.outbox import load_attachments, stored_name

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
MAX_WORKERS = 16
NO_CHANNEL = "未配置通知渠道"
# Keeps every IN (...) under SQLite's bound-parameter limit.
CHUNK = 2000


def notify_format(body_format: str) -> Any:
    """Apprise's NotifyFormat for a channel's body format (Apprise loads with the first send)."""
    from apprise.common import NotifyFormat

    return {"html": NotifyFormat.HTML, "markdown": NotifyFormat.MARKDOWN}.get(
        body_format, NotifyFormat.TEXT
    )


def wall_clock() -> datetime:
    """Leases run on the real clock, whatever day the check is run `as of`."""
    return datetime.now(UTC)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0  # accepted by every channel
    local: int = 0  # written to the local folder (no Apprise configuration)
    waiting: int = 0  # in the outbox with no channel for the recipient (no attempt spent)
    retrying: int = 0  # a channel refused it: tried again after a back-off
    failed: int = 0  # refused max_attempts times
    skipped_no_channel: list[str] = field(default_factory=list)  # recipients of those
    errors: list[str] = field(default_factory=list)  # masked, "recipient:error"
    # Quiet hours (models.send_window): nothing was claimed; notices wait until then.
    quiet_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "quiet_until": self.quiet_until.isoformat() if self.quiet_until else None,
            "claimed": self.claimed,
            "sent": self.sent,
            "local": self.local,
            "waiting": self.waiting,
            "retrying": self.retrying,
            "failed": self.failed,
            "skipped_no_channel": self.skipped_no_channel,
            "errors": self.errors,
        }

    @property
    def any_failed(self) -> bool:
        """A notice of this run did not go out: a channel refused it (failed, or pending
        for a retry) or it could not be rendered. Waiting for a channel and written to the
        local folder are outcomes by design, not failures."""
        return bool(self.failed or self.retrying or self.errors)

    def summary(self) -> str:
        """The counts in the words the office reads (check, deliver, weekly, the flows)."""
        return (
            f"已发送 {self.sent} 份,写入本地文件 {self.local} 份,"
            f"{NO_CHANNEL}(等待) {self.waiting} 份,待重试 {self.retrying} 份,"
            f"发送失败 {self.failed} 份"
        ) + (
            f";当前不在发送时段,通知{quiet_words(self.quiet_until)}起发出"
            if self.quiet_until
            else ""
        )


@dataclass
class ClaimedNotice:
    id: int
    key: str
    recipient: str
    title: str
    body_text: str
    body_html: str
    body_md: str
    attachments: list[str]
    attempts: int
    delivered: list[str]
    files: dict[str, bytes] = field(default_factory=dict)  # sha256 -> the stored attachment

    def attachment(self) -> Any | None:
        """The attachments as Apprise sends them: stored bytes by content key (an older
        notice may still name a local file)."""
        if not self.attachments:
            return None
        import apprise
        from apprise.attachment.memory import AttachMemory

        items: list[Any] = []
        for entry in self.attachments:
            named = stored_name(entry)
            if named is None:
                items.append(entry)
                continue
            digest, name = named
            if digest not in self.files:
                raise LookupError(f"附件 {name} 不在发件箱中(内容编号 {digest[:12]})")
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            items.append(AttachMemory(content=self.files[digest], name=name, mimetype=mimetype))
        return apprise.AppriseAttachment(items, asset=asset())

    def email_attachments(self) -> list[Attachment]:
        """The attachments' names and bytes (an older notice may still name a local file)."""
        items: list[Attachment] = []
        for entry in self.attachments:
            named = stored_name(entry)
            if named is None:
                path = Path(entry)
                try:
                    items.append(Attachment(path.name, path.read_bytes()))
                except OSError as exc:
                    raise LookupError(f"附件 {path.name} 无法读取:{exc.strerror}") from None
                continue
            digest, name = named
            if digest not in self.files:
                raise LookupError(f"附件 {name} 不在发件箱中(内容编号 {digest[:12]})")
            items.append(Attachment(name, self.files[digest]))
        return items

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
    failure: Failure | None = None
    at: datetime = field(default_factory=wall_clock)


def backoff(attempts: int) -> timedelta:
    """5, 10, 20, 40 minutes ... capped at 6 hours, after the n-th failed attempt."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _table() -> sa.Table:
    return Notice.__table__  # type: ignore[attr-defined,no-any-return]


# --- claiming -------------------------------------------------------------------------


def _due(
    table: sa.Table,
    now: datetime,
    expired: datetime,
    *,
    token: str,
    skip_backoff: bool,
    status: Any = None,
) -> sa.ColumnElement[bool]:
    """`status`: the status column as the condition reads it (a re-check that must not
    steer SQLite's plan passes it wrapped, ledger.queries.scanned)."""
    status = table.c.status if status is None else status
    return sa.or_(
        sa.and_(status == "pending", _due_now(table, now, token=token, skip_backoff=skip_backoff)),
        sa.and_(status == "sending", table.c.claimed_at < expired),
    )


def _due_now(
    table: sa.Table, now: datetime, *, token: str, skip_backoff: bool
) -> sa.ColumnElement[bool]:
    """A pending notice's own condition: its next attempt's time has come."""
    due_now = table.c.next_attempt_at <= now
    if skip_backoff:
        # Waiting out a back-off is skipped, except for a refusal met in this very run (it
        # keeps the run's token), which would otherwise be tried again at once.
        due_now = sa.or_(due_now, table.c.claim_token.is_(None), table.c.claim_token != token)
    return due_now


def _sqlite_due_ids(
    table: sa.Table,
    due: sa.ColumnElement[bool],
    now: datetime,
    expired: datetime,
    limit: int,
    skip_backoff: bool,
) -> sa.ScalarSelect[Any]:
    """The ids to claim, each branch of `_due` read along the (status, next_attempt_at)
    index. As one OR ordered by id, SQLite gathered every due notice and sorted them for
    each claim of 25 (1.4 ms at 10,000 due, against 0.02 ms): a catch-up day claims 400
    times while the recorder waits for the same write lock."""
    pending = sa.select(table.c.id).where(table.c.status == "pending")
    pending = (
        pending.where(due)
        if skip_backoff
        else pending.where(table.c.next_attempt_at <= now).order_by(
            table.c.next_attempt_at, table.c.id
        )
    )
    lapsed = sa.select(table.c.id).where(table.c.status == "sending", table.c.claimed_at < expired)
    either = sa.union(
        sa.select(pending.limit(limit).subquery().c.id),
        sa.select(lapsed.limit(limit).subquery().c.id),
    ).subquery()
    return sa.select(either.c.id).order_by(either.c.id).limit(limit).scalar_subquery()


_writer_locks: weakref.WeakKeyDictionary[sa.Engine, threading.Lock] = weakref.WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def writer_turn(engine: sa.Engine) -> AbstractContextManager[Any]:
    """SQLite: the run's writers (claims, the recorder, rate-limit slots) take turns on a lock
    of this process. SQLite admits one writer at a time, and a writer that finds the database
    locked sleeps in its busy handler (1, 2, 5, 10 ms ...) before it tries again: between the
    claims and the recorder of one run that cost more than the writes. Writers in other
    processes still meet the busy handler. PostgreSQL locks rows: no turn is needed."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _writer_locks_guard:
        lock = _writer_locks.get(engine)
        if lock is None:
            lock = _writer_locks[engine] = threading.Lock()
    return lock


_CLAIMED_COLUMNS = (
    "id",
    "key",
    "recipient",
    "title",
    "body_text",
    "body_html",
    "body_md",
    "attachments",
    "attempts",
    "delivered",
)
_ClaimedRow = collections.namedtuple("_ClaimedRow", _CLAIMED_COLUMNS)  # type: ignore[misc]
_postgres_claims: dict[tuple[str, bool], Prepared] = {}


def _postgres_claim(dialect: sa.Dialect, skip_backoff: bool) -> Prepared:
    """The claim on PostgreSQL, compiled once per process (its values are parameters):
    building and compiling it cost the run's main thread more than the server spent."""
    key = (dialect.name, skip_backoff)
    if key not in _postgres_claims:
        table = _table()
        timestamp = table.c.next_attempt_at.type
        token = sa.bindparam("token", type_=table.c.claim_token.type)
        _postgres_claims[key] = Prepared(
            outbox_postgres.claim_statement(
                table,
                lapsed=table.c.claimed_at < sa.bindparam("expired", type_=timestamp),
                due_now=_due_now(
                    table,
                    sa.bindparam("now", type_=timestamp),  # type: ignore[arg-type]
                    token=token,  # type: ignore[arg-type]
                    skip_backoff=skip_backoff,
                ),
                limit=sa.bindparam("limit", type_=sa.Integer),
                values={
                    "status": "sending",
                    "claimed_at": sa.bindparam("wall", type_=timestamp),
                    "claim_token": token,
                },
                columns=[table.c[name] for name in _CLAIMED_COLUMNS],
            ),
            dialect,
        )
    return _postgres_claims[key]


def _run_connection(engine: sa.Engine) -> sa.Connection:
    """A connection a delivery run keeps for its claims or its results. On PostgreSQL it is
    in autocommit: each write there is one statement, committed as it ends
    (notifications.outbox_postgres)."""
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    return engine.connect()


def claim(
    engine: sa.Engine,
    *,
    now: datetime,
    token: str,
    limit: int,
    lease: timedelta,
    skip_backoff: bool = False,
    conn: sa.Connection | None = None,
) -> list[ClaimedNotice]:
    """Marks up to `limit` due notices as ours in one conditional UPDATE and returns them.

    `conn`: on PostgreSQL, the run's connection in autocommit (`_run_connection`)."""
    table = _table()
    wall = wall_clock()
    if engine.dialect.name == "postgresql":
        prepared = _postgres_claim(engine.dialect, skip_backoff)
        given = {"expired": wall - lease, "now": now, "wall": wall, "token": token, "limit": limit}
        with nullcontext(conn) if conn is not None else engine.begin() as held:
            rows: Sequence[Any] = [_ClaimedRow(*row) for row in prepared.fetch(held, given)]
    else:
        take = sa.update(table).values(status="sending", claimed_at=wall, claim_token=token)
        due = _due(table, now, wall - lease, token=token, skip_backoff=skip_backoff)
        with writer_turn(engine), engine.begin() as conn:
            # SQLite runs one writer at a time: the UPDATE re-checks the condition itself, on
            # the rows the ids name (read through the index, the re-check walked every due
            # notice for each claim: 11 ms a claim at 10,000 due, against 1 ms).
            recheck = _due(
                table,
                now,
                wall - lease,
                token=token,
                skip_backoff=skip_backoff,
                status=scanned(table.c.status, "sqlite"),
            )
            stmt = take.where(
                table.c.id.in_(_sqlite_due_ids(table, due, now, wall - lease, limit, skip_backoff)),
                recheck,
            )
            rows = conn.execute(stmt.returning(*(table.c[name] for name in _CLAIMED_COLUMNS))).all()
    return sorted(
        (
            ClaimedNotice(
                id=r.id,
                key=r.key,
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
        ),
        key=lambda n: n.id,
    )


def release_waiting(engine: sa.Engine, channels: Channels, *, now: datetime) -> int:
    """Notices 'waiting' for a recipient that now has a channel become due again."""
    table = _table()
    with engine.begin() as conn:
        recipients = list(
            conn.execute(
                sa.select(table.c.recipient).where(table.c.status == "waiting").distinct()
            ).scalars()
        )
        reachable = [r for r in recipients if channels.has_channel(r)]
        released = 0
        for i in range(0, len(reachable), CHUNK):
            result = conn.execute(
                sa.update(table)
                .where(
                    table.c.status == "waiting",
                    table.c.recipient.in_(reachable[i : i + CHUNK]),
                )
                .values(status="pending", next_attempt_at=now, last_error="")
            )
            released += result.rowcount
    return released


# --- recording ------------------------------------------------------------------------


@dataclass
class _Outcome:
    notice: ClaimedNotice
    remaining: int
    delivered: list[str]
    errors: list[str] = field(default_factory=list)
    only_local: bool = True
    no_channel: bool = False


@dataclass
class _Item:
    result: SendResult | None  # None: outcomes final without a send (no channel)
    settled: list[_Outcome] = field(default_factory=list)
    done: bool = False  # committed (or failed: error), under Recorder.committed
    error: BaseException | None = None


_STOP = object()


class RecordingError(Exception):
    """The recorder could not commit a result: the lane stops (its notices stay claimed
    until the lease runs out), and the run ends with the error."""


ATTEMPT_COLUMNS = ("notice_id", "at", "channel", "ok", "error")


class Recorder:
    """The one thread that writes delivery results.

    A lane hands over each send's result and waits until it is committed before it sends
    the next, so a crash repeats at most one message per lane. Results that arrive while a
    commit is under way go into the next commit together (group commit). Between commits
    the thread renews the run's lease on the notices it still holds.

    The thread keeps one connection for the whole run and writes through statements compiled
    once (models.prepared): at a catch-up day of 10,000 emails, SQLAlchemy's per-statement
    work and a checkout with its ping per commit cost the recorder more than the database
    did. Lanes wait on one condition, woken once per commit."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        token: str,
        now: datetime,
        max_attempts: int,
        lease: timedelta,
        report: DeliveryReport,
        outcomes: dict[int, _Outcome],
    ) -> None:
        self.engine = engine
        self.token = token
        self.now = now
        self.max_attempts = max_attempts
        self.renew_every = max(lease.total_seconds() / 4, 0.2)
        self.report = report
        self.outcomes = outcomes
        self.queue: queue.Queue[Any] = queue.Queue()
        self.committed = threading.Condition()
        self._last_renewal = time.monotonic()
        self._conn: sa.Connection | None = None
        self._statements: dict[str, Prepared] = {}
        self._postgres = False
        self._thread = threading.Thread(target=self._run, name="delivery-recorder", daemon=True)
        self._thread.start()

    # called by the lanes
    def record(self, result: SendResult) -> None:
        """Hands over one send's result and returns once it is committed."""
        self.wait(self.submit(result))

    def submit(self, result: SendResult) -> _Item:
        """Hands over one send's result; `wait` on it before the lane's next message is
        accepted by its server (notifications.delivery.send_smtp_lane)."""
        item = _Item(result)
        self.queue.put(item)
        return item

    def settle(self, outcomes: list[_Outcome]) -> None:
        """Outcomes decided without a send (no channel, or nothing left to send)."""
        if outcomes:
            item = _Item(None, outcomes)
            self.queue.put(item)
            self.wait(item)

    def wait(self, item: _Item) -> None:
        with self.committed:
            while not item.done:
                self.committed.wait()
        if item.error is not None:
            raise RecordingError(str(item.error)) from item.error

    def close(self) -> None:
        self.queue.put(_STOP)
        self._thread.join()

    # the recorder thread
    def _run(self) -> None:
        try:
            self._conn = _run_connection(self.engine)
            self._prepare(self._conn.dialect)
        except BaseException as exc:  # every lane's first record() raises it
            self._fail_all(exc)
            return
        try:
            self._loop()
        finally:
            self._conn.close()

    def _fail_all(self, exc: BaseException) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            with self.committed:
                item.error, item.done = exc, True
                self.committed.notify_all()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            try:
                first = self.queue.get(timeout=self.renew_every)
            except queue.Empty:
                self._renew_quietly()
                continue
            items: list[_Item] = []
            for item in self._drain(first):
                if item is _STOP:
                    stopping = True
                else:
                    items.append(item)
            if items:
                error: BaseException | None = None
                try:
                    self._write(items)
                except BaseException as exc:  # handed to every waiting lane
                    error = exc
                with self.committed:
                    for item in items:
                        item.error, item.done = error, True
                    self.committed.notify_all()
            if time.monotonic() - self._last_renewal > self.renew_every:
                self._renew_quietly()

    def _drain(self, first: Any) -> Iterator[Any]:
        yield first
        while True:
            try:
                yield self.queue.get_nowait()
            except queue.Empty:
                return

    def _renew_quietly(self) -> None:
        assert self._conn is not None
        try:
            with writer_turn(self.engine), self._conn.begin():
                table = _table()
                self._conn.execute(
                    sa.update(table)
                    .where(table.c.claim_token == self.token, table.c.status == "sending")
                    .values(claimed_at=wall_clock())
                )
            self._last_renewal = time.monotonic()
        except sa.exc.SQLAlchemyError as exc:  # the next commit will tell; keep sending
            log.warning("续租发件箱通知失败:%s", type(exc).__name__)

    def _prepare(self, dialect: sa.Dialect) -> None:
        table = _table()
        mine = sa.and_(
            table.c.id == sa.bindparam("b_id"), table.c.claim_token == sa.bindparam("b_token")
        )
        partial = (
            sa.update(table)
            .where(mine)
            .values(
                delivered=sa.bindparam("delivered", type_=sa.JSON),
                claimed_at=sa.bindparam("claimed_at", type_=table.c.claimed_at.type),
            )
        )
        final = (
            sa.update(table)
            .where(mine)
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
        attempts: sa.Table = NoticeAttempt.__table__  # type: ignore[attr-defined]
        attempt = sa.insert(attempts).values(
            {name: sa.bindparam(name, type_=attempts.c[name].type) for name in ATTEMPT_COLUMNS}
        )
        self._statements = {
            "partial": Prepared(partial, dialect),
            "final": Prepared(final, dialect),
            "attempt": Prepared(attempt, dialect),
        }
        self._postgres = dialect.name == "postgresql"

    def _write(self, items: list[_Item]) -> None:
        finals: list[dict[str, Any]] = []
        partials: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        settled: list[_Outcome] = []
        wall = wall_clock()
        for item in items:
            if item.result is None:
                settled.extend(item.settled)
                continue
            r = item.result
            outcome = self.outcomes[r.notice_id]
            outcome.remaining -= 1
            outcome.only_local = outcome.only_local and r.channel.is_local
            if r.ok:
                outcome.delivered.append(r.channel.fingerprint)
            else:
                assert r.failure is not None
                outcome.errors.append(f"{r.channel.masked}:{r.failure.reason}")
            attempts.append(
                {
                    "notice_id": r.notice_id,
                    "at": r.at,
                    "channel": r.channel.masked[:400],
                    "ok": r.ok,
                    "error": r.failure.for_log()[:2000] if r.failure else "",
                }
            )
            if outcome.remaining == 0:
                settled.append(outcome)
            else:
                partials.append(
                    {
                        "b_id": r.notice_id,
                        "b_token": self.token,
                        "delivered": list(outcome.delivered),
                        "claimed_at": wall,
                    }
                )
        for outcome in settled:
            finals.append(self._final(outcome))
        conn, prepared = self._conn, self._statements
        assert conn is not None
        if self._postgres:  # one statement, committed as it ends
            sql, args = outbox_postgres.record_statement(
                token=self.token, wall=wall, finals=finals, partials=partials, attempts=attempts
            )
            with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(sql, args)
        else:
            with writer_turn(self.engine), conn.begin():
                prepared["partial"].executemany(conn, partials)
                prepared["final"].executemany(conn, finals)
                prepared["attempt"].executemany(conn, attempts)
        for outcome in settled:
            self.outcomes.pop(outcome.notice.id, None)
            self._count(outcome)

    def _final(self, o: _Outcome) -> dict[str, Any]:
        n = o.notice
        if o.no_channel:
            status, attempts = "waiting", n.attempts
        elif o.errors:
            attempts = n.attempts + 1
            status = "failed" if attempts >= self.max_attempts else "pending"
        else:
            attempts = n.attempts + 1
            status = "local" if o.only_local and o.delivered else "sent"
        return {
            "b_id": n.id,
            "b_token": self.token,
            "status": status,
            "attempts": attempts,
            "delivered": o.delivered,
            "last_error": "; ".join(o.errors)[:2000],
            "next_attempt_at": self.now + backoff(attempts) if status == "pending" else self.now,
            "sent_at": self.now if status in ("sent", "local") else None,
            # A refused notice keeps this run's token: the run does not take it up again.
            "claim_token": self.token if status == "pending" else None,
        }

    def _count(self, o: _Outcome) -> None:
        report, n = self.report, o.notice
        if o.no_channel:
            pass  # counted with every other waiting notice when the run ends
        elif o.errors:
            report.errors.append(f"{n.recipient}:{'; '.join(o.errors)}")
            if n.attempts + 1 >= self.max_attempts:
                report.failed += 1
            else:
                report.retrying += 1
        elif o.only_local and o.delivered:
            report.local += 1
        else:
            report.sent += 1


# --- sending --------------------------------------------------------------------------

Job = tuple[ClaimedNotice, Channel]
Record = Callable[[SendResult], None]


def _apprise_words(result: Any) -> str:
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
    return "; ".join(lines)


def _masked(failure: Failure, channel: Channel) -> Failure:
    return Failure(
        mask(failure.reason, channel.url, channel.masked, channel.privacy_url),
        mask(failure.detail, channel.url, channel.masked, channel.privacy_url),
    )


def _apprise_failure(plugin: Any, words: str, elapsed: float) -> Failure:
    port = getattr(plugin, "port", None)
    if not port and getattr(plugin, "host", None):
        port = 443 if getattr(plugin, "secure", False) else 80
    timeouts = [
        t
        for t in (
            getattr(plugin, "socket_connect_timeout", None),
            getattr(plugin, "socket_read_timeout", None),
        )
        if isinstance(t, int | float) and t > 0
    ]
    return describe_apprise(
        words,
        host=getattr(plugin, "host", None),
        port=port if isinstance(port, int) else None,
        elapsed=elapsed,
        timeout=max(timeouts) if timeouts else None,
    )


class ChannelSlots:
    """Rate limits that hold across deliverers: before each send to a rate-limited channel
    (Apprise's `request_rate_per_sec`, seconds between messages: 5.5 for a DingTalk or WeCom
    robot) a lane reserves the channel's next free slot in the database and waits for it."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def reserve(self, channel: Channel, interval: float) -> float:
        """Seconds to wait before sending; the slot after this one is taken for the next."""
        table: sa.Table = ChannelSlot.__table__  # type: ignore[attr-defined]
        here = table.c.channel == channel.fingerprint
        # A no-op UPDATE takes the row's lock (SQLite: the write lock) before reading it, so
        # two deliverers never take the same slot.
        lock = sa.update(table).where(here).values(channel=table.c.channel)
        wall = wall_clock()
        with writer_turn(self.engine), self.engine.begin() as conn:
            if conn.execute(lock).rowcount == 0:
                insert = upsert(table, conn.dialect.name).on_conflict_do_nothing(
                    index_elements=["channel"]
                )
                conn.execute(insert.values(channel=channel.fingerprint, next_at=wall))
                conn.execute(lock)
            next_at = conn.execute(sa.select(table.c.next_at).where(here)).scalar_one()
            slot = max(next_at, wall)
            conn.execute(
                sa.update(table).where(here).values(next_at=slot + timedelta(seconds=interval))
            )
        return (slot - wall).total_seconds()


def send_apprise_lane(
    channels: Channels, jobs: Iterable[Job], record: Record, *, slots: ChannelSlots
) -> None:
    """All sends to one channel URL, in order, through one plugin object, at the channel's
    rate across every deliverer."""
    first = next(iter(jobs), None)
    if first is None:
        return
    jobs = itertools.chain([first], jobs)
    channel = first[1]
    try:
        import apprise

        plugin = channels.plugin_for(channel)
        apobj = apprise.Apprise(asset=asset())
        apobj.add(plugin)
    except Exception as exc:  # a configuration problem fails every job of the lane
        refused = _masked(Failure("通知渠道配置有误", str(getattr(exc, "message", exc))), channel)
        for notice, _ in jobs:
            record(SendResult(notice.id, channel, False, refused))
        return
    interval = float(getattr(plugin, "request_rate_per_sec", 0) or 0)
    for notice, _ in jobs:
        failure: Failure | None = None
        if interval > 0:
            time.sleep(max(0.0, slots.reserve(channel, interval)))
        start = time.monotonic()
        try:
            result = apobj.notify(
                body=notice.body_for(channel),
                title=notice.title,
                body_format=notify_format(channel.body_format),
                attach=notice.attachment(),
            )
            if not result:
                failure = _apprise_failure(plugin, _apprise_words(result), time.monotonic() - start)
        except Exception as exc:  # never let one notice stop the lane
            failure = Failure("发送失败", f"{type(exc).__name__}: {exc}")
        record(
            SendResult(
                notice.id, channel, failure is None, _masked(failure, channel) if failure else None
            )
        )


# email -------------------------------------------------------------------------------


def smtp_lane_key(plugin: Any) -> tuple[Any, ...]:
    return ("smtp", plugin.smtp_host, plugin.port, plugin.secure_mode, plugin.user, plugin.password)


def smtp_connect(plugin: Any) -> smtplib.SMTP:
    """One SMTP connection as Apprise would open it (SSL / STARTTLS / plain, then login)."""
    # Apprise's email plugin loads only when email is sent: a run that sends nothing saves
    # a tenth of its start-up (it pulls in requests and the WKD lookup).
    from apprise.plugins.email.smtp import SMTPSecureMode

    context = ssl.create_default_context()
    if not plugin.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    timeout = plugin.socket_connect_timeout
    conn: smtplib.SMTP
    if plugin.secure_mode == SMTPSecureMode.SSL:
        conn = smtplib.SMTP_SSL(
            plugin.smtp_host, plugin.port, None, timeout=timeout, context=context
        )
    else:
        conn = smtplib.SMTP(plugin.smtp_host, plugin.port, None, timeout=timeout)
    try:
        # The dot that ends a message goes out as a write of its own (send_smtp_lane): with
        # Nagle's algorithm it would wait for the server's delayed ACK of the content, 40 ms
        # per message on Linux.
        if conn.sock is not None:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if plugin.secure_mode == SMTPSecureMode.STARTTLS:
            conn.starttls(context=context)
        if plugin.user and plugin.password:
            conn.login(plugin.user, plugin.password)
    except BaseException:
        conn.close()
        raise
    return conn


class SmtpConnections:
    """Open SMTP connections of one run, by server and account, reused from batch to batch."""

    def __init__(self) -> None:
        self._idle: dict[tuple[Any, ...], list[smtplib.SMTP]] = defaultdict(list)
        self._lock = threading.Lock()

    def take(self, key: tuple[Any, ...]) -> smtplib.SMTP | None:
        with self._lock:
            idle = self._idle[key]
            return idle.pop() if idle else None

    def give_back(self, key: tuple[Any, ...], conn: smtplib.SMTP) -> None:
        with self._lock:
            self._idle[key].append(conn)

    def close(self) -> None:
        with self._lock:
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for conn in conns:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()


def _email_messages(plugin: Any, notice: ClaimedNotice, channel: Channel) -> list[Any]:
    """The notice's messages for one email URL (notifications.email_message)."""
    if uses_apprise_builder(plugin):
        return _apprise_email_messages(plugin, notice, channel)
    entity = mime_body(
        body_format=channel.body_format,
        text=notice.body_text,
        html=notice.body_html,
        markdown=notice.body_md,
        attachments=notice.email_attachments(),
    )
    return emails_for(
        plugin,
        notice_key=notice.key,
        fingerprint=channel.fingerprint,
        title=notice.title,
        entity=entity,
        now=wall_clock(),
    )


_MESSAGE_ID = re.compile(r"^Message-ID: .*$", re.MULTILINE)


def _apprise_email_messages(plugin: Any, notice: ClaimedNotice, channel: Channel) -> list[Any]:
    """Apprise's own builder, for what only it does (PGP, inline images)."""
    from apprise.plugins.email.base import NotifyEmail

    messages = list(
        NotifyEmail.prepare_emails(
            subject=notice.title,
            body=notice.body_for(channel),
            notify_format=notify_format(channel.body_format),
            from_addr=plugin.from_addr,
            to=plugin.targets,
            cc=plugin.cc,
            bcc=plugin.bcc,
            reply_to=plugin.reply_to,
            smtp_host=plugin.smtp_host,
            attach=notice.attachment(),
            headers={"X-Application": plugin.app_id, **plugin.headers},
            names=plugin.names,
            pgp=plugin.pgp,
            pgp_mode=plugin.pgp_mode,
            inline=plugin.inline,
        )
    )
    domain = str(plugin.from_addr[1]).rpartition("@")[2]
    for message in messages:
        mid = message_id(notice.key, channel.fingerprint, message.recipient, domain)
        message.body = _MESSAGE_ID.sub(f"Message-ID: {mid}", message.body, count=1)
    return messages


_LEADING_DOT = re.compile(rb"(?m)^\.")
# smtplib quotes both addresses of every message with email.utils.parseaddr (120 us a
# message at a catch-up day of 10,000 emails); a run has a few thousand distinct addresses.
_quoted = functools.lru_cache(maxsize=16384)(smtplib.quoteaddr)


def _smtp_content(body: str) -> bytes:
    """The DATA content as smtplib sends it: every line ending CRLF, a line's leading dot
    doubled (RFC 5321 4.5.2). str.replace does in C what two regular expressions took 90 us
    a message for; the dots are looked for only where a line starts with one."""
    content = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("ascii")
    if content.startswith(b".") or b"\n." in content:
        content = _LEADING_DOT.sub(b"..", content)
    return content


def start_mail(conn: smtplib.SMTP, sender: str, to_addrs: list[str], body: str) -> None:
    """One SMTP transaction up to, not including, the dot that ends its content: MAIL, RCPT,
    DATA and the content, as `smtplib.SMTP.sendmail` sends them. The server accepts the
    message only when the dot arrives (RFC 5321 4.1.1.4), so nothing is sent before
    `finish_mail`, and a connection that drops in between sends nothing."""
    conn.ehlo_or_helo_if_needed()
    # As SMTP.mail and SMTP.rcpt send them without options, the addresses quoted once.
    conn.putcmd("mail", f"FROM:{_quoted(sender)}")
    code, reply = conn.getreply()
    if code != 250:
        _rset(conn)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for address in to_addrs:
        conn.putcmd("rcpt", f"TO:{_quoted(address)}")
        code, reply = conn.getreply()
        if code not in (250, 251):
            refused[address] = (code, reply)
        if code == 421:
            conn.close()
            raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
    if len(refused) == len(to_addrs):
        _rset(conn)
        raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
    code, reply = conn.docmd("data")
    if code != 354:
        _rset(conn)
        raise smtplib.SMTPDataError(code, reply)
    content = _smtp_content(body)
    conn.send(content if content.endswith(b"\r\n") else content + b"\r\n")


def finish_mail(conn: smtplib.SMTP) -> None:
    """The dot: the server takes the message (or refuses it)."""
    conn.send(b".\r\n")
    code, reply = conn.getreply()
    if code != 250:
        _rset(conn)
        raise smtplib.SMTPDataError(code, reply)


def _rset(conn: smtplib.SMTP) -> None:
    """Ends a refused transaction, as smtplib does (a server that hung up needs none)."""
    with suppress(smtplib.SMTPServerDisconnected):
        conn.rset()


def send_smtp_lane(
    channels: Channels, jobs: Iterable[Job], recorder: Recorder, *, pool: SmtpConnections
) -> None:
    """Email to one SMTP server and account over one connection (reopened if it drops).

    A message's result is committed while the next one is on its way: the lane hands the
    result to the recorder, sends the next message's envelope and content, and waits for the
    commit before the dot that makes the server take it. A crash still repeats at most one
    message per lane, and the three round trips of MAIL, RCPT and DATA no longer wait for
    the database (at a catch-up day of 10,000 emails the lanes spent a third of their time
    waiting for commits)."""
    head = next(iter(jobs), None)
    if head is None:
        return
    jobs = itertools.chain([head], jobs)
    first = channels.plugin_for(head[1])
    key = smtp_lane_key(first)
    conn = pool.take(key)
    committing: _Item | None = None  # the previous message's result, being committed

    def previous_committed() -> None:
        nonlocal committing
        if committing is not None:
            item, committing = committing, None
            recorder.wait(item)

    try:
        for notice, channel in jobs:
            failure: Failure | None = None
            try:
                plugin = channels.plugin_for(channel)
                messages = _email_messages(plugin, notice, channel)
                for attempt in (1, 2):
                    try:
                        if conn is None:
                            conn = smtp_connect(first)
                        for message in messages:
                            start_mail(conn, plugin.from_addr[1], message.to_addrs, message.body)
                            previous_committed()
                            finish_mail(conn)
                        break
                    except (smtplib.SMTPServerDisconnected, ConnectionResetError) as exc:
                        # A connection the server closed while idle: open a new one, once.
                        conn = None
                        if attempt == 2:
                            failure = describe_smtp(exc)
            except RecordingError:
                raise
            except smtplib.SMTPRecipientsRefused as exc:
                failure = describe_smtp(exc)  # the connection is still good
            except Exception as exc:
                if conn is not None:
                    conn.close()
                conn = None
                failure = describe_smtp(exc)
            previous_committed()
            committing = recorder.submit(
                SendResult(
                    notice.id,
                    channel,
                    failure is None,
                    _masked(failure, channel) if failure else None,
                )
            )
        previous_committed()
    except BaseException:
        if conn is not None:  # it may be inside a transaction
            conn.close()
            conn = None
        raise
    finally:
        if conn is not None:
            pool.give_back(key, conn)


def lane_of(channels: Channels, channel: Channel, *, smtp_connections: int) -> tuple[Any, int]:
    """(lane, how many senders it may have): one per channel URL; for email one lane per
    SMTP server and account with a few connections."""
    if channel.is_email:
        return smtp_lane_key(channels.plugin_for(channel)), max(1, smtp_connections)
    return ("url", channel.url), 1


class Lanes:
    """Sending lanes that outlive a claimed batch, so the next batch is claimed and prepared
    while this one is still being sent (a pause between batches left every connection idle
    while plugins were made and the claim committed).

    A lane is a queue of jobs and at most its number of senders, each a task on the thread
    pool that sends from the queue until it is empty. One sender per channel URL keeps a
    channel's messages in order and at its rate; an SMTP lane's senders each hold one
    connection."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        channels: Channels,
        recorder: Recorder,
        *,
        smtp: SmtpConnections,
        slots: ChannelSlots,
        smtp_connections: int,
    ) -> None:
        self.pool = pool
        self.channels = channels
        self.recorder = recorder
        self.smtp = smtp
        self.slots = slots
        self.smtp_connections = smtp_connections
        self._changed = threading.Condition()
        self._queues: dict[Any, deque[Job]] = defaultdict(deque)
        self._senders: dict[Any, int] = defaultdict(int)
        self.outstanding = 0  # jobs queued or being sent
        self.error: BaseException | None = None

    def add(self, jobs: Sequence[Job]) -> None:
        start: list[Any] = []
        for job in jobs:
            lane, senders = lane_of(self.channels, job[1], smtp_connections=self.smtp_connections)
            with self._changed:
                self._queues[lane].append(job)
                self.outstanding += 1
                if self._senders[lane] < senders:
                    self._senders[lane] += 1
                    start.append(lane)
        for lane in start:
            self.pool.submit(self._send, lane)

    def wait_until_at_most(self, outstanding: int) -> None:
        with self._changed:
            while self.outstanding > outstanding and self.error is None:
                self._changed.wait()
        if self.error is not None:
            raise self.error

    def _take(self, lane: Any) -> Generator[Job, None, None]:
        """The lane's jobs one by one; a job counts as done when the sender asks for the next."""
        while True:
            with self._changed:
                queue = self._queues[lane]
                if not queue:
                    return
                job = queue.popleft()
            try:
                yield job
            finally:
                with self._changed:
                    self.outstanding -= 1
                    self._changed.notify_all()

    def _send(self, lane: Any) -> None:
        """One sender of the lane. It counts as the lane's until its last result is committed
        and its connection is back in the pool (an email lane commits its last result after
        it took the next job, notifications.delivery.send_smtp_lane), so a batch added
        meanwhile is sent by it rather than by a sender opening one connection more."""
        while True:
            jobs = self._take(lane)
            try:
                if lane[0] == "smtp":
                    send_smtp_lane(self.channels, jobs, self.recorder, pool=self.smtp)
                else:
                    send_apprise_lane(self.channels, jobs, self.recorder.record, slots=self.slots)
            except BaseException as exc:
                jobs.close()  # the job in hand counts as done
                with self._changed:
                    # The lane's queued notices stay claimed: its lease runs out and a later
                    # run sends them. The run ends with this error, as a sender's crash should.
                    self.error = self.error or exc
                    dropped = len(self._queues.pop(lane, ()))
                    self.outstanding -= dropped
                    self._senders[lane] -= 1
                    self._changed.notify_all()
                return
            with self._changed:
                if not self._queues[lane]:
                    self._senders[lane] -= 1
                    return


# --- the run --------------------------------------------------------------------------


def deliver_pending(
    engine: sa.Engine,
    settings: Settings,
    *,
    now: datetime,
    limit: int | None = None,
    channels: Channels | None = None,
    max_workers: int = MAX_WORKERS,
    skip_backoff: bool = False,
) -> DeliveryReport:
    """Sends every due notice once; safe to run again, on several machines at once, or to kill.

    `skip_backoff`: pending notices waiting out a back-off are sent now too (an operator's
    "deliver now")."""
    channels = channels or load_channels(settings)
    config = settings.notify
    lease = timedelta(seconds=config.lease_seconds)
    report = DeliveryReport()
    # Quiet hours: what becomes due now waits for the next allowed time, and nothing is claimed.
    allowed = config.send_window.next_allowed(now, settings.calendar())
    report.quiet_until = allowed if allowed > now else None
    report.errors += compose_drafts(
        engine, settings, now=now, send_at=allowed
    )  # the ledger's decision notices
    release_waiting(engine, channels, now=allowed)
    token = uuid.uuid4().hex
    outcomes: dict[int, _Outcome] = {}
    recorder = Recorder(
        engine,
        token=token,
        now=now,
        max_attempts=settings.rules.max_attempts,
        lease=lease,
        report=report,
        outcomes=outcomes,
    )
    smtp = SmtpConnections()
    slots = ChannelSlots(engine)
    claims = _run_connection(engine) if engine.dialect.name == "postgresql" else None
    try:
        # At most a batch's worth of sends at once, as when lanes ended with their batch: a
        # crash repeats at most that many messages, however far ahead the claims are.
        senders = max(1, min(max_workers, config.claim_batch))
        with ThreadPoolExecutor(max_workers=senders) as pool:
            lanes = Lanes(
                pool,
                channels,
                recorder,
                smtp=smtp,
                slots=slots,
                smtp_connections=config.smtp_connections,
            )
            while report.quiet_until is None and (limit is None or report.claimed < limit):
                # One batch queued behind the one being sent: claims stay small, so other
                # deliverers take their share, and the lanes never wait for a claim.
                lanes.wait_until_at_most(config.claim_batch)
                take = (
                    config.claim_batch
                    if limit is None
                    else min(config.claim_batch, limit - report.claimed)
                )
                batch = claim(
                    engine,
                    now=now,
                    token=token,
                    limit=take,
                    lease=lease,
                    skip_backoff=skip_backoff,
                    conn=claims,
                )
                if not batch:
                    break
                report.claimed += len(batch)
                lanes.add(_jobs(batch, channels, outcomes, recorder))
            lanes.wait_until_at_most(0)
    finally:
        recorder.close()
        smtp.close()
        if claims is not None:
            claims.close()
    _count_waiting(engine, report)
    for error in report.errors:
        log.warning("通知发送失败 %s", error)
    return report


def _count_waiting(engine: sa.Engine, report: DeliveryReport) -> None:
    """Every notice still waiting for a channel, this run's and earlier ones."""
    table = _table()
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(table.c.recipient, sa.func.count())
            .where(table.c.status == "waiting")
            .group_by(table.c.recipient)
            .order_by(sa.func.min(table.c.id))
        ).all()
    report.waiting = sum(n for _, n in waiting)
    report.skipped_no_channel = [r for r, _ in waiting]


def _load_files(batch: list[ClaimedNotice], engine: sa.Engine) -> None:
    """The stored attachments of a batch, read once (a weekly chart is shared by all)."""
    digests = {
        named[0] for n in batch for a in n.attachments if (named := stored_name(a)) is not None
    }
    if not digests:
        return
    with engine.connect() as conn:
        files = load_attachments(conn, digests)
    for notice in batch:
        notice.files = files


def _jobs(
    batch: list[ClaimedNotice],
    channels: Channels,
    outcomes: dict[int, _Outcome],
    recorder: Recorder,
) -> list[Job]:
    jobs: list[Job] = []
    settled: list[_Outcome] = []
    _load_files(batch, recorder.engine)
    for notice in batch:
        every = channels.channels_for(notice.recipient)
        targets = [c for c in every if c.fingerprint not in notice.delivered]
        outcome = _Outcome(notice, remaining=len(targets), delivered=list(notice.delivered))
        outcomes[notice.id] = outcome
        if not every:
            outcome.errors.append(f"{NO_CHANNEL}:Apprise 配置中没有标签“{notice.recipient}”")
            outcome.no_channel = True
            settled.append(outcome)
        elif not targets:  # every channel took it in a run that crashed before finishing
            outcome.only_local = all(c.is_local for c in every)
            settled.append(outcome)
        else:
            jobs.extend((notice, c) for c in targets)
    recorder.settle(settled)
    return jobs
