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
import io
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
from ..timestamps import build_timestamp
from ..transforms.resolve import book_title, fill
from .colours import box_ink, sector_ink
from .html import HtmlWriter, attr
from .pdf_tags import finish_pdf, semantic_tags

# The PDF variant of each profile (the file names are the formats': see pipeline/formats/pdf.py).
PROFILES = {
    "screen": "pdf/ua-1",
    "print": "pdf/x-4",
}


@dataclass
class PdfResult:
    name: str  # the file's name, for messages
    pages: int
    page_map: dict[str, int]
    data: bytes


# Every margin box (the theme puts running heads and folios in the outer
# column): none of them on a part opener's coloured page.
_NO_MARGIN_BOXES = " ".join(
    f"@{side}-{place} {{ content: none; }}"
    for side, places in (("top", ("left-corner", "left", "center", "right", "right-corner")),
                         ("bottom", ("left-corner", "left", "center", "right", "right-corner")),
                         ("left", ("top", "middle", "bottom")), ("right", ("top", "middle", "bottom")))
    for place in places
    if (side, place) != ("bottom", "center")
) + (
    # ...but a draft translation says so on every page, part openers included
    ' @bottom-center { content: string(draft); color: #ffffff; }'
)


def colour_css(book: Book) -> str:
    """Colours live in icons.yml and sectors.yml; the stylesheet reads them as variables."""
    rules = []
    for sector in book.sectors.values():
        ink = sector_ink(sector.colour)
        rules.append(f".sector-{sector.id} {{ --sector: {ink}; }}")
        # a part opener's page: the sector's colour, and no running heads or folio
        rules.append(f"@page opener-{sector.id} {{ background: {ink}; {_NO_MARGIN_BOXES} }}")
        rules.append(f".part-opener.sector-{sector.id} {{ page: opener-{sector.id}; }}")
    for icon in book.icons.values():
        rules.append(f".box--{icon.id}, .icon-{icon.id} {{ --box: {box_ink(icon.colour)}; }}")
        rules.append(f".box-icon--{icon.id} {{ background-image: url(icons/{icon.svg}); }}")
    return "\n".join(rules)


