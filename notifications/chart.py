"""The chart of the weekly summary: 完成率 per lead unit, as a PNG (matplotlib, Agg).

Unit names are Chinese, so the labels need a font with CJK glyphs. When the machine has
one (e.g. Debian's fonts-noto-cjk or fonts-wqy-microhei) the chart is labelled in Chinese;
without one it falls back to English axis labels and numbers the bars by their rank in
the per-unit table (which the e-mail and the report list by name), rather than print
empty boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ledger.files import atomic_path  # noqa: E402
from ledger.summary import UnitRow  # noqa: E402

# Families known to carry Simplified Chinese glyphs, preferred first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Sarasa Gothic SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)

MAX_BARS = 30


# File names of CJK fonts, for a font installed after matplotlib cached its font list.
CJK_FILE_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "uming")


def _known_cjk_family() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK family, or None."""
    family = _known_cjk_family()
    if family is None:
        for path in font_manager.findSystemFonts():
            if any(hint in path.lower().replace("-", "") for hint in CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        family = _known_cjk_family()
    return family


@dataclass(frozen=True)
class Chart:
    path: Path
    font: str | None  # the CJK family used; None: English labels, bars numbered by rank
    units_shown: int
    units_total: int

    @property
    def note(self) -> str:
        """What the notice says about the attachment."""
        if self.units_shown < self.units_total:
            scope = f"完成率最低的{self.units_shown}个牵头单位"
        else:
            scope = "各牵头单位"
        labels = "" if self.font else ";图中单位按上表排名编号"
        return f"附件 {self.path.name} 为{scope}的整改完成率图{labels}。"


def completion_chart(
    units: Sequence[UnitRow],
    path: Path,
    *,
    week: str,
    week_label: str,
    font: str | None | bool = True,
    max_bars: int = MAX_BARS,
) -> Chart:
    """Horizontal bars of 完成率 per lead unit, the weakest at the bottom.

    With more units than `max_bars`, only the weakest `max_bars` are drawn (those the
    office must look at). `font=True` picks an installed CJK font; a name forces one;
    None forces the English fallback.
    """
    family = cjk_font() if font is True else (font or None)
    shown = list(units[-max_bars:]) if len(units) > max_bars else list(units)
    if family:
        labels = [u.unit for u in shown]
        title = f"各牵头单位整改完成率({week_label})"
        xlabel = "完成率(%),仅计已销号任务"
        empty = "暂无整改任务"
    else:
        labels = [f"#{u.rank}" for u in shown]
        title = f"Completion rate by lead unit ({week})"
        xlabel = "Completion rate (%), closed tasks only"
        empty = "No tasks"

    height = max(2.5, 0.35 * len(shown) + 1.5)
    fig = Figure(figsize=(8, height), dpi=100)
    ax = fig.add_subplot()
    text_kw: dict[str, Any] = {"fontfamily": family} if family else {}
    if shown:
        # Reversed so rank order reads top to bottom.
        ys = range(len(shown))
        rates = [u.completion_rate for u in reversed(shown)]
        colors = ["#c0392b" if u.overdue else "#2e86c1" for u in reversed(shown)]
        ax.barh(list(ys), rates, color=colors)
        ax.set_yticks(list(ys), [label for label in reversed(labels)], **text_kw)
        for y, u in zip(ys, reversed(shown), strict=True):
            ax.text(min(u.completion_rate + 1, 92), y, u.completion_text, va="center", fontsize=8)
    else:
        ax.text(50, 0.5, empty, ha="center", va="center", **text_kw)
        ax.set_yticks([])
    ax.set_xlim(0, 100)
    ax.set_title(title, **text_kw)
    ax.set_xlabel(xlabel, **text_kw)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Chart(path=path, font=family, units_shown=len(shown), units_total=len(units))
