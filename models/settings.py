"""Where things live and which numbers apply, read once from the environment.

RECTIFY_DATABASE_URL   database (default: sqlite file rectify.db in the working folder)
RECTIFY_DATA_DIR       evidence files, reports, local notices (default: ./rectify-data)
RECTIFY_CONFIG         TOML file with a [rules] table overriding models.rules.Rules
                       (default: ./rectify.toml when it exists)
RECTIFY_HOLIDAYS       the office's holiday file for years chinese-calendar does not know
RECTIFY_APPRISE_CONFIG Apprise configuration (YAML or TEXT) mapping tags to channels
RECTIFY_TEMPLATES      folder of templates overriding the shipped ones
RECTIFY_USER           the acting user when --as is not given
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from models.rules import Rules


class SettingsError(ValueError):
    """A configuration the user must fix; the message says where."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    rules: Rules
    holiday_file: Path | None
    apprise_config: Path | None
    templates_dir: Path | None

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def local_notices_dir(self) -> Path:
        return self.data_dir / "notices"


def _rules_from(path: Path) -> Rules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"配置文件 {path} 格式有误:{exc}") from None
    table = data.get("rules", {})
    known = {f.name for f in fields(Rules)} - {"extra"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise SettingsError(
            f"配置文件 {path} 的 [rules] 中有无法识别的项:{'、'.join(unknown)};可用项:{'、'.join(sorted(known))}"
        )
    if "remind_workdays" in table:
        table["remind_workdays"] = tuple(table["remind_workdays"])
    return Rules(**table)


def _optional_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def load_settings() -> Settings:
    config = _optional_path("RECTIFY_CONFIG")
    if config is None and Path("rectify.toml").exists():
        config = Path("rectify.toml")
    if config is not None and not config.exists():
        raise SettingsError(f"找不到配置文件 {config},请检查 RECTIFY_CONFIG")
    return Settings(
        database_url=os.environ.get("RECTIFY_DATABASE_URL", "").strip() or "sqlite:///rectify.db",
        data_dir=_optional_path("RECTIFY_DATA_DIR") or Path("rectify-data"),
        rules=_rules_from(config) if config else Rules(),
        holiday_file=_optional_path("RECTIFY_HOLIDAYS"),
        apprise_config=_optional_path("RECTIFY_APPRISE_CONFIG"),
        templates_dir=_optional_path("RECTIFY_TEMPLATES"),
    )
