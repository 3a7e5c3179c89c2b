"""One factsheet per sector (render/factsheet.py lays them out): one artifact
per source/factsheets/<sector>.yml, with page references from the print PDF."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PipelineError
from ..project import Edition, Project
from .base import Format, Job, Prepared, Rendered, layout_key
from .pdf import PrintPdf, page_map_for

if TYPE_CHECKING:
    from ..factsheets import Factsheet


class Factsheets(Format):
    name = "factsheets"
    help = "one per sector of sectors.yml"
    shows = "factsheet-<sector>.pdf"
    download_word = "web.kind.factsheet"
    needs = (PrintPdf.name,)  # "section 3.2, page 70" of the print edition

    def units(self, project: Project) -> list[str]:
        # which sectors have factsheets is read without loading the whole book
        return sorted(path.stem for path in (project.source / "factsheets").glob("*.yml"))

    def download_units(self, edition: Edition) -> list[str]:
        return list(edition.book.sectors)

    def kind(self, unit: str = "") -> str:
        return f"factsheet-{unit}"

    def outputs(self, project: Project, lang: str, unit: str = "") -> list[Path]:
        return [project.out_dir(lang) / f"{self.kind(unit)}.pdf"]

    def prepare(self, job: Job) -> Prepared:
        from ..render.factsheet import factsheet_html

        sheet = checked_factsheet(job.project, job.edition, job.unit)
        html_text = factsheet_html(job.edition.book, sheet, job.edition, page_map_for(job).ids)
        return Prepared(layout_key("factsheet", html_text, job.edition.theme.root), (sheet, html_text))

    def render(self, job: Job, prepared: Prepared) -> Rendered:
        from ..render.factsheet import render_factsheet

        sheet, html_text = prepared.payload
        out = self.outputs(job.project, job.edition.lang, job.unit)[0]
        result = render_factsheet(html_text, sheet, job.edition, job.project.allowed_roots(), out.name)
        return Rendered({out: result.data}, result.pages)


def checked_factsheet(project: Project, edition: Edition, sector: str) -> Factsheet:
    """The sector's factsheet declaration, checked against the edition's book:
    a factsheet that names a missing id or another sector's cannot be laid out."""
    from ..checks.factsheets import check_factsheets
    from ..factsheets import load_factsheets

    book = edition.book
    # The loader puts the factsheets on the book; a model built by hand still
    # gets its factsheets from the source.
    sheets = book.factsheets or load_factsheets(project.source, book)
    errors = [f for f in check_factsheets(book, sheets) if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: run `compendium check`)" if len(errors) > 1 else ""
        raise PipelineError(f"{first.message}{more}", first.loc)
    missing = [s.id for s in book.sectors.values() if s.factsheet and s.id not in sheets]
    if missing:
        raise PipelineError(
            f"sector '{missing[0]}' has factsheet: true in sectors.yml but no "
            f"source/factsheets/{missing[0]}.yml says what it prints"
        )
    sheet = sheets.get(sector)
    if sheet is None:
        raise PipelineError(f"no factsheet file for sector '{sector}' (source/factsheets/{sector}.yml)")
    return sheet
