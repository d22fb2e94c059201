"""One Jinja2 environment (autoescaping on) and the context every page gets."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ledger.context import TZ

HERE = Path(__file__).parent
# Assets carry their version in the file name, so a browser never mixes old and new.
STATIC_VERSION = "1"
CSS_FILE = f"rectify-{STATIC_VERSION}.css"

templates = Jinja2Templates(directory=str(HERE / "templates"))


def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(TZ).strftime(fmt) if value else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _size(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.1f} MB"
    if value >= 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value} 字节"


templates.env.filters["local"] = _local
templates.env.filters["day"] = _day
templates.env.filters["size"] = _size
templates.env.globals["css_file"] = CSS_FILE


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A page: the template with the signed-in actor and the form token of this browser."""
    data: dict[str, Any] = {
        "actor": getattr(request.state, "actor", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "errors": {},
        "form": {},
    }
    data.update(context or {})
    return templates.TemplateResponse(request, name, data, status_code=status)


def conflict_page(request: Request, task_id: int | None) -> HTMLResponse:
    """Two people acted on one task: this one's step was not saved; reload and look again."""
    return render(
        request,
        "error.html",
        {
            "title": "冲突",
            "message": "该任务刚被他人处理或修改,您的操作未保存。"
            "请重新打开任务,查看最新情况后再操作。",
            "reload_url": f"/tasks/{task_id}" if task_id else "/",
        },
        status=409,
    )
