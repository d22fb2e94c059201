"""Builds the Word templates that ship in ledger/documents/templates/ (run after changing it).

    python -m ledger.documents.build_templates [--out FOLDER]

The templates are ordinary .docx files with Jinja2 tags (docxtpl): an office opens one in
Word, changes fonts, spacing or wording around the tags, saves it, and passes it with
--template. Styling follows GB/T 9704 (党政机关公文格式) approximately: A4, margins
37/35/28/26 mm, body 仿宋 三号 on a fixed 28 pt line, title 二号 bold, level-1 headings
黑体, level-2 headings 楷体. Fonts are named, not embedded: Word substitutes a missing one.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

TEMPLATES = Path(__file__).resolve().parent / "templates"

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体"
LATIN_FONT = "Times New Roman"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
LINE_PT = 28  # 22 lines a page


def _set_font(style: BaseStyle, east_asia: str, size: float, *, bold: bool = False) -> None:
    """Names the Chinese font explicitly (w:eastAsia) and drops the theme fonts that would
    otherwise win over it."""
    font = style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph_style(
    style: BaseStyle,
    *,
    align: int | None = None,
    indent_chars: float = 0,
    before_pt: float = 0,
    after_pt: float = 0,
) -> None:
    fmt = style.paragraph_format  # type: ignore[attr-defined]
    fmt.alignment = align
    fmt.first_line_indent = Pt(BODY_PT * indent_chars)
    fmt.space_before = Pt(before_pt)
    fmt.space_after = Pt(after_pt)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))  # the default Title style draws a rule under itself
    if border is not None:
        ppr.remove(border)


def _styled_document(title: str) -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    styles = doc.styles

    normal = styles["Normal"]
    _set_font(normal, BODY_FONT, BODY_PT)
    _paragraph_style(normal, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2)

    heading_title = styles["Title"]
    _set_font(heading_title, TITLE_FONT, TITLE_PT, bold=True)
    _paragraph_style(heading_title, align=WD_ALIGN_PARAGRAPH.CENTER, after_pt=LINE_PT)
    heading_title.paragraph_format.line_spacing = Pt(36)  # type: ignore[attr-defined]

    subtitle = styles["Subtitle"]
    _set_font(subtitle, HEADING2_FONT, BODY_PT)
    _paragraph_style(subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, after_pt=LINE_PT / 2)

    for name, font in (("Heading 1", HEADING1_FONT), ("Heading 2", HEADING2_FONT)):
        heading = styles[name]
        _set_font(heading, font, BODY_PT, bold=True)
        _paragraph_style(heading, indent_chars=2)
        heading.paragraph_format.keep_with_next = True  # type: ignore[attr-defined]

    signature = styles.add_style("落款", WD_STYLE_TYPE.PARAGRAPH)
    signature.base_style = normal
    _paragraph_style(signature, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.right_indent = Pt(BODY_PT * 4)  # type: ignore[attr-defined]

    tag = styles.add_style("模板标记", WD_STYLE_TYPE.PARAGRAPH)
    tag.base_style = normal  # the {%p %} lines: removed when the document is rendered

    _page_number_footer(doc)
    props = doc.core_properties
    props.title = title
    props.author = "整改通"
    props.created = props.modified = datetime(2026, 1, 1)
    props.revision = 1
    return doc


def _page_number_footer(doc: DocxDocument) -> None:
    """— 1 — centred at the foot of each page, 宋体 四号 (GB/T 9704 page numbers)."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph._p.append(paragraph.add_run(" —")._r)
    for r in paragraph.runs:
        r.font.size = Pt(14)


def _p(doc: DocxDocument, text: str = "", style: str = "Normal", bold: bool = False) -> Paragraph:
    paragraph = doc.add_paragraph(style=style)
    if text:
        paragraph.add_run(text).bold = bold or None
    return paragraph


def _tag(doc: DocxDocument, statement: str) -> None:
    _p(doc, "{%p " + statement + " %}", style="模板标记")


def build_report(path: Path) -> None:
    """整改情况报告: title, date line, opening, totals, (一)(二)… with their three parts, plan."""
    doc = _styled_document("整改情况报告")
    _p(doc, "{{ title }}", "Title")
    _p(doc, "(截至{{ as_of_text }})", "Subtitle")
    _p(doc, "{{ opening }}")
    _p(doc, "{{ totals_sentence }}")
    _p(doc, "一、问题整改情况", "Heading 1")
    _tag(doc, "for p in problems")
    _p(doc, "{{ p.heading }}", "Heading 2")
    _tag(doc, "for part in p.parts")
    part = _p(doc, "{{ part.label }}", bold=True)
    part.add_run("{{ part.lead }}")
    _tag(doc, "for para in part.rest")
    _p(doc, "{{ para }}")
    _tag(doc, "endfor")
    _tag(doc, "endfor")
    _tag(doc, "endfor")
    _p(doc, "二、下一步工作打算", "Heading 1")
    _tag(doc, "for item in next_steps")
    _p(doc, "{{ item }}")
    _tag(doc, "endfor")
    _p(doc)
    _p(doc, "{{ signature }}", "落款")
    _p(doc, "{{ date_text }}", "落款")
    doc.save(str(path))


