"""What to build, from which inputs, in which order.

`Project` knows the folders; `build_artifacts` loads the model once and asks
each renderer for its artifacts. Every artifact is written atomically.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PipelineError
from .model import Book
from .theme import Theme

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
    """The source-language edition (see editions.edition_for for any language)."""
    from .editions import edition_for

    return edition_for(project)[0]


def build_pdf(project: Project, edition: Edition, profile: str,
              progress: Callable[[str], None] = lambda message: None, html_text: str | None = None) -> Artifact:
    from .render.pdf import PROFILES, book_html, render_pdf, write_page_map

    name = PROFILES[profile][0]
    out = project.out_dir(edition.lang) / name
    progress(f"{edition.lang}: laying out {name}")
    started = time.perf_counter()
    if html_text is None:  # (the scheduler passes the HTML it has already made)
        html_text = book_html(edition.book, edition.theme, profile, edition.strings,
                              edition.language_name, edition.draft, edition.draft_notice)
    result = render_pdf(html_text, edition.theme, project.allowed_roots(), out, profile)
    if profile == "print":
        # The print edition's pages are the ones a citation "p. 43" means. The
        # map records what the layout was made from, so that a reader of the
        # map (the EPUB's page list) can tell whether it is still current.
        write_page_map(project.out_dir(edition.lang) / "pagemap.json", result.page_map,
                       key=layout_key(project, edition, html_text), pages=result.pages, source=name)
    artifact = Artifact("pdf" if profile == "screen" else "print-pdf", edition.lang, out, result.pages,
                        time.perf_counter() - started)
    edition.artifacts.append(artifact)
    return artifact


def read_page_map(project: Project, lang: str) -> dict[str, int]:
    path = project.out_dir(lang) / "pagemap.json"
    if not path.is_file():
        raise PipelineError(f"page map '{path}' is missing: build the print PDF first")
    page_map = _load_page_map(path)
    if page_map is None:
        raise PipelineError(f"page map '{path}' is not one the print build writes: build the print PDF again")
    return page_map.ids


# -- the print layout's page map: kept current for the EPUB's page list -------

# What the print layout reads besides its HTML: the files the HTML refers to
# (stylesheets, icons), and what those stylesheets import (fonts, images).
_HTML_REF = re.compile(r'(?:href|src)="([^"#?:]+)"')
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_REF = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']""")
# The artifact timestamp (SOURCE_DATE_EPOCH or the book's date) is printed
# nowhere on a page: it must not make a page map stale.
_TIMESTAMP_META = re.compile(r'<meta name="dcterms\.(?:created|modified)" content="[^"]*" />')


def file_digest(path: Path) -> bytes:
    """A file's SHA-256, read once per process (input keys, content keys and
    the page map's key all cover the theme's 35 MB of fonts)."""
    stat = path.stat()
    return _digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def _layout_files(html_text: str, base: Path) -> list[Path]:
    """Every local file the print HTML pulls in, directly or through a stylesheet."""
    seen: set[Path] = set()
    todo = [base / ref for ref in _HTML_REF.findall(html_text)]
    # and what the document's own <style> blocks load (the icons, as backgrounds)
    for match in _CSS_REF.finditer(_CSS_COMMENT.sub("", html_text)):
        ref = (match.group(1) or match.group(2)).strip()
        if ":" not in ref and not ref.startswith("#"):
            todo.append(base / ref)
    while todo:
        path = todo.pop().resolve()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".css" and path.is_file():
            css = _CSS_COMMENT.sub("", path.read_text(encoding="utf-8", errors="replace"))
            for match in _CSS_REF.finditer(css):
                ref = (match.group(1) or match.group(2)).strip()
                if ":" not in ref and not ref.startswith("#"):
                    todo.append(path.parent / ref)
    return sorted(seen)


def layout_key(project: Project, edition: Edition, html_text: str | None = None) -> str:
    """A content hash of everything the print edition's layout is made from.

    The print HTML (the book model, the theme's words and its template, as
    rendered), the theme's options, every file the HTML and its stylesheets
    load (stylesheets, fonts, icons) and the versions of the pipeline and of
    WeasyPrint. Other theme files (the EPUB's, the factsheets') do not count.
    """
    from importlib.metadata import version

    from . import __version__
    from .render.pdf import book_html

    if html_text is None:
        html_text = book_html(edition.book, edition.theme, "print", edition.strings,
                              edition.language_name, edition.draft, edition.draft_notice)
    theme_dir = edition.theme.root
    digest = hashlib.sha256()
    digest.update(f"compendium {__version__} weasyprint {version('weasyprint')}\n".encode())
    digest.update(_TIMESTAMP_META.sub("", html_text).encode("utf-8"))
    for path in [theme_dir / "theme.yml", *_layout_files(html_text, theme_dir)]:
        try:
            name = path.relative_to(theme_dir).as_posix()
        except ValueError:
            name = str(path)
        digest.update(f"\0{name}\0".encode())
        digest.update(file_digest(path) if path.is_file() else b"missing")
    return "sha256:" + digest.hexdigest()


# Bounds on what is read back from build/: the Compendium has about 130
# pages and its map about 60 KB.
MAX_PAGES = 10_000
MAX_PAGE_MAP_BYTES = 16 * 1024 * 1024


@dataclass
class PageMap:
    """Which page of the print edition each id lands on (build/<lang>/pagemap.json)."""

    path: Path
    key: str
    pages: int | None
    ids: dict[str, int]


def _load_page_map(path: Path) -> PageMap | None:
    """The page map at `path`, or None when it is missing or does not fit (then it is rebuilt).

    The map is read back from build/, so it is input like any other: bounded
    in size, every page number within the page count and the page count
    within MAX_PAGES (a `pages: 10**30` must not drive a loop or an allocation).
    """
    try:
        if path.stat().st_size > MAX_PAGE_MAP_BYTES:
            return None
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("ids"), dict) or not isinstance(data.get("key"), str):
        return None
    pages = data.get("pages")
    if not (isinstance(pages, int) and not isinstance(pages, bool) and 1 <= pages <= MAX_PAGES):
        return None
    ids: dict[str, int] = {}
    for ident, page in data["ids"].items():
        if not (isinstance(page, int) and not isinstance(page, bool) and 1 <= page <= pages):
            return None
        ids[ident] = page
    return PageMap(path, data["key"], pages, ids)


def ensure_page_map(project: Project, edition: Edition,
                    progress: Callable[[str], None] = lambda message: None) -> PageMap:
    """The print edition's page map, laying the print edition out again only when
    the map is missing or was made from other inputs than the current ones."""
    path = project.out_dir(edition.lang) / "pagemap.json"
    key = layout_key(project, edition)
    current = _load_page_map(path)
    if current is not None and current.key == key:
        return current
    why = "missing" if not path.exists() else "out of date" if current is not None else "unreadable"
    progress(f"{edition.lang}: the print page map is {why}: laying out the print edition again")
    build_pdf(project, edition, "print", progress)
    current = _load_page_map(path)
    if current is None or current.key != key:
        raise PipelineError(f"page map '{path}' was not written by the print build")
    return current
