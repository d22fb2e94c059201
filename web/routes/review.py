"""The office's review queue (/review): 销号 / 退回, 批准 / 不予批准, each in one step."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ledger import review
from ledger.actors import Actor
from ledger.context import AppContext
from ledger.errors import ConflictError, InvalidInputError, LifecycleError, RectifyError
from ledger.task_detail import task_detail
from ledger.uow import transaction
from web.config import WebConfig
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import conflict_page, render

router = APIRouter()


@router.get("/review")
def review_page(request: Request, cfg: Config, ctx: Ctx, actor: SignedIn, ok: str = "") -> Response:
    with transaction(cfg.engine) as session:
        queue = review.review_queue(
            session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
        )
    return render(request, "review.html", {"queue": queue, "ok": ok})


def _refused(
    request: Request,
    cfg: WebConfig,
    ctx: AppContext,
    actor: Actor,
    *,
    task_id: int,
    back: str,
    error: RectifyError,
    reason: str,
    key: str,
) -> Response:
    """The reviewer's page again, the message beside the reason that was missing."""
    errors = {error.field or "_": error.message}
    with transaction(cfg.engine) as session:
        if back == "task":
            detail = task_detail(
                task_id, session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
            )
            return render(
                request,
                "task.html",
                {
                    "d": detail,
                    "open_form": "review" if key.startswith("task-") else "review-extension",
                    "errors": errors,
                    "form": {"reason": reason},
                },
                status=400,
            )
        queue = review.review_queue(
            session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
        )
    return render(
        request,
        "review.html",
        {"queue": queue, "refused": key, "errors": errors, "form": {"reason": reason}},
        status=400,
    )


def _after(back: str, task_id: int, ok: str) -> RedirectResponse:
    target = f"/tasks/{task_id}?ok={ok}" if back == "task" else f"/review?ok={ok}"
    return RedirectResponse(target, status_code=303)


@router.post("/review/tasks/{task_id}")
def decide_closure(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    decision: Annotated[Literal["verify", "return"], Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "review",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            review.decide_closure(
                task_id,
                verify=decision == "verify",
                reason=reason,
                seen_version=version,
                session=session,
                actor=actor,
                now=ctx.now,
            )
    except (InvalidInputError, LifecycleError) as exc:
        return _refused(
            request,
            cfg,
            ctx,
            actor,
            task_id=task_id,
            back=back,
            error=exc,
            reason=reason,
            key=f"task-{task_id}",
        )
    return _after(back, task_id, "verified" if decision == "verify" else "returned")


@router.post("/review/extensions/{extension_id}")
def decide_extension(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    extension_id: int,
    decision: Annotated[Literal["approve", "refuse"], Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "review",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            extension = review.decide_extension(
                extension_id,
                approve=decision == "approve",
                reason=reason,
                seen_version=version,
                session=session,
                actor=actor,
                now=ctx.now,
            )
            task_id = extension.task_id
    except ConflictError:
        with transaction(cfg.engine) as session:
            task_id = review.extension_task(extension_id, session=session, actor=actor)
        return conflict_page(request, task_id)
    except (InvalidInputError, LifecycleError) as exc:
        with transaction(cfg.engine) as session:
            task_id = review.extension_task(extension_id, session=session, actor=actor)
        return _refused(
            request,
            cfg,
            ctx,
            actor,
            task_id=task_id,
            back=back,
            error=exc,
            reason=reason,
            key=f"extension-{extension_id}",
        )
    return _after(back, task_id, "approved" if decision == "approve" else "refused")
