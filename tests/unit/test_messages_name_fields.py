"""Messages below the command line name fields, never flags or commands: a web form must
not tell its user to pass `--reason` or run `rectify tasks`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ledger.errors import InvalidInputError
from ledger.inputs import TaskCreate, validated
from models.enums import TaskStatus
from models.rules import RuleError, after_return, after_submit

ROOT = Path(__file__).resolve().parents[2]
BELOW_CLI = ["ledger", "notifications", "models", "flows"]
CJK = re.compile(r"[\u4e00-\u9fff]")
FRONT_END_WORDS = re.compile(r"--[a-z]|rectify [a-z]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _user_messages(path: Path) -> list[tuple[int, str]]:
    """Every string literal with Chinese in it (a message a user reads), docstrings aside;
    an f-string counts as the text of its literal parts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            for v in node.values:
                skip.add(id(v))
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        ):
            text = node.value
        else:
            continue
        if CJK.search(text):
            found.append((node.lineno, text))
    return found


def test_no_message_below_the_command_line_names_a_flag_or_a_command() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for folder in BELOW_CLI
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, text in _user_messages(path)
        if FRONT_END_WORDS.search(text)
    ]
    assert offenders == []


def test_the_check_itself_catches_a_flag_in_a_message(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'def f(x):\n    """Docstrings may say --reason."""\n'
        '    raise ValueError(f"退回须写明理由(--reason){x}")\n',
        encoding="utf-8",
    )
    assert [text for _, text in _user_messages(sample) if FRONT_END_WORDS.search(text)] == [
        "退回须写明理由(--reason)"
    ]


def test_a_rule_refusal_names_the_field_it_is_about() -> None:
    with pytest.raises(RuleError) as no_reason:
        after_return(TaskStatus.submitted, reason=" ")
    with pytest.raises(RuleError) as no_evidence:
        after_submit(
            TaskStatus.in_progress, summary="已整改", evidence_count=0, no_evidence_reason=""
        )
    assert (no_reason.value.field, no_evidence.value.field) == ("reason", "evidence")
    assert "退回须写明理由" in str(no_reason.value)


def test_an_invalid_input_names_the_field_pydantic_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        validated(TaskCreate, problem_id=1, measure=" ", lead_unit="县科技局")
    assert refused.value.field == "measure"
    assert refused.value.message == "整改措施不能为空"
