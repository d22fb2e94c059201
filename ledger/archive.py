"""The 整改档案 of a round: one zip with the 目录, the ledger, the report, every measure's
evidence and 销号审批表, and the 督办通知单 issued for the round.

Layout (in the zip's order, which is the order of the problems):

    00_目录.xlsx, 00_目录.docx   every other file: folder, name, task, date, size, sha256
    01_整改台账.xlsx             the colour-coded export (ledger.exporting)
    02_整改情况报告.docx         the report as of the archive's date
    03_督办通知单/               督办〔2027〕1号-任务4.1.docx, …
    (一)<问题>/1.<措施>/        the measure's evidence under its original names, and
                                  销号审批表-<任务编号>.docx

How, and why:
- The generated documents are rendered first into a temporary folder (one at a time, so
  memory holds one document, whatever the round's size) and normalised (ledger.zipping)
  so that the same round and as-of give the same bytes. Evidence sizes and hashes are
  known from the ledger, so the 目录 is complete before a single evidence byte is copied.
- Evidence is streamed from the store in 1 MB chunks and hashed on the way; a file whose
  content no longer matches its recorded hash stops the build with its name.
- The zip is written under a temporary name and renamed (ledger.files): whole or absent.
- Reads happen in the caller's transaction: every file describes the same moment.
"""

from __future__ import annotations

import gc
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.documents.closure import ClosureFormData, closure_forms, size_text
from ledger.documents.render import render_docx
from ledger.documents.text import cn_date, serial
from ledger.errors import InvalidInputError, NotFoundError, RectifyError
from ledger.evidence import blob_path
from ledger.exporting import export_ledger
from ledger.filenames import NameTaker, folder_name, safe_name
from ledger.files import atomic_path
from ledger.queries import live_tasks
from ledger.registry import get_inspection
from ledger.zipping import copy_into, normalise_office_file, stamp
from models.outbox import SupervisionOrder
from models.rules import Rules
from models.tables import Problem, Task

INDEX_XLSX = "00_目录.xlsx"
INDEX_DOCX = "00_目录.docx"
LEDGER = "01_整改台账.xlsx"
REPORT = "02_整改情况报告.docx"
ORDERS = "03_督办通知单"

REQUIRED_INDEX_TAGS = {"rows": "文件清单表"}


@dataclass(frozen=True)
class ArchiveFile:
    """One file of the archive as the 目录 lists it."""

    folder: str  # "" at the top
    name: str
    code: str  # 任务编号, or "" for round-wide files
    on: date
    size: int
    sha256: str
    note: str  # what it is: 佐证材料(原名…) / 销号审批表 / 整改台账 …
    source: Path  # where its bytes come from: a blob of the evidence store or a rendered file
    is_evidence: bool = False

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name


@dataclass(frozen=True)
class ArchiveIndex:
    """00_目录.docx: the list of files, for the Word template."""

    template: ClassVar[str] = "archive_index"
    required_tags: ClassVar[Mapping[str, str]] = REQUIRED_INDEX_TAGS

    inspection: str
    as_of: date
    files: tuple[ArchiveFile, ...]
    withdrawn: tuple[str, ...] = ()

    def context(self) -> dict[str, Any]:
        return {
            "title": f"{self.inspection}整改档案目录",
            "as_of_text": cn_date(self.as_of),
            "count_text": (
                f"本档案共{len(self.files) + 2}个文件;下表列出除目录本身(00_目录.xlsx、"
                f"00_目录.docx)外的{len(self.files)}个文件,按问题顺序排列,"
                "SHA-256 可用于核对文件是否完整、未被改动。"
            ),
            "rows": [
                {
                    "no": i,
                    "folder": f.folder or "(根目录)",
                    "name": f.name,
                    "code": f.code,
                    "date_text": cn_date(f.on),
                    "size_text": size_text(f.size),
                    "sha256": f.sha256,
                    "note": f.note,
                }
                for i, f in enumerate(self.files, 1)
            ],
            "withdrawn_text": (
                "已撤销、未列入档案的整改任务:" + ";".join(self.withdrawn)
                if self.withdrawn
                else "无已撤销的整改任务。"
            ),
        }


@dataclass(frozen=True)
class ArchiveSummary:
    path: Path
    files: int  # including the two 目录 files
    evidence_files: int
    closure_forms: int
    supervision_orders: int
    size: int  # bytes of the zip
    withdrawn: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "files": self.files,
            "evidence_files": self.evidence_files,
            "closure_forms": self.closure_forms,
            "supervision_orders": self.supervision_orders,
            "size": self.size,
            "withdrawn": list(self.withdrawn),
        }


