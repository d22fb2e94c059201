"""A 整改台账 uploaded through the web: staged, tried (dry run), then imported on confirmation.

The upload is copied in bounded chunks into the data folder under its content hash, so the
confirmation (which may reach another web process) finds the very bytes that were tried,
and nothing lives in one process's memory. Both steps call ledger.importing.import_ledger:
the try with dry_run (nothing written), the confirmation for real in the caller's
transaction (all or nothing). The staged copy is removed once imported or refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.errors import InvalidInputError, NotFoundError
from ledger.files import output_error
from ledger.importing import ImportResult, LedgerRowsError, import_ledger
from models.rules import Rules
from models.tables import Inspection
from models.workdays import WorkCalendar

LEDGER_SUFFIXES = (".xlsx", ".xls", ".csv")
MAX_LEDGER_BYTES = 20 * 1024 * 1024
MAX_NAME = 120
CHUNK = 1 << 16
STALE_SECONDS = 24 * 3600  # a try never confirmed is dropped the next day
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RoundChoice:
    inspection_id: int
    title: str


@dataclass(frozen=True)
class LedgerTry:
    """The dry run of a staged upload: `token` and `name` confirm it; `errors` (row by row)
    when it cannot be imported, else `result` says what would be created/updated/unchanged."""

    token: str
    name: str
    inspection_id: int | None
    result: ImportResult | None = None
    errors: tuple[str, ...] = ()
    message: str = ""  # a refusal that is not about rows (unreadable file, no task rows)
    choices: tuple[RoundChoice, ...] = ()  # for the form shown again beside the outcome


def upload_choices(*, session: Session, actor: Actor) -> list[RoundChoice]:
    """The rounds an upload may go into (newest first); only the office imports."""
    require_office(actor, "导入整改台账")
    rows = session.exec(
        select(Inspection.id, Inspection.title).order_by(col(Inspection.id).desc())  # type: ignore[call-overload]
    ).all()
    return [RoundChoice(inspection_id or 0, title) for inspection_id, title in rows]


def _clean_name(raw: str) -> str:
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip().replace("\x00", "")
    if not name or name in (".", ".."):
        raise InvalidInputError("请选择要导入的台账文件(.xlsx、.xls 或 .csv)", field="file")
    if not name.lower().endswith(LEDGER_SUFFIXES):
        raise InvalidInputError(
            f"文件“{name[:MAX_NAME]}”不是台账:只能导入 .xlsx、.xls 或 .csv 文件", field="file"
        )
    if len(name) > MAX_NAME:
        stem, _, suffix = name.rpartition(".")
        name = f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix}"
    return name


def _drop_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for entry in folder.iterdir() if folder.is_dir() else ():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _stage(name: str, stream: BinaryIO, folder: Path, max_bytes: int) -> str:
    """Copy the stream under folder/<sha256>/<name>, refusing it past max_bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    _drop_stale(folder)
    partial = folder / f".incoming-{os.getpid()}-{time.monotonic_ns()}"
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInputError(
                        f"台账文件“{name}”超过 {max_bytes // 1024 // 1024} MB,未导入;"
                        "请删去无关的工作表或图片后重试",
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInputError(f"台账文件“{name}”是空的,请重新选择文件", field="file")
        token = digest.hexdigest()
        target = folder / token
        target.mkdir(exist_ok=True)
        os.replace(partial, target / name)
        return token
    except OSError as exc:
        raise output_error(folder, exc) from exc
    finally:
        partial.unlink(missing_ok=True)


def _staged(folder: Path, token: str, name: str) -> Path:
    if not _TOKEN.match(token) or name != _clean_name(name):
        raise NotFoundError("找不到这次试导入的台账,请重新上传", field="file")
    path = folder / token / name
    if not path.is_file():
        raise NotFoundError("找不到这次试导入的台账(可能已导入或已过期),请重新上传", field="file")
    return path


def try_ledger(
    name: str,
    stream: BinaryIO,
    *,
    session: Session,
    actor: Actor,
    folder: Path,
    now: datetime,
    today: date,
    rules: Rules,
    calendar: WorkCalendar,
    inspection_id: int | None = None,
    max_bytes: int = MAX_LEDGER_BYTES,
) -> LedgerTry:
    """Stage an uploaded ledger and run the import as a dry run: nothing is written to the
    database. Row errors are returned (every one), not raised, so the page can list them."""
    choices = tuple(upload_choices(session=session, actor=actor))
    try:
        clean = _clean_name(name)
        token = _stage(clean, stream, folder, max_bytes)
    except InvalidInputError as exc:  # no file, not a ledger, too large, empty
        return LedgerTry("", "", inspection_id, message=exc.message, choices=choices)
    path = folder / token / clean
    try:
        result = import_ledger(
            path,
            session=session,
            actor=actor,
            now=now,
            today=today,
            rules=rules,
            calendar=calendar,
            inspection_id=inspection_id,
            dry_run=True,
        )
    except LedgerRowsError as exc:
        shutil.rmtree(folder / token, ignore_errors=True)
        return LedgerTry(token, clean, inspection_id, errors=tuple(exc.errors), choices=choices)
    except InvalidInputError as exc:  # unreadable, not a ledger, no task rows
        shutil.rmtree(folder / token, ignore_errors=True)
        return LedgerTry(token, clean, inspection_id, message=exc.message, choices=choices)
    return LedgerTry(token, clean, inspection_id, result=result, choices=choices)


def confirm_ledger(
    token: str,
    name: str,
    *,
    session: Session,
    actor: Actor,
    folder: Path,
    now: datetime,
    today: date,
    rules: Rules,
    calendar: WorkCalendar,
    inspection_id: int | None = None,
) -> LedgerTry:
    """Import the staged ledger that was tried, in the caller's transaction. The rows are
    checked again (the database may have moved since the try): any error is raised, so the
    transaction rolls back and nothing is written. The staged copy is removed once the
    import has been applied."""
    require_office(actor, "导入整改台账")
    path = _staged(folder, token, name)
    result = import_ledger(
        path,
        session=session,
        actor=actor,
        now=now,
        today=today,
        rules=rules,
        calendar=calendar,
        inspection_id=inspection_id,
    )
    session.flush()
    shutil.rmtree(folder / token, ignore_errors=True)
    return LedgerTry(token, name, result.inspection_id, result=result)
