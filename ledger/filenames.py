"""File and folder names that every office computer can open (Windows is the strictest).

Pure: names in, names out. Used by the 整改档案, whose folders are unpacked on Windows
machines: no reserved characters or device names, no trailing dots or spaces, bounded
length, and no two names in one folder that Windows would take for the same file.
"""

from __future__ import annotations

import re
import unicodedata

# Characters Windows refuses in a name, and control characters.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)}
MAX_NAME = 80  # characters: leaves room for the folders within Windows' 260-character paths


def safe_name(name: str, *, limit: int = MAX_NAME, fallback: str = "未命名") -> str:
    """A name Windows accepts that reads like the original: 'CON:结果?.docx' → '_CON_结果_.docx'."""
    text = unicodedata.normalize("NFC", name)
    text = _FORBIDDEN.sub("_", text).strip().rstrip(". ")
    if not text or set(text) <= {".", "_"}:
        text = fallback
    stem, dot, suffix = text.rpartition(".")
    if not dot or not stem:
        stem, suffix = text, ""
    if len(suffix) > 10:  # not a real extension: keep it part of the name
        stem, suffix = text, ""
    if stem.split(".")[0].upper() in _DEVICES:
        stem = "_" + stem
    ext = f".{suffix}" if suffix else ""
    room = max(limit - len(ext), 1)
    if len(stem) > room:
        stem = stem[:room].rstrip(". ")
    return stem + ext


def folder_name(prefix: str, text: str, *, limit: int = 30) -> str:
    """(一)科技项目资金管理不规范 / 1.建立科技项目资金拨付台账: a numbered, shortened folder."""
    body = re.sub(r"\s+", "", text)
    body = re.sub(r"[,,。;;、::!!??].*$", "", body) or body  # the first clause reads best
    return safe_name(prefix + body[:limit], limit=limit + len(prefix), fallback=prefix)


class NameTaker:
    """Hands out distinct names within one folder: 会议纪要.pdf, 会议纪要(2).pdf, …

    Compared as Windows compares them (case-insensitive), so two names never unpack onto
    the same file.
    """

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._taken: set[str] = {n.casefold() for n in reserved}

    def take(self, name: str) -> str:
        name = safe_name(name)
        if name.casefold() not in self._taken:
            self._taken.add(name.casefold())
            return name
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        ext = f".{suffix}" if suffix else ""
        n = 2
        while True:
            candidate = f"{stem}({n}){ext}"
            if candidate.casefold() not in self._taken:
                self._taken.add(candidate.casefold())
                return candidate
            n += 1
