"""`/rounds`: the office adds and edits rounds and units (a round's board is /rounds/{id})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger.errors import InvalidInputError, NotFoundError
from ledger.round_admin import (
    RoundFields,
    RoundsPage,
    create_round,
    create_unit,
    edit_round,
    edit_unit,
    rounds_page,
)
from ledger.uow import transaction
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render

router = APIRouter()

DONE = {
    "round": "轮次已登记。",
    "round-edited": "轮次已保存。",
    "unit": "单位已登记。",
    "unit-edited": "单位已保存。",
}


def _fields(
    source_kind: str,
    body: str,
    subject: str,
    org: str,
    day: str,
    doc: str,
    title: str,
    cadence: str,
) -> RoundFields:
    return RoundFields(source_kind, body, subject, org, day, doc, title, cadence)


def _page(cfg: Config, actor: SignedIn) -> RoundsPage:
    with transaction(cfg.engine) as session:
        return rounds_page(
            session=session, actor=actor, default_cadence=cfg.settings.rules.report_cadence
        )


@router.get("/rounds")
def rounds(request: Request, cfg: Config, ctx: Ctx, actor: SignedIn, ok: str = "") -> Response:
    page = _page(cfg, actor)
    return render(request, "office/rounds.html", {"page": page, "ok": DONE.get(ok, "")})


def _refused(request: Request, exc: InvalidInputError | NotFoundError, form: dict[str, str]):
    return render(
        request,
        "office/rounds.html",
        {"page": None, "form": form, "errors": {exc.field or "_": exc.message}},
        status=400,
    )


@router.post("/rounds")
def add_round(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    source_kind: Annotated[str, Form()] = "巡视",
    body: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    inspected_org: Annotated[str, Form()] = "",
    feedback_date: Annotated[str, Form()] = "",
    plan_doc_no: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    report_cadence: Annotated[str, Form()] = "",
) -> Response:
    fields = _fields(
        source_kind, body, subject, inspected_org, feedback_date, plan_doc_no, title, report_cadence
    )
    try:
        with transaction(cfg.engine) as session:
            made = create_round(fields, session=session, actor=actor, now=ctx.now)
            made_id = made.id
    except (InvalidInputError, NotFoundError) as exc:
        return _refused(request, exc, {"kind": "round", **vars(fields)})
    return RedirectResponse(f"/rounds/{made_id}", status_code=303)


def _edit_again(
    request: Request,
    cfg: Config,
    actor: SignedIn,
    exc: InvalidInputError | NotFoundError,
    *,
    kind: str,
    key: int,
    values: dict[str, str],
) -> Response:
    """The page again, the refused round's or unit's form open with what was typed and the
    message beside its field."""
    page = _page(cfg, actor)
    edit = {"kind": kind, "id": key, "values": values, "errors": {exc.field or "_": exc.message}}
    return render(request, "office/rounds.html", {"page": page, "edit": edit}, status=400)


@router.post("/rounds/{inspection_id}")
def change_round(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    inspection_id: int,
    source_kind: Annotated[str, Form()] = "巡视",
    body: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    inspected_org: Annotated[str, Form()] = "",
    feedback_date: Annotated[str, Form()] = "",
    plan_doc_no: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    report_cadence: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    fields = _fields(
        source_kind, body, subject, inspected_org, feedback_date, plan_doc_no, title, report_cadence
    )
    try:
        with transaction(cfg.engine) as session:
            edit_round(inspection_id, fields, reason, session=session, actor=actor, now=ctx.now)
    except InvalidInputError as exc:
        values = {**vars(fields), "reason": reason}
        return _edit_again(request, cfg, actor, exc, kind="round", key=inspection_id, values=values)
    return RedirectResponse("/rounds?ok=round-edited", status_code=303)


@router.post("/units")
def add_unit(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    name: Annotated[str, Form()] = "",
    notify_tag: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            create_unit(name, notify_tag, session=session, actor=actor, now=ctx.now)
    except (InvalidInputError, NotFoundError) as exc:
        return _refused(request, exc, {"kind": "unit", "name": name, "notify_tag": notify_tag})
    return RedirectResponse("/rounds?ok=unit", status_code=303)


@router.post("/units/{unit_id}")
def change_unit(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    unit_id: int,
    name: Annotated[str, Form()] = "",
    notify_tag: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            edit_unit(unit_id, name, notify_tag, session=session, actor=actor, now=ctx.now)
    except InvalidInputError as exc:
        values = {"name": name, "notify_tag": notify_tag}
        return _edit_again(request, cfg, actor, exc, kind="unit", key=unit_id, values=values)
    return RedirectResponse("/rounds?ok=unit-edited", status_code=303)
