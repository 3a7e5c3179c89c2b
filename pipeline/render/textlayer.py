"""The PDF's text layer: line-end hyphenation hyphens read as soft hyphens.

WeasyPrint draws the hyphen it adds at a hyphenated line end as U+2010 and
maps that glyph to U+2010 in the font's ToUnicode CMap, so a reader copying,
searching or listening to the PDF gets "Per‐ sons". ISO 32000-1 §14.8.2.2.3
asks for a hyphenation hyphen to be U+00AD (soft hyphen) in the text: tools
then drop it and join the word.

The pipeline reserves U+2010 for those hyphens (the typography transform
writes any U+2010 of the text as U+002D, the same hyphen), so every glyph that
a ToUnicode CMap maps to U+2010 is a hyphenation hyphen: this post-process
maps it to U+00AD instead. The page content and the look do not change.
"""

from __future__ import annotations

import re
from typing import Any

# A `<glyph> <2010>` pair of a bfchar block (WeasyPrint writes one pair per
# glyph); the glyph code is kept, only the Unicode value changes.
_HYPHEN_PAIR = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<2010>")
SOFT_HYPHEN = b"<00AD>"


def soft_hyphenate_text_layer(pdf: Any) -> int:
    """Map hyphenation hyphens to soft hyphens in an open pikepdf PDF (saved by the
    caller, `pdf_tags.finish_pdf`); return how many CMaps were changed."""
    changed = 0
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            cmap = font.get("/ToUnicode")
            if cmap is None or cmap.objgen in seen:
                continue
            seen.add(cmap.objgen)
            data = cmap.read_bytes()
            new = _HYPHEN_PAIR.sub(rb"\1" + SOFT_HYPHEN, data)
            if new != data:
                cmap.write(new)
                changed += 1
    return changed
