"""Signed-in web sessions (ledger.accounts): a table of their own, which only the web
workspace and the user administration load (models.tables).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.tables import TABLE_CONFIG, utc_field, utc_now


class WebSession(SQLModel, table=True):
    """A signed-in web session. The cookie carries a random token; only its SHA-256 is kept,
    so a copy of the database signs nobody in. Revoked on logout and on a password change."""

    model_config = TABLE_CONFIG

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = utc_field(default_factory=utc_now)
    expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(default=None)
