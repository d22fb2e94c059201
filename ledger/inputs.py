"""Validated input for registration. Table classes do not validate, these do.

Messages are Chinese and name the field; `ledger.inputs.validated` turns pydantic's
errors into one InvalidInputError.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, field_validator

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
