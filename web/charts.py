"""The dashboard's chart as server-side SVG geometry (no chart script, no CDN).

Each line of the board becomes one stacked bar of its tasks: 已销号, 红灯, 黄灯 and the rest
still open, as percentages of the line's 应整改, so the SVG scales to any width (375 px too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.dashboard import Tally


@dataclass(frozen=True)
class Segment:
    part: str  # css class: closed / red / yellow / open
    label: str
    x: float  # 0-100
    width: float
    count: int


@dataclass(frozen=True)
class Bar:
    label: str
    completion_text: str
    segments: list[Segment]


PARTS = (("closed", "已销号"), ("red", "红灯"), ("yellow", "黄灯"), ("open", "其他在办"))


def stacked_bars(lines: Sequence[Tally]) -> list[Bar]:
    bars = []
    for line in lines:
        other = max(line.tasks - line.closed - line.red - line.yellow, 0)
        counts = (line.closed, line.red, line.yellow, other)
        x = 0.0
        segments = []
        for (part, label), n in zip(PARTS, counts, strict=True):
            width = 100.0 * n / line.tasks if line.tasks else 0.0
            if n:
                segments.append(Segment(part, label, round(x, 3), round(width, 3), n))
            x += width
        bars.append(Bar(line.label, line.completion_text, segments))
    return bars
