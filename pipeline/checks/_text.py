"""The plain text of an inline run, as the checks search it, with line numbers.

A paragraph may be wrapped over several source lines; a finding about a word
in it should name the word's line, not the paragraph's first line.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Emph, FootnoteRef, Inline, Link, Loc, SoftBreak, Span, Strong, Text, XRef


@dataclass
class TextRun:
    """Text between links, with the offsets at which each further source line starts."""

    text: str
    loc: Loc
    line_starts: list[int]

    def loc_at(self, offset: int) -> Loc:
        if not self.loc.line:
            return self.loc
        return Loc(self.loc.file, self.loc.line + bisect_right(self.line_starts, offset))


def text_runs(inlines: list[Inline], loc: Loc) -> Iterator[TextRun]:
    """Runs of text outside links and cross-references (emphasis included).

    A soft break reads as a space; a footnote reference as a space; a link,
    a cross-reference or inline code ends a run.
    """
    buffer: list[str] = []
    starts: list[int] = []
    run_loc = loc
    line = loc.line
    size = 0

    def flush() -> Iterator[TextRun]:
        nonlocal buffer, starts, size, run_loc
        if buffer:
            yield TextRun("".join(buffer), run_loc, starts)
        buffer, starts, size = [], [], 0
        run_loc = Loc(loc.file, line)

    def walk(nodes: list[Inline]) -> Iterator[TextRun]:
        nonlocal size, line, run_loc
        for node in nodes:
            if isinstance(node, Text):
                buffer.append(node.text)
                size += len(node.text)
            elif isinstance(node, SoftBreak):
                buffer.append(" ")
                size += 1
                if loc.line:
                    line += 1
                    starts.append(size)
            elif isinstance(node, FootnoteRef):
                buffer.append(" ")
                size += 1
            elif isinstance(node, Emph | Strong | Span):
                yield from walk(node.children)
            else:
                yield from flush()
                if isinstance(node, Link | XRef):
                    # the link's own text may be wrapped too
                    line += (
                        sum(1 for n in _walk(node.children) if isinstance(n, SoftBreak))
                        if loc.line
                        else 0
                    )
                    run_loc = Loc(loc.file, line)

    yield from walk(inlines)
    yield from flush()


def _walk(nodes: list[Inline]) -> Iterator[Inline]:
    for node in nodes:
        yield node
        if isinstance(node, Emph | Strong | Link | XRef | Span):
            yield from _walk(node.children)
