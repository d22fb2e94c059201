"""The 整改周报 as a Word document: ledger.summary's WeeklySummary with its chart picture.

The numbers and wording come from ledger.summary (which takes them from ledger.stats);
this module only arranges them for the Word template. The chart PNG is made by the caller
(notifications.chart) and passed in as a path, so ledger does not import notifications.
`weekly_report_data` is the read every front end makes; the summary covers every unit, so
it is the office's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlmodel import Session

from ledger.actors import Actor, require_office
from ledger.summary import WeeklySummary, weekly_summary
from models.rules import Rules
from models.workdays import WorkCalendar

ISSUER = "整改工作领导小组办公室"
SCORES_SHOWN = 30  # 单位考核 ranks the Word file lists (as the notice; the xlsx holds every unit)
CAUSES_SHOWN = 5  # a unit's largest items in its row, then 等N项
CHART_WIDTH_MM = 150

REQUIRED_WEEKLY_TAGS = {
    "title": "周报标题",
    "overall_text": "总体情况(共X项,已销号Y项……)",
    "units": "各牵头单位完成情况表",
    "red_list": "逾期任务清单",
    "chart": "完成率图",
}


def weekly_report_data(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    rules: Rules,
    calendar: WorkCalendar,
    now: datetime,
) -> WeeklySummary:
    """The 整改周报's numbers for the Word file, read by the office only."""
    require_office(actor, "生成整改周报")
    return weekly_summary(session, as_of=as_of, rules=rules, calendar=calendar, now=now)


@dataclass(frozen=True)
class WeeklyDocument:
    template: ClassVar[str] = "weekly"
    required_tags: ClassVar[Mapping[str, str]] = REQUIRED_WEEKLY_TAGS

    summary: WeeklySummary
    chart_path: Path
    chart_note: str = ""

    def docx_images(self) -> dict[str, tuple[Path, float]]:
        return {"chart": (self.chart_path, CHART_WIDTH_MM)}

    def _scores(self) -> dict[str, Any]:
        """五、单位考核: the ranking of the period, as the other formats' 七 (the Word file
        has no sections on notices and late reports, so it is the fifth here)."""
        board = self.summary.scores
        if board is None:
            return {"scores_title": "", "scores_intro": "", "scores": []}
        shown = board.units[:SCORES_SHOWN]
        if not shown:
            intro = "本期没有可考核的单位。"
        elif len(shown) < len(board.units):
            intro = (
                f"共{len(board.units)}个单位,下表列出前{len(shown)}名,"
                "完整排名和扣分明细见整改通“单位考核”页面。"
            )
        else:
            intro = f"共{len(board.units)}个单位。"
        return {
            "scores_title": f"五、单位考核({board.label},{board.status_text})",
            "scores_intro": intro,
            "scores": [
                {
                    "rank": u.rank,
                    "unit": u.unit,
                    "score": f"{u.score:g}",
                    "deducted": f"{u.deducted:g}",
                    "bonus": f"{u.bonus:g}",
                    "causes": u.causes_text(CAUSES_SHOWN) or "无",
                }
                for u in shown
            ],
        }

    def context(self) -> dict[str, Any]:
        s = self.summary
        overall = f"截至{s.as_of_text},{s.overall.headline}。{s.change.text}。"
        if s.undelivered_total:
            parts = [f"{s.failed_total}份通知发送失败"] if s.failed_total else []
            if s.waiting_total:
                parts.append(f"{s.waiting_total}份通知因未配置通知渠道尚未送达")
            overall += f"另有{'、'.join(parts)},请整改办核实通知渠道。"
        if s.red_total:
            shown = f",下表列出逾期最久的{len(s.red_list)}项" if s.red_list_truncated else ""
            red_intro = f"截至{s.as_of_text},逾期未销号的整改任务共{s.red_total}项{shown}。"
        else:
            red_intro = f"截至{s.as_of_text},无逾期未销号的整改任务。"
        return {
            "title": s.title,
            "week_label": s.week_label,
            "period_text": s.period_text,
            "as_of_text": s.as_of_text,
            "overall_text": overall,
            "rounds": [
                {
                    "serial": r.serial,
                    "title": r.title,
                    "text": f"{r.serial}{r.title}:{r.counts.brief};{r.change.text}。",
                }
                for r in s.rounds
            ]
            or [{"serial": "", "title": "", "text": "暂无登记的巡视(察)轮次。"}],
            "units": [
                {
                    "rank": u.rank,
                    "unit": u.unit,
                    "tasks": u.tasks,
                    "closed": u.closed,
                    "open": u.open,
                    "overdue": u.overdue,
                    "completion_text": u.completion_text,
                    "notices_text": u.notices_text,
                }
                for u in s.units
            ],
            "red_intro": red_intro,
            "red_list": [
                {
                    "code": r.code,
                    "inspection": r.inspection,
                    "measure": r.measure,
                    "lead_unit": r.lead_unit,
                    "leader": r.leader,
                    "deadline_text": r.deadline_text,
                    "days_overdue": r.days_overdue,
                    "workdays_overdue": r.workdays_overdue,
                }
                for r in s.red_list
            ],
            "chart_note": self.chart_note,
            **self._scores(),
            "issuer": ISSUER,
            "date_text": s.generated_text or s.as_of_text,
        }
