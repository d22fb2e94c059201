"""`/outbox`: the office's view of every notice, by status, with the last error."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledger.outbox_view import STATUS_LABELS, outbox_page
from ledger.uow import transaction
from web.deps import Config, SignedIn
from web.rendering import render

router = APIRouter()


@router.get("/outbox")
def outbox(request: Request, cfg: Config, actor: SignedIn, status: str | None = None) -> Response:
    with transaction(cfg.engine) as session:
        page = outbox_page(session=session, actor=actor, status=status)
    return render(request, "office/outbox.html", {"o": page, "labels": STATUS_LABELS})
