"""Keeping secrets out of text: every Apprise URL is shown as url(privacy=True)."""

from __future__ import annotations

import re
import urllib.parse

_SPLIT = re.compile(r"[/:@?&=#,;\s]+")


def secret_parts(url: str, masked: str) -> set[str]:
    """The pieces of a URL that its privacy form hides (passwords, tokens, keys)."""
    shown = {urllib.parse.unquote(p) for p in _SPLIT.split(masked)}
    parts = {urllib.parse.unquote(p) for p in _SPLIT.split(url)} | set(_SPLIT.split(url))
    return {p for p in parts if len(p) >= 4 and p not in shown}


def mask(text: str, url: str, masked: str) -> str:
    """`text` with the URL replaced by its privacy form and any hidden piece starred out."""
    if not text:
        return text
    text = text.replace(url, masked)
    for secret in sorted(secret_parts(url, masked), key=len, reverse=True):
        text = text.replace(secret, "****")
    return text
