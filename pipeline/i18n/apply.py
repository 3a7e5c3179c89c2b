"""A translated edition: the same model with its text replaced.

A unit finds its PO entry by its English text (and its msgctxt, where a
translator asked for one): the key is what gettext uses, so a paragraph that
moved keeps its translation. Every unit whose entry is translated and not
fuzzy gets the translation; every other unit keeps the English text, is
marked lang="en" and is listed in the language's report. A translated,
non-fuzzy entry that cannot be parsed, or that drops or adds a footnote, link
or cross-reference, is an error naming the PO file and the line of its msgstr
(the check that runs before any build); fuzzy entries are never checked: they
are not printed.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field

import polib

from ..errors import Finding, PipelineError, SourceError
from ..markdown import block_markdown, parse_inline
from ..model import Book, Inline, Link, Loc
from ..text_units import Unit, book_units, theme_units
from .catalog import assign_contexts, entry_key, key_of, message_of
from .inline import placeholders


@dataclass
class Fallback:
    ctx: str
    reason: str  # untranslated | fuzzy | stale | invalid
    loc: Loc
    source: str


@dataclass
class LocalisedLink:
    source: str  # the English edition's address
    translated: str  # the address the translator chose (the target-language version)
    loc: Loc  # the msgstr's line


@dataclass
class TranslationReport:
    lang: str
    translated: int = 0
    fallbacks: list[Fallback] = field(default_factory=list)
    localised_links: list[LocalisedLink] = field(default_factory=list)

    def count(self, reason: str) -> int:
        return sum(1 for f in self.fallbacks if f.reason == reason)

    def summary(self) -> str:
        """The build's one warning line for this language ('' when nothing falls back)."""
        return self.summary_of(self.as_dict())

    def summary_of(self, data: dict) -> str:  # type: ignore[type-arg]
        """The warning line from a report as written to translation-report.json."""
        fallbacks = data.get("fallbacks") or []
        if not fallbacks:
            return ""
        fuzzy = sum(1 for f in fallbacks if f.get("reason") == "fuzzy")
        untranslated = sum(1 for f in fallbacks if f.get("reason") == "untranslated")
        other = len(fallbacks) - fuzzy - untranslated
        extra = f", {other} invalid" if other else ""
        return (f"{self.lang}: {fuzzy} fuzzy, {untranslated} untranslated{extra}: printed in English "
                f"(see build/{self.lang}/translation-report.json)")

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.lang,
            "translated": self.translated,
            "fuzzy": self.count("fuzzy"),
            "untranslated": self.count("untranslated"),
            "fallbacks": [
                {"id": f.ctx, "reason": f.reason, "source": f"{f.loc}", "text": f.source[:200]}
                for f in self.fallbacks
            ],
            "localised_links": [
                {"source": link.source, "translated": link.translated, "po": f"{link.loc}"}
                for link in self.localised_links
            ],
        }


def entry_loc(po: polib.POFile, entry: polib.POEntry) -> Loc:
    """Where a translator fixes an entry: the line of its msgstr (polib's linenum is the msgid's)."""
    return Loc(po.fpath or "?", _msgstr_line(po, entry) or entry.linenum or 0)


def _msgstr_line(po: polib.POFile, entry: polib.POEntry) -> int:
    """The exact line of `msgstr`, read from the file's text when the parser kept it."""
    lines = getattr(po, "text_lines", None)
    if not lines or not entry.linenum:
        return 0
    for number in range(entry.linenum - 1, len(lines)):
        if lines[number].startswith(("msgstr", "#~ msgstr")):
            return number + 1
    return 0


def label(entry: polib.POEntry) -> str:
    """How a message names an entry to a translator: its context, or the start of its English."""
    if entry.msgctxt:
        return f"'{entry.msgctxt}'"
    text = entry.msgid if len(entry.msgid) <= 50 else entry.msgid[:47] + "..."
    return f'"{text}"'


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
        raise PipelineError(f"translation of {label(entry)}: {exc.message}", entry_loc(po, entry)) from None


