"""Typography per language: direction, quotation marks, spacing rules, dates.

Straight quotes and apostrophes become each language's marks, as the theme
declares them (`quotes:` in theme.yml), on the model, once per edition:
the source keeps what its authors typed.

French takes non-breaking spaces before `: ; ! ?` and inside « » (a narrow
one before ; ! ?, a full one before : and inside guillemets, as the
Imprimerie nationale's rules have it); translators type ordinary spaces and
this transform makes them unbreakable, so a colon never starts a line.
Direction, and the lookup of a language's quotes, are `languages.py`'s; date
formats come from Babel's locale data (CLDR), so adding a language needs no
code here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from ..languages import Quotes, direction, locale_of, quotes_for
from ..model import Book, Code, Emph, Inline, Link, Loc, SoftBreak, Span, Strong, Text, XRef

NBSP = "\u00a0"
NNBSP = "\u202f"


def long_date(iso: str, lang: str) -> str:
    locale = locale_of(lang)
    value = date.fromisoformat(iso)
    return format_date(value, "long", locale=locale) if locale else value.isoformat()


_FRENCH = [
    # a translator who typed no space at all: "Publié par:" (not "https:", "10:30")
    (re.compile(r"(?<=[^\s/:;!?\u00a0\u202f])([;!?])(?=\s|$|»)"), NNBSP + r"\1"),
    (re.compile(r"(?<=[^\s/:\u00a0\u202f])(:)(?=\s|$)"), NBSP + ":"),
    (re.compile(r"[ \u00a0\u202f]+([;!?])"), NNBSP + r"\1"),
    (re.compile(r"(?<=\S)[ \u00a0\u202f]+:(?=\s|$)"), NBSP + ":"),
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"),
]


def french_spacing(text: str) -> str:
    for pattern, replacement in _FRENCH:
        text = pattern.sub(replacement, text)
    return text


def label_colon(lang: str) -> str:
    """What follows a label such as "Published by" in the imprint: French takes a
    no-break space before the colon, Chinese a full-width colon."""
    base = lang.split("-")[0]
    if base == "fr":
        return NBSP + ": "
    if base in ("zh", "ja"):
        return "\uff1a"
    return ": "


# A straight quote opens when nothing, a space or an opening bracket or dash
# comes before it; otherwise it closes (or, for ', is an apostrophe).
_OPENS_AFTER = set(" \t\n\u00a0\u202f([{\u2014\u2013/-«“‘„")


class _QuoteState:
    """Turns straight quotes into a language's marks across the nodes of one run."""

    def __init__(self, quotes: Quotes) -> None:
        self.quotes = quotes
        self.before = " "  # the character before the current position, across nodes

    def fix(self, text: str) -> str:
        out: list[str] = []
        for i, char in enumerate(text):
            after = text[i + 1] if i + 1 < len(text) else " "
            if char == '"':
                char = self.quotes.open if self.before in _OPENS_AFTER else self.quotes.close
            elif char == "'":
                if self.before.isalnum() and (after.isalnum() or after in " .,;:!?)\u00a0"):
                    char = self.quotes.apostrophe  # don't, Member States', 1990's
                elif self.before in _OPENS_AFTER and not after.isspace():
                    char = self.quotes.inner_open
                else:
                    char = self.quotes.inner_close
            out.append(char)
            self.before = char[-1] if char else self.before
        return "".join(out)


TextFix = Callable[[str, str], str]  # (text, its language) -> text


