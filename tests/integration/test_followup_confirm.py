"""Who confirms a 回头看: the lead unit or the office; a co-unit is refused in words (both
backends). Task 1.1 of the sample round (lead 县科技局, co-unit 财务股) was closed on
2026-11-25; its 回头看 is due 2027-05-25."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ledger import followup, registry
from ledger.actors import resolve_actor
from ledger.errors import ForbiddenError
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import FollowUpStatus, Role
from models.followups import FollowUp
from tests.fixtures.documents import OFFICE, ReportRound, at

DUE_PASSED = date(2027, 5, 26)


def _confirm(engine: sa.Engine, task_id: int, name: str, tmp_path: Path) -> FollowUp:
    with transaction(engine) as session:
        return followup.confirm_no_rebound(
            task_id,
            note="制度执行良好,未发现反弹",
            session=session,
            actor=resolve_actor(session, name),
            now=at(DUE_PASSED),
            evidence_store=tmp_path / "evidence",
        )


def test_a_co_unit_may_not_confirm_a_followup_and_the_lead_unit_may(
    engine: sa.Engine, report_round: ReportRound, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        for name, unit in (("钱某", "财务股"), ("陈某", "县科技局")):
            registry.add_user(
                UserCreate(name=name, role=Role.unit, unit=unit),
                session=session,
                actor=OFFICE,
                now=at(DUE_PASSED),
            )
    task = report_round.tasks["1.1"]
    with pytest.raises(ForbiddenError) as refused:
        _confirm(engine, task, "钱某", tmp_path)
    assert str(refused.value) == (
        "“钱某”所在单位“财务股”是任务 1.1 的配合单位,"
        "不能确认回头看:回头看未反弹由牵头单位或整改办确认"
    )
    with transaction(engine) as session:
        [row] = session.exec(select(FollowUp).where(FollowUp.task_id == task)).all()
        assert row.status is FollowUpStatus.scheduled
    done = _confirm(engine, task, "陈某", tmp_path)
    assert done.status is FollowUpStatus.confirmed and done.resolved_by == "陈某"
