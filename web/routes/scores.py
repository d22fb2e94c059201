"""单位考核 pages: the ranking of a period with each unit's deductions, and its xlsx."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledger.errors import InvalidInputError
from ledger.scoring import score_download, unit_scores
from ledger.uow import transaction
from web.deps import Config, Ctx, SignedIn
from web.rendering import render
from web.routes.downloads import send_download

router = APIRouter()


@router.get("/scores")
def scores_page(
    request: Request, cfg: Config, ctx: Ctx, actor: SignedIn, period: str = ""
) -> Response:
    settings = cfg.settings
    try:
        with transaction(cfg.engine) as session:
            board = unit_scores(
                period or None,
                session=session,
                actor=actor,
                today=ctx.today,
                scoring=settings.scoring,
                rules=settings.rules,
                calendar=ctx.calendar,
            )
    except InvalidInputError as exc:
        return render(
            request,
            "scores.html",
            {"s": None, "period": period, "errors": {"period": exc.message}},
            status=400,
        )
    return render(request, "scores.html", {"s": board, "period": board.period, "errors": {}})


@router.get("/scores.xlsx")
def scores_xlsx(cfg: Config, ctx: Ctx, actor: SignedIn, period: str = "") -> Response:
    settings = cfg.settings
    with transaction(cfg.engine) as session:
        found = score_download(
            period or None,
            session=session,
            actor=actor,
            today=ctx.today,
            scoring=settings.scoring,
            rules=settings.rules,
            calendar=ctx.calendar,
            root=settings.data_dir / "downloads",
        )
    return send_download(found)
