"""佐证材料 are stored once, correctly: one read, regular files only, nothing recorded on refusal."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import evidence, lifecycle
from ledger.errors import InvalidInputError, OutputError
from ledger.uow import transaction
from tests.builders import NOW, OFFICE, build_sample_round


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("progressreport", "evidence", "history")
        )


def _report(
    engine: sa.Engine,
    task_id: int,
    files: Sequence[evidence.EvidenceSource],
    store: Path,
    **kw: object,
) -> None:
    with transaction(engine) as s:
        lifecycle.report_progress(
            task_id,
            text="已建立台账",
            evidence=files,
            session=s,
            actor=OFFICE,
            now=NOW,
            evidence_store=store,
            **kw,  # type: ignore[arg-type]
        )


def _store_files(store: Path) -> list[str]:
    return sorted(p.name for p in store.rglob("*") if p.is_file()) if store.exists() else []


@pytest.fixture
def task_id(engine: sa.Engine) -> int:
    return build_sample_round(engine).task_ids[0]


def test_a_stored_file_is_named_by_the_hash_of_its_content(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    source = tmp_path / "核查记录.pdf"
    source.write_bytes(b"%PDF-1.4 " + os.urandom(3 << 20))
    store = tmp_path / "store"
    _report(engine, task_id, [source], store)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert _store_files(store) == [digest]
    assert evidence.blob_path(store, digest).read_bytes() == source.read_bytes()


def _refused(
    engine: sa.Engine, task_id: int, path: Path, store: Path, message: str, **kw: object
) -> None:
    before = _counts(engine)
    with pytest.raises(InvalidInputError) as err:
        _report(engine, task_id, [path], store, **kw)
    assert err.value.message == message
    assert _counts(engine) == before
    assert _store_files(store) == []


def test_a_symlink_is_refused_by_name_even_to_a_readable_file(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    link = tmp_path / "shadow.pdf"
    link.symlink_to("/etc/passwd")
    _refused(engine, task_id, link, tmp_path / "store",
             f"佐证材料文件“{link}”是符号链接;请直接给出文件本身,未保存任何内容")  # fmt: skip


def test_a_file_of_proc_is_refused_as_a_system_file(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    path = Path("/proc/self/environ")
    _refused(engine, task_id, path, tmp_path / "store",
             "佐证材料文件“/proc/self/environ”是系统文件,不是文档,未保存任何内容")  # fmt: skip


def test_a_device_a_fifo_and_a_folder_are_refused_by_what_they_are(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    fifo = tmp_path / "管道.pdf"
    os.mkfifo(fifo)
    store = tmp_path / "store"
    _refused(
        engine,
        task_id,
        fifo,
        store,
        f"佐证材料文件“{fifo}”是管道(FIFO),不是普通文件,未保存任何内容",
    )
    _refused(engine, task_id, Path("/dev/zero"), store,
             "佐证材料文件“/dev/zero”是系统文件,不是文档,未保存任何内容")  # fmt: skip
    folder = tmp_path / "材料"
    folder.mkdir()
    _refused(engine, task_id, folder, store,
             f"佐证材料文件“{folder}”是文件夹,不是文件;请给出其中的文件,未保存任何内容")  # fmt: skip


def test_a_file_over_the_size_limit_is_refused_naming_the_limit_and_the_setting(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    big = tmp_path / "扫描件.pdf"
    big.write_bytes(b"x" * (3 << 20))
    _refused(engine, task_id, big, tmp_path / "store",
             f"佐证材料文件“{big}”大小3.0MB,超过上限2MB(配置文件 rectify.toml 的 [limits] "
             "evidence_max_bytes);请压缩或拆分后再提交,未保存任何内容",
             evidence_max_bytes=2 << 20)  # fmt: skip


def test_a_missing_file_is_refused_and_nothing_recorded(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    gone = tmp_path / "已删除.pdf"
    _refused(
        engine,
        task_id,
        gone,
        tmp_path / "store",
        f"佐证材料文件“{gone}”不存在,请检查路径,未保存任何内容",
    )


def test_a_file_changed_while_it_is_stored_is_refused_and_no_blob_kept(
    engine: sa.Engine, task_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "进展.docx"
    source.write_bytes(b"a" * 100)
    real = hashlib.sha256

    class Appending:
        """The office's editor saves the file again while its first chunk is being stored."""

        def __init__(self) -> None:
            self.inner = real()
            self.saved = False

        def update(self, data: bytes) -> None:
            if not self.saved:
                source.write_bytes(b"b" * 104)  # saved again, a little longer
                self.saved = True
            self.inner.update(data)

        def hexdigest(self) -> str:
            return self.inner.hexdigest()

    monkeypatch.setattr(evidence.hashlib, "sha256", Appending)
    _refused(engine, task_id, source, tmp_path / "store",
             f"佐证材料文件“{source}”在保存过程中被修改;请等文件写完后重新提交,未保存任何内容")  # fmt: skip


