"""Which entries of the office's Apprise YAML configuration serve which tag, read once per
file content.

Apprise parses a configuration in pure Python and builds a plugin object for every URL in
it: for an office with a mailbox for each of 2,000 units and their people (4,001 URLs) that
took 19 s on these machines, on every run, even a rerun that sends nothing. Most runs reach
a few recipients, and the rest of the file is never needed.

So the configuration is indexed instead: libyaml composes the document once, and for every
URL entry the index keeps where the URL stands in the text and the tags it serves. The
index is cached by the file's SHA-256 in the data folder (`cache/apprise-<sha256>.json`);
it holds character offsets and tag names only, never a URL, so no secret is written
there. A run reads the file, hashes it, loads the index and builds plugin objects only for
the tags that have a notice (notifications.channels).

Only the plain shape the README documents is indexed: `urls:` as a list of entries, each a
URL (plain YAML, written as it is meant) with `tag:` / `tags:` and nothing else, and
optionally `version: 1`. Anything else (global tags, groups, includes, templates, per-URL
options, several settings under one URL) is Apprise's own business: `index_of` returns
None and the whole file goes through Apprise as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import OutputError
from ledger.files import write_text

log = logging.getLogger(__name__)

# Bump when the cached layout changes: an older file is then simply built again.
FORMAT = 1
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TAG_KEYS = {"tag", "tags"}


def _loader() -> Any:
    """libyaml's loader: 40× faster than the pure-Python composer. PyYAML is imported only
    when a configuration is indexed (17 ms a command, where the index is usually kept)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Entry:
    start: int  # offsets of the URL in the configuration's text
    end: int
    tags: tuple[str, ...]  # as Apprise would give them to the plugin


@dataclass(frozen=True)
class ConfigIndex:
    sha256: str
    entries: tuple[Entry, ...]

    def by_tag(self) -> dict[str, list[int]]:
        """Lower-cased tag -> the entries serving it, in file order."""
        found: dict[str, list[int]] = {}
        for number, entry in enumerate(self.entries):
            for tag in entry.tags:
                found.setdefault(tag.lower(), []).append(number)
        return found

    def url(self, text: str, number: int) -> str:
        entry = self.entries[number]
        return text[entry.start : entry.end]

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "sha256": self.sha256,
                "entries": [[e.start, e.end, list(e.tags)] for e in self.entries],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str, sha256: str) -> ConfigIndex | None:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT or data.get("sha256") != sha256:
                return None
            entries = tuple(
                Entry(int(start), int(end), tuple(str(t) for t in tags))
                for start, end, tags in data["entries"]
            )
        except (ValueError, TypeError, KeyError):
            return None  # a damaged cache file is built again
        return cls(sha256, entries)


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _scalar(node: Any, *tags: str) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag in tags:
        return str(node.value)
    return None


def _tags_of(node: Any) -> tuple[str, ...] | None:
    """The tags of one `tag:` value, as Apprise's parse_list reads them; None: not plain."""
    import yaml
    from apprise.utils.parse import parse_list  # only when the index is built

    if (value := _scalar(node, _STR, _INT)) is not None:
        return tuple(parse_list(value, cast=str))
    if isinstance(node, yaml.SequenceNode):
        values = [_scalar(item, _STR, _INT) for item in node.value]
        if any(v is None for v in values):
            return None
        return tuple(parse_list(values, cast=str))
    return None


def _entry(node: Any, text: str) -> Entry | None:
    """One `- URL: {tag: ...}` item, or None when it is not of the plain shape."""
    import yaml

    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return None
    key, value = node.value[0]
    url = _scalar(key, _STR)
    if url is None or "://" not in url or key.style:  # plain: None or ""
        return None
    start, end = key.start_mark.index, key.end_mark.index
    if text[start:end] != url:  # written across lines or with escapes: not a plain slice
        return None
    if not isinstance(value, yaml.MappingNode):
        return None
    if len(value.value) != 1:
        return None  # a per-URL option beside the tags: Apprise applies it
    option, setting = value.value[0]
    tags = _tags_of(setting) if _scalar(option, _STR) in _TAG_KEYS else None
    if not tags:
        return None
    return Entry(start, end, tuple(dict.fromkeys(tags)))


def build_index(text: str, sha256: str) -> ConfigIndex | None:
    """The index of a configuration of the plain shape; None for anything else."""
    import yaml

    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return None  # Apprise reports a broken file in its own words
    if not isinstance(root, yaml.MappingNode):
        return None
    urls: Any = None
    for key, value in root.value:
        name = _scalar(key, _STR)
        if name == "version" and _scalar(value, _INT, _STR) == "1":
            continue
        if name != "urls" or urls is not None:
            return None
        urls = value
    if not isinstance(urls, yaml.SequenceNode) or not urls.value:
        return None
    entries = []
    for item in urls.value:
        entry = _entry(item, text)
        if entry is None:
            return None
        entries.append(entry)
    return ConfigIndex(sha256, tuple(entries))


def cached_index(text: str, cache_dir: Path) -> ConfigIndex | None:
    """The index of `text`, from the cache when this content was indexed before."""
    sha256 = digest_of(text)
    path = cache_dir / f"apprise-{sha256}.json"
    try:
        cached = ConfigIndex.from_json(path.read_text(encoding="utf-8"), sha256)
    except OSError:
        cached = None
    if cached is not None:
        return cached
    index = build_index(text, sha256)
    if index is None:
        return None
    try:
        write_text(path, index.as_json())
        for old in cache_dir.glob("apprise-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, OutputError) as exc:  # a read-only data folder: index again next run
        log.info("Apprise 配置索引未能缓存:%s", exc)
    return index
