"""Ids, sectors, promising-practice numbering and heading levels."""

from __future__ import annotations

from ..errors import Finding
from ..model import (
    Book,
    Box,
    Heading,
    ListBlock,
    Loc,
    Section,
    Table,
    plain_text,
    walk_blocks,
)


def _ids(book: Book):  # type: ignore[no-untyped-def]
    """Every explicit id with its location."""
    for section in book.sections():
        yield section.id, section.loc
        for block in walk_blocks(section.blocks):
            if isinstance(block, Heading | Box | Table) and block.id and "." not in block.id:
                yield block.id, block.loc


def check(book: Book) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[str, Loc] = {"icon-table": book.meta.loc}
    for ident, loc in _ids(book):
        if ident in seen:
            out.append(
                Finding(
                    "error",
                    "duplicate-id",
                    f"duplicate id '{ident}' (first used at {seen[ident]})",
                    loc,
                )
            )
        else:
            seen[ident] = loc

    known = ", ".join(book.sectors)
    for section in book.sections():
        for sector in section.sectors:
            if sector not in book.sectors:
                out.append(
                    Finding(
                        "error",
                        "unknown-sector",
                        f"unknown sector '{sector}' (known: {known})",
                        section.loc,
                    )
                )
        out.extend(_check_headings(section))
        for block in walk_blocks(section.blocks):
            if isinstance(block, Box):
                if not block.blocks:
                    out.append(
                        Finding("error", "empty-box", f"box '{block.id}' is empty", block.loc)
                    )
                if block.kind == "tips" and not block.title:
                    out.append(
                        Finding(
                            "warning",
                            "untitled-tips",
                            f"TIPS box '{block.id}' has no title",
                            block.loc,
                        )
                    )
            if isinstance(block, Table):
                width = len(block.header)
                for row in block.rows:
                    if len(row) != width:
                        out.append(
                            Finding(
                                "error",
                                "table-width",
                                f"table '{block.id}': a row has {len(row)} cells, "
                                f"the header {width}",
                                row[0].loc if row else block.loc,
                            )
                        )
                        break
            if (
                isinstance(block, Box)
                and block.kind != "promising-practice"
                and (block.number is not None or block.sector)
            ):
                out.append(
                    Finding(
                        "error",
                        "box-attribute",
                        f"box '{block.id}': only promising practices take a number and a sector",
                        block.loc,
                    )
                )

    expected = 1
    for _section, box in book.practices():
        if box.number is None:
            out.append(
                Finding(
                    "error",
                    "practice-number",
                    f"promising practice '{box.id}' has no number=",
                    box.loc,
                )
            )
            continue
        if box.number != expected:
            out.append(Finding("error", "practice-number",
                               f"promising practice '{box.id}' is numbered {box.number}; "
                               f"in reading order it should be {expected}", box.loc))
        expected = box.number + 1
        if not box.title:
            out.append(
                Finding(
                    "error",
                    "practice-title",
                    f"promising practice {box.number} has no title=",
                    box.loc,
                )
            )
        if not box.sector:
            out.append(
                Finding(
                    "error",
                    "practice-sector",
                    f"promising practice {box.number} has no sector=",
                    box.loc,
                )
            )
        elif box.sector not in book.sectors:
            out.append(
                Finding(
                    "error",
                    "unknown-sector",
                    f"promising practice {box.number}: unknown sector '{box.sector}' "
                    f"(known: {known})",
                    box.loc,
                )
            )
    return out


def _check_headings(section: Section) -> list[Finding]:
    """A heading may go at most one level deeper than the one before it.

    The section's own title is level 1 and `###` may open a section (the
    original has unlettered sub-headings); inside a box, headings are `####`.
    """
    out: list[Finding] = []
    previous = 2

    def visit(blocks, in_box: bool) -> None:  # type: ignore[no-untyped-def]
        nonlocal previous
        for block in blocks:
            if isinstance(block, Heading):
                if block.level == 1:
                    out.append(
                        Finding(
                            "error",
                            "heading-level",
                            "a '#' heading repeats the section title; "
                            "the title comes from the front matter",
                            block.loc,
                        )
                    )
                elif in_box and block.level < 4:
                    out.append(
                        Finding(
                            "error", "heading-level", "headings inside a box are '####'", block.loc
                        )
                    )
                elif not in_box and block.level > previous + 1:
                    out.append(
                        Finding(
                            "error",
                            "heading-level",
                            f"heading level skipped: '{'#' * block.level}' "
                            f"after '{'#' * previous}'",
                            block.loc,
                        )
                    )
                if not in_box and block.level == 2 and "." in block.id:
                    # an id with a dot is generated (section.hN): the source gave none
                    out.append(
                        Finding(
                            "error",
                            "heading-id",
                            f"'##' heading '{plain_text(block.children)[:50]}' has no id: "
                            "add {#some-id} at its end",
                            block.loc,
                        )
                    )
                if not in_box:
                    previous = block.level
            elif isinstance(block, Box):
                visit(block.blocks, True)
            elif isinstance(block, ListBlock):
                for item in block.items:
                    visit(item.blocks, in_box)

    visit(section.blocks, False)
    return out
