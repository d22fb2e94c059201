"""佐证材料: files stored once by content hash under the data folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import InvalidInputError


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    size: int
    sha256: str
    source: Path


def inspect_files(paths: list[Path]) -> list[EvidenceFile]:
    """Hash every file before anything is written, so a missing one refuses the whole request."""
    files = []
    for path in paths:
        if not path.is_file():
            raise InvalidInputError(f"佐证材料文件“{path}”不存在或不是文件,请检查路径")
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        files.append(EvidenceFile(path.name, path.stat().st_size, digest.hexdigest(), path))
    return files


def blob_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


def store_files(store: Path, files: list[EvidenceFile]) -> None:
    """Copy each file in under its hash; the same content is stored once.

    Written to a temporary name and renamed, so a crash never leaves half a file under a
    hash. A blob written for a transaction that then rolls back is unreferenced, not wrong.
    """
    for f in files:
        target = blob_path(store, f.sha256)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        shutil.copyfile(f.source, tmp)
        os.replace(tmp, target)
