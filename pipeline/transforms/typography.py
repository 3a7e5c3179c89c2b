"""Typography per language: direction, spacing rules, dates.

French takes non-breaking spaces before `: ; ! ?` and inside « » (a narrow
one before ; ! ?, a full one before : and inside guillemets, as the
Imprimerie nationale's rules have it); translators type ordinary spaces and
this transform makes them unbreakable, so a colon never starts a line.
Direction and date formats come from Babel's locale data (CLDR), so adding a
language needs no code here.
"""

from __future__ import annotations

import re
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from ..model import Book, Emph, Inline, Link, Span, Strong, Text, XRef, block_inlines, walk_blocks

NBSP = "\u00a0"
NNBSP = "\u202f"


def _locale(lang: str) -> Locale | None:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def direction(lang: str) -> str:
    locale = _locale(lang)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def long_date(iso: str, lang: str) -> str:
    locale = _locale(lang)
    value = date.fromisoformat(iso)
    return format_date(value, "long", locale=locale) if locale else value.isoformat()


_FRENCH = [
    (re.compile(r"[ \u00a0\u202f]+([;!?])"), NNBSP + r"\1"),
    (re.compile(r"(?<=\S)[ \u00a0\u202f]+:(?=\s|$)"), NBSP + ":"),
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"),
]


def french_spacing(text: str) -> str:
    for pattern, replacement in _FRENCH:
        text = pattern.sub(replacement, text)
    return text


def _apply_to_inlines(nodes: list[Inline], fix) -> None:  # type: ignore[no-untyped-def]
    for node in nodes:
        if isinstance(node, Text):
            node.text = fix(node.text)
        elif isinstance(node, Emph | Strong | XRef):
            _apply_to_inlines(node.children, fix)
        elif isinstance(node, Span):
            # a span in another language keeps that language's rules (no
            # French spaces inside an English title)
            continue
        elif isinstance(node, Link) and not node.autolink:
            _apply_to_inlines(node.children, fix)


def apply_typography(book: Book, strings: dict[str, str], lang: str) -> None:
    """Apply the language's spacing rules to every text of the edition, in place."""
    if lang.split("-")[0] != "fr":
        return
    fix = french_spacing
    runs = [run for s in book.sections() for b in walk_blocks(s.blocks) for _l, run in block_inlines(b)]
    runs += [note.children for note in book.footnotes]
    runs += [run for sector in book.sectors.values() for b in walk_blocks(sector.intro) for _l, run in block_inlines(b)]
    runs += [run for b in walk_blocks(book.meta.about) for _l, run in block_inlines(b)]
    for section in book.sections():
        runs.append(section.title_inlines)
        section.title = fix(section.title)
    for run in runs:
        _apply_to_inlines(run, fix)
    for key, value in strings.items():
        strings[key] = fix(value)
    for icon in book.icons.values():
        icon.description = fix(icon.description)
    book.meta.title, book.meta.subtitle = fix(book.meta.title), fix(book.meta.subtitle)
