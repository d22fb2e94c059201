"""A real `prefect server` on loopback, as a subprocess with its own PREFECT_HOME (SQLite).

For the integration test and the benchmark that need a real Prefect API, and for trying
the schedules on one machine. Offices run their own server (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT = 120.0  # the server takes 7-30 s to start on a 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """The environment of a process talking to (or being) this server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@dataclass
class LocalServer:
    api_url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def env(self) -> dict[str, str]:
        return prefect_env(self.home, self.api_url)


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(process: subprocess.Popen[bytes], *, timeout: float = 20.0) -> None:
    """SIGINT, then SIGTERM, then SIGKILL: to this process and the children it started."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def local_server(home: Path, *, port: int | None = None) -> Iterator[LocalServer]:
    """Starts `prefect server start` on 127.0.0.1, waits for /api/health, stops it after."""
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(home)
    env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{home / 'prefect.db'}"
    log = home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-ui",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches its children
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(api_url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"prefect server exited with {process.returncode}: {log.read_text()[-2000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"prefect server not healthy after {STARTUP_TIMEOUT:.0f} s: {log.read_text()[-2000:]}"
                )
            time.sleep(0.5)
        yield LocalServer(api_url=api_url, home=home, process=process, log=log)
    finally:
        stop(process)


@contextmanager
def using_api(api_url: str) -> Iterator[None]:
    """Runs flows of this process against the given Prefect API."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        try:
            yield
        finally:
            # Send the logs and events still queued while the server is up, so the
            # process does not retry them against a stopped server at exit.
            with contextlib.suppress(RuntimeError):
                APILogWorker.drain_all()
            EventsWorker.drain_all()


def wait_for_deployment(name: str, *, timeout: float = 60.0) -> None:
    """Until `flow-name/deployment-name` is registered (a serve process started elsewhere)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            try:
                client.read_deployment_by_name(name)
                return
            except ObjectNotFound:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"deployment {name} not registered after {timeout:.0f} s"
                    ) from None
                time.sleep(0.5)


def run_and_wait(name: str, parameters: dict[str, object], *, timeout: float = 120.0) -> str:
    """Triggers a run of a served deployment and waits for its final state; returns its name."""
    from prefect.deployments import run_deployment

    flow_run = run_deployment(name, parameters=parameters, timeout=timeout)
    state = flow_run.state  # type: ignore[union-attr]
    return str(state.name) if state else "Unknown"
