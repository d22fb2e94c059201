"""The office's and leaders' pages: 挂图作战 at `/` (a unit's `/` stays 我的任务), a round's
board, and the task list the office and leaders reach from the board."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledger.dashboard import dashboard
from ledger.uow import transaction
from models.enums import Role
from web.charts import stacked_bars
from web.deps import Config, SignedIn
from web.rendering import render
from web.routes import tasks

router = APIRouter()


def _board_page(
    request: Request, cfg: Config, actor: SignedIn, inspection_id: int | None
) -> Response:
    with transaction(cfg.engine) as session:
        board = dashboard(
            session=session,
            actor=actor,
            today=cfg.today(),
            rules=cfg.settings.rules,
            inspection_id=inspection_id,
        )
    chart = stacked_bars(board.units if inspection_id is not None else board.rounds)
    return render(request, "office/dashboard.html", {"b": board, "chart": chart})


@router.get("/")
def home(
    request: Request,
    cfg: Config,
    actor: SignedIn,
    status: str | None = None,
    light: str | None = None,
    q: str | None = None,
    round: int | None = None,
) -> Response:
    # The same address serves each role its first page: a unit its 我的任务 (kept in
    # web.routes.tasks), the office and leaders the board of their remit. A filtered `/`
    # (older bookmarks, links in notices) is still the task list.
    if actor.role is Role.unit or any(v is not None for v in (status, light, q, round)):
        return tasks.my_tasks(request, cfg, actor, status=status, light=light, q=q, round=round)
    return _board_page(request, cfg, actor, None)


@router.get("/tasks")
def task_list(
    request: Request,
    cfg: Config,
    actor: SignedIn,
    status: str | None = None,
    light: str | None = None,
    q: str | None = None,
    round: int | None = None,
) -> Response:
    return tasks.my_tasks(request, cfg, actor, status=status, light=light, q=q, round=round)


@router.get("/rounds/{inspection_id}")
def round_board(request: Request, cfg: Config, actor: SignedIn, inspection_id: int) -> Response:
    return _board_page(request, cfg, actor, inspection_id)
