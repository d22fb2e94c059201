"""What every use case shares, for any front end: settings, engine, calendar, the clock
read once, and `use_case(actor)`, one transaction with the acting user resolved in it.

The command line opens one per command; a web server keeps one engine for the process and
opens a context per request (`AppContext(settings, engine=engine)`), so each request reads
the clock once and all it does is dated alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session

from ledger.actors import Actor, resolve_actor
from ledger.errors import SchemaError
from ledger.uow import transaction
from models.db import make_engine, schema_is_current
from models.office import TZ
from models.settings import Settings

if TYPE_CHECKING:
    # chinese-calendar loads when a use case needs working days, not for every read.
    from models.workdays import WorkCalendar


def shanghai_now() -> datetime:
    return datetime.now(TZ)


class AppContext:
    """Settings, engine, calendar and clock of one command or one request."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: sa.Engine | None = None,
        calendar: WorkCalendar | None = None,
        clock: Callable[[], datetime] = shanghai_now,
        channel: str = "",
    ) -> None:
        self.settings = settings
        # Where this context's requests come from (ledger.actors): the command line sets
        # "cli:<os user>", a scheduled run "schedule", the web "web".
        self.channel = channel
        self._engine = engine
        self._calendar = calendar
        self._clock = clock

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = self.make_engine()
        return self._engine

    def make_engine(self) -> sa.Engine:
        return make_engine(
            self.settings.database_url, busy_seconds=self.settings.limits.database_busy_seconds
        )

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = self.settings.calendar()
        return self._calendar

    @cached_property
    def now(self) -> datetime:
        """Read once: everything one use case writes carries the same time."""
        return self._clock().astimezone(TZ)

    @property
    def today(self) -> date:
        return self.now.date()

    def require_schema(self) -> None:
        if not schema_is_current(self.engine):
            raise SchemaError("数据库尚未初始化或版本较旧,请先初始化(升级)数据库", field="schema")

    @contextmanager
    def use_case(self, actor_name: str | None) -> Iterator[tuple[Session, Actor]]:
        """One transaction, with the actor resolved inside it (coming through `channel`)."""
        self.require_schema()
        with transaction(self.engine) as session:
            yield session, resolve_actor(session, actor_name, channel=self.channel)
