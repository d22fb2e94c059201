"""Turning a form's file fields into evidence for the lifecycle services."""

from __future__ import annotations

from typing import BinaryIO

from fastapi import UploadFile

from ledger.uploads import UploadLimits, checked_uploads
from web.config import WebConfig


def evidence_of(cfg: WebConfig, uploads: list[UploadFile]) -> list[tuple[str, BinaryIO]]:
    """The chosen files as checked `(name, stream)` pairs: the lifecycle service copies each
    stream into the evidence store by content hash (ledger.evidence), so an upload needs no
    folder of its own. The streams are the request's (Starlette spools them) and close with it."""
    chosen = [u for u in uploads if u.filename]
    limits = UploadLimits(max_file_bytes=cfg.max_file_bytes, max_files=cfg.max_files)
    return checked_uploads([(u.filename or "", u.file) for u in chosen], limits)
