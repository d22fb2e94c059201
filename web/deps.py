"""Dependencies every route shares: the configuration, the signed-in actor, the CSRF check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Form, Request

from ledger.accounts import session_actor
from ledger.actors import Actor
from ledger.context import AppContext
from ledger.uow import transaction
from web.config import WebConfig
from web.security import (
    ANON_CSRF_COOKIE,
    SESSION_COOKIE,
    csrf_for_anonymous,
    csrf_for_session,
    unsign_token,
)


class LoginRequired(Exception):
    """No live session: the browser is sent to the login page, then back here."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRefused(Exception):
    """A form posted without this browser's token (or with someone else's)."""


def config(request: Request) -> WebConfig:
    cfg: WebConfig = request.app.state.config
    return cfg


Config = Annotated[WebConfig, Depends(config)]


def request_context(cfg: Config) -> AppContext:
    # FastAPI caches a dependency per request, so the actor check and the route share it.
    return cfg.request_context()


Ctx = Annotated[AppContext, Depends(request_context)]


def current_actor(request: Request, cfg: Config, ctx: Ctx) -> Actor:
    """The signed-in user; anyone else is sent to the login page and back afterwards."""
    token = unsign_token(cfg.secret, request.cookies.get(SESSION_COOKIE))
    actor = None
    if token is not None:
        with transaction(cfg.engine) as session:
            actor = session_actor(token, session=session, now=ctx.now)
    if actor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/")
    request.state.actor = actor
    request.state.session_token = token
    request.state.csrf_token = csrf_for_session(cfg.secret, token)  # type: ignore[arg-type]
    return actor


SignedIn = Annotated[Actor, Depends(current_actor)]


def check_csrf(request: Request, cfg: Config, csrf_token: Annotated[str, Form()] = "") -> None:
    """Every POST carries the token of the session (or, on the login form, of the browser)."""
    token = getattr(request.state, "session_token", None)
    if token is not None:
        expected = csrf_for_session(cfg.secret, token)
    else:
        browser = request.cookies.get(ANON_CSRF_COOKIE, "")
        if not browser:
            raise CsrfRefused()
        expected = csrf_for_anonymous(cfg.secret, browser)
    if not csrf_token or not hmac.compare_digest(csrf_token, expected):
        raise CsrfRefused()


def signed_in_post(actor: SignedIn, _csrf: Annotated[None, Depends(check_csrf)]) -> Actor:
    """A signed-in user's form post with a good CSRF token (the order matters: the session
    is read first, so the token is checked against it)."""
    return actor


Posting = Annotated[Actor, Depends(signed_in_post)]
