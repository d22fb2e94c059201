"""Reading a ledger file into a grid of cell values, whatever it was saved as.

The file's first bytes decide how it is read, not its name: offices rename files.
.xlsx and .xls go through calamine (fast, reads merged ranges of both); anything else
is tried as CSV text in UTF-8 (with or without BOM) and then GB18030, which is what
Chinese Excel writes by default, and UTF-16 with a BOM (Excel's "Unicode 文本", tab-separated).

Before anything is parsed the file is bounded (models.limits, `[limits]` in rectify.toml):
a regular file no larger than import_max_bytes, read in at most that many bytes; for an
.xlsx every zip part is decompressed once in a stream with its size capped and its CRC
checked, and each sheet's declared dimension and the cell references in it are checked
against the row, column and cell limits. The spreadsheet library allocates the sheet's
whole bounding box, so a 4 KB file declaring A1:XFD1048576 would otherwise ask for 512 GB.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import python_calamine

from ledger.errors import InvalidInputError
from models.limits import MB, Limits

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


def _too_big(name: str, what: str, limit: int | str, setting: str) -> LedgerFileError:
    return LedgerFileError(
        f"文件“{name}”{what},超过上限{limit}({Limits.setting(setting)});"
        "请拆分台账或删去多余的行列后再导入,或请管理员调高上限"
    )


def _read_bounded(path: Path, limits: Limits) -> bytes:
    """The file's bytes, refused unless it is a regular file within the size limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise LedgerFileError(f"找不到文件“{path}”,请检查路径") from None
    except IsADirectoryError:
        raise LedgerFileError(f"“{path}”是文件夹,请指定台账文件") from None
    except OSError as exc:
        raise LedgerFileError(f"文件“{path}”无法读取:{exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise LedgerFileError(f"“{path}”是文件夹,请指定台账文件")
        if not stat.S_ISREG(info.st_mode):
            raise LedgerFileError(f"“{path}”不是普通文件(是设备或管道),请指定台账文件")
        limit = limits.import_max_bytes
        if info.st_size > limit:
            raise _too_big(path.name, f"大小{info.st_size / MB:.1f}MB", f"{limit / MB:g}MB",
                           "import_max_bytes")  # fmt: skip
        # Read no more than the limit even when the size lies (/proc files say 0).
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _too_big(path.name, "超过大小上限", f"{limit / MB:g}MB", "import_max_bytes")
    return data


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="(?:[A-Z]+[0-9]+:)?([A-Z]+)([0-9]+)"')
_XML_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)([0-9]+)"')
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="([0-9]+)"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CHUNK = 4 * MB


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


@dataclass
class _SheetExtent:
    """How far a sheet's XML reaches, as the spreadsheet library would lay it out."""

    exact: bool = False  # follow every tag (for cells that omit their reference)
    rows: int = 0
    columns: int = 0
    dimension: tuple[int, int] | None = None
    unreferenced: bool = False
    _row: int = 0
    _column: int = 0

    def scan(self, xml: bytes) -> None:
        if self.dimension is None and (m := _DIMENSION.search(xml)):
            self.dimension = (int(m.group(2)), _column_number(m.group(1)))
        if self.exact:
            self._follow(xml)
            return
        refs = _XML_CELL_REF.findall(xml)
        if refs:
            self.rows = max(self.rows, max(int(r) for _c, r in refs))
            widest = max((c for c, _r in refs), key=lambda c: (len(c), c))
            self.columns = max(self.columns, _column_number(widest))
        rows = _ROW_REF.findall(xml)
        if rows:
            self.rows = max(self.rows, max(int(r) for r in rows))
        if len(refs) != len(_CELL.findall(xml)) or len(rows) != len(_ROW.findall(xml)):
            self.unreferenced = True

    def _follow(self, xml: bytes) -> None:
        """Cells and rows without a reference follow the previous one, as Excel reads them."""
        for m in _TAG.finditer(xml):
            ref = _REF.search(m.group(2))
            if m.group(1) == b"row":
                self._row = int(ref.group(2)) if ref else self._row + 1
                self._column = 0
            else:
                self._column = _column_number(ref.group(1)) if ref else self._column + 1
                if ref:
                    self._row = max(self._row, int(ref.group(2)))
            self.rows, self.columns = max(self.rows, self._row), max(self.columns, self._column)


