"""rectify followup list|confirm|reopen|months as a user types them."""

from __future__ import annotations

import json

from tests.conftest import Cli
from tests.fixtures.documents import ReportRound


def test_followups_are_listed_confirmed_and_reopened_from_the_command_line(
    cli: Cli, report_round: ReportRound
) -> None:
    t = report_round.tasks
    listed = json.loads(cli("followup", "list", "--json", "--as-of", "2027-05-20").out)
    assert [(f["code"], f["due_on"], f["status"]) for f in listed] == [
        ("2.2", "2027-05-09", "scheduled"),
        ("1.1", "2027-05-25", "scheduled"),
    ]
    due = cli("followup", "list", "--due", "--as-of", "2027-05-20")
    assert due.code == 0 and "已到期,待回头看" in due.out and "1.1" not in due.out

    early = cli("followup", "confirm", str(t["1.1"]), "--note", "未反弹")
    assert early.code == 1 and "到期后再确认" in early.err

    blank = cli("followup", "reopen", str(t["2.2"]), "--reason", " ")
    assert blank.code == 1 and "认定反弹须写明理由" in blank.err and "--reason" in blank.err

    reopened = cli("followup", "reopen", str(t["2.2"]), "--reason", "服务日志流于形式")
    assert reopened.code == 0, reopened.err
    assert "已认定任务" in reopened.out and "整改中" in reopened.out
    shown = json.loads(cli("task", "show", str(t["2.2"]), "--json").out)
    assert shown["status"] == "in_progress"

    moved = cli("followup", "months", "3", "--inspection", str(report_round.inspection_id))
    assert moved.code == 0, moved.err
    assert "1项待开展的回头看已按新期限调整到期日" in moved.out
    listed = json.loads(cli("followup", "list", "--json").out)
    assert [(f["code"], f["due_on"], f["status"]) for f in listed] == [
        ("1.1", "2027-02-25", "scheduled"),
        ("2.2", "2027-05-09", "reopened"),
    ]