class _Renderer:
    """Renders the generated documents into a work folder, normalised, one at a time."""

    def __init__(self, work: Path, as_of: date) -> None:
        self.work = work
        self.as_of = as_of
        self.count = 0

    def _normalised(self, raw: Path) -> tuple[Path, int, str]:
        self.count += 1
        final = self.work / f"{self.count:06d}{raw.suffix}"
        written = normalise_office_file(raw, final, self.as_of)
        raw.unlink()
        # A rendered Word document leaves its object tree in reference cycles; collected only
        # by the cyclic collector, a round of 120 measures grew the process by 150 MB. Freed
        # after each document, memory stays flat whatever the number of measures.
        gc.collect()
        return final, written.size, written.sha256

    def docx(self, data: Any) -> tuple[Path, int, str]:
        raw = render_docx(data, self.work / "raw.docx")
        return self._normalised(raw)

    def xlsx(self, write: Any) -> tuple[Path, int, str]:
        raw = self.work / "raw.xlsx"
        write(raw)
        return self._normalised(raw)


def _measure_files(
    form: ClosureFormData, folder: str, store: Path, renderer: _Renderer, as_of: date
) -> Iterator[ArchiveFile]:
    """The measure's evidence under its original names (identical uploads once), then its form."""
    form_name = safe_name(f"销号审批表-{form.code}.docx")
    taker = NameTaker(reserved=(form_name,))
    seen: set[tuple[str, str]] = set()
    for ev in form.evidence:
        if (ev.name, ev.sha256) in seen:
            continue  # the same file handed in twice under the same name
        seen.add((ev.name, ev.sha256))
        name = taker.take(ev.name)
        stage = "申请销号" if ev.closure else "进展填报"
        note = f"佐证材料({stage},{ev.by}报送)"
        if name != ev.name:
            note += f",原文件名“{ev.name}”"
        source = blob_path(store, ev.sha256)
        yield ArchiveFile(folder, name, form.code, ev.on, ev.size, ev.sha256, note, source, True)
    path, size, sha = renderer.docx(form)
    yield ArchiveFile(
        folder, form_name, form.code, form.closed_on or as_of, size, sha, "销号审批表", path
    )


class ArchiveIntegrityError(RectifyError):
    """An evidence file whose content changed in the store since it was handed in."""


def _check_blobs(files: list[ArchiveFile]) -> None:
    """Every evidence file present with its recorded size, before anything is written."""
    for f in files:
        if not f.is_evidence:
            continue
        if not f.source.is_file() or f.source.stat().st_size != f.size:
            raise NotFoundError(
                f"佐证材料“{f.name}”(任务 {f.code})在材料库中缺失或大小不符"
                f"(应为 {f.size} 字节,SHA-256 {f.sha256[:12]}…),整改档案未生成;"
                "请从备份恢复材料库后重试"
            )


