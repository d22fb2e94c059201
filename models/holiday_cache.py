"""The `holidays` package's public holidays of a year, kept in the data folder.

For a year chinese-calendar does not ship, the calendar asks the `holidays` package, and
importing it and building China's holidays costs about 0.17 s: every command that counts
working days into that year (every daily check from December on) paid it, a fifth of a bare
command's start. The answer depends only on the year and the installed package, so it is
kept in `<data folder>/cache/` under a key naming the package's files (their path, size and
time of change): installing another version of the package makes a new answer.

The cache is only an answer already computed: a file that is missing, unreadable, not a
regular file, too large or not what this module writes is ignored and written again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
from datetime import date
from importlib.util import find_spec
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024  # a year's holidays are a few hundred bytes


def package_key() -> str | None:
    """Names the installed `holidays` package (None when it is not installed)."""
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    try:
        info = os.stat(spec.origin)
    except OSError:
        return None
    return f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


def _path(cache_dir: Path, year: int) -> Path:
    return cache_dir / f"holidays-CN-{year}.json"


def read(cache_dir: Path, year: int, key: str) -> set[date] | None:
    """The kept holidays of `year` if the file was written for this package, else None."""
    try:
        fd = os.open(_path(cache_dir, year), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = json.loads(fh.read(MAX_BYTES + 1))
        if not isinstance(data, dict) or data.get("key") != key or data.get("year") != year:
            return None
        days = data.get("days")
        if not isinstance(days, list):
            return None
        return {date.fromisoformat(d) for d in days}
    except (OSError, ValueError, TypeError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def write(cache_dir: Path, year: int, key: str, days: set[date]) -> None:
    """Keeps the answer under a temporary name renamed when complete; a folder that cannot
    be written (read-only, full) only means the next command computes it again."""
    text = json.dumps({"key": key, "year": year, "days": sorted(d.isoformat() for d in days)})
    tmp: str | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".holidays-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, _path(cache_dir, year))
        tmp = None
    except OSError as exc:
        log.debug("节假日缓存未写入:%s", exc.strerror)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
