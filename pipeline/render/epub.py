"""The book as EPUB 3: reflowable, accessible, reproducible.

One XHTML document per section and per part opener (plus cover, title page,
contents, Icon Table and footnotes), all written by the shared `HtmlWriter`
from the same document model the PDF is made from; EbookLib assembles the
package (manifest, spine, NCX, metadata). Then:

- the print edition's page map (handed in by the build, which makes it with
  the print PDF) becomes page-break markers and the page list;
- the zip is rewritten with a fixed entry order and fixed timestamps, so the
  same inputs give the same bytes;
- `render_epub` returns the bytes: the build writes them atomically, so a
  failed build leaves the previous EPUB.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from ebooklib import epub as ebook
from lxml import etree

from ..errors import PipelineError
from ..files import atomic_path
from ..languages import direction, font_families
from ..model import FootnoteRef, Heading, Loc, Section, XRef, all_inlines, plain_text, walk_inlines
from ..theme import Theme
from ..timestamps import build_timestamp
from ..transforms.resolve import fill
from .colours import box_ink, legible, rgb, sector_ink
from .html import LRI, PDI, HtmlWriter, Linker, attr
from .pdf import _Markup, imprint_publisher
from .subset import document_text, edition_characters, stylesheet_text, subset_font

if TYPE_CHECKING:
    from ..project import Edition, PageMap

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Documents the pipeline generates; no section id may take these names.
COVER, TITLE_PAGE, NAV, ICON_TABLE, FOOTNOTES = "cover", "imprint", "nav", "icon-table", "footnotes"
RESERVED_DOCUMENTS = (COVER, TITLE_PAGE, NAV, ICON_TABLE, FOOTNOTES, "toc")


# --------------------------------------------------------------------------
# Fonts: which of the theme's families an edition embeds
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFace:
    family: str  # the CSS family name (fonts/fonts.css's aliases)
    file: str  # in the theme's fonts/ folder
    weight: int
    style: str

    @property
    def media_type(self) -> str:
        return "font/otf" if self.file.endswith(".otf") else "font/ttf"


FONT_FAMILIES: dict[str, tuple[FontFace, ...]] = {
    # Latin (with French), Cyrillic, Greek: Noto Sans, about 2 MB for four faces.
    "latin": (
        FontFace("Compendium Sans", "NotoSans-Regular.ttf", 400, "normal"),
        FontFace("Compendium Sans", "NotoSans-Italic.ttf", 400, "italic"),
        FontFace("Compendium Sans", "NotoSans-Bold.ttf", 700, "normal"),
        FontFace("Compendium Sans", "NotoSans-BoldItalic.ttf", 700, "italic"),
    ),
    # Arabic script: Noto Naskh Arabic (no italic), about 360 kB.
    "arabic": (
        FontFace("Compendium Arabic", "NotoNaskhArabic-Regular.ttf", 400, "normal"),
        FontFace("Compendium Arabic", "NotoNaskhArabic-Bold.ttf", 700, "normal"),
    ),
    # Chinese (and kana/Hangul in SC forms): Noto Sans CJK SC, 33 MB unsubset.
    "cjk": (
        FontFace("Compendium CJK", "NotoSansCJKsc-Regular.otf", 400, "normal"),
        FontFace("Compendium CJK", "NotoSansCJKsc-Bold.otf", 700, "normal"),
    ),
}

def epub_fonts(lang: str) -> list[FontFace]:
    return [face for family in font_families(lang) for face in FONT_FAMILIES[family]]


def fonts_css(lang: str) -> str:
    faces = epub_fonts(lang)
    rules = [
        "@font-face {\n"
        f'  font-family: "{face.family}";\n'
        f'  src: url("../fonts/{face.file}");\n'
        f"  font-weight: {face.weight};\n"
        f"  font-style: {face.style};\n"
        "}"
        for face in faces
    ]
    stack = ", ".join(f'"{FONT_FAMILIES[name][0].family}"' for name in font_families(lang))
    rules.append(f"body {{ font-family: {stack}, sans-serif; }}")
    return "\n".join(rules) + "\n"


# --------------------------------------------------------------------------
# Colours: icons.yml and sectors.yml as plain classes, legible on screen
# --------------------------------------------------------------------------


WHITE, PAGE = "#ffffff", "#ffffff"


def colours_css(edition: Edition) -> str:
    """Sector and icon colours as classes. Text colours are darkened where the
    designer's colour is too light for text (4.5:1), icon discs where white
    strokes on them would fall below 3:1."""
    book = edition.book
    rules: list[str] = []
    for sector in book.sectors.values():
        sid = sector.id
        text = sector_ink(sector.colour)
        fill = sector_ink(sector.colour)  # white text on it
        rules += [
            f".sector-{sid} .section-title, .sector-{sid} h3.sub2, .sector-{sid} caption {{ color: {text}; }}",
            f".sector-{sid} .section-title {{ border-bottom-color: {text}; }}",
            f".sector-{sid} th[scope=\"col\"] {{ background-color: {fill}; }}",
            f"section.part-opener.sector-{sid} {{ background-color: {fill}; }}",
            f"nav#contents li.sector-{sid} > a .toc-num {{ color: {text}; }}",
        ]
    for icon in book.icons.values():
        iid = icon.id
        rules += [
            f"aside.box--{iid} {{ border-left-color: {icon.colour}; }}",
            f"aside.box--{iid} > .box-head .box-label, .icon-{iid} th[scope=\"row\"] "
            f"{{ color: {box_ink(icon.colour)}; }}",
            f".box--{iid} .box-icon, .icon-{iid} .box-icon {{ background-color: {legible(icon.colour, WHITE, 3.0)}; }}",
        ]
    return "\n".join(rules) + "\n"


# --------------------------------------------------------------------------
# The cover image
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverSpec:
    """Everything the cover is drawn from: `draw_cover` reads nothing else, so
    these fields (with the font files' bytes, the drawing code and Pillow's
    version) are a safe key for the cover cache."""

    lang: str
    publisher: str
    title: str
    subtitle: str
    draft_label: str  # empty unless the edition is a draft
    year: str
    colour: str
    regular: Path  # font files
    bold: Path
    shaped: bool  # the script needs shaping (libraqm, where Pillow has it)


def cover_spec(edition: Edition) -> CoverSpec:
    book, theme, s = edition.book, edition.theme, edition.strings
    meta = book.meta
    colour = book.sectors["general"].colour if "general" in book.sectors else "#1b5e8c"
    family = FONT_FAMILIES[font_families(edition.lang)[0]]
    regular = next(f for f in family if f.weight == 400 and f.style == "normal")
    bold = next((f for f in family if f.weight == 700 and f.style == "normal"), regular)
    return CoverSpec(edition.lang, meta.publisher, meta.title, meta.subtitle,
                     s["Draft translation"] if edition.draft else "", str(meta.year), legible(colour, WHITE, 4.5),
                     theme.path(f"fonts/{regular.file}"), theme.path(f"fonts/{bold.file}"),
                     font_families(edition.lang)[0] != "latin")


def cover_png(edition: Edition) -> bytes:
    """A 1600 x 2400 PNG cover from the book's title, deterministic (no clock, no randomness)."""
    return draw_cover(cover_spec(edition))


