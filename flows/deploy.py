"""Both flows as deployments of a Prefect work pool, for workers on several machines.

`rectify deploy --pool NAME` registers `daily-check/daily-check-pool-NAME` and
`weekly-summary/weekly-summary-pool-NAME` (names of their own: `rectify serve` registers
`daily-check/daily-check`, so neither overwrites the other). Every worker started with
`prefect worker start --pool NAME` runs their flow runs, each in a process of its own.

Where workers find the code is a setting, not a fixed path: by default the flows are
named by module (`flows.daily_check.daily_check`), found wherever rectify is installed on
the worker; with a code source (RECTIFY_CODE_SOURCE: a git URL or a folder every worker
has at the same path) each run pulls the code from there first.
"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.flows import Flow
from prefect.schedules import Cron

from flows.daily_check import daily_check
from flows.serve import DAILY_CRON, TIMEZONE, WEEKLY_CRON
from flows.weekly_summary import weekly_summary
from ledger.errors import ConflictError

# flow, its file in the repository, cron, description
FLOWS = (
    (
        daily_check,
        "flows/daily_check.py:daily_check",
        DAILY_CRON,
        "每个工作日 9:00 检查整改时限,发送提醒、催办、督办(工作池)",
    ),
    (
        weekly_summary,
        "flows/weekly_summary.py:weekly_summary",
        WEEKLY_CRON,
        "每周首个工作日 8:30 生成并发送整改周报(工作池)",
    ),
)
SERVED = ("daily-check/daily-check", "weekly-summary/weekly-summary")


def pool_deployment_name(flow_name: str, pool: str) -> str:
    return f"{flow_name}-pool-{pool}"


def pool_deployments(pool: str, *, source: str | None) -> list[RunnerDeployment]:
    deployments = []
    for flow, entrypoint, cron, description in FLOWS:
        target: Flow = flow  # type: ignore[type-arg]
        kwargs: dict[str, object] = {}
        if source:
            target = flow.from_source(source=source, entrypoint=entrypoint)  # type: ignore[assignment]
        else:
            kwargs["entrypoint_type"] = EntrypointType.MODULE_PATH
        deployments.append(
            target.to_deployment(  # sync-or-async; called from sync code it returns the deployment
                name=pool_deployment_name(flow.name, pool),
                schedule=Cron(cron, timezone=TIMEZONE),
                description=description,
                tags=["rectify", f"pool:{pool}"],
                work_pool_name=pool,
                **kwargs,  # type: ignore[arg-type]
            )
        )
    return deployments  # type: ignore[return-value]


def _existing(names: tuple[str, ...] | list[str]) -> list[str]:
    found = []
    with get_client(sync_client=True) as client:
        for name in names:
            try:
                client.read_deployment_by_name(name)
                found.append(name)
            except ObjectNotFound:
                continue
    return found


def served_elsewhere() -> list[str]:
    """The deployments `rectify serve` registered, if any."""
    return _existing(SERVED)


def pooled_elsewhere() -> list[str]:
    """Work-pool deployments of either flow, if any (for `rectify serve` to refuse)."""
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments()
    return [f"{d.name}" for d in deployments if "-pool-" in d.name and "rectify" in (d.tags or [])]


def deploy_to_pool(pool: str, *, source: str | None) -> list[str]:
    """Registers both flows with the work pool; refuses while `rectify serve` deployments exist
    (both would fire every schedule)."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            raise ConflictError(
                f"Prefect 中没有工作池“{pool}”:请先创建(类型 process),再注册部署",
                field="pool",
            ) from None
    served = served_elsewhere()
    if served:
        raise ConflictError(
            f"Prefect 中已有单机常驻方式注册的部署 {'、'.join(served)}:两者的定时会各自触发。"
            "请先停止该常驻进程并删除这些部署,再注册工作池部署",
            field="pool",
        )
    names = []
    for deployment in pool_deployments(pool, source=source):
        deployment.apply(work_pool_name=pool)
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return names
