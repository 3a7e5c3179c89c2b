"""The book as PDF: the screen edition (tagged, PDF/UA-1) and the print edition
(3 mm bleed, crop marks, sections opening on right-hand pages).

The HTML comes from the shared writer and the theme's template; WeasyPrint
lays it out with a fetcher sealed to the theme and source folders. The
layout also yields the page map (which page each id lands on) that the EPUB's
page list and the factsheets' page references reuse.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

from markupsafe import Markup

from .. import __version__
from ..errors import PipelineError
from ..model import Book, Section
from ..theme import Theme
from ..transforms.resolve import fill
from .atomic import atomic_path
from .html import HtmlWriter, attr
from .textlayer import soft_hyphenate_text_layer
from .timestamps import build_timestamp

PROFILES = {
    # name: (output file, PDF variant, stylesheet additions)
    "screen": ("compendium.pdf", "pdf/ua-1"),
    "print": ("compendium-print.pdf", "pdf/x-4"),
}


@dataclass
class PdfResult:
    path: Path
    pages: int
    page_map: dict[str, int]


_NO_MARGIN_BOXES = " ".join(
    f"@{box} {{ content: none; }}"
    for box in ("top-left", "top-right", "bottom-left", "bottom-center", "bottom-right")
)


def colour_css(book: Book) -> str:
    """Colours live in icons.yml and sectors.yml; the stylesheet reads them as variables."""
    rules = []
    for sector in book.sectors.values():
        rules.append(f".sector-{sector.id} {{ --sector: {sector.colour}; }}")
        # a part opener's page: the sector's colour, and no running heads or folio
        rules.append(f"@page opener-{sector.id} {{ background: {sector.colour}; {_NO_MARGIN_BOXES} }}")
        rules.append(f".part-opener.sector-{sector.id} {{ page: opener-{sector.id}; }}")
    for icon in book.icons.values():
        rules.append(f".box--{icon.id}, .icon-{icon.id} {{ --box: {icon.colour}; }}")
        rules.append(f".box-icon--{icon.id} {{ background-image: url(icons/{icon.svg}); }}")
    return "\n".join(rules)


def _section_html(writer: HtmlWriter, section: Section, css_class: str) -> str:
    sector = section.sectors[0] if section.sectors else "general"
    return (
        f'<section class="{css_class} sector-{attr(sector)}" id="{attr(section.id)}">\n'
        f'<h2 class="section-title">{writer.section_title(section)}</h2>\n'
        f"{writer.blocks(section.blocks)}\n</section>"
    )


def _toc_title(writer: HtmlWriter, section: Section) -> Markup:
    """A contents entry's title, with its language and direction when it falls back."""
    return _Markup(writer.in_unit_lang(f"{section.id}.title", escape(section.title, quote=False)))


def book_body(book: Book, writer: HtmlWriter, s: dict[str, str]) -> tuple[str, list[dict[str, str]]]:
    """The body of the whole book, and the entries of its table of contents."""
    out: list[str] = []
    toc: list[dict[str, str]] = []
    for section in book.front:
        out.append(_section_html(writer, section, "front-matter"))
        toc.append({"kind": "front", "id": section.id, "number": "", "title": _toc_title(writer, section)})
        if section.id == book.icon_table_after:
            out.append(
                f'<section class="front-matter icon-table-section" id="icon-table">\n'
                f'<h2 class="section-title">{escape(s["Icon Table"])}</h2>\n{writer.icon_table()}\n</section>'
            )
            toc.append({"kind": "front", "id": "icon-table", "number": "", "title": s["Icon Table"]})
    for part in book.parts:
        opener = part.opener
        sector = opener.sectors[0] if opener.sectors else "general"
        part_toc = "".join(
            f'<li><a href="#{attr(sec.id)}"><span class="toc-num">{writer.ltr_isolate(escape(sec.number))}</span> '
            f"{writer.in_unit_lang(f'{sec.id}.title', writer.inlines(sec.title_inlines))}</a></li>"
            for sec in part.sections
        )
        part_title = writer.in_unit_lang(f"{opener.id}.title", writer.inlines(opener.title_inlines))
        out.append(
            f'<section class="part-opener sector-{attr(sector)}" id="{attr(opener.id)}">\n'
            f'<p class="part-label">{escape(fill(s["part-label"], opener.number))}</p>\n'
            f'<h1 class="part-title">{part_title}</h1>\n'
            f'<nav class="part-toc" aria-label="{attr(s["In this part"])}"><ol>{part_toc}</ol></nav>\n'
            f'<div class="part-intro">{writer.blocks(opener.blocks)}</div>\n</section>'
        )
        toc.append({"kind": "part", "id": opener.id, "number": fill(s["part-label"], opener.number),
                    "title": _toc_title(writer, opener)})
        for section in part.sections:
            out.append(_section_html(writer, section, "chapter"))
            number = _Markup(writer.ltr_isolate(escape(section.number)))
            toc.append({"kind": "section", "id": section.id, "number": number,
                        "title": _toc_title(writer, section)})
    for section in book.back:
        out.append(_section_html(writer, section, "back-matter"))
        toc.append({"kind": "back", "id": section.id, "number": "", "title": _toc_title(writer, section)})
    if book.footnotes and writer.footnote_mode == "endnotes":
        out.append(
            f'<section class="back-matter endnotes" id="footnotes" role="doc-endnotes">\n'
            f'<h2 class="section-title">{escape(s["Footnotes"])}</h2>\n{writer.endnotes()}\n</section>'
        )
        toc.append({"kind": "back", "id": "footnotes", "number": "", "title": s["Footnotes"]})
    return "\n\n".join(out), toc


