"""Uploaded 佐证材料: which files are accepted, checked before anything is saved.

A file is accepted by its name's ending AND by its first bytes, so a program renamed to
.pdf is refused; an empty one or one past the size limit is refused by name too. The caller
hands the checked `(name, stream)` pairs to the lifecycle service, which copies them into
the evidence store by content hash (ledger.evidence, bounded memory, the size limit enforced
again while reading) in the same transaction as the report: no staging folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from ledger.errors import InvalidInputError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc / .xls (Office 97-2003)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # .docx / .xlsx / .zip (an empty zip is PK\x05\x06)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".doc": (_OLE,),
    ".xls": (_OLE,),
    ".docx": _ZIP[:1],
    ".xlsx": _ZIP[:1],
    ".zip": _ZIP,
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
ALLOWED_TEXT = "pdf、doc、docx、xls、xlsx、jpg、png、zip"
MAX_NAME = 200


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_files: int

    @property
    def max_file_text(self) -> str:
        return f"{self.max_file_bytes // 1024 // 1024} MB"


def clean_name(raw: str) -> str:
    """The file's own name without any folder a browser or a hostile client put before it."""
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip().replace("\x00", "")
    if not name or name in (".", ".."):
        raise InvalidInputError("上传的文件没有文件名,请重新选择文件", field="evidence")
    if len(name) > MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: MAX_NAME - len(suffix) - 1] + dot + suffix) if dot else name[:MAX_NAME]
    return name


def checked_uploads(
    files: Iterable[tuple[str, BinaryIO]], limits: UploadLimits
) -> list[tuple[str, BinaryIO]]:
    """Each (name, seekable stream) with its cleaned name, checked for count, type (name and
    first bytes), emptiness and size; the whole lot is refused on the first bad file (the
    message names it). Only the first bytes are read; each stream is left at its start."""
    checked: list[tuple[str, BinaryIO]] = []
    for index, (raw_name, stream) in enumerate(files):
        name = clean_name(raw_name)
        if index >= limits.max_files:
            raise InvalidInputError(
                f"一次最多上传 {limits.max_files} 个文件,请分次上传", field="evidence"
            )
        suffix = Path(name).suffix.lower()
        if suffix not in SIGNATURES:
            raise InvalidInputError(
                f"文件“{name}”的类型不在允许范围内,只能上传 {ALLOWED_TEXT} 文件",
                field="evidence",
            )
        size = stream.seek(0, os.SEEK_END)
        stream.seek(0)
        if size > limits.max_file_bytes:
            raise InvalidInputError(
                f"文件“{name}”超过 {limits.max_file_text} 的上限,请压缩或拆分后再上传",
                field="evidence",
            )
        head = stream.read(16)
        stream.seek(0)
        if not head:
            raise InvalidInputError(f"文件“{name}”是空文件,请重新选择", field="evidence")
        if not head.startswith(SIGNATURES[suffix]):
            raise InvalidInputError(
                f"文件“{name}”的内容与扩展名 {suffix} 不符(可能已损坏或被改名),请检查后重新上传",
                field="evidence",
            )
        checked.append((name, stream))
    return checked
