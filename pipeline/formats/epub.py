"""The EPUB 3 edition (render/epub.py makes its bytes), with a page list from
the print PDF's page map."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..project import Project
from .base import Format, Job, Prepared, Rendered
from .pdf import PrintPdf, page_map_for


class Epub(Format):
    name = "epub"
    help = "EPUB 3 (`make epub` also validates it)"
    file = "compendium.epub"
    shows = file
    download_word = "web.kind.epub"
    needs = (PrintPdf.name,)  # its page list follows the print edition

    def outputs(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        return [project.out_dir(lang) / self.file]

    def prepare(self, job: Job) -> Prepared:
        # An EPUB is cheap to make next to a layout: its content key is the
        # hash of its bytes, made here (the cover is cached in build/.cache).
        from ..render.epub import preflight, render_epub

        preflight(job.edition)  # bad input fails here, before the page map is even read
        data = render_epub(job.edition, page_map_for(job), job.project.cache_dir())
        return Prepared(hashlib.sha256(data).hexdigest(), data)

    def render(self, job: Job, prepared: Prepared) -> Rendered:
        return Rendered({self.outputs(job.project, job.edition.lang)[0]: prepared.payload})