def _index_workbook(index: ArchiveIndex, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "目录"
    context = index.context()
    ws["A1"] = context["title"]
    ws["A1"].font = Font(size=14, bold=True)
    ws["A2"] = f"截至{context['as_of_text']}。{context['count_text']}"
    headers = ["序号", "文件夹", "文件名", "任务编号", "日期", "大小(字节)", "SHA-256", "说明"]
    widths = [6, 40, 40, 10, 16, 12, 66, 40]
    for c, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=3, column=c, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = width
    for r, f in enumerate(index.files, start=4):
        values = [r - 3, f.folder, f.name, f.code, cn_date(f.on), f.size, f.sha256, f.note]
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.cell(row=len(index.files) + 5, column=1, value=context["withdrawn_text"])
    ws.freeze_panes = "A4"
    wb.save(path)


def _orders(session: Session, inspection_id: int) -> list[int]:
    return [
        order_id
        for order_id in session.exec(
            select(SupervisionOrder.id)
            .join(Task, col(Task.id) == SupervisionOrder.task_id)
            .where(Task.inspection_id == inspection_id)
            .order_by(col(SupervisionOrder.year), col(SupervisionOrder.number))
        )
        if order_id is not None
    ]


def build_archive(
    inspection_id: int,
    out: Path,
    *,
    session: Session,
    actor: Actor,
    as_of: date,
    rules: Rules,
    evidence_store: Path,
) -> ArchiveSummary:
    """Writes the round's 整改档案 to `out` (a .zip), whole or not at all."""
    from ledger.documents.report_data import rectification_report
    from ledger.documents.supervision import supervision_order_data

    require_office(actor, "生成整改档案")
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise InvalidInputError(
            f"整改档案须保存为 .zip 文件,“{out.name}”不是;请改为如 整改档案.zip"
        )
    inspection = get_inspection(session, inspection_id)
    problems = list(
        session.exec(
            select(Problem).where(Problem.inspection_id == inspection_id).order_by(col(Problem.seq))
        )
    )
    if inspection.withdrawn_at is not None:
        raise InvalidInputError(
            f"轮次 {inspection_id}“{inspection.title}”已撤销,不生成整改档案", field="inspection_id"
        )
    of_round = col(Task.inspection_id) == inspection_id
    forms = closure_forms(session, sa.and_(of_round, live_tasks()))
    # Withdrawn tasks (entered by mistake) leave the archive; the 目录 names them once.
    withdrawn = tuple(
        f"{code} {measure}"
        for code, measure in session.execute(
            sa.select(col(Task.code), col(Task.measure))
            .where(of_round, col(Task.withdrawn_at).is_not(None))
            .order_by(col(Task.id))
        )
    )
    by_problem: dict[int, list[ClosureFormData]] = {}
    for form in forms:
        by_problem.setdefault(form.problem_id, []).append(form)

    with tempfile.TemporaryDirectory(prefix="rectify-archive-") as tmp:
        renderer = _Renderer(Path(tmp), as_of)
        files: list[ArchiveFile] = []

        def top(name: str, rendered: tuple[Path, int, str], note: str, folder: str = "") -> None:
            path, size, sha = rendered
            files.append(ArchiveFile(folder, name, "", as_of, size, sha, note, path))

        top(
            LEDGER,
            renderer.xlsx(
                lambda p: export_ledger(
                    p,
                    session=session,
                    actor=actor,
                    today=as_of,
                    rules=rules,
                    inspection_id=inspection_id,
                )
            ),
            "整改台账(按红黄绿蓝灯着色)",
        )
        report = rectification_report(session, inspection_id, actor=actor, as_of=as_of, rules=rules)
        top(REPORT, renderer.docx(report), "整改情况报告")
        for order_id in _orders(session, inspection_id):
            order = supervision_order_data(session, order_id, actor=actor)
            path, size, sha = renderer.docx(order)
            name = safe_name(f"{order.label}-任务{order.code}.docx")
            files.append(
                ArchiveFile(
                    ORDERS, name, order.code, order.issued_on, size, sha, "督办通知单", path
                )
            )
        order_count = len(files) - 2

        problem_folders = NameTaker()
        for number, problem in enumerate(problems, 1):
            assert problem.id is not None
            pfolder = problem_folders.take(folder_name(serial(number), problem.description))
            measure_folders = NameTaker()
            for m, form in enumerate(by_problem.get(problem.id, []), 1):
                mfolder = measure_folders.take(folder_name(f"{m}.", form.measure))
                files.extend(
                    _measure_files(form, f"{pfolder}/{mfolder}", evidence_store, renderer, as_of)
                )
        _check_blobs(files)

        index = ArchiveIndex(
            inspection=inspection.title, as_of=as_of, files=tuple(files), withdrawn=withdrawn
        )
        index_docx = renderer.docx(index)
        index_xlsx = renderer.xlsx(lambda p: _index_workbook(index, p))

        when = stamp(as_of)
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as partial, zipfile.ZipFile(partial, "w") as zf:
            for name, (path, _size, _sha) in ((INDEX_XLSX, index_xlsx), (INDEX_DOCX, index_docx)):
                with path.open("rb") as fh:
                    copy_into(zf, name, fh, when)
            for f in files:
                with f.source.open("rb") as fh:
                    written = copy_into(zf, f.path, fh, when, size_hint=f.size)
                if written.sha256 != f.sha256:
                    raise ArchiveIntegrityError(
                        f"佐证材料“{f.name}”(任务 {f.code})的内容与报送时记录的 SHA-256 不符,"
                        "材料库中的文件可能已被改动或损坏,整改档案未生成;请从备份恢复后重试"
                    )
    evidence_count = sum(1 for f in files if f.is_evidence)
    return ArchiveSummary(
        path=out,
        files=len(files) + 2,
        evidence_files=evidence_count,
        closure_forms=len(forms),
        supervision_orders=order_count,
        size=out.stat().st_size,
        withdrawn=withdrawn,
    )
