"""`/outbox`: the notices the signed-in user may read (the office every one, a unit those
addressed to it or its people), by status, with the last error and when a waiting one goes
out; the office's retry of one notice or of every failed one (put back as due now; the next
delivery sends it). The same service lists `rectify outbox` (ledger.outbox_view)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger.outbox_view import STATUS_LABELS, outbox_page
from ledger.uow import transaction
from notifications.outbox import requeue
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render

router = APIRouter()


@router.get("/outbox")
def outbox(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    status: str | None = None,
    retried: int | None = None,
) -> Response:
    opens = ctx.settings.notify.send_window.next_allowed(ctx.now, ctx.calendar)
    with transaction(cfg.engine) as session:
        page = outbox_page(
            session=session,
            actor=actor,
            now=ctx.now,
            status=status if status in STATUS_LABELS else None,  # an unknown one: no filter
            window_opens=opens,
        )
    context = {"o": page, "labels": STATUS_LABELS, "retried": retried, "office": actor.is_office}
    return render(request, "office/outbox.html", context)


@router.post("/outbox/retry")
def retry(
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    notice_id: Annotated[int | None, Form()] = None,
) -> Response:
    """One notice (its button), or without a notice every failed one (重发全部失败通知)."""
    with transaction(cfg.engine) as session:
        result = requeue(
            actor=actor,
            session=session,
            now=ctx.now,
            only_failed=notice_id is None,
            notice_ids=[notice_id] if notice_id is not None else [],
        )
    return RedirectResponse(f"/outbox?retried={result.requeued}", status_code=303)
