"""Writing notices into the outbox: set-based, and never the same notice twice.

Attachments go in with the notice: a draft names local files (the weekly chart), the
outbox keeps their bytes by content key (models.outbox.NoticeFile) and the notice names
them `store:<sha256>/<file name>`, so a deliverer on another machine, or in another
working folder, sends the same bytes.

A notice's unique key is `kind:recipient:period`. `enqueue` reads the keys already taken
in one SELECT and inserts the rest in one bulk INSERT that ignores a key a concurrent run
inserted meanwhile (PostgreSQL ON CONFLICT DO NOTHING, SQLite INSERT OR IGNORE).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.bulk import bulk_insert
from ledger.errors import InvalidInputError
from ledger.history import history_row
from models.db import upsert
from models.outbox import Notice, NoticeFile
from models.settings import Settings
from models.tables import HistoryEntry

# Keeps every IN (...) and bulk statement under SQLite's bound-parameter limit.
CHUNK = 2000


@dataclass
class NoticeDraft:
    """A rendered digest for one recipient, not yet in the outbox."""

    kind: str
    recipient: str  # the Apprise tag
    period: str  # the as-of date (2026-12-01) or the week (2026-W49)
    task_ids: list[int]
    title: str
    body_text: str
    body_html: str
    body_md: str
    attachments: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return notice_key(self.kind, self.recipient, self.period)


@dataclass
class EnqueueResult:
    created: int
    duplicates: int
    notice_ids: list[int]  # ids of the notices this call created, in the drafts' order
    # key -> id for every draft's key, created now or found already there
    ids_by_key: dict[str, int] = field(default_factory=dict)
    # keys a concurrent run inserted between our SELECT and our INSERT
    raced_keys: list[str] = field(default_factory=list)


def notice_key(kind: str, recipient: str, period: str) -> str:
    return f"{kind}:{recipient}:{period}"


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def existing_keys(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """The keys already in the outbox, with their notice ids (one SELECT per 2,000 keys)."""
    found: dict[str, int] = {}
    for part in _chunks(keys):
        for notice_id, key in session.exec(
            select(Notice.id, Notice.key).where(col(Notice.key).in_(part))
        ):
            assert notice_id is not None
            found[key] = notice_id
    return found


def _insert_ignoring_taken_keys(session: Session) -> sa.Insert:
    table = Notice.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        return upsert(table, dialect).on_conflict_do_nothing(index_elements=["key"])  # type: ignore[no-any-return]
    return sa.insert(table).prefix_with("IGNORE")


def _copy_ignoring_taken_keys(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """PostgreSQL: the notices go in by COPY into a scratch table, then one INSERT ... SELECT
    that skips keys taken meanwhile and returns the new ids. A multi-row INSERT of thousands
    of rendered notices spent most of its time having psycopg parse the statement."""
    notice: sa.Table = Notice.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.text(
            f"CREATE TEMP TABLE IF NOT EXISTS {INCOMING} (LIKE notice INCLUDING DEFAULTS)"
            " ON COMMIT DROP"
        )
    )
    session.execute(sa.text(f"TRUNCATE {INCOMING}"))
    incoming = sa.Table(INCOMING, sa.MetaData(), *(c._copy() for c in notice.columns))
    bulk_insert(session, incoming, rows)
    columns = ", ".join(f'"{name}"' for name in rows[0])
    inserted = session.execute(
        sa.text(
            f"INSERT INTO notice ({columns}) SELECT {columns} FROM {INCOMING}"
            " ON CONFLICT (key) DO NOTHING RETURNING id, key"
        )
    )
    return {key: notice_id for notice_id, key in inserted}


INCOMING = "notice_incoming"
STORE = "store:"
MAX_ATTACHMENT_BYTES = 25 * 2**20  # what a mail server takes in one message, about


def stored_name(entry: str) -> tuple[str, str] | None:
    """(sha256, file name) of a `store:` attachment; None for an older notice's local path."""
    if not entry.startswith(STORE):
        return None
    digest, _, name = entry.removeprefix(STORE).partition("/")
    return digest, name


def store_attachments(session: Session, paths: Sequence[str]) -> dict[str, str]:
    """Reads each file into the outbox once, by content key; returns path -> `store:` name."""
    named: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    for entry in dict.fromkeys(paths):
        if entry.startswith(STORE):
            named[entry] = entry
            continue
        path = Path(entry)
        try:
            size = path.stat().st_size
            if size > MAX_ATTACHMENT_BYTES:
                raise InvalidInputError(
                    f"附件 {path.name} 有 {size // 2**20} MB,超过 {MAX_ATTACHMENT_BYTES // 2**20} MB,"
                    "邮件服务器通常拒收;请缩小后再发送",
                    field="attachments",
                )
            content = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(
                f"附件 {path.name} 无法读取({exc.strerror}),通知未写入发件箱",
                field="attachments",
            ) from None
        digest = hashlib.sha256(content).hexdigest()
        named[entry] = f"{STORE}{digest}/{path.name}"
        rows.setdefault(digest, {"sha256": digest, "size": len(content), "content": content})
    if rows:
        table = NoticeFile.__table__  # type: ignore[attr-defined]
        taken = set(
            session.execute(
                sa.select(table.c.sha256).where(table.c.sha256.in_(list(rows)))
            ).scalars()
        )
        fresh = [r for digest, r in rows.items() if digest not in taken]
        if fresh:
            dialect = session.get_bind().dialect.name
            insert = upsert(table, dialect).on_conflict_do_nothing(index_elements=["sha256"])
            now = datetime.now(UTC)
            session.execute(insert, [{**r, "created_at": now} for r in fresh])
    return named


