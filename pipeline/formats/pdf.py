"""The screen PDF and the print PDF (render/pdf.py lays them out).

The print PDF also makes the page map (`pagemap.json`): the page each id
lands on, which the EPUB's page list and the factsheets' page references
read; keyed by what the pages are made from (not the date, which only the
PDF's metadata holds) and by the content key of the print PDF made with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ..errors import PipelineError, shown_file
from ..project import PAGE_MAP_NAME, PageMap, Project, load_page_map
from .base import Format, Job, Prepared, Rendered, layout_key, page_map_key


class _BookPdf(Format):
    profile: ClassVar[str]  # render/pdf.py's profile: "screen" or "print"
    file: ClassVar[str]

    def outputs(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        return [project.out_dir(lang) / self.file]

    def prepare(self, job: Job) -> Prepared:
        from ..render.pdf import book_html

        edition = job.edition
        html_text = book_html(edition.book, edition.theme, self.profile, edition.strings,
                              edition.language_name, edition.draft, edition.draft_notice)
        return Prepared(layout_key(self.name, html_text, edition.theme.root), html_text)

    def render(self, job: Job, prepared: Prepared) -> Rendered:
        from ..render.pdf import render_pdf

        edition = job.edition
        result = render_pdf(prepared.payload, edition.theme, job.project.allowed_roots(), self.file, self.profile)
        return Rendered({self.outputs(job.project, edition.lang)[0]: result.data}, result.pages)


class ScreenPdf(_BookPdf):
    name = "pdf"
    help = "screen edition, tagged PDF/UA-1"
    file = "compendium.pdf"
    shows = file
    download_word = "web.kind.pdf"
    profile = "screen"


class PrintPdf(_BookPdf):
    name = "print-pdf"
    help = "print edition: 3 mm bleed, crop marks"
    file = "compendium-print.pdf"
    shows = file
    download_word = "web.kind.print-pdf"
    profile = "print"

    def outputs(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        return [*super().outputs(project, lang), page_map_path(project, lang)]

    def products(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        return super().outputs(project, lang)  # the page map is the build's, not a reader's

    def hand_over(self, project: Project, lang: str, key: str) -> PageMap:
        """The page map written with the print PDF whose content key is `key`."""
        path = page_map_path(project, lang)
        page_map = load_page_map(path)
        if page_map is None:
            raise PipelineError(f"page map '{shown_file(path)}' is missing or unreadable: build the print PDF "
                                "again (compendium build print-pdf)")
        if key and page_map.pdf_key != key:
            raise PipelineError(f"page map '{shown_file(path)}' is not the print PDF's: build the print PDF "
                                "again (compendium build print-pdf)")
        return page_map

    def current(self, job: Job, prepared: Prepared) -> bool:
        # the PDF is current only with its page map: a damaged map lays the book out again
        page_map = load_page_map(page_map_path(job.project, job.edition.lang))
        return (super().current(job, prepared) and page_map is not None and page_map.pdf_key == prepared.key
                and page_map.key == page_map_key(prepared.payload, job.edition.theme.root))

    def render(self, job: Job, prepared: Prepared) -> Rendered:
        from ..render.pdf import render_pdf

        edition = job.edition
        pdf_path, map_path = self.outputs(job.project, edition.lang)
        result = render_pdf(prepared.payload, edition.theme, job.project.allowed_roots(), self.file, self.profile)
        # The print edition's pages are the ones a citation "p. 43" means.
        page_map = PageMap(map_path, page_map_key(prepared.payload, edition.theme.root), result.pages,
                           result.page_map, source=self.file, pdf_key=prepared.key)
        return Rendered({pdf_path: result.data, map_path: page_map.to_bytes()}, result.pages)


def page_map_path(project: Project, lang: str) -> Path:
    return project.out_dir(lang) / PAGE_MAP_NAME


def page_map_for(job: Job) -> PageMap:
    """The print PDF's page map, as the build handed it to a format that `needs` the print PDF."""
    page_map = job.inputs.get(PrintPdf.name)
    if not isinstance(page_map, PageMap):
        raise PipelineError("the print PDF's page map was not handed in: build the print PDF first "
                            "(compendium build print-pdf)")
    return page_map
