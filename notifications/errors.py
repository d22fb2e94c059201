"""Errors of the notifications area; each carries a Chinese message a user can act on."""

from __future__ import annotations

from ledger.errors import RectifyError


class TemplateError(RectifyError):
    """A notice template is missing or uses a value the context does not provide."""


class ChannelConfigError(RectifyError):
    """The Apprise configuration cannot be read or maps a tag to an unusable URL."""
