"""Reading a ledger file into a grid of cell values, whatever it was saved as.

The file's first bytes decide how it is read, not its name: offices rename files.
.xlsx and .xls go through calamine (fast, reads merged ranges of both); anything else
is tried as CSV text in UTF-8 (with or without BOM) and then GB18030, which is what
Chinese Excel writes by default.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import python_calamine

from ledger.errors import InvalidInputError

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or encrypted .xlsx
ZIP_SIGNATURE = b"PK\x03\x04"
# An encrypted .xlsx is a compound file holding these streams (MS-OFFCRYPTO).
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))

Cell = Any  # str, int, float, date, datetime or None


class LedgerFileError(InvalidInputError):
    """The file cannot be read as a ledger at all (not a row error)."""


@dataclass
class Grid:
    """One sheet's cells. Rows are indexed from the top of the sheet (row 0 is Excel row 1).

    `values` has merged ranges filled in: every cell of a merge carries the merge's value,
    which is what a problem cell merged over its measures means. `continued` holds the
    cells that got their value that way (all but the top-left of each merge).
    """

    values: list[list[Cell]]
    sheet_name: str
    file_kind: str  # xlsx / xls / csv
    sheet_names: list[str] = field(default_factory=list)
    continued: set[tuple[int, int]] = field(default_factory=set)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.values), default=0)


def _clean(value: Any) -> Cell:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.replace("\u3000", " ").replace("\r\n", "\n").strip()
        return text or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, time | timedelta):
        return str(value)
    return value


def _fill_merges(grid: Grid, merges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    rows = grid.values
    for (r0, c0), (r1, c1) in merges:
        if r0 >= len(rows):
            continue
        top_left = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = top_left
                    grid.continued.add((r, c))


def _read_workbook(data: bytes, kind: str, sheet: str | None, name: str) -> Grid:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _encrypted(name) from None
    except Exception:
        raise LedgerFileError(
            f"文件“{name}”无法作为电子表格读取(可能已损坏或不是 Excel 文件),"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
        ) from None
    names = list(book.sheet_names)
    if sheet is not None and sheet not in names:
        raise LedgerFileError(
            f"文件“{name}”中没有名为“{sheet}”的工作表,现有工作表:{'、'.join(names)}"
        )
    if not names:
        raise LedgerFileError(f"文件“{name}”中没有工作表")
    try:
        chosen, ws = _chosen_sheet(book, names, sheet)
        rows = ws.to_python(skip_empty_area=False)
        merges = list(ws.merged_cell_ranges or [])
    except python_calamine.PasswordError:
        raise _encrypted(name) from None
    except Exception as exc:
        raise LedgerFileError(f"文件“{name}”的工作表读取失败:{exc}") from None
    grid = Grid(
        values=[[_clean(v) for v in row] for row in rows],
        sheet_name=chosen,
        file_kind=kind,
        sheet_names=names,
    )
    if kind == "xlsx":
        _hyperlink_texts(data, chosen, grid)
    _fill_merges(grid, merges)
    return grid


_HYPERLINK = re.compile(
    r'^\s*=?\s*HYPERLINK\s*\(\s*"((?:[^"]|"")*)"\s*(?:,\s*"((?:[^"]|"")*)")?', re.I
)
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _hyperlink_texts(data: bytes, sheet: str, grid: Grid) -> None:
    """A cell holding =HYPERLINK("url", "text") reads as its text. Excel stores the text as
    the cell's cached value (calamine reads it); files written by other systems often store
    the formula alone, which reads as empty: those cells are filled from the formula.
    Only a sheet that mentions HYPERLINK at all is parsed a second time, as a stream."""
    import posixpath
    import zipfile
    from xml.etree.ElementTree import iterparse

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            rel_id = next(
                (
                    el.get(f"{rel_ns}id")
                    for _e, el in iterparse(zf.open("xl/workbook.xml"))
                    if el.tag == f"{ns}sheet" and el.get("name") == sheet
                ),
                None,
            )
            target = next(
                (
                    el.get("Target", "")
                    for _e, el in iterparse(zf.open("xl/_rels/workbook.xml.rels"))
                    if el.get("Id") == rel_id
                ),
                "",
            )
            if not target:
                return
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            with zf.open(path) as fh:
                tail, found = b"", False
                while chunk := fh.read(1 << 20):
                    if b"HYPERLINK" in tail + chunk:
                        found = True
                        break
                    tail = chunk[-8:]
            if not found:
                return
            for _e, el in iterparse(zf.open(path)):
                if el.tag != f"{ns}c":
                    continue
                formula = el.find(f"{ns}f")
                m = _HYPERLINK.match(formula.text or "") if formula is not None else None
                ref = _CELL_REF.fullmatch(el.get("r", ""))
                if m and ref:
                    _set_if_empty(grid, ref, (m.group(2) or m.group(1)).replace('""', '"'))
                el.clear()
    except (KeyError, zipfile.BadZipFile, SyntaxError):
        return  # no parts to read: the values calamine gave stand


def _set_if_empty(grid: Grid, ref: re.Match[str], text: str) -> None:
    col = 0
    for ch in ref.group(1):
        col = col * 26 + ord(ch) - 64
    r, c = int(ref.group(2)) - 1, col - 1
    if r >= len(grid.values):
        return
    row = grid.values[r]
    if len(row) <= c:
        row.extend([None] * (c + 1 - len(row)))
    if row[c] is None:
        row[c] = _clean(text)


def _chosen_sheet(
    book: python_calamine.CalamineWorkbook, names: list[str], sheet: str | None
) -> tuple[str, python_calamine.CalamineSheet]:
    """The named sheet, else the first with rows: workbooks often carry an empty Sheet2
    or a 说明 sheet first. Each sheet is parsed once."""
    if sheet is not None:
        return sheet, book.get_sheet_by_name(sheet)
    first = None
    for name in names:
        ws = book.get_sheet_by_name(name)
        if ws.height > 1:
            return name, ws
        first = first or (name, ws)
    assert first is not None
    return first


def _encrypted(name: str) -> LedgerFileError:
    return LedgerFileError(
        f"文件“{name}”已加密(设置了打开密码),无法读取;请在 Excel 或 WPS 中取消密码"
        "(文件 → 信息 → 保护工作簿 → 用密码进行加密,清空密码)后另存,再导入"
    )


def decode_text(data: bytes) -> str | None:
    """CSV text in UTF-8 (BOM or not) or GB18030; None when it is neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(data: bytes, name: str) -> Grid:
    text = decode_text(data)
    if text is None or "\x00" in text:
        raise _not_a_spreadsheet(name)
    sample = text[:20_000]
    counts = {d: sample.count(d) for d in (",", "\t", ";", ",")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        delimiter = ","
    rows = [
        [_clean(v) for v in row]
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]
    if not any(any(v is not None for v in row) for row in rows):
        raise LedgerFileError(f"文件“{name}”没有内容,请检查是否选错了文件")
    if max(len(r) for r in rows) < 2:
        raise _not_a_spreadsheet(name)
    return Grid(values=rows, sheet_name=Path(name).stem, file_kind="csv", sheet_names=[])


def _not_a_spreadsheet(name: str) -> LedgerFileError:
    return LedgerFileError(
        f"文件“{name}”不是电子表格:请导入 Excel(.xlsx / .xls)或逗号分隔的 CSV 文件"
    )


def read_grid(path: Path, sheet: str | None = None) -> Grid:
    """The chosen sheet of the file (default: the first with data) as a Grid."""
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LedgerFileError(f"找不到文件“{path}”,请检查路径") from None
    except IsADirectoryError:
        raise LedgerFileError(f"“{path}”是文件夹,请指定台账文件") from None
    except OSError as exc:
        raise LedgerFileError(f"文件“{path}”无法读取:{exc.strerror}") from None
    if not data.strip():
        raise LedgerFileError(f"文件“{name}”是空文件,没有可导入的内容")
    if data.startswith(CFB_SIGNATURE):
        if any(stream in data for stream in _ENCRYPTED_STREAMS):
            raise _encrypted(name)
        grid = _read_workbook(data, "xls", sheet, name)
    elif data.startswith(ZIP_SIGNATURE):
        grid = _read_workbook(data, "xlsx", sheet, name)
    else:
        if sheet is not None:
            raise LedgerFileError(f"CSV 文件“{name}”没有工作表,请不要指定工作表", field="sheet")
        grid = _read_csv(data, name)
    if not any(any(v is not None for v in row) for row in grid.values):
        raise LedgerFileError(f"文件“{name}”的工作表“{grid.sheet_name}”没有内容")
    return grid