def test_a_full_disk_leaves_no_temporary_file_and_records_nothing(
    engine: sa.Engine, task_id: int, tmp_path: Path, full_disk: Callable[..., None]
) -> None:
    source = tmp_path / "台账.pdf"
    source.write_bytes(b"x" * (2 << 20))
    store = tmp_path / "store"
    store.mkdir()
    full_disk(store, room=1 << 20)
    before = _counts(engine)
    with pytest.raises(OutputError) as err:
        _report(engine, task_id, [source], store)
    assert err.value.message == (
        f"磁盘空间不足,文件未写入:{store};佐证材料“{source}”未保存,本次未记录任何内容"
    )
    assert _counts(engine) == before
    assert [p.name for p in store.rglob("*")] == []


def test_a_stream_is_stored_as_the_same_file_by_path_is(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    content = b"%PDF-1.4 " + os.urandom(3 << 20)  # several chunks
    source = tmp_path / "核查记录.pdf"
    source.write_bytes(content)
    by_path, by_stream = tmp_path / "by-path", tmp_path / "by-stream"
    [from_path] = evidence.store_files(by_path, [source])
    [from_stream] = evidence.store_files(by_stream, [("核查记录.pdf", io.BytesIO(content))])
    assert (
        from_stream
        == from_path
        == evidence.EvidenceFile("核查记录.pdf", len(content), hashlib.sha256(content).hexdigest())
    )
    assert _store_files(by_stream) == _store_files(by_path) == [from_path.sha256]
    assert evidence.blob_path(by_stream, from_stream.sha256).read_bytes() == content
    # Through the service, the report lists it like any file, under the name given.
    _report(engine, task_id, [("现场.pdf", io.BytesIO(content))], by_path)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name, sha256 FROM evidence")).all()
    assert [tuple(r) for r in names] == [("现场.pdf", from_path.sha256)]
    assert _store_files(by_path) == [from_path.sha256]  # the same content, stored once


def test_a_stream_over_the_size_limit_is_refused_by_name_and_nothing_is_stored(
    engine: sa.Engine, task_id: int, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    before = _counts(engine)
    stream = io.BytesIO(b"%PDF-1.4 " + b"0" * (3 << 20))
    with pytest.raises(InvalidInputError) as refused:
        _report(engine, task_id, [("扫描件.pdf", stream)], store, evidence_max_bytes=2 << 20)
    assert refused.value.message == (
        "佐证材料文件“扫描件.pdf”超过上限2MB(配置文件 rectify.toml 的 [limits] "
        "evidence_max_bytes);请压缩或拆分后再提交,未保存任何内容"
    )
    assert _counts(engine) == before
    assert [p.name for p in store.rglob("*")] == []  # no blob, no temporary file
    # It stopped reading at the limit: a stream is never read whole into memory to refuse it.
    assert stream.tell() <= (2 << 20) + evidence.CHUNK


def test_the_same_stream_given_for_several_reports_is_read_from_its_start_each_time(
    engine: sa.Engine, tmp_path: Path
) -> None:
    content = b"%PDF-1.4 shared"
    stream = io.BytesIO(content)
    store = tmp_path / "store"
    first = evidence.store_files(store, [("a.pdf", stream)])
    second = evidence.store_files(store, [("a.pdf", stream)])
    assert first == second and first[0].size == len(content)