SUPERVISION_ROWS = [
    ("督办编号", "{{ label }}"),
    ("反馈问题", "{{ problem }}"),
    ("整改措施", "{{ measure }}(任务编号 {{ code }})"),
    ("牵头单位", "{{ lead_unit }}"),
    ("配合单位", "{{ co_units_text }}"),
    ("责任领导", "{{ leader }}"),
    ("责任人", "{{ person }}"),
    ("整改时限", "{{ deadline_text }}"),
    ("逾期情况", "{{ overdue_text }}"),
    ("书面回复时限", "{{ reply_due_text }}"),
]


def build_supervision(path: Path) -> None:
    """督办通知单: title, number, addressee, the demand, a table of the facts, issuer and date."""
    doc = _styled_document("督办通知单")
    _p(doc, "督办通知单", "Title")
    _p(doc, "{{ label }}", "Subtitle")
    addressee = _p(doc, "{{ addressee }}:")
    addressee.paragraph_format.first_line_indent = Pt(0)
    _p(doc, "{{ body }}")
    _p(doc, "{{ demand }}")
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in SUPERVISION_ROWS:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Mm(35), Mm(121)
        for cell, text, bold in ((cells[0], label, True), (cells[1], value, False)):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.add_run(text).bold = bold or None
    _p(doc)
    _p(doc, "{{ issuer }}", "落款")
    _p(doc, "{{ issued_on_text }}", "落款")
    doc.save(str(path))


