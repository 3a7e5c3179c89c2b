"""The web edition (render/web.py makes its pages): build/web/<lang>/, written
file by file, only where the bytes changed, then indexed for search.

It offers the language's other editions for download, so it runs after them
(`reads_editions`); which editions those are, and their files, come from the
format registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..project import Edition, Project
from .base import Format, Job, Prepared, Rendered

if TYPE_CHECKING:  # (the renderer loads only when a site is made)
    from ..render.web import Download, WriteReport

WEB_DIR = "web"


class Web(Format):
    name = "web"
    help = "the web site (only when named; `make web`)"
    shows = "build/web/<lang>/"
    default = False
    reads_editions = True

    def __init__(self, offers: tuple[Format, ...] = ()) -> None:
        # The formats whose files the site offers as downloads (the registry's
        # others, handed in: this module does not import the registry).
        self.offers = offers

    def outputs(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        return [project.build / WEB_DIR / lang / "index.html"]

    def prepare(self, job: Job) -> Prepared:
        # No key: a page is rewritten when its bytes change, which only making it can tell.
        return Prepared("")

    def render(self, job: Job, prepared: Prepared) -> Rendered:
        from ..render.web import render_site

        root = job.project.build / WEB_DIR
        files, copies = render_site(job.project, job.edition,
                                     offered_downloads(job.project, job.edition, self.offers))
        out = {root / rel: data for rel, data in files.items()}
        out.update({root / rel: source.read_bytes() for source, rel in copies})
        return Rendered(out)

    def write(self, job: Job, rendered: Rendered) -> bool:
        report = write_web(job, rendered)
        return bool(report.written or report.removed)


def write_web(job: Job, rendered: Rendered, progress: Callable[[str], None] = lambda message: None) -> WriteReport:
    from ..render.web import write_site

    root = job.project.build / WEB_DIR
    files = {path.relative_to(root).as_posix(): data for path, data in rendered.files.items()}
    return write_site(root, job.edition.lang, files, [], progress)


def build_web(site: Web, project: Project, edition: Edition,
              progress: Callable[[str], None] = lambda message: None) -> WriteReport:
    """The web edition of one language, outside a build (`compendium serve`); what was written."""
    job = Job(project, edition)
    return write_web(job, site.render(job, site.prepare(job)), progress)


def offered_downloads(project: Project, edition: Edition, offers: tuple[Format, ...]) -> list[Download]:
    """The offered formats' files for this language, in the registry's order."""
    from ..render.web import Download

    pages_of = _manifest_pages(project, edition.lang)
    offered = []
    for fmt in offers:
        if not fmt.download_word:
            continue
        for unit in fmt.download_units(edition):
            for path in fmt.products(project, edition.lang, unit):
                pages = pages_of.get(path.name)
                if pages is None and path.suffix == ".pdf" and path.is_file():
                    import pikepdf  # (the pipeline's PDF library; pypdf is the tests')

                    with pikepdf.open(path) as pdf:
                        pages = len(pdf.pages)
                offered.append(Download(path, fmt.download_word, unit, pages))
    return offered


def _manifest_pages(project: Project, lang: str) -> dict[str, int]:
    """Page counts from build/manifest.json where it describes the file as it is now."""
    try:
        data = json.loads(project.manifest().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    pages: dict[str, int] = {}
    for entry in data.get("artifacts", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict) or entry.get("language") != lang or not isinstance(entry.get("pages"), int):
            continue
        path = project.root / str(entry.get("path", ""))
        if path.is_file() and path.stat().st_size == entry.get("size"):
            pages[path.name] = entry["pages"]
    return pages