def cached_cover_png(edition: Edition, cache_dir: Path) -> bytes:
    """`cover_png`, kept in `cache_dir`/covers/ under a hash of everything it is
    drawn from: the cover changes only when the title, the draft label, the
    colour, the fonts, the code or Pillow do, and drawing and compressing it
    was a third of the EPUB's own work on every build."""
    from importlib.metadata import version

    from ..project import file_digest

    spec = cover_spec(edition)
    digest = hashlib.sha256(repr(spec).encode("utf-8"))
    digest.update(f"\0Pillow {version('Pillow')}\0".encode())
    if spec.shaped:
        from PIL import features

        digest.update(f"raqm {features.version('raqm')}\0".encode())
    for path in (spec.regular, spec.bold, Path(__file__)):
        digest.update(file_digest(path))
    prefix = re.sub(r"[^A-Za-z0-9-]", "_", spec.lang)
    # (a dot after the language: "zh" must not match "zh-Hans" when pruning)
    path = cache_dir / "covers" / f"{prefix}.{digest.hexdigest()[:32]}.png"
    try:
        data = path.read_bytes()
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82"):
            return data
    except OSError:
        pass
    data = draw_cover(spec)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    for old in path.parent.glob(f"{prefix}.*.png"):  # this language's previous covers
        if old != path:
            old.unlink(missing_ok=True)
    return data


