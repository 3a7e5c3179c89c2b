"""Letter the sub-headings of numbered sections: a), b), c)..."""

from __future__ import annotations

import string

from ..model import Book, Heading


def number_headings(book: Book) -> None:
    for part in book.parts:
        for section in part.sections:
            if not section.number:
                continue
            letters = iter(string.ascii_lowercase)
            for block in section.blocks:  # top level only: headings inside boxes are not lettered
                if isinstance(block, Heading) and block.level == 2:
                    block.letter = next(letters, "")
