"""The office's and leaders' pages: 挂图作战 at `/` (a unit's `/` stays 我的任务), a round's
board, and the task list the office and leaders reach from the board."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ledger.dashboard import dashboard
from ledger.uow import transaction
from models.enums import Role
from notifications.urge_now import urge_task_lead_unit, urge_unit
from web.charts import stacked_bars
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render
from web.routes import tasks

router = APIRouter()


def _board_page(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    inspection_id: int | None,
    urged: str = "",
    again: str = "",
) -> Response:
    with transaction(cfg.engine) as session:
        board = dashboard(
            session=session,
            actor=actor,
            today=ctx.today,
            rules=cfg.settings.rules,
            inspection_id=inspection_id,
            scoring=cfg.settings.scoring,
            calendar=ctx.calendar,
        )
    chart = stacked_bars(board.units if inspection_id is not None else board.rounds)
    return render(
        request,
        "office/dashboard.html",
        {"b": board, "chart": chart, "urged": urged, "again": again == "1"},
    )


@router.get("/")
def home(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    status: str | None = None,
    light: str | None = None,
    q: str | None = None,
    round: int | None = None,
    urged: str = "",
    again: str = "",
) -> Response:
    # The same address serves each role its first page: a unit its 我的任务 (kept in
    # web.routes.tasks), the office and leaders the board of their remit. A filtered `/`
    # (older bookmarks, links in notices) is still the task list.
    if actor.role is Role.unit or any(v is not None for v in (status, light, q, round)):
        return tasks.my_tasks(
            request, cfg, ctx, actor, status=status, light=light, q=q, round=round
        )
    return _board_page(request, cfg, ctx, actor, None, urged, again)


@router.get("/tasks")
def task_list(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    status: str | None = None,
    light: str | None = None,
    q: str | None = None,
    round: int | None = None,
) -> Response:
    return tasks.my_tasks(request, cfg, ctx, actor, status=status, light=light, q=q, round=round)


@router.get("/rounds/{inspection_id}")
def round_board(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    inspection_id: int,
    urged: str = "",
    again: str = "",
) -> Response:
    return _board_page(request, cfg, ctx, actor, inspection_id, urged, again)


@router.post("/units/{unit_id}/urge")
def urge(cfg: Config, ctx: Ctx, actor: Posting, unit_id: int, back: str = "/") -> Response:
    """一键催办 from the board; back to the board it was pressed on."""
    settings = cfg.settings
    with transaction(cfg.engine) as session:
        result = urge_unit(
            unit_id,
            session=session,
            actor=actor,
            settings=settings,
            calendar=ctx.calendar,
            now=ctx.now,
            today=ctx.today,
        )
    board = back if back.startswith("/rounds/") and back[8:].isdigit() else "/"
    query = urlencode({"urged": result.unit, "again": "" if result.sent else "1"})
    return RedirectResponse(f"{board}?{query}", status_code=303)


@router.post("/tasks/{task_id}/urge")
def urge_from_task(cfg: Config, ctx: Ctx, actor: Posting, task_id: int) -> Response:
    """一键催办 from a task page: its lead unit, the same once-a-day rule; back to the task."""
    with transaction(cfg.engine) as session:
        result = urge_task_lead_unit(
            task_id,
            session=session,
            actor=actor,
            settings=cfg.settings,
            calendar=ctx.calendar,
            now=ctx.now,
            today=ctx.today,
        )
    query = urlencode({"urged": result.unit, "again": "" if result.sent else "1"})
    return RedirectResponse(f"/tasks/{task_id}?{query}", status_code=303)
