"""The Word templates: the shipped ones come from the build script, and an office's template
that lacks a tag is refused with the tag's name instead of a crash or a silent blank."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from ledger.documents import build_templates
from ledger.documents.compose import Part
from ledger.documents.render import TEMPLATES, TemplateError, render_docx, render_markdown
from ledger.documents.report_data import ProblemSection, ReportData
from ledger.stats import Totals


def small_report() -> ReportData:
    totals = Totals(tasks=1, closed=1, problems=1)
    return ReportData(
        inspection_id=1,
        title="关于省委第八巡视组反馈问题整改情况的报告",
        as_of=date(2026, 12, 1),
        source_kind="巡视",
        body="省委第八巡视组",
        subject="",
        inspected_org="县科技局",
        feedback_date=date(2026, 10, 15),
        plan_doc_no="县科发〔2026〕12号",
        report_due=date(2026, 12, 15),
        opening="开头段落 <含尖括号> & 符号",
        totals=totals,
        totals_sentence="共反馈问题1个,制定整改措施1项,已销号1项,完成率100.00%;正在推进0项,长期坚持0项,逾期0项。",
        problems=(
            ProblemSection(
                number=1,
                serial="(一)",
                heading="(一)关于“甲”问题的整改情况",
                description="甲",
                goal="",
                totals=totals,
                parts=(
                    Part("1、工作开展情况。", ("已开展。",)),
                    Part("2、工作存在的问题。", ("暂无。",)),
                    Part("3、整改情况。", ("已销号。", "第二段。")),
                ),
            ),
        ),
        next_steps=("全部1项整改措施已销号。",),
    )


def tags_of(path: Path) -> set[str]:
    return DocxTemplate(str(path)).get_undeclared_template_variables()


def test_shipped_templates_are_what_the_build_script_makes(tmp_path: Path) -> None:
    for built in build_templates.build_all(tmp_path):
        assert tags_of(built) == tags_of(TEMPLATES / built.name), built.name


def test_default_template_is_a4_with_fangsong_body_and_bold_headings() -> None:
    doc = Document(str(TEMPLATES / "report.docx"))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28

    def east_asia(style: str) -> str:
        fonts = doc.styles[style].element.rPr.rFonts
        return fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    assert east_asia("Normal") == "仿宋"
    assert east_asia("Heading 1") == "黑体"
    assert doc.styles["Heading 1"].font.bold and doc.styles["Title"].font.bold
    assert doc.styles["Title"].font.size.pt == 22


def test_text_with_markup_characters_survives_into_word(tmp_path: Path) -> None:
    out = render_docx(small_report(), tmp_path / "r.docx")
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert "开头段落 <含尖括号> & 符号" in texts
    assert "3、整改情况。已销号。" in texts and "第二段。" in texts
    assert not any("{{" in t or "{%" in t for t in texts)


def _without_paragraph(src: Path, dst: Path, containing: str) -> Path:
    doc = Document(str(src))
    for paragraph in doc.paragraphs:
        if containing in paragraph.text:
            paragraph._p.getparent().remove(paragraph._p)
    doc.save(str(dst))
    return dst


def test_a_template_without_the_totals_tag_is_refused_naming_the_tag(tmp_path: Path) -> None:
    template = _without_paragraph(
        TEMPLATES / "report.docx", tmp_path / "ours.docx", "{{ totals_sentence }}"
    )
    out = tmp_path / "r.docx"
    with pytest.raises(TemplateError) as err:
        render_docx(small_report(), out, template=template)
    assert "缺少必需的标记 {{ totals_sentence }}" in err.value.message
    assert "ours.docx" in err.value.message
    assert not out.exists()


def test_a_template_with_an_unknown_tag_is_refused_listing_the_known_ones(tmp_path: Path) -> None:
    doc = Document(str(TEMPLATES / "report.docx"))
    doc.add_paragraph("{{ 单位名称 }}")
    doc.save(str(tmp_path / "ours.docx"))
    with pytest.raises(TemplateError) as err:
        render_docx(small_report(), tmp_path / "r.docx", template=tmp_path / "ours.docx")
    assert "未知的标记 {{ 单位名称 }}" in err.value.message
    assert "totals_sentence" in err.value.message


def test_a_broken_tag_or_a_file_that_is_not_word_gives_a_clear_message(tmp_path: Path) -> None:
    doc = Document(str(TEMPLATES / "report.docx"))
    doc.add_paragraph("{{ title ")
    doc.save(str(tmp_path / "broken.docx"))
    with pytest.raises(TemplateError, match="标记写法有误"):
        render_docx(small_report(), tmp_path / "r.docx", template=tmp_path / "broken.docx")
    (tmp_path / "notes.docx").write_text("not a word file", encoding="utf-8")
    with pytest.raises(TemplateError, match="不是有效的 Word"):
        render_docx(small_report(), tmp_path / "r.docx", template=tmp_path / "notes.docx")
    with pytest.raises(TemplateError, match="找不到 Word 模板文件"):
        render_docx(small_report(), tmp_path / "r.docx", template=tmp_path / "missing.docx")


def test_markdown_escapes_ledger_text_but_not_the_layout() -> None:
    text = render_markdown(small_report())
    assert text.startswith("# 关于省委第八巡视组反馈问题整改情况的报告\n")
    assert "开头段落 \\<含尖括号\\> & 符号" in text
    assert "**3、整改情况。**已销号。\n\n第二段。" in text
