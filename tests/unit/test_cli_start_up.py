"""A one-off command loads only what it needs: the heavy libraries wait for the commands
that use them (benchmarks/startup.py measures the time against the interpreter's floor)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["docx", "docxtpl", "openpyxl", "ledger.importing", "pwdlib", "argon2", "matplotlib",
         "apprise", "jinja2", "rich", "prefect", "fastapi", "uvicorn",
         # `rectify --help` imports cli.app: no database layer, no table classes either
         "sqlmodel", "sqlalchemy", "pydantic", "models.tables", "ledger.actors"]  # fmt: skip


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    probe = (
        "import json, sys; import cli.app; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
