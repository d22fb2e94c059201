"""Who can be reached where: the Apprise configuration, tags, and the local channel.

Recipients are Apprise tags: a unit's, leader's or person's name (or the notify_tag on
their Unit/User row, for when two share a name) and `office`. The office's Apprise
configuration file (YAML or TEXT, RECTIFY_APPRISE_CONFIG) says which URLs each tag reaches,
so any service Apprise knows works. Without a configuration file every tag goes to the
local channel, which writes each notice as a readable file under the data folder.

Apprise URLs carry secrets (passwords, robot tokens) in any position: only a channel's
shown form (scheme and host, notifications.masking) ever leaves this module in text meant
for people (logs, errors, the outbox), and every secret of a loaded configuration is
starred out of Apprise's log records.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ledger.errors import OutputError
from ledger.files import atomic_open, output_error
from models.settings import Settings
from notifications.channel_index import ConfigIndex, cached_index
from notifications.errors import ChannelConfigError
from notifications.masking import SECRETS, any_url_shown, fingerprint, secret_parts, shown_channel
from notifications.render import BODIES

log = logging.getLogger(__name__)

LOCAL_SCHEMA = "rectifylocal"
CONFIG_MAX_BYTES = 64 * 2**20


@cache
def asset() -> Any:
    """The AppriseAsset of every Apprise object made here.

    Delivery runs its own thread per channel lane; Apprise handing every send to its own
    executor (parallel dispatch, the service_timeout watchdog) only adds two thread hand-offs
    per message. Each plugin keeps its socket timeouts, so a dead server still fails the send.
    Made when first needed: importing Apprise is a tenth of a second that a run sending
    nothing (a same-day rerun) never needs."""
    import apprise

    return apprise.AppriseAsset(async_mode=False, service_timeout=0)


def __getattr__(name: str) -> Any:
    if name == "ASSET":  # notifications.channels.ASSET, as other modules and tests name it
        return asset()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Services whose messages render Markdown (group robots and the like).
MARKDOWN_SCHEMAS = {"dingtalk", "wecombot", "feishu", "lark", "workflows", "slack", "mattermost"}
EMAIL_SCHEMAS = {"mailto", "mailtos"}

_local_lock = threading.Lock()
_UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')


def _safe_name(text: str, limit: int = 60) -> str:
    return _UNSAFE.sub("_", text).strip(" ._")[:limit] or "通知"


def _write_local_notice(
    body: str, title: str, notify_type: Any, meta: dict[str, Any], *args: Any, **kwargs: Any
) -> bool:
    """Writes one notice as a UTF-8 text file: <folder>/<recipient>/<NNNN>-<title>.txt."""
    qsd = meta.get("qsd", {})
    folder = Path(qsd.get("dir", "notices")) / _safe_name(qsd.get("to", "未指定"))
    with _local_lock:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            number = len(list(folder.glob("*.txt"))) + 1
            while True:
                path = folder / f"{number:04d}-{_safe_name(title)}.txt"
                try:
                    # Complete or absent, so a reader never opens half a notice.
                    with atomic_open(path, "w", exclusive=True) as fh:
                        fh.write(f"{title}\n\n{body.rstrip()}\n")
                    return True
                except FileExistsError:  # another process wrote that number meanwhile
                    number += 1
        except (OSError, OutputError) as exc:
            error = exc if isinstance(exc, OutputError) else output_error(folder, exc)
            # Apprise records what its logger said as the attempt's error (the outbox shows it).
            logging.getLogger("apprise").warning(error.message)
            return False


_registered = False
_register_lock = threading.Lock()


def register_local_schema() -> None:
    """Makes `rectifylocal://` known to Apprise, the first time a local notice is sent.
    Registering a plugin loads every Apprise plugin module (half a second of a process
    start), which a run that sends nothing, or only email, never needs."""
    global _registered
    with _register_lock:
        if not _registered:
            from apprise.decorators import notify

            notify(on=LOCAL_SCHEMA, name="整改通本地通知文件夹")(_write_local_notice)
            _registered = True


def local_url(folder: Path, tag: str) -> str:
    return (
        f"{LOCAL_SCHEMA}://localhost/?dir={urllib.parse.quote(str(folder.resolve()), safe='')}"
        f"&to={urllib.parse.quote(tag, safe='')}"
    )


def instantiate(url: str, tags: list[str] | None = None) -> Any | None:
    """A plugin object for one Apprise URL, as `apprise.Apprise.instantiate` makes it (None
    when Apprise cannot read the URL).

    Email plugins are made directly from Apprise's email plugin: `instantiate` formats a
    "Loaded … URL" debug line for every plugin (the URL re-encoded with its secrets masked)
    whether or not anyone logs DEBUG, and masks the URL once more while parsing it. For a
    configuration with a mailbox for each of 2,000 units and their people (4,001 mailto URLs)
    that was two thirds of the time spent making plugins (0.24 ms of 0.35 ms each)."""
    if url.split("://", 1)[0].lower() in EMAIL_SCHEMAS:
        from apprise.plugins.email import NotifyEmail

        if NotifyEmail.enabled:
            results = NotifyEmail.parse_url(url.replace("/#", "/%23"))
            if not results:
                return None  # the caller says the entry was skipped
            from apprise.utils.parse import parse_list

            results["tag"] = set(parse_list(tags or []))
            results["asset"] = asset()
            try:
                plugin = NotifyEmail(**results)
            except Exception:  # Apprise's own instantiate gives None for these too
                return None
            return plugin if plugin.enabled else None
    import apprise

    return apprise.Apprise.instantiate(url, asset=asset(), tag=tags)


@dataclass(frozen=True)
class Channel:
    """One Apprise URL a tag reaches, and which body it gets."""

    url: str = field(repr=False)  # holds secrets: never print
    masked: str  # scheme and host only (notifications.masking.shown_channel)
    schema: str
    body_format: str  # "html" / "markdown" / "text"
    privacy_url: str = field(default="", repr=False)  # Apprise's form: still shows token ends

    @property
    def fingerprint(self) -> str:
        """Identifies the channel in the outbox without revealing the URL."""
        return fingerprint(self.url)

    @property
    def is_local(self) -> bool:
        return self.schema == LOCAL_SCHEMA

    @property
    def is_email(self) -> bool:
        return self.schema in EMAIL_SCHEMAS


def body_format_for(plugin: Any, schema: str | None = None) -> str:
    """HTML for email, Markdown for group robots, plain text for everything else."""
    from apprise.common import NotifyFormat

    schema = schema or plugin_schema(plugin)
    formats = plugin.notify_format
    formats = tuple(formats) if isinstance(formats, tuple | list) else (formats,)
    if schema in EMAIL_SCHEMAS or (formats and formats[0] == NotifyFormat.HTML):
        return "html"
    if schema in MARKDOWN_SCHEMAS or (formats and formats[0] == NotifyFormat.MARKDOWN):
        return "markdown"
    return "text"


def plugin_schema(plugin: Any) -> str:
    url = plugin.url(privacy=True)
    return url.split("://", 1)[0].lower()


def channel_of(plugin: Any) -> Channel:
    # Each url() call re-encodes the whole URL (a millisecond for email): two, not five.
    url, privacy_url = plugin.url(privacy=False), plugin.url(privacy=True)
    schema = privacy_url.split("://", 1)[0].lower()
    shown = shown_channel(url, privacy_url)
    # Apprise's privacy form still shows each token's first and last character.
    SECRETS.add(secret_parts(url, shown) | {privacy_url})
    return Channel(
        url=url,
        masked=shown,
        schema=schema,
        body_format=body_format_for(plugin, schema),
        privacy_url=privacy_url,
    )


@dataclass
class _Indexed:
    """A configuration read through notifications.channel_index: plugins built on demand."""

    text: str
    index: ConfigIndex
    by_tag: dict[str, list[int]]
    plugins: dict[int, Any | None] = field(default_factory=dict)  # entry -> plugin (None: invalid)


class Channels:
    """The channels each tag reaches, from the office's Apprise configuration or the local folder.

    Built from an Apprise object (every plugin already made), or from an indexed
    configuration, when a tag's plugins are made the first time a notice for it is sent."""

    def __init__(
        self,
        apobj: Any | None,  # an apprise.Apprise
        *,
        local_dir: Path,
        indexed: tuple[str, ConfigIndex] | None = None,
    ) -> None:
        self.apprise = apobj
        self.local_dir = local_dir
        self._by_tag: dict[str, list[Channel]] = {}
        self._plugins: dict[str, Any] = {}  # url -> the plugin object loaded from the configuration
        self._indexed: _Indexed | None = None
        self._lock = threading.Lock()
        if indexed is not None:
            text, index = indexed
            self._indexed = _Indexed(text, index, index.by_tag())
        elif apobj is not None:
            from apprise.common import MATCH_ALL_TAG

            for plugin in apobj.find(tag=MATCH_ALL_TAG, match_always=False):
                channel = channel_of(plugin)
                self._plugins.setdefault(channel.url, plugin)
                for tag in plugin.tags:
                    self._by_tag.setdefault(str(tag).lower(), []).append(channel)

    @property
    def is_local(self) -> bool:
        return self.apprise is None and self._indexed is None

    def channels_for(self, tag: str) -> list[Channel]:
        if self.is_local:
            url = local_url(self.local_dir, tag)
            return [
                Channel(
                    url=url,
                    masked=f"{LOCAL_SCHEMA}://{tag}",
                    schema=LOCAL_SCHEMA,
                    body_format="text",
                )
            ]
        key = tag.lower()
        if self._indexed is not None and key not in self._by_tag:
            self._load(key, self._indexed)
        return list(self._by_tag.get(key, []))

    def _load(self, key: str, indexed: _Indexed) -> None:
        """The tag's plugins, each entry made once (an entry may serve several tags)."""
        with self._lock:
            if key in self._by_tag:
                return
            channels = []
            for number in indexed.by_tag.get(key, []):
                if number not in indexed.plugins:
                    entry = indexed.index.entries[number]
                    url = indexed.index.url(indexed.text, number)
                    if url.lower().startswith(f"{LOCAL_SCHEMA}://"):
                        register_local_schema()
                    plugin = instantiate(url, list(entry.tags))
                    if plugin is None:
                        # Apprise's own load drops such an entry with a warning: so do we.
                        log.warning(
                            "Apprise 配置中的通知地址 %s 无法识别,已跳过", any_url_shown(url)
                        )
                    indexed.plugins[number] = plugin
                plugin = indexed.plugins[number]
                if plugin is not None:
                    channel = channel_of(plugin)
                    self._plugins.setdefault(channel.url, plugin)
                    channels.append(channel)
            self._by_tag[key] = channels

    def bodies_read(self) -> frozenset[str]:
        """The bodies besides the text that some channel of the configuration reads ("html",
        "md"). Known without making a plugin for email URLs only (always HTML); any other
        service, or a configuration Apprise reads itself, may read either."""
        if self.is_local:
            return frozenset(BODIES)  # kept as before: the local folder shows the text
        if self._indexed is None:
            return frozenset(BODIES)
        indexed = self._indexed
        schemas = {
            indexed.index.url(indexed.text, n).split("://", 1)[0].strip().lower()
            for n in range(len(indexed.index.entries))
        }
        return frozenset({"html"}) if schemas <= EMAIL_SCHEMAS else frozenset(BODIES)

    def has_channel(self, tag: str) -> bool:
        if self._indexed is not None:
            # By the index alone (no plugin made): an entry Apprise cannot read shows up when
            # its notice is sent, as waiting for a channel.
            return tag.lower() in self._indexed.by_tag
        return bool(self.channels_for(tag))

    def without_channel(self, tags: list[str]) -> list[str]:
        """The tags nobody configured a channel for, in the order given."""
        return [t for t in dict.fromkeys(tags) if not self.has_channel(t)]

    def plugin_for(self, channel: Channel) -> Any:
        """A plugin object for the channel; one per delivery lane, never shared across lanes."""
        plugin = self._plugins.get(channel.url)
        if plugin is not None:
            return plugin
        if channel.is_local:
            register_local_schema()
        plugin = instantiate(channel.url)
        if plugin is None:
            raise ChannelConfigError(f"通知渠道 {channel.masked} 无法识别,请检查 Apprise 配置")
        return plugin


