"""Validated input for registration. Table classes do not validate, these do.

Messages are Chinese and name the field; `ledger.inputs.validated` turns pydantic's
errors into one InvalidInputError. The `*Create` models take what a person types or a
ledger cell holds (立行立改 / 限期整改 / 长期坚持, several units in one cell, a date as
2026年12月31日), so the command line, the import and the web read it alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, field_validator, model_validator

from ledger.errors import InvalidInputError
from models.cadence import parse_cadence
from models.enums import Role, SourceKind, TaskKind

M = TypeVar("M", bound=BaseModel)

_DATE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$")


def parse_date(value: str, label: str, *, field: str = "") -> date:
    """A date as users type it: 2026-12-31, 2026/12/31, 2026年12月31日. `label` is the
    field's Chinese name in the message, `field` its name for the front end."""
    match = _DATE.match(value or "")
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise InvalidInputError(f"{label}“{value}”不是有效日期,请写成 2026-12-31 的形式", field=field)


E = TypeVar("E", bound=StrEnum)


def parse_choice(value: str, enum: type[E], label: str, *, field: str = "") -> E:
    """One of an enumeration's values, given as its code (red) or its Chinese word (红灯)."""
    text = (value or "").strip()
    for member in enum:
        if text in (member.value, getattr(member, "label", member.value)):
            return member
    words = "/".join(getattr(m, "label", m.value) for m in enum)
    codes = "/".join(m.value for m in enum)
    allowed = words if words == codes else f"{words}(或 {codes})"
    raise InvalidInputError(f"{label}“{value}”无法识别,可选:{allowed}", field=field)


def split_units(text: str) -> list[str]:
    """Several units in one cell: separated by 、 , ; / or line breaks; first is the lead."""
    parts = re.split(r"[、,,;;/\n\r]+", text or "")
    seen: list[str] = []
    for part in (p.strip() for p in parts):
        if part and part not in seen:
            seen.append(part)
    return seen


def responsible_units(lead: str, co: str | Iterable[str] = ()) -> list[str]:
    """The lead unit first, then the co-units, once each; every cell may name several
    (split as `split_units` does), and the first unit of the lead cell is the lead."""
    cells = [lead, *([co] if isinstance(co, str) else co)]
    names: list[str] = []
    for cell in cells:
        names.extend(n for n in split_units(cell) if n not in names)
    return names


# What people write for a task's kind: the Chinese words, the short 限期, the codes.
KIND_WORDS: dict[str, TaskKind] = {
    **{k.value: k for k in TaskKind},
    **{k.label: k for k in TaskKind},
    "限期": TaskKind.dated,
}


def kind_of(value: str | TaskKind) -> TaskKind:
    """立行立改 / 限期整改 (限期) / 长期坚持, or immediate / dated / ongoing."""
    if isinstance(value, TaskKind):
        return value
    kind = KIND_WORDS.get((value or "").strip())
    if kind is None:
        raise ValueError(
            f"任务类型“{value}”无法识别,可选:立行立改/限期整改/长期坚持(或 immediate/dated/ongoing)"
        )
    return kind


def parse_kind(value: str) -> TaskKind:
    """`kind_of` outside a model (a correction): refused as an input error on `kind`."""
    try:
        return kind_of(value)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="kind") from None


def validated(model: type[M], **data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        messages = []
        fields = []
        for err in exc.errors():
            if err["loc"]:
                fields.append(str(err["loc"][0]))
            ctx_error = (err.get("ctx") or {}).get("error")
            messages.append(
                str(ctx_error) if ctx_error else f"{'.'.join(map(str, err['loc']))}:{err['msg']}"
            )
        raise InvalidInputError(";".join(messages), field=fields[0] if fields else "") from None


def _not_blank(value: str, label: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{label}不能为空")
    return value.strip()


class InspectionCreate(BaseModel):
    source_kind: str = SourceKind.xunshi.value
    body: str
    subject: str = ""
    inspected_org: str = ""
    feedback_date: date | None = None  # None: not known yet (an imported ledger without one)
    plan_doc_no: str = ""
    title: str = ""
    report_cadence: str | None = None  # 报送周期 (models.cadence); None: rectify.toml's default

    @field_validator("report_cadence")
    @classmethod
    def _cadence(cls, v: str | None) -> str | None:
        # A RuleError is a ValueError: pydantic reports its Chinese message as it is.
        return None if v is None or not v.strip() else parse_cadence(v).spec

    @field_validator("source_kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        allowed = [k.value for k in SourceKind]
        if v not in allowed:
            raise ValueError(f"来源类型“{v}”无法识别,请填写 {'/'.join(allowed)} 之一")
        return v

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        return _not_blank(v, "巡视(察)机构")


class ProblemCreate(BaseModel):
    inspection_id: int
    description: str
    serial: str = ""
    category: str = ""
    goal: str = ""

    @field_validator("description")
    @classmethod
    def _description(cls, v: str) -> str:
        return _not_blank(v, "问题描述")


class TaskCreate(BaseModel):
    problem_id: int
    measure: str
    lead_unit: str
    co_units: list[str] = []
    leader: str = ""
    person: str = ""
    kind: TaskKind = TaskKind.dated
    deadline: date | None = None
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _units(cls, data: Any) -> Any:
        """“县科技局、财务股” in the lead unit's cell: the first leads, the rest co-operate."""
        if isinstance(data, dict) and isinstance(data.get("lead_unit"), str):
            units = responsible_units(data["lead_unit"], data.get("co_units") or ())
            data = {**data, "lead_unit": units[0] if units else "", "co_units": units[1:]}
        return data

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: str | TaskKind) -> TaskKind:
        return kind_of(v)

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        if not v.strip():
            return None
        try:
            return parse_date(v, "整改时限", field="deadline")
        except InvalidInputError as exc:
            raise ValueError(exc.message) from None

    @field_validator("measure")
    @classmethod
    def _measure(cls, v: str) -> str:
        return _not_blank(v, "整改措施")

    @field_validator("lead_unit")
    @classmethod
    def _lead(cls, v: str) -> str:
        return _not_blank(v, "牵头单位")


class UserCreate(BaseModel):
    name: str
    role: Role
    unit: str | None = None
    notify_tag: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _not_blank(v, "姓名")
