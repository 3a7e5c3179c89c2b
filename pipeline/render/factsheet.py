"""Per-sector factsheets: build/<lang>/factsheet-<sector>.pdf.

What a factsheet prints is declared in source/factsheets/<sector>.yml (see
pipeline/factsheets.py); how it looks is the theme's factsheet template and
stylesheet. Boxes and inline text come from the shared HtmlWriter, with two
differences a stand-alone leaflet needs: a cross-reference to something the
factsheet does not print becomes words with the print edition's page
("section 2.2, page 52"), not a link into nowhere; and footnote calls are
left out (a factsheet has no notes; each practice says where to read it in
full, notes included).

The page references come from the print edition's page map, which the build
hands in with the checked factsheet declaration (pipeline/formats/
factsheets.py). A factsheet longer than its budget is refused: the build
fails, naming it and by how much it overflows, and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import PipelineError
from ..factsheets import Factsheet
from ..languages import direction
from ..model import Book, Box, Heading, Section, XRef, walk_blocks
from ..timestamps import build_timestamp
from ..transforms.resolve import book_title, fill, label
from ..transforms.typography import label_colon
from .html import HtmlWriter, attr
from .pdf import PdfResult, _Markup, colour_css, render_pdf

if TYPE_CHECKING:
    from ..project import Edition


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


def render_factsheet(html_text: str, sheet: Factsheet, edition: Edition, allowed_roots: list[Path],
                     name: str) -> PdfResult:
    """Lay out one factsheet's HTML (see `factsheet_html`); its PDF's bytes and
    page count. `name` is the file's name, for messages.

    A factsheet over its page budget is refused after the layout, before
    anything is written: an OverBudget error with its page count and budget.
    """

    def within_budget(pages: int) -> None:
        if pages > sheet.budget:
            raise OverBudget([(Path(name).stem, sheet, pages)], edition.lang)

    return render_pdf(html_text, edition.theme, allowed_roots, name, "screen", before_write=within_budget)


class OverBudget(PipelineError):
    """Factsheets longer than their page budget: one message naming each, at the first one's budget."""

    def __init__(self, overflows: list[tuple[str, Factsheet, int]], lang: str) -> None:
        """`overflows`: (the artifact's name without extension, its declaration, its pages), each."""
        parts = [f"{name}: {pages} pages, budget {s.budget} ({pages - s.budget} over)" for name, s, pages in overflows]
        hint = (f" in {lang}; take out boxes or practices, declare a shorter selection for this "
                f"language under 'languages: {{{lang}: {{boxes: [...]}}}}', or raise 'budget'")
        super().__init__("; ".join(parts) + hint, overflows[0][1].budget_loc)
        self.overflows = overflows


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
                f"factsheet '{sheet.sector}': the print edition's page map has no page for '{target_id}': "
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
    footer = fill(s["factsheet.footer"], publisher=meta.publisher, title=meta.title, year=str(meta.year))
    return edition.theme.render(
        "factsheet.html.j2",
        lang=lang,
        dir=direction(lang),
        colon=label_colon(lang),
        meta=meta,
        full_title=book_title(s["book-title"], meta.title, meta.subtitle),
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
        fill=fill,
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