_TAG = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>")
_REF = re.compile(rb'\br="([A-Z]*)([0-9]+)"')


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Zip part → sheet name, for messages; empty when the workbook does not say."""
    try:
        workbook = (
            book.read("xl/workbook.xml") if book.getinfo("xl/workbook.xml").file_size < MB else b""
        )
        rels = book.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return {}
    targets = dict(re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets |= {k: v for v, k in re.findall(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    names = {}
    for sheet_name, rid in re.findall(
        rb'<(?:\w+:)?sheet\s[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"', workbook
    ):
        target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        names[part] = sheet_name.decode("utf-8", "replace")
    return names


def _check_xlsx(data: bytes, name: str, limits: Limits) -> None:
    """Every part decompressed once, capped; every sheet within the row/column/cell limits."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        infos = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _damaged(name) from None
    cap = limits.import_max_unpacked_bytes
    declared = sum(i.file_size for i in infos)
    if declared > cap:
        raise _too_big(name, f"解压后共{declared / MB:.0f}MB", f"{cap / MB:g}MB",
                       "import_max_unpacked_bytes")  # fmt: skip
    sheets = _sheet_names(book)
    total = 0
    for info in infos:
        sheet = sheets.get(info.filename, info.filename)
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            total += _unpack(book, info, name, cap - total, None, limits)
            continue
        extent = _SheetExtent()
        size = _unpack(book, info, name, cap - total, (extent, sheet), limits)
        if extent.unreferenced:
            # Rare (programs other than Excel/WPS may omit cell references): a second,
            # exact pass that follows every tag.
            extent = _SheetExtent(exact=True)
            size = _unpack(book, info, name, cap - total, (extent, sheet), limits)
        total += size


def _unpack(
    book: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    room: int,
    sheet: tuple[_SheetExtent, str] | None,
    limits: Limits,
) -> int:
    """Decompress one part in a stream (CRC checked at its end), at most `room` bytes."""
    size, carry = 0, b""
    cap = limits.import_max_unpacked_bytes
    try:
        with book.open(info) as part:
            while chunk := part.read(_CHUNK):
                size += len(chunk)
                if size > room:
                    raise _too_big(name, "解压后超过大小上限", f"{cap / MB:g}MB",
                                   "import_max_unpacked_bytes")  # fmt: skip
                if sheet is None:
                    continue
                extent, sheet_name = sheet
                # Whole tags only: the tail after the last ">" goes with the next chunk.
                text = carry + chunk
                cut = text.rfind(b">") + 1
                carry = text[cut:][-4096:]
                extent.scan(text[:cut])
                _check_extent(extent, sheet_name, name, limits)
                if extent.unreferenced and not extent.exact:
                    return size  # the caller starts the exact pass
    except LedgerFileError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        raise _damaged(name) from None
    return size


def _check_extent(extent: _SheetExtent, sheet: str, name: str, limits: Limits) -> None:
    rows, columns = extent.rows, extent.columns
    if extent.dimension:
        rows, columns = max(rows, extent.dimension[0]), max(columns, extent.dimension[1])
    where = f"的工作表“{sheet}”"
    if rows > limits.import_max_rows:
        raise _too_big(
            name, f"{where}至少有{rows}行", f"{limits.import_max_rows}行", "import_max_rows"
        )
    if columns > limits.import_max_columns:
        raise _too_big(name, f"{where}至少有{columns}列", f"{limits.import_max_columns}列",
                       "import_max_columns")  # fmt: skip
    if rows * columns > limits.import_max_cells:
        raise _too_big(name, f"{where}至少有{rows}行×{columns}列", f"{limits.import_max_cells}个单元格",
                       "import_max_cells")  # fmt: skip


def _check_cells(grid: Grid, name: str, limits: Limits) -> None:
    longest = limits.import_max_cell_chars
    for r, row in enumerate(grid.values):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > longest:
                raise _too_big(name, f"第{r + 1}行第{c + 1}列的单元格有{len(value)}个字符",
                               f"{longest}个字符", "import_max_cell_chars")  # fmt: skip


