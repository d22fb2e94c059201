"""The office corrects a task (`/tasks/{id}/edit`), withdraws it (撤销) or restores it (恢复),
each with a reason; a refused form comes back with the values and the message beside its
field. Who may is decided in ledger.task_admin and ledger.corrections."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger import corrections
from ledger.errors import InvalidInputError, LifecycleError
from ledger.task_admin import TaskFields, edit_task_from_form, task_edit_page
from ledger.uow import transaction
from models.enums import TaskKind
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render

router = APIRouter()

EditForm = Literal["edit", "withdraw", "restore"]


def _page(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    task_id: int,
    *,
    fields: TaskFields | None = None,
    refused: tuple[EditForm, InvalidInputError | LifecycleError] | None = None,
    reason: str = "",
) -> Response:
    with transaction(cfg.engine) as session:
        page = task_edit_page(
            task_id, session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
        )
    context = {
        "t": page.task,
        "round_cadence": page.round_cadence,
        "fields": fields or TaskFields.of(page),
        "kinds": list(TaskKind),
        "open_form": refused[0] if refused else "",
        "errors": {refused[1].field or "_": refused[1].message} if refused else {},
        "reason": reason,
    }
    return render(request, "office/task_edit.html", context, status=400 if refused else 200)


@router.get("/tasks/{task_id}/edit")
def edit_page(request: Request, cfg: Config, ctx: Ctx, actor: SignedIn, task_id: int) -> Response:
    return _page(request, cfg, ctx, actor, task_id)


@router.post("/tasks/{task_id}/edit")
def edit(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    measure: Annotated[str, Form()] = "",
    lead_unit: Annotated[str, Form()] = "",
    co_units: Annotated[str, Form()] = "",
    leader: Annotated[str, Form()] = "",
    person: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    deadline: Annotated[str, Form()] = "",
    report_cadence: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    fields = TaskFields(
        measure, lead_unit, co_units, leader, person, kind, deadline, report_cadence
    )
    try:
        with transaction(cfg.engine) as session:
            edit_task_from_form(
                task_id,
                fields,
                reason,
                session=session,
                actor=actor,
                now=ctx.now,
                rules=cfg.settings.rules,
                calendar=ctx.calendar,
            )
    except InvalidInputError as exc:
        return _page(
            request, cfg, ctx, actor, task_id, fields=fields, refused=("edit", exc), reason=reason
        )
    return RedirectResponse(f"/tasks/{task_id}?ok=edited", status_code=303)


@router.post("/tasks/{task_id}/withdraw")
def withdraw(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            corrections.withdraw_task(
                task_id, reason=reason, session=session, actor=actor, now=ctx.now
            )
    except (InvalidInputError, LifecycleError) as exc:
        return _page(request, cfg, ctx, actor, task_id, refused=("withdraw", exc), reason=reason)
    return RedirectResponse(f"/tasks/{task_id}?ok=withdrawn", status_code=303)


@router.post("/tasks/{task_id}/restore")
def restore(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            corrections.restore_task(
                task_id, reason=reason, session=session, actor=actor, now=ctx.now
            )
    except (InvalidInputError, LifecycleError) as exc:
        return _page(request, cfg, ctx, actor, task_id, refused=("restore", exc), reason=reason)
    return RedirectResponse(f"/tasks/{task_id}?ok=restored", status_code=303)