def _loop_table(
    doc: DocxDocument, headers: list[str], cells: list[str], loop: str, widths_mm: list[float]
) -> None:
    """A table whose middle row repeats once per item ({%tr for %} … {%tr endfor %})."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [headers, ["{%tr " + loop + " %}"] + [""] * (len(headers) - 1), cells]
    rows.append(["{%tr endfor %}"] + [""] * (len(headers) - 1))
    for row, values in zip(table.rows, rows, strict=True):
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Mm(widths_mm[i])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            if text:
                run = paragraph.add_run(text)
                run.font.size = Pt(12)
                run.bold = (row is table.rows[0]) or None


def build_weekly(path: Path) -> None:
    """整改周报: overall, per round, per lead unit (table and chart), the red list, and the
    单位考核 ranking when scoring is configured."""
    doc = _styled_document("整改周报")
    _p(doc, "{{ title }}", "Title")
    _p(doc, "({{ period_text }})", "Subtitle")
    _p(doc, "一、总体情况", "Heading 1")
    _p(doc, "{{ overall_text }}")
    _p(doc, "二、各轮次整改情况", "Heading 1")
    _tag(doc, "for r in rounds")
    _p(doc, "{{ r.text }}")
    _tag(doc, "endfor")
    _p(doc, "三、各牵头单位完成情况", "Heading 1")
    _loop_table(
        doc,
        ["排名", "牵头单位", "任务数", "已销号", "未销号", "逾期", "完成率", "本期收到通知"],
        [
            "{{ u.rank }}",
            "{{ u.unit }}",
            "{{ u.tasks }}",
            "{{ u.closed }}",
            "{{ u.open }}",
            "{{ u.overdue }}",
            "{{ u.completion_text }}",
            "{{ u.notices_text }}",
        ],
        "for u in units",
        [12, 36, 14, 14, 14, 12, 18, 36],
    )
    chart = _p(doc, "{{ chart }}")
    chart.alignment = WD_ALIGN_PARAGRAPH.CENTER
    chart.paragraph_format.first_line_indent = Pt(0)
    chart.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _p(doc, "{{ chart_note }}")
    _p(doc, "四、逾期任务(红灯)清单", "Heading 1")
    _p(doc, "{{ red_intro }}")
    _loop_table(
        doc,
        ["编号", "整改措施", "牵头单位", "责任领导", "整改时限", "逾期天数"],
        [
            "{{ t.code }}",
            "{{ t.measure }}",
            "{{ t.lead_unit }}",
            "{{ t.leader }}",
            "{{ t.deadline_text }}",
            "{{ t.days_overdue }}",
        ],
        "for t in red_list",
        [14, 60, 26, 20, 22, 14],
    )
    # 单位考核 when [scoring] is configured (the text, Markdown and HTML summary's 七).
    _tag(doc, "if scores_title")
    _p(doc, "{{ scores_title }}", "Heading 1")
    _p(doc, "{{ scores_intro }}")
    _loop_table(
        doc,
        ["名次", "单位", "得分", "扣分", "加分", "扣分、加分事由"],
        [
            "{{ u.rank }}",
            "{{ u.unit }}",
            "{{ u.score }}",
            "{{ u.deducted }}",
            "{{ u.bonus }}",
            "{{ u.causes }}",
        ],
        "for u in scores",
        [12, 36, 14, 14, 14, 76],
    )
    _tag(doc, "endif")
    _p(doc)
    _p(doc, "{{ issuer }}", "落款")
    _p(doc, "{{ date_text }}", "落款")
    doc.save(str(path))


CLOSURE_ROWS = [
    ("巡视(察)轮次", "{{ inspection }}"),
    ("反馈问题", "{{ problem }}"),
    ("整改措施", "{{ measure }}(任务编号 {{ code }},{{ kind_text }})"),
    ("牵头单位", "{{ lead_unit }}"),
    ("配合单位", "{{ co_units_text }}"),
    ("责任领导", "{{ leader }}"),
    ("责任人", "{{ person }}"),
    ("整改时限", "{{ deadline_text }}"),
    ("延期情况", "{{ extensions_text }}"),
    ("当前状态", "{{ status_text }}"),
]


def _facts_table(doc: DocxDocument, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Mm(35), Mm(121)
        for cell, text, bold in ((cells[0], label, True), (cells[1], value, False)):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.add_run(text).bold = bold or None


def build_closure(path: Path) -> None:
    """销号审批表: the task's facts, extensions, the unit's summary and evidence list, any
    退回 with its reason, the office's verification, and places to sign."""
    doc = _styled_document("整改任务销号审批表")
    _p(doc, "{{ title }}", "Title")
    _facts_table(doc, CLOSURE_ROWS)
    _tag(doc, "if extensions")
    _p(doc, "延期审批记录", "Heading 2")
    _loop_table(
        doc,
        ["序号", "申请日期", "申请人", "时限调整", "理由", "审批"],
        [
            "{{ e.no }}",
            "{{ e.requested_text }}",
            "{{ e.requested_by }}",
            "{{ e.change_text }}",
            "{{ e.reason }}",
            "{{ e.decided_text }}",
        ],
        "for e in extensions",
        [12, 26, 18, 40, 36, 24],
    )
    _tag(doc, "endif")
    _p(doc, "一、整改完成情况", "Heading 1")
    _p(doc, "{{ summary }}")
    _p(doc, "({{ submitted_text }})")
    _p(doc, "二、佐证材料清单({{ evidence_text }})", "Heading 1")
    _tag(doc, "if evidence")
    _loop_table(
        doc,
        ["序号", "文件名", "报送日期", "环节", "大小", "SHA-256(前12位)"],
        [
            "{{ f.no }}",
            "{{ f.name }}",
            "{{ f.date_text }}",
            "{{ f.stage }}",
            "{{ f.size_text }}",
            "{{ f.sha256_short }}",
        ],
        "for f in evidence",
        [12, 56, 26, 20, 18, 24],
    )
    _tag(doc, "endif")
    _p(doc, "三、退回记录({{ returns_text }})", "Heading 1")
    _tag(doc, "for r in returns")
    _p(doc, "{{ r.no }}. {{ r.date_text }},{{ r.by }}退回,理由:{{ r.reason }}")
    _tag(doc, "endfor")
    _p(doc, "四、整改办核验意见", "Heading 1")
    _p(doc, "{{ verification_text }}")
    _p(doc)
    _facts_table(
        doc,
        [
            ("牵头单位意见", "负责人(签字):            (盖章)        年  月  日"),
            ("整改办意见", "负责人(签字):            (盖章)        年  月  日"),
        ],
    )
    _p(doc)
    _p(doc, "{{ issuer }}", "落款")
    doc.save(str(path))


def build_archive_index(path: Path) -> None:
    """00_目录 of the 整改档案: every file with its folder, name, task, date, size, SHA-256."""
    doc = _styled_document("整改档案目录")
    section = doc.sections[0]  # landscape: the table is wide
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(20), Mm(20)
    _p(doc, "{{ title }}", "Title")
    _p(doc, "(截至{{ as_of_text }})", "Subtitle")
    _p(doc, "{{ count_text }}")
    _loop_table(
        doc,
        ["序号", "文件夹", "文件名", "任务编号", "日期", "大小", "SHA-256", "说明"],
        [
            "{{ r.no }}",
            "{{ r.folder }}",
            "{{ r.name }}",
            "{{ r.code }}",
            "{{ r.date_text }}",
            "{{ r.size_text }}",
            "{{ r.sha256 }}",
            "{{ r.note }}",
        ],
        "for r in rows",
        [12, 50, 46, 16, 26, 16, 50, 41],
    )
    _p(doc, "{{ withdrawn_text }}")
    doc.save(str(path))


BUILDERS = {
    "archive_index.docx": build_archive_index,
    "closure.docx": build_closure,
    "report.docx": build_report,
    "supervision.docx": build_supervision,
    "weekly.docx": build_weekly,
}


def build_all(folder: Path = TEMPLATES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in BUILDERS.items():
        build(folder / name)
        written.append(folder / name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成默认 Word 模板")
    parser.add_argument("--out", type=Path, default=TEMPLATES, help="输出目录")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
