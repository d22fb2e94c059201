"""What the web process is started with: settings, one engine, the cookie key, the clock,
upload limits; each request gets its own `AppContext` from it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ledger.accounts import load_or_create_secret
from ledger.context import AppContext, shanghai_now
from models.db import make_engine
from models.settings import Settings, load_settings

# Upload bounds: one file, and a whole request (several files and the form).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
MAX_REQUEST_BYTES = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024


@dataclass
class WebConfig:
    settings: Settings
    engine: sa.Engine
    secret: bytes
    max_file_bytes: int = MAX_FILE_BYTES
    max_files: int = MAX_FILES
    max_request_bytes: int = MAX_REQUEST_BYTES
    clock: Callable[[], datetime] = field(default=shanghai_now)

    def request_context(self) -> AppContext:
        """A request's context: this process's engine, the clock read once for the request."""
        return AppContext(self.settings, engine=self.engine, clock=self.clock)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> WebConfig:
        """The session key: RECTIFY_WEB_SECRET when given, else made once in the data folder."""
        given = os.environ.get("RECTIFY_WEB_SECRET", "").strip()
        secret = (
            given.encode()
            if given
            else load_or_create_secret(settings.data_dir / "web-session-secret")
        )
        return cls(
            settings=settings,
            engine=make_engine(
                settings.database_url, busy_seconds=settings.limits.database_busy_seconds
            ),
            secret=secret,
            **kwargs,
        )

    @classmethod
    def from_environment(cls) -> WebConfig:
        return cls.from_settings(load_settings())
