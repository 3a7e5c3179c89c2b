"""Cross-references and footnotes: every reference lands, every note is cited,
and no reference is left as plain text."""

from __future__ import annotations

import re

from ..errors import Finding
from ..model import Book, FootnoteRef, Loc, XRef, block_inlines, walk_blocks, walk_inlines
from ..transforms.resolve import build_index
from ._text import text_runs

# Plain-text cross-references the original printed as words. The pipeline
# writes these itself from links to ids, so they must not stay as text.
PLAIN_XREF = re.compile(
    r"\b(?:[Ss]ee |[Aa]lso see )?(?:[Ss]ections? \d+\.\d+|[Ss]ection \([a-z]\)"
    r"|Parts? \d+(?:, \d+)*(?: and \d+)?|[Pp]romising [Pp]ractices? \d+)\b"
)


def check(book: Book) -> list[Finding]:
    out: list[Finding] = []
    index = build_index(book)
    cited: dict[str, Loc] = {}
    defined = {note.label: note for note in book.footnotes}

    def visit(runs) -> None:  # type: ignore[no-untyped-def]
        for loc, inlines in runs:
            _visit_run(inlines, loc, out, index, cited, defined)

    for section in book.sections():
        # a title's references come first in reading order
        visit([(section.loc, section.title_inlines)])
        visit(
            (loc, run) for block in walk_blocks(section.blocks) for loc, run in block_inlines(block)
        )
    visit((note.loc, note.children) for note in book.footnotes)
    for sector in book.sectors.values():
        visit(pair for block in walk_blocks(sector.intro) for pair in block_inlines(block))

    for note in book.footnotes:
        if note.label not in cited:
            out.append(
                Finding(
                    "error",
                    "footnote-unused",
                    f"footnote '{note.label}' is defined but never referenced",
                    note.loc,
                )
            )
    return out


def _visit_run(inlines, loc, out, index, cited, defined) -> None:  # type: ignore[no-untyped-def]
    for node in walk_inlines(inlines):
        if isinstance(node, XRef):
            if node.target not in index:
                out.append(
                    Finding(
                        "error",
                        "xref-unknown",
                        f"link to '#{node.target}', but no such id exists",
                        node.loc,
                    )
                )
        elif isinstance(node, FootnoteRef):
            if node.label not in defined:
                out.append(
                    Finding(
                        "error",
                        "footnote-undefined",
                        f"footnote '[^{node.label}]' is referenced but not defined",
                        node.loc,
                    )
                )
            elif node.label in cited:
                out.append(
                    Finding(
                        "warning",
                        "footnote-cited-twice",
                        f"footnote '[^{node.label}]' is referenced again "
                        f"(first at {cited[node.label]})",
                        node.loc,
                    )
                )
            else:
                cited[node.label] = node.loc
    _plain_text_xrefs(inlines, loc, out)


def _plain_text_xrefs(inlines, loc, out) -> None:  # type: ignore[no-untyped-def]
    """Text outside links that reads like a cross-reference."""
    for run in text_runs(inlines, loc):
        for m in PLAIN_XREF.finditer(run.text):
            out.append(Finding("error", "xref-plain-text",
                               f"cross-reference written as text: '{m.group(0)}' "
                               "(link to the target's id, e.g. '[](#engaging-with-one-another)')",
                               run.loc_at(m.start())))
