"""The one interface every output format implements.

A format says what it is called (`compendium build NAME`), which files it
makes for a language (and, for factsheets, a sector: a "unit"), which other
formats it reads (the EPUB and the factsheets read the print PDF's page map),
a content key (a hash of what its bytes are made from: when the key is the
one that made the files on disk, nothing is laid out again), and how it
renders: to bytes per output path, which the build writes atomically once
every check has passed, or (the web edition) to a set of files it writes
itself, changing only those that differ.

The scheduler, the `build` command and the manifest know formats only
through this interface and the registry in `formats/__init__.py`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..files import atomic_path
from ..project import Edition, Project, file_digest


@dataclass
class Job:
    """One format, one language (and unit) of one build: what a format's methods get."""

    project: Project
    edition: Edition
    unit: str = ""  # the sector of a factsheet; "" for the other formats
    # name of a format this one needs -> what that format hands over (see
    # Format.hand_over): the print PDF's page map, for the EPUB and factsheets
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prepared:
    """What a format made before laying anything out: its content key, and
    whatever `render` reuses (the HTML, the EPUB's bytes)."""

    key: str  # "" when the format decides for itself what changed (the web edition)
    payload: Any = None


@dataclass
class Rendered:
    """A format's output: the bytes of each file, in the order they are written."""

    files: dict[Path, bytes] = field(default_factory=dict)
    pages: int | None = None
    # what a format that writes its own files (the web edition) says about them
    changed: bool = True


class Format:
    """An output format. Subclasses set the class attributes and implement
    `outputs`, `prepare` and `render`; the rest has defaults."""

    name: ClassVar[str]  # as in `compendium build NAME` and in task names
    help: ClassVar[str]  # one line for `compendium build --help`
    shows: ClassVar[str]  # what it makes, as --help shows it ("compendium.pdf")
    default: ClassVar[bool] = True  # built when no format is named
    needs: ClassVar[tuple[str, ...]] = ()  # formats whose outputs this one reads: built first; their failure is its
    # Reads every other artifact of its language (the web edition offers them
    # for download): it runs after them, and again whenever one is rebuilt.
    reads_editions: ClassVar[bool] = False
    download_word: ClassVar[str] = ""  # theme word for the web edition's downloads; "" = not offered

    # -- what it makes ------------------------------------------------------

    def units(self, project: Project) -> list[str]:
        """The artifacts of one language: [""] for one file per language."""
        return [""]

    def download_units(self, edition: Edition) -> list[str]:
        """The units the web edition offers for download, in reading order."""
        return [""]

    def task_name(self, lang: str, unit: str = "") -> str:
        return f"{lang}/{self.kind(unit)}"

    def kind(self, unit: str = "") -> str:
        """What the manifest calls one artifact of this format."""
        return self.name

    def outputs(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        """Every file this artifact writes (the build's state hashes them)."""
        raise NotImplementedError

    def products(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        """The files the manifest lists: the outputs a reader gets."""
        return self.outputs(project, lang, unit)

    # -- how it is made -----------------------------------------------------

    def prepare(self, job: Job) -> Prepared:
        """Everything before the layout: checks, the content key."""
        raise NotImplementedError

    def hand_over(self, project: Project, lang: str, key: str) -> Any:
        """What this format gives the formats that need it, once its files
        (made from content key `key`) are on disk: nothing by default."""
        return None

    def current(self, job: Job, prepared: Prepared) -> bool:
        """Whether the files on disk are the ones `prepared` would make
        (the key matched the last build's): by default, they all exist."""
        return all(path.is_file() for path in self.outputs(job.project, job.edition.lang, job.unit))

    def render(self, job: Job, prepared: Prepared) -> Rendered:
        raise NotImplementedError

    def write(self, job: Job, rendered: Rendered) -> bool:
        """Write each file atomically, in order; whether anything was written."""
        for path, data in rendered.files.items():
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
        return bool(rendered.files)


# -- content keys: one way for every format laid out from HTML -------------

# What a layout reads besides its HTML: the files the HTML refers to
# (stylesheets, icons), and what those stylesheets import (fonts, images).
_HTML_REF = re.compile(r'(?:href|src)="([^"#?:]+)"')
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_REF = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']""")
# The artifact timestamp (SOURCE_DATE_EPOCH or the book's date) is printed
# nowhere on a page: it must not make a page map stale. (SOURCE_DATE_EPOCH
# itself is hashed apart: it does change the PDF's metadata.)
_TIMESTAMP_META = re.compile(r'<meta name="dcterms\.(?:created|modified)" content="[^"]*" />')


def layout_files(html_text: str, base: Path) -> list[Path]:
    """Every local file an HTML document pulls in, directly or through a stylesheet."""
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


def layout_key(kind: str, html_text: str, theme_dir: Path) -> str:
    """A content hash of everything a layout is made from.

    The HTML (the book model, the theme's words and its template, as
    rendered), the theme's options, every file the HTML and its stylesheets
    load (stylesheets, fonts, icons), SOURCE_DATE_EPOCH and the versions of
    the pipeline and of WeasyPrint. Other theme files (the EPUB's stylesheet,
    say) do not count.
    """
    import os

    digest = _layout_digest(kind, html_text, theme_dir)
    digest.update(f"\0SOURCE_DATE_EPOCH={os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    return "sha256:" + digest.hexdigest()


def page_map_key(html_text: str, theme_dir: Path) -> str:
    """The print page map's key: what the print layout's pages are made from, as in
    `layout_key`, but not SOURCE_DATE_EPOCH, which is in the PDF's metadata and on
    no page. Another date does not lay the print edition out again for a page map."""
    return "sha256:" + _layout_digest("pagemap", html_text, theme_dir).hexdigest()


def _layout_digest(kind: str, html_text: str, theme_dir: Path) -> Any:
    from importlib.metadata import version

    from .. import __version__

    digest = hashlib.sha256(f"{kind}\0compendium {__version__} weasyprint {version('weasyprint')}\n".encode())
    digest.update(_TIMESTAMP_META.sub("", html_text).encode("utf-8"))
    for path in [theme_dir / "theme.yml", *layout_files(html_text, theme_dir)]:
        try:
            name = path.relative_to(theme_dir).as_posix()
        except ValueError:
            name = str(path)
        digest.update(f"\0{name}\0".encode())
        digest.update(file_digest(path) if path.is_file() else b"missing")
    return digest
