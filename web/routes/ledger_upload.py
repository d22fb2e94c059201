"""The ledger upload: `/import` tries the file (a dry run shown row by row), then the
office confirms and the same bytes are imported."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from ledger.errors import InvalidInputError
from ledger.ledger_upload import confirm_ledger, try_ledger, upload_choices
from ledger.uow import transaction
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render

router = APIRouter()


def _round_id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInputError(f"整改轮次“{value}”无效,请从列表中选择", field="inspection_id")
    return int(value)


@router.get("/import")
def import_form(request: Request, cfg: Config, ctx: Ctx, actor: SignedIn) -> Response:
    with transaction(cfg.engine) as session:
        choices = upload_choices(session=session, actor=actor)
    return render(request, "office/import.html", {"choices": choices, "chosen": ""})


@router.post("/import")
def import_try(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    file: Annotated[UploadFile | None, File()] = None,
    inspection_id: Annotated[str, Form()] = "",
) -> Response:
    chosen = _round_id(inspection_id)
    settings = cfg.settings
    with transaction(cfg.engine) as session:
        tried = try_ledger(
            (file.filename or "") if file else "",
            file.file if file else io.BytesIO(),
            session=session,
            actor=actor,
            folder=settings.data_dir / "uploads",
            now=ctx.now,
            today=ctx.today,
            rules=settings.rules,
            calendar=ctx.calendar,
            inspection_id=chosen,
            max_bytes=cfg.max_file_bytes,
        )
    ok = tried.result is not None
    return render(
        request,
        "office/import.html",
        {"t": tried, "choices": tried.choices, "chosen": inspection_id},
        status=200 if ok else 400,
    )


@router.post("/import/confirm")
def import_confirm(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    inspection_id: Annotated[str, Form()] = "",
) -> Response:
    settings = cfg.settings
    with transaction(cfg.engine) as session:
        done = confirm_ledger(
            token,
            name,
            session=session,
            actor=actor,
            folder=settings.data_dir / "uploads",
            now=ctx.now,
            today=ctx.today,
            rules=settings.rules,
            calendar=ctx.calendar,
            inspection_id=_round_id(inspection_id),
        )
    return render(request, "office/import.html", {"t": done, "choices": [], "chosen": ""})
