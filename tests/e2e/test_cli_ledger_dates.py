"""Dates as the ledger says: imported progress is the ledger's (its 填报时间), and a 长期坚持
reminder never names a progress date nobody reported."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import Cli


def office_today() -> date:
    """The CLI's clock, in the office's zone. Read when the test needs it, not when the module
    is collected: a run that passes Shanghai's midnight (16:00 UTC) registers on the next day."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_ongoing_silence_counts_from_registration_and_names_no_imported_date(
    cli: Cli, office_ledger: Path
) -> None:
    cli("init", check=True)
    cli("import", str(office_ledger), check=True)
    registered = office_today()  # the day the import registered the tasks
    tasks = json.loads(cli("tasks", "--json", check=True).out)
    ongoing = [t for t in tasks if t["kind"] == "ongoing"]
    assert len(ongoing) == 4
    shown = cli("task", "show", str(ongoing[0]["id"]), check=True).out
    assert "台账导入(2018-12-10)" in shown  # the ledger's 填报时间, not the import day

    # The day after import nothing is silent: the silence counts from registration
    # (the import), not from the 2018 date of the ledger's progress column.
    soon = (registered + timedelta(days=1)).isoformat()
    early = json.loads(cli("check", "--as-of", soon, "--dry-run", "--json", check=True).out)
    assert not [d for d in early["drafts"] if "长期坚持" in d["title"]]

    # Some 45 days later, on a working day (a weekend or holiday has no check to look at).
    for extra in range(45, 60):
        later = (registered + timedelta(days=extra)).isoformat()
        plan = json.loads(cli("check", "--as-of", later, "--dry-run", "--json", check=True).out)
        if plan["is_workday"]:
            break
    notices = [d for d in plan["drafts"] if "长期坚持" in d["title"]]
    assert notices
    body = notices[0]["body"]
    assert (
        f"最近一次进展:无({registered.year}年{registered.month}月{registered.day}日登记以来未报送)"
        in body
    )
    assert "最近一次进展:2018年" not in body
