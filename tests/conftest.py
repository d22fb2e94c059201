"""Shared fixtures: databases (SQLite always, PostgreSQL when a URL is given) and the CLI.

PostgreSQL: pass --postgres-url or set RECTIFY_TEST_POSTGRES_URL (CI does). Each test run
creates its own database on that server and drops it afterwards. Without a URL, the
PostgreSQL variants skip with the reason, never pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import make_engine, upgrade_schema

pytest_plugins = [
    "tests.fixtures.ledger_io",
    "tests.fixtures.notify",
    "tests.fixtures.weekly",
    "tests.fixtures.documents",
    "tests.fixtures.archive",
    "tests.fixtures.disk",
    "tests.fixtures.web",
    "tests.fixtures.scoring",
    "tests.fixtures.migrations",
]

ROOT = Path(__file__).resolve().parent.parent
# The sample ledger: ../shared/samples beside the checkout, or the copy the repository ships.
SAMPLES = next(
    (
        p
        for p in (ROOT.parent / "shared" / "samples", ROOT / "samples")
        if (p / "ledger-sample.xlsx").exists()
    ),
    ROOT / "samples",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres-url",
        default=os.environ.get("RECTIFY_TEST_POSTGRES_URL", ""),
        help="PostgreSQL server URL (a database is created on it per run)",
    )


@pytest.fixture(scope="session")
def postgres_server_url(request: pytest.FixtureRequest) -> str:
    url = request.config.getoption("--postgres-url")
    if not url:
        pytest.skip(
            "PostgreSQL 未配置:传 --postgres-url 或设置 RECTIFY_TEST_POSTGRES_URL 以运行该用例"
        )
    return str(url)


@pytest.fixture(scope="session")
def postgres_database(postgres_server_url: str) -> Iterator[str]:
    """A database of this run's own on the server, migrated once, dropped at the end."""
    admin = make_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    name = f"rectify_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating every time is slower)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ]
        quoted = ", ".join(f'"{t}"' for t in tables)  # "user" is a reserved word
        conn.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database: a fresh SQLite file, or the run's PostgreSQL database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "rectify.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = str(request.getfixturevalue("postgres_database"))
    _truncate_all(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs `rectify` as a user types it, in its own working folder and environment.

    In-process through Click's runner by default (a process start costs 0.7 s of imports);
    `Cli(..., subprocess=True)` runs a real `python -m cli` process.
    """

    cwd: Path
    env: dict[str, str]
    subprocess: bool = False

    def __call__(self, *args: str, user: str | None = None, check: bool | None = None) -> Result:
        env = dict(self.env)
        if user:
            env["RECTIFY_USER"] = user
        result = self._run_process(args, env) if self.subprocess else self._run_inline(args, env)
        if check and result.code != 0:
            raise AssertionError(f"rectify {' '.join(args)} exited {result.code}: {result.err}")
        return result

    def _run_process(self, args: tuple[str, ...], env: dict[str, str]) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def _run_inline(self, args: tuple[str, ...], env: dict[str, str]) -> Result:
        from typer.testing import CliRunner

        from cli.app import app

        cleared = {k: None for k in os.environ if k.startswith("RECTIFY_") and k not in env}
        previous = os.getcwd()
        os.chdir(self.cwd)
        try:
            outcome = CliRunner().invoke(
                app, list(args), env={**cleared, **env}, catch_exceptions=False
            )
        finally:
            os.chdir(previous)
        return Result(outcome.exit_code, outcome.stdout, outcome.stderr)


def _cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
    env.update(
        RECTIFY_DATABASE_URL=database_url,
        RECTIFY_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    return Cli(cwd=tmp_path, env=_cli_env(database_url, tmp_path))


@pytest.fixture
def cli_process(database_url: str, tmp_path: Path) -> Cli:
    """The same, as a real `python -m cli` process."""
    return Cli(cwd=tmp_path, env=_cli_env(database_url, tmp_path), subprocess=True)


@pytest.fixture(scope="session")
def sample_ledger_dir() -> Path:
    if not SAMPLES.exists():
        pytest.skip(f"找不到样例台账目录 {SAMPLES}")
    return SAMPLES
