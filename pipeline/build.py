"""One language's artifacts outside the scheduler: the same formats, run in this process.

`compendium build` goes through the scheduler (incremental, parallel); these
functions make one artifact at once through the same format interface
(pipeline/formats/): tests, benchmarks and scripts use them. The project's
types live in pipeline/project.py and are re-exported here for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .errors import PipelineError
from .formats import BY_NAME, Job
from .formats.base import Format
from .formats.base import page_map_key as _page_map_key
from .formats.pdf import page_map_path
from .project import MAX_PAGES, Artifact, Edition, PageMap, Project, file_digest, load_page_map

__all__ = ["MAX_PAGES", "Artifact", "Edition", "PageMap", "Project", "build_epub", "build_factsheets",
           "build_pdf", "english_edition", "ensure_page_map", "file_digest", "layout_key", "page_map_key",
           "read_page_map"]

# render/pdf.py's profiles, by the format that lays each out
_PDF_FORMATS = {"screen": "pdf", "print": "print-pdf"}


def english_edition(project: Project) -> Edition:
    """The source-language edition (see editions.edition_for for any language)."""
    from .editions import edition_for

    return edition_for(project)[0]


def _make(fmt: Format, job: Job, progress: Callable[[str], None]) -> Artifact:
    """Prepare, render and write one artifact of `fmt` (whatever is on disk)."""
    started = time.perf_counter()
    products = fmt.products(job.project, job.edition.lang, job.unit)
    progress(f"{job.edition.lang}: laying out {products[0].name}")
    rendered = fmt.render(job, fmt.prepare(job))
    fmt.write(job, rendered)
    artifact = Artifact(fmt.kind(job.unit), job.edition.lang, products[0], rendered.pages,
                        time.perf_counter() - started)
    job.edition.artifacts.append(artifact)
    return artifact


def build_pdf(project: Project, edition: Edition, profile: str,
              progress: Callable[[str], None] = lambda message: None) -> Artifact:
    """The screen ("screen") or print ("print", with its page map) PDF."""
    return _make(BY_NAME[_PDF_FORMATS[profile]], Job(project, edition), progress)


def build_epub(project: Project, edition: Edition,
               progress: Callable[[str], None] = lambda message: None) -> Artifact:
    """build/<lang>/compendium.epub; the print edition is laid out first if its
    page map is missing or out of date (the EPUB's page list needs it)."""
    from .render.epub import preflight

    preflight(edition)  # bad input fails here, before any layout
    page_map = ensure_page_map(project, edition, progress)
    return _make(BY_NAME["epub"], Job(project, edition, inputs={"print-pdf": page_map}), progress)


def build_factsheets(project: Project, edition: Edition, page_map: PageMap | dict[str, int],
                     progress: Callable[[str], None] = lambda message: None,
                     only: list[str] | None = None) -> list[Artifact]:
    """Every declared factsheet (or those of `only`), with the print edition's
    `page_map`. Every factsheet within its budget is written; then, if any
    overflowed, one PipelineError names each with its page count and budget."""
    from .render.factsheet import OverBudget

    if not isinstance(page_map, PageMap):
        page_map = PageMap(page_map_path(project, edition.lang), "", None, page_map)
    fmt = BY_NAME["factsheets"]
    artifacts: list[Artifact] = []
    overflows = []
    for sector in fmt.units(project):
        if only is not None and sector not in only:
            continue
        try:
            artifacts.append(_make(fmt, Job(project, edition, sector, inputs={"print-pdf": page_map}), progress))
        except OverBudget as exc:
            overflows += exc.overflows
    if overflows:
        raise OverBudget(overflows, edition.lang)
    return artifacts


def read_page_map(project: Project, lang: str) -> dict[str, int]:
    path = page_map_path(project, lang)
    if not path.is_file():
        raise PipelineError(f"page map '{path}' is missing: build the print PDF first")
    page_map = load_page_map(path)
    if page_map is None:
        raise PipelineError(f"page map '{path}' is not one the print build writes: build the print PDF again")
    return page_map.ids


def layout_key(project: Project, edition: Edition) -> str:
    """The print PDF's content key: see formats/base.layout_key."""
    return BY_NAME["print-pdf"].prepare(Job(project, edition)).key


def page_map_key(project: Project, edition: Edition) -> str:
    """The key of the print edition's page map: see formats/base.page_map_key."""
    return _page_map_key(BY_NAME["print-pdf"].prepare(Job(project, edition)).payload, edition.theme.root)


def ensure_page_map(project: Project, edition: Edition,
                    progress: Callable[[str], None] = lambda message: None) -> PageMap:
    """The print edition's page map, laying the print edition out again only when
    the map is missing or was made from other inputs than the current ones.

    (Outside the scheduler only: in a build, the print PDF's own task keeps
    its page map current and hands its key to the formats that need it.)
    """
    fmt = BY_NAME["print-pdf"]
    job = Job(project, edition)
    prepared = fmt.prepare(job)
    key = _page_map_key(prepared.payload, edition.theme.root)
    path = page_map_path(project, edition.lang)
    current = load_page_map(path)
    if current is not None and current.key == key:
        return current
    why = "missing" if not path.exists() else "out of date" if current is not None else "unreadable"
    progress(f"{edition.lang}: the print page map is {why}: laying out the print edition again")
    fmt.write(job, fmt.render(job, prepared))
    current = load_page_map(path)
    if current is None or current.key != key:
        raise PipelineError(f"page map '{path}' was not written by the print build")
    return current