def draw_cover(spec: CoverSpec) -> bytes:
    from PIL import Image, ImageDraw, ImageFont, features

    width, height, margin = 1600, 2400, 150
    colour = spec.colour
    # Latin needs no shaping: the basic engine gives the same pixels on every
    # machine. Arabic needs libraqm's shaping where Pillow has it.
    engine = ImageFont.Layout.BASIC
    rtl = direction(spec.lang) == "rtl"
    if spec.shaped and features.check("raqm"):
        engine = ImageFont.Layout.RAQM

    def font(path: Path, size: int) -> Any:
        return ImageFont.truetype(str(path), size, layout_engine=engine)

    # Everything drawn is white on one of two flat colours (the band at the
    # top, the page below), so the cover is drawn as a coverage mask and
    # stored as a palette image: a third of the pixels to compress of an RGB
    # image, which made the PNG encoder the slowest step of the EPUB build.
    band_height = 380
    band = tuple(round(v * 0.78) for v in rgb(colour))
    image = Image.new("L", (width, height), 0)  # how much white covers each pixel
    draw = ImageDraw.Draw(image)

    def lines(text: str, f: Any, room: int) -> list[str]:
        out: list[str] = []
        for word in text.split():
            if out and f.getlength(out[-1] + " " + word) <= room:
                out[-1] += " " + word
            else:
                out.append(word)
        return out

    def write(y: int, text: str, f: Any, leading: float, fill: int = 255) -> int:
        size = f.size
        for line in lines(text, f, width - 2 * margin):
            x = width - margin if rtl else margin
            anchor = "ra" if rtl else "la"
            draw.text((x, y), line, font=f, fill=fill, anchor=anchor,
                      direction="rtl" if rtl and engine == ImageFont.Layout.RAQM else None)
            y += round(size * leading)
        return y

    write(165, spec.publisher.upper(), font(spec.bold, 46), 1.3)
    y = write(620, spec.title.upper(), font(spec.bold, 132), 1.12)
    draw.rectangle((margin, y + 70, margin + 240, y + 82), fill=255)
    y = write(y + 170, spec.subtitle, font(spec.regular, 76), 1.3)
    if spec.draft_label:
        write(y + 80, spec.draft_label.upper(), font(spec.bold, 56), 1.3)
    write(height - 260, spec.year, font(spec.regular, 64), 1.2)
    # Palette: 128 steps from the page colour to white, then 128 from the band's.
    levels = image.point([v >> 1 for v in range(256)])
    levels.paste(levels.crop((0, 0, width, band_height)).point([min(v, 127) + 128 for v in range(256)]), (0, 0))
    cover = Image.frombytes("P", (width, height), levels.tobytes())
    palette: list[int] = []
    for base in (rgb(colour), band):
        for step in range(128):
            palette += [round(c + (255 - c) * step / 127) for c in base]
    cover.putpalette(palette)
    out = io.BytesIO()
    cover.save(out, "PNG", compress_level=6)
    return out.getvalue()


# --------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------


@dataclass
class _Doc:
    name: str  # file name inside EPUB/, e.g. "maximising-ppp-success.xhtml"
    title: str  # the <title>
    body: str  # markup inside <body>
    body_class: str = ""
    properties: list[str] = field(default_factory=list)
    tree: Any = None  # the parsed document (lxml)


