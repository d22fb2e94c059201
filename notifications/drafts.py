"""Rendering the drafts the ledger writes with its decisions (ledger.decision_notices).

A draft carries the facts of its notice (`data`); here it gets its title and bodies from
the templates of its kind (the office's own first, RECTIFY_TEMPLATES) and becomes pending,
just before delivery claims what is due. A draft whose template fails stays a draft with
the error, so fixing the template and delivering again sends it; nothing is lost.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from ledger.decision_notices import DRAFT
from ledger.reminders import OFFICE_NAME
from models.outbox import Notice
from models.settings import Settings
from notifications.errors import TemplateError
from notifications.render import Renderer

log = logging.getLogger(__name__)

BATCH = 500


def compose_drafts(
    engine: sa.Engine, settings: Settings, *, now: datetime, send_at: datetime | None = None
) -> list[str]:
    """Renders every draft due by `now` and makes it pending, due at `send_at` (the next
    allowed time in quiet hours, else now); returns the errors, one line each. Safe beside a
    second run: each row changes only while it is still a draft."""
    table: sa.Table = Notice.__table__  # type: ignore[attr-defined]
    due = sa.and_(table.c.status == DRAFT, table.c.next_attempt_at <= now)
    errors: list[str] = []
    renderer: Renderer | None = None
    last_id = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.id, table.c.kind, table.c.recipient, table.c.data)
                .where(due, table.c.id > last_id)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
        if not rows:
            return errors
        last_id = rows[-1].id
        renderer = renderer or Renderer(settings.templates_dir)
        updates = []
        failed = []
        for row in rows:
            try:
                # Each task links to its web page when RECTIFY_BASE_URL is set, as in reminders.
                rendered = renderer.render(
                    row.kind,
                    {"office_name": OFFICE_NAME, "base_url": settings.base_url, **(row.data or {})},
                )
            except TemplateError as exc:
                errors.append(f"{row.recipient}:{exc.message}")
                failed.append({"b_id": row.id, "error": exc.message[:2000]})
                continue
            updates.append(
                {
                    "b_id": row.id,
                    "title": rendered.title,
                    "body_text": rendered.text,
                    "body_html": rendered.html,
                    "body_md": rendered.md,
                }
            )
        with engine.begin() as conn:
            if updates:
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == sa.bindparam("b_id"), table.c.status == DRAFT)
                    .values(
                        title=sa.bindparam("title"),
                        body_text=sa.bindparam("body_text"),
                        body_html=sa.bindparam("body_html"),
                        body_md=sa.bindparam("body_md"),
                        status="pending",
                        last_error="",
                        next_attempt_at=send_at or now,
                    ),
                    updates,
                )
            if failed:
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == sa.bindparam("b_id"), table.c.status == DRAFT)
                    .values(last_error=sa.bindparam("error")),
                    failed,
                )
        for error in errors[-len(failed) :] if failed else ():
            log.warning("通知未能生成 %s", error)
