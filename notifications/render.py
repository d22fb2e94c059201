"""Rendering notices from Jinja2 templates, one family per kind.

Templates live in notifications/templates as `<kind>.title.j2`, `<kind>.text.j2`,
`<kind>.html.j2` and `<kind>.md.j2`. An office may override any of them by putting a file of
the same name in its own folder (RECTIFY_TEMPLATES). StrictUndefined turns a missing value
into an error instead of a blank in an official notice; HTML templates autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.wording import cn_date  # noqa: F401  (templates and callers use it from here)
from notifications.errors import TemplateError

if TYPE_CHECKING:
    import jinja2

SHIPPED = Path(__file__).parent / "templates"
PARTS = ("title", "text", "html", "md")
BODIES = ("html", "md")  # the parts a channel may read instead of the text


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str
    html: str
    md: str


# Characters that make Markdown out of text: emphasis, code, links and images, headings,
# lists, quotes, tables, HTML. Each is backslash-escaped (CommonMark: any ASCII punctuation
# may be), so a measure reading `[点击查看](http://…)` stays those characters on the screen.
_MD_SPECIAL = {ord(c): "\\" + c for c in "\\`*_{}[]()<>#+-.!|~"}


def md_text(value: Any) -> str:
    """Ledger text inside a Markdown body: read as text, never as links, images, headings or
    markup. Line breaks become spaces (a line of its own could start a heading or a list)
    and URLs lose their scheme separator, so no receiver turns them into live links."""
    if value is None:
        return ""
    text = " ".join(str(value).splitlines())
    text = text.translate(_MD_SPECIAL)
    # "." is escaped already, which keeps bare domains (www\.example\.cn) from autolinking.
    return text.replace("://", ":\\/\\/")


def md_cell(value: Any) -> str:
    """Ledger text safe inside a Markdown table cell: escaped as md_text (pipes included)."""
    return md_text(value)


def cn_date_any(value: date | datetime | str | None) -> str:
    """cn_date for dates as decision notices carry them (ISO strings in JSON)."""
    if isinstance(value, str):
        return cn_date(date.fromisoformat(value[:10])) if value else ""
    return cn_date(value)


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None) -> jinja2.Environment:
    import jinja2  # with the first notice rendered: a run with nothing to say needs none

    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir), encoding="utf-8"))
    loaders.append(jinja2.FileSystemLoader(str(SHIPPED), encoding="utf-8"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every render of a digest that includes `_folded.*.j2` asked the file system whether
        # the include had changed (a stat per render, 10,000 digests a catch-up day): each
        # Renderer empties the cache instead, so a template edited between runs is read by
        # the next run.
        auto_reload=False,
    )
    env.filters["cndate"] = cn_date_any
    env.filters["mdcell"] = md_cell
    env.filters["mdtext"] = md_text
    return env


class Renderer:
    """Renders notices of any kind, loading each template once for the renderer's life (one
    run): a run renders thousands of digests, and asking the loader every time costs a
    file-system check per template.

    `bodies`: which of the HTML and Markdown bodies to render (the title and the plain text
    always are: every channel falls back to the text, and the outbox shows it). The daily
    check leaves out a body no configured channel reads (Channels.bodies_read): an office
    mailing every unit renders no Markdown, a quarter of the rendering."""

    def __init__(
        self, templates_dir: Path | None = None, *, bodies: frozenset[str] = frozenset(BODIES)
    ) -> None:
        if templates_dir is not None and not templates_dir.is_dir():
            raise TemplateError(
                f"模板目录 {templates_dir} 不存在,请检查 RECTIFY_TEMPLATES 设置或创建该目录"
            )
        self.templates_dir = templates_dir
        self.parts = [p for p in PARTS if p not in BODIES or p in bodies]
        self._env: jinja2.Environment | None = None
        self._loaded: dict[str, jinja2.Template] = {}

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            self._env = environment(self.templates_dir)
            self._env.cache.clear()  # type: ignore[union-attr]  # templates as now on disk
        return self._env

    def _template(self, name: str) -> jinja2.Template:
        template = self._loaded.get(name)
        if template is None:
            template = self._loaded[name] = self.env.get_template(name)
        return template

    def render(self, kind: str, context: dict[str, Any]) -> Rendered:
        """Title, plain text, HTML and Markdown of one notice kind."""
        import jinja2

        parts: dict[str, str] = {"html": "", "md": ""}
        for part in self.parts:
            name = f"{kind}.{part}.j2"
            try:
                parts[part] = self._template(name).render(context)
            except jinja2.TemplateNotFound:
                where = f"{self.templates_dir} 或 " if self.templates_dir else ""
                raise TemplateError(
                    f"找不到通知模板 {name}(在 {where}{SHIPPED} 中查找);请补上该模板文件"
                ) from None
            except jinja2.UndefinedError as exc:
                raise TemplateError(
                    f"通知模板 {name} 使用了未提供的变量({exc.message});请检查模板中的变量名"
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(
                    f"通知模板 {exc.name or name} 第 {exc.lineno} 行语法有误:{exc.message}"
                ) from None
        title = " ".join(parts["title"].split())
        return Rendered(
            title=title,
            text=parts["text"].strip() + "\n",
            html=parts["html"],
            md=parts["md"].strip() + "\n" if "md" in self.parts else "",
        )


def render(kind: str, context: dict[str, Any], *, templates_dir: Path | None = None) -> Rendered:
    """Title, plain text, HTML and Markdown of one notice kind."""
    return Renderer(templates_dir).render(kind, context)
