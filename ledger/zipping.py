"""Zip files that come out byte for byte the same for the same content.

A zip records a modification time per entry, and Office files (docx, xlsx are zips too)
record when they were created and saved; python-docx and openpyxl stamp both with the
current time. Everything here stamps entries with one fixed moment instead (the archive's
as-of date), rewrites the Office files' docProps/core.xml dates to it, and copies files
in chunks so a large evidence file never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
# Already compressed: deflating them again costs time and saves nothing.
STORED_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".gif", ".zip", ".rar", ".7z", ".gz", ".mp4", ".mp3",
    ".docx", ".xlsx", ".pptx", ".ofd",
}  # fmt: skip
_CORE_DATES = re.compile(
    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def stamp(day: date) -> tuple[int, int, int, int, int, int]:
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def entry(
    name: str, when: tuple[int, int, int, int, int, int], *, compress: bool
) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix: the same on every machine that builds the archive
    if not name.isascii():
        info.flag_bits |= 0x800  # names are UTF-8, so Windows shows 会议纪要.pdf, not mojibake
    return info


@dataclass(frozen=True)
class Written:
    size: int
    sha256: str


def copy_into(
    zf: zipfile.ZipFile,
    name: str,
    src: BinaryIO,
    when: tuple[int, int, int, int, int, int],
    *,
    size_hint: int = 0,
) -> Written:
    """Streams `src` into the zip as `name`, hashing it on the way."""
    compress = Path(name).suffix.lower() not in STORED_SUFFIXES
    digest = hashlib.sha256()
    size = 0
    with zf.open(
        entry(name, when, compress=compress), "w", force_zip64=size_hint >= 1 << 31
    ) as out:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Written(size, digest.hexdigest())


def normalise_office_file(src: Path, dst: Path, day: date) -> Written:
    """Rewrites a docx/xlsx with fixed entry times and creation dates; returns its hash."""
    when = stamp(day)
    moment = f"{day.isoformat()}T00:00:00Z".encode()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: m.group(1) + moment + m.group(3), data)
            zout.writestr(entry(info.filename, when, compress=True), data)
    digest = hashlib.sha256()
    with dst.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return Written(dst.stat().st_size, digest.hexdigest())
