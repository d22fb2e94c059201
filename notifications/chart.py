"""The chart of the weekly summary: 完成率 per lead unit, as a PNG (matplotlib, Agg).

Unit names are Chinese, so the labels need a font with a glyph for each of their
characters. The chart takes the first installed font that really covers every character
it draws (checked against the font's character map, not trusted from its name: Droid Sans
Fallback lacks many); e.g. Debian's fonts-noto-cjk or fonts-wqy-microhei. Without one it
falls back to English axis labels and numbers the bars by their rank in the per-unit table
(which the e-mail and the report list by name), says so once, and never prints empty
boxes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, ft2font  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ledger.files import atomic_path  # noqa: E402
from ledger.summary import UnitRow  # noqa: E402

log = logging.getLogger(__name__)

# Families known to carry Simplified Chinese glyphs, tried first in this order. A family's
# name is no promise (Droid Sans Fallback lacks many characters): every font is checked
# against the characters the chart actually draws.
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
# What cjk_font() checks a font against when no labels are given.
SAMPLE = "各牵头单位整改完成率仅计已销号任务暂无第年周"

# File names of CJK fonts, for a font installed after matplotlib cached its font list.
CJK_FILE_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "uming")


@dataclass(frozen=True)
class FontFile:
    family: str
    path: str


@lru_cache(maxsize=64)
def _charmap(path: str) -> frozenset[int]:
    """The code points a font file has glyphs for (its first face, as matplotlib uses it)."""
    try:
        return frozenset(ft2font.FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return frozenset()


@lru_cache(maxsize=1)
def installed_fonts() -> tuple[FontFile, ...]:
    """Every font matplotlib can use, the known CJK families first (preferred order), then
    the rest; CJK fonts installed after matplotlib cached its list are added first."""
    for path in font_manager.findSystemFonts():
        if any(hint in path.lower().replace("-", "") for hint in CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    seen: dict[str, FontFile] = {}
    for entry in font_manager.fontManager.ttflist:
        seen.setdefault(entry.fname, FontFile(entry.name, entry.fname))
    rank = {name: i for i, name in enumerate(CJK_FAMILIES)}
    return tuple(sorted(seen.values(), key=lambda f: (rank.get(f.family, len(rank)), f.path)))


def covering_font(text: str, fonts: Sequence[FontFile] | None = None) -> FontFile | None:
    """The first font that has a glyph for every character of `text`, or None."""
    needed = {ord(c) for c in text if not c.isspace()}
    for font in installed_fonts() if fonts is None else fonts:
        if needed <= _charmap(font.path):
            return font
    return None


def cjk_font() -> str | None:
    """The family of the first installed font that covers the chart's own Chinese words."""
    font = covering_font(SAMPLE)
    return font.family if font else None


@dataclass(frozen=True)
class Chart:
    path: Path
    font: str | None  # the CJK family used; None: English labels, bars numbered by rank
    font_path: str | None = None  # the file of that family the chart was drawn with
    units_shown: int = 0
    units_total: int = 0

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
    fonts: Sequence[FontFile] | None = None,
) -> Chart:
    """Horizontal bars of 完成率 per lead unit, the weakest at the bottom.

    With more units than `max_bars`, only the weakest `max_bars` are drawn (those the
    office must look at). `font=True` picks the first installed font (of `fonts`, when
    given) that has a glyph for every character of the labels; a family name asks for that
    one, still checked; None forces the English fallback. Without a covering font the
    chart is labelled in English and one warning names the missing characters: never
    empty boxes, no "Glyph missing" warnings.
    """
    shown = list(units[-max_bars:]) if len(units) > max_bars else list(units)
    labels = [u.unit for u in shown]
    title = f"各牵头单位整改完成率({week_label})"
    xlabel = "完成率(%),仅计已销号任务"
    empty = "暂无整改任务"
    chosen: FontFile | None = None
    if font is not None and font is not False:
        text = "".join([*labels, title, xlabel, empty])
        pool = fonts if fonts is not None else installed_fonts()
        if isinstance(font, str):
            pool = [f for f in pool if f.family == font]
        chosen = covering_font(text, pool)
        if chosen is None:
            best = max(
                pool, key=lambda f: len(_charmap(f.path) & set(map(ord, text))), default=None
            )
            missing = sorted(
                {c for c in text if not c.isspace()}
                - {chr(p) for p in (_charmap(best.path) if best else ())}
            )
            log.warning(
                "周报图表:本机没有覆盖图中全部汉字的字体(如缺“%s”等%d个字),改用英文标注,"
                "单位按表中排名编号;安装 fonts-noto-cjk 或 fonts-wqy-microhei 后即显示中文",
                "".join(missing[:5]),
                len(missing),
            )
    if chosen is None:
        labels = [f"#{u.rank}" for u in shown]
        title = f"Completion rate by lead unit ({week})"
        xlabel = "Completion rate (%), closed tasks only"
        empty = "No tasks"
    family = chosen.family if chosen else None

    height = max(2.5, 0.35 * len(shown) + 1.5)
    fig = Figure(figsize=(8, height), dpi=100)
    ax = fig.add_subplot()
    text_kw: dict[str, Any] = (
        {"fontproperties": font_manager.FontProperties(fname=chosen.path)} if chosen else {}
    )
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
    return Chart(
        path=path,
        font=family,
        font_path=chosen.path if chosen else None,
        units_shown=len(shown),
        units_total=len(units),
    )
