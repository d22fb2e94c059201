"""A unit's pages: 我的任务, the task page, evidence downloads, and the task's forms."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from ledger import lifecycle
from ledger.acknowledge import acknowledge
from ledger.actors import Actor
from ledger.context import AppContext
from ledger.errors import InvalidInputError, LifecycleError, RectifyError
from ledger.task_detail import evidence_download, task_detail
from ledger.uow import transaction
from ledger.worklist import work_list
from models.enums import Light, TaskStatus
from web.config import WebConfig
from web.deps import Config, Ctx, Posting, SignedIn
from web.rendering import render
from web.uploads import evidence_of

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
    ctx: Ctx,
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
            today=ctx.today,
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


# The task forms a link may open (`?open=submit`): the address of each form, opened as a page
# (a bookmark, a link in a notice), leads to the task page with that form open.
OPENABLE = ("progress", "submit", "extension", "batch")


@router.get("/tasks/{task_id}")
def task_page(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: SignedIn,
    task_id: int,
    ok: str = "",
    form: Annotated[str, Query(alias="open")] = "",
) -> Response:
    with transaction(cfg.engine) as session:
        detail = task_detail(
            task_id, session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
        )
    context = {"d": detail, "ok": ok, "opened": form if form in OPENABLE else ""}
    return render(request, "task.html", context)


@router.get("/tasks/{task_id}/progress")
@router.get("/tasks/{task_id}/submit")
@router.get("/tasks/{task_id}/extension")
def task_form_address(request: Request, task_id: int) -> Response:
    """The task page with the form open; who may read it is the task page's answer."""
    form = request.url.path.rsplit("/", 1)[1]
    return RedirectResponse(f"/tasks/{task_id}?open={form}#{form}", status_code=303)


@router.get("/evidence/{evidence_id}")
def evidence_file(cfg: Config, ctx: Ctx, actor: SignedIn, evidence_id: int) -> Response:
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


# The forms of a task. Each: parse → one lifecycle call with the actor → 303 to the task
# page; a refused input shows the task page again with the message beside its field.

TaskForm = Literal["progress", "submit", "extension", "acknowledge", "part"]


def _again(
    request: Request,
    cfg: WebConfig,
    ctx: AppContext,
    actor: Actor,
    task_id: int,
    *,
    form: TaskForm,
    error: RectifyError,
    values: dict[str, str],
) -> Response:
    with transaction(cfg.engine) as session:
        detail = task_detail(
            task_id, session=session, actor=actor, today=ctx.today, rules=cfg.settings.rules
        )
    return render(
        request,
        "task.html",
        {
            "d": detail,
            "open_form": form,
            "errors": {error.field or "_": error.message},
            "form": values,
        },
        status=400,
    )


def _done(task_id: int, what: str) -> RedirectResponse:
    return RedirectResponse(f"/tasks/{task_id}?ok={what}", status_code=303)


Files = Annotated[list[UploadFile], File()]


@router.post("/tasks/{task_id}/progress")
def report_progress(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    text: Annotated[str, Form()] = "",
    issues: Annotated[str, Form()] = "",
    next_steps: Annotated[str, Form()] = "",
    evidence: Files = [],  # noqa: B006  (FastAPI reads the default, never mutates it)
) -> Response:
    values = {"text": text, "issues": issues, "next_steps": next_steps}
    try:
        files = evidence_of(cfg, evidence)
        with transaction(cfg.engine) as session:
            lifecycle.report_progress(
                task_id,
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
    except (InvalidInputError, LifecycleError) as exc:
        return _again(request, cfg, ctx, actor, task_id, form="progress", error=exc, values=values)
    return _done(task_id, "progress")


@router.post("/tasks/{task_id}/submit")
def ask_closure(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    summary: Annotated[str, Form()] = "",
    no_evidence_reason: Annotated[str, Form()] = "",
    open_parts_reason: Annotated[str, Form()] = "",
    evidence: Files = [],  # noqa: B006
) -> Response:
    values = {
        "summary": summary,
        "no_evidence_reason": no_evidence_reason,
        "open_parts_reason": open_parts_reason,
    }
    try:
        files = evidence_of(cfg, evidence)
        with transaction(cfg.engine) as session:
            lifecycle.submit_for_closure(
                task_id,
                summary=summary,
                evidence=files,
                no_evidence_reason=no_evidence_reason if not files else "",
                open_parts_reason=open_parts_reason,
                session=session,
                actor=actor,
                now=ctx.now,
                evidence_store=cfg.settings.evidence_dir,
                evidence_max_bytes=cfg.settings.limits.evidence_max_bytes,
            )
    except (InvalidInputError, LifecycleError) as exc:
        return _again(request, cfg, ctx, actor, task_id, form="submit", error=exc, values=values)
    return _done(task_id, "submit")


@router.post("/tasks/{task_id}/extension")
def ask_extension(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    new_deadline: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    values = {"new_deadline": new_deadline, "reason": reason}
    try:
        try:
            wanted = date.fromisoformat(new_deadline.strip())
        except ValueError:
            raise InvalidInputError(
                "请选择申请延至的日期(如 2027-03-31)", field="new_deadline"
            ) from None
        with transaction(cfg.engine) as session:
            lifecycle.request_extension(
                task_id,
                new_deadline=wanted,
                reason=reason,
                session=session,
                actor=actor,
                now=ctx.now,
                today=ctx.today,
            )
    except (InvalidInputError, LifecycleError) as exc:
        return _again(request, cfg, ctx, actor, task_id, form="extension", error=exc, values=values)
    return _done(task_id, "extension")


@router.post("/tasks/{task_id}/acknowledge")
def acknowledge_task(
    request: Request, cfg: Config, ctx: Ctx, actor: Posting, task_id: int
) -> Response:
    """签收 for the signed-in user's unit; signing again only says it was signed before."""
    try:
        with transaction(cfg.engine) as session:
            result = acknowledge(task_id, session=session, actor=actor, now=ctx.now)
    except LifecycleError as exc:
        return _again(request, cfg, ctx, actor, task_id, form="acknowledge", error=exc, values={})
    return _done(task_id, "already_acknowledged" if result.already else "acknowledged")


# A co-unit's own part: the service knows which part from the signed-in user's unit.


@router.post("/tasks/{task_id}/part/done")
def mark_part_done(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            lifecycle.mark_part_done(task_id, note=note, session=session, actor=actor, now=ctx.now)
    except (InvalidInputError, LifecycleError) as exc:
        values = {"note": note}
        return _again(request, cfg, ctx, actor, task_id, form="part", error=exc, values=values)
    return _done(task_id, "part_done")


@router.post("/tasks/{task_id}/part/reopen")
def reopen_part(
    request: Request,
    cfg: Config,
    ctx: Ctx,
    actor: Posting,
    task_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        with transaction(cfg.engine) as session:
            lifecycle.reopen_part(task_id, reason=reason, session=session, actor=actor, now=ctx.now)
    except (InvalidInputError, LifecycleError) as exc:
        values = {"reason": reason}
        return _again(request, cfg, ctx, actor, task_id, form="part", error=exc, values=values)
    return _done(task_id, "part_reopen")
