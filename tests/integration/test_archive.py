"""The 整改档案 of the sample round taken to the end, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from ledger.archive import ArchiveSummary, build_archive
from ledger.errors import ForbiddenError, InvalidInputError, RectifyError
from ledger.evidence import blob_path
from ledger.uow import transaction
from models.rules import Rules
from tests.builders import OFFICE
from tests.fixtures.archive import FINISHED_AS_OF, FinishedRound


def build(engine: sa.Engine, rnd: FinishedRound, out: Path) -> ArchiveSummary:
    with transaction(engine) as session:
        return build_archive(
            rnd.inspection_id,
            out,
            session=session,
            actor=OFFICE,
            as_of=FINISHED_AS_OF,
            rules=Rules(),
            evidence_store=rnd.evidence_store,
        )


def index_rows(zf: zipfile.ZipFile, tmp: Path) -> list[tuple[str, str, str, int, str]]:
    (tmp / "目录.xlsx").write_bytes(zf.read("00_目录.xlsx"))
    ws = load_workbook(tmp / "目录.xlsx").active
    assert ws is not None
    rows = []
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] is None or not isinstance(row[0], int):
            continue
        _no, folder, name, code, _day, size, sha, _note = row
        rows.append((folder or "", name, code or "", size, sha))
    return rows


def test_the_index_lists_exactly_the_files_of_the_zip_with_their_hashes(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    summary = build(engine, finished_round, tmp_path / "整改档案.zip")
    with zipfile.ZipFile(summary.path) as zf:
        names = zf.namelist()
        rows = index_rows(zf, tmp_path)
        listed = {
            (f"{folder}/{name}" if folder else name): (size, sha)
            for folder, name, _c, size, sha in rows
        }
        assert names[:2] == ["00_目录.xlsx", "00_目录.docx"]
        assert set(listed) == set(names[2:]) and len(listed) == len(names) - 2 == len(rows)
        for name in names[2:]:
            data = zf.read(name)
            assert listed[name] == (len(data), hashlib.sha256(data).hexdigest()), name
        docx_index = tmp_path / "目录.docx"
        docx_index.write_bytes(zf.read("00_目录.docx"))
    table = Document(str(docx_index)).tables[0]
    assert [row.cells[6].text for row in table.rows[1:]] == [sha for *_rest, sha in rows]
    assert summary.files == len(names)


def test_folders_follow_the_problems_and_every_measure_has_its_form_and_evidence(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    summary = build(engine, finished_round, tmp_path / "整改档案.zip")
    with zipfile.ZipFile(summary.path) as zf:
        names = zf.namelist()
        assert names[2:5] == [
            "01_整改台账.xlsx",
            "02_整改情况报告.docx",
            "03_督办通知单/督办〔2027〕1号-任务4.1.docx",
        ]
        problem_folders = list(dict.fromkeys(n.split("/")[0] for n in names if n.startswith("(")))
        assert problem_folders == [
            "(一)科技项目资金管理不规范",
            "(二)科技特派员服务基层流于形式",
            "(三)意识形态工作责任制落实不到位",
            "(四)选人用人程序不规范",
        ]
        first = "(一)科技项目资金管理不规范/1.建立科技项目资金拨付台账/"
        assert [n[len(first) :] for n in names if n.startswith(first)] == [
            "资金拨付台账.xlsx",
            "会议纪要.pdf",
            "会议纪要(2).pdf",
            "CON_核查_结果__.docx",
            "销号审批表-1.1.docx",
        ]
        assert zf.read(first + "会议纪要.pdf") == finished_round.files["a/会议纪要.pdf"]
        assert zf.read(first + "会议纪要(2).pdf") == finished_round.files["b/会议纪要.pdf"]
        forms = [n for n in names if n.rsplit("/", 1)[-1].startswith("销号审批表-")]
        assert len(forms) == 7 == summary.closure_forms
        assert summary.evidence_files == 8 and summary.supervision_orders == 1
        for name in names:
            # Windows can unpack every name.
            assert not any(ch in name.rsplit("/", 1)[-1] for ch in '<>:"\\|?*'), name
        second = "(一)科技项目资金管理不规范/2.对滞后项目逐一约谈承担单位/"
        assert [n[len(second) :] for n in names if n.startswith(second)] == [
            "拨付凭证.pdf",
            "拨付凭证(2).pdf",
            "销号审批表-1.2.docx",
        ]
        (tmp_path / "f.docx").write_bytes(zf.read(second + "销号审批表-1.2.docx"))
    texts = [p.text for p in Document(str(tmp_path / "f.docx")).paragraphs]
    assert "1. 2027年1月22日,整改办退回,理由:缺少2个项目的拨付凭证" in texts


def test_two_builds_of_the_same_round_and_date_are_byte_identical(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    a = build(engine, finished_round, tmp_path / "a" / "档案.zip").path
    b = build(engine, finished_round, tmp_path / "b" / "档案.zip").path
    assert a.read_bytes() == b.read_bytes()
    # Nothing in it carries the clock (two builds a second apart would differ otherwise):
    # every entry, and every entry of the Word and Excel files inside, has the as-of date.
    as_of = (2027, 3, 1, 0, 0, 0)
    with zipfile.ZipFile(a) as zf:
        for info in zf.infolist():
            assert info.date_time == as_of, info.filename
            generated = info.filename.startswith("0") or "/销号审批表-" in info.filename
            if generated:
                inner = tmp_path / "inner"
                inner.write_bytes(zf.read(info))
                with zipfile.ZipFile(inner) as office:
                    assert {i.date_time for i in office.infolist()} == {as_of}, info.filename
                    core = office.read("docProps/core.xml").decode()
                    assert "2027-03-01T00:00:00Z" in core, info.filename


def test_a_changed_evidence_file_stops_the_build_and_leaves_no_zip(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    content = finished_round.files["c/拨付凭证.pdf"]
    blob = blob_path(finished_round.evidence_store, hashlib.sha256(content).hexdigest())
    blob.write_bytes(b"X" * len(content))  # same size, other content
    out = tmp_path / "档案.zip"
    with pytest.raises(RectifyError, match="拨付凭证.pdf.*SHA-256 不符"):
        build(engine, finished_round, out)
    assert not out.exists() and list(tmp_path.glob(".*.tmp")) == []
    blob.unlink()
    with pytest.raises(RectifyError, match="拨付凭证.pdf.*缺失"):
        build(engine, finished_round, out)
    assert not out.exists()


def test_only_the_office_builds_an_archive_and_only_as_a_zip(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    from ledger.actors import Actor
    from models.enums import Role

    with transaction(engine) as session:
        with pytest.raises(ForbiddenError):
            build_archive(
                finished_round.inspection_id,
                tmp_path / "a.zip",
                session=session,
                actor=Actor(name="陈某", role=Role.unit, unit_id=1),
                as_of=FINISHED_AS_OF,
                rules=Rules(),
                evidence_store=finished_round.evidence_store,
            )
        with pytest.raises(InvalidInputError, match=r"\.zip"):
            build_archive(
                finished_round.inspection_id,
                tmp_path / "a.rar",
                session=session,
                actor=OFFICE,
                as_of=FINISHED_AS_OF,
                rules=Rules(),
                evidence_store=finished_round.evidence_store,
            )


def test_a_withdrawn_task_is_left_out_and_listed_as_withdrawn_in_the_index(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    from ledger.corrections import withdraw_task
    from tests.fixtures.documents import at

    with transaction(engine) as session:
        withdraw_task(
            finished_round.tasks["2.1"],
            reason="误录:该措施与1.2重复",
            session=session,
            actor=OFFICE,
            now=at(FINISHED_AS_OF),
        )
    summary = build(engine, finished_round, tmp_path / "整改档案.zip")
    assert summary.withdrawn == ("2.1 修订科技特派员考核办法,把服务实绩作为考核主要依据",)
    assert summary.closure_forms == 6
    with zipfile.ZipFile(summary.path) as zf:
        names = zf.namelist()
        (tmp_path / "目录.docx").write_bytes(zf.read("00_目录.docx"))
        rows = index_rows(zf, tmp_path)
    assert not any(
        "修订科技特派员考核办法" in n or n.endswith("销号审批表-2.1.docx") for n in names
    )
    assert len(rows) == len(names) - 2
    texts = [p.text for p in Document(str(tmp_path / "目录.docx")).paragraphs]
    assert (
        "已撤销、未列入档案的整改任务:2.1 修订科技特派员考核办法,把服务实绩作为考核主要依据"
        in texts
    )
