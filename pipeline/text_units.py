"""The translatable units of a book: one message per block.

A unit is a heading, a paragraph (list items and box paragraphs included), a
table cell or caption, a box or practice title, a footnote, a section title,
or one string of book.yml, icons.yml, sectors.yml, the factsheets or the
theme, or a word the EPUB writer prints. Each has its block's id in the model
(for reports; not a PO key), the place it comes from, the part it belongs to
(for `status`), and a way to put a translation back. Its PO key is its
English text, plus a msgctxt only where translations/contexts.yml gives one.

Extraction and application walk the model through this one function, so
what is extracted is exactly what can be translated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .model import (
    Block,
    BlockQuote,
    Book,
    Box,
    Heading,
    Inline,
    ListBlock,
    Loc,
    Paragraph,
    Table,
    plain_text,
)


@dataclass
class Unit:
    ctx: str  # the block's id in the model (for reports and the termbase's other_sense), not a PO key
    inlines: list[Inline] | None  # Markdown-bearing text, or None for a plain string
    text: str  # plain strings (book.yml, icons.yml, theme) when inlines is None
    loc: Loc
    group: str  # "front", "part-1".. "back", "footnotes", "book", "theme", "factsheets"
    set_inlines: Callable[[list[Inline]], None] | None = None
    set_text: Callable[[str], None] | None = None
    factsheet: bool = False  # used by a factsheet (issue: factsheet coverage per language)
    # msgctxt: None unless a translator asked for this block to have a context of its own
    # (translations/contexts.yml); the English text alone is the message's identity.
    context: str | None = None
    notes: list[str] = field(default_factory=list)  # for the translator: the PO file's `#.` comments


def _set_attr(obj: object, name: str) -> Callable[[object], None]:
    def setter(value: object) -> None:
        setattr(obj, name, value)

    return setter


def _block_units(blocks: list[Block], group: str, loc_default: Loc) -> Iterator[Unit]:
    for block in blocks:
        if isinstance(block, Heading):
            yield Unit(block.id, block.children, "", block.loc, group, _set_attr(block, "children"))
        elif isinstance(block, Paragraph):
            yield Unit(block.id, block.children, "", block.loc, group, _set_attr(block, "children"))
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from _block_units(item.blocks, group, item.loc)
        elif isinstance(block, Table):
            yield Unit(f"{block.id}.caption", block.caption, "", block.loc, group, _set_attr(block, "caption"))
            for cell in block.header + [c for row in block.rows for c in row]:
                yield Unit(cell.id, cell.children, "", cell.loc, group, _set_attr(cell, "children"))
        elif isinstance(block, Box):
            if block.title:
                yield Unit(block.title_id, block.title, "", block.loc, group, _set_attr(block, "title"))
            yield from _block_units(block.blocks, group, block.loc)
        elif isinstance(block, BlockQuote):
            yield from _block_units(block.blocks, group, block.loc)


def _plain(ctx: str, obj: object, name: str, loc: Loc, group: str) -> Unit | None:
    value = getattr(obj, name)
    if not value:
        return None
    return Unit(ctx, None, value, loc, group, set_text=_set_attr(obj, name))


def book_units(book: Book) -> Iterator[Unit]:
    """Every translatable unit of the book, in reading order (book.yml and the rest first)."""
    meta = book.meta

    def key_loc(key: str) -> Loc:
        # the line book.yml writes the key on, as the loader found it; a field the
        # file does not write (the author defaults to the publisher) has no line of
        # its own: line 0, no `#:` reference, rather than `book.yml:1`
        if not meta.key_locs:  # (a model made by hand)
            return meta.loc
        return meta.key_locs.get(key, Loc(meta.loc.file, 0))

    for name in ("title", "subtitle", "publisher", "publisher_unit", "author", "subject", "rights", "address"):
        unit = _plain(f"book.{name}", meta, name, key_loc(name), "book")
        if unit:
            yield unit
    for index, keyword in enumerate(meta.keywords):
        def set_keyword(text: str, index: int = index) -> None:
            meta.keywords[index] = text

        yield Unit(f"book.keywords.{index + 1}", None, keyword, key_loc(f"keywords.{index + 1}"), "metadata",
                   set_text=set_keyword, notes=["a keyword of the PDF and EPUB metadata (/Keywords)"])
    yield from _block_units(meta.about, "book", meta.loc)
    for icon in book.icons.values():
        for name in ("label", "description"):
            unit = _plain(f"icon.{icon.id}.{name}", icon, name, icon.loc, "book")
            if unit:
                yield unit
    for sector in book.sectors.values():
        for name in ("title", "short_title"):
            unit = _plain(f"sector.{sector.id}.{name}", sector, name, sector.loc, "book")
            if unit:
                yield unit
        yield from _block_units(sector.intro, "book", sector.loc)

    def section_units(section, group: str) -> Iterator[Unit]:  # type: ignore[no-untyped-def]
        def set_title(nodes: list[Inline], section=section) -> None:  # type: ignore[no-untyped-def]
            section.title_inlines = nodes
            section.title = plain_text(nodes)

        yield Unit(f"{section.id}.title", section.title_inlines, "", section.loc, group, set_title)
        yield from _block_units(section.blocks, group, section.loc)

    for section in book.front:
        yield from section_units(section, "front")
    for index, part in enumerate(book.parts, start=1):
        group = f"part-{index}"
        yield from section_units(part.opener, group)
        for section in part.sections:
            yield from section_units(section, group)
    for section in book.back:
        yield from section_units(section, "back")
    for note in book.footnotes:
        yield Unit(note.id, note.children, "", note.loc, "footnotes", _set_attr(note, "children"))
    for sheet in book.factsheets.values():
        for practice in sheet.practices:
            yield Unit(practice.summary_id, practice.summary, "", practice.loc, "factsheets",
                       _set_attr(practice, "summary"), factsheet=True)


def factsheet_contexts(book: Book) -> set[str]:
    """The ids of every message a factsheet prints (so translators can finish those first)."""
    from .model import walk_blocks

    ids: set[str] = {f"book.{name}" for name in ("title", "subtitle", "publisher", "publisher_unit", "address")}
    ids |= {u.ctx for u in _block_units(book.meta.about, "book", book.meta.loc)}
    ids |= {f"icon.{icon}.label" for icon in book.icons}
    boxes = {box.id: (section, box) for section, box in book.boxes()}
    sections = {section.id: section for section in book.sections()}
    for sector_id, sheet in book.factsheets.items():
        sector = book.sectors.get(sector_id)
        if sector is not None:
            ids |= {f"sector.{sector.id}.title", f"sector.{sector.id}.short_title"}
            ids |= {u.ctx for u in _block_units(sector.intro, "book", sector.loc)}
        for practice in sheet.practices:
            ids.add(practice.summary_id)
            if practice.id in boxes:
                ids.add(boxes[practice.id][1].title_id)
        for ref in sheet.all_boxes():
            if ref.id not in boxes:
                continue
            section, box = boxes[ref.id]
            ids |= {u.ctx for u in _block_units([box], "x", box.loc)}
            if not box.title:  # printed under the title of the sub-heading it stands under
                heading = None
                for block in section.blocks:
                    if isinstance(block, Heading) and block.level == 2:
                        heading = block
                    if any(inner is box for inner in walk_blocks([block])):
                        break
                if heading is not None:
                    ids.add(heading.id)
        if sheet.resources is not None and sheet.resources.id in sections:
            resources = sections[sheet.resources.id]
            ids |= {u.ctx for u in _block_units(resources.blocks, "x", resources.loc)}
    return ids


def mark_factsheet_units(book: Book, units: list[Unit]) -> list[Unit]:
    used = factsheet_contexts(book)
    for unit in units:
        unit.factsheet = unit.factsheet or unit.ctx in used or unit.ctx.startswith("theme.")
    return units


def theme_units(strings: dict[str, str], file: str, file_text: str = "") -> Iterator[Unit]:
    """The theme's words; the comment lines just above a key reach the PO file as `#.` comments."""
    lines = file_text.split("\n")
    for key, value in strings.items():
        def setter(text: str, key: str = key) -> None:
            strings[key] = text

        line = next((i for i, text in enumerate(lines, 1) if text.startswith((f"{key}:", f'"{key}":'))), 0)
        notes: list[str] = []
        above = line - 2
        while line and above >= 0 and lines[above].startswith("#"):
            notes.insert(0, lines[above].lstrip("# ").strip())
            above -= 1
        yield Unit(f"theme.{key}", None, value, Loc(file, line), "theme", set_text=setter, notes=notes)


