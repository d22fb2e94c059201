"""`/users`: the office adds, edits and deactivates users and resets their passwords."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger.errors import InvalidInputError, NotFoundError, RectifyError
from ledger.uow import transaction
from ledger.user_admin import create_user, edit_user, list_users, reset_password, set_active
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render

router = APIRouter()

DONE = {
    "added": "用户已登记,可用所设密码登录。",
    "edited": "用户信息已保存。",
    "password": "密码已重置,该用户已登录的会话全部失效。",
    "deactivated": "用户已停用,已登录的会话全部失效。",
    "activated": "用户已启用。",
}


@router.get("/users")
def users_page(request: Request, cfg: Config, ctx: Ctx, actor: SignedIn, ok: str = "") -> Response:
    with transaction(cfg.engine) as session:
        listing = list_users(session=session, actor=actor, now=ctx.now)
    return render(request, "office/users.html", {"listing": listing, "ok": DONE.get(ok, "")})


def _edit_again(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    exc: RectifyError,
    *,
    form: str,
    user_id: int,
    values: dict[str, str],
) -> Response:
    """The list again, the refused user's form open with what was typed and the message
    beside its field (`form` names which of the row's forms: edit, password, active)."""
    with transaction(cfg.engine) as session:
        listing = list_users(session=session, actor=actor, now=ctx.now)
    edit = {
        "form": form,
        "id": user_id,
        "values": values,
        "errors": {exc.field or "_": exc.message},
    }
    return render(request, "office/users.html", {"listing": listing, "edit": edit}, status=400)


def _beside_a_field(exc: RectifyError, fields: tuple[str, ...]) -> bool:
    """A refusal the form can show beside one of its fields (a user that does not exist
    stays a 404 page)."""
    return isinstance(exc, InvalidInputError) or (
        isinstance(exc, NotFoundError) and exc.field in fields
    )


@router.post("/users")
def add_user(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "unit",
    unit: Annotated[str, Form()] = "",
    notify_tag: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            create_user(
                name, role, unit, notify_tag, password, session=session, actor=actor, now=ctx.now
            )
    except (InvalidInputError, NotFoundError) as exc:
        form = {"name": name, "role": role, "unit": unit, "notify_tag": notify_tag}
        return render(
            request,
            "office/users.html",
            {"listing": None, "form": form, "errors": {exc.field or "_": exc.message}},
            status=400,
        )
    return RedirectResponse("/users?ok=added", status_code=303)


@router.post("/users/{user_id}")
def change_user(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    user_id: int,
    role: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    notify_tag: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            edit_user(
                user_id,
                role=role,
                unit=unit,
                notify_tag=notify_tag,
                session=session,
                actor=actor,
                now=ctx.now,
            )
    except (InvalidInputError, NotFoundError) as exc:
        if not _beside_a_field(exc, ("role", "unit", "notify_tag")):
            raise
        values = {"role": role, "unit": unit, "notify_tag": notify_tag}
        return _edit_again(
            request, cfg, ctx, actor, exc, form="edit", user_id=user_id, values=values
        )
    return RedirectResponse("/users?ok=edited", status_code=303)


@router.post("/users/{user_id}/password")
def new_password(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    user_id: int,
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            reset_password(user_id, password, session=session, actor=actor, now=ctx.now)
    except InvalidInputError as exc:
        # The password typed is never shown again.
        return _edit_again(
            request, cfg, ctx, actor, exc, form="password", user_id=user_id, values={}
        )
    return RedirectResponse("/users?ok=password", status_code=303)


@router.post("/users/{user_id}/active")
def activation(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    user_id: int,
    active: Annotated[str, Form()] = "",
) -> Response:
    on = active == "1"
    try:
        with transaction(cfg.engine) as session:
            set_active(user_id, on, session=session, actor=actor, now=ctx.now)
    except InvalidInputError as exc:
        return _edit_again(request, cfg, ctx, actor, exc, form="active", user_id=user_id, values={})
    return RedirectResponse(f"/users?ok={'activated' if on else 'deactivated'}", status_code=303)
