"""The DATA content an email lane sends is what smtplib.sendmail would send."""

from __future__ import annotations

import random
import re
import smtplib

from notifications.delivery import _quoted, _smtp_content


def _smtplib_content(body: str) -> bytes:
    """smtplib's own: SMTP.sendmail fixes line endings (smtplib._fix_eols), SMTP.data
    doubles leading dots (smtplib._quote_periods)."""
    fixed = re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", body).encode("ascii")
    return re.sub(rb"(?m)^\.", b"..", fixed)


def test_line_endings_and_leading_dots_match_smtplib() -> None:
    rng = random.Random(13)
    cases = [".", "..", "a\n.b", "a\r.b", "a\r\n.b", "\r\r\n\n", ".\r\n.\n.\r", "x" * 100]
    cases += [
        "".join(rng.choice("\r\n.a") for _ in range(rng.randrange(1, 40))) for _ in range(3000)
    ]
    for body in cases:
        assert _smtp_content(body) == _smtplib_content(body), repr(body)


def test_addresses_are_quoted_as_smtplib_quotes_them() -> None:
    for address in ("r00001@example.cn", "<a@b.cn>", "张三 <z@example.cn>", ""):
        assert _quoted(address) == smtplib.quoteaddr(address)
