"""The EPUB's fonts, cut down to the characters the edition prints.

The theme's fonts are whole (Noto Sans CJK SC alone is 33 MB for two
weights); a reader downloading the EPUB needs only the glyphs of the text it
carries. Each font file is subset once per edition to every character of the
edition's XHTML (text and alt text), plus the text the stylesheets or the
reading system generate (list markers, hyphens, upper-cased labels).

Why harfbuzz's subsetter (uharfbuzz) and not fontTools': the same cut takes
about 0.5 s per Noto Sans face in fontTools and a few milliseconds in
harfbuzz, and the EPUB is meant to build as fast as Pandoc's. uharfbuzz ships
its own harfbuzz, so the version pinned in pyproject.toml fixes the bytes:
the subsetter writes no timestamp (the `head` table keeps the font's own
dates) and the same font and characters give the same file.

Licence (SIL OFL 1.1, themes/default/fonts/OFL.txt): none of the bundled
fonts declares a Reserved Font Name, so a subset may keep the font's names.
Condition 2 asks that every copy carry the copyright notice and the licence;
the subset keeps the whole `name` table (copyright, ID 0; licence
description and URL, IDs 13 and 14) so each embedded file carries both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import uharfbuzz as hb

# Text a reading system draws without it being in the document: the numbers
# and full stop of ordered lists (list-style: decimal), the bullet of
# unordered ones, and the hyphen of automatic hyphenation (`hyphens: auto`),
# which is either U+002D or U+2010 depending on the reading system.
GENERATED_TEXT = "0123456789.\u2022-\u2010"

_CSS_CONTENT = re.compile(r"""content\s*:\s*(["'])(.*?)\1""", re.S)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")


def stylesheet_text(css: str) -> str:
    """The characters CSS `content: "..."` declarations put on the page."""
    found = [_CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), m.group(2)) for m in _CSS_CONTENT.finditer(css)]
    return "".join(found)


def document_text(tree: Any) -> str:
    """Everything a parsed XHTML document (lxml) can show: its text nodes and
    its images' alt text (shown when the image is not)."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    return "".join(root.itertext()) + "".join(root.xpath("//@alt"))


def edition_characters(texts: Iterable[str]) -> frozenset[int]:
    """The code points to keep: every character of `texts`, its upper case
    (the stylesheets upper-case some labels with `text-transform`), and the
    generated text. Control characters (line breaks, tabs) draw nothing."""
    text = "".join(texts)
    text = text + text.upper() + GENERATED_TEXT
    return frozenset(ord(ch) for ch in set(text) if unicodedata.category(ch) != "Cc")


def subset_font(data: bytes, codepoints: frozenset[int]) -> bytes:
    """The font `data` (TrueType or CFF OpenType) with only the glyphs for
    `codepoints`, and the glyphs its layout features reach from them (Arabic
    joining forms, ligatures, marks), so a reading system shapes the text as
    the whole font would. (Cutting takes milliseconds, even for the CJK
    font: nothing is cached.)"""
    face = hb.Face(hb.Blob(data))
    request = hb.SubsetInput()
    request.unicode_set.update(codepoints)
    # Keep every name record (the copyright notice and the licence, see above).
    request.name_id_set.add_range(0, 0x7FFF)
    request.name_lang_id_set.add_range(0, 0xFFFF)
    result = hb.subset(face, request)
    if result is None:
        raise ValueError("harfbuzz could not subset the font")
    return bytes(result.blob.data)

