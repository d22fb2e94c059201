"""Problems counted as offices count them: 完成整改 / 基本完成 / 未完成, on both backends.

The sample round after its usual work, then problem (一) finished (its last measure closed)
and problem (二) brought to 基本完成 (its last measure awaiting the office's acceptance).
The report, the weekly summary and ledger.stats must say the same numbers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ledger import lifecycle, stats
from ledger.documents.report_data import rectification_report
from ledger.summary import weekly_summary
from ledger.uow import transaction
from models.rules import Rules
from tests.fixtures.documents import AS_OF, OFFICE, ReportRound, at


def _finish_problem_one_and_nearly_two(engine: sa.Engine, rnd: ReportRound, store: Path) -> None:
    day = date(2026, 12, 22)
    for code in ("1.2", "2.1"):
        with transaction(engine) as session:
            lifecycle.submit_for_closure(
                rnd.tasks[code],
                summary="已整改到位",
                open_parts_reason="配合单位的部分由牵头单位统筹",
                no_evidence_reason="情况已在党组会议通报",
                session=session,
                actor=OFFICE,
                now=at(day),
                evidence_store=store,
            )
    with transaction(engine) as session:
        lifecycle.verify_closure(rnd.tasks["1.2"], session=session, actor=OFFICE, now=at(day, 16))


def test_problems_are_done_nearly_done_or_open_in_stats_report_and_weekly_summary(
    engine: sa.Engine, report_round: ReportRound, tmp_path: Path
) -> None:
    _finish_problem_one_and_nearly_two(engine, report_round, tmp_path / "evidence")
    with transaction(engine) as session:
        t = stats.totals(session, today=AS_OF, inspection_id=report_round.inspection_id)
        report = rectification_report(
            session, report_round.inspection_id, as_of=AS_OF, rules=Rules()
        )
        weekly = weekly_summary(session, as_of=AS_OF, rules=Rules())

    assert (t.problems, t.problems_done, t.problems_nearly, t.problems_open) == (4, 1, 1, 2)
    assert (t.tasks, t.closed, t.submitted) == (7, 3, 2)
    assert report.totals_sentence == (
        "巡视反馈的4个问题,已完成整改1个,基本完成1个,未完成2个,总体完成率25.00%;"
        "制定整改措施7项,已销号3项,措施完成率42.86%;"
        "正在推进3项(其中待销号2项),长期坚持1项,逾期1项。"
    )
    first, second = report.problems[0], report.problems[1]
    assert first.parts[2].lead == "该问题已完成整改,2项整改措施已全部销号。"
    assert second.parts[2].lead == (
        "该问题基本完成整改:2项整改措施中,已销号1项,其余1项已申请销号,待整改办审核。"
    )
    assert weekly.overall.headline.startswith(
        "反馈问题4个,已完成整改1个,基本完成1个,未完成2个,总体完成率25.00%;整改措施共7项,"
    )
    assert weekly.rounds[0].counts.problems_line == weekly.overall.problems_line


def test_a_problem_without_measures_counts_as_not_done(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    from ledger import registry
    from ledger.inputs import ProblemCreate

    with transaction(engine) as session:
        registry.add_problem(
            ProblemCreate(inspection_id=report_round.inspection_id, description="新发现的问题"),
            session=session,
            actor=OFFICE,
            now=at(AS_OF),
        )
    with transaction(engine) as session:
        t = stats.totals(session, today=AS_OF, inspection_id=report_round.inspection_id)
        by_round = stats.totals_by_inspection(session, today=AS_OF)
    assert (t.problems, t.problems_done, t.problems_nearly, t.problems_open) == (5, 0, 0, 5)
    assert by_round[report_round.inspection_id] == t
