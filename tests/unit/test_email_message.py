"""The email a notice becomes (notifications.email_message), read back by Python's own parser
as a mail program would: addressing, Chinese headers, both bodies, attachments."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import apprise
import pytest

from notifications.email_message import (
    Attachment,
    emails_for,
    message_id,
    mime_body,
    uses_apprise_builder,
)

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
TEXT = "财务处:\n  1 项整改任务已逾期 3 个工作日。\n"
HTML = "<p>财务处:</p><p><b>1</b> 项整改任务已逾期 3 个工作日。</p>"


def plugin_of(url: str) -> object:
    plugin = apprise.Apprise.instantiate(url)
    assert plugin is not None, url
    return plugin


def parsed(body: str) -> email.message.EmailMessage:
    # smtplib sends the str as ASCII with CRLF line ends: so must the builder's output.
    wire = body.replace("\n", "\r\n").encode("ascii")
    return email.message_from_bytes(wire, policy=email.policy.default)  # type: ignore[return-value]


def test_an_html_notice_is_text_then_html_with_chinese_headers_and_a_stable_message_id() -> None:
    plugin = plugin_of(
        "mailto://127.0.0.1:2525?from=整改办<zgb@example.cn>&to=caiwu@example.cn"
        "&cc=audit@example.cn&bcc=boss@example.cn&reply=desk@example.cn&+X-Office=巡察整改办"
    )
    entity = mime_body(body_format="html", text=TEXT, html=HTML, markdown="", attachments=[])
    (mail,) = emails_for(
        plugin,
        notice_key="daily:财务处:2026-12-01",
        fingerprint="fp",
        title="整改提醒  (3项)",
        entity=entity,
        now=NOW,
    )
    assert mail.recipient == "caiwu@example.cn"
    assert mail.to_addrs == ["caiwu@example.cn", "audit@example.cn", "boss@example.cn"]
    msg = parsed(mail.body)
    assert msg["Subject"] == "整改提醒 (3项)"  # whitespace collapsed, as Apprise does
    assert msg["From"].addresses[0].display_name == "整改办"
    assert msg["To"].addresses[0].addr_spec == "caiwu@example.cn"
    assert msg["Cc"] == "audit@example.cn" and msg["Bcc"] is None  # Bcc only in the envelope
    assert msg["Reply-To"] == "desk@example.cn"
    assert msg["X-Office"] == "巡察整改办" and msg["X-Application"] == plugin.app_id
    assert msg["Message-ID"] == message_id(
        "daily:财务处:2026-12-01", "fp", "caiwu@example.cn", "example.cn"
    )
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert plain.get_content() == TEXT and html.get_content() == HTML
    assert msg["Date"].datetime == NOW


def test_each_to_address_gets_its_own_message_and_message_id() -> None:
    plugin = plugin_of("mailto://127.0.0.1?from=zgb@example.cn&to=a@example.cn,b@example.cn")
    entity = mime_body(body_format="text", text=TEXT, html=HTML, markdown="", attachments=[])
    a, b = emails_for(plugin, notice_key="k", fingerprint="fp", title="t", entity=entity, now=NOW)
    assert (a.to_addrs, b.to_addrs) == (["a@example.cn"], ["b@example.cn"])
    ma, mb = parsed(a.body), parsed(b.body)
    assert ma["Message-ID"] != mb["Message-ID"]
    assert ma.get_content_type() == "text/plain" and ma.get_content() == TEXT


def test_markdown_goes_as_plain_text_and_attachments_keep_their_chinese_names() -> None:
    plugin = plugin_of("mailto://127.0.0.1?from=zgb@example.cn&to=a@example.cn")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    entity = mime_body(
        body_format="markdown",
        text=TEXT,
        html=HTML,
        markdown="**财务处**:1 项逾期",
        attachments=[Attachment("整改周报-2026-W49.png", png), Attachment('a "b".pdf', b"%PDF")],
    )
    (mail,) = emails_for(
        plugin, notice_key="k", fingerprint="fp", title="周报", entity=entity, now=NOW
    )
    msg = parsed(mail.body)
    assert msg.get_content_type() == "multipart/mixed"
    body, chart, pdf = msg.iter_parts()
    assert body.get_content() == "**财务处**:1 项逾期"
    assert (chart.get_filename(), chart.get_content_type()) == (
        "整改周报-2026-W49.png",
        "image/png",
    )
    assert chart.get_content() == png
    assert (pdf.get_filename(), pdf.get_content()) == ('a "b".pdf', b"%PDF")
    assert all(len(line) <= 998 for line in mail.body.splitlines())


@pytest.mark.parametrize(
    ("url", "apprise_builds"),
    [
        ("mailto://127.0.0.1?from=zgb@example.cn&to=a@example.cn", False),
        ("mailto://127.0.0.1?from=zgb@example.cn&to=a@example.cn&inline=yes", True),
    ],
)
def test_inline_images_stay_with_apprise(url: str, apprise_builds: bool) -> None:
    assert uses_apprise_builder(plugin_of(url)) is apprise_builds
