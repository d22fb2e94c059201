"""Downloads: the 整改情况报告, the ledger export, the weekly report, a 督办通知单, a task's
销号审批表 and the round's 整改档案."""

from __future__ import annotations

import shutil

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from ledger.downloads import (
    Download,
    archive_download,
    closure_form_download,
    ledger_download,
    report_download,
    supervision_download,
)
from ledger.uow import transaction
from notifications.weekly_download import weekly_download
from web.deps import Config, Ctx, SignedIn

router = APIRouter()


def send_download(found: Download) -> Response:
    # The file was written for this response only; its folder goes once it has been sent.
    return FileResponse(
        found.path,
        filename=found.name,
        media_type=found.media_type,
        background=BackgroundTask(shutil.rmtree, found.folder, True),
    )


@router.get("/rounds/{inspection_id}/report.docx")
def report(cfg: Config, ctx: Ctx, actor: SignedIn, inspection_id: int) -> Response:
    with transaction(cfg.engine) as session:
        found = report_download(
            inspection_id,
            session=session,
            actor=actor,
            today=ctx.today,
            rules=cfg.settings.rules,
            root=cfg.settings.data_dir / "downloads",
        )
    return send_download(found)


@router.get("/rounds/{inspection_id}/ledger.xlsx")
def round_ledger(cfg: Config, ctx: Ctx, actor: SignedIn, inspection_id: int) -> Response:
    return _ledger(cfg, ctx, actor, inspection_id)


@router.get("/ledger.xlsx")
def whole_ledger(cfg: Config, ctx: Ctx, actor: SignedIn) -> Response:
    return _ledger(cfg, ctx, actor, None)


def _ledger(cfg: Config, ctx: Ctx, actor: SignedIn, inspection_id: int | None) -> Response:
    with transaction(cfg.engine) as session:
        found = ledger_download(
            inspection_id,
            session=session,
            actor=actor,
            today=ctx.today,
            rules=cfg.settings.rules,
            root=cfg.settings.data_dir / "downloads",
        )
    return send_download(found)


@router.get("/weekly.docx")
def weekly(cfg: Config, ctx: Ctx, actor: SignedIn) -> Response:
    settings = cfg.settings
    with transaction(cfg.engine) as session:
        found = weekly_download(
            session=session,
            actor=actor,
            today=ctx.today,
            now=ctx.now,
            rules=settings.rules,
            calendar=ctx.calendar,
            root=settings.data_dir / "downloads",
        )
    return send_download(found)


@router.get("/tasks/{task_id}/supervision-order.docx")
def supervision_order(cfg: Config, ctx: Ctx, actor: SignedIn, task_id: int) -> Response:
    with transaction(cfg.engine) as session:
        found = supervision_download(
            task_id,
            session=session,
            actor=actor,
            today=ctx.today,
            rules=cfg.settings.rules,
            root=cfg.settings.data_dir / "downloads",
        )
    return send_download(found)


@router.get("/tasks/{task_id}/closure-form.docx")
def closure_form(cfg: Config, actor: SignedIn, task_id: int) -> Response:
    with transaction(cfg.engine) as session:
        found = closure_form_download(
            task_id, session=session, actor=actor, root=cfg.settings.data_dir / "downloads"
        )
    return send_download(found)


@router.get("/rounds/{inspection_id}/archive.zip")
def archive(cfg: Config, ctx: Ctx, actor: SignedIn, inspection_id: int) -> Response:
    settings = cfg.settings
    with transaction(cfg.engine) as session:
        found = archive_download(
            inspection_id,
            session=session,
            actor=actor,
            today=ctx.today,
            rules=settings.rules,
            root=settings.data_dir / "downloads",
            evidence_store=settings.evidence_dir,
        )
    return send_download(found)
