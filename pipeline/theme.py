"""The theme: templates, stylesheets, icons, fonts and the words it prints.

Everything presentational is found through here, so a missing theme file is
one clear error naming it, and the renderers never guess paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from .errors import PipelineError
from .model import Loc
from .yamlfile import parse_yaml

REQUIRED_FILES = (
    "theme.yml",
    "strings.yml",
    "print.css",
    "print-edition.css",
    "fonts/fonts.css",
    "templates/book.html.j2",
)


@dataclass
class Theme:
    root: Path
    options: dict[str, Any]
    strings: dict[str, str]
    env: jinja2.Environment = field(repr=False)

    def path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise PipelineError(f"theme file '{self.rel(name)}' is missing")
        return path

    def rel(self, name: str) -> str:
        try:
            return str((self.root / name).relative_to(self.root.parent.parent))
        except ValueError:
            return str(self.root / name)

    def render(self, template: str, **context: Any) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise PipelineError(f"theme template '{self.rel('templates/' + str(exc.name))}' is missing") from None
        except jinja2.TemplateSyntaxError as exc:
            where = Loc(self.rel("templates/" + (exc.name or template)), exc.lineno)
            raise PipelineError(f"template error: {exc.message}", where) from None
        except jinja2.UndefinedError as exc:
            raise PipelineError(f"template error in '{template}': {exc.message}") from None


def load_theme(root: Path) -> Theme:
    root = root.resolve()
    if not root.is_dir():
        raise PipelineError(f"theme folder '{root}' does not exist")
    for name in REQUIRED_FILES:
        if not (root / name).is_file():
            raise PipelineError(f"theme file '{root / name}' is missing")
    options = parse_yaml((root / "theme.yml").read_text(encoding="utf-8"), str(root / "theme.yml")) or {}
    strings = parse_yaml((root / "strings.yml").read_text(encoding="utf-8"), str(root / "strings.yml")) or {}
    if not isinstance(strings, dict) or not all(isinstance(v, str) for v in strings.values()):
        raise PipelineError(f"{root / 'strings.yml'}: expected a mapping of names to text")
    if options.get("footnotes", "endnotes") not in ("endnotes", "page-bottom"):
        raise PipelineError(f"{root / 'theme.yml'}: footnotes should be endnotes or page-bottom")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root / "templates")),
        autoescape=jinja2.select_autoescape(["html", "xhtml", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return Theme(root, options, strings, env)
