"""Why a channel refused a notice, in words an office can act on.

Apprise reports a failure in English ("A Connection error occurred sending JSON
notification to 127.0.0.1."); the office reads the Chinese reason (连接被拒绝, 超时,
对方返回HTTP 500, 认证失败 …) in the outbox, and the attempt log keeps Apprise's own words
after it for whoever debugs the channel.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass

REFUSED = "连接被拒绝"
TIMEOUT = "超时"
UNRESOLVED = "无法解析服务器地址"
BROKEN = "连接中断"
UNREACHABLE = "无法连接对方服务器"
AUTH = "认证失败"
TLS = "TLS 加密连接失败"
UNKNOWN = "发送失败(通知服务未说明原因)"

_HTTP_CODE = re.compile(r"error=(\d{3})|HTTP[ /](?:status )?(\d{3})|\b(\d{3}) (?:error|Error)")
_HTTP_AUTH = {401, 403}


@dataclass(frozen=True)
class Failure:
    """A failed send: the Chinese reason and the sender's own words."""

    reason: str
    detail: str = ""

    def for_log(self) -> str:
        """The attempt log's text: the reason, then the original words."""
        return f"{self.reason}({self.detail})" if self.detail else self.reason


def http_reason(code: int) -> str:
    if code in _HTTP_AUTH:
        return f"{AUTH}(对方返回HTTP {code})"
    if code == 404:
        return "对方返回HTTP 404(地址不存在,请检查通知地址)"
    if code == 429:
        return "对方返回HTTP 429(发送过于频繁,稍后重试)"
    return f"对方返回HTTP {code}"


_probe_cache: dict[tuple[str, int], tuple[float, str]] = {}


def probe(host: str, port: int, *, timeout: float = 3.0) -> str:
    """Why a connection to host:port fails now (cached for 10 s per address)."""
    cached = _probe_cache.get((host, port))
    if cached and time.monotonic() - cached[0] < 10:
        return cached[1]
    try:
        with socket.create_connection((host, port), timeout=timeout):
            reason = BROKEN  # it connects now: the connection broke during the send
    except ConnectionRefusedError:
        reason = REFUSED
    except TimeoutError:
        reason = f"连接{TIMEOUT}"
    except socket.gaierror:
        reason = UNRESOLVED
    except OSError:
        reason = UNREACHABLE
    _probe_cache[(host, port)] = (time.monotonic(), reason)
    return reason


def describe_apprise(
    words: str,
    *,
    host: str | None,
    port: int | None,
    elapsed: float,
    timeout: float | None,
) -> Failure:
    """The reason behind Apprise's words for one failed notify()."""
    if not words:
        return Failure(UNKNOWN)
    match = _HTTP_CODE.search(words)
    if match:
        return Failure(http_reason(int(next(g for g in match.groups() if g))), words)
    lowered = words.lower()
    if "timed out" in lowered or "timeout" in lowered:
        return Failure(TIMEOUT, words)
    if "ssl" in lowered or "certificate" in lowered:
        return Failure(TLS, words)
    if "auth" in lowered or "login" in lowered or "credential" in lowered:
        return Failure(AUTH, words)
    if "connection error" in lowered or "socket" in lowered:
        # Apprise says only "a connection error": the time it took and a fresh connection
        # attempt tell a timeout from a refusal or an unknown host name.
        if timeout and elapsed >= timeout * 0.9:
            return Failure(TIMEOUT, words)
        if host and port:
            return Failure(probe(host, port), words)
        return Failure(UNREACHABLE, words)
    return Failure(f"发送失败:{words}" if len(words) < 60 else "发送失败", words)


def describe_smtp(exc: BaseException) -> Failure:
    """The reason behind an SMTP exception."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Failure(f"{AUTH}(邮件服务器拒绝了用户名或密码)", detail)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return Failure("收件地址被邮件服务器拒收", detail)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return Failure("发件地址被邮件服务器拒绝", detail)
    if isinstance(exc, smtplib.SMTPDataError):
        return Failure(f"邮件服务器拒收邮件(SMTP {exc.smtp_code})", detail)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Failure("邮件服务器不支持所需的加密或认证方式", detail)
    if isinstance(exc, ConnectionRefusedError):
        return Failure(REFUSED, detail)
    if isinstance(exc, TimeoutError | socket.timeout):
        return Failure(TIMEOUT, detail)
    if isinstance(exc, socket.gaierror):
        return Failure(UNRESOLVED, detail)
    if isinstance(exc, ssl.SSLError):
        return Failure(TLS, detail)
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return Failure(BROKEN, detail)
    if isinstance(exc, OSError):
        return Failure(UNREACHABLE, detail)
    return Failure("发送失败", detail)
