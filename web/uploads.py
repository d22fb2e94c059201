"""Turning a form's file fields into staged files for the lifecycle services."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from ledger.uploads import UploadLimits, stage_uploads
from web.config import WebConfig


@contextmanager
def staged(cfg: WebConfig, uploads: list[UploadFile]) -> Iterator[list[Path]]:
    """The chosen files, copied (bounded) into a folder that is removed afterwards; the
    evidence store keeps its own copy by content hash."""
    chosen = [u for u in uploads if u.filename]
    if not chosen:
        yield []
        return
    incoming = cfg.settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    limits = UploadLimits(max_file_bytes=cfg.max_file_bytes, max_files=cfg.max_files)
    with tempfile.TemporaryDirectory(dir=incoming) as folder:
        yield stage_uploads([(u.filename or "", u.file) for u in chosen], Path(folder), limits)
