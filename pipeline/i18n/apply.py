"""A translated edition: the same model with its text replaced.

Every unit whose PO entry is translated, not fuzzy and made from the current
source text gets the translation; every other unit keeps the English text and
is listed in the language's report. A translation that cannot be parsed, or
that drops or adds a footnote, link or cross-reference, is an error naming
the PO file and line (the check that runs before any build).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field

import polib

from ..errors import Finding, PipelineError, SourceError
from ..markdown import block_markdown, parse_inline
from ..model import Book, Inline, Loc
from .catalog import message_of
from .inline import placeholders
from .units import Unit, book_units, theme_units


@dataclass
class Fallback:
    ctx: str
    reason: str  # untranslated | fuzzy | stale | invalid
    loc: Loc
    source: str


@dataclass
class TranslationReport:
    lang: str
    translated: int = 0
    fallbacks: list[Fallback] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.lang,
            "translated": self.translated,
            "fallbacks": [
                {"id": f.ctx, "reason": f.reason, "source": f"{f.loc}", "text": f.source[:200]}
                for f in self.fallbacks
            ],
        }


def entry_loc(po: polib.POFile, entry: polib.POEntry) -> Loc:
    return Loc(po.fpath or "?", entry.linenum or 0)


# An HTML tag or comment, as a translator might type one (theme strings are
# plain text: markup there would be printed, or worse, taken for markup).
_HTML_TAG = re.compile(r"<(?:[A-Za-z][\w:-]*(?:\s[^<>]*)?/?|/[A-Za-z][\w:-]*\s*|!--.*?--)>", re.S)


def _differences(want: list[str], got: list[str]) -> str:
    """How two lists of placeholders differ, in the words a translator needs."""
    missing = sorted((Counter(want) - Counter(got)).elements())
    extra = sorted((Counter(got) - Counter(want)).elements())
    if missing and extra:
        return f"the translation has {', '.join(extra)} where the source has {', '.join(missing)}"
    if missing:
        return f"the translation drops {', '.join(missing)}"
    return f"the translation adds {', '.join(extra)}"


def parse_translation(entry: polib.POEntry, po: polib.POFile) -> list[Inline]:
    try:
        return parse_inline(entry.msgstr, entry_loc(po, entry))
    except SourceError as exc:
        raise PipelineError(f"translation of '{entry.msgctxt}': {exc.message}", entry_loc(po, entry)) from None


def check_entry(unit: Unit, entry: polib.POEntry, po: polib.POFile) -> list[Finding]:
    """A translation keeps its source's footnotes, link targets, cross-references and emphasis."""
    loc = entry_loc(po, entry)
    if unit.inlines is None:
        wanted, given = sorted(re.findall(r"\{\w+\}", entry.msgid)), sorted(re.findall(r"\{\w+\}", entry.msgstr))
        if wanted != given:
            return [Finding("error", "translation-placeholders",
                            f"'{entry.msgctxt}': placeholders differ from the source (source has "
                            f"{', '.join(wanted) or 'none'}; translation has {', '.join(given) or 'none'})", loc)]
        tag = _HTML_TAG.search(entry.msgstr)
        if tag:
            message = f"'{entry.msgctxt}': raw HTML is not allowed in a translation: '{tag.group(0)[:60]}'"
            return [Finding("error", "translation-html", message, loc)]
        return []
    # The message is one block's inline text: a heading, box fence, table or
    # second paragraph in it would be printed literally inside the paragraph.
    block = block_markdown(entry.msgstr)
    if block and not block_markdown(entry.msgid):
        return [Finding("error", "translation-block",
                        f"'{entry.msgctxt}': the translation holds {block}, but the message is the "
                        "text of one block: translate it as one run of text", loc)]
    try:
        translated = parse_inline(entry.msgstr, loc)
    except SourceError as exc:
        message = exc.message.replace("in the source", "in a translation")
        return [Finding("error", "translation-invalid", f"'{entry.msgctxt}': {message}", loc)]
    want, got = placeholders(unit.inlines), placeholders(translated)
    findings = []
    names = {"footnotes": "footnote references", "links": "link targets",
             "xrefs": "cross-reference targets", "emphasis": "emphasis markers"}
    for key, label in names.items():
        if want[key] != got[key]:
            findings.append(Finding(
                "error", f"translation-{key}",
                f"'{entry.msgctxt}': {label} differ from the source: {_differences(want[key], got[key])}", loc))
    return findings


def translate_units(units: list[Unit], po: polib.POFile, report: TranslationReport) -> None:
    entries = {entry.msgctxt: entry for entry in po if not entry.obsolete}
    for unit in units:
        source = message_of(unit)
        if not source.strip():
            continue
        entry = entries.get(unit.ctx)
        reason = ""
        if entry is None or not entry.msgstr:
            reason = "untranslated"
        elif entry.fuzzy:
            reason = "fuzzy"
        elif entry.msgid != source:
            reason = "stale"
        elif check_entry(unit, entry, po):
            reason = "invalid"
        if reason:
            report.fallbacks.append(Fallback(unit.ctx, reason, unit.loc, source))
            continue
        assert entry is not None
        if unit.inlines is not None:
            assert unit.set_inlines is not None
            unit.set_inlines(parse_translation(entry, po))
        else:
            assert unit.set_text is not None
            unit.set_text(entry.msgstr)
        report.translated += 1


def translate_book(book: Book, strings: dict[str, str], po: polib.POFile, lang: str,
                   extra_units=None) -> tuple[Book, dict[str, str], TranslationReport]:  # type: ignore[no-untyped-def]
    """Return a translated copy of the book and theme strings, and the fallback report."""
    translated = copy.deepcopy(book)
    translated.meta.language = lang
    words = dict(strings)
    report = TranslationReport(lang)
    units = list(book_units(translated)) + list(theme_units(words, "themes/default/strings.yml"))
    if extra_units is not None:
        units += list(extra_units(translated))
    translate_units(units, po, report)
    translated.source_language = book.meta.language
    translated.untranslated = {f.ctx for f in report.fallbacks}
    return translated, words, report
