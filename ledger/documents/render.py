"""Renderers shared by every document: Markdown and HTML through Jinja2, Word through docxtpl.

A document's data object names its templates (`template`), the tags a Word template must
use (`required_tags`) and gives its variables (`context()`); the renderers only lay it out.
Templates live in ledger/documents/templates/<name>.md.j2, <name>.html.j2, <name>.docx.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from ledger.errors import RectifyError
from ledger.files import atomic_path

TEMPLATES = Path(__file__).resolve().parent / "templates"


class TemplateError(RectifyError):
    """An office's Word template that cannot be used as it is; the message says what to fix."""


class Document(Protocol):
    template: ClassVar[str]
    required_tags: ClassVar[Mapping[str, str]]

    def context(self) -> dict[str, Any]: ...


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def markdown_escape(text: Any) -> str:
    """Ledger text is not Markdown: escape what would turn into emphasis, links or headings."""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    return re.sub(r"^(\s*)([#>+-])", r"\1\\\2", escaped, flags=re.MULTILINE)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_escape
    return env


_ENV = _environment()


def render_markdown(data: Document) -> str:
    return _ENV.get_template(f"{data.template}.md.j2").render(data.context())


def render_html(data: Document) -> str:
    return _ENV.get_template(f"{data.template}.html.j2").render(data.context())


def default_docx_template(data: Document) -> Path:
    return TEMPLATES / f"{data.template}.docx"


def _load_docx_template(path: Path) -> DocxTemplate:
    if not path.is_file():
        raise TemplateError(f"找不到 Word 模板文件 {path},请检查模板的路径", field="template")
    try:
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise TemplateError(
            f"模板文件 {path} 不是有效的 Word(.docx)文件,请在 Word 中“另存为 .docx”后重试"
        ) from None
    return tpl


def _docx_env() -> jinja2.Environment:
    # Autoescape: ledger text with & or < must not break the document's XML.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def check_docx_template(path: Path, data: Document) -> DocxTemplate:
    """The template's tags against what the data provides: a missing required tag or an
    unknown one is refused with its name, before anything is written."""
    tpl = _load_docx_template(path)
    images = getattr(data, "docx_images", None)
    provided = set(data.context()) | (set(images()) if images else set())
    try:
        used = tpl.get_undeclared_template_variables(_docx_env())
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"模板 {path.name} 中的标记写法有误({exc.message}),"
            "请检查 {{ }} 与 {% %} 是否成对、是否被 Word 拆开"
        ) from None
    missing = [tag for tag in data.required_tags if tag not in used]
    if missing:
        listed = "、".join(f"{{{{ {tag} }}}}({data.required_tags[tag]})" for tag in missing)
        raise TemplateError(
            f"模板 {path.name} 缺少必需的标记 {listed},否则生成的文件会缺少这部分内容;"
            f"请在 Word 中补上后重试,或参照默认模板 {default_docx_template(data).name}"
        )
    unknown = sorted(used - provided)
    if unknown:
        raise TemplateError(
            f"模板 {path.name} 使用了未知的标记 {'、'.join('{{ ' + t + ' }}' for t in unknown)};"
            f"可用的标记有:{'、'.join(sorted(provided))}"
        )
    return tpl


def _image_context(tpl: DocxTemplate, data: Document) -> dict[str, Any]:
    images = getattr(data, "docx_images", None)
    if images is None:
        return {}
    return {
        name: InlineImage(tpl, str(path), width=Mm(width_mm))
        for name, (path, width_mm) in images().items()
    }


def render_docx(data: Document, out: Path, *, template: Path | None = None) -> Path:
    """Writes the Word document to `out` (whole or not at all) and returns its path."""
    path = Path(template) if template else default_docx_template(data)
    tpl = check_docx_template(path, data)
    context = data.context() | _image_context(tpl, data)
    try:
        tpl.render(context, _docx_env(), autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"模板 {path.name} 引用了不存在的内容({exc.message}),请对照默认模板检查标记名称"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"模板 {path.name} 中的标记写法有误({exc.message})") from None
    out = Path(out)
    with atomic_path(out) as tmp:
        tpl.save(tmp)
    return out