@dataclass
class _Entry:
    """One line of the contents (nav and NCX)."""

    href: str
    number: str
    title: str
    kind: str
    sector: str = ""
    children: list[_Entry] = field(default_factory=list)
    lang: str = ""  # ' lang="en"' when the title is shown in the source language
    # The title as XHTML for the navigation document: with its language and
    # direction when it falls back to the source language (the NCX takes `title`).
    title_html: str = ""

    @property
    def text(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


def document_name(section_id: str) -> str:
    return f"{section_id}.xhtml"


class _Renderer:
    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.book = edition.book
        self.theme: Theme = edition.theme
        self.lang = edition.lang
        self.dir = direction(self.lang)
        self.s = dict(edition.strings)
        # The theme's words this edition prints in English: those whose PO entry is
        # untranslated or fuzzy (the translation's fallbacks, `book.untranslated`),
        # never a translation that happens to be spelled as in English ("Pages" in
        # French). Marked lang="en" where they appear, as the book's own fallback
        # text is, and in a right-to-left edition isolated left to right.
        self.english_strings = {key for key in self.s if f"theme.{key}" in self.book.untranslated}
        if self.dir == "rtl":
            for key in self.english_strings:
                if "{" not in self.s[key]:
                    self.s[key] = f"{LRI}{self.s[key]}{PDI}"
        self.writer = HtmlWriter(
            self.book,
            dict(edition.strings),
            linker=Linker(document_of=document_name),
            epub=True,
            page_refs=False,
            footnote_mode="endnotes",
            icon_src=lambda name: f"icons/{name}",
            icon_images=True,
            xref_titles=True,
        )
        self.docs: list[_Doc] = []
        self.toc: list[_Entry] = []
        self.page_numbers = False  # whether the page list (print page numbers) is given

    def string_lang(self, key: str) -> str:
        """` lang="en"` where the theme's word `key` is still English in this edition."""
        return ' lang="en"' if key in self.english_strings else ""

    # -- checks the model must pass before anything is written ---------------

    def check_model(self) -> None:
        for section in self.book.sections():
            if section.id in RESERVED_DOCUMENTS:
                raise PipelineError(
                    f"section id '{section.id}' is the name of a document the EPUB generates "
                    f"({', '.join(RESERVED_DOCUMENTS)}): choose another id",
                    section.loc,
                )
        index = self.writer.index
        notes = {note.label for note in self.book.footnotes}
        cited: dict[str, Loc] = {}
        for _section, _loc, run in all_inlines(self.book):
            for node in walk_inlines(run):
                if isinstance(node, XRef) and node.target not in index:
                    raise PipelineError(f"cross-reference to '#{node.target}': no such id in the book", node.loc)
                if isinstance(node, FootnoteRef):
                    if node.label not in notes:
                        raise PipelineError(f"footnote '[^{node.label}]' is not defined in footnotes.md", node.loc)
                    if node.label in cited:
                        # the endnote links back to one place in the text
                        raise PipelineError(f"footnote '[^{node.label}]' is cited twice (first at "
                                            f"{cited[node.label]})", node.loc)
                    cited[node.label] = node.loc
        for _section, box in self.book.boxes():
            if box.kind not in self.book.icons:
                raise PipelineError(f"unknown icon type '{box.kind}'", box.loc)

    # -- the documents ------------------------------------------------------

    def _section_doc(self, section: Section, css: str, epub_type: str, role: str = "") -> _Doc:
        sector = section.sectors[0] if section.sectors else "general"
        role_attr = f' role="{role}"' if role else ""
        body = (
            f'<section class="{css} sector-{attr(sector)}" id="{attr(section.id)}" '
            f'epub:type="{epub_type}"{role_attr}>\n'
            f'<h2 class="section-title">{self.writer.section_title(section)}</h2>\n'
            f"{self.writer.blocks(section.blocks)}\n</section>"
        )
        title = f"{section.number} {section.title}" if section.number else section.title
        return _Doc(document_name(section.id), title, body, body_class=css)

    def _title_html(self, section: Section) -> Any:
        return _Markup(self.writer.in_unit_lang(f"{section.id}.title", escape(section.title, quote=False)))

    def _part_doc(self, part: Any) -> _Doc:
        opener: Section = part.opener
        sector = opener.sectors[0] if opener.sectors else "general"
        part_label = fill(self.s["part-label"], opener.number)
        items = "".join(
            f'<li><a href="{attr(document_name(sec.id))}"><span class="toc-num">{escape(sec.number)}</span> '
            f'<span class="toc-title">{self._title_html(sec)}</span></a></li>'
            for sec in part.sections
        )
        body = (
            f'<section class="part-opener sector-{attr(sector)}" id="{attr(opener.id)}" '
            f'epub:type="part" role="doc-part">\n'
            f'<h1 class="part-title"><span class="part-label">{escape(part_label)}</span> '
            f"{self.writer.in_unit_lang(f'{opener.id}.title', self.writer.inlines(opener.title_inlines))}</h1>\n"
            f'<nav class="part-toc" aria-label="{attr(self.s["In this part"])}"><ol>{items}</ol></nav>\n'
            f'<div class="part-intro">{self.writer.blocks(opener.blocks)}</div>\n</section>'
        )
        return _Doc(document_name(opener.id), fill(self.s["part-title"], opener.number, title=opener.title),
                    body, body_class="part-opener")

    def _headings(self, section: Section) -> list[_Entry]:
        doc = document_name(section.id)
        return [
            _Entry(f"{doc}#{block.id}", f"{block.letter})" if block.letter else "",
                   plain_text(block.children), "heading", lang=self.writer.lang_of(block.id))
            for block in section.blocks
            if isinstance(block, Heading) and block.level == 2 and block.id
        ]

    def build_documents(self) -> None:
        book, s, meta = self.book, self.s, self.book.meta
        cover_alt = s["epub.cover-alt"].format(
            title=meta.title, subtitle=meta.subtitle, publisher=meta.publisher, year=meta.year)
        self.docs.append(_Doc(
            document_name(COVER), s["Cover"],
            f'<section class="cover" id="cover" epub:type="cover">'
            f'<img class="cover-image" src="images/cover.png" alt="{attr(cover_alt)}" role="doc-cover"'
            f'{self.string_lang("epub.cover-alt")} /></section>',
            body_class="cover-page"))

        draft = ""
        if self.edition.draft:
            draft = (f'<p class="draft-label">{escape(s["Draft translation"])}</p>'
                     + (f'<p class="draft-notice">{escape(self.edition.draft_notice)}</p>'
                        if self.edition.draft_notice else ""))
        edition_line = fill(s["Edition"], edition=s["EPUB edition"], language=self.edition.language_name,
                            date=str(meta.year))
        imprint = (
            f'<section class="titlepage" id="imprint" epub:type="titlepage">\n'
            f'<h1 class="title-main">{escape(meta.title)}</h1>\n'
            + (f'<p class="title-sub">{escape(meta.subtitle)}</p>\n' if meta.subtitle else "")
            + f"{draft}\n"
            f'<p class="title-publisher">{escape(meta.publisher)}</p>\n'
            f'<div class="imprint" epub:type="copyright-page">\n'
            f'<p{self.string_lang("Published by")}>{escape(imprint_publisher(book, s))}</p>\n'
            f'<p{self.string_lang("Edition")}>{escape(edition_line)}</p>\n'
            + (f"<p>{escape(meta.rights)}</p>\n" if meta.rights else "")
            + (f'<p{self.string_lang("epub.page-numbers")}>{escape(s["epub.page-numbers"])}</p>\n'
               if self.page_numbers else "")
            + "</div>\n</section>"
        )
        self.docs.append(_Doc(document_name(TITLE_PAGE), s["Title page"], imprint, body_class="titlepage"))
        # The contents (the navigation document) comes third, as in print;
        # it is rendered last, when the page list is known.
        self.docs.append(_Doc(document_name(NAV), s["Contents"], "", body_class="contents", properties=["nav"]))

        for section in book.front:
            self.docs.append(self._section_doc(section, "front-matter", "frontmatter"))
            self.toc.append(_Entry(document_name(section.id), "", section.title, "front",
                                   children=self._headings(section), title_html=self._title_html(section)))
            if section.id == book.icon_table_after:
                body = (
                    f'<section class="front-matter icon-table-section" id="icon-table" epub:type="frontmatter">\n'
                    f'<h2 class="section-title">{escape(s["Icon Table"])}</h2>\n{self.writer.icon_table()}\n</section>'
                )
                self.docs.append(_Doc(document_name(ICON_TABLE), s["Icon Table"], body, body_class="front-matter"))
                self.toc.append(_Entry(document_name(ICON_TABLE), "", s["Icon Table"], "front",
                                       lang=self.string_lang("Icon Table")))
        for part in book.parts:
            self.docs.append(self._part_doc(part))
            sector = part.opener.sectors[0] if part.opener.sectors else "general"
            entry = _Entry(document_name(part.id), fill(s["part-label"], part.number), part.title, "part", sector,
                           title_html=self._title_html(part.opener))
            for section in part.sections:
                self.docs.append(self._section_doc(section, "chapter", "chapter", "doc-chapter"))
                entry.children.append(_Entry(document_name(section.id), section.number, section.title,
                                             "section", sector, self._headings(section),
                                             title_html=self._title_html(section)))
            self.toc.append(entry)
        for section in book.back:
            self.docs.append(self._section_doc(section, "back-matter", "backmatter"))
            self.toc.append(_Entry(document_name(section.id), "", section.title, "back",
                                   children=self._headings(section), title_html=self._title_html(section)))
        if book.footnotes:
            body = (
                f'<section class="back-matter endnotes" id="footnotes" epub:type="endnotes" role="doc-endnotes">\n'
                f'<h2 class="section-title">{escape(s["Footnotes"])}</h2>\n{self.writer.endnotes()}\n</section>'
            )
            self.docs.append(_Doc(document_name(FOOTNOTES), s["Footnotes"], body, body_class="back-matter"))
            self.toc.append(_Entry(document_name(FOOTNOTES), "", s["Footnotes"], "back",
                                   lang=self.string_lang("Footnotes")))

    def landmarks(self) -> list[dict[str, str]]:
        s = self.s
        names = [d.name for d in self.docs]
        first_content = names[names.index(document_name(NAV)) + 1]
        marks = [
            ("cover", document_name(COVER), "Cover"),
            ("titlepage", document_name(TITLE_PAGE), "Title page"),
            ("toc", f"{document_name(NAV)}#contents", "Contents"),
            ("bodymatter", first_content, "Start of content"),
        ]
        if document_name(FOOTNOTES) in names:
            marks.append(("endnotes", document_name(FOOTNOTES), "Footnotes"))
        return [{"type": kind, "href": href, "text": s[key], "lang": self.string_lang(key)}
                for kind, href, key in marks]

    # -- XHTML ----------------------------------------------------------------

    def render(self, doc: _Doc, template: str = "section.xhtml.j2", **extra: Any) -> None:
        text = self.theme.render(
            template,
            lang=self.lang,
            dir=self.dir,
            title=doc.title,
            body_class=doc.body_class,
            stylesheets=["css/epub.css", "css/edition.css"],
            body=_Markup(doc.body),
            s=self.s,
            lang_of=lambda key: _Markup(self.string_lang(key)),
            **extra,
        )
        doc.tree = _parse_xhtml(text, doc.name, self.theme.rel(f"templates/{template}"))

    def render_nav(self, doc: _Doc, page_list: list[dict[str, str]]) -> None:
        self.render(doc, "nav.xhtml.j2", toc=self.toc, landmarks=self.landmarks(), page_list=page_list)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


def _parse_xhtml(text: str, name: str, template: str) -> Any:
    try:
        return etree.fromstring(text.encode("utf-8"), _PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        raise PipelineError(f"{name} (from {template}) is not well-formed XHTML: {exc.msg}") from None


def _ids(tree: Any) -> list[Any]:
    # (XPath walks the tree in C: this runs several times over every document)
    return [el for el in tree.getroot().xpath("//*[@id]") if el.get("id")]


def check_ids(docs: list[_Doc]) -> None:
    for doc in docs:
        seen: set[str] = set()
        for el in _ids(doc.tree):
            ident = el.get("id")
            if ident in seen:
                raise PipelineError(f"{doc.name}: the id '{ident}' is used twice in one document")
            seen.add(ident)


def check_links(docs: list[_Doc]) -> None:
    """Every internal link lands on an existing document and id (a broken one is a pipeline bug
    or a model the checks would have refused)."""
    ids = {doc.name: {el.get("id") for el in _ids(doc.tree)} for doc in docs}
    for doc in docs:
        for a in doc.tree.getroot().iter(f"{{{XHTML_NS}}}a"):
            href = a.get("href") or ""
            if not href or href.startswith(("http:", "https:", "mailto:")):
                continue
            name, _, frag = href.partition("#")
            name = name or doc.name
            if name not in ids or (frag and frag not in ids[name]):
                raise PipelineError(f"{doc.name}: link to '{href}' has no target in the EPUB")


# --------------------------------------------------------------------------
# Page list: the print edition's pages
# --------------------------------------------------------------------------

_NO_SPAN_CHILD = {f"{{{XHTML_NS}}}{t}" for t in ("ol", "ul", "table", "thead", "tbody", "tfoot", "tr", "dl")}
_INLINE_WRAPPERS = {f"{{{XHTML_NS}}}{t}" for t in ("sup", "sub")}


def _marker(page: int) -> Any:
    span = etree.Element(f"{{{XHTML_NS}}}span")
    span.set(f"{{{EPUB_NS}}}type", "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("id", f"page-{page}")
    span.set("aria-label", str(page))
    return span


def _insert_before(element: Any, marker: Any) -> None:
    """Put `marker` right before `element`, or as its first child where a span
    may not stand beside it (a list item, a table row)."""
    target = element
    while target.getparent() is not None and target.getparent().tag in _INLINE_WRAPPERS:
        target = target.getparent()
    parent = target.getparent()
    if parent is None or parent.tag in _NO_SPAN_CHILD or parent.tag == f"{{{XHTML_NS}}}html":
        marker.tail = target.text
        target.text = None
        target.insert(0, marker)
    else:
        parent.insert(parent.index(target), marker)


def _append_to_body(doc: _Doc, marker: Any) -> None:
    body = doc.tree.getroot().find(f"{{{XHTML_NS}}}body")
    body.append(marker)


@dataclass
class _Placement:
    page: int
    doc: _Doc
    element: Any | None  # None: at the end of the document


def plan_page_breaks(docs: list[_Doc], ids: dict[str, int], pages: int | None) -> list[_Placement]:
    """Where each page of the print edition begins, in the EPUB.

    A page begins at the first element (in reading order) carrying an id the
    print layout put on that page. A page without any id of its own is placed
    with the next page that has one when both are in the same document (the
    text in between is not addressable), otherwise at the end of the previous
    document: a blank left-hand page, or the tail of a section running over.
    """
    placements: list[_Placement] = []
    current, last_doc = 0, None
    for doc in docs:
        for element in _ids(doc.tree):
            page = ids.get(element.get("id"))
            if page is None or page <= current:
                continue
            for orphan in range(current + 1, page):
                if last_doc is not None and last_doc is not doc:
                    placements.append(_Placement(orphan, last_doc, None))
                else:
                    placements.append(_Placement(orphan, doc, element))
            placements.append(_Placement(page, doc, element))
            current, last_doc = page, doc
    if last_doc is not None and pages:
        for orphan in range(current + 1, pages + 1):
            placements.append(_Placement(orphan, last_doc, None))
    return placements


def insert_page_breaks(placements: list[_Placement]) -> None:
    for placement in placements:
        marker = _marker(placement.page)
        if placement.element is None:
            _append_to_body(placement.doc, marker)
        else:
            _insert_before(placement.element, marker)


# --------------------------------------------------------------------------
# The package
# --------------------------------------------------------------------------


def book_uid(edition: Edition, kind: str = "epub") -> str:
    """A stable identifier: the same title and language always give the same one."""
    meta = edition.book.meta
    name = f"compendium:{kind}:{meta.title}|{meta.subtitle}|{edition.lang}"
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _package(renderer: _Renderer, edition: Edition, stamp: datetime, page_list: list[dict[str, str]],
             assets: list[tuple[str, str, bytes]], cover: bytes) -> bytes:
    book_meta = edition.book.meta
    s = renderer.s
    book = ebook.EpubBook()
    book.set_identifier(book_uid(edition))
    book.title = book_meta.title
    book.add_metadata("DC", "title", book_meta.title, {"id": "title"})
    book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if book_meta.subtitle:
        book.add_metadata("DC", "title", book_meta.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    book.set_language(edition.lang)
    if renderer.dir == "rtl":
        book.set_direction("rtl")
    if book_meta.author.strip():
        book.add_metadata("DC", "creator", book_meta.author, {"id": "creator"})
        book.add_metadata(None, "meta", "aut", {"refines": "#creator", "property": "role",
                                                "scheme": "marc:relators"})
    # Empty elements are invalid in the package document: only what the book gives.
    for name, value in (("publisher", book_meta.publisher), ("date", book_meta.date),
                        ("description", book_meta.subject), ("rights", book_meta.rights)):
        if value.strip():
            book.add_metadata("DC", name, value)
    for keyword in book_meta.keywords:
        if keyword.strip():
            book.add_metadata("DC", "subject", keyword)
    if edition.draft and edition.draft_notice.strip():
        # a draft translation says so in its metadata too, where a catalogue or a
        # reading system's library shows the book without opening it
        book.add_metadata("DC", "description", edition.draft_notice)

    # Accessibility (EPUB Accessibility 1.1, schema.org discoverability vocabulary).
    english_metadata: set[str] = set()

    def meta(prop: str, value: str) -> None:
        book.add_metadata(None, "meta", value, {"property": prop})

    meta("schema:accessMode", "textual")
    meta("schema:accessMode", "visual")
    meta("schema:accessModeSufficient", "textual")
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "alternativeText", "ARIA"]
    if page_list:
        features += ["pageBreakMarkers", "pageNavigation", "printPageNumbers"]
    for feature in features:
        meta("schema:accessibilityFeature", feature)
    meta("schema:accessibilityHazard", "none")
    # The summary says what a reader can rely on and how it was checked, in the
    # edition's language (or marked English where the theme's words are not yet translated).
    parts = ["epub.accessibility-summary", *(["epub.accessibility-summary.pages"] if page_list else []),
             "epub.accessibility-summary.checks"]
    # one paragraph of whole passages, joined as the translation joins them ("{first} {next}":
    # a space in English, none in Chinese)
    summary = s[parts[0]]
    for key in parts[1:]:
        summary = fill(s["epub.accessibility-summary.join"], first=summary, next=s[key])
    if any(key in renderer.english_strings for key in [*parts, "epub.accessibility-summary.join"]):
        english_metadata.add(summary)
    meta("schema:accessibilitySummary", summary)
    meta("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    meta("a11y:certifiedBy", s["epub.certified-by"])
    if "epub.certified-by" in renderer.english_strings:
        english_metadata.add(s["epub.certified-by"])
    if page_list:
        # The page list follows the print edition (compendium-print.pdf).
        source = book_uid(edition, "print")
        book.add_metadata("DC", "source", source, {"id": "print-edition"})
        meta("pageBreakSource", source)

    # Resources.
    for name, media_type, data in assets:
        book.add_item(ebook.EpubItem(uid=_uid(name), file_name=name, media_type=media_type, content=data))
    book.set_cover("images/cover.png", cover, create_page=False)
    book.add_item(ebook.EpubNcx())
    spine = []
    for doc in renderer.docs:
        item = _XhtmlItem(uid=_uid(doc.name), file_name=doc.name, media_type="application/xhtml+xml",
                          content=_serialise(doc.tree))
        item.properties = list(doc.properties)
        book.add_item(item)
        spine.append(item)
    book.spine = spine
    book.toc = _ncx_toc(renderer.toc)
    book.guide = [
        {"type": "cover", "href": document_name(COVER), "title": s["Cover"]},
        {"type": "toc", "href": document_name(NAV), "title": s["Contents"]},
        {"type": "text", "href": renderer.landmarks()[3]["href"], "title": s["Start of content"]},
    ]
    raw = io.BytesIO()
    # EbookLib's zip is only an intermediate (normalise_zip writes the real
    # one): level 0 spares compressing every entry twice.
    ebook.write_epub(raw, book, {"mtime": stamp.replace(tzinfo=None), "epub3_pages": False,
                                "epub3_landmark": False, "raise_exceptions": True, "compresslevel": 0})
    return normalise_zip(raw.getvalue(), stamp,
                         package=lambda opf: _package_languages(opf, edition.lang, english_metadata))


def _package_languages(opf: bytes, lang: str, english: set[str]) -> bytes:
    """The package document's language (xml:lang on <package>, which EbookLib does
    not write), and xml:lang="en" on metadata the edition gives in English."""
    tree = etree.fromstring(opf, _PARSER)
    tree.set(XML_LANG, lang)
    for element in tree.iter("{http://www.idpf.org/2007/opf}meta"):
        if element.text in english and lang != "en":
            element.set(XML_LANG, "en")
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


class _XhtmlItem(ebook.EpubItem):
    """An XHTML document written as given (EbookLib's EpubHtml would re-parse it as HTML)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.properties: list[str] = []


def _uid(name: str) -> str:
    ident = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return ident if ident[0].isalpha() else f"x{ident}"


def _ncx_toc(entries: list[_Entry]) -> list[Any]:
    counter = iter(range(1, 10_000))

    def item(entry: _Entry) -> Any:
        link = ebook.Link(entry.href, entry.text, f"np-{next(counter)}")
        if entry.children:
            return (link, [item(child) for child in entry.children])
        return link

    return [item(entry) for entry in entries]


def _serialise(tree: Any) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


def normalise_zip(data: bytes, stamp: datetime, package: Callable[[bytes], bytes] | None = None) -> bytes:
    """The same entries, in a fixed order, with one fixed timestamp: `mimetype`
    first and stored, then the container, the package document, the rest."""
    date_time = max((stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second),
                    (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        first = [n for n in ("mimetype", "META-INF/container.xml") if n in names]
        opf = [n for n in names if n.endswith(".opf")]
        order = first + opf + [n for n in names if n not in first and n not in opf]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for name in order:
                info = zipfile.ZipInfo(name, date_time)
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                if name == "mimetype":
                    info.compress_type = zipfile.ZIP_STORED
                    dst.writestr(info, src.read(name))
                else:
                    content = src.read(name)
                    if package is not None and name.endswith(".opf"):
                        content = package(content)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    # A PNG is compressed already; text and the (subset) fonts are not.
                    level = 1 if name.endswith(".png") else 6
                    dst.writestr(info, content, compresslevel=level)
    return out.getvalue()


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def _assets(edition: Edition, docs: list[_Doc]) -> list[tuple[str, str, bytes]]:
    theme = edition.theme
    epub_css = theme.path("epub.css").read_bytes()
    edition_css = (fonts_css(edition.lang) + colours_css(edition)).encode("utf-8")
    assets: list[tuple[str, str, bytes]] = [
        ("css/epub.css", "text/css", epub_css),
        ("css/edition.css", "text/css",
         edition_css + theme.path("scripts.css").read_text(encoding="utf-8").encode("utf-8")),
    ]
    # Only the files the book references: every icon when the Icon Table lists
    # them all, otherwise the icons of the box types the book uses.
    book = edition.book
    used = set(book.icons) if book.icon_table_after else {box.kind for _section, box in book.boxes()}
    for icon in (icon for icon in book.icons.values() if icon.id in used):
        rel = f"icons/{icon.svg}"
        try:
            path = theme.path(rel)
        except PipelineError as exc:
            raise PipelineError(f"{exc.message} (the icon of '{icon.id}')", icon.loc) from None
        data = path.read_bytes()
        try:
            etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise PipelineError(f"icon is not well-formed SVG: {exc.msg}", _loc(theme, rel, exc.lineno)) from None
        assets.append((rel, "image/svg+xml", data))
    assets += _font_assets(edition, docs, (epub_css + edition_css).decode("utf-8"))
    return assets


def _font_assets(edition: Edition, docs: list[_Doc], css: str) -> list[tuple[str, str, bytes]]:
    """The edition's font files, each stored once and subset to the characters
    the edition prints (see subset.py: the text of every document, the
    stylesheets' generated text, list markers and hyphens)."""
    characters = edition_characters([*(document_text(doc.tree) for doc in docs), stylesheet_text(css)])
    fonts: dict[str, tuple[str, str, bytes]] = {}
    for face in epub_fonts(edition.lang):
        name = f"fonts/{face.file}"
        if name in fonts:
            continue
        data = edition.theme.path(name).read_bytes()
        try:
            fonts[name] = (name, face.media_type, subset_font(data, characters))
        except ValueError as exc:
            raise PipelineError(f"font cannot be subset: {exc}", Loc(edition.theme.rel(name), 0)) from None
    return list(fonts.values())


def _loc(theme: Theme, rel: str, line: int | None) -> Loc:
    return Loc(theme.rel(rel), line or 0)


def preflight(edition: Edition) -> None:
    """What makes an EPUB build fail, found before anything is laid out: the
    model's references, and the theme's EPUB stylesheet and templates."""
    _Renderer(edition).check_model()
    edition.theme.path("epub.css")
    for template in ("section.xhtml.j2", "nav.xhtml.j2"):
        try:
            edition.theme.env.get_template(template)
        except jinja2.TemplateNotFound:
            raise PipelineError(f"theme template '{edition.theme.rel('templates/' + template)}' is missing") from None
        except jinja2.TemplateSyntaxError as exc:
            raise PipelineError(f"template error: {exc.message}",
                                Loc(edition.theme.rel(f"templates/{template}"), exc.lineno or 0)) from None


def render_epub(edition: Edition, page_map: PageMap | None, cache_dir: Path | None = None) -> bytes:
    """The EPUB's bytes. Without a page map the EPUB has no page list. With a
    `cache_dir` (build/.cache), the cover is drawn only when its inputs change."""
    renderer = _Renderer(edition)
    renderer.page_numbers = page_map is not None
    renderer.check_model()
    renderer.build_documents()
    nav = next(doc for doc in renderer.docs if doc.name == document_name(NAV))
    for doc in renderer.docs:
        if doc is not nav:
            renderer.render(doc)
    renderer.render_nav(nav, [])
    check_ids(renderer.docs)

    page_list: list[dict[str, str]] = []
    if page_map is not None:
        placements = plan_page_breaks(renderer.docs, page_map.ids, page_map.pages)
        for doc in renderer.docs:
            for element in _ids(doc.tree):
                if re.fullmatch(r"page-\d+", element.get("id", "")):
                    raise PipelineError(f"{doc.name}: the id '{element.get('id')}' is reserved for page breaks")
        page_list = [{"href": f"{p.doc.name}#page-{p.page}", "label": str(p.page)} for p in placements]
        # The contents document lists the page list: render it again with it,
        # then find its own page breaks again in the new tree.
        renderer.render_nav(nav, page_list)
        for p in placements:
            if p.doc is nav and p.element is not None:
                p.element = next(el for el in _ids(nav.tree) if el.get("id") == p.element.get("id"))
        insert_page_breaks(placements)
    check_ids(renderer.docs)
    check_links(renderer.docs)

    stamp = build_timestamp(edition.book)
    cover = cached_cover_png(edition, cache_dir) if cache_dir is not None else cover_png(edition)
    return _package(renderer, edition, stamp, page_list, _assets(edition, renderer.docs), cover)