def _damaged(name: str) -> LedgerFileError:
    return LedgerFileError(
        f"文件“{name}”无法作为电子表格读取(可能已损坏或不是 Excel 文件),"
        "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入"
    )


def _read_workbook(data: bytes, kind: str, sheet: str | None, name: str) -> Grid:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _encrypted(name) from None
    except Exception:
        raise _damaged(name) from None
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
    """CSV text in UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030; None when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # the BOM says which byte order, and is dropped
        except UnicodeDecodeError:
            return None
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


def _read_csv(data: bytes, name: str, limits: Limits) -> Grid:
    text = decode_text(data)
    if text is None or "\x00" in text:
        raise _not_a_spreadsheet(name)
    sample = text[:20_000]
    counts = {d: sample.count(d) for d in (",", "\t", ";", ",")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        delimiter = ","
    rows = _csv_rows(text, delimiter, name, limits)
    if not any(any(v is not None for v in row) for row in rows):
        raise LedgerFileError(f"文件“{name}”没有内容,请检查是否选错了文件")
    if max(len(r) for r in rows) < 2:
        raise _not_a_spreadsheet(name)
    return Grid(values=rows, sheet_name=Path(name).stem, file_kind="csv", sheet_names=[])


def _csv_rows(text: str, delimiter: str, name: str, limits: Limits) -> list[list[Cell]]:
    longest = limits.import_max_cell_chars
    previous = csv.field_size_limit()
    # The csv module refuses a longer field itself (its own default, 131,072, ended in a
    # traceback); the refusal names our setting.
    csv.field_size_limit(longest)
    rows: list[list[Cell]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) >= limits.import_max_rows:
                raise _too_big(name, f"超过{limits.import_max_rows}行", f"{limits.import_max_rows}行",
                               "import_max_rows")  # fmt: skip
            if len(row) > limits.import_max_columns:
                raise _too_big(name, f"第{reader.line_num}行有{len(row)}列",
                               f"{limits.import_max_columns}列", "import_max_columns")  # fmt: skip
            rows.append([_clean(v) for v in row])
    except csv.Error:
        raise _too_big(name, f"第{reader.line_num}行有单元格过长", f"{longest}个字符",
                       "import_max_cell_chars") from None  # fmt: skip
    finally:
        csv.field_size_limit(previous)
    return rows


def _not_a_spreadsheet(name: str) -> LedgerFileError:
    return LedgerFileError(
        f"文件“{name}”不是电子表格:请导入 Excel(.xlsx / .xls)、逗号分隔的 CSV 或 Unicode 文本文件"
    )


def read_grid(path: Path, sheet: str | None = None, *, limits: Limits | None = None) -> Grid:
    """The chosen sheet of the file (default: the first with data) as a Grid, within `limits`."""
    limits = limits or Limits()
    name = path.name
    data = _read_bounded(path, limits)
    if not data.strip():
        raise LedgerFileError(f"文件“{name}”是空文件,没有可导入的内容")
    if data.startswith(CFB_SIGNATURE):
        if any(stream in data for stream in _ENCRYPTED_STREAMS):
            raise _encrypted(name)
        grid = _read_workbook(data, "xls", sheet, name)
    elif data.startswith(ZIP_SIGNATURE):
        _check_xlsx(data, name, limits)
        grid = _read_workbook(data, "xlsx", sheet, name)
    else:
        if sheet is not None:
            raise LedgerFileError(f"CSV 文件“{name}”没有工作表,请不要指定工作表", field="sheet")
        grid = _read_csv(data, name, limits)
    del data
    if len(grid.values) > limits.import_max_rows:
        raise _too_big(name, f"的工作表“{grid.sheet_name}”有{len(grid.values)}行",
                       f"{limits.import_max_rows}行", "import_max_rows")  # fmt: skip
    if grid.width > limits.import_max_columns:
        raise _too_big(name, f"的工作表“{grid.sheet_name}”有{grid.width}列",
                       f"{limits.import_max_columns}列", "import_max_columns")  # fmt: skip
    _check_cells(grid, name, limits)
    if not any(any(v is not None for v in row) for row in grid.values):
        raise LedgerFileError(f"文件“{name}”的工作表“{grid.sheet_name}”没有内容")
    return grid
