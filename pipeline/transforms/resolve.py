"""Every addressable thing in the book, by id: what a cross-reference points to.

Renderers ask this index for a target's label ("section 1.4", "Promising
Practice 13") instead of deciding it themselves, so the PDF, the EPUB and the
factsheets always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Book, Box, Heading, Loc, Section, Table, plain_text, walk_blocks

# Generated labels, as the theme's strings.yml writes them: "{n}" stands for
# the number, so a language can put it where its grammar wants ("第{n}部分").
DEFAULT_WORDS = {
    "part-label": "Part {n}",
    "section-label": "section {n}",
    "practice-label": "Promising Practice {n}",
}


def fill(template: str, number: str = "", /, **named: str) -> str:
    """A theme message with its placeholders filled: fill("Part {n}", "3") -> "Part 3",
    fill("{section}, page {page}", section="section 1.4", page="34").

    Plain replacement, not str.format: a translation is checked to keep the
    English's placeholders, and any other brace in it is printed as written.
    """
    out = template.replace("{n}", number) if number or not named else template
    for name, value in named.items():
        out = out.replace(f"{{{name}}}", value)
    return out


def book_title(template: str, title: str, subtitle: str) -> str:
    """The book's title and subtitle as one line, in the order and with the joint the
    translation gives them (the message "{title} {subtitle}"); the title alone when
    the book has no subtitle."""
    return fill(template, title=title, subtitle=subtitle) if subtitle else title


@dataclass(frozen=True)
class Target:
    id: str
    kind: str  # part | section | front | back | heading | box | practice | table | footnote
    number: str  # "1.4", "3", "13", "(c)" or ""
    title: str
    section_id: str  # the section file the target lives in (its XHTML document in the EPUB)
    loc: Loc


def build_index(book: Book) -> dict[str, Target]:
    index: dict[str, Target] = {}

    def add(target: Target) -> None:
        index.setdefault(target.id, target)

    for section in book.sections():
        kind = section.kind if section.kind != "section" else "section"
        add(Target(section.id, kind, section.number, section.title, section.id, section.loc))
        for block in walk_blocks(section.blocks):
            _add_block(add, section, block)
    add(Target("icon-table", "front", "", "Icon Table", "icon-table", book.meta.loc))
    for note in book.footnotes:
        add(Target(note.id, "footnote", note.label, note.label, "footnotes", note.loc))
    return index


def _add_block(add, section: Section, block) -> None:  # type: ignore[no-untyped-def]
    if isinstance(block, Heading):
        number = f"({block.letter})" if block.letter else ""
        add(Target(block.id, "heading", number, plain_text(block.children), section.id, block.loc))
    elif isinstance(block, Box):
        if block.kind == "promising-practice":
            add(Target(block.id, "practice", str(block.number or ""), plain_text(block.title), section.id, block.loc))
        else:
            add(Target(block.id, "box", "", plain_text(block.title), section.id, block.loc))
    elif isinstance(block, Table):
        add(Target(block.id, "table", "", plain_text(block.caption), section.id, block.loc))


def label(target: Target, words: dict[str, str] | None = None) -> str:
    """The words a reader sees for an empty-text cross-reference."""
    w = DEFAULT_WORDS | {k: v for k, v in (words or {}).items() if k in DEFAULT_WORDS}
    if target.kind == "part":
        return fill(w["part-label"], target.number)
    if target.kind == "section" and target.number:
        return fill(w["section-label"], target.number)
    if target.kind == "practice":
        return fill(w["practice-label"], target.number)
    if target.kind == "heading" and target.number:
        return fill(w["section-label"], target.number)
    return target.title