def book_html(book: Book, theme: Theme, profile: str, strings: dict[str, str],
              language_name: str = "English", draft: bool = False, draft_notice: str = "") -> str:
    footnote_mode = theme.options.get("footnotes", "endnotes")
    writer = HtmlWriter(
        book,
        strings,
        page_refs=True,
        footnote_mode=footnote_mode,
        icon_src=lambda name: f"icons/{name}",
    )
    body, toc = book_body(book, writer, strings)
    from ..transforms.typography import direction, label_colon, long_date

    lang = book.meta.language
    return theme.render(
        "book.html.j2",
        lang=lang,
        dir=direction(lang),
        colon=label_colon(lang),
        edition_date=long_date(book.meta.date, lang),
        profile=profile,
        footnote_mode=footnote_mode,
        meta=book.meta,
        version=__version__,
        timestamp=build_timestamp(book).isoformat(),
        colour_css=colour_css(book),
        s=strings,
        draft=draft,
        draft_notice=draft_notice,
        year=book.meta.year,
        rights=book.meta.rights,
        edition_name=strings["Print edition" if profile == "print" else "Screen edition"],
        language_name=language_name,
        toc=toc,
        body=_Markup(body),
    )


# Already-escaped HTML for the templates (Jinja's autoescape leaves it alone).
_Markup = Markup


def render_pdf(html_text: str, theme: Theme, allowed_roots: list[Path], out_path: Path,
               profile: str, before_write: Callable[[int], None] | None = None) -> PdfResult:
    """Lay out `html_text` and write the PDF atomically; return its page map.

    `before_write` is called with the page count once the layout is done and
    may raise a PipelineError to refuse the result (a factsheet over its page
    budget): nothing is written then, and a previous file stays in place.
    """
    # WeasyPrint (and the fetcher built on it) load only when a layout runs:
    # importing them costs a second that HTML-only work (the EPUB) need not pay.
    import weasyprint

    from .fetcher import RefusedResource, SealedFetcher

    variant = PROFILES[profile][1]
    fetcher = SealedFetcher(allowed_roots)
    # WeasyPrint reports unsupported CSS and missing resources as log warnings;
    # collect them so that a theme error is an error, not a silent hole.
    problems = _CollectWarnings()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(problems)
    try:
        html = weasyprint.HTML(
            string=html_text,
            base_url=str(theme.root) + "/",
            url_fetcher=fetcher,
        )
        # PDF/X needs an output intent: WeasyPrint's own sRGB profile unless the
        # theme declares a press profile with @color-profile device-cmyk.
        intent = {"output_intent": "srgb"} if variant.startswith("pdf/x") else {}
        document = html.render(pdf_variant=variant, pdf_tags=True, **intent)
        page_map = _page_map(document)
        if before_write is not None:
            before_write(len(document.pages))
        identifier = hashlib.sha256(html_text.encode("utf-8")).hexdigest()[:32].encode()
        with atomic_path(out_path) as tmp, _fixed_document_id(identifier):
            document.write_pdf(
                target=str(tmp),
                pdf_variant=variant,
                pdf_identifier=identifier,
                pdf_tags=True,
                uncompressed_pdf=False,
                **intent,
            )
            soft_hyphenate_text_layer(tmp)
    except RefusedResource as exc:
        raise PipelineError(f"{out_path.name}: {exc}") from None
    finally:
        logger.removeHandler(problems)
    if problems.errors:
        raise PipelineError(f"{out_path.name}: theme problem: {problems.errors[0]}")
    return PdfResult(out_path, len(document.pages), page_map)


@contextlib.contextmanager
def _fixed_document_id(identifier: bytes) -> Iterator[None]:
    """WeasyPrint writes a random xmpMM:DocumentID (uuid4) into PDF/X metadata;
    derive it from the document's content instead, so builds stay byte-identical."""
    from weasyprint.pdf import metadata

    original = metadata.uuid4
    metadata.uuid4 = lambda: uuid.UUID(bytes=hashlib.sha256(identifier).digest()[:16], version=4)
    try:
        yield
    finally:
        metadata.uuid4 = original


class _CollectWarnings(logging.Handler):
    # Messages that mean the theme is broken (vs. harmless notices).
    FATAL = ("Ignored", "Invalid", "Failed to load", "Unsupported", "error")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR or any(word in message for word in self.FATAL):
            self.errors.append(message.splitlines()[0])


def _page_map(document) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Each anchor id -> the 1-based page it is laid out on (first occurrence)."""
    ids: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            ids.setdefault(anchor, number)
    return ids


def write_page_map(path: Path, page_map: dict[str, int], key: str, pages: int | None = None,
                   source: str = "") -> None:
    """Write the page map. `key` identifies the layout's inputs (see build.layout_key);
    `pages` is the page count and `source` the PDF the pages belong to."""
    data: dict[str, object] = {"key": key}
    if source:
        data["source"] = source
    if pages is not None:
        data["pages"] = pages
    data["ids"] = dict(sorted(page_map.items()))
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
