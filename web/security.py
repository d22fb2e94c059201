"""Signed session cookies and CSRF tokens (HMAC-SHA256 with the process's session key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request, Response

from ledger.accounts import SESSION_LIFETIME

SESSION_COOKIE = "rectify_session"
ANON_CSRF_COOKIE = "rectify_csrf"  # binds the login form's token to this browser


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_token(secret: bytes, token: str) -> str:
    return f"{token}.{_mac(secret, 'session', token)}"


def unsign_token(secret: bytes, cookie: str | None) -> str | None:
    """The session token of a cookie whose signature checks, else None."""
    if not cookie or "." not in cookie:
        return None
    token, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature, _mac(secret, "session", token)):
        return None
    return token


def csrf_for_session(secret: bytes, token: str) -> str:
    return _mac(secret, "csrf", token)


def csrf_for_anonymous(secret: bytes, browser_value: str) -> str:
    return _mac(secret, "csrf-anonymous", browser_value)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, secret: bytes, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sign_token(secret, token),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def anonymous_browser_value(request: Request) -> tuple[str, bool]:
    """The login form's browser value: (value, True when it must be set as a new cookie)."""
    value = request.cookies.get(ANON_CSRF_COOKIE, "")
    if len(value) >= 20:
        return value, False
    return secrets.token_urlsafe(24), True


def set_anonymous_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        ANON_CSRF_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    # Browsers drop tabs and line breaks inside URLs, so "/\t/evil.example" would become
    # "//evil.example": refuse any control character or space.
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in target):
        return "/"
    return target
