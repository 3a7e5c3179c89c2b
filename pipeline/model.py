"""The one document model every stage downstream of `load` works on.

The loader builds it from `source/`; checks read it; transforms (numbering,
translation, sector selection) return changed copies; renderers walk it.
No stage after the loader parses Markdown again: inline content is already a
small tree of nodes here.

Every node knows where it came from (`loc`) so that any finding or error can
name the file and line an editor must open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Loc:
    """A place in the source: a path relative to the project and a 1-based line."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


# --------------------------------------------------------------------------
# Inline nodes
# --------------------------------------------------------------------------


@dataclass
class Text:
    text: str


@dataclass
class Emph:
    children: list[Inline]


@dataclass
class Strong:
    children: list[Inline]


@dataclass
class Code:
    text: str


@dataclass
class Link:
    """An external link (http/https)."""

    href: str
    children: list[Inline]
    loc: Loc
    autolink: bool = False


@dataclass
class XRef:
    """A cross-reference to an id in the book.

    Empty `children` asks the renderer to write the target's label
    ("section 1.4", "Promising Practice 13"); otherwise the author's words
    are kept as the link text.
    """

    target: str
    children: list[Inline]
    loc: Loc


@dataclass
class FootnoteRef:
    label: str
    loc: Loc


@dataclass
class SoftBreak:
    pass


@dataclass
class Span:
    """Text in another language than its surroundings: `[text]{lang=en}`.

    Translators mark document titles kept in English this way; renderers
    give it its language and, where the edition's direction differs, its
    own isolated direction. The typography transform also makes spans with
    no language (`lang == ""`): Latin words isolated in right-to-left text.
    """

    lang: str
    children: list[Inline]
    loc: Loc


Inline = Text | Emph | Strong | Code | Link | XRef | FootnoteRef | SoftBreak | Span


# --------------------------------------------------------------------------
# Block nodes
# --------------------------------------------------------------------------


@dataclass
class Heading:
    level: int
    children: list[Inline]
    id: str
    loc: Loc
    # Set by numbering: "a", "b", ... for level-2 headings of a section.
    letter: str = ""


@dataclass
class Paragraph:
    children: list[Inline]
    id: str
    loc: Loc


@dataclass
class ListItem:
    blocks: list[Block]
    id: str
    loc: Loc


@dataclass
class ListBlock:
    ordered: bool
    items: list[ListItem]
    id: str
    loc: Loc
    start: int = 1


@dataclass
class Cell:
    children: list[Inline]
    id: str
    loc: Loc
    align: str = ""


@dataclass
class Table:
    id: str
    caption: list[Inline]
    header: list[Cell]
    rows: list[list[Cell]]
    loc: Loc


@dataclass
class Box:
    """An icon box: its `kind` is an icon id from icons.yml.

    Promising practices are boxes of kind `promising-practice` with a
    `number` and a `sector`.
    """

    kind: str
    id: str
    title: list[Inline]
    blocks: list[Block]
    loc: Loc
    number: int | None = None
    sector: str | None = None
    title_id: str = ""


@dataclass
class BlockQuote:
    blocks: list[Block]
    id: str
    loc: Loc


Block = Heading | Paragraph | ListBlock | Table | Box | BlockQuote


# --------------------------------------------------------------------------
# Book structure
# --------------------------------------------------------------------------


@dataclass
class Section:
    """One source file: a numbered section, a part opener or a front/back piece."""

    id: str
    title: str
    number: str
    sectors: list[str]
    blocks: list[Block]
    loc: Loc
    kind: str = "section"  # section | part | front | back
    title_inlines: list[Inline] = field(default_factory=list)


@dataclass
class Part:
    opener: Section
    sections: list[Section]

    @property
    def id(self) -> str:
        return self.opener.id

    @property
    def number(self) -> str:
        return self.opener.number

    @property
    def title(self) -> str:
        return self.opener.title


@dataclass
class Footnote:
    label: str
    children: list[Inline]
    loc: Loc
    id: str = ""


@dataclass
class Icon:
    id: str
    label: str
    description: str
    svg: str  # path relative to the project
    colour: str
    loc: Loc


@dataclass
class Sector:
    id: str
    title: str
    short_title: str
    colour: str
    intro: list[Block]
    loc: Loc
    factsheet: bool = False


@dataclass
class Language:
    code: str
    name: str
    status: str  # source | draft | reviewed
    loc: Loc


@dataclass
class BookMeta:
    title: str
    subtitle: str
    publisher: str
    publisher_unit: str
    year: int
    date: str
    language: str
    author: str
    subject: str
    keywords: list[str]
    languages: list[Language]
    about: list[Block]
    loc: Loc
    rights: str = ""
    # The publisher's postal address (book.yml), printed where the factsheets say
    # where to get the full Compendium.
    address: str = ""
    # The Compendium's publication page; the factsheets print it only when set.
    publication_url: str = ""
    # The line of each key book.yml writes ("title"), and of each keyword
    # ("keywords.1"): where a message or a PO file's `#:` reference points.
    key_locs: dict[str, Loc] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Factsheets: what each sector's factsheet includes (read by factsheets.py)
