"""Lists a person reads stay short at any length."""

from ledger.wording import first_few


def test_a_short_list_is_shown_whole() -> None:
    assert first_few(["督〔2026〕1号", "督〔2026〕2号"]) == "督〔2026〕1号、督〔2026〕2号"


def test_a_million_numbers_show_the_first_ten_and_the_count() -> None:
    numbers = [f"督〔2026〕{n}号" for n in range(1, 1_000_001)]
    text = first_few(numbers)
    assert text.startswith("督〔2026〕1号、督〔2026〕2号、")
    assert text.endswith("督〔2026〕10号等,共1000000个")
    assert text.count("、") == 9
