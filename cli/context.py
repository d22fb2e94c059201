"""The shared context (ledger.context) as a command opens it.

Kept apart from cli/common.py because it loads the ledger (SQLModel, the tables, settings):
cli.common.context() imports it when a command runs, never to print help.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

# Typer ships its own copy of Click; the current command's context is in that copy.
from typer._click.globals import get_current_context

from cli.common import user_errors
from ledger.context import AppContext


class Context(AppContext):
    """The shared context (ledger.context) as a command opens it."""

    def make_engine(self) -> sa.Engine:
        engine = super().make_engine()
        click_context = get_current_context(silent=True)
        if click_context is not None:
            # Close the pool when the command ends, so in-process callers (tests) leak no connections.
            click_context.call_on_close(engine.dispose)
        return engine

    def as_of(self, text: str | None) -> date:
        if not text:
            return self.today
        # ledger.inputs declares the *Create models (pydantic): only a given date needs it.
        from ledger.inputs import parse_date

        return parse_date(text, "计算日期", field="as_of")

    def require_schema(self) -> None:
        with user_errors():
            super().require_schema()
