"""An outbox notice as email: the MIME message built from the notice's own bodies.

Apprise's `NotifyEmail.prepare_emails` turns the HTML body back into text for every message
and builds a tree of `email.mime` objects that `as_string()` then walks: at a catch-up day
of 10,000 emails that was 44 % of the deliverer's CPU, more than the SMTP exchange itself
(profiled with py-spy, 100,000 tasks). A notice already carries its text rendering beside
the HTML one, so the message is written here directly: each body part is base64 once, and
each recipient gets its own header block in front of the same bytes.

What the message says stays Apprise's: the same addressing (To one at a time, Cc and Bcc
without the recipient, Reply-To), headers (Subject, From, To, Cc, Reply-To, Date,
X-Application and the URL's own `+header`s), HTML as multipart/alternative with the text
part first, text and Markdown as text/plain, attachments as multipart/mixed. Only the
Message-ID differs: it is derived from the notice key (`message_id`), so a repeat after a
crash is recognisable. A URL asking for PGP or inline images keeps Apprise's builder
(`uses_apprise_builder`).
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import encode_rfc2231, format_datetime, formataddr
from typing import Any

# Body formats of a channel (notifications.channels.Channel.body_format).
HTML, MARKDOWN, TEXT = "html", "markdown", "text"


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class OutgoingEmail:
    """One message as smtplib sends it: the envelope and the bytes (ASCII, LF line ends;
    smtplib turns them into CRLF)."""

    recipient: str
    to_addrs: list[str]
    body: str


def message_id(notice_key: str, fingerprint: str, address: str, domain: str) -> str:
    """The same notice to the same mailbox always gets the same Message-ID."""
    digest = hashlib.sha256(f"{notice_key}|{fingerprint}|{address}".encode()).hexdigest()
    return f"<{digest[:32]}@{domain or 'rectify.local'}>"


def uses_apprise_builder(plugin: Any) -> bool:
    """PGP signing or encryption and inline images are Apprise's to build."""
    from apprise.plugins.email.base import PGP_MODE_DEFAULT

    return bool(getattr(plugin, "inline", False)) or (
        getattr(plugin, "pgp_mode", PGP_MODE_DEFAULT) != PGP_MODE_DEFAULT
    )


def _b64(data: bytes) -> str:
    # encodebytes wraps at 76 characters, as RFC 2045 asks.
    return base64.encodebytes(data).decode("ascii")


def _text_part(subtype: str, text: str) -> str:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n\n" + _b64(text.encode("utf-8"))
    )


def _word(value: str) -> str:
    """A header value: as is when ASCII, else RFC 2047 encoded words (folded)."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _attachment_part(item: Attachment) -> str:
    # Both spellings of a Chinese file name: RFC 2231 (`filename*`) for current mail
    # programs, an RFC 2047 word in `name` for the older ones still found in offices.
    quoted = item.name.replace("\\", "\\\\").replace('"', '\\"')
    name = quoted if item.name.isascii() else Header(item.name, "utf-8").encode()
    star = "" if item.name.isascii() else f"; filename*={encode_rfc2231(item.name, 'utf-8')}"
    disposition = f'attachment; filename="{name}"{star}'
    return (
        f'Content-Type: {item.mimetype}; name="{name}"\n'
        "Content-Transfer-Encoding: base64\n"
        f"Content-Disposition: {disposition}\n\n" + _b64(item.content)
    )


def _multipart(subtype: str, parts: list[str]) -> str:
    boundary = f"=====rectify-{uuid.uuid4().hex}=="
    inner = "".join(f"--{boundary}\n{part}\n" for part in parts)
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n{inner}--{boundary}--\n'


def mime_body(
    *, body_format: str, text: str, html: str, markdown: str, attachments: list[Attachment]
) -> str:
    """The message's MIME entity (its Content-Type header, blank line, content), the same
    for every recipient of the notice."""
    if body_format == HTML and html:
        entity = _multipart("alternative", [_text_part("plain", text), _text_part("html", html)])
    else:
        entity = _text_part("plain", (markdown or text) if body_format == MARKDOWN else text)
    if attachments:
        entity = _multipart("mixed", [entity, *(_attachment_part(a) for a in attachments)])
    return entity


def emails_for(
    plugin: Any,
    *,
    notice_key: str,
    fingerprint: str,
    title: str,
    entity: str,
    now: datetime,
) -> list[OutgoingEmail]:
    """One message per To address of an Apprise email plugin, as Apprise addresses them."""
    names = plugin.names or {}
    from_addr = plugin.from_addr
    sender = formataddr(from_addr, charset="utf-8")
    domain = str(from_addr[1]).rpartition("@")[2]
    subject = _word(" ".join(title.split()))
    date = format_datetime(now.astimezone())
    extra = {"X-Application": plugin.app_id, **(plugin.headers or {})}
    common = "".join(f"{k}: {_word(str(v))}\n" for k, v in extra.items())
    cc, bcc, reply_to = set(plugin.cc or ()), set(plugin.bcc or ()), set(plugin.reply_to or ())
    out: list[OutgoingEmail] = []
    for to_name, to_addr in plugin.targets:
        cc_ = sorted(cc - bcc - {to_addr})
        bcc_ = sorted(bcc - {to_addr})
        reply_ = sorted(reply_to - {to_addr})
        head = [
            common,
            f"Subject: {subject}\n",
            f"From: {sender}\n",
            f"To: {formataddr((to_name, to_addr), charset='utf-8')}\n",
            f"Message-ID: {message_id(notice_key, fingerprint, to_addr, domain)}\n",
            f"Date: {date}\n",
        ]
        if cc_:
            head.append(
                "Cc: "
                + ",".join(formataddr((names.get(a, False), a), charset="utf-8") for a in cc_)
                + "\n"
            )
        if reply_:
            head.append(
                "Reply-To: "
                + ",".join(formataddr((names.get(a, False), a), charset="utf-8") for a in reply_)
                + "\n"
            )
        head.append("MIME-Version: 1.0\n")
        out.append(OutgoingEmail(to_addr, [to_addr, *cc_, *bcc_], "".join(head) + entity))
    return out
