"""Keeping secrets out of text: a channel is shown as its scheme and host only.

Apprise URLs carry credentials in every position: user info (`mailto://user:PASS@host`),
the host itself (`dingtalk://TOKEN/`), the path (`json://host/hook/TOKEN`), the query
(`?token=…`) and headers (`?+X-Api-Key=…`). Apprise's own privacy form still shows a
token's first and last character, so it is not used for anything people read. Instead
a channel is shown as `scheme://host[:port]`, or `scheme://***<fingerprint>` when the host
is itself a secret (Apprise's privacy form hides it), and every other piece of the URL
is starred out of any text (errors, Apprise's words, log records) before it is stored or
printed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import urllib.parse

_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")
STARS = "****"
# Pieces shorter than this are not treated as secrets (they would star out ordinary words).
MIN_SECRET = 4


def fingerprint(url: str) -> str:
    """Identifies a channel without revealing its URL."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _host_port(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("://", 1)[0].lower(), "", None
    return parts.scheme.lower(), parts.hostname or "", port


def shown_channel(url: str, privacy_url: str) -> str:
    """`scheme://host[:port]`, or `scheme://***<fingerprint>` when the host is a secret."""
    scheme, host, port = _host_port(url)
    _, privacy_host, _ = _host_port(privacy_url)
    if host and privacy_host == host:
        return f"{scheme}://{host}" + (f":{port}" if port else "")
    return f"{scheme}://***{fingerprint(url)[:8]}"


def secret_parts(url: str, shown: str) -> set[str]:
    """Every piece of the URL its shown form leaves out: user, password, a hidden host, path
    segments, query and header values (parameter names are not secrets and stay readable)."""
    visible = set(_SPLIT.split(shown))
    rest = url.split("://", 1)[-1]
    netloc, _, tail = rest.partition("/")
    if "?" in netloc:  # mailto://host?to=… has no path
        netloc, _, query = netloc.partition("?")
        path = ""
    else:
        path, _, query = tail.partition("?")
    query, _, fragment = query.partition("#")
    userinfo, _, host = netloc.rpartition("@")
    pieces = [*userinfo.split(":"), host.split(":")[0], *path.split("/"), fragment]
    for pair in query.split("&"):
        _, _, value = pair.partition("=")
        pieces.append(value)
    found: set[str] = set()
    for piece in pieces:
        for form in {piece, urllib.parse.unquote(piece), urllib.parse.unquote_plus(piece)}:
            found.add(form)
            found.update(_SPLIT.split(form))
    return {p for p in found if len(p) >= MIN_SECRET and p not in visible}


def mask(text: str, url: str, shown: str, privacy_url: str = "") -> str:
    """`text` with the URL (in any form) replaced by its shown form and every secret starred."""
    if not text:
        return text
    text = text.replace(url, shown)
    if privacy_url:
        text = text.replace(privacy_url, shown)
    for secret in sorted(secret_parts(url, shown), key=len, reverse=True):
        text = text.replace(secret, STARS)
    return text


_ANY_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s'\"<>]+")
_HOSTNAME = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+|localhost|\[[0-9a-fA-F:]+\]")


def any_url_shown(url: str) -> str:
    """Scheme and host of a URL whose secrets are not known (Apprise logging a URL it is
    still loading): the host only when it looks like a host name, never a token."""
    scheme, host, port = _host_port(url)
    if host and "..." not in host and _HOSTNAME.fullmatch(host):
        return f"{scheme}://{host}" + (f":{port}" if port else "")
    return f"{scheme}://***"


class SecretFilter(logging.Filter):
    """Stars out every known channel secret in log records, and cuts any URL in them down to
    scheme and host (Apprise logs the URLs it loads and the ones it posts to; Prefect
    forwards records of any logger it is told to capture, at any level)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, secrets: set[str]) -> None:
        with self._lock:
            if not secrets <= self._secrets:
                self._secrets |= secrets
                self._pattern = None

    def scrub(self, text: str) -> str:
        with self._lock:
            if self._secrets and self._pattern is None:
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(STARS, text)
        return _ANY_URL.sub(lambda m: any_url_shown(m.group(0)), text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


SECRETS = SecretFilter()
# Apprise and its plugins log through the "apprise" logger; a filter there runs before any
# handler (a file, the console, Prefect's API log handler) sees the record.
logging.getLogger("apprise").addFilter(SECRETS)
