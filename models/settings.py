"""Where things live and which numbers apply, read once from the environment.

RECTIFY_DATABASE_URL   database (default: sqlite file rectify.db in the working folder)
RECTIFY_DATA_DIR       evidence files, reports, local notices (default: ./rectify-data)
RECTIFY_CONFIG         TOML file with a [rules] table overriding models.rules.Rules
                       (and [scoring], the 单位考核 rule: models.scoring.ScoringRules)
                       (default: ./rectify.toml when it exists)
RECTIFY_HOLIDAYS       the office's holiday file for years chinese-calendar does not know
RECTIFY_APPRISE_CONFIG Apprise configuration (YAML or TEXT) mapping tags to channels
RECTIFY_TEMPLATES      folder of templates overriding the shipped ones
RECTIFY_USER           the acting user when --as is not given
RECTIFY_REQUIRE_CHANNELS  1: a missing Apprise configuration is an error (production),
                       not a fall-back to local files; also `[notify] require_channels`
RECTIFY_BASE_URL       the web workspace's address as users reach it (e.g. https://zg.example.gov.cn);
                       when set, every notice links each task to its page
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from models.cadence import parse_cadence
from models.limits import Limits
from models.rules import RuleError, Rules
from models.scoring import ScoringRules, scoring_rules_from
from models.send_window import SendWindow, parse_clock

if TYPE_CHECKING:  # chinese-calendar is loaded only when a command counts working days
    from models.workdays import WorkCalendar


class SettingsError(ValueError):
    """A configuration the user must fix; the message says where."""


@dataclass(frozen=True)
class NotifySettings:
    """How delivery behaves (rectify.toml's [notify] table)."""

    # Production: without an Apprise configuration delivery refuses to run instead of
    # writing notices to local files nobody reads.
    require_channels: bool = False
    # A deliverer holds its claimed notices this long, renewing while it works; a crashed
    # deliverer's unsent notices are taken over by the next run after it.
    lease_seconds: int = 120
    # Notices one claim takes: small, so several deliverers each take a share.
    claim_batch: int = 25
    # Open SMTP connections per mail server and account.
    smtp_connections: int = 4
    # Quiet hours (models.send_window): notices go out only from send_from until send_until,
    # Asia/Shanghai, on working days; "" for both: any time (the default).
    send_from: str = ""
    send_until: str = ""
    # Notices one recipient receives a day at most, across all kinds (0: no cap); the daily
    # check keeps the most urgent and folds the rest into the recipient's next digest
    # (ledger.reminders.cap, notifications.folding).
    daily_cap: int = 0

    @property
    def send_window(self) -> SendWindow:
        if not self.send_from or not self.send_until:
            return SendWindow()
        return SendWindow(parse_clock(self.send_from), parse_clock(self.send_until))


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    rules: Rules
    holiday_file: Path | None
    apprise_config: Path | None
    templates_dir: Path | None
    notify: NotifySettings = field(default_factory=NotifySettings)
    limits: Limits = Limits()
    base_url: str | None = None  # where users reach the web workspace; notices link to it
    scoring: ScoringRules = ScoringRules()  # 单位考核 ([scoring])

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def local_notices_dir(self) -> Path:
        return self.data_dir / "notices"

    @property
    def cache_dir(self) -> Path:
        """Answers computed once and kept (notifications.channel_index, models.holiday_cache);
        safe to delete."""
        return self.data_dir / "cache"

    def calendar(self) -> WorkCalendar:
        """The working-day calendar of these settings (one per process)."""
        from models.workdays import work_calendar

        return work_calendar(self.holiday_file, self.cache_dir)


def _read_toml(path: Path) -> dict[str, object]:
    # Imported here: without a rectify.toml no command pays for the parser (~1.5 ms).
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"配置文件 {path} 格式有误:{exc}") from None


# Numbers of [notify] that may be 0 (off); the others must be positive.
_LEAST = {"daily_cap": 0}


