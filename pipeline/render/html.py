"""The model as HTML: the one piece every renderer shares.

The PDF renderer feeds one HTML document for the whole book to WeasyPrint;
the EPUB renderer asks for one XHTML body per section; the factsheets reuse
boxes and inline text. Where they differ (how a cross-reference's href is
written, EPUB's `epub:type` attributes) a `Linker` and a flag decide, never a
second copy of this code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import unquote

from markupsafe import Markup

from ..languages import direction
from ..model import (
    Block,
    BlockQuote,
    Book,
    Box,
    Cell,
    Code,
    Emph,
    FootnoteRef,
    Heading,
    Inline,
    Link,
    ListBlock,
    Paragraph,
    Section,
    SoftBreak,
    Span,
    Strong,
    Table,
    Text,
    XRef,
    plain_text,
)
from ..transforms.resolve import Target, build_index, fill, label

_BOX_ROLES = {"tips": "doc-tip", "promising-practice": "doc-example"}


def attr(value: str) -> str:
    return escape(value, quote=True)


# Unicode's left-to-right isolate and its end. The `dir` attribute isolates a
# run in the layout; these marks carry the isolation into text that CSS copies
# elsewhere (running heads take a heading's text with `string-set`). Layout
# engines draw them as nothing and extraction leaves them out.
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"
ZWSP = "\u200b"
# Unicode's word joiner: no line break on either side. Drawn as nothing and left
# out of extracted text, like the zero-width space.
WJ = "\u2060"

# A web or e-mail address shown as text.
_ADDRESS_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+$|^[^\s@]+@[^\s@]+\.[^\s@]+$", re.I)
# Where an address may break: after a run of / . - ? & = (never inside "//").
_ADDRESS_BREAK_RE = re.compile(r"(?<=[/.\-?&=])(?![/.\-?&=])(?=.)")
# Inside an address, where the Unicode line-breaking rules (UAX #14) would still
# let the layout break: after a colon, comma or semicolon before a digit
# ("NORMLEXPUB:12100:0"), after ! ) ] } |. A word joiner holds these together.
_ADDRESS_UAX14_BREAK_RE = re.compile(r"(?<=[:;,!)\]}|])(?=.)")


# Punctuation no line may start with (Latin, and CJK as UAX #14's CL and IS classes).
CLOSING_PUNCTUATION = frozenset(
    ".,;:!?)]}\u00bb\u201d\u2019\uff0c\u3002\u3001\uff09\uff1a\uff1b\uff01\uff1f\u300d\u300f"
)

# The longest cell (in characters) of a column of short labels.
SHORT_CELL = 60

# A word long enough to be hyphenated (6 letters or more, scripts.css).
_CAPITALS_RE = re.compile(r"\b\w{6,}\b")


def _capitals(match: re.Match[str]) -> str:
    """An all-capitals word ("SAMLIT", "REFINITIV") in a span that is never hyphenated."""
    word = match.group(0)
    return f'<span class="caps">{word}</span>' if word.isupper() else word


def is_address(text: str) -> bool:
    return bool(_ADDRESS_RE.match(text))


def address_html(text: str, mark: str, glue: str = "") -> str:
    """An address escaped, with `mark` (a zero-width break) after each / . - ? & =,
    and `glue` (a word joiner, or nothing) where the layout must not break."""
    pieces = _ADDRESS_BREAK_RE.split(text)
    if glue:
        pieces = [_ADDRESS_UAX14_BREAK_RE.sub(glue, piece) for piece in pieces]
    return mark.join(escape(piece, quote=False) for piece in pieces)


def is_shown_href(shown: str, href: str) -> bool:
    """Whether a link shows its own address, decoded ("...#:~:text=In 2017 AUSTRAC..."
    for "...#:~:text=In%202017%20AUSTRAC..."): it is an address even with spaces in it."""
    return bool(_ADDRESS_RE.match(href)) and unquote(href) == shown


@dataclass
class Linker:
    """Turns a target id into an href. One document: `#id`; the EPUB: `file.xhtml#id`."""

    document_of: Callable[[str], str] | None = None

    def href(self, target: Target | None, ident: str) -> str:
        if self.document_of is None or target is None:
            return f"#{ident}"
        doc = self.document_of(target.section_id)
        if target.id == target.section_id:
            return doc
        return f"{doc}#{ident}"


@dataclass
class HtmlWriter:
    book: Book
    strings: dict[str, str]
    linker: Linker = field(default_factory=Linker)
    epub: bool = False  # add epub:type attributes (XHTML for reading systems)
    page_refs: bool = False  # print ", page N" after generated cross-references
    footnote_mode: str = "endnotes"  # endnotes | page-bottom
    index: dict[str, Target] = field(default_factory=dict)
    icon_src: Callable[[str], str] = lambda name: name
    # Icons as <img> (the EPUB) or as CSS backgrounds (print); decorative either
    # way, since the label beside them is text.
    icon_images: bool = False
    # Follow a generated cross-reference label with the target's title
    # ("section 1.4 Engaging with One Another"): the EPUB has no page numbers.
    xref_titles: bool = False
    # The level of the heading last written: a heading is never more than one
    # level below it (PDF/UA 14-003, WCAG 1.3.1), whatever the source's #s say.
    _heading_level: int = field(default=2, init=False, repr=False)

    @property
    def rtl(self) -> bool:
        return direction(self.book.meta.language) == "rtl"

    def break_mark(self) -> str:
        """A break opportunity in an address: <wbr/> for reading systems; in the PDF a
        zero-width space (WeasyPrint lays out each piece around a <wbr> as its own
        box, which a right-to-left line would reorder)."""
        return "<wbr/>" if self.epub else ZWSP

    def ltr_isolate(self, html: str) -> str:
        """`html` isolated as left-to-right text in a right-to-left edition
        (numbers, addresses, code), unchanged otherwise."""
        if not self.rtl:
            return html
        return f'<span dir="ltr">{LRI}{html}{PDI}</span>'

    def lang_attrs(self, lang: str) -> str:
        """` lang="en"`, plus ` dir="ltr"` where the text's direction is not the edition's.

        The one place where a text's language decides its direction, for the
        PDF, the EPUB and the factsheets alike: an element with its own `dir`
        is laid out as an isolated run (HTML's bidi isolation; WeasyPrint lays
        out a box with its own `direction` as a separate bidi paragraph).
        """
        own = direction(lang)
        if own != direction(self.book.meta.language):
            return f' lang="{attr(lang)}" dir="{own}"'
        return f' lang="{attr(lang)}"'

    def lang_of(self, ident: str) -> str:
        """The language (and direction) of a unit a translated edition shows in the source language."""
        if ident in self.book.untranslated and self.book.source_language:
            return self.lang_attrs(self.book.source_language)
        return ""

    def __post_init__(self) -> None:
        if not self.index:
            self.index = build_index(self.book)
        self._notes = {note.label: note for note in self.book.footnotes}

    # -- inline ---------------------------------------------------------------

    def inlines(self, nodes: list[Inline]) -> str:
        out: list[str] = []
        pending = list(nodes)
        while pending:
            node = pending.pop(0)
            after = pending[0] if pending else None
            if (isinstance(node, FootnoteRef) and isinstance(after, Text)
                    and after.text[:1] in CLOSING_PUNCTUATION):
                # A note marker keeps the punctuation after it on its line: no line
                # starts with "，" or "." (the layout would break between the boxes).
                glued = escape(after.text[0], quote=False)
                out.append(f'<span class="nobreak">{self.inline(node)}{glued}</span>')
                pending[0] = Text(after.text[1:])
                continue
            out.append(self.inline(node))
        return "".join(out)

    def inline(self, node: Inline) -> str:
        if isinstance(node, Text):
            text = _CAPITALS_RE.sub(_capitals, escape(node.text, quote=False))
            agency = escape(self.book.meta.publisher, quote=False)
            if agency and agency in text:
                # the agency's name is never hyphenated (scripts.css)
                text = text.replace(agency, f'<span class="agency">{agency}</span>')
            return text
        if isinstance(node, SoftBreak):
            return "\n"
        if isinstance(node, Emph):
            return f"<em>{self.inlines(node.children)}</em>"
        if isinstance(node, Strong):
            return f"<strong>{self.inlines(node.children)}</strong>"
        if isinstance(node, Code):
            ltr = ' dir="ltr"' if self.rtl else ""
            return f"<code{ltr}>{escape(node.text, quote=False)}</code>"
        if isinstance(node, Link):
            shown = plain_text(node.children) if node.children else node.href
            if all(isinstance(c, Text) for c in node.children) and (
                    is_address(shown) or is_shown_href(shown, node.href)):
                # An address printed as text: it breaks only after / . - ? & =,
                # is never hyphenated (class url) and reads left to right.
                ltr = ' dir="ltr"' if self.rtl else ""
                # (EPUB reading systems break addresses their own way at <wbr/>: no glue
                # there; the PDF and the web pages get it, as they get the zero-width space)
                glue = "" if self.epub else WJ
                return (f'<a class="url" href="{attr(node.href)}"{ltr}>'
                        f"{address_html(shown, self.break_mark(), glue)}</a>")
            return f'<a href="{attr(node.href)}">{self.inlines(node.children)}</a>'
        if isinstance(node, XRef):
            return self.xref(node)
        if isinstance(node, FootnoteRef):
            return self.noteref(node.label)
        if isinstance(node, Span) and not node.lang:
            # Latin words in right-to-left text (the typography transform): direction only
            return self.ltr_isolate(self.inlines(node.children))
        if isinstance(node, Span):
            inner = self.inlines(node.children)
            if direction(node.lang) != direction(self.book.meta.language):
                inner = f"{LRI if direction(node.lang) == 'ltr' else RLI}{inner}{PDI}"
            return f"<span{self.lang_attrs(node.lang)}>{inner}</span>"
        raise TypeError(f"unknown inline node {type(node).__name__}")

    def xref(self, node: XRef) -> str:
        target = self.index.get(node.target)
        href = self.linker.href(target, node.target)
        if node.children:
            return f'<a class="xref" href="{attr(href)}">{self.inlines(node.children)}</a>'
        text = label(target, self.label_words()) if target else node.target
        shown = escape(text, quote=False)
        if self.page_refs and "{page}" in self.strings["xref-page"]:
            # One message, "{section}, page {page}", in the translator's order; the
            # layout fills in the page (print.css: target-counter of data-target).
            before, _, after = self.strings["xref-page"].partition("{page}")
            page = f'<span class="xref-page" data-target="{attr(href)}"></span>'
            shown = (fill(escape(before, quote=False), section=shown) + page
                     + fill(escape(after, quote=False), section=shown))
        if self.xref_titles and target is not None and target.title and target.title != text:
            # One message, "{section} {title}", in the translator's order and punctuation.
            cited = f'<cite class="xref-title">{escape(target.title, quote=False)}</cite>'
            shown = fill(escape(self.strings["xref-title"], quote=False), section=shown, title=cited)
        # The label is in the edition's language, also inside an English fallback
        # block: in a right-to-left edition it is an isolated right-to-left run
        # ("Also see الفرع 1.2، الصفحة 21 for a table", not "1.2 الفرع ,21 الصفحة").
        rtl = ' dir="rtl"' if self.rtl else ""
        return f'<a class="xref auto" href="{attr(href)}"{rtl}>{shown}</a>'

    def label_words(self) -> dict[str, str]:
        """The theme's label templates ("Part {n}", "section {n}", "Promising Practice {n}")."""
        return {key: self.strings[key] for key in ("part-label", "section-label", "practice-label")}

    def noteref(self, label_: str) -> str:
        note = self._notes.get(label_)
        if self.footnote_mode == "page-bottom" and note is not None and not self.epub:
            return (
                f'<span class="footnote" id="fn-{attr(label_)}">'
                f"{self.inlines(note.children)}</span>"
            )
        href = self.linker.href(self.index.get(f"fn-{label_}"), f"fn-{label_}")
        epub = ' epub:type="noteref"' if self.epub else ""
        return (
            f'<sup class="noteref-wrap"><a class="noteref" id="fnref-{attr(label_)}" href="{attr(href)}"'
            f' role="doc-noteref" aria-label="{attr(fill(self.strings["note-ref-label"], label_))}"{epub}>'
            f"{escape(label_)}</a></sup>"
        )

    # -- blocks ---------------------------------------------------------------

    def blocks(self, blocks: list[Block], depth: int = 3) -> str:
        return "\n".join(self.block(b, depth) for b in blocks)

    def block(self, block: Block, depth: int = 3) -> str:
        if isinstance(block, Paragraph):
            return f"<p{self.lang_of(block.id)}>{self.inlines(block.children)}</p>"
        if isinstance(block, Heading):
            return self.heading(block)
        if isinstance(block, ListBlock):
            return self.list_block(block, depth)
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, Box):
            return self.box(block, depth)
        if isinstance(block, BlockQuote):
            return f"<blockquote>{self.blocks(block.blocks, depth)}</blockquote>"
        raise TypeError(f"unknown block {type(block).__name__}")

    def heading(self, h: Heading, in_box: bool = False) -> str:
        # Section titles are h2 (parts h1); the source's ## is h3, ### h4, box #### h5.
        level = min(h.level + 1, 6, self._heading_level + 1)
        self._heading_level = level
        letter = ""
        if h.letter:
            letter = f'<span class="letter">{self.ltr_isolate(escape(h.letter) + ")")}</span> '
        return (f'<h{level} id="{attr(h.id)}" class="sub sub{h.level}">'
                f"{letter}{self.in_unit_lang(h.id, self.inlines(h.children))}</h{level}>")

    def list_block(self, lst: ListBlock, depth: int) -> str:
        tag = "ol" if lst.ordered else "ul"
        start = f' start="{lst.start}"' if lst.ordered and lst.start != 1 else ""
        items = []
        for item in lst.items:
            # A "tight" list item is one paragraph: no <p> inside, as readers expect.
            lang = ""
            if len(item.blocks) == 1 and isinstance(item.blocks[0], Paragraph):
                inner = self.inlines(item.blocks[0].children)
                lang = self.lang_of(item.blocks[0].id)
            else:
                inner = self.blocks(item.blocks, depth)
            items.append(f"<li{lang}>{inner}</li>")
        return f"<{tag}{start}>\n" + "\n".join(items) + f"\n</{tag}>"

    def table(self, t: Table) -> str:
        # A column of short labels ("Implementer", "Multinational Companies") is
        # laid out narrow: its cells are not hyphenated (scripts.css), the table
        # layout widens the column to its longest word instead. At the theme's
        # 124 mm measure, every column of a table of three or more is narrow.
        short = {
            index for index in range(len(t.header))
            if len(t.header) >= 3 or max(
                (len(plain_text(row[index].children)) for row in t.rows if index < len(row)), default=0
            ) <= SHORT_CELL
        }

        def cell(c: Cell, tag: str, index: int) -> str:
            scope = ' scope="col"' if tag == "th" else ""
            classes = ([f"align-{c.align}"] if c.align else []) + (["short"] if index in short else [])
            cls = f' class="{attr(" ".join(classes))}"' if classes else ""
            return f"<{tag}{scope}{cls}{self.lang_of(c.id)}>{self.inlines(c.children)}</{tag}>"

        head = "".join(cell(c, "th", i) for i, c in enumerate(t.header))
        body = "\n".join(
            "<tr>" + "".join(cell(c, "td", i) for i, c in enumerate(row)) + "</tr>" for row in t.rows
        )
        return (
            f'<table id="{attr(t.id)}">\n<caption>{self.inlines(t.caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
        )

    def box(self, box: Box, depth: int) -> str:
        icon = self.book.icons[box.kind]
        label_text = self.strings.get(f"icon.{icon.id}", icon.label)
        if box.kind == "promising-practice" and box.number is not None:
            # one message ("{label} {n}"): a language may put the number first
            label_text = fill(self.strings["practice-box-label"], label=label_text, n=str(box.number))
        title = self.inlines(box.title)
        level = min(depth + 1, 6, self._heading_level + 1)
        heading_id = f"{box.id}-title"
        sector = f" sector-{attr(box.sector)}" if box.sector else ""
        epub_type = ""
        # DPUB-ARIA roles that say what a box is without making it a landmark
        # (an <aside> with no role is a "complementary" landmark: 38 of them
        # would crowd a screen reader's landmark list).
        role = f' role="{_BOX_ROLES.get(box.kind, "note")}"'
        # Short boxes are kept on one page; long ones may split (see print.css),
        # with their head kept with the first lines. ~1,100 characters is about
        # a third of a page in the print layout.
        long_ = " box--long" if _text_length(box.blocks) > 1100 else ""
        head = (
            f'<div class="box-head">{self.icon_html(icon.id)}'
            f'<p class="box-label">{escape(label_text)}</p>'
        )
        if title:
            self._heading_level = level
            head += (f'<h{level} class="box-title" id="{attr(heading_id)}"{self.lang_of(box.title_id)}>'
                     f"{title}</h{level}>")
            labelled = f' aria-labelledby="{attr(heading_id)}"'
        else:
            labelled = f' aria-label="{attr(label_text)}"'
        head += "</div>"
        body = self.blocks(box.blocks, depth + 1)
        return (
            f'<aside class="box box--{attr(box.kind)}{sector}{long_}" id="{attr(box.id)}"'
            f"{role}{labelled}{epub_type}>\n{head}\n"
            f'<div class="box-body">\n{body}\n</div>\n</aside>'
        )

    def icon_html(self, icon_id: str) -> str:
        """An icon type's picture.

        Decoration beside its printed label either way: in the EPUB an image
        with an empty text alternative, in print a CSS background (see
        colour_css), which a tagged PDF keeps out of the reading order.
        """
        icon = self.book.icons[icon_id]
        if self.icon_images:
            # Decorative: the label is printed beside it, and an alt text would
            # make a screen reader say it twice.
            return f'<img class="box-icon" src="{attr(self.icon_src(icon.svg))}" alt="" role="presentation" />'
        return f'<span class="box-icon box-icon--{attr(icon_id)}" aria-hidden="true"></span>'

    # -- pieces of a book -----------------------------------------------------

    def in_unit_lang(self, ident: str, html: str) -> str:
        """`html` (a unit's inline content) in a span with its language when the
        edition shows the unit in the source language; isolated by `dir` and, for
        text that CSS copies into running heads, by Unicode isolate marks."""
        lang = self.lang_of(ident)
        if not lang:
            return html
        if " dir=" in lang:
            html = f"{LRI}{html}{PDI}" if direction(self.book.source_language) == "ltr" else f"{RLI}{html}{PDI}"
        return f"<span{lang}>{html}</span>"

    def section_title(self, section: Section) -> str:
        self._heading_level = 2  # section titles are h2
        num = ""
        if section.number and section.kind == "section":
            num = f'<span class="num">{self.ltr_isolate(escape(section.number))}</span> '
        return f"{num}{self.in_unit_lang(f'{section.id}.title', self.inlines(section.title_inlines))}"

    def icon_table(self) -> str:
        rows = []
        for icon in self.book.icons.values():
            label_text = self.strings.get(f"icon.{icon.id}", icon.label)
            desc = self.strings.get(f"icon.{icon.id}.description", icon.description)
            rows.append(
                f'<tr class="icon-{attr(icon.id)}"><td class="icon-cell">{self.icon_html(icon.id)}</td>'
                f'<th scope="row">{escape(label_text)}</th><td>{escape(desc)}</td></tr>'
            )
        return (
            f'<table class="icon-table"><caption>{escape(self.strings["Icon Table"])}</caption>\n'
            f'<thead><tr><th scope="col"><span class="visually-hidden">{escape(self.strings["Icon"])}</span></th>'
            f'<th scope="col">{escape(self.strings["Label"])}</th>'
            f'<th scope="col">{escape(self.strings["Meaning"])}</th></tr></thead>\n'
            "<tbody>" + "\n".join(rows) + "</tbody></table>"
        )

    def endnotes(self) -> str:
        items = []
        for note in self.book.footnotes:
            back = self.linker.href(self.index.get(note.id), f"fnref-{note.label}")
            if self.linker.document_of is not None:
                back = f"{self._ref_document(note.label)}#fnref-{note.label}"
            # DPUB-ARIA 1.1 deprecates role doc-endnote (EPUBCheck warns): in the
            # EPUB a note is a list item of the doc-endnotes section, marked
            # epub:type="endnote" for reading systems' pop-up notes.
            epub = ' epub:type="endnote"' if self.epub else ' role="doc-endnote"'
            items.append(
                f'<li id="{attr(note.id)}"{epub}{self.lang_of(note.id)}>'
                f'<a class="note-label" href="{attr(back)}" role="doc-backlink" '
                f'aria-label="{attr(fill(self.strings["Back to text"], note.label))}">{escape(note.label)}</a> '
                f'<span class="note-text">{self.inlines(note.children)}</span></li>'
            )
        return '<ol class="notes">\n' + "\n".join(items) + "\n</ol>"

    def _ref_document(self, label_: str) -> str:
        """The document (EPUB) that cites a footnote, for its back link."""
        from ..model import all_inlines, walk_inlines

        if not hasattr(self, "_citing"):
            self._citing: dict[str, str] = {}
            for section, _loc, run in all_inlines(self.book):
                for node in walk_inlines(run):
                    if isinstance(node, FootnoteRef):
                        self._citing.setdefault(node.label, section.id)
        section_id = self._citing.get(label_)
        assert self.linker.document_of is not None
        return self.linker.document_of(section_id) if section_id else ""


def _text_length(blocks: list[Block]) -> int:
    from ..model import block_inlines, plain_text, walk_blocks

    return sum(len(plain_text(run)) for b in walk_blocks(blocks) for _loc, run in block_inlines(b))


def markup(text: str) -> Markup:
    return Markup(text)
