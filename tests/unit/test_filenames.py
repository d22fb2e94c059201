"""Names in the 整改档案 that Windows can unpack, and clashes resolved (pure)."""

from __future__ import annotations

from ledger.filenames import NameTaker, folder_name, safe_name


def test_reserved_characters_devices_and_trailing_dots_are_made_safe() -> None:
    assert safe_name('CON:核查"结果"?.docx') == "CON_核查_结果__.docx"
    assert safe_name("CON.txt") == "_CON.txt"
    assert safe_name("lpt1") == "_lpt1"
    assert safe_name("报告. ") == "报告"
    assert safe_name("a/b\\c.pdf") == "a_b_c.pdf"
    assert safe_name("...") == "未命名"
    assert safe_name("\x07铃.txt") == "_铃.txt"


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = safe_name("很" * 200 + ".pdf")
    assert len(name) == 80 and name.endswith("很.pdf")


def test_clashing_names_get_a_number_as_windows_compares_them() -> None:
    taker = NameTaker(reserved=("销号审批表-1.1.docx",))
    assert [
        taker.take(n)
        for n in ["会议纪要.pdf", "会议纪要.pdf", "README.txt", "readme.TXT", "销号审批表-1.1.docx"]
    ] == [
        "会议纪要.pdf",
        "会议纪要(2).pdf",
        "README.txt",
        "readme(2).TXT",
        "销号审批表-1.1(2).docx",
    ]


def test_folders_take_the_first_clause_of_the_text_after_their_number() -> None:
    assert (
        folder_name("(一)", "科技项目资金管理不规范,部分项目资金拨付滞后")
        == "(一)科技项目资金管理不规范"
    )
    assert folder_name("1.", "  建立 台账") == "1.建立台账"
    assert folder_name("2.", "很" * 50) == "2." + "很" * 30
