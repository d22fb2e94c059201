"""A unit's pages: 我的任务, the task page, evidence downloads."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from ledger.task_detail import evidence_download, task_detail
from ledger.uow import transaction
from ledger.worklist import work_list
from models.enums import Light, TaskStatus
from web.deps import Config, SignedIn
from web.rendering import render

router = APIRouter()

E = TypeVar("E", bound=StrEnum)


def _choice(value: str | None, enum: type[E]) -> E | None:
    """A filter from the query string; an unknown value just means no filter."""
    try:
        return enum(value) if value else None
    except ValueError:
        return None


@router.get("/")
def my_tasks(
    request: Request,
    cfg: Config,
    actor: SignedIn,
    status: str | None = None,
    light: str | None = None,
    q: str | None = None,
    round: int | None = None,
) -> Response:
    chosen_status = _choice(status, TaskStatus)
    chosen_light = _choice(light, Light)
    with transaction(cfg.engine) as session:
        tasks = work_list(
            session=session,
            actor=actor,
            today=cfg.today(),
            rules=cfg.settings.rules,
            status=chosen_status,
            light=chosen_light,
            search=q,
            inspection_id=round,
        )
    return render(
        request,
        "my_tasks.html",
        {
            "work": tasks,
            "statuses": list(TaskStatus),
            "lights": list(Light),
            "chosen": {
                "status": chosen_status.value if chosen_status else "",
                "light": chosen_light.value if chosen_light else "",
                "q": q or "",
                "round": round or "",
            },
        },
    )


@router.get("/tasks/{task_id}")
def task_page(
    request: Request, cfg: Config, actor: SignedIn, task_id: int, ok: str = ""
) -> Response:
    with transaction(cfg.engine) as session:
        detail = task_detail(
            task_id, session=session, actor=actor, today=cfg.today(), rules=cfg.settings.rules
        )
    return render(request, "task.html", {"d": detail, "ok": ok})


@router.get("/evidence/{evidence_id}")
def evidence_file(cfg: Config, actor: SignedIn, evidence_id: int) -> Response:
    with transaction(cfg.engine) as session:
        found = evidence_download(
            evidence_id, session=session, actor=actor, store=cfg.settings.evidence_dir
        )
    return FileResponse(
        found.path,
        filename=found.name,
        media_type="application/octet-stream",
        headers={"X-Content-Type-Options": "nosniff"},
    )
