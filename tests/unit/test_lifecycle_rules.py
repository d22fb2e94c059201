"""The lifecycle: 待整改 → 整改中 → 待销号 → 已销号, or back to 整改中 when returned."""

from datetime import date

import pytest

from models import rules as R
from models.enums import TaskKind
from models.enums import TaskStatus as S


def test_first_progress_moves_a_pending_task_to_in_progress():
    assert R.after_progress(S.pending) is S.in_progress
    assert R.after_progress(S.in_progress) is S.in_progress


@pytest.mark.parametrize("status", [S.submitted, S.closed])
def test_progress_is_refused_while_awaiting_review_or_after_closure(status):
    with pytest.raises(R.RuleError, match="销号"):
        R.after_progress(status)


def test_submit_needs_a_summary():
    with pytest.raises(R.RuleError, match="摘要"):
        R.after_submit(S.in_progress, summary="  ", evidence_count=1, no_evidence_reason="")


def test_submit_needs_evidence_or_an_explicit_reason_for_none():
    with pytest.raises(R.RuleError, match="佐证"):
        R.after_submit(S.in_progress, summary="已完成", evidence_count=0, no_evidence_reason="")
    assert (
        R.after_submit(
            S.in_progress,
            summary="已完成",
            evidence_count=0,
            no_evidence_reason="制度类措施,以文件为准",
        )
        is S.submitted
    )
    assert (
        R.after_submit(S.pending, summary="已完成", evidence_count=2, no_evidence_reason="")
        is S.submitted
    )


@pytest.mark.parametrize("status", [S.submitted, S.closed])
def test_submit_twice_is_refused(status):
    with pytest.raises(R.RuleError):
        R.after_submit(status, summary="x", evidence_count=1, no_evidence_reason="")


def test_only_a_submitted_task_can_be_verified():
    assert R.after_verify(S.submitted) is S.closed
    for status in (S.pending, S.in_progress, S.closed):
        with pytest.raises(R.RuleError):
            R.after_verify(status)


def test_return_sends_a_submitted_task_back_to_work_and_needs_a_reason():
    assert R.after_return(S.submitted, reason="佐证不足") is S.in_progress
    with pytest.raises(R.RuleError, match="理由"):
        R.after_return(S.submitted, reason="")
    with pytest.raises(R.RuleError, match="待销号"):
        R.after_return(S.in_progress, reason="x")


def test_extension_is_allowed_only_while_open_and_before_the_deadline():
    ok = dict(
        kind=TaskKind.dated,
        status=S.in_progress,
        deadline=date(2026, 12, 31),
        new_deadline=date(2027, 3, 31),
    )
    R.check_extension_request(
        **ok, today=date(2026, 12, 31)
    )  # on the deadline day itself: still allowed
    with pytest.raises(R.RuleError, match="已过"):
        R.check_extension_request(**ok, today=date(2027, 1, 1))
    with pytest.raises(R.RuleError, match="已销号"):
        R.check_extension_request(**{**ok, "status": S.closed}, today=date(2026, 12, 1))
    with pytest.raises(R.RuleError, match="须晚于"):
        R.check_extension_request(
            **{**ok, "new_deadline": date(2026, 12, 30)}, today=date(2026, 12, 1)
        )


def test_an_ongoing_task_has_no_deadline_to_extend():
    with pytest.raises(R.RuleError, match="长期坚持"):
        R.check_extension_request(
            kind=TaskKind.ongoing,
            status=S.in_progress,
            deadline=None,
            new_deadline=date(2027, 1, 1),
            today=date(2026, 12, 1),
        )
