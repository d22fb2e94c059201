"""The daily cap: at most N notices a recipient a day, across all kinds, the most urgent kept.

`[notify] daily_cap` (0: no cap). The notices a recipient already has that day (decision
notices, the 签收提醒 the daily check writes before it applies the cap, an earlier run's
digests) count first; the day's digests then fill what is left,
督办 before 提请分管领导督促 before 催办 before 提醒 before 长期坚持提醒 (and any other kind after those). A 督办 is
always kept, past the cap: its 督办通知单 is numbered and its reply due is counted from
today. The digests left over are held, not lost: their tasks are folded into the recipient's
next digest (notifications.folding). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.reminders.due import Digest
from models.reminders import Level

# Most urgent first; a kind not listed comes after them.
URGENCY = (
    Level.supervise.value,
    Level.escalate.value,
    Level.urge.value,
    Level.remind.value,
    Level.ongoing.value,
)


def urgency_rank(kind: str) -> int:
    return URGENCY.index(kind) if kind in URGENCY else len(URGENCY)


def apply_daily_cap(
    digests: Sequence[Digest], *, already: Mapping[str, int], cap: int
) -> tuple[list[Digest], list[Digest]]:
    """(kept, held): `already` counts the notices each recipient has today before these."""
    if cap <= 0:
        return list(digests), []
    ordered = sorted(
        enumerate(digests), key=lambda item: (urgency_rank(item[1].level.value), item[0])
    )
    room = dict(already)
    kept_at: set[int] = set()
    for i, digest in ordered:
        used = room.get(digest.recipient, 0)
        if used < cap or digest.level is Level.supervise:
            kept_at.add(i)
            room[digest.recipient] = used + 1
    kept = [d for i, d in enumerate(digests) if i in kept_at]
    held = [d for i, d in enumerate(digests) if i not in kept_at]
    return kept, held