def _notify_from(path: Path | None) -> NotifySettings:
    table = _read_toml(path).get("notify", {}) if path is not None else {}
    if not isinstance(table, dict):
        raise SettingsError(f"配置文件 {path} 的 notify 应为一个表([notify])")
    known = {f.name: f for f in fields(NotifySettings)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise SettingsError(
            f"配置文件 {path} 的 [notify] 中有无法识别的项:{'、'.join(unknown)};可用项:{'、'.join(sorted(known))}"
        )
    values: dict[str, object] = {}
    for name, value in table.items():
        default = getattr(NotifySettings(), name)
        if isinstance(default, bool) != isinstance(value, bool) or type(value) is not type(default):
            expected = (
                "true/false"
                if isinstance(default, bool)
                else "“时:分”形式的字符串"
                if isinstance(default, str)
                else "整数"
            )
            raise SettingsError(
                f"配置文件 {path} 的 [notify] {name} 值“{value}”类型不对,应为{expected}"
            )
        if isinstance(value, int) and not isinstance(value, bool) and value < _LEAST.get(name, 1):
            raise SettingsError(
                f"配置文件 {path} 的 [notify] {name} 应为{'非负' if name in _LEAST else '正'}整数,当前为 {value}"
            )
        if isinstance(value, str):
            try:
                parse_clock(value)
            except ValueError:
                raise SettingsError(
                    f"配置文件 {path} 的 [notify] {name} 值“{value}”不是时刻,请写成“08:00”的形式"
                ) from None
        values[name] = value
    if bool(values.get("send_from")) != bool(values.get("send_until")):
        raise SettingsError(
            f"配置文件 {path} 的 [notify] send_from 与 send_until 须同时填写(如“08:00”与“20:00”)"
        )
    if values.get("send_from") and parse_clock(str(values["send_from"])) >= parse_clock(
        str(values["send_until"])
    ):
        raise SettingsError(
            f"配置文件 {path} 的 [notify] send_from“{values['send_from']}”须早于 send_until“{values['send_until']}”"
        )
    flag = os.environ.get("RECTIFY_REQUIRE_CHANNELS", "").strip().lower()
    if flag:
        if flag not in ("1", "0", "true", "false", "yes", "no"):
            raise SettingsError(
                f"环境变量 RECTIFY_REQUIRE_CHANNELS 的值“{flag}”无法识别,应为 1 或 0"
            )
        values["require_channels"] = flag in ("1", "true", "yes")
    return NotifySettings(**values)  # type: ignore[arg-type]


def _rules_from(path: Path) -> Rules:
    table = _read_toml(path).get("rules", {})
    assert isinstance(table, dict)
    known = {f.name for f in fields(Rules)} - {"extra"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise SettingsError(
            f"配置文件 {path} 的 [rules] 中有无法识别的项:{'、'.join(unknown)};可用项:{'、'.join(sorted(known))}"
        )
    if "remind_workdays" in table:
        table["remind_workdays"] = tuple(table["remind_workdays"])
    if "report_cadence" in table:
        try:
            table["report_cadence"] = parse_cadence(str(table["report_cadence"])).spec
        except RuleError as exc:
            raise SettingsError(f"配置文件 {path} 的 [rules] report_cadence:{exc}") from None
    return Rules(**table)


def _limits_from(path: Path) -> Limits:
    import tomllib

    table = tomllib.loads(path.read_text(encoding="utf-8")).get("limits", {})
    known = {f.name: f for f in fields(Limits)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise SettingsError(
            f"配置文件 {path} 的 [limits] 中有无法识别的项:{'、'.join(unknown)};可用项:{'、'.join(known)}"
        )
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise SettingsError(f"配置文件 {path} 的 [limits] {name} 须为正数,现为“{value}”")
        if known[name].type == "int" and not isinstance(value, int):
            raise SettingsError(f"配置文件 {path} 的 [limits] {name} 须为整数,现为“{value}”")
    return Limits(**table)


def _scoring_from(path: Path) -> ScoringRules:
    table = _read_toml(path).get("scoring", {})
    if not isinstance(table, dict):
        raise SettingsError(f"配置文件 {path} 的 scoring 应为一个表([scoring])")
    try:
        return scoring_rules_from(table, f"配置文件 {path}")
    except RuleError as exc:
        raise SettingsError(str(exc)) from None


def _optional_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value) if value else None


def _base_url() -> str | None:
    value = os.environ.get("RECTIFY_BASE_URL", "").strip().rstrip("/")
    if not value:
        return None
    if not value.startswith(("http://", "https://")) or " " in value:
        raise SettingsError(
            f"RECTIFY_BASE_URL“{value}”不是网址,请写成 https://主机名[:端口][/路径] 的形式"
        )
    return value


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
        limits=_limits_from(config) if config else Limits(),
        holiday_file=_optional_path("RECTIFY_HOLIDAYS"),
        apprise_config=_optional_path("RECTIFY_APPRISE_CONFIG"),
        templates_dir=_optional_path("RECTIFY_TEMPLATES"),
        notify=_notify_from(config),
        base_url=_base_url(),
        scoring=_scoring_from(config) if config else ScoringRules(),
    )