def _index_of(path: Path, settings: Settings) -> tuple[str, ConfigIndex] | None:
    """The configuration's text and index when it has the plain shape (channel_index)."""
    try:
        if path.stat().st_size > CONFIG_MAX_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # Apprise reads it and says what is wrong
    index = cached_index(text, settings.cache_dir)
    return (text, index) if index is not None else None


def load_channels(settings: Settings) -> Channels:
    """Reads RECTIFY_APPRISE_CONFIG; without one, every tag reaches the local folder."""
    path = settings.apprise_config
    if path is None:
        if settings.notify.require_channels:
            raise ChannelConfigError(
                "未配置 Apprise 配置文件(RECTIFY_APPRISE_CONFIG),而本机要求通知必须经渠道发送"
                "(RECTIFY_REQUIRE_CHANNELS 或 [notify] require_channels):"
                "请设置 Apprise 配置文件后重试;本次未发送任何通知"
            )
        return Channels(None, local_dir=settings.local_notices_dir)
    if not path.is_file():
        raise ChannelConfigError(
            f"找不到 Apprise 配置文件 {path},请检查 RECTIFY_APPRISE_CONFIG;"
            "不设置该变量时通知写入本地文件夹"
        )
    indexed = _index_of(path, settings)
    if indexed is not None:
        return Channels(None, local_dir=settings.local_notices_dir, indexed=indexed)
    import apprise
    from apprise.common import MATCH_ALL_TAG

    register_local_schema()  # a configuration may name the local folder too
    source = apprise.AppriseConfig.instantiate(str(path.resolve()), asset=asset())
    if source is None:
        raise ChannelConfigError(f"Apprise 配置文件 {path} 无法读取,请检查格式(YAML 或 TEXT)")
    # Apprise reads at most 128 KB of a configuration file; an office with a mailbox for each
    # of 2,000 units needs more.
    source.max_buffer_size = CONFIG_MAX_BYTES
    config = apprise.AppriseConfig(asset=asset())
    config.add(source)
    apobj = apprise.Apprise(asset=asset())
    apobj.add(config)
    if not list(apobj.find(tag=MATCH_ALL_TAG, match_always=False)):
        raise ChannelConfigError(
            f"Apprise 配置文件 {path} 中没有可用的通知地址,请检查 URL 与 tag 写法"
        )
    return Channels(apobj, local_dir=settings.local_notices_dir)
