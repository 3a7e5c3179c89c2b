"""Counts that describe a loaded book: what `compendium check` prints and CI reads."""

from __future__ import annotations

from typing import Any

from .model import Book, Box, Link, Table, XRef, all_inlines, walk_blocks, walk_inlines


def summarise(book: Book) -> dict[str, Any]:
    boxes: dict[str, int] = {icon: 0 for icon in book.icons}
    tables = 0
    for section in book.sections():
        for block in walk_blocks(section.blocks):
            if isinstance(block, Box):
                boxes[block.kind] = boxes.get(block.kind, 0) + 1
            elif isinstance(block, Table):
                tables += 1
    internal = external = 0
    runs = [run for _s, _l, run in all_inlines(book)] + [n.children for n in book.footnotes]
    for run in runs:
        for node in walk_inlines(run):
            if isinstance(node, XRef):
                internal += 1
            elif isinstance(node, Link):
                external += 1
    return {
        "title": book.meta.title,
        "language": book.meta.language,
        "parts": len(book.parts),
        "sections": sum(len(p.sections) for p in book.parts),
        "front_matter": len(book.front),
        "back_matter": len(book.back),
        "boxes": boxes,
        "promising_practices": boxes.get("promising-practice", 0),
        "footnotes": len(book.footnotes),
        "tables": tables,
        "internal_links": internal,
        "external_links": external,
    }
