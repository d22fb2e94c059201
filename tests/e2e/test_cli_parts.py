"""A co-unit's own part as typed: `rectify progress 任务 --as 配合单位的人` reports on the
unit's part, `rectify part done` marks it, `task show` lists each part, and the lead unit's
`rectify submit` waits for the parts (or `--parts-reason`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.e2e.test_cli_reads import _with_users


def test_a_co_unit_reports_and_marks_its_part_and_the_lead_unit_then_asks_closure(
    cli: Cli, tmp_path: Path
) -> None:
    _with_users(cli)  # 陈某: 县科技局 (lead of task 1); 孙某: 财务股 (its co-unit); 吴某: other
    scan = tmp_path / "核对表.pdf"
    scan.write_bytes(b"%PDF-1.4 co-unit")

    refused = cli("submit", "1", "--summary", "已完成", "--no-evidence", "制度类", user="陈某")
    assert refused.code == 1
    assert "还有配合单位的部分未完成(财务股)" in refused.err and "--parts-reason" in refused.err

    too_early = cli("part", "done", "1", user="孙某")
    assert too_early.code == 1 and "请先填报进展" in too_early.err
    cli(
        "progress", "1", "--text", "财务股已核对拨付进度", "--evidence", str(scan),
        user="孙某", check=True,
    )  # fmt: skip
    assert (
        "已标记完成" in cli("part", "done", "1", "--note", "核对完毕", user="孙某", check=True).out
    )

    # The co-unit cannot act on the task; the lead unit cannot mark a part; another unit
    # does not see the task.
    co_submit = cli("submit", "1", "--summary", "已完成", "--no-evidence", "制度类", user="孙某")
    assert co_submit.code == 1 and "只能填报和完成本单位承担的部分" in co_submit.err
    lead_mark = cli("part", "done", "1", user="陈某")
    assert lead_mark.code == 1 and "由该配合单位自己标记" in lead_mark.err
    stranger = cli("part", "done", "1", user="吴某")
    assert stranger.code == 1 and "不是任务 1.1 的牵头或配合单位" in stranger.err

    shown = cli("task", "show", "1", user="陈某", check=True).out
    assert "配合单位“财务股”承担的部分:已完成,孙某 于" in shown and "说明:核对完毕" in shown
    assert "财务股已核对拨付进度" in shown and "核对表.pdf" in shown
    data = json.loads(cli("task", "show", "1", "--json", user="周主任", check=True).out)
    [part] = data["parts"]
    assert (part["unit"], part["status"], part["done_by"]) == ("财务股", "done", "孙某")
    assert [r["text"] for r in data["reports"] if r["id"] in part["report_ids"]] == [
        "财务股已核对拨付进度"
    ]

    cli("submit", "1", "--summary", "已完成", "--no-evidence", "制度类", user="陈某", check=True)
    history = cli("history", "1", user="周主任", check=True).out
    assert "填报配合部分进展" in history and "配合部分标记完成" in history

    closed = cli("part", "reopen", "1", user="孙某")  # 待销号, not 已销号: may still reopen
    assert closed.code == 0 and "已重新打开" in closed.out