def check_entry(unit: Unit, entry: polib.POEntry, po: polib.POFile) -> list[Finding]:
    """A translation keeps its source's footnotes, link targets, cross-references and emphasis."""
    loc = entry_loc(po, entry)
    if unit.inlines is None:
        wanted, given = sorted(re.findall(r"\{\w+\}", entry.msgid)), sorted(re.findall(r"\{\w+\}", entry.msgstr))
        if wanted != given:
            return [Finding("error", "translation-placeholders",
                            f"{label(entry)}: placeholders differ from the source (source has "
                            f"{', '.join(wanted) or 'none'}; translation has {', '.join(given) or 'none'})", loc)]
        tag = _HTML_TAG.search(entry.msgstr)
        if tag:
            message = f"{label(entry)}: raw HTML is not allowed in a translation: '{tag.group(0)[:60]}'"
            return [Finding("error", "translation-html", message, loc)]
        return []
    # The message is one block's inline text: a heading, box fence, table or
    # second paragraph in it would be printed literally inside the paragraph.
    block = block_markdown(entry.msgstr)
    if block and not block_markdown(entry.msgid):
        return [Finding("error", "translation-block",
                        f"{label(entry)}: the translation holds {block}, but the message is the "
                        "text of one block: translate it as one run of text", loc)]
    try:
        translated = parse_inline(entry.msgstr, loc)
    except SourceError as exc:
        message = exc.message.replace("in the source", "in a translation")
        return [Finding("error", "translation-invalid", f"{label(entry)}: {message}", loc)]
    want, got = placeholders(unit.inlines), placeholders(translated)
    findings = []
    names = {"footnotes": "footnote references", "links": "link targets",
             "xrefs": "cross-reference targets", "emphasis": "emphasis markers"}
    localised = localised_links(unit.inlines, translated)
    if localised is not None:
        for source, target in localised:
            if _host(source) != _host(target) and "url-localised:" not in (entry.tcomment or ""):
                findings.append(Finding(
                    "error", "translation-links",
                    f"{label(entry)}: the link to {source} points at another site ({target}); a translated "
                    "document on another site needs a translator comment '# url-localised: <reason>'", loc))
        want["links"] = got["links"]  # a changed address is judged above, not as a dropped link
    for key, name in names.items():
        if want[key] != got[key]:
            findings.append(Finding(
                "error", f"translation-{key}",
                f"{label(entry)}: {name} differ from the source: {_differences(want[key], got[key])}", loc))
    return findings


def _links_in_order(nodes: list[Inline]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Link):
            out.append(node.href)
        children = getattr(node, "children", None)
        if isinstance(children, list):
            out.extend(_links_in_order(children))
    return out


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def localised_links(source: list[Inline], translated: list[Inline]) -> list[tuple[str, str]] | None:
    """The links a translator pointed elsewhere, paired in order: [(English address, translated address)].

    None when the translation has a different number of links (then it is a
    dropped or added link, reported as such); [] when every address is kept."""
    want, got = _links_in_order(source), _links_in_order(translated)
    if len(want) != len(got):
        return None
    if sorted(want) == sorted(got):
        return []
    return [(a, b) for a, b in zip(want, got, strict=True) if a != b]


def translate_units(units: list[Unit], po: polib.POFile, report: TranslationReport) -> None:
    entries = {entry_key(entry): entry for entry in po if not entry.obsolete}
    for unit in units:
        source = message_of(unit)
        if not source.strip():
            continue
        entry = entries.get(key_of(unit))
        reason = ""
        if entry is None or not entry.msgstr:
            reason = "untranslated"
        elif entry.fuzzy:
            reason = "fuzzy"
        elif check_entry(unit, entry, po):
            reason = "invalid"
        elif unit.inlines is not None:
            for english, target in localised_links(unit.inlines, parse_translation(entry, po)) or []:
                report.localised_links.append(LocalisedLink(english, target, entry_loc(po, entry)))
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
                   extra_units=None, contexts: dict[tuple[str, str], str] | None = None,
                   ) -> tuple[Book, dict[str, str], TranslationReport]:  # type: ignore[no-untyped-def]
    """Return a translated copy of the book and theme strings, and the fallback report."""
    translated = copy.deepcopy(book)
    translated.meta.language = lang
    words = dict(strings)
    report = TranslationReport(lang)
    units = list(book_units(translated)) + list(theme_units(words, "themes/default/strings.yml"))
    if extra_units is not None:
        units += list(extra_units(translated))
    translate_units(assign_contexts(units, contexts or {}), po, report)
    translated.source_language = book.meta.language
    translated.untranslated = {f.ctx for f in report.fallbacks}
    return translated, words, report
