"""Per-sector factsheets: build/<lang>/factsheet-<sector>.pdf.

What a factsheet prints is declared in source/factsheets/<sector>.yml (see
pipeline/factsheets.py); how it looks is the theme's factsheet template and
stylesheet. Boxes and inline text come from the shared HtmlWriter, with two
differences a stand-alone leaflet needs: a cross-reference to something the
factsheet does not print becomes words with the print edition's page
("section 2.2, page 52"), not a link into nowhere; and footnote calls are
left out (a factsheet has no notes; each practice says where to read it in
full, notes included).

The page references come from the print edition's page map, so the print
PDF must be built first. A factsheet longer than its budget is not written:
the build fails, naming it and by how much it overflows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape
from typing import TYPE_CHECKING

from .. import __version__
from ..checks.factsheets import check_factsheets
from ..errors import PipelineError
from ..factsheets import Factsheet, load_factsheets
from ..languages import direction
from ..model import Book, Box, Heading, Section, XRef, walk_blocks
from ..timestamps import build_timestamp
from ..transforms.resolve import fill, label
from ..transforms.typography import label_colon
from .html import HtmlWriter, attr
from .pdf import _Markup, colour_css, render_pdf

if TYPE_CHECKING:
    from ..build import Artifact, Edition, Project



@dataclass
class FactsheetWriter(HtmlWriter):
    """The shared writer, for a document that holds only part of the book."""

    page_map: dict[str, int] = field(default_factory=dict)
    # ids printed in this factsheet: a cross-reference to one stays a link
    local_ids: set[str] = field(default_factory=set)

    def xref(self, node: XRef) -> str:
        target = self.index.get(node.target)
        words = self.inlines(node.children) if node.children else ""
        if node.target in self.local_ids:
            text = words or escape(label(target, self.label_words()) if target else node.target)
            return f'<a class="xref" href="#{attr(node.target)}">{text}</a>'
        if words:
            return f'<span class="xref">{words}</span>'
        text = label(target, self.label_words()) if target else node.target
        page = self.page_map.get(node.target)
        if page and target is not None and target.kind != "footnote":
            text = fill(self.strings["xref-page"], section=text, page=str(page))
        return f'<span class="xref">{escape(text, quote=False)}</span>'

    def noteref(self, label_: str) -> str:
        return ""


def build_factsheets(project: Project, edition: Edition, page_map: dict[str, int],
                     progress: Callable[[str], None] = lambda message: None,
                     only: list[str] | None = None) -> list[Artifact]:
    """Write build/<lang>/factsheet-<sector>.pdf for each declared factsheet.

    Every factsheet within its budget is written; then, if any overflowed,
    one PipelineError names each with its page count and budget.
    """
    from ..build import Artifact

    book = edition.book
    # The loader puts the factsheets on the book; a book loaded without them
    # (or a model built by hand) still gets its factsheets from the source.
    sheets = book.factsheets or load_factsheets(project.source, book)
    _refuse_wrong_sources(book, sheets)
    missing = [s.id for s in book.sectors.values() if s.factsheet and s.id not in sheets]
    if missing:
        raise PipelineError(
            f"sector '{missing[0]}' has factsheet: true in sectors.yml but no "
            f"source/factsheets/{missing[0]}.yml says what it prints"
        )

    artifacts: list[Artifact] = []
    overflows: list[tuple[Factsheet, int]] = []
    for sheet in sheets.values():
        if only is not None and sheet.sector not in only:
            continue
        name = f"{sheet.name}.pdf"
        out = project.out_dir(edition.lang) / name
        progress(f"{edition.lang}: laying out {name}")
        started = time.perf_counter()
        html_text = factsheet_html(book, sheet, edition, page_map)

        def within_budget(pages: int, sheet: Factsheet = sheet) -> None:
            if pages > sheet.budget:
                raise _OverBudget(pages)

        try:
            result = render_pdf(html_text, edition.theme, project.allowed_roots(), out, "screen",
                                before_write=within_budget)
        except _OverBudget as exc:
            overflows.append((sheet, exc.pages))
            continue
        artifact = Artifact("factsheet", edition.lang, out, result.pages,
                            time.perf_counter() - started)
        edition.artifacts.append(artifact)
        artifacts.append(artifact)
    if overflows:
        parts = [f"{s.name}: {pages} pages, budget {s.budget} ({pages - s.budget} over)"
                 for s, pages in overflows]
        hint = (f" in {edition.lang}; take out boxes or practices, declare a shorter selection for this "
                f"language under 'languages: {{{edition.lang}: {{boxes: [...]}}}}', or raise 'budget'")
        raise PipelineError("; ".join(parts) + hint, overflows[0][0].budget_loc)
    return artifacts


class _OverBudget(PipelineError):
    def __init__(self, pages: int) -> None:
        super().__init__(f"{pages} pages")
        self.pages = pages


def _refuse_wrong_sources(book: Book, sheets: dict[str, Factsheet]) -> None:
    """A factsheet that names a missing id or another sector's cannot be laid out."""
    errors = [f for f in check_factsheets(book, sheets) if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: run `compendium check`)" if len(errors) > 1 else ""
        raise PipelineError(f"{first.message}{more}", first.loc)