def _fix_run(nodes: list[Inline], lang: str, fix: TextFix, state: _QuoteState,
             declared: dict[str, list[str]] | None) -> None:
    """Apply `fix` and smart quotes to a run in place; spans follow their own language."""
    for node in nodes:
        if isinstance(node, Text):
            before = state.before
            node.text = fix(state.fix(node.text), lang)
            if (lang.split("-")[0] == "fr" and node.text[:1] in ":;!?" and not before.isspace()
                    and before not in (NBSP, NNBSP)):
                # the mark follows a link or emphasis ("<https://...>; <https://...>")
                node.text = (NBSP if node.text[0] == ":" else NNBSP) + node.text
        elif isinstance(node, Emph | Strong | XRef):
            _fix_run(node.children, lang, fix, state, declared)
        elif isinstance(node, Link):
            if node.autolink:
                state.before = "x"  # a web address is a word: never quoted or spaced
            else:
                _fix_run(node.children, lang, fix, state, declared)
        elif isinstance(node, Span):
            # words in another language keep that language's marks and spacing
            inner = _QuoteState(quotes_for(node.lang, declared))
            inner.before = state.before
            _fix_run(node.children, node.lang, fix, inner, declared)
            state.before = inner.before
        elif isinstance(node, Code):
            state.before = "x"
        elif isinstance(node, SoftBreak):
            state.before = " "


def language_typography(text: str, lang: str) -> str:
    """The spacing rules of the text's own language (after quotes are made)."""
    # U+2010 is reserved for the hyphens the layout adds at line ends (the PDF
    # text layer makes those soft hyphens, see render/textlayer.py); a hyphen
    # in the text is the same hyphen written U+002D.
    text = text.replace("\u2010", "-")
    if lang.split("-")[0] == "fr":
        text = french_spacing(text)
    return text


# A run of Latin-script words in right-to-left text ("UNODC", "A-1400",
# "Tech Against Trafficking"): it ends on a letter or digit, so the sentence's
# own punctuation stays outside.
_LATIN_RUN = re.compile(r"[A-Za-z](?:[A-Za-z0-9\-.&/\u2019' ]*[A-Za-z0-9])?")


def isolate_latin(nodes: list[Inline], loc_of: Loc) -> list[Inline]:
    """Latin runs of right-to-left text as direction-only spans (lang ""), so
    that each is laid out as an isolated left-to-right run with its own order."""
    out: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text):
            pos = 0
            for m in _LATIN_RUN.finditer(node.text):
                if m.start() > pos:
                    out.append(Text(node.text[pos:m.start()]))
                out.append(Span("", [Text(m.group(0))], loc_of))
                pos = m.end()
            if pos < len(node.text):
                out.append(Text(node.text[pos:]))
            continue
        if isinstance(node, Emph | Strong | XRef):
            node.children = isolate_latin(node.children, loc_of)
        out.append(node)  # links (addresses are isolated by the renderer) and spans keep theirs
    return out


def apply_typography(book: Book, strings: dict[str, str], lang: str,
                     quotes: dict[str, list[str]] | None = None) -> None:
    """Typographic quotes and each language's spacing on every text of the edition, in place.

    Done once on the model, never in the source: a unit still in the source
    language (`book.untranslated`) follows the source language's rules, a
    `[...]{lang=xx}` span its own.
    """
    from ..text_units import book_units, theme_units

    units = list(book_units(book)) + list(theme_units(strings, "themes/default/strings.yml"))
    for unit in units:
        text_lang = book.source_language if unit.ctx in book.untranslated and book.source_language else lang
        if unit.inlines is not None:
            state = _QuoteState(quotes_for(text_lang, quotes))
            _fix_run(unit.inlines, text_lang, language_typography, state, quotes)
            if direction(text_lang) == "rtl":
                unit.inlines[:] = isolate_latin(unit.inlines, unit.loc)
            if unit.set_inlines is not None:
                unit.set_inlines(unit.inlines)  # a section's plain title follows its inlines
        elif unit.set_text is not None and unit.text:
            state = _QuoteState(quotes_for(text_lang, quotes))
            text = language_typography(state.fix(unit.text), text_lang)
            # plain text has no markup: Unicode's own isolate marks, drawn as nothing
            if direction(text_lang) == "rtl" and "{" not in text:
                text = _LATIN_RUN.sub(lambda m: f"\u2066{m.group(0)}\u2069", text)
            elif direction(lang) == "rtl" and text_lang != lang and "{" not in text:
                text = f"\u2066{text}\u2069"  # a fallback string in a right-to-left edition
            unit.set_text(text)
