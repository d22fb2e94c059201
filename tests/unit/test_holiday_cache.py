"""The `holidays` package's answers kept in the data folder (models.holiday_cache)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import holidays
import pytest

from models import holiday_cache
from models.workdays import package_holidays

YEAR = 2027


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often the package is asked."""
    calls = [0]
    original = holidays.country_holidays

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    return calls


def test_the_answer_is_kept_and_read_back_without_asking_the_package(
    tmp_path: Path, computed: list[int]
) -> None:
    first = package_holidays(YEAR, tmp_path)
    assert len(first) > 10  # 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆
    assert (tmp_path / f"holidays-CN-{YEAR}.json").is_file()
    assert package_holidays(YEAR, tmp_path) == first
    assert computed == [1]
    assert package_holidays(YEAR, None) == first  # no cache: the package is asked
    assert computed == [2]


def test_another_version_of_the_package_computes_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = package_holidays(YEAR, tmp_path)
    path = tmp_path / f"holidays-CN-{YEAR}.json"
    stale = json.loads(path.read_text())
    path.write_text(json.dumps({**stale, "days": ["2027-03-03"]}))
    monkeypatch.setattr(holiday_cache, "package_key", lambda: "another version")
    assert package_holidays(YEAR, tmp_path) == computed
    assert json.loads(path.read_text())["key"] == "another version"


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"key": 1}', b"{" * 100_000, b'{"days": ["2027-99-99"]}'],
    ids=["garbage", "a list", "wrong key", "huge", "bad date"],
)
def test_a_damaged_file_is_computed_again(
    tmp_path: Path, content: bytes, computed: list[int]
) -> None:
    expected = package_holidays(YEAR, None)
    (tmp_path / f"holidays-CN-{YEAR}.json").write_bytes(content)
    assert package_holidays(YEAR, tmp_path) == expected
    assert computed == [2]
    assert package_holidays(YEAR, tmp_path) == expected  # and kept again
    assert computed == [2]


def test_a_symlink_in_place_of_the_file_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    package_holidays(YEAR, elsewhere)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"holidays-CN-{YEAR}.json").symlink_to(elsewhere / f"holidays-CN-{YEAR}.json")
    key = holiday_cache.package_key()
    assert key is not None
    assert holiday_cache.read(elsewhere, YEAR, key)
    assert holiday_cache.read(cache, YEAR, key) is None


def test_a_folder_that_cannot_be_written_still_gives_the_answer(tmp_path: Path) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    assert package_holidays(YEAR, blocked) == package_holidays(YEAR, None)
    assert list(tmp_path.iterdir()) == [blocked]
