"""Fill in once on the web: one progress form sent for several tasks of one problem."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ledger.errors import InvalidInputError, LifecycleError, NotFoundError
from ledger.shared_progress import report_progress_for_tasks
from ledger.task_detail import task_detail
from ledger.uow import transaction
from web.deps import Config, Ctx, Posting
from web.rendering import render
from web.uploads import evidence_of

router = APIRouter()


@router.post("/progress/batch")
def report_progress_once(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    back: Annotated[int, Form()],
    task_ids: Annotated[list[int], Form()] = [],  # noqa: B006  (read, never mutated)
    text: Annotated[str, Form()] = "",
    issues: Annotated[str, Form()] = "",
    next_steps: Annotated[str, Form()] = "",
    evidence: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Response:
    try:
        files = evidence_of(cfg, evidence)
        with transaction(cfg.engine) as session:
            report_progress_for_tasks(
                task_ids,
                text=text,
                issues=issues.strip(),
                next_steps=next_steps.strip(),
                evidence=files,
                session=session,
                actor=actor,
                now=ctx.now,
                evidence_store=cfg.settings.evidence_dir,
                evidence_max_bytes=cfg.settings.limits.evidence_max_bytes,
            )
    except (InvalidInputError, LifecycleError, NotFoundError) as exc:
        # The form shows again on the task it was sent from, with what was typed and ticked.
        # A reader who may not report at all (a leader: ForbiddenError) gets the 403 page.
        with transaction(cfg.engine) as session:
            detail = task_detail(
                back, session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
            )
        values = {"text": text, "issues": issues, "next_steps": next_steps}
        return render(
            request,
            "task.html",
            {
                "d": detail,
                "open_form": "batch",
                "errors": {exc.field or "_": exc.message},
                "form": {**values, "task_ids": [str(t) for t in task_ids]},
            },
            status=400,
        )
    return RedirectResponse(f"/tasks/{back}?ok=batch", status_code=303)
