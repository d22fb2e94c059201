"""The flows run through Prefect (one temporary Prefect API for the whole session)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from models.settings import Settings
from tests.fixtures.notify import HttpReceiver
from tests.fixtures.weekly import AS_OF, WeeklyLedger

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def flow_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[Settings], None]:
    """Point the flows (which read their settings from the environment) at a test's settings."""

    def use(settings: Settings) -> None:
        monkeypatch.setenv("RECTIFY_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("RECTIFY_DATA_DIR", str(settings.data_dir))
        monkeypatch.delenv("RECTIFY_CONFIG", raising=False)
        monkeypatch.delenv("RECTIFY_HOLIDAYS", raising=False)
        monkeypatch.delenv("RECTIFY_TEMPLATES", raising=False)
        if settings.apprise_config:
            monkeypatch.setenv("RECTIFY_APPRISE_CONFIG", str(settings.apprise_config))
        else:
            monkeypatch.delenv("RECTIFY_APPRISE_CONFIG", raising=False)

    return use


def latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    assert artifacts, f"no artifact {key}"
    latest = max(artifacts, key=lambda a: a.created)  # type: ignore[arg-type, return-value]
    return str(latest.data)


def test_weekly_summary_flow_sends_once_and_leaves_a_markdown_artifact(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
    flow_env: Callable[[Settings], None],
) -> None:
    from flows.weekly_summary import weekly_summary

    flow_env(weekly_settings({"office": http_receiver.url("office")}))
    result: dict[str, Any] = weekly_summary(as_of=AS_OF)
    assert result["plan"]["planned"] == 4 and result["delivery"]["sent"] == 1
    assert [p.title for p in http_receiver.received()] == [
        "整改工作周报(2026年第52周):共7项,已销号2项,完成率28.57%"
    ]
    artifact = latest_artifact("weekly-summary")
    assert "## 整改周报 2026-W52(2026-12-22)" in artifact
    assert "| 已发送 | 1 |" in artifact
    assert "未配置通知渠道:张书记、李局长、王副局长" in artifact
    assert "### 整改工作周报(2026年第52周)" in artifact  # the summary itself follows the counts

    again = weekly_summary(as_of=date(2026, 12, 24))
    assert again["plan"]["planned"] == 0 and again["plan"]["duplicates"] == 4
    assert len(http_receiver.received()) == 1


def test_flows_do_nothing_on_a_holiday_or_weekend(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
    flow_env: Callable[[Settings], None],
) -> None:
    from flows.weekly_summary import weekly_summary

    flow_env(weekly_settings({"office": http_receiver.url("office")}))
    saturday = weekly_summary(as_of=date(2026, 12, 26))
    national_day = weekly_summary(as_of=date(2026, 10, 5))  # a Monday in the 国庆 holiday
    assert saturday["skipped"] == national_day["skipped"] == "非工作日"
    assert http_receiver.received() == []
    assert "2026-10-05 不是工作日,未发送整改周报。" in latest_artifact("weekly-summary")


def test_daily_check_flow_sends_digests_once_and_leaves_a_markdown_artifact(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
    flow_env: Callable[[Settings], None],
) -> None:
    from flows.daily_check import daily_check

    flow_env(weekly_settings({"局办公室": http_receiver.url("office-unit")}))
    result: dict[str, Any] = daily_check(as_of=AS_OF)
    assert result["plan"]["planned"] > 0 and result["delivery"]["sent"] >= 1
    posts = {p.title: p for p in http_receiver.received()}  # only 局办公室 has a channel
    urge = posts["【催办通知】1项整改任务已逾期未完成"]
    assert "对2024年以来干部选拔任用情况开展自查" in urge.body
    sent = len(posts)
    artifact = latest_artifact("daily-check")
    assert "## 每日时限检查 2026-12-22" in artifact
    assert f"| 已发送 | {sent} |" in artifact and "| 未配置通知渠道(等待) | 6 |" in artifact
    assert "未配置通知渠道:" in artifact and "李局长" in artifact

    again = daily_check(as_of=AS_OF)
    assert again["plan"]["planned"] == 0  # the rungs are marked done: nothing is due again
    assert len(http_receiver.received()) == sent


def test_daily_check_flow_skips_a_public_holiday(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
    flow_env: Callable[[Settings], None],
) -> None:
    from flows.daily_check import daily_check

    flow_env(weekly_settings({"局办公室": http_receiver.url("office-unit")}))
    assert daily_check(as_of=date(2026, 10, 1))["skipped"] == "非工作日"  # 国庆
    assert http_receiver.received() == []
    assert "2026-10-01 不是工作日,未发送提醒;下一个工作日补发。" in latest_artifact("daily-check")