# --------------------------------------------------------------------------


@dataclass
class FactsheetRef:
    """An id named in a factsheet file, with the line that names it."""

    id: str
    loc: Loc


@dataclass
class FactsheetPractice:
    id: str
    summary: list[Inline]
    loc: Loc
    # Translations are keyed on it: factsheet.<sector>.<practice-id>.summary
    summary_id: str = ""


@dataclass
class Factsheet:
    sector: str  # the file's name: source/factsheets/<sector>.yml
    budget: int  # pages; a longer factsheet fails the build
    boxes: list[FactsheetRef]
    practices: list[FactsheetPractice]
    loc: Loc  # the file (line 1)
    budget_loc: Loc = field(default_factory=lambda: Loc(""))
    resources: FactsheetRef | None = None
    # A shorter selection of boxes for a language whose text runs longer
    # (declared in the file under `languages: {fr: {boxes: [...]}}`, never silent).
    boxes_by_language: dict[str, list[FactsheetRef]] = field(default_factory=dict)

    def boxes_for(self, lang: str) -> list[FactsheetRef]:
        return self.boxes_by_language.get(lang, self.boxes)

    def all_boxes(self) -> list[FactsheetRef]:
        return self.boxes + [ref for refs in self.boxes_by_language.values() for ref in refs]


@dataclass
class Book:
    meta: BookMeta
    front: list[Section]
    parts: list[Part]
    back: list[Section]
    footnotes: list[Footnote]
    icons: dict[str, Icon]
    sectors: dict[str, Sector]
    # Files the book was loaded from, relative to the project: what a build's
    # cache key is computed over.
    files: list[str] = field(default_factory=list)
    # Where the generated Icon Table stands in the reading order (index into front).
    icon_table_after: str = ""
    # What each sector's factsheet includes (source/factsheets/<sector>.yml), by sector id.
    factsheets: dict[str, Factsheet] = field(default_factory=dict)
    # In a translated edition: the ids of the units still in the source
    # language (untranslated or fuzzy), so renderers can mark them lang="en".
    untranslated: set[str] = field(default_factory=set)
    source_language: str = ""

    def sections(self) -> Iterator[Section]:
        """Every source section in reading order, part openers included."""
        yield from self.front
        for part in self.parts:
            yield part.opener
            yield from part.sections
        yield from self.back

    def practices(self) -> Iterator[tuple[Section, Box]]:
        for section in self.sections():
            for block in walk_blocks(section.blocks):
                if isinstance(block, Box) and block.kind == "promising-practice":
                    yield section, block

    def boxes(self) -> Iterator[tuple[Section, Box]]:
        for section in self.sections():
            for block in walk_blocks(section.blocks):
                if isinstance(block, Box):
                    yield section, block

    def part_of(self, section: Section) -> Part | None:
        for part in self.parts:
            if section is part.opener or section in part.sections:
                return part
        return None


def walk_blocks(blocks: list[Block]) -> Iterator[Block]:
    """Every block, depth first, boxes' and list items' contents included."""
    for block in blocks:
        yield block
        if isinstance(block, Box | BlockQuote):
            yield from walk_blocks(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from walk_blocks(item.blocks)


def walk_inlines(inlines: list[Inline]) -> Iterator[Inline]:
    for node in inlines:
        yield node
        if isinstance(node, Emph | Strong | Link | XRef | Span):
            yield from walk_inlines(node.children)


def block_inlines(block: Block) -> Iterator[tuple[Loc, list[Inline]]]:
    """The inline runs that belong directly to a block (not to nested blocks), with their place."""
    if isinstance(block, Heading | Paragraph):
        yield block.loc, block.children
    elif isinstance(block, Table):
        yield block.loc, block.caption
        for cell in block.header:
            yield cell.loc, cell.children
        for row in block.rows:
            for cell in row:
                yield cell.loc, cell.children
    elif isinstance(block, Box):
        yield block.loc, block.title


def all_inlines(book: Book) -> Iterator[tuple[Section, Loc, list[Inline]]]:
    """Every inline run of the book's sections with its section and place."""
    for section in book.sections():
        for block in walk_blocks(section.blocks):
            for loc, run in block_inlines(block):
                yield section, loc, run


def plain_text(inlines: list[Inline]) -> str:
    """The text a reader sees, without markup (cross-references unresolved)."""
    out: list[str] = []
    for node in inlines:
        if isinstance(node, Text | Code):
            out.append(node.text)
        elif isinstance(node, SoftBreak):
            out.append(" ")
        elif isinstance(node, Emph | Strong | Link | XRef | Span):
            out.append(plain_text(node.children))
    return "".join(out)