def factsheet_html(book: Book, sheet: Factsheet, edition: Edition, page_map: dict[str, int]) -> str:
    """The factsheet as one HTML document for the theme's factsheet template."""
    s = edition.strings
    sector = book.sectors[sheet.sector]
    boxes = {box.id: (section, box) for section, box in book.boxes()}
    sections = {section.id: section for section in book.sections()}
    writer = FactsheetWriter(
        book,
        s,
        icon_src=lambda name: f"icons/{name}",
        page_map=page_map,
        local_ids={p.id for p in sheet.practices} | {b.id for b in sheet.boxes_for(edition.lang)},
    )

    def where(target_id: str, section: Section) -> str:
        page = page_map.get(target_id)
        if page is None:
            raise PipelineError(
                f"{sheet.name}: the print edition's page map has no page for '{target_id}': "
                "build the print PDF again (compendium build print-pdf), then the factsheets"
            )
        # one message: "Read in full: section {section}, page {page}"
        return fill(s["factsheet.read-in-full"], section=section.number or section.title, page=str(page))

    practices = []
    for entry in sheet.practices:
        section, box = boxes[entry.id]
        # "Promising Practice {n}" is one message; the number is shown, the words
        # around it (where the translation puts them) are for screen readers
        label_before, _, label_after = s["practice-label"].partition("{n}")
        practices.append({
            "id": box.id,
            "number": box.number,
            "label_before": label_before,
            "label_after": label_after,
            "title": _Markup(writer.inlines(box.title)),
            "summary": _Markup(writer.inlines(entry.summary)),
            "where": where(box.id, section),
        })

    box_html = [_Markup(writer.box(_titled(*boxes[ref.id]), depth=2)) for ref in sheet.boxes_for(edition.lang)]
    resources = None
    if sheet.resources is not None:
        resources = _Markup(writer.blocks(sections[sheet.resources.id].blocks))

    # The icons this factsheet prints, in the order of icons.yml, with their meaning.
    kinds = {boxes[ref.id][1].kind for ref in sheet.boxes_for(edition.lang)}
    if sheet.practices:
        kinds.add("promising-practice")
    legend = [
        {
            "id": icon.id,
            "src": f"icons/{icon.svg}",
            "label": s.get(f"icon.{icon.id}", icon.label),
            "description": s.get(f"icon.{icon.id}.description", icon.description),
        }
        for icon in book.icons.values()
        if icon.id in kinds
    ]

    meta = book.meta
    lang = meta.language
    footer = f"{meta.publisher} \u00b7 {meta.title} \u00b7 {meta.year}"
    return edition.theme.render(
        "factsheet.html.j2",
        lang=lang,
        dir=direction(lang),
        colon=label_colon(lang),
        meta=meta,
        sector=sector,
        budget=sheet.budget,
        s=s,
        version=__version__,
        timestamp=build_timestamp(book).isoformat(),
        colour_css=_Markup(colour_css(book)),
        page_css=_Markup(_page_css(footer, s["Draft translation"] if edition.draft else "")),
        draft=edition.draft,
        draft_notice=edition.draft_notice,
        document_title=fill(s["factsheet.document-title"], sector=sector.title, title=meta.title),
        description=fill(s["factsheet.description"], sector=sector.title, title=meta.title,
                         subtitle=meta.subtitle),
        intro=_Markup(writer.blocks(sector.intro)),
        about=_Markup(writer.blocks(meta.about)),
        boxes=box_html,
        practices=practices,
        resources=resources,
        legend=legend,
        icon=lambda kind: f"icons/{book.icons[kind].svg}",
        publication_url=meta.publication_url,
    )


def _titled(section: Section, box: Box) -> Box:
    """A box as a factsheet prints it, away from the text around it in the book.

    A box without a title of its own ("LESSONS LEARNT") takes the title of the
    sub-heading it stands under, so that the reader knows what it is about.
    """
    if box.title:
        return box
    heading: Heading | None = None
    for block in section.blocks:
        if isinstance(block, Heading) and block.level == 2:
            heading = block
        if any(inner is box for inner in walk_blocks([block])):
            break
    if heading is None:
        return box
    return replace(box, title=list(heading.children))


def _page_css(footer: str, draft_label: str = "") -> str:
    """The running footer's words, as a CSS string (they come from book.yml); and a
    draft translation's label at the head of every page after the first (the first
    has it in the masthead)."""
    css = f"@page {{ @bottom-left {{ content: {_css_string(footer)}; }} }}"
    if draft_label:
        css += (f"\n@page {{ @top-right {{ content: {_css_string(draft_label)}; }} }}"
                "\n@page :first { @top-right { content: none; } }")
    return css


def _css_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'

