"""Two people acting on the same task at once: one wins, the other is told to reload."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from ledger import lifecycle
from ledger.errors import ConflictError
from ledger.uow import transaction
from models.enums import TaskStatus
from models.tables import HistoryEntry, ProgressReport, Task
from tests.builders import NOW, OFFICE, build_sample_round


def submitted_task(engine, tmp_path) -> int:
    sample = build_sample_round(engine)
    task_id = sample.task_ids[0]
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            task_id,
            summary="已完成",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            no_evidence_reason="制度类",
            session=s,
            actor=OFFICE,
            now=NOW,
            evidence_store=tmp_path,
        )
    return task_id


def test_of_two_reviewers_who_read_the_same_task_only_the_first_to_write_wins(engine, tmp_path):
    task_id = submitted_task(engine, tmp_path)
    with pytest.raises(ConflictError, match="冲突"), transaction(engine) as second:
        stale = second.get(Task, task_id)  # the second reviewer has the task open
        assert stale is not None and stale.status == TaskStatus.submitted
        with transaction(engine) as first:  # the first reviewer returns it meanwhile
            lifecycle.return_for_rework(
                task_id, reason="佐证不足", session=first, actor=OFFICE, now=NOW
            )
        lifecycle.verify_closure(
            task_id, session=second, actor=OFFICE, now=NOW + timedelta(minutes=1)
        )
    with transaction(engine) as s:
        task = s.get(Task, task_id)
        assert task is not None and task.status == TaskStatus.in_progress  # the return stands
        actions = [
            h.action for h in s.exec(select(HistoryEntry).where(HistoryEntry.task_id == task_id))
        ]
    assert "return" in actions and "verify" not in actions


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_simultaneous_reports_on_postgresql_lose_no_update(engine, tmp_path):
    """Eight rounds of two real connections reporting at the same instant."""
    sample = build_sample_round(engine)
    task_id = sample.task_ids[0]
    successes, conflicts = 0, 0
    lock = threading.Lock()
    for round_no in range(8):
        barrier = threading.Barrier(2)

        def act(who: int, round_no: int = round_no, barrier: threading.Barrier = barrier) -> None:
            nonlocal successes, conflicts
            try:
                with transaction(engine) as s:
                    task = s.get(Task, task_id)
                    assert task is not None
                    barrier.wait(timeout=10)  # both have read the same version
                    lifecycle.report_progress(
                        task_id,
                        text=f"第{round_no}轮 人员{who}",
                        session=s,
                        actor=OFFICE,
                        now=NOW,
                        evidence_store=tmp_path,
                    )
                with lock:
                    successes += 1
            except ConflictError:
                with lock:
                    conflicts += 1

        threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with transaction(engine) as s:
        task = s.get(Task, task_id)
        reports = s.exec(select(ProgressReport).where(ProgressReport.task_id == task_id)).all()
    assert successes == 8 and conflicts == 8  # exactly one of each pair
    assert task is not None and task.version == 1 + successes + 0  # one bump per accepted report
    assert len(reports) == successes