def locate_yaml_keys(units: list[Unit], root: Path) -> list[Unit]:
    """Point icons.yml's and sectors.yml's strings at their own lines (the loader
    knows the line an icon's or a sector's entry starts on): `icon.<id>.<field>`
    and `sector.<id>.<field>` the line of their field. (book.yml's strings have
    theirs from the loader: `BookMeta.key_locs`.)"""
    _locate_entry_fields(units, root)
    return units


def _locate_entry_fields(units: list[Unit], root: Path) -> None:
    """icons.yml (a list of entries with an `id`) and sectors.yml (a mapping by id):
    each `icon.<id>.<field>` / `sector.<id>.<field>` unit at the line of its field."""
    from .errors import SourceError
    from .yamlfile import parse_yaml_located

    parsed: dict[str, tuple[object, dict[tuple[str | int, ...], int]] | None] = {}
    for unit in units:
        kind, _, rest = unit.ctx.partition(".")
        if kind not in ("icon", "sector") or not unit.loc.file.endswith(".yml"):
            continue
        entry_id, _, field_name = rest.rpartition(".")
        if unit.loc.file not in parsed:
            path = root / unit.loc.file
            try:
                parsed[unit.loc.file] = (parse_yaml_located(path.read_text(encoding="utf-8"), unit.loc.file)
                                         if path.is_file() else None)
            except SourceError:  # the loader already read it; a file changed since keeps its lines
                parsed[unit.loc.file] = None
        found = parsed[unit.loc.file]
        if found is None:
            continue
        data, lines = found
        key: tuple[str | int, ...] | None = None
        if kind == "sector" and isinstance(data, dict):
            key = (entry_id, field_name)
        elif kind == "icon" and isinstance(data, list):
            index = next((i for i, item in enumerate(data) if isinstance(item, dict) and item.get("id") == entry_id),
                         None)
            key = None if index is None else (index, field_name)
        if key is not None and key in lines:
            unit.loc = Loc(unit.loc.file, lines[key])
