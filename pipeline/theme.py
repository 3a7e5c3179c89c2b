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
from .files import project_path, read_source
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
        if not path.is_relative_to(self.root):
            raise PipelineError(f"theme file '{self.rel(name)}' leads outside the theme folder "
                                "(a path or symlink out of it); the theme may use only its own files")
        if not path.is_file():
            raise PipelineError(f"theme file '{self.rel(name)}' is missing")
        return path

    def rel(self, name: str) -> str:
        return _shown(self.root, name)

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


def _shown(root: Path, name: str = "") -> str:
    """A theme file as messages name it: relative to the project (themes/default/print.css)."""
    return project_path(root / name if name else root, root.parent.parent)


def _read_yaml(root: Path, name: str) -> Any:
    return parse_yaml(read_source(root / name, _shown(root, name)), _shown(root, name))


def load_theme(root: Path) -> Theme:
    root = root.resolve()
    if not root.is_dir():
        raise PipelineError(f"theme folder '{_shown(root)}' does not exist")
    for name in REQUIRED_FILES:
        if not (root / name).is_file():
            raise PipelineError(f"theme file '{_shown(root, name)}' is missing")
    options = _read_yaml(root, "theme.yml") or {}
    strings = _read_yaml(root, "strings.yml") or {}
    if not isinstance(options, dict):
        raise PipelineError("expected a mapping of options", Loc(_shown(root, "theme.yml"), 1))
    if not isinstance(strings, dict) or not all(isinstance(v, str) for v in strings.values()):
        bad = next((k for k, v in strings.items() if not isinstance(v, str)), None) \
            if isinstance(strings, dict) else None
        said = f" ('{bad}' is not text)" if bad is not None else ""
        raise PipelineError(f"expected a mapping of names to text{said}", Loc(_shown(root, "strings.yml"), 1))
    if options.get("footnotes", "endnotes") not in ("endnotes", "page-bottom"):
        raise PipelineError("footnotes should be endnotes or page-bottom", Loc(_shown(root, "theme.yml"), 1))
    quotes = options.get("quotes", {})
    if not isinstance(quotes, dict) or not all(
            isinstance(marks, list) and len(marks) == 4 and all(isinstance(m, str) and m for m in marks)
            for marks in quotes.values()):
        raise PipelineError("quotes: expected for each language a list of four marks "
                            "[open, close, inner open, inner close]", Loc(_shown(root, "theme.yml"), 1))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root / "templates")),
        autoescape=jinja2.select_autoescape(["html", "xhtml", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return Theme(root, options, strings, env)
