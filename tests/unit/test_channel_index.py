"""The Apprise configuration read through its index gives the same channels as Apprise's own
load, builds plugins only for the tags asked for, and caches nothing secret."""

from __future__ import annotations

from pathlib import Path

import apprise
import pytest
from apprise.common import MATCH_ALL_TAG

from models.rules import Rules
from models.settings import Settings
from notifications.channel_index import build_index, cached_index, digest_of
from notifications.channels import ASSET, Channels, load_channels

# Every kind of channel the README names, with secrets in user info, host, path, query and
# headers, Chinese tags, several tags on one URL and one tag on several URLs.
CONFIG = """\
version: 1
urls:
  - mailtos://zgb:MailPass1@smtp.example.gov.cn?to=zgb@example.gov.cn&from=rectify@example.gov.cn:
      tag: office
  - mailto://127.0.0.1:2525?from=zgb@example.cn&to=caiwu@example.cn:
      tag: 财务处, 王副县长
  - dingtalk://RobotToken2/:
      tag: 县科技局, 王副局长
  - wecombot://WecomKey3/:
      tags:
        - 局办公室
        - 财务处
  - json://user:JsonPass4@127.0.0.1:8080/hook/PathToken5?+X-Api-Key=Header6:
      tag: 审计处
"""


def _settings(tmp_path: Path, config: Path) -> Settings:
    return Settings(
        database_url="sqlite://",
        data_dir=tmp_path / "data",
        rules=Rules(),
        holiday_file=None,
        apprise_config=config,
        templates_dir=None,
    )


def _apprise_channels(config: Path, local_dir: Path) -> Channels:
    """The configuration as Apprise itself loads it, every plugin made."""
    source = apprise.AppriseConfig(asset=ASSET)
    source.add(str(config))
    apobj = apprise.Apprise(asset=ASSET)
    apobj.add(source)
    assert list(apobj.find(tag=MATCH_ALL_TAG, match_always=False))
    return Channels(apobj, local_dir=local_dir)


def _shape(channels: Channels, tag: str) -> list[tuple[str, str, str, str, str, set[str]]]:
    return [
        (c.url, c.masked, c.schema, c.body_format, c.privacy_url, set(channels.plugin_for(c).tags))
        for c in channels.channels_for(tag)
    ]


TAGS = ["office", "财务处", "王副县长", "县科技局", "王副局长", "局办公室", "审计处", "无此单位"]


def test_the_indexed_configuration_gives_the_channels_apprise_gives(tmp_path: Path) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text(CONFIG, encoding="utf-8")

    indexed = load_channels(_settings(tmp_path, config))
    eager = _apprise_channels(config, tmp_path)

    assert not indexed.is_local and indexed.apprise is None  # the index was used
    for tag in TAGS:
        assert _shape(indexed, tag) == _shape(eager, tag), tag
        assert indexed.has_channel(tag) == eager.has_channel(tag), tag
    assert indexed.without_channel(TAGS) == ["无此单位"]
    assert [c.body_format for c in indexed.channels_for("财务处")] == ["html", "markdown"]


def test_plugins_are_made_only_for_the_tags_asked_for(tmp_path: Path) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text(
        "urls:\n"
        + "".join(f"  - json://127.0.0.1:9/r{i}:\n      tag: 单位{i}\n" for i in range(500)),
        encoding="utf-8",
    )
    channels = load_channels(_settings(tmp_path, config))

    assert channels.has_channel("单位499") and not channels.has_channel("单位500")
    (only,) = channels.channels_for("单位7")
    assert only.url.startswith("json://127.0.0.1:9/r7")
    assert channels._indexed is not None and list(channels._indexed.plugins) == [7]


def test_the_index_is_cached_by_content_and_holds_no_secret(tmp_path: Path) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = _settings(tmp_path, config)

    load_channels(settings)
    (cached,) = (tmp_path / "data" / "cache").glob("apprise-*.json")
    written = cached.stat().st_mtime_ns
    text = cached.read_text(encoding="utf-8")
    load_channels(settings).channels_for("office")
    reread = cached.stat().st_mtime_ns
    config.write_text(CONFIG.replace("审计处", "审计局"), encoding="utf-8")
    changed = load_channels(settings)

    assert cached.name == f"apprise-{digest_of(CONFIG)}.json"
    for secret in ("MailPass1", "RobotToken2", "WecomKey3", "JsonPass4", "PathToken5", "Header6"):
        assert secret not in text
    assert "://" not in text and "财务处" in text  # offsets and tags only
    # The same content reads the cache; a changed file is indexed again and replaces it.
    assert reread == written
    assert changed.has_channel("审计局") and not changed.has_channel("审计处")
    (replaced,) = (tmp_path / "data" / "cache").glob("apprise-*.json")
    assert replaced.name == f"apprise-{digest_of(CONFIG.replace('审计处', '审计局'))}.json"


@pytest.mark.parametrize(
    "config",
    [
        # a per-URL option Apprise applies
        "urls:\n  - json://127.0.0.1:9/a:\n      tag: 财务处\n      format: text\n",
        # global tags
        "tag: 全体\nurls:\n  - json://127.0.0.1:9/a:\n      tag: 财务处\n",
        # several settings under one URL
        "urls:\n  - json://127.0.0.1:9/a:\n    - tag: 财务处\n    - tag: 审计处\n",
        # a quoted URL (escapes would make the text differ from the value)
        'urls:\n  - "json://127.0.0.1:9/a":\n      tag: 财务处\n',
        # groups
        "groups:\n  all: 财务处\nurls:\n  - json://127.0.0.1:9/a:\n      tag: 财务处\n",
        # an untagged URL
        "urls:\n  - json://127.0.0.1:9/a\n",
        # Apprise's TEXT format
        "财务处=json://127.0.0.1:9/a\n",
    ],
)
def test_any_other_shape_is_left_to_apprise(tmp_path: Path, config: str) -> None:
    path = tmp_path / "apprise.yml"
    path.write_text(config, encoding="utf-8")

    assert build_index(config, digest_of(config)) is None
    assert cached_index(config, tmp_path / "cache") is None
    assert not (tmp_path / "cache").exists()


def test_an_entry_apprise_cannot_read_is_skipped_when_its_tag_is_first_sent_to(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "apprise.yml"
    path.write_text(
        "urls:\n  - nosuchservice://Secret42@127.0.0.1:9/a:\n      tag: 财务处\n"
        "  - json://127.0.0.1:9/b:\n      tag: 财务处\n",
        encoding="utf-8",
    )
    channels = load_channels(_settings(tmp_path, path))

    with caplog.at_level("WARNING"):
        (only,) = channels.channels_for("财务处")

    assert only.url.startswith("json://")  # as Apprise's own load drops the unknown one
    assert "无法识别,已跳过" in caplog.text and "Secret42" not in caplog.text
