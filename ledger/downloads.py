"""Documents the web hands out as downloads: the 整改情况报告 (docx), the ledger export (xlsx),
a 督办通知单 and a 销号审批表 (docx), the round's 整改档案 (zip), each written into a folder of
its own that the caller removes once the file has been sent.

Who may download is decided by the services these call, the same the command line calls:
the report, the export and the archive are the office's; a 督办通知单 or a 销号审批表 may be
printed by whoever may read its task (office, its units, a leader of it).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session

from ledger.actors import Actor
from ledger.documents.render import render_docx
from models.rules import Rules

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    path: Path
    folder: Path  # holds only this file: remove it after sending
    name: str  # the name the browser saves it under
    media_type: str


def new_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root, prefix="download-"))


def report_download(
    inspection_id: int, *, session: Session, actor: Actor, today: date, rules: Rules, root: Path
) -> Download:
    from ledger.documents.report_data import rectification_report

    data = rectification_report(session, inspection_id, actor=actor, as_of=today, rules=rules)
    folder = new_folder(root)
    name = f"整改情况报告-轮次{inspection_id}-{today.isoformat()}.docx"
    return Download(render_docx(data, folder / name), folder, name, DOCX)


def ledger_download(
    inspection_id: int | None,
    *,
    session: Session,
    actor: Actor,
    today: date,
    rules: Rules,
    root: Path,
) -> Download:
    from ledger.exporting import export_ledger

    folder = new_folder(root)
    scope = f"轮次{inspection_id}" if inspection_id is not None else "全部轮次"
    name = f"整改台账-{scope}-{today.isoformat()}.xlsx"
    path = folder / name
    try:
        export_ledger(
            path,
            session=session,
            actor=actor,
            today=today,
            rules=rules,
            inspection_id=inspection_id,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a refused export leaves no folder behind
        raise
    return Download(path, folder, name, XLSX)


def supervision_download(
    task_id: int, *, session: Session, actor: Actor, today: date, rules: Rules, root: Path
) -> Download:
    """The task's latest 督办通知单; a task outside the reader's remit does not exist for them."""
    from ledger.documents.supervision import latest_order_id, supervision_order_data

    order_id = latest_order_id(session, task_id, actor=actor)
    data = supervision_order_data(session, order_id, actor=actor)
    folder = new_folder(root)
    name = f"督办通知单-{data.year}-{data.number}.docx"
    return Download(render_docx(data, folder / name), folder, name, DOCX)


def closure_form_download(task_id: int, *, session: Session, actor: Actor, root: Path) -> Download:
    """A task's 销号审批表, for whoever may read the task; anyone else: not found."""
    from ledger.documents.closure import closure_form

    data = closure_form(session, task_id, actor=actor)
    folder = new_folder(root)
    name = f"销号审批表-{data.code}-任务{data.task_id}.docx"  # as `rectify closure-form` names it
    return Download(render_docx(data, folder / name), folder, name, DOCX)


def archive_download(
    inspection_id: int,
    *,
    session: Session,
    actor: Actor,
    today: date,
    rules: Rules,
    root: Path,
    evidence_store: Path,
) -> Download:
    """The round's 整改档案 as of today: the same zip, byte for byte, as `rectify archive
    --as-of` that day (build_archive is reproducible), written atomically into its own
    folder and streamed from there."""
    from ledger.archive import build_archive

    folder = new_folder(root)  # build_archive refuses anyone but the office; the folder goes then
    name = f"整改档案-轮次{inspection_id}-{today.isoformat()}.zip"  # the CLI's default name
    try:
        summary = build_archive(
            inspection_id,
            folder / name,
            session=session,
            actor=actor,
            as_of=today,
            rules=rules,
            evidence_store=evidence_store,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Download(summary.path, folder, name, "application/zip")
