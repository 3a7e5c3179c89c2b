"""The project's types, shared by the build, the formats and the renderers.

`Project` knows the folders; `Edition` is one language's model and words;
`Artifact` is one file a build made; `PageMap` is the print edition's page
of each id. They live here, below the build, so that a renderer can take an
Edition or a PageMap without importing the build that calls it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (a build with nothing to do loads neither)
    from .load import BookHeader
    from .model import Book
    from .theme import Theme


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

    def manifest(self) -> Path:
        """build/manifest.json: every artifact with its path, language, kind, pages, size and hash."""
        return self.build / "manifest.json"

    def book_header(self) -> BookHeader:
        """book.yml's title, source language and languages (the book itself is not loaded)."""
        from .load import read_book_header

        return read_book_header(self.source)

    def cache_dir(self) -> Path:
        """Where builds keep what they may reuse (drawn covers, subset fonts)."""
        return self.build / ".cache"


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


def file_digest(path: Path) -> bytes:
    """A file's SHA-256, read once per process (input keys, content keys and
    the page map's key all cover the theme's 35 MB of fonts)."""
    stat = path.stat()
    return _digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


# Bounds on what is read back from build/: the Compendium has about 130
# pages and its map about 60 KB.
MAX_PAGES = 10_000
MAX_PAGE_MAP_BYTES = 16 * 1024 * 1024
PAGE_MAP_NAME = "pagemap.json"


@dataclass
class PageMap:
    """Which page of the print edition each id lands on (build/<lang>/pagemap.json).

    `key` hashes what the print layout's pages are made from (formats/base.py,
    `page_map_key`): the map is current exactly when those are. `pdf_key` is
    the content key of the print PDF written with it (which also covers the
    PDF's date): what the build hands the map on with.
    """

    path: Path
    key: str
    pages: int | None
    ids: dict[str, int]
    source: str = ""
    pdf_key: str = ""

    def to_bytes(self) -> bytes:
        data: dict[str, object] = {"key": self.key}
        if self.pdf_key:
            data["pdf_key"] = self.pdf_key
        if self.source:
            data["source"] = self.source
        if self.pages is not None:
            data["pages"] = self.pages
        data["ids"] = dict(sorted(self.ids.items()))
        return json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")


def load_page_map(path: Path) -> PageMap | None:
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
    source, pdf_key = data.get("source", ""), data.get("pdf_key", "")
    return PageMap(path, data["key"], pages, ids, source if isinstance(source, str) else "",
                   pdf_key if isinstance(pdf_key, str) else "")
