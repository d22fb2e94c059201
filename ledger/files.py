"""Atomic outputs: every file the project writes appears complete or not at all.

A file is written under a hidden temporary name in its own folder, flushed to disk and
renamed over the target only when the writer finished without error. On any failure the
temporary file is removed and the target is left as it was, so a full disk never leaves a
truncated 台账.xlsx or a 0-byte chart under the real name. The temporary file is created
with mode 0666 filtered by the process umask (what `open()` would give), not mkstemp's
0600, so the office's colleagues can read the outputs as they could before.

Operating-system failures (full disk, no permission, read-only disk, missing folder)
become an `OutputError` with a Chinese message naming the path; other errors raised by
the writer pass through unchanged after the clean-up.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Literal, overload

from ledger.errors import OutputError

__all__ = [
    "OutputError",
    "atomic_open",
    "atomic_path",
    "new_temporary",
    "output_error",
    "write_bytes",
    "write_text",
    "write_with",
]

# Why a write failed, in the words of an office user; the path is appended.
_REASONS = {
    errno.ENOSPC: "磁盘空间不足,文件未写入:{path}",
    errno.EDQUOT: "磁盘配额已用完,文件未写入:{path}",
    errno.EFBIG: "文件超过磁盘允许的大小,文件未写入:{path}",
    errno.EACCES: "没有写入权限,文件未写入:{path};请换一个文件夹或请管理员开放权限",
    errno.EPERM: "没有写入权限,文件未写入:{path};请换一个文件夹或请管理员开放权限",
    errno.EROFS: "磁盘是只读的,文件未写入:{path};请换一个可写的文件夹",
    errno.ENOENT: "文件夹“{folder}”不存在,文件未写入:{path}",
    errno.ENOTDIR: "路径中有一段不是文件夹,文件未写入:{path}",
    errno.EEXIST: "“{folder}”已存在且不是文件夹,文件未写入:{path}",
    errno.EISDIR: "“{path}”是一个文件夹,文件未写入;请给出文件名",
    errno.ENAMETOOLONG: "文件名过长,文件未写入:{path}",
    errno.EIO: "磁盘读写出错,文件未写入:{path}",
}


def output_error(path: Path, exc: OSError) -> OutputError:
    """The Chinese message for an operating-system failure while writing `path`."""
    template = _REASONS.get(exc.errno or 0)
    if template is None:
        reason = exc.strerror or type(exc).__name__
        return OutputError(f"文件未写入:{path}(系统错误:{reason})", path=path)
    return OutputError(template.format(path=path, folder=path.parent), path=path)


def _temporary_name(target: Path) -> Path:
    # Hidden, in the target's folder (a rename never crosses file systems), recognisable.
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new empty file beside the target (its folder made if need be); the umask applies to 0666."""
    return new_temporary(target.parent, target.name)


def new_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """An open descriptor on a new hidden file in `folder`, for a writer that learns its final
    name only at the end (evidence is named by its hash); it renames or removes it itself."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    for _ in range(100):
        tmp = _temporary_name(target)
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666
            )
        except FileExistsError:
            continue
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; some file systems refuse to open a folder: not fatal.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    # Nothing more can be done if even the removal fails; the original error matters more.
    with suppress(OSError):
        os.unlink(path)


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path for a writer that wants a file name (openpyxl, python-docx, matplotlib).

    The target's folder is made if it does not exist, as every writer here did before.
    The writer may reopen the path as often as it likes; when the block ends without error
    the file is synced and renamed to `target`.
    """
    target = Path(target)
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise output_error(target, exc) from None
    os.close(fd)
    try:
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        _remove_quietly(tmp)
        raise output_error(target, exc) from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_folder(target.parent)


@overload
def atomic_open(
    target: Path | str, mode: Literal["wb"] = "wb", *, exclusive: bool = False
) -> AbstractContextManager[IO[bytes]]: ...
@overload
def atomic_open(
    target: Path | str, mode: Literal["w"], *, encoding: str = "utf-8", exclusive: bool = False
) -> AbstractContextManager[IO[str]]: ...
def atomic_open(
    target: Path | str, mode: str = "wb", *, encoding: str = "utf-8", exclusive: bool = False
) -> AbstractContextManager[IO[Any]]:
    """An open file object under a temporary name; renamed to `target` when the block ends well.

    `exclusive`: never replace an existing file; FileExistsError (untranslated, so the caller
    can pick the next name) when `target` exists by the time the file is complete.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes only, not mode {mode!r}")
    return _atomic_open(Path(target), mode, encoding, exclusive)


def _publish(tmp: Path, target: Path, *, exclusive: bool) -> None:
    if not exclusive:
        os.replace(tmp, target)
        return
    # A hard link fails if the name is taken, atomically, where a rename would overwrite.
    os.link(tmp, target)
    os.unlink(tmp)


@contextmanager
def _atomic_open(target: Path, mode: str, encoding: str, exclusive: bool) -> Iterator[IO[Any]]:
    try:
        fd, tmp = _create_temporary(target)
    except OSError as exc:
        raise output_error(target, exc) from None
    try:
        fh: IO[Any] = (
            os.fdopen(fd, mode) if mode == "wb" else os.fdopen(fd, mode, encoding=encoding)
        )
    except BaseException:
        os.close(fd)
        _remove_quietly(tmp)
        raise
    try:
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _publish(tmp, target, exclusive=exclusive)
    except FileExistsError:
        _remove_quietly(tmp)
        if exclusive:
            raise
        raise output_error(target, FileExistsError(errno.EEXIST, "exists")) from None
    except OSError as exc:
        _remove_quietly(tmp)
        raise output_error(target, exc) from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_folder(target.parent)


def write_bytes(target: Path | str, data: bytes) -> None:
    with atomic_open(target, "wb") as fh:
        fh.write(data)


def write_text(target: Path | str, text: str, *, encoding: str = "utf-8") -> None:
    with atomic_open(target, "w", encoding=encoding) as fh:
        fh.write(text)


def write_with(target: Path | str, writer: Callable[[Path], object]) -> None:
    """Run `writer(path)` on a temporary path and rename it to `target` when it returns."""
    with atomic_path(target) as tmp:
        writer(tmp)