def load_attachments(conn: sa.Connection, digests: Iterable[str]) -> dict[str, bytes]:
    """The stored bytes of these content keys (one SELECT)."""
    table = NoticeFile.__table__  # type: ignore[attr-defined]
    wanted = list(dict.fromkeys(digests))
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(table.c.sha256, table.c.content).where(table.c.sha256.in_(wanted))
    )
    return {digest: bytes(content) for digest, content in rows}


def send_time(settings: Settings, now: datetime) -> datetime:
    """When a notice written now may go: now, or in quiet hours the next allowed time."""
    return settings.notify.send_window.next_allowed(now, settings.calendar())


def enqueue(
    drafts: Sequence[NoticeDraft],
    *,
    session: Session,
    now: datetime,
    send_at: datetime | None = None,
) -> EnqueueResult:
    """Add the drafts whose key is free, due at `send_at` (default now: see send_time); count
    the others as duplicates. Never commits."""
    by_key: dict[str, NoticeDraft] = {}
    for draft in drafts:
        by_key.setdefault(draft.key, draft)
    taken = existing_keys(session, list(by_key))
    stored = store_attachments(
        session, [a for k, d in by_key.items() if k not in taken for a in d.attachments]
    )
    rows = [
        {
            "key": key,
            "kind": d.kind,
            "recipient": d.recipient,
            "period": d.period,
            "task_ids": list(d.task_ids),
            "title": d.title,
            "body_text": d.body_text,
            "body_html": d.body_html,
            "body_md": d.body_md,
            "attachments": [stored[a] for a in d.attachments],
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": send_at or now,
            "last_error": "",
            "created_at": now,
            "delivered": [],
        }
        for key, d in by_key.items()
        if key not in taken
    ]
    created: dict[str, int] = {}
    if rows and session.get_bind().dialect.name == "postgresql":
        created = _copy_ignoring_taken_keys(session, rows)
    elif rows:
        table = Notice.__table__  # type: ignore[attr-defined]
        stmt = _insert_ignoring_taken_keys(session).returning(table.c.id, table.c.key)
        for i in range(0, len(rows), CHUNK // 10):
            for notice_id, key in session.execute(stmt, rows[i : i + CHUNK // 10]):
                created[key] = notice_id
    raced = [str(r["key"]) for r in rows if r["key"] not in created]
    if raced:
        taken.update(existing_keys(session, raced))
    ids_by_key = {**taken, **created}
    return EnqueueResult(
        created=len(created),
        duplicates=len(drafts) - len(created),
        notice_ids=[created[k] for k in by_key if k in created],
        ids_by_key=ids_by_key,
        raced_keys=raced,
    )


@dataclass
class RequeueResult:
    requeued: int
    by_status: dict[str, int]  # how many of each status went back to pending


# Statuses `requeue` takes back: a refused notice, one only written to a local file, and one
# waiting out a back-off. 'waiting' needs no requeue (it goes out once a channel exists).
REQUEUE_STATUSES = ("failed", "local", "pending")


def requeue(
    *,
    actor: Actor,
    session: Session,
    now: datetime,
    only_failed: bool = False,
    recipients: Sequence[str] = (),
    notice_ids: Sequence[int] = (),
) -> RequeueResult:
    """Puts notices back in the outbox, due now and with their attempts reset (the office only).

    Without `only_failed`: failed notices, notices written only to a local file, and pending
    notices waiting out a back-off. `recipients` narrows it to those Apprise tags,
    `notice_ids` to those notices (the web's button on one notice). Each notice put back
    gets a history line (who, when, from which status)."""
    require_office(actor, "重新发送通知")
    table = Notice.__table__  # type: ignore[attr-defined]
    statuses = ("failed",) if only_failed else REQUEUE_STATUSES
    where = [table.c.status.in_(statuses)]
    if recipients:
        where.append(table.c.recipient.in_(list(dict.fromkeys(recipients))))
    if notice_ids:
        where.append(table.c.id.in_(list(dict.fromkeys(notice_ids))))
    taken = session.execute(
        # Locked (PostgreSQL), so the update below puts back exactly the notices counted.
        sa.select(table.c.id, table.c.status).where(*where).order_by(table.c.id).with_for_update()
    ).all()
    counts: dict[str, int] = {}
    for _id, status in taken:
        counts[status] = counts.get(status, 0) + 1
    session.execute(
        sa.update(table)
        .where(*where)
        # `delivered` stays: a channel that already took the notice does not get it again.
        .values(status="pending", attempts=0, next_attempt_at=now, claim_token=None)
    )
    bulk_insert(
        session,
        HistoryEntry.__table__,  # type: ignore[attr-defined]
        [
            history_row(
                actor=actor.name,
                channel=actor.channel,
                action="requeue",
                entity="notice",
                entity_id=notice_id,
                now=now,
                field="status",
                old=status,
                new="pending",
            )
            for notice_id, status in taken
        ],
    )
    return RequeueResult(requeued=len(taken), by_status=counts)