def css_string(text: str) -> str:
    """`text` as a CSS string literal (for words the stylesheet prints, such as "(continued)")."""
    escaped = "".join(ch if ch.isalnum() or ch in " ()-.,'" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def strings_css(strings: dict[str, str]) -> str:
    """The theme's words that the stylesheet itself prints, in the edition's language."""
    # A box split across pages repeats its label, "TIPS (continued)", at the head of
    # the next page: one message, "{label} (continued)", around the label's own text.
    before, found, after = strings.get("continued", "{label} (continued)").partition("{label}")
    if not found:  # a theme without the placeholder: its words after the label
        before, after = "", " " + before
    parts = [css_string(before)] if before else []
    parts.append("content(text)")
    parts += [css_string(after)] if after else []
    return f".box-label {{ string-set: box-continued {' '.join(parts)}; }}"


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
    from ..languages import direction
    from ..transforms.typography import label_colon, long_date

    lang = book.meta.language
    # The theme may say how a language writes its dates (UN English: "1 December 2021").
    date_locales = theme.options.get("date-locales") or {}
    date_locale = date_locales.get(lang, lang) if isinstance(date_locales, dict) else lang
    return theme.render(
        "book.html.j2",
        lang=lang,
        dir=direction(lang),
        colon=label_colon(lang),
        edition_date=long_date(book.meta.date, str(date_locale)),
        profile=profile,
        footnote_mode=footnote_mode,
        meta=book.meta,
        full_title=book_title(strings["book-title"], book.meta.title, book.meta.subtitle),
        version=__version__,
        timestamp=build_timestamp(book).isoformat(),
        # (strings_css escapes the words it quotes: nothing in it can close the <style> element)
        colour_css=_Markup(colour_css(book) + "\n" + strings_css(strings)),
        s=strings,
        draft=draft,
        draft_notice=draft_notice,
        year=book.meta.year,
        rights=[para.strip() for para in book.meta.rights.split("\n\n") if para.strip()],
        address=book.meta.address,
        about=_Markup(writer.blocks(book.meta.about)) if book.meta.about else "",
        edition_name=strings["Print edition" if profile == "print" else "Screen edition"],
        language_name=language_name,
        # the imprint's lines, each one message ("Published by: {publisher}")
        published_by=imprint_publisher(book, strings),
        edition_line=fill(strings["Edition"], edition=strings["Print edition" if profile == "print"
                                                              else "Screen edition"],
                          language=language_name, date=long_date(book.meta.date, str(date_locale))),
        toc=toc,
        body=_Markup(body),
    )


def imprint_publisher(book: Book, strings: dict[str, str]) -> str:
    """The imprint's "Published by: {publisher}" line, the publisher's unit after its name
    as the message "{publisher}, {unit}" joins them (a Chinese edition's comma is "，")."""
    publisher = book.meta.publisher
    if book.meta.publisher_unit:
        publisher = fill(strings["publisher-unit"], publisher=publisher, unit=book.meta.publisher_unit)
    return fill(strings["Published by"], publisher=publisher)


# Already-escaped HTML for the templates (Jinja's autoescape leaves it alone).
_Markup = Markup


def render_pdf(html_text: str, theme: Theme, allowed_roots: list[Path], name: str,
               profile: str, before_write: Callable[[int], None] | None = None) -> PdfResult:
    """Lay out `html_text`; return the PDF's bytes, its page count and page map.

    `name` is the file's name, for messages. `before_write` is called with
    the page count once the layout is done and may raise a PipelineError to
    refuse the result (a factsheet over its page budget) before the PDF is
    written out. Nothing here touches the disk: the build writes the bytes.
    """
    # WeasyPrint (and the fetcher built on it) load only when a layout runs:
    # importing them costs a second that HTML-only work (the EPUB) need not pay.
    import weasyprint

    from .fetcher import RefusedResource, SealedFetcher

    variant = PROFILES[profile]
    fetcher = SealedFetcher(allowed_roots)
    # WeasyPrint reports unsupported CSS and missing resources as log warnings;
    # collect them so that a theme error is an error, not a silent hole.
    problems = _CollectWarnings()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(problems)
    # WeasyPrint logs why an SVG failed to render at DEBUG level, after the
    # error: listen at that level while laying out, so the message has a reason.
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        html = weasyprint.HTML(
            string=html_text,
            base_url=str(theme.root) + "/",
            url_fetcher=fetcher,
        )
        # PDF/X needs an output intent: WeasyPrint's own sRGB profile unless the
        # theme names the printer's CMYK profile (theme.yml `print-profile`).
        intent: dict[str, str] = {}
        stylesheets = []
        # (a stylesheet made here registers its @color-profile in this dict,
        # which the layout must share to see it)
        color_profiles: dict[str, object] = {}
        if variant.startswith("pdf/x"):
            profile_css = press_profile_css(theme)
            if profile_css:
                stylesheets.append(weasyprint.CSS(string=profile_css, base_url=str(theme.root) + "/",
                                                  url_fetcher=fetcher, color_profiles=color_profiles))
                intent = {"output_intent": "device-cmyk"}
            else:
                intent = {"output_intent": "srgb"}
        document = html.render(pdf_variant=variant, pdf_tags=True, stylesheets=stylesheets,
                               color_profiles=color_profiles, **intent)
        if profile == "print":
            document = _fold_into_signatures(document, lambda extra: html.render(
                pdf_variant=variant, pdf_tags=True, stylesheets=stylesheets + extra,
                color_profiles=color_profiles, **intent), name)
        page_map = _page_map(document)
        problems.raise_first(name)
        if before_write is not None:
            before_write(len(document.pages))
        identifier = hashlib.sha256(html_text.encode("utf-8")).hexdigest()[:32].encode()
        raw = io.BytesIO()
        with _fixed_document_id(identifier), semantic_tags() as repairs:
            document.write_pdf(
                target=raw,
                pdf_variant=variant,
                pdf_identifier=identifier,
                pdf_tags=True,
                uncompressed_pdf=False,
                finisher=_slug_finisher(theme, cmyk=intent.get("output_intent") == "device-cmyk")
                if profile == "print" else None,
                **intent,
            )
        # Writing loads fonts and images too: a problem found here must refuse
        # the file before anything is renamed into place (the last good edition is kept).
        problems.raise_first(name)
        finished = io.BytesIO()
        finish_pdf(raw, finished, repairs)
    except RefusedResource as exc:
        raise PipelineError(f"{name}: {exc}") from None
    finally:
        logger.removeHandler(problems)
        logger.setLevel(level)
    return PdfResult(name, len(document.pages), page_map, finished.getvalue())


# ------------------------------------------------------------------ prepress

SIGNATURE = 4  # pages in one folded sheet
FILLERS = 3  # filler pages the book template holds before the back cover (.signature-filler)


def _fold_into_signatures(document, render_with: Callable[[list[object]], object],  # type: ignore[no-untyped-def]
                          name: str):
    """The print layout with as many filler pages before the back cover as make
    its page count a multiple of four (a printed book is folded from sheets of
    four pages).

    The fillers are blank pages, each starting a page; the back cover then
    takes the next verso, which may add or take away a blank page of its own:
    so the count predicted from the first layout is tried first, then the
    others the template holds, each laid out again, until the pages fold.
    """
    import weasyprint

    pages = len(document.pages)
    if pages % SIGNATURE == 0:
        return document
    predicted = SIGNATURE - pages % SIGNATURE
    tried: list[str] = []
    for shown in [predicted] + [n for n in range(1, FILLERS + 1) if n != predicted]:
        if shown > FILLERS:
            continue
        rule = ", ".join(f".signature-filler-{n}" for n in range(1, shown + 1))
        # (render()'s stylesheets are user stylesheets: only !important outranks
        # the theme's `display: none`)
        laid_out = render_with([weasyprint.CSS(string=f"{rule} {{ display: block !important; }}")])
        if len(laid_out.pages) % SIGNATURE == 0:
            return laid_out
        tried.append(f"{shown} filler(s) give {len(laid_out.pages)}")
    raise PipelineError(f"{name}: {pages} pages do not fold into sheets of {SIGNATURE} with up to "
                        f"{FILLERS} filler pages before the back cover ({'; '.join(tried)})")


MM = 72 / 25.4  # PDF points in a millimetre


def press_profile_css(theme: Theme) -> str:
    """The @color-profile rule for the printer's CMYK profile named in theme.yml, or ''.

    `print-profile: press.icc` (a file in the theme folder, supplied by the
    printer) makes the print edition's output intent that CMYK profile instead
    of sRGB. A file that is not a CMYK ICC profile is refused with its name.
    """
    name = theme.options.get("print-profile")
    if not name:
        return ""
    path = theme.path(str(name))
    header = path.read_bytes()[:40]
    if len(header) < 40 or header[36:40] != b"acsp":
        raise PipelineError(f"theme.yml print-profile: '{theme.rel(str(name))}' is not an ICC profile")
    if header[16:20] != b"CMYK":
        raise PipelineError(f"theme.yml print-profile: '{theme.rel(str(name))}' is a "
                            f"{header[16:20].decode('ascii', 'replace').strip()} profile; a press profile is CMYK")
    return (f'@color-profile device-cmyk {{ src: url("{path.relative_to(theme.root).as_posix()}"); '
            "components: cyan, magenta, yellow, black; }")


def _slug_finisher(theme: Theme, cmyk: bool) -> Callable[..., None]:
    """Extend every page of the print PDF beyond its bleed into a slug, and draw
    the crop marks there.

    WeasyPrint's own marks stand inside the bleed (its MediaBox is the
    BleedBox). Here the MediaBox grows by `slug` (theme.yml, mm) on every side
    while TrimBox and BleedBox stay exact, and the marks are drawn along the trim
    lines from `mark-offset` beyond the trim (outside the bleed) to near the
    sheet's edge, as an artifact (not part of the tagged reading order).
    """
    slug = float(theme.options.get("slug", 10)) * MM
    offset = float(theme.options.get("mark-offset", 5)) * MM
    registration = bool(theme.options.get("registration-marks", False))

    def finish(document, pdf) -> None:  # type: ignore[no-untyped-def]
        import pydyf

        for number in pdf.pages["Kids"][::3]:
            page = pdf.objects[number]
            x0, y0, x1, y1 = (float(v) for v in page["TrimBox"])
            bx0, by0, bx1, by1 = (float(v) for v in page["BleedBox"])
            bleed = max(x0 - bx0, y0 - by0, bx1 - x1, by1 - y1)
            reach = bleed + slug  # from the trim to the sheet's edge
            page["MediaBox"] = pydyf.Array([x0 - reach, y0 - reach, x1 + reach, y1 + reach])
            start, end = max(offset, bleed + 1 * MM), reach - 1.5 * MM
            ink = "0 0 0 1 K" if cmyk else "0 G"
            ops = ["q", "/Artifact BMC", "0.3 w", ink]
            for x, y, sx, sy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
                ops.append(f"{x + sx * start:.3f} {y:.3f} m {x + sx * end:.3f} {y:.3f} l S")
                ops.append(f"{x:.3f} {y + sy * start:.3f} m {x:.3f} {y + sy * end:.3f} l S")
            if registration:
                radius = min(3 * MM, (end - start) / 2)
                middle = (start + end) / 2
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                for px, py in ((cx, y0 - middle), (cx, y1 + middle), (x0 - middle, cy), (x1 + middle, cy)):
                    ops.append(_circle(px, py, radius))
                    ops.append(f"{px - radius * 1.4:.3f} {py:.3f} m {px + radius * 1.4:.3f} {py:.3f} l "
                               f"{px:.3f} {py - radius * 1.4:.3f} m {px:.3f} {py + radius * 1.4:.3f} l S")
            ops += ["EMC", "Q"]
            # WeasyPrint's page stream leaves its coordinate transform in place:
            # wrap it in q ... Q so that the marks are drawn in the page's own space.
            before = pydyf.Stream([b"q"])
            marks = pydyf.Stream(["Q", *ops], compress=True)
            pdf.add_object(before)
            pdf.add_object(marks)
            page["Contents"] = pydyf.Array([before.reference, page["Contents"], marks.reference])

    return finish


def _circle(cx: float, cy: float, r: float) -> str:
    k = 0.5523 * r  # Bézier approximation of a quarter circle
    return (f"{cx + r:.3f} {cy:.3f} m "
            f"{cx + r:.3f} {cy + k:.3f} {cx + k:.3f} {cy + r:.3f} {cx:.3f} {cy + r:.3f} c "
            f"{cx - k:.3f} {cy + r:.3f} {cx - r:.3f} {cy + k:.3f} {cx - r:.3f} {cy:.3f} c "
            f"{cx - r:.3f} {cy - k:.3f} {cx - k:.3f} {cy - r:.3f} {cx:.3f} {cy - r:.3f} c "
            f"{cx + k:.3f} {cy - r:.3f} {cx + r:.3f} {cy - k:.3f} {cx + r:.3f} {cy:.3f} c S")


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
        super().__init__(logging.DEBUG)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            # only the reason of the error just logged ("Failed to render SVG image")
            if record.exc_info and self.errors and self.errors[-1].startswith("Failed to render SVG"):
                self.errors[-1] += f": {_reason((record.exc_info[1],))}"
            return
        message = record.getMessage()
        if record.levelno >= logging.ERROR or any(word in message for word in self.FATAL):
            if message.rstrip().endswith(":"):
                # WeasyPrint re-raises an image's failure without a message
                # ("Failed to load image at '...': "): the reason is in its cause.
                message = f"{message.rstrip()} {_reason(record.args)}"
            lines = message.splitlines()
            self.errors.append(lines[0] if lines else message)

    def raise_first(self, name: str) -> None:
        if self.errors:
            raise PipelineError(f"{name}: theme problem: {self.errors[0]}")


def _reason(args: object) -> str:
    """The first non-empty message in the cause chain of a logged exception."""
    found = [a for a in args if isinstance(a, BaseException)] if isinstance(args, tuple) else []
    exc: BaseException | None = found[-1] if found else None
    seen = 0
    while exc is not None and seen < 10:
        if str(exc).strip():
            return f"{type(exc).__name__}: {str(exc).strip()}"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return "no reason given by WeasyPrint"


def _page_map(document) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Each anchor id -> the 1-based page it is laid out on (first occurrence)."""
    ids: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            ids.setdefault(anchor, number)
    return ids
