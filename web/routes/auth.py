"""Signing in and out, and a user's own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger import accounts
from ledger.errors import InvalidInputError
from ledger.uow import transaction
from web.deps import Config, Ctx, LoginRequired, Posting, SignedIn, check_csrf, current_actor
from web.rendering import render
from web.security import (
    anonymous_browser_value,
    clear_session_cookie,
    csrf_for_anonymous,
    safe_next,
    set_anonymous_cookie,
    set_session_cookie,
)

router = APIRouter()


def _login_page(
    request: Request,
    cfg: Config,
    *,
    next_url: str,
    username: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    browser, new = anonymous_browser_value(request)
    request.state.csrf_token = csrf_for_anonymous(cfg.secret, browser)
    response = render(
        request,
        "login.html",
        {"next": safe_next(next_url), "username": username, "error": error},
        status=status,
    )
    if new:
        set_anonymous_cookie(response, request, browser)
    return response


@router.get("/login")
def login_form(request: Request, cfg: Config, next: str = "/") -> Response:
    return _login_page(request, cfg, next_url=next)


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    with transaction(cfg.engine) as session:
        outcome = accounts.sign_in(username, password, session=session, now=ctx.now)
    if outcome.token is None:
        return _login_page(
            request, cfg, next_url=next, username=username, error=outcome.error, status=400
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, cfg.secret, outcome.token)
    return response


@router.post("/logout")
def logout(request: Request, cfg: Config, ctx: Ctx, actor: Posting) -> Response:
    with transaction(cfg.engine) as session:
        accounts.sign_out(request.state.session_token, session=session, actor=actor, now=ctx.now)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/logout")
def logout_page(request: Request, cfg: Config, ctx: Ctx) -> Response:
    """/logout opened as an address (a bookmark): the signed-in confirm with one button, since
    signing out is a form post with its token; anyone else goes to the login."""
    try:
        current_actor(request, cfg, ctx)
    except LoginRequired:
        return RedirectResponse("/login", status_code=303)
    return render(request, "logout.html")


@router.get("/account/password")
def password_form(request: Request, actor: SignedIn, done: int = 0) -> Response:
    return render(request, "password.html", {"done": bool(done)})


@router.post("/account/password")
def change_password(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    old_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    try:
        if new_password != confirm_password:
            raise InvalidInputError("两次输入的新密码不一致", field="confirm_password")
        with transaction(cfg.engine) as session:
            token = accounts.change_own_password(
                old_password, new_password, session=session, actor=actor, now=ctx.now
            )
    except InvalidInputError as exc:
        return render(
            request, "password.html", {"errors": {exc.field or "_": exc.message}}, status=400
        )
    response = RedirectResponse("/account/password?done=1", status_code=303)
    set_session_cookie(response, request, cfg.secret, token)
    return response
