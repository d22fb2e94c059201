"""Finding the header of a ledger: which row it is on, and which column holds what.

Offices put a title and a 填报单位 line above the header, sometimes a header over two
rows (整改情况 over 整改进展 / 完成情况), columns in any order and under many names.
The header is the row, among the first ones, that names the most known columns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from ledger.errors import InvalidInputError
from ledger.importing.reading import Grid

# Field → the names offices give the column. Exact names first; a longer label that
# contains one of these (整改措施(具体)) is matched by the longest name it contains.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "serial": ("序号", "编号", "问题序号", "问题编号", "事项编号", "顺序号", "项目序号"),
    "category": ("问题类别", "问题类型", "问题分类", "类别", "所属方面", "问题领域"),
    "problem": (
        "问题",
        "问题描述",
        "反馈问题",
        "巡视反馈问题",
        "巡察反馈问题",
        "巡视发现问题",
        "巡察发现问题",
        "审计发现问题",
        "问题清单",
        "存在问题",
        "存在的问题",
        "主要问题",
        "具体问题",
        "问题表现",
        "问题内容",
        "反馈意见",
        "整改问题",
        # What 巡查 / 督办 systems call the problem's description.
        "问题详情",
        "问题详情描述",
        "问题详细描述",
        "具体表现",
        "问题具体表现",
    ),
    "goal": ("整改目标", "目标", "整改要求", "预期目标", "目标要求"),
    "measure": (
        "整改措施",
        "整改任务",
        "具体措施",
        "具体整改措施",
        "整改举措",
        "措施",
        "任务",
        "工作措施",
        "任务清单",
        "措施清单",
    ),
    "leader": ("责任领导", "牵头领导", "分管领导", "责任领导人", "牵头责任领导", "包保领导"),
    "lead_unit": (
        "责任单位",
        "牵头单位",
        "主责单位",
        "整改责任单位",
        "责任部门",
        "牵头部门",
        "主责部门",
        "责任科室",
        "牵头科室",
        "责任主体",
        "所属部门",
        "整改部门",
        "承办单位",
        "承办部门",
        "责任处室",
    ),
    "co_units": (
        "配合单位",
        "协办单位",
        "协同单位",
        "参与单位",
        "配合部门",
        "协办部门",
        "配合科室",
    ),
    "person": ("责任人", "具体责任人", "直接责任人", "具体负责人", "经办人", "联系人"),
    "deadline": (
        "整改时限",
        "完成时限",
        "时限要求",
        "时限",
        "完成时间",
        "整改期限",
        "完成期限",
        "整改时间",
        "办结时限",
        "截止时间",
        "计划完成时间",
        "整改截止日期",
        "截止日期",
        "计划完成日期",
        "办结期限",
    ),
    "kind": ("整改类型", "任务类型", "时限类型", "整改方式", "整改性质", "类型"),
    "progress": (
        "整改进展",
        "进展情况",
        "目前进展",
        "最新进展",
        "工作进展",
        "进展",
        "推进情况",
        "落实情况",
        "整改进度",
        "进度",
        "最新整改反馈",
        "整改反馈",
        "最新反馈",
    ),
    "completion": ("完成情况", "整改完成情况", "整改情况", "整改结果", "是否完成", "完成进度"),
    "status": ("状态", "整改状态", "任务状态", "销号状态", "销号情况", "是否销号"),
    "note": ("备注", "其他"),
}
# Columns the exported ledger adds; recognised so they are not reported as unknown.
DERIVED = (
    "剩余天数",
    "超期天数",
    "预警",
    "灯",
    "进展日期",
    "填报日期",
    "亮灯",
    "配合单位完成情况",
)
# No measure column: one row per problem, each problem its own single measure.
REQUIRED = ("problem", "lead_unit", "deadline")
FIELD_LABELS = {
    "serial": "序号",
    "category": "问题类别",
    "problem": "问题",
    "goal": "整改目标",
    "measure": "整改措施",
    "leader": "责任领导",
    "lead_unit": "责任单位",
    "co_units": "配合单位",
    "person": "责任人",
    "deadline": "整改时限",
    "kind": "整改类型",
    "progress": "整改进展",
    "completion": "完成情况",
    "status": "状态",
    "note": "备注",
}
_EXACT = {name: f for f, names in SYNONYMS.items() for name in names}
_BY_LENGTH = sorted(_EXACT, key=len, reverse=True)
_PARENS = re.compile(r"[((【\[].*?[))】\]]")
_NOISE = re.compile(r"[\s*※:：、._\-—]+")
_SCAN_ROWS = 30
_MAX_LABEL = 14  # longer cells are content, not a column name


def normalise_label(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return _NOISE.sub("", _PARENS.sub("", text))


def field_of(value: object) -> str | None:
    """The field a header cell names, or None ("derived" for the export's own columns)."""
    return match_of(value)[0]


def match_of(value: object) -> tuple[str | None, int]:
    """The field a header cell names and how surely: an exact name beats a longer label
    that contains one (问题详情描述 is the problem; 问题标题 only contains 问题)."""
    if not isinstance(value, str):
        return None, 0
    label = normalise_label(value)
    if not label or len(label) > _MAX_LABEL:
        return None, 0
    if label in _EXACT:
        return _EXACT[label], 100 + len(label)
    if label in DERIVED:
        return "derived", 100
    for name in _BY_LENGTH:
        if name in label:
            return _EXACT[name], len(name)
    return None, 0


@dataclass
class Header:
    last_row: int  # index of the header's last row; data starts below it
    columns: dict[str, int]  # field → column index
    labels: dict[str, str]  # field → the column's name as written in the file
    ignored: list[str] = field(default_factory=list)  # columns not used
    # Columns kept as written on each task (column index → name): those rectify has no
    # field for, never an error.
    extra: dict[int, str] = field(default_factory=dict)
    title: str = ""
    reporter: str = ""  # 填报单位
    feedback_date: date | None = None  # 反馈日期 / 反馈时间
    # 填报时间: when the ledger was filled in. An upper bound of the feedback date (the round
    # was fed back before its ledger was filled), never the feedback date itself; the date
    # the ledger's progress column speaks for.
    filled_on: date | None = None
    doc_no: str = ""  # 文号 of the 整改方案, when the ledger names it


def _row_fields(row: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, value in enumerate(row):
        f = field_of(value)
        if f and f != "derived" and f not in found:
            found[f] = c
    return found


def _is_second_header_row(grid: Grid, h: int) -> bool:
    """Row h+1 names columns the row above leaves general (整改情况 over 整改进展 / 完成情况)."""
    if h + 1 >= len(grid.values):
        return False
    upper, lower = grid.values[h], grid.values[h + 1]
    if len({v for v in lower if v is not None}) < 2:
        return False  # one value across the row is a heading (一、政治建设方面), not names
    named = 0
    for c, value in enumerate(lower):
        if value is None or (h + 1, c) in grid.continued:
            continue
        f = field_of(value)
        if f is None:
            return False  # content, not a column name: the data starts here
        above = upper[c] if c < len(upper) else None
        if value != above:
            named += 1
    return named > 0


_TITLE_HINT = re.compile(r"台账|清单|整改|问题|情况表|统计表")
_REPORTER = re.compile(r"填报单位\s*[::]?\s*([^\s::]+?)(?:\s|填报|日期|时间|联系|$)")
_DATE = r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
_FEEDBACK = re.compile(r"反馈(?:日期|时间)\s*[::]?\s*" + _DATE)
_FILLED = re.compile(r"(?:填报|填表|报送|制表)(?:日期|时间)\s*[::]?\s*" + _DATE)
# 六盘水扶领办发〔2018〕24号: an issuing code, a bracketed year, a number.
_DOC_NO = re.compile(
    r"(?:文号\s*[::]?\s*)?([\u4e00-\u9fa5A-Za-z]{1,20}[〔\[(（]\d{4}[〕\])）]\d{1,5}号)"
)


def _date_in(line: str, pattern: re.Pattern[str], label: str) -> date | None:
    from ledger.inputs import parse_date

    m = pattern.search(line)
    if not m:
        return None
    text = re.sub(r"\s", "", m.group(1))
    text = re.sub(r"[年月/.]", "-", text).rstrip("日")
    try:
        return parse_date(text, label)
    except InvalidInputError:
        return None


def _preamble(grid: Grid, header_row: int, header: Header) -> None:
    """The round's facts offices write above the header: 标题, 填报单位, 填报时间, 反馈日期, 文号."""
    for row in grid.values[:header_row]:
        texts = list(dict.fromkeys(str(v) for v in row if v is not None))
        if not texts:
            continue
        line = " ".join(texts)
        if m := _REPORTER.search(line):
            header.reporter = _PARENS.sub("", m.group(1))[:200]
        header.feedback_date = header.feedback_date or _date_in(line, _FEEDBACK, "反馈日期")
        header.filled_on = header.filled_on or _date_in(line, _FILLED, "填报时间")
        if not header.doc_no and (m := _DOC_NO.search(line)):
            header.doc_no = m.group(1)[:200]
        is_facts_line = bool(re.search(r"填报|反馈(?:日期|时间)|文号", line))
        if not header.title and not is_facts_line and _TITLE_HINT.search(texts[0]):
            header.title = texts[0].replace("\n", "")[:400]


def find_header(grid: Grid, *, file_name: str) -> Header:
    """Locate the header; a clear error listing found and needed columns when it is not there."""
    best_row, best = -1, dict[str, int]()
    for r, row in enumerate(grid.values[:_SCAN_ROWS]):
        fields = _row_fields(row)
        if len(fields) > len(best):
            best_row, best = r, fields
    if len(best) < 3 or not ({"problem", "measure"} & best.keys()):
        raise InvalidInputError(
            f"文件“{file_name}”(工作表“{grid.sheet_name}”)的前{_SCAN_ROWS}行中找不到表头:"
            f"台账须有“问题”“整改措施”“责任单位”“整改时限”等列名,请检查是否选错了文件或工作表"
        )
    rows = [best_row, best_row + 1] if _is_second_header_row(grid, best_row) else [best_row]
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    scores: dict[str, int] = {}
    named: list[tuple[int, str, str | None]] = []
    for c in range(grid.width):
        label = _label_at(grid, rows, c)
        if label is None:
            continue
        f, score = match_of(label)
        if f == "derived":
            continue
        named.append((c, str(label).replace("\n", ""), f))
        if f is not None and score > scores.get(f, -1):
            columns[f], labels[f], scores[f] = c, str(label).replace("\n", ""), score
    used = set(columns.values())
    extra = {c: text for c, text, _f in named if c not in used}
    last = rows[-1]
    header = Header(
        last_row=last,
        columns=columns,
        labels=labels,
        ignored=list(extra.values()),
        extra=extra,
    )
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        found = "、".join(f"“{labels[f]}”" for f in columns) or "无"
        needed = "、".join(f"“{FIELD_LABELS[f]}”" for f in missing)
        raise InvalidInputError(
            f"文件“{file_name}”第{best_row + 1}行的表头缺少必需的列 {needed};"
            f"已识别的列:{found}。请在表头补上这些列(可用同义列名,如 责任单位/牵头单位、整改时限/完成时限)"
        )
    _preamble(grid, best_row, header)
    return header


def _label_at(grid: Grid, rows: list[int], c: int) -> object:
    """The column's name: the lower header row's when it names a column, else the upper's."""
    values = [grid.values[r][c] if c < len(grid.values[r]) else None for r in rows]
    for value in reversed(values):
        if value is not None and field_of(value) is not None:
            return value
    return next((v for v in values if v is not None), None)
