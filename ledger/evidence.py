"""佐证材料: files stored once by content hash under the data folder.

Each file is read once: the same bytes are hashed and copied into a temporary file in the
store, which is renamed under its hash when complete. So a blob always matches its sha256
name, even when the source changes meanwhile (that is refused), and a full disk leaves no
temporary file. Only regular files are taken: a symlink (to /etc/shadow, say), a device,
a FIFO or a file of /proc or /sys is refused by name before a byte is read. All files of
a request are stored before any row is added, so a refused one leaves nothing recorded; a
blob written for a transaction that then rolls back is unreferenced, not wrong.

A file may also come as `(file name, binary stream)` (a web form's upload): it is stored the
same way, hashed while it is copied in chunks into the store's temporary file and refused
as soon as it passes the size limit, so an upload needs no folder of its own and memory
stays bounded. A stream is read from its start when it can seek (the same upload stored for
several tasks of one report).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ledger.errors import InvalidInputError, OutputError
from ledger.files import new_temporary, output_error
from models.limits import MB, Limits

CHUNK = 1 << 20
# Pseudo-file systems whose "files" are the machine's state, not a document: /proc files
# even claim size 0 and then yield the process environment.
_SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")


# A file to store: its path, or its name and an open binary stream.
EvidenceSource = Path | str | tuple[str, BinaryIO]


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    size: int
    sha256: str


def blob_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


def _refuse(path: Path | str, why: str) -> InvalidInputError:
    return InvalidInputError(f"佐证材料文件“{path}”{why},未保存任何内容")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "是文件夹,不是文件;请给出其中的文件"
    if stat.S_ISFIFO(mode):
        return "是管道(FIFO),不是普通文件"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "是设备,不是普通文件"
    if stat.S_ISSOCK(mode):
        return "是套接字,不是普通文件"
    return "不是普通文件"


def _open_regular(path: Path, max_bytes: int) -> tuple[int, os.stat_result]:
    """An open descriptor on a regular file within the size limit, or a refusal naming it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise _refuse(path, "不存在,请检查路径") from None
    except OSError as exc:
        raise _refuse(path, f"无法读取({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(path, "是符号链接;请直接给出文件本身")
    real = os.path.realpath(path)
    if any(real == top or real.startswith(top + "/") for top in _SYSTEM_FOLDERS):
        raise _refuse(path, "是系统文件,不是文档")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, _kind(info.st_mode))
    try:
        # O_NOFOLLOW: the name cannot be swapped for a symlink between lstat and open;
        # O_NONBLOCK: a FIFO swapped in cannot hang the open.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise _refuse(path, "在保存前被删除或移走,请检查路径") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(path, "是符号链接;请直接给出文件本身") from None
        raise _refuse(path, f"无法读取({exc.strerror})") from None
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise _refuse(path, _kind(opened.st_mode))
    if opened.st_size > max_bytes:
        os.close(fd)
        raise _too_large(path, opened.st_size, max_bytes)
    return fd, opened


def _too_large(path: Path, size: int, max_bytes: int) -> InvalidInputError:
    return _refuse(
        path,
        f"大小{size / MB:.1f}MB,超过上限{max_bytes / MB:.0f}MB"
        f"({Limits.setting('evidence_max_bytes')});请压缩或拆分后再提交",
    )


def _stream_too_large(name: str, max_bytes: int) -> InvalidInputError:
    return _refuse(
        name,
        f"超过上限{max_bytes / MB:.0f}MB({Limits.setting('evidence_max_bytes')});请压缩或拆分后再提交",
    )


def _not_stored(store: Path, path: Path | str, exc: OSError) -> OutputError:
    message = output_error(store, exc).message
    return OutputError(f"{message};佐证材料“{path}”未保存,本次未记录任何内容", path=store)


def _into_store(
    src: BinaryIO,
    label: Path | str,
    store: Path,
    max_bytes: int,
    *,
    too_large: Callable[[int], InvalidInputError],
    verify: Callable[[int], None] = lambda size: None,
) -> tuple[str, int]:
    """Copies `src` in chunks into a temporary file of the store, hashing as it goes and
    refusing past `max_bytes`; `verify(size)` may refuse the copy before it is renamed under
    its hash. Nothing is left in the store by a refusal or a failure."""
    digest, size = hashlib.sha256(), 0
    try:
        out, tmp = new_temporary(store, ".incoming")
    except OSError as exc:
        raise _not_stored(store, label, exc) from None
    try:
        with os.fdopen(out, "wb") as dst:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(size)
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        verify(size)
        sha256 = digest.hexdigest()
        target = blob_path(store, sha256)
        if target.exists():
            os.unlink(tmp)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(tmp)
        raise _not_stored(store, label, exc) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    return sha256, size


def _copy_once(path: Path, store: Path, max_bytes: int) -> EvidenceFile:
    fd, before = _open_regular(path, max_bytes)
    with os.fdopen(fd, "rb") as src:

        def unchanged(size: int) -> None:
            after = os.fstat(src.fileno())
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
                size != before.st_size
            ):
                raise _refuse(path, "在保存过程中被修改;请等文件写完后重新提交")

        sha256, size = _into_store(
            src,
            path,
            store,
            max_bytes,
            too_large=lambda size: _too_large(path, size, max_bytes),  # grew while being read
            verify=unchanged,
        )
    return EvidenceFile(path.name, size, sha256)


def _copy_stream(name: str, stream: BinaryIO, store: Path, max_bytes: int) -> EvidenceFile:
    if stream.seekable():
        stream.seek(0)
    sha256, size = _into_store(
        stream, name, store, max_bytes, too_large=lambda _: _stream_too_large(name, max_bytes)
    )
    return EvidenceFile(name, size, sha256)


def store_files(
    store: Path, files: Sequence[EvidenceSource], *, max_bytes: int = Limits.evidence_max_bytes
) -> list[EvidenceFile]:
    """Store every file (each read once) and describe them; the same content is stored once.

    A file is a path, or `(file name, binary stream)`; the name is what the ledger shows
    (a caller taking it from a client cleans it first: ledger.uploads.clean_name)."""
    return [
        _copy_stream(item[0], item[1], store, max_bytes)
        if isinstance(item, tuple)
        else _copy_once(Path(item), store, max_bytes)
        for item in files
    ]
