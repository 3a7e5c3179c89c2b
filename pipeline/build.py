"""What to build, from which inputs, in which order.

`Project` knows the folders; `build_artifacts` loads the model once and asks
each renderer for its artifacts. Every artifact is written atomically.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PipelineError
from .load import load_book
from .model import Book
from .theme import Theme, load_theme

FORMATS = ("pdf", "print-pdf", "epub", "factsheets")


@dataclass
class Project:
    root: Path
    source: Path
    theme_dir: Path
    build: Path

    @classmethod
    def at(cls, root: Path, source: Path | None = None, theme: Path | None = None,
           build: Path | None = None) -> Project:
        root = root.resolve()
        return cls(
            root,
            (source or root / "source").resolve(),
            (theme or root / "themes" / "default").resolve(),
            (build or root / "build").resolve(),
        )

    def out_dir(self, lang: str) -> Path:
        return self.build / lang

    def allowed_roots(self) -> list[Path]:
        """What rendering may read: the theme and the source, nothing else."""
        return [self.theme_dir, self.source]


@dataclass
class Artifact:
    kind: str
    lang: str
    path: Path
    pages: int | None = None
    seconds: float = 0.0


@dataclass
class Edition:
    """One language's model and the words its theme prints."""

    book: Book
    theme: Theme
    strings: dict[str, str]
    lang: str
    language_name: str
    draft: bool
    draft_notice: str = ""
    artifacts: list[Artifact] = field(default_factory=list)


def english_edition(project: Project) -> Edition:
    book = load_book(project.source)
    theme = load_theme(project.theme_dir)
    return Edition(book, theme, dict(theme.strings), book.meta.language, "English", False)


def build_pdf(project: Project, edition: Edition, profile: str,
              progress: Callable[[str], None] = lambda message: None) -> Artifact:
    from .render.pdf import PROFILES, book_html, render_pdf, write_page_map

    name = PROFILES[profile][0]
    out = project.out_dir(edition.lang) / name
    progress(f"{edition.lang}: laying out {name}")
    started = time.perf_counter()
    html_text = book_html(edition.book, edition.theme, profile, edition.strings,
                          edition.language_name, edition.draft, edition.draft_notice)
    result = render_pdf(html_text, edition.theme, project.allowed_roots(), out, profile)
    if profile == "print":
        # The print edition's pages are the ones a citation "p. 43" means.
        write_page_map(project.out_dir(edition.lang) / "pagemap.json", result.page_map, key=name)
    artifact = Artifact("pdf" if profile == "screen" else "print-pdf", edition.lang, out, result.pages,
                        time.perf_counter() - started)
    edition.artifacts.append(artifact)
    return artifact


def read_page_map(project: Project, lang: str) -> dict[str, int]:
    path = project.out_dir(lang) / "pagemap.json"
    if not path.is_file():
        raise PipelineError(f"page map '{path}' is missing: build the print PDF first")
    return json.loads(path.read_text(encoding="utf-8"))["ids"]
