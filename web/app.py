"""The FastAPI application: routers, static files, and how refusals become pages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.errors import ConflictError, ForbiddenError, NotFoundError, RectifyError
from web.config import WebConfig
from web.deps import CsrfRefused, LoginRequired
from web.rendering import conflict_page, render
from web.routes import (
    auth,
    downloads,
    ledger_upload,
    office,
    outbox,
    review,
    rounds,
    scores,
    shared_progress,
    task_admin,
    tasks,
    users,
)

HERE = Path(__file__).parent

# Content-Security-Policy: nothing but this site's own files; no inline script at all.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class BodyLimit:
    """Refuses a request body over the limit while it arrives, so a hostile upload never
    fills memory or disk (Content-Length is checked first; chunked bodies are counted)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(StarletteHTTPException):
    """An HTTPException so that FastAPI's form parsing passes it on instead of a plain 400."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


async def _too_large(send: Send, limit: int) -> None:
    body = (
        f"上传内容超过上限 {limit // 1024 // 1024} MB,未保存任何内容。请减少或压缩文件后重试。"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(config: WebConfig) -> FastAPI:
    app = FastAPI(title="整改通", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # office before tasks: its `/` gives each role its first page.
    for module in (
        auth,
        office,
        tasks,
        task_admin,
        shared_progress,
        review,
        ledger_upload,
        users,
        outbox,
        downloads,
        rounds,
        scores,
    ):
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("cache-control", "no-store")
        return response

    app.add_middleware(BodyLimit, limit=config.max_request_bytes)
    _error_pages(app)
    return app


def _page(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    return render(
        request, "error.html", {"title": title, "message": message, **extra}, status=status
    )


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import urlencode

        target = "/login" if exc.next_url == "/" else "/login?" + urlencode({"next": exc.next_url})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return _page(
            request,
            403,
            "表单已失效",
            "表单已过期或来源不明,未做任何修改。请返回刷新页面后重新提交。",
        )

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _page(request, 404, "未找到", exc.message)

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, exc: ForbiddenError) -> Response:
        return _page(request, 403, "无权操作", exc.message)

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> Response:
        found = re.match(r"^/(?:review/)?tasks/(\d+)", request.url.path)
        return conflict_page(request, int(found.group(1)) if found else None)

    @app.exception_handler(RectifyError)
    async def refused(request: Request, exc: RectifyError) -> Response:
        return _page(request, 400, "无法办理", exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return _page(request, 400, "请求有误", "地址或表单内容有误,请返回检查后重试。")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _page(request, 404, "未找到", "您访问的页面不存在。")
        if exc.status_code == 413:
            limit = request.app.state.config.max_request_bytes // 1024 // 1024
            return _page(
                request,
                413,
                "文件过大",
                f"上传内容超过上限 {limit} MB,未保存任何内容。请减少或压缩文件后重试。",
            )
        if exc.status_code == 405:
            return _page(request, 405, "请求有误", "该地址不支持这种访问方式。")
        return _page(request, exc.status_code, "出错了", "请求未能完成,请稍后重试。")


def app_from_environment() -> FastAPI:
    """The factory `rectify web` starts (each worker process builds its own)."""
    return create_app(WebConfig.from_environment())
