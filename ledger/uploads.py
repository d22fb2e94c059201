"""Uploaded 佐证材料: which files are accepted, read in bounded memory before anything is saved.

A file is accepted by its name's ending AND by its first bytes, so a program renamed to
.pdf is refused. Each upload is copied in chunks to a staging folder and refused as soon as
it passes the size limit; the caller hands the staged paths to the lifecycle service, which
stores them by content hash in the same transaction as the report.
"""

from __future__ import annotations

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
CHUNK = 1 << 16


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


def stage_uploads(
    files: Iterable[tuple[str, BinaryIO]], folder: Path, limits: UploadLimits
) -> list[Path]:
    """Copy each (name, stream) into `folder`, checking type and size; refuse the whole lot
    on the first bad file (the message names it). Nothing is stored for good here."""
    staged: list[Path] = []
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
        target = folder / str(index) / name
        target.parent.mkdir(parents=True)
        size = 0
        head = b""
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                if len(head) < 16:
                    head += chunk[:16]
                size += len(chunk)
                if size > limits.max_file_bytes:
                    raise InvalidInputError(
                        f"文件“{name}”超过 {limits.max_file_text} 的上限,请压缩或拆分后再上传",
                        field="evidence",
                    )
                out.write(chunk)
        if size == 0:
            raise InvalidInputError(f"文件“{name}”是空文件,请重新选择", field="evidence")
        if not head.startswith(SIGNATURES[suffix]):
            raise InvalidInputError(
                f"文件“{name}”的内容与扩展名 {suffix} 不符(可能已损坏或被改名),请检查后重新上传",
                field="evidence",
            )
        staged.append(target)
    return staged
